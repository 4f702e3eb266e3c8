"""Run `python -m spocmail ...` counting its SQL statements and commits (bench/suite.py's intake figure).

    python bench/sqlcount.py OUT.json -m spocmail --config ... poll --once --json

The counts go to OUT.json ({"statements": N, "commits": N}) when the command ends; the listeners cost
a few microseconds a statement, so the timed run is the counted run.
"""

from __future__ import annotations

import atexit
import json
import runpy
import sys

from sqlalchemy import event
from sqlalchemy.engine import Engine

import collections
import os

counts = {"statements": 0, "commits": 0}
DETAIL = os.environ.get("SPOCMAIL_SQLCOUNT_DETAIL")  # a file: every statement's text, counted, most first
texts: collections.Counter = collections.Counter()


@event.listens_for(Engine, "before_cursor_execute")
def _statement(_conn, _cursor, statement, *_args, **_kw) -> None:
    counts["statements"] += 1
    if DETAIL:
        texts[" ".join(statement.split())[:160]] += 1


@event.listens_for(Engine, "commit")
def _commit(*_args, **_kw) -> None:
    counts["commits"] += 1


def main() -> None:
    out = sys.argv[1]
    assert sys.argv[2] == "-m", "usage: sqlcount.py OUT.json -m MODULE ARGS..."
    module = sys.argv[3]
    sys.argv = [module, *sys.argv[4:]]
    atexit.register(lambda: open(out, "w").write(json.dumps(counts)))
    if DETAIL:
        atexit.register(lambda: open(DETAIL, "w").write("".join(f"{n:6d} {t}\n" for t, n in texts.most_common())))
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
