"""Mailbox sources: the small protocol every mailbox implements, and the mail it yields."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterator, Protocol


@dataclass(frozen=True)
class FetchedMail:
    """One mail as the mailbox holds it: enough to store it once and acknowledge it later."""

    source: str  # stable name of the mailbox, e.g. "imap://spoc@127.0.0.1/INBOX" or "maildir:/var/maildir"
    uidvalidity: int | None  # IMAP UIDVALIDITY; None for Maildir
    uid: str  # IMAP UID (as text) or the Maildir key
    internaldate: datetime | None  # timezone-aware arrival time the server recorded, if any
    raw: bytes  # the mail exactly as delivered


class Mailbox(Protocol):
    """Where the SPOC's mail arrives. Nothing is acknowledged until it is safely stored."""

    source: str

    def fetch_new(self, batch_size: int = 50) -> Iterator[FetchedMail]:
        """Yield every mail not yet marked processed, oldest first."""

    def mark_processed(self, mail: FetchedMail) -> None:
        """Acknowledge a mail whose row is committed (move it, flag it, or move new/ -> cur/)."""

    def wait_for_mail(self, timeout: float) -> bool:
        """Block until new mail may have arrived (IMAP IDLE, or a sleep); True if the server said so."""

    def close(self) -> None:
        """Release the connection."""
