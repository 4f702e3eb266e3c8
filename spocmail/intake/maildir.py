"""The embedded default mailbox: a local Maildir, where a mail moves new/ -> cur/ only after it is committed."""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from spocmail.intake import FetchedMail


class MaildirMailbox:
    def __init__(self, path: Path, poll_seconds: float = 60.0):
        self.path = Path(path)
        self.poll_seconds = poll_seconds
        for sub in ("new", "cur", "tmp"):
            (self.path / sub).mkdir(parents=True, exist_ok=True)
        self.source = f"maildir:{self.path.resolve()}"

    def _pending(self) -> list[os.DirEntry]:
        with os.scandir(self.path / "new") as it:
            entries = [e for e in it if e.is_file() and not e.name.startswith(".")]
        # delivery order: mtime, then name (Maildir names begin with the delivery time)
        return sorted(entries, key=lambda e: (e.stat().st_mtime_ns, e.name))

    def fetch_new(self, batch_size: int = 50) -> Iterator[FetchedMail]:
        for entry in self._pending():
            try:
                raw = Path(entry.path).read_bytes()
                mtime = entry.stat().st_mtime
            except FileNotFoundError:  # taken by another process meanwhile
                continue
            yield FetchedMail(source=self.source, uidvalidity=None, uid=entry.name.split(":", 1)[0],
                              internaldate=datetime.fromtimestamp(mtime, timezone.utc), raw=raw)

    def mark_processed(self, mail: FetchedMail) -> None:
        src = self.path / "new" / mail.uid
        if not src.exists():
            return  # already moved: safe to call twice
        os.replace(src, self.path / "cur" / f"{mail.uid}:2,S")

    def wait_for_mail(self, timeout: float) -> bool:
        deadline = time.monotonic() + min(timeout, self.poll_seconds)
        while time.monotonic() < deadline:
            if self._pending():
                return True
            time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
        return False

    def append(self, folder: str, raw: bytes, flags=(), date=None) -> None:
        """Keep a copy in a sub-folder (Maildir++ style `.Sent`), as the IMAP mailbox does."""
        target = self.path / f".{folder}"
        for sub in ("new", "cur", "tmp"):
            (target / sub).mkdir(parents=True, exist_ok=True)
        deliver(target, raw, seen=True)

    def close(self) -> None:
        pass


_counter = 0


def deliver(path: Path, raw: bytes, seen: bool = False, when: datetime | None = None) -> Path:
    """Deliver one mail the Maildir way: write to tmp/, then rename into new/ (or cur/ when already seen).

    `when` sets the delivery time (the file's mtime, which intake reads as the arrival time)."""
    global _counter
    _counter += 1
    path = Path(path)
    for sub in ("new", "cur", "tmp"):
        (path / sub).mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns()}.P{os.getpid()}Q{_counter}.spocmail"
    tmp = path / "tmp" / name
    with open(tmp, "wb") as fh:
        fh.write(raw)
        fh.flush()
        os.fsync(fh.fileno())
    final = path / ("cur" if seen else "new") / (name + (":2,S" if seen else ""))
    if when is not None:
        os.utime(tmp, (when.timestamp(), when.timestamp()))
    os.replace(tmp, final)
    return final
