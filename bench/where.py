#!/usr/bin/env python3
"""Where a command's wall time goes, sampled by py-spy (`bench/suite.py --only intake --spy FILE`).

cProfile (`--profile`) charges every call its own overhead, which distorts where the time goes inside
code made of many small calls (compiling one SAVEPOINT statement: 0.15 ms a call under cProfile, 6.5 us
timed on its own), and it does not show time spent waiting. py-spy samples the stacks of a running process
200 times a second from outside it (`--idle`: waiting for the network or a disk counts too), so the shares
below are shares of the wall time the intake figure measures.

    .venv/bin/python bench/where.py FILE          # the summary of a py-spy raw file that --spy wrote

The main thread's samples are split three ways: by phase (the spocmail step under `poll_once`, and under
the per-mail `run_steps` the step that was running), by what was running at the innermost frame (the
database driver, SQLAlchemy's own Python, the email parser, spocmail's own code, waiting on a socket...),
and by whether SQLAlchemy was anywhere on the stack. The parse-ahead helper (a forked process) and the
thread that reads its results are counted apart: they run beside the main thread, not in its time.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

RATE = 200  # samples a second
_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def record(argv: list[str], out: Path, **run) -> subprocess.CompletedProcess:
    """Run `argv` under py-spy (its subprocesses too, idle time included), the raw stacks into `out`."""
    spy = Path(sys.executable).with_name("py-spy")
    return subprocess.run([str(spy) if spy.exists() else "py-spy", "record", "--rate", str(RATE), "--idle",
                           "--subprocesses", "--format", "raw", "--output", str(out), "--", *argv], **run)


def own_output(stdout: str) -> str:
    """The recorded command's standard output without py-spy's own lines, which share it. (py-spy exits 0
    whatever the command's exit status was: the caller checks what the command printed.)"""
    return "\n".join(line for line in stdout.splitlines() if line.strip() and not line.startswith("py-spy> "))


def _file(frame: str) -> tuple[str, str]:
    m = _FRAME.match(frame)
    return (m.group("func"), m.group("file")) if m else (frame, "")


# What the innermost frame was doing, first match wins: (label, test on (function, file)).
_DRIVER_CALLS = {"do_execute", "do_executemany", "do_commit", "do_rollback", "do_execute_no_params", "execute",
                 "executemany", "commit", "fetchall", "fetchone", "fetchmany"}
LEAF_KINDS: tuple[tuple[str, object], ...] = (
    ("database driver (sqlite3, psycopg)", lambda fn, f: f.startswith("psycopg") or f.startswith("sqlite3/")
        or (f.startswith("sqlalchemy/engine/default.py") and fn.split(".")[-1] in _DRIVER_CALLS)),
    ("SQLAlchemy's own Python", lambda fn, f: f.startswith("sqlalchemy/") or "<sqlalchemy generated" in fn),
    ("waiting on a socket (IMAP, SMTP)", lambda fn, f: f.split("/")[-1] in ("socket.py", "selectors.py", "ssl.py")
        or fn.endswith("_get_line") or fn.endswith("readline")),
    ("email parsing and generating (stdlib)", lambda fn, f: f.startswith("email/")),
    ("imaplib, imapclient, aiosmtplib, asyncio", lambda fn, f: f.split("/")[0] in ("imaplib.py", "imapclient",
                                                                                  "aiosmtplib", "asyncio")),
    ("regular expressions (stdlib re)", lambda fn, f: f.startswith("re/")),
    ("logging", lambda fn, f: f.startswith("logging/") or f == "spocmail/logs.py"),
    ("Jinja2 templates", lambda fn, f: f.startswith("jinja2/") or f.startswith("<template>")),
    ("bank-holiday tables (the holidays package, first use of a year)", lambda fn, f: f.startswith("holidays/")),
    ("importing modules", lambda fn, f: "importlib" in f or fn == "<module>"),
    ("spocmail's own code", lambda fn, f: f.startswith("spocmail/")),
)


@dataclass
class Summary:
    samples: Counter = field(default_factory=Counter)  # "main", "helper", "reader"
    phases: Counter = field(default_factory=Counter)   # main thread: "phase" or "phase > step"
    leaves: Counter = field(default_factory=Counter)   # main thread: LEAF_KINDS label or "other"
    under_sqlalchemy: int = 0                          # main thread: samples with SQLAlchemy on the stack

    def seconds(self, n: int) -> float:
        return n / RATE


def summarise(lines) -> Summary:
    """Summarise py-spy raw lines ("frame;frame;... COUNT", outermost first)."""
    s = Summary()
    for line in lines:
        stack, _, count = line.rstrip("\n").rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")[1:]  # the first is "process PID:command"
        parsed = [_file(f) for f in frames]
        funcs = [fn for fn, _ in parsed]
        if any(fn == "_helper" and f == "spocmail/parseahead.py" for fn, f in parsed):
            s.samples["helper"] += n
            continue
        if any(fn == "ParseAhead._read" for fn in funcs):
            s.samples["reader"] += n
            continue
        if not any(f == "spocmail/cli.py" for _, f in parsed):
            s.samples["other threads"] += n
            continue
        s.samples["main"] += n
        s.phases[_phase(parsed)] += n
        fn, f = parsed[-1] if parsed else ("", "")
        s.leaves[next((label for label, test in LEAF_KINDS if test(fn, f)), "other")] += n
        if any(f.startswith("sqlalchemy/") or "<sqlalchemy generated" in fn for fn, f in parsed):
            s.under_sqlalchemy += n
    return s


def _phase(parsed: list[tuple[str, str]]) -> str:
    mine = [fn for fn, f in parsed if f.startswith("spocmail/")]
    if "poll_once" not in mine:
        return "start-up (imports, config, rules) and the rest outside poll_once"
    below = mine[mine.index("poll_once") + 1:]
    if not below:
        return "poll_once itself"
    if "run_steps" in below:
        step = below[below.index("run_steps") + 1:below.index("run_steps") + 2]
        return "per-mail steps > " + (step[0] if step else "run_steps itself")
    if "_work_batch" in below:
        return "per-mail steps > savepoints, commit and the rest of _work_batch"
    return below[0]


def table(s: Summary) -> str:
    main = s.samples["main"] or 1
    out = [f"main thread: {s.seconds(s.samples['main']):.2f} s sampled ({s.samples['main']} samples at {RATE}/s); "
           f"beside it, parse-ahead helper {s.seconds(s.samples['helper']):.2f} s, its reader thread "
           f"{s.seconds(s.samples['reader']):.2f} s (mostly waiting), other threads "
           f"{s.seconds(s.samples['other threads']):.2f} s", "", "by phase (main thread):"]
    out += [f"  {100 * n / main:5.1f}%  {s.seconds(n):7.2f} s  {k}" for k, n in s.phases.most_common()]
    out += ["", "by what the innermost frame was doing (main thread):"]
    out += [f"  {100 * n / main:5.1f}%  {s.seconds(n):7.2f} s  {k}" for k, n in s.leaves.most_common()]
    out += ["", f"SQLAlchemy anywhere on the stack: {100 * s.under_sqlalchemy / main:.1f}% of the main thread"]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0].startswith("-"):
        print("usage: bench/where.py FILE   (a py-spy raw file, as bench/suite.py --spy FILE writes)", file=sys.stderr)
        return 2
    path = Path(args[0])
    if not path.is_file():
        print(f"bench/where.py: {path}: no such file; expected the raw output of py-spy record --format raw",
              file=sys.stderr)
        return 2
    with path.open() as fh:
        print(table(summarise(fh)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
