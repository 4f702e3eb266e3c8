"""The benchmark suite's code runs (`bench/suite.py --smoke`: a few mails per figure, no timing verdicts)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_bench_suite_runs_and_prints_every_figure(tmp_path):
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "suite.py"), "--smoke", "--backends", "sqlite",
                           "--json", str(tmp_path / "figures.json")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    table = proc.stdout
    for figure in ("intake ratio", "push latency", "weekly compile", "memory peak", "deadline computations",
                   "start-up", "a year"):
        assert figure in table, table
    assert "smoke" in table and "FAIL" not in table and "PASS" not in table  # no verdicts in the smoke form
    import json

    figures = json.loads((tmp_path / "figures.json").read_text())["sqlite"]
    assert figures["intake"]["mails"] == 12 and figures["intake"]["sent"] > 0
    assert figures["push"]["mails"] == 3
    year = figures["year"]  # two weeks replayed: mail polled, answered, weekly responses approved and sent
    assert year["mails"] == 4 and year["weeks"] == 2 and year["answers"] > 0 and year["weekly_sends"] == 2
