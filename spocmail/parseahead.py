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
daemon's. It ends when it has parsed them all, when the pass ends it (SIGKILL: it has nothing to tidy), or
when the daemon dies (the kernel kills it with its parent), so it never holds the daemon's inherited
connections open after the daemon. A result is taken only while the mail.toml in force has the stamp the
helper read it with.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import pickle
import signal
import sys
import threading

from spocmail import logs
from spocmail.filing import PreparedWords
from spocmail.mail import ParsedMail, lexicon, parse_mail

log = logs.get("parseahead")


def available() -> bool:
    """Fork is cheap and safe here (CPython takes the import lock across it; logging re-makes its locks)."""
    return (sys.platform.startswith("linux") and (os.cpu_count() or 1) >= 2
            and "fork" in multiprocessing.get_all_start_methods())


class ParseAhead:
    """One pass's helper: `start` it with the pass's mails, `take` each result, `stop` it at the end."""

    def __init__(self) -> None:
        self._results: dict[str, tuple[ParsedMail, PreparedWords | None, tuple]] = {}
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
        proc = ctx.Process(target=_helper, args=(theirs, ours, mails, classify_rules, os.getpid()), daemon=True,
                           name="spocmail-parse-ahead")
        # the daemon's stop signals wait until the copy has put its own handlers in place: a SIGTERM to the
        # process group must not run the daemon's handler in the copy
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
        try:
            proc.start()
        except OSError as exc:  # no memory or no process left for it: the steps parse as before
            ours.close()
            theirs.close()
            log.warning("parsing ahead not started: %s", exc, extra={"event": "parseahead.unavailable"})
            return False
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        theirs.close()
        self._proc, self._conn = proc, ours
        try:
            self._reader = threading.Thread(target=self._read, name="spocmail-parse-ahead-reader", daemon=True)
            self._reader.start()
        except BaseException:
            self.stop()
            raise
        log.info("parsing ahead on a second core", extra={"event": "parseahead.started", "mails": len(mails),
                                                           "pid": proc.pid})
        return True

    def _read(self) -> None:
        """Keep the pipe empty, so the helper never waits on the steps."""
        try:
            while True:
                sha, parsed, prepared, lexicon_key = pickle.loads(self._conn.recv_bytes())
                with self._lock:
                    self._results[sha] = (parsed, prepared, lexicon_key)
                    self.received += 1
        except (EOFError, OSError):  # the helper has finished or died
            return
        except Exception as exc:  # noqa: BLE001 - a result it cannot read: the steps parse the rest
            log.warning("parsing ahead stopped: %s", exc, extra={"event": "parseahead.failed"})

    def take(self, sha256: str) -> tuple[ParsedMail | None, PreparedWords | None]:
        """The helper's result for the mail with these bytes, once; (None, None) when it has none (yet), or
        when mail.toml has changed since the helper read it."""
        if self._proc is None:
            return None, None
        with self._lock:
            got = self._results.pop(sha256, None)
        if got is None or got[2] != lexicon.current_key():
            return None, None
        self.taken += 1
        return got[0], got[1]

    def stop(self) -> None:
        """End the helper (it has nothing to tidy), then the reader, which has met the end of the pipe."""
        if self._proc is None:
            return
        proc, self._proc = self._proc, None
        if proc.is_alive():
            proc.kill()
        proc.join()
        if self._reader is not None:
            self._reader.join()  # its write end is gone with it: the reader has its EOF
        self._conn.close()  # only now: a descriptor closed under a reading thread could be reused by another
        with self._lock:
            self._results.clear()
        log.info("parsing ahead ended", extra={"event": "parseahead.ended", "received": self.received,
                                               "taken": self.taken, "exitcode": proc.exitcode})


_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
_PR_SET_PDEATHSIG = 1


def _die_with(parent: int) -> None:
    """Have the kernel kill this process when its parent dies (Linux), and die now if it has already."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - not Linux's libc: a send to a dead parent still fails
        pass
    if os.getppid() != parent:
        os._exit(0)


def _helper(conn, their_end, mails: list[tuple[str, bytes]], classify_rules, parent: int) -> None:
    """In the forked copy: parse, prepare the words, send, nothing else."""
    _die_with(parent)
    their_end.close()  # the pass's end: held here too, a dead pass would never be noticed
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the daemon's ^C and stop requests are the daemon's
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)
    # what the parent left as garbage is never collected here, so no finaliser of it (a connection in a
    # reference cycle, say) runs in the copy; objects the fork itself finalises (another thread's
    # thread-locals) are not spocmail's connections
    gc.freeze()
    for sha, raw in mails:
        try:
            key = lexicon.current_key()  # the mail.toml this parse reads
            parsed = parse_mail(raw)
            if any(a._load is not None for a in parsed.attachments):
                continue  # a part decoded on demand would carry the whole mail back: the steps parse it
            prepared = PreparedWords.of(parsed, classify_rules) if classify_rules is not None else None
            data = pickle.dumps((sha, parsed, prepared, key), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - one it cannot parse or send: the steps parse it
            continue
        try:
            conn.send_bytes(data)
        except OSError:  # the pass has ended
            return
    conn.close()
