"""Parsing a large pass's mails on the machine's other core, ahead of the steps (issue 14).

A tenth of a large pass went on parsing: work that depends on a mail's bytes alone. When a pass hands the
steps at least `[limits] parse_ahead_from` mails (20; 0 for never) on a Linux machine with two or more
cores, one helper process is forked. It parses those bytes in the order intake stored them, which is the
order the steps take them, and sends each result back keyed by the bytes' SHA-256; with it, the splitting,
hashing and classifying of the words filing may take as the customer's (spocmail.filing.PreparedWords).

The steps take a result when there is one and parse the mail themselves when there is not, so the helper
changes only the time: a result is what `parse_mail` makes of the same bytes, in a copy of the same process
(the same code, the same mail.toml). A helper that falls behind, fails to start or dies costs nothing but
its head start.

The helper touches nothing but the bytes it was given: no database, no mailbox, no log, no signal of the
daemon's. It ends when it has parsed them all, when the pass closes its pipe, or when the pass ends it.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import signal
import sys
import threading

from spocmail import logs
from spocmail.filing import PreparedWords
from spocmail.mail import ParsedMail, parse_mail

log = logs.get("parseahead")


def available() -> bool:
    """Fork is cheap and safe here (CPython takes the import lock across it; logging re-makes its locks)."""
    return (sys.platform.startswith("linux") and (os.cpu_count() or 1) >= 2
            and "fork" in multiprocessing.get_all_start_methods())


class ParseAhead:
    """One pass's helper: `start` it with the pass's mails, `take` each result, `stop` it at the end."""

    def __init__(self) -> None:
        self._results: dict[str, tuple[ParsedMail, PreparedWords | None]] = {}
        self._lock = threading.Lock()
        self._proc = None
        self._conn = None
        self._reader: threading.Thread | None = None
        self.received = 0
        self.taken = 0

    @property
    def running(self) -> bool:
        return self._proc is not None

    def start(self, mails: list[tuple[str, bytes]], at_least: int, classify_rules=None) -> bool:
        """Fork the helper for these (SHA-256, bytes) pairs when there are at least `at_least` of them; with
        `classify_rules`, it prepares each mail's words for filing too."""
        if at_least <= 0 or len(mails) < at_least or self._proc is not None or not available():
            return False
        ctx = multiprocessing.get_context("fork")
        ours, theirs = ctx.Pipe(duplex=False)  # we receive, it sends
        for stream in (sys.stdout, sys.stderr):  # nothing buffered here is written a second time by the copy
            try:
                stream.flush()
            except (AttributeError, OSError, ValueError):
                pass
        try:
            proc = ctx.Process(target=_helper, args=(theirs, mails, classify_rules), daemon=True, name="spocmail-parse-ahead")
            proc.start()
        except OSError as exc:  # no memory or no process left for it: the steps parse as before
            ours.close()
            theirs.close()
            log.warning("parsing ahead not started: %s", exc, extra={"event": "parseahead.unavailable"})
            return False
        theirs.close()
        self._proc, self._conn = proc, ours
        self._reader = threading.Thread(target=self._read, name="spocmail-parse-ahead-reader", daemon=True)
        self._reader.start()
        log.info("parsing ahead on a second core", extra={"event": "parseahead.started", "mails": len(mails),
                                                           "pid": proc.pid})
        return True

    def _read(self) -> None:
        """Keep the pipe empty, so the helper never waits on the steps."""
        try:
            while True:
                sha, parsed, prepared = pickle.loads(self._conn.recv_bytes())
                with self._lock:
                    self._results[sha] = (parsed, prepared)
                    self.received += 1
        except (EOFError, OSError):  # the helper has finished or died, or the pass closed the pipe
            return
        except Exception as exc:  # noqa: BLE001 - a result it cannot read: the steps parse the rest
            log.warning("parsing ahead stopped: %s", exc, extra={"event": "parseahead.failed"})

    def take(self, sha256: str) -> tuple[ParsedMail | None, PreparedWords | None]:
        """The helper's result for the mail with these bytes, once; (None, None) when it has none (yet)."""
        if self._proc is None:
            return None, None
        with self._lock:
            got = self._results.pop(sha256, None)
        if got is None:
            return None, None
        self.taken += 1
        return got

    def stop(self) -> None:
        if self._proc is None:
            return
        proc, self._proc = self._proc, None
        if proc.is_alive():
            proc.terminate()
        proc.join(5)
        self._conn.close()
        if self._reader is not None:
            self._reader.join(5)
        with self._lock:
            self._results.clear()
        log.info("parsing ahead ended", extra={"event": "parseahead.ended", "received": self.received,
                                               "taken": self.taken, "exitcode": proc.exitcode})


def _helper(conn, mails: list[tuple[str, bytes]], classify_rules=None) -> None:
    """In the forked copy: parse, prepare the words, send, nothing else."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the daemon's ^C and stop requests are the daemon's
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    gc.freeze()  # the parent's objects are left as they were: no finaliser of its connections runs here
    for sha, raw in mails:
        try:
            parsed = parse_mail(raw)
            prepared = PreparedWords.of(parsed, classify_rules) if classify_rules is not None else None
            data = pickle.dumps((sha, parsed, prepared), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - one it cannot send (a part decoded on demand): the steps parse it
            continue
        try:
            conn.send_bytes(data)
        except OSError:  # the pass has ended
            return
    conn.close()
