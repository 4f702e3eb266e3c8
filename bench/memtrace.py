#!/usr/bin/env python3
"""Where the memory of one `spocmail ... poll --once` goes: tracemalloc peaks per phase, in-process.

    .venv/bin/python bench/memtrace.py --config DIR/config.toml --now ISO poll --once --json

Runs the CLI in this process with tracemalloc on, wrapping the phases of intake (IMAP fetch, store,
envelope, commit, limits, parse, the steps) so each reports the peak it reached above what was live when it
began, and prints at the end the largest allocations still live at the peak of the parse. Used to find
full copies of a large mail (bench/suite.py --only memory gives the resident figure itself).
"""

from __future__ import annotations

import functools
import json
import os
import sys
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_stack: list[list] = []  # [name, current at entry, running max of inner peaks]
rows: list[tuple] = []  # (depth, name, live at entry, peak above entry, peak resident so far)


def _maxrss() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _wrap(owner, attr: str, name: str) -> None:
    fn = getattr(owner, attr)

    @functools.wraps(fn)
    def inner(*a, **kw):
        cur, peak = tracemalloc.get_traced_memory()
        if _stack:
            _stack[-1][2] = max(_stack[-1][2], peak)
        tracemalloc.reset_peak()
        if os.environ.get("MEMTRACE_RSS_ONLY"):
            print(f"enter {name}: peak resident {_maxrss() / 1e6:.1f} MB", file=sys.stderr)
        _stack.append([name, cur, 0])
        try:
            return fn(*a, **kw)
        finally:
            _, peak = tracemalloc.get_traced_memory()
            frame = _stack.pop()
            top = max(frame[2], peak)
            rows.append((len(_stack), name, frame[1], top - frame[1], _maxrss()))
            if os.environ.get("MEMTRACE_RSS_ONLY"):
                print(f"exit {name}: peak resident {_maxrss() / 1e6:.1f} MB", file=sys.stderr)
            if _stack:
                _stack[-1][2] = max(_stack[-1][2], top)
            tracemalloc.reset_peak()

    setattr(owner, attr, inner)


def setup_and_run(size: int, backend: str) -> int:
    """Start the bench servers, put one big mail in the inbox and trace `poll --once` on it."""
    import os
    import tempfile

    sys.path.insert(0, str(ROOT / "bench"))
    import mailgen
    import suite

    os.environ.setdefault(suite.PASSWORD_ENV, "")
    suite.start_launcher()  # while small: a child's peak resident memory would include ours
    s = suite.Servers(postgres=backend == "postgresql")
    os.environ[suite.PASSWORD_ENV] = s.imap.password
    try:
        with tempfile.TemporaryDirectory(prefix="spocmail-memtrace-") as tmp:
            root = Path(tmp)
            cfg = suite.project(root, s.database(backend, root), s)
            suite.fill_inbox(s, [(mailgen.big_mail(size, suite.START), suite.START)])
            argv = [sys.executable, __file__, "--config", str(cfg), "--now", suite.NOW.isoformat(), "poll", "--once"]
            suite._LAUNCHER.stdin.write(json.dumps({"argv": argv, "cwd": str(root), "env": {
                suite.PASSWORD_ENV: os.environ[suite.PASSWORD_ENV], **{k: v for k, v in os.environ.items()
                                                                     if k.startswith("MEMTRACE")}}}) + "\n")
            suite._LAUNCHER.stdin.flush()
            got = json.loads(suite._LAUNCHER.stdout.readline())
            print(got["stderr"], file=sys.stderr)
            print(f"peak resident {got['maxrss'] / 1e6:.1f} MB", file=sys.stderr)
            return got["rc"]
    finally:
        s.stop()


def main() -> int:
    if sys.argv[1:2] == ["--bench"]:
        return setup_and_run(int(float(sys.argv[2])), sys.argv[3] if len(sys.argv) > 3 else "sqlite")
    if not os.environ.get("MEMTRACE_RSS_ONLY"):  # tracemalloc's own bookkeeping inflates the resident figure
        tracemalloc.start(12)
    from sqlalchemy.orm import Session

    from spocmail import cli, limits, pipeline
    from spocmail.db import rawstore
    from spocmail.intake import imap, poll, store
    from spocmail.mail import parse

    _wrap(imap.ImapMailbox, "_fetch_chunk", "imap fetch")
    _wrap(imap.ImapMailbox, "_fetch_large", "imap fetch in ranges")
    _wrap(poll, "_store_batch", "store (batch session)")
    _wrap(poll, "_store_once", "store (savepoint)")
    _wrap(store, "store_fetched", "store_fetched")
    _wrap(store, "read_envelope", "read_envelope")
    _wrap(store, "_write_blob", "write blob")
    _wrap(store.Batch, "_read", "batch look-ups")
    _wrap(store.Batch, "_track_uidvalidity", "track uidvalidity")
    _wrap(rawstore, "read_raw", "read raw (message_raw)")
    _wrap(Session, "execute", "execute")
    _wrap(Session, "scalar", "scalar")
    _wrap(Session, "commit", "commit")
    _wrap(Session, "flush", "flush")
    _wrap(pipeline, "handle", "handle")
    _wrap(limits, "raw_reason", "limits")
    _wrap(parse, "parse_mail", "parse_mail")
    pipeline.parse_mail = parse.parse_mail
    _wrap(pipeline, "run_steps", "steps")
    _wrap(pipeline, "process_stored", "process_stored")
    _wrap(poll, "intake", "intake")
    try:
        cli.cli.main(args=sys.argv[1:], prog_name="spocmail", standalone_mode=False)
    except SystemExit:
        pass
    _, peak = tracemalloc.get_traced_memory()
    print("\nphase (traced by tracemalloc)   live at entry  peak above entry  peak resident after (MB)",
          file=sys.stderr)
    last = 0
    for depth, name, live, above, rss in rows:
        if above > 1e6 or rss - last > 1e6 or os.environ.get("MEMTRACE_ALL"):
            print(f"{'  ' * depth}{name:<30} {live / 1e6:10.1f}  {above / 1e6:10.1f}  {rss / 1e6:10.1f}", file=sys.stderr)
        last = rss
    return 0


if __name__ == "__main__":
    sys.exit(main())
