"""An installed package works: the wheel carries the rules, templates and examples, and runs outside the checkout."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.helpers import REPO


@pytest.mark.slow
def test_the_wheel_installed_outside_the_checkout_runs_demo_deadline_init_poll_and_preview(tmp_path_factory):
    work = tmp_path_factory.mktemp("installed")
    assert not work.resolve().is_relative_to(REPO)
    # The wheel alone into a fresh venv, borrowing this interpreter's dependencies: the same checks as
    # CI's real install (`make installed-check`), fast enough for the suite.
    done = subprocess.run(["bash", str(REPO / "tests" / "installed_check.sh"), "--borrow-deps", sys.executable,
                           "--work", str(work)], capture_output=True, text=True, timeout=170)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok: the wheel installs and runs outside the checkout" in done.stdout
    [wheel] = (work / "dist").glob("spocmail-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for kind in ("rules", "templates"):
        for src in (REPO / kind).iterdir():
            assert f"spocmail/_data/{kind}/{src.name}" in names, f"{kind}/{src.name} is not in the wheel"
    assert {"spocmail/_data/examples/register.toml", "spocmail/_data/config.example.toml"} <= names
    for src in (REPO / "spocmail" / "web").glob("*/*.*"):  # the web page's templates and style sheet
        if src.parent.name == "__pycache__":  # bytecode a run of the checkout wrote, not a file of the page
            continue
        assert f"spocmail/web/{src.parent.name}/{src.name}" in names, f"web/{src.parent.name}/{src.name} is not in the wheel"
    # what ran came from the venv, never from the checkout
    installed = next((work / "venv").glob("lib/python*/site-packages/spocmail"))
    assert (installed / "_data" / "rules" / "answers.toml").read_bytes() == (REPO / "rules/answers.toml").read_bytes()
    assert (work / "run" / "demo" / "outbox").is_dir() and any((work / "run" / "demo" / "outbox").glob("*.eml"))
    assert (work / "run" / "site" / "rules" / "classify.toml").is_file()
