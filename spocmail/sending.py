"""Send what the outbox holds through the configured transport, and keep a copy in the mailbox's Sent folder."""

from __future__ import annotations

from spocmail import logs, outbox
from spocmail.clock import Clock
from spocmail.config import Config
from spocmail.db import Database
from spocmail.transport import transport_for

log = logs.get("sending")


def flush_outbox(config: Config, db: Database, clock: Clock, mailbox=None) -> dict:
    """One pass over the outbox. `mailbox` (if open) receives the Sent copies; else one is opened for it."""
    from spocmail.intake.poll import open_mailbox

    transport = transport_for(config)
    if config.smtp.kind == "graph":  # Graph files its own copy in the mailbox's Sent Items
        return outbox.flush(db, transport, clock, sent_copy=None,
                            per_hour=config.smtp.max_per_address_per_hour).as_dict()
    own = mailbox is None
    box = open_mailbox(config) if own else mailbox
    try:
        many = getattr(box, "append_many", None)  # IMAP: one MULTIAPPEND for a batch of copies
        result = outbox.flush(db, transport, clock, per_hour=config.smtp.max_per_address_per_hour,
                              sent_copy=lambda raw: box.append(config.mailbox.sent_folder, raw, flags=["\\Seen"]),
                              sent_copies=(lambda raws: many(config.mailbox.sent_folder, raws, flags=["\\Seen"]))
                              if many is not None else None)
        if many is not None and not result.stopped:  # batched copies: make any a crash left unmade
            outbox.copy_missing(db, lambda raw: box.append(config.mailbox.sent_folder, raw, flags=["\\Seen"],
                                                           maybe_stored=True), clock)
    finally:
        if own:
            box.close()
    return result.as_dict()


def flush_without_mailbox(config: Config, db: Database, clock: Clock, reason: str) -> dict:
    """Send what is due while the mailbox cannot be opened (its sign-in refused): each mail goes, and its
    missing Sent copy is recorded against it (`sent_copy_error`) rather than holding the mail back."""
    from spocmail.errors import MailboxError

    def no_copy(raw: bytes) -> None:
        raise MailboxError(f"no copy in Sent: the mailbox could not be opened ({reason})")

    return outbox.flush(db, transport_for(config), clock, per_hour=config.smtp.max_per_address_per_hour,
                        sent_copy=None if config.smtp.kind == "graph" else no_copy).as_dict()
