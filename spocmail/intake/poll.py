"""One pass over the mailbox: store each new mail (commit), and only then acknowledge it to the mailbox."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable

from sqlalchemy.exc import IntegrityError

from spocmail import logs, stopping
from spocmail.clock import Clock
from spocmail.config import Config
from spocmail.db import Database
from spocmail.errors import ConfigError
from spocmail.intake import FetchedMail, Mailbox
from spocmail.intake.store import mark_acknowledged_many, store_fetched

log = logs.get("intake")


@dataclass
class PollCounts:
    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    filed: int = 0
    answers: int = 0
    triage: int = 0
    quarantined: int = 0
    sent: int = 0

    def to_json(self) -> dict:
        return asdict(self)

    def add(self, other: "PollCounts") -> None:
        for k, v in asdict(other).items():
            setattr(self, k, getattr(self, k) + v)


def open_mailbox(config: Config) -> Mailbox:
    mb = config.mailbox
    if mb.kind == "maildir":
        from spocmail.intake.maildir import MaildirMailbox

        if not mb.create:
            _require_maildir(config)
        return MaildirMailbox(mb.path, poll_seconds=mb.poll_seconds)
    from spocmail.intake.imap import ImapMailbox

    provider = None
    if mb.auth == "oauth2":
        from spocmail.oauth2 import shared_provider

        provider = shared_provider(config)
    return ImapMailbox(host=mb.host, port=mb.port, security=mb.security, username=mb.username,
                       password="" if provider else mb.password(), token_provider=provider, folder=mb.folder, processed_folder=mb.processed_folder,
                       timeout=float(mb.timeout_seconds), poll_seconds=mb.poll_seconds)


def _require_maildir(config: Config) -> None:
    """A Maildir that is not there is a mistyped path, not an empty mailbox: polling it would "succeed"
    for ever while the mail goes elsewhere."""
    path = config.mailbox.path
    missing = [sub for sub in ("new", "cur", "tmp") if not (path / sub).is_dir()]
    if not missing:
        return
    where = config.path or "config"
    what = "no such folder" if not path.exists() else f"not a Maildir (no {', '.join(f'{m}/' for m in missing)})"
    raise ConfigError(f"{where}: [mailbox] path = \"{path}\": {what}; correct the path, make it a Maildir "
                      f"(folders new/, cur/ and tmp/), or set create = true in [mailbox] to let spocmail create it")


def _store_once(db: Database, mail: FetchedMail, clock: Clock):
    """Store it, or find it stored: a second daemon reading the same mailbox may store the same mail at the
    same moment, and the loser of that race (a unique violation) finds the winner's row on a second look."""
    for attempt in (1, 2):
        try:
            with db.session() as session:
                return store_fetched(session, mail, clock.now())
        except IntegrityError:
            if attempt == 2:
                raise
            log.info("stored meanwhile by another process", extra={"event": "intake.race", "uid": mail.uid})


def intake(db: Database, mailbox: Mailbox, clock: Clock, batch_size: int = 50,
           on_mail: Callable[[FetchedMail], None] | None = None) -> PollCounts:
    """Store everything new. A mail is acknowledged to the mailbox only after its row is committed.

    Each mail is stored (and committed) on its own, so one race or fault costs only that mail; the mailbox
    is told in one go per batch of `batch_size` stored mails (one UID MOVE, one commit for the record of
    it). A crash between the commits and the MOVE leaves the batch in the mailbox: the next pass finds
    each mail stored already (by location or SHA-256) and only acknowledges it."""
    counts = PollCounts()
    stored: list[FetchedMail] = []
    try:
        for mail in mailbox.fetch_new(batch_size=batch_size):
            counts.fetched += 1
            result = _store_once(db, mail, clock)
            if result.created:
                counts.stored += 1
                counts.quarantined += int(result.quarantined)
            else:
                counts.duplicates += 1
            stored.append(mail)
            if on_mail is not None:
                on_mail(mail)
            if len(stored) >= batch_size:
                _acknowledge(db, mailbox, stored, clock)
                stored = []
            if stopping.requested():  # what is not fetched yet stays in the mailbox
                break
    except BaseException:
        if stored:  # committed, so told to the mailbox even when a later mail of the batch failed
            try:
                _acknowledge(db, mailbox, stored, clock)
            except Exception as exc:  # noqa: BLE001 - the first fault is the one to report; these wait
                log.warning("could not acknowledge stored mail; the next pass will", extra={
                    "event": "intake.ack_deferred", "mails": len(stored), "error": str(exc)})
        raise
    if stored:
        _acknowledge(db, mailbox, stored, clock)
    return counts


def _acknowledge(db: Database, mailbox: Mailbox, mails: list[FetchedMail], clock: Clock) -> None:
    """Tell the mailbox about mails whose rows are committed, then note that it was told."""
    many = getattr(mailbox, "mark_processed_many", None)
    if many is not None:
        many(mails)
    else:
        for mail in mails:
            mailbox.mark_processed(mail)
    with db.session() as session:
        mark_acknowledged_many(session, mails, clock.now())
