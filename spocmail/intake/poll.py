"""One pass over the mailbox: store each batch of new mail (one commit), and only then acknowledge it to the mailbox."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from spocmail import logs, stopping
from spocmail.clock import Clock
from spocmail.config import Config
from spocmail.db import Database
from spocmail.errors import ConfigError
from spocmail.intake import FetchedMail, Mailbox
from spocmail.intake.store import Batch, StoreResult, mark_acknowledged_many, store_fetched

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


def _store_once(session, batch: Batch, mail: FetchedMail, now):
    """Store it in a savepoint of the batch's transaction, or find it stored: a second daemon reading the
    same mailbox may store the same mail at the same moment, and the loser of that race (a unique
    violation) rolls back only this mail's savepoint and finds the winner's row on a second look."""
    for attempt in (1, 2):
        try:
            with session.begin_nested():
                return store_fetched(session, mail, now, batch=batch)
        except IntegrityError:
            batch.failed()
            if attempt == 2:
                raise
            log.info("stored meanwhile by another process", extra={"event": "intake.race", "uid": mail.uid})
        except BaseException:
            batch.failed()
            raise


def _begin(session) -> None:
    if session.get_bind().dialect.name == "sqlite":
        # sqlite3 begins a transaction only before a write and knows nothing of savepoints: a SAVEPOINT
        # outside its transaction starts one of its own, and its RELEASE commits it (the first mail, alone).
        # A write first begins the batch's transaction and takes the write lock for it, before the batch's
        # reads: a read snapshot upgraded to a write after another writer committed fails at once with
        # "database is locked" (as in pipeline._work_batch).
        session.execute(text("UPDATE mailbox_state SET source = source WHERE 0"))


def _store_batch(db: Database, mails: list[FetchedMail], clock: Clock, counts: PollCounts,
                 on_mail: Callable[[FetchedMail], None] | None) -> tuple[list[FetchedMail], BaseException | None]:
    """Store a batch of fetched mail in one transaction, a savepoint a mail; returns the mails committed,
    and the error that ended the batch early, if one did.

    A mail that fails for another reason than a race ends the batch: its savepoint is rolled back, the mails
    before it are committed (for the caller to acknowledge), and it stays in the mailbox for the next pass.
    A stop request ends the batch after the mail in hand. Counted, and shown as progress, once committed."""
    stored: list[FetchedMail] = []
    results: list[StoreResult] = []
    error: BaseException | None = None
    with db.session() as session:
        _begin(session)
        now = clock.now()
        batch = Batch(session, mails, now)
        for mail in mails:
            try:
                results.append(_store_once(session, batch, mail, now))
            except BaseException as exc:  # noqa: BLE001 - raised by the caller, once the rest is committed
                error = exc
                break
            stored.append(mail)
            if stopping.requested():  # what is not stored yet stays in the mailbox
                break
        if stored:
            batch.finish()
    counts.fetched += len(stored) + (error is not None)
    for mail, result in zip(stored, results):
        if result.created:
            counts.stored += 1
            counts.quarantined += int(result.quarantined)
        else:
            counts.duplicates += 1
        if on_mail is not None:
            on_mail(mail)
    return stored, error


def intake(db: Database, mailbox: Mailbox, clock: Clock, batch_size: int = 50,
           on_mail: Callable[[FetchedMail], None] | None = None) -> PollCounts:
    """Store everything new. A mail is acknowledged to the mailbox only after its row is committed.

    Each batch of `batch_size` fetched mails is stored in one transaction (one commit), a savepoint a mail,
    so that one race or fault costs only that mail; then the mailbox is told in one go (one UID MOVE, one
    commit for the record of it). A crash before the commit leaves the whole batch in the mailbox and none
    of it stored; a crash between the commit and the MOVE leaves it in the mailbox too: the next pass finds
    each mail stored already (by location or SHA-256) and only acknowledges it. A batch is fetched whole
    before its transaction begins, so no transaction (nor SQLite's write lock) waits on the server."""
    counts = PollCounts()
    fetched = mailbox.fetch_new(batch_size=batch_size)
    while True:
        mails: list[FetchedMail] = []
        for mail in fetched:
            mails.append(mail)
            if len(mails) >= batch_size or stopping.requested():
                break
        if not mails:
            return counts
        stored, error = _store_batch(db, mails, clock, counts, on_mail)
        if error is not None:
            if stored:  # committed, so told to the mailbox even though a later mail of the batch failed
                try:
                    _acknowledge(db, mailbox, stored, clock)
                except Exception as exc:  # noqa: BLE001 - the first fault is the one to report; these wait
                    log.warning("could not acknowledge stored mail; the next pass will", extra={
                        "event": "intake.ack_deferred", "mails": len(stored), "error": str(exc)})
            raise error
        _acknowledge(db, mailbox, stored, clock)
        if len(stored) < len(mails) or stopping.requested():  # what is not stored yet stays in the mailbox
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
