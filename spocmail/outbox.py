"""Every outgoing mail: queued in the database with its exact bytes, sent at most once, copied to Sent."""

from __future__ import annotations

import copy
import hashlib
import uuid
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, getaddresses, parsedate_to_datetime
from typing import Callable

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from spocmail import claims, logs, stopping
from spocmail.clock import Clock
from spocmail.db import Database, audit
from spocmail.db.mail import Message
from spocmail.db.outbox import OUTBOX_STATES, OutboxMail
from spocmail.errors import NotFound, SpocmailError
from spocmail.mail import headers as mail_headers
from spocmail.transport import DeliveryUncertain, Transport, TransportError

log = logs.get("outbox")

ACTOR = "spocmail"
MAX_ATTEMPTS = 5
# After a temporary refusal: greylisting asks for a few minutes, an outage for longer.
RETRY_DELAYS = (timedelta(minutes=2), timedelta(minutes=10), timedelta(minutes=30), timedelta(hours=1))
# A row still in "sending" this long after it was claimed was not finished by whoever claimed it.
# Younger rows may be mid-conversation in another process, so they are left alone.
STALE_AFTER = timedelta(minutes=10)


class OutboxError(SpocmailError):
    """An outbox request that cannot be honoured (unknown row, wrong state, a Message-ID used twice)."""


# ---------------------------------------------------------------- queueing


class _WirePolicy(EmailPolicy):
    """The message's own policy, except that no header is folded straight after its name.

    Python folds a value that would fit on a continuation line right after the colon
    ("Subject:\r\n Reminder: ..."), which readers (Python's own included) then show with a leading
    space. Keeping the first word on the header's line costs at most a few characters past 78.
    """

    def fold_binary(self, name, value):
        own = mail_headers.fold_addresses(name, value, self.linesep)  # one mailbox a line: none is lost
        if own is not None:
            return own
        folded = super().fold_binary(name, value)
        gap = f"{name}:{self.linesep} ".encode("ascii", "replace")
        return name.encode("ascii", "replace") + b": " + folded[len(gap):] if folded.startswith(gap) else folded


def _wire(message: EmailMessage):
    own = message.policy
    if not isinstance(own, EmailPolicy):
        return own.clone(linesep="\r\n")
    return _WirePolicy(**{**own.__dict__, "linesep": "\r\n"})



def _addresses(message: EmailMessage, *names: str) -> list[str]:
    values = [str(v) for name in names for v in (message.get_all(name) or [])]
    seen: dict[str, str] = {}
    for _, addr in getaddresses(values):
        if addr and "@" in addr:
            seen.setdefault(addr.lower(), addr)
    return list(seen.values())


def _first_address(message: EmailMessage, name: str) -> tuple[str | None, str | None]:
    values = [str(v) for v in (message.get_all(name) or [])]
    for display, addr in getaddresses(values):
        if addr and "@" in addr:
            return display or None, addr
    return None, None


def new_message_id(domain: str, now: datetime) -> str:
    """A Message-ID at our own domain; random, so two daemons never make the same one."""
    return f"<{now.strftime('%Y%m%d%H%M%S')}.{uuid.uuid4().hex}@{domain}>"


def queue(session: Session, message: EmailMessage, *, kind: str, now: datetime, dedupe_key: str | None = None,
          related: dict | None = None, not_before: datetime | None = None,
          mail_from: str | None = None) -> OutboxMail:
    """Queue one mail to be sent: its exact bytes in the outbox and in the record, in the caller's transaction.

    Sets Message-ID (at the sender's domain) and Date (from `now`) when the message lacks them; the
    envelope is To, Cc and Bcc, and Bcc is removed from the bytes. The envelope sender is `mail_from`,
    else the Sender, else the From address. If `dedupe_key` was queued before, nothing new is queued
    and that row is returned. The caller commits; `message` itself is not changed.
    """
    if now.tzinfo is None:
        raise ValueError(f"naive now {now!r}: every instant carries a zone")
    # A mail whose Message-ID we mint cannot clash with anything stored, so its dedupe_key is left to the
    # insert's ON CONFLICT below (one statement, not a look-up first). A caller's own Message-ID is looked up
    # first, because queueing the same logical mail again with it must answer "already queued", not
    # "Message-ID already used".
    if dedupe_key is not None and message["Message-ID"] is not None:
        existing = session.scalar(select(OutboxMail).where(OutboxMail.dedupe_key == dedupe_key))
        if existing is not None:
            _log_already(existing, dedupe_key)
            return existing

    from_name, from_addr = _first_address(message, "From")
    if from_addr is None:
        raise OutboxError(f"a {kind} mail without a From address cannot be queued")
    envelope_from = mail_from or _first_address(message, "Sender")[1] or from_addr
    recipients = _addresses(message, "To", "Cc", "Bcc")
    if not recipients:
        raise OutboxError(f"a {kind} mail from {from_addr} has no recipient in To, Cc or Bcc")

    out = _header_copy(message)
    del out["Bcc"]
    minted = out["Message-ID"] is None  # ours, random: no stored mail or outbox row can have it (or its bytes)
    if minted:
        out["Message-ID"] = new_message_id(from_addr.rpartition("@")[2].lower(), now)
    if out["Date"] is None:
        out["Date"] = format_datetime(now)
    message_id = str(out["Message-ID"]).strip()
    # CRLF: the bytes stored are exactly the bytes the SMTP server receives and IMAP APPEND takes.
    raw = out.as_bytes(policy=_wire(out))

    clash = None if minted else session.scalar(select(OutboxMail.id).where(OutboxMail.message_id == message_id))
    if clash is not None:
        raise OutboxError(f"Message-ID {message_id} is already queued as outbox {clash}: "
                          f"a different mail needs its own Message-ID (leave it unset and one is made)")

    try:
        date_header = parsedate_to_datetime(str(out["Date"]))
    except (TypeError, ValueError, IndexError):
        date_header = None
    related = dict(related or {})
    record, created = _record(session, raw, out, message_id, from_name, from_addr, date_header, now, related,
                              minted)
    # ON CONFLICT DO NOTHING, not a savepoint: a concurrent queue of the same dedupe_key waits for the
    # other transaction and then inserts nothing, and the caller's transaction stays whole (pysqlite
    # mishandles SAVEPOINT, letting RELEASE commit the caller's work early).
    insert = _insert_for(session)
    row = session.scalar(insert(OutboxMail).values(
        message_id=message_id, kind=kind, dedupe_key=dedupe_key, raw=raw, mail_from=envelope_from,
        recipients=recipients, state="queued", attempts=0, refused={}, queued_at=now, not_before=not_before,
        record_pk=record.id, related=related).on_conflict_do_nothing().returning(OutboxMail),
        execution_options={"populate_existing": True})
    if row is None:
        existing = session.scalar(select(OutboxMail).where(OutboxMail.dedupe_key == dedupe_key)) \
            if dedupe_key is not None else None
        if existing is None:
            raise OutboxError(f"Message-ID {message_id} was queued meanwhile for another mail: "
                              f"a different mail needs its own Message-ID (leave it unset and one is made)")
        if created:
            session.delete(record)  # our copy of a mail that is not going: the other one is the record
            session.flush()
        _log_already(existing, dedupe_key)
        return existing
    log.info("queued", extra={"event": "outbox.queued", "outbox": row.id, "message_id": message_id, "kind": kind,
                              "recipients": len(recipients), "dedupe_key": dedupe_key, "mail": record.id})
    return row


def _header_copy(message: EmailMessage) -> EmailMessage:
    """A copy whose headers can change without changing `message` (the body parts are shared, not copied:
    generating the bytes reads them, and only gives a multipart without a boundary the one it chose)."""
    out = copy.copy(message)
    out._headers = list(message._headers)
    return out


def _insert_for(session: Session):
    name = session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - config accepts only these two
        raise OutboxError(f"the outbox needs SQLite or PostgreSQL, not {name}")
    return insert


def _log_already(existing: OutboxMail, dedupe_key: str) -> None:
    log.info("already queued: nothing new queued", extra={
        "event": "outbox.duplicate", "outbox": existing.id, "message_id": existing.message_id,
        "kind": existing.kind, "dedupe_key": dedupe_key, "state": existing.state})


def _record(session: Session, raw: bytes, out: EmailMessage, message_id: str, from_name: str | None,
            from_addr: str, date_header: datetime | None, now: datetime, related: dict,
            minted: bool = False) -> tuple[Message, bool]:
    """The mail in the common record, direction "out", beside every mail that came in; True if stored now.

    `minted`: the Message-ID was made just now, so neither these bytes nor that Message-ID are stored."""
    sha = hashlib.sha256(raw).hexdigest()
    existing = None if minted else session.scalar(select(Message).where(Message.sha256 == sha))
    if existing is not None:
        return existing, False
    reused = not minted and session.scalar(select(Message.id).where(Message.message_id == message_id)
                                           .limit(1)) is not None
    in_reply_to = out["In-Reply-To"]
    customer = related.get("customer")
    record = Message(
        direction="out", sha256=sha, raw=raw, size=len(raw), message_id=message_id[:998], message_id_reused=reused,
        in_reply_to=str(in_reply_to).strip()[:998] if in_reply_to else None,
        references=str(out["References"] or "").split(), subject=str(out["Subject"] or "")[:5000],
        from_name=from_name, from_email=from_addr.lower(),
        to=[a.lower() for a in _addresses(out, "To")], cc=[a.lower() for a in _addresses(out, "Cc")],
        date_header=date_header, internaldate=None, stored_at=now, auto_reply=False, sender_role="spoc",
        customer_id=customer if isinstance(customer, str) else None, state="done", defects=[], attempts=0)
    session.add(record)
    session.flush()
    return record, True


# ---------------------------------------------------------------- sending


@dataclass
class FlushResult:
    sent: int = 0
    failed: int = 0
    retried: int = 0  # temporary refusal: back in the queue
    uncertain: int = 0  # put to the SPOC: found mid-send, or cut off while handing over
    skipped: int = 0  # claimed by another process first
    copy_failed: int = 0  # sent, but the copy to Sent failed
    deferred: int = 0  # held for later: a recipient had had [smtp] max_per_address_per_hour mails this hour
    stopped: str | None = None  # why the flush stopped before the end (the server could not be used)

    def as_dict(self) -> dict:
        return asdict(self)


def _due(now: datetime):
    return and_(OutboxMail.state == "queued",
                or_(OutboxMail.not_before.is_(None), OutboxMail.not_before <= now),
                or_(OutboxMail.retry_at.is_(None), OutboxMail.retry_at <= now))


def _claimed(now: datetime) -> dict:
    """What a claim writes: the state, when, by which process (so a dead claimer is known), the attempt."""
    return {"state": "sending", "sending_at": now, "sending_by": claims.me(), "attempts": OutboxMail.attempts + 1}


def claim(session: Session, outbox_id: int, now: datetime) -> bool:
    """Take one due mail for sending with a single conditional UPDATE: only the claimer whose UPDATE
    hit the row sends it, whatever other processes do. The caller commits before sending."""
    result = session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == outbox_id, _due(now))
        .values(**_claimed(now))
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def _claim_for_sending(session: Session, outbox_id: int, now: datetime) -> "_Claimed | None":
    """claim(), handing back what sending needs from the same UPDATE (RETURNING): no second read."""
    got = session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == outbox_id, _due(now))
        .values(**_claimed(now))
        .returning(OutboxMail.id, OutboxMail.message_id, OutboxMail.kind, OutboxMail.raw, OutboxMail.mail_from,
                   OutboxMail.recipients, OutboxMail.attempts)
        .execution_options(synchronize_session=False)).first()
    return None if got is None else _Claimed(got[0], got[1], got[2], got[3], got[4], list(got[5]), got[6])


def flush(db: Database, transport: Transport, clock: Clock, *, sent_copy: Callable[[bytes], object] | None = None,
          limit: int | None = None, max_attempts: int = MAX_ATTEMPTS,
          retry_delays: tuple[timedelta, ...] = RETRY_DELAYS, stale_after: timedelta = STALE_AFTER,
          per_hour: int = 0, sent_copies: Callable[[list[bytes]], object] | None = None) -> FlushResult:
    """Send what is due, each mail at most once. Safe to run twice, and in two processes at once.

    `per_hour` (0: no limit): no address gets more than this many mails in any hour; a mail that would
    pass it waits (`not_before`) until the hour has room, so a loop or a flood cannot bury anyone.

    A mail found still "sending" (for longer than `stale_after`) was cut off by a crash: it becomes
    "uncertain" and is never resent without the SPOC's word. Each due mail is claimed and committed
    as "sending" before the server hears of it, and settled in a second commit after.

    `sent_copies` (with `sent_copy`): copies to Sent go in batches of up to COPY_BATCH mails through it (one
    IMAP MULTIAPPEND), not one APPEND each; each mail's copy is still recorded on its row.
    """
    result = FlushResult()
    _surface_stale(db, clock.now(), stale_after, result)
    with db.session() as s:
        query = select(OutboxMail.id).where(_due(clock.now())).order_by(OutboxMail.id)
        if limit is not None:
            query = query.limit(limit)
        due = list(s.scalars(query))

    if per_hour:
        due = _within_rate(db, clock.now(), due, per_hour, result)
    session = getattr(transport, "session", None)  # SMTP: one event loop and one connection for the flush
    with session() if session is not None else nullcontext():
        _send_due(db, transport, clock, due, result, sent_copy, max_attempts, retry_delays, sent_copies)
    return result


def _within_rate(db: Database, now: datetime, due: list[int], per_hour: int, result: FlushResult) -> list[int]:
    """The due mails that keep every recipient within `per_hour` mails in the hour; the others wait until the
    oldest of that hour's mails to their busiest recipient is an hour old, and those beyond the next hour's
    room for that recipient an hour more for each `per_hour` before them: a backlog (a year of deadline
    notices to the SPOC) is spread over the hours it needs, not read and held back again at every flush."""
    hour_ago = now - timedelta(hours=1)
    sent: dict[str, list[datetime]] = {}
    waiting: dict[str, int] = {}  # mails held back in this flush, by busiest recipient
    held: dict[datetime, list[int]] = {}
    with db.session() as s:
        for recipients, at in s.execute(select(OutboxMail.recipients, OutboxMail.sent_at)
                                        .where(OutboxMail.sent_at > hour_ago, OutboxMail.sent_at <= now)):
            for r in recipients:
                sent.setdefault(r.lower(), []).append(at)
        rows = {}
        for start in range(0, len(due), 500):  # one query per 500 ids (SQLite allows only so many parameters)
            rows.update((r.id, list(r.recipients)) for r in s.execute(
                select(OutboxMail.id, OutboxMail.recipients).where(OutboxMail.id.in_(due[start:start + 500]))))
        keep = []
        for outbox_id in due:
            recipients = [r.lower() for r in rows.get(outbox_id, [])]
            full = [r for r in recipients if len(sent.get(r, [])) >= per_hour]
            if not full:
                keep.append(outbox_id)
                for r in recipients:  # counted as if sent, so one flush cannot pass the limit either
                    sent.setdefault(r, []).append(now)
                continue
            ahead = max(waiting.get(r, 0) for r in full)
            for r in full:
                waiting[r] = waiting.get(r, 0) + 1
            until = (max(sorted(sent[r])[-per_hour] for r in full) + timedelta(hours=1)
                     + timedelta(hours=ahead // per_hour))
            held.setdefault(until, []).append(outbox_id)
            result.deferred += 1
            log.warning("held back: %s had %d mails this hour", ", ".join(full), per_hour, extra={
                "event": "outbox.rate_limited", "outbox": outbox_id, "until": until.isoformat(),
                "recipients": ", ".join(full)})
        for until, ids in held.items():  # one UPDATE per hour and 500 mails, not one per mail
            for start in range(0, len(ids), 500):
                s.execute(update(OutboxMail).where(OutboxMail.id.in_(ids[start:start + 500]),
                                                   OutboxMail.state == "queued")
                          .values(not_before=until).execution_options(synchronize_session=False))
    return keep


COPY_BATCH = 50  # sent mails copied to Sent in one command (and at most COPY_BATCH_BYTES of them)
COPY_BATCH_BYTES = 20 * 1024 * 1024


def _send_due(db: Database, transport: Transport, clock: Clock, due: list[int], result: FlushResult,
              sent_copy: Callable[[bytes], object] | None, max_attempts: int,
              retry_delays: tuple[timedelta, ...],
              sent_copies: Callable[[list[bytes]], object] | None = None) -> None:
    """Each due mail in turn: claimed and committed as "sending", handed over, then settled.

    A mail that went is settled ("sent", its audit entry, its Sent copy) in the same commit that claims the
    next one, or in the flush's last commit: one commit per mail instead of three. The claim of every mail
    is still committed before its data is handed over; a crash after a mail went but before that commit
    leaves it "sending", which the next flush puts to the SPOC as uncertain, exactly as a crash mid-
    conversation does: never resent. Every other outcome is settled at once, in its own commit.

    With `sent_copies`, the Sent copies of up to COPY_BATCH mails that went are made in one go, and each
    mail's copy (or its failure) is recorded on its row in the commit after. A crash before that leaves
    the mails recorded as sent, never resent, with their copy in Sent perhaps missing and not recorded
    (`sent_copy_at` empty): the copy is for people, the send stands.
    """
    pending: list[_Settled] = []  # mails that went, not yet recorded as sent
    copies: list[_Settled] = []  # mails that went, their copy to Sent still to make (batched)
    copied: list[_Settled] = []  # copies made (or failed) for mails already recorded as sent
    try:
        for outbox_id in due:
            if stopping.requested():  # still queued: sent at the next flush
                break
            if copies and (len(copies) >= COPY_BATCH or sum(len(c.mail.raw) for c in copies) >= COPY_BATCH_BYTES):
                copied += _copy_batch(copies, sent_copies, clock, result)
                copies = []
            with db.session() as s:
                done = _apply(s, pending)
                _record_copies(s, copied)
                now = clock.now()
                mail = _claim_for_sending(s, outbox_id, now)
            pending, copied = [], []
            _announce(done)
            if mail is None:
                result.skipped += 1
                continue
            log.debug("sending", extra={"event": "outbox.sending", **mail.fields(), "attempt": mail.attempts})
            try:
                refused = transport.send(mail.raw, mail.mail_from, mail.recipients)
            except DeliveryUncertain as exc:
                _settle_uncertain(db, clock, mail, str(exc))
                result.uncertain += 1
            except TransportError as exc:
                outcome = _settle_refused(db, clock, mail, exc, max_attempts, retry_delays)
                if outcome == "failed":
                    result.failed += 1
                else:
                    result.retried += 1
                if exc.affects_all:
                    result.stopped = str(exc)
                    log.error("stopped sending: %s", exc, extra={"event": "outbox.stopped", **mail.fields()})
                    break
            except BaseException as exc:
                # Something we did not foresee: whether the server has the mail is unknown, so say so and stop.
                _settle_uncertain(db, clock, mail, f"{exc.__class__.__name__}: {exc}")
                result.uncertain += 1
                raise
            else:
                if refused and len(refused) >= len(mail.recipients):
                    _settle_refused(db, clock, mail, TransportError(
                        "every recipient was refused: " + _refusals(refused), temporary=False), max_attempts,
                        retry_delays, refused=refused)
                    result.failed += 1
                    continue
                settled = _Settled(mail, refused, clock.now())
                pending.append(settled)
                result.sent += 1
                if sent_copy is not None and sent_copies is not None:
                    copies.append(settled)
                elif sent_copy is not None:
                    settled.copy_error = _copy_to_sent(mail, sent_copy)
                    settled.copy_at = clock.now()
                    if settled.copy_error is not None:
                        result.copy_failed += 1
    finally:
        if copies:
            copied += _copy_batch(copies, sent_copies, clock, result)
        if pending or copied:
            with db.session() as s:
                done = _apply(s, pending)
                _record_copies(s, copied)
            _announce(done)


def _copy_batch(copies: list["_Settled"], sent_copies: Callable[[list[bytes]], object], clock: Clock,
                result: FlushResult) -> list["_Settled"]:
    """Copy these sent mails to Sent in one go; returns those already recorded as sent (their copy is
    recorded on its own), the others carry it into the commit that records them."""
    try:
        sent_copies([c.mail.raw for c in copies])
        error = None
    except Exception as exc:  # noqa: BLE001 - any failure is logged and kept on each row
        error = f"{exc.__class__.__name__}: {exc}"
        log.error("sent, but the copy to Sent failed: %s", error, extra={
            "event": "outbox.sent_copy_failed", "outbox": ", ".join(str(c.mail.id) for c in copies)})
    at = clock.now()
    for c in copies:
        c.copy_at, c.copy_error = at, error
        result.copy_failed += error is not None
    return [c for c in copies if c.recorded]


LATE_COPY_AFTER = timedelta(minutes=30)  # a live flush copies its batch long before this
LATE_COPY_WITHIN = timedelta(days=7)
LATE_COPY_MARK = "copying to Sent after a crash"


def _late_mark(at: datetime) -> str:
    """The claim mark with its time: UTC to the second, one length, so marks compare as their times do."""
    return f"{LATE_COPY_MARK} (since {at.astimezone(timezone.utc).isoformat(timespec='seconds')})"


def copy_missing(db: Database, copy_checked: Callable[[bytes], object], clock: Clock, limit: int = COPY_BATCH) -> int:
    """Make the Sent copies a crash left unmade, once each; returns how many were made.

    Copies to Sent are batched after the sends (`sent_copies`), so a process killed in between leaves mails
    recorded as sent with no copy recorded (`sent_copy_at` and `sent_copy_error` both empty): the send
    stands, and the SPOC's Sent folder would lack them for ever. Such a mail, sent between a week and
    LATE_COPY_AFTER ago, is claimed (its `sent_copy_error` set to LATE_COPY_MARK, so a second daemon leaves
    it), then handed to `copy_checked`, which looks for its Message-ID in Sent first (the crash may have come
    after the APPEND) and appends only if it is not there. A crash during this late copy leaves the mark,
    shown by `outbox list`; a mark older than LATE_COPY_AFTER is claimed again the same way (no copy takes
    that long, so its process is gone), and the look in Sent first keeps it from being copied twice.
    """
    now = clock.now()
    uncopied = (OutboxMail.sent_copy_at.is_(None),
                or_(OutboxMail.sent_copy_error.is_(None),  # never tried, or claimed by a process long gone:
                    and_(OutboxMail.sent_copy_error.startswith(f"{LATE_COPY_MARK} (since "),
                         OutboxMail.sent_copy_error < _late_mark(now - LATE_COPY_AFTER))))
    with db.session() as s:
        ids = list(s.scalars(select(OutboxMail.id).where(
            OutboxMail.state == "sent", *uncopied,
            OutboxMail.sent_at <= now - LATE_COPY_AFTER, OutboxMail.sent_at > now - LATE_COPY_WITHIN)
            .order_by(OutboxMail.id).limit(limit)))
    made = 0
    for outbox_id in ids:
        with db.session() as s:
            claimed = s.execute(update(OutboxMail).where(OutboxMail.id == outbox_id, *uncopied)
                                .values(sent_copy_error=_late_mark(now))
                                .execution_options(synchronize_session=False)).rowcount == 1
            raw = s.scalar(select(OutboxMail.raw).where(OutboxMail.id == outbox_id)) if claimed else None
        if raw is None:
            continue
        try:
            copy_checked(raw)
            error = None
        except Exception as exc:  # noqa: BLE001 - kept on the row, as for any copy that failed
            error = f"{exc.__class__.__name__}: {exc}"
        with db.session() as s:
            s.execute(update(OutboxMail).where(OutboxMail.id == outbox_id)
                      .values(sent_copy_at=None if error else clock.now(), sent_copy_error=error)
                      .execution_options(synchronize_session=False))
        if error:
            log.error("the late copy to Sent failed: %s", error, extra={"event": "outbox.sent_copy_failed",
                                                                       "outbox": outbox_id})
        else:
            made += 1
            log.warning("copied to Sent after a crash had left it uncopied", extra={
                "event": "outbox.sent_copy_late", "outbox": outbox_id})
    return made


def _record_copies(s: Session, copied: list["_Settled"]) -> None:
    for c in copied:
        s.execute(update(OutboxMail).where(OutboxMail.id == c.mail.id)
                  .values(sent_copy_at=None if c.copy_error else c.copy_at, sent_copy_error=c.copy_error)
                  .execution_options(synchronize_session=False))


@dataclass
class _Settled:
    """A mail the server took, and what became of its copy to Sent, to be recorded in the next commit."""
    mail: "_Claimed"
    refused: dict
    at: datetime
    copy_at: datetime | None = None
    copy_error: str | None = None  # None with copy_at set: copied
    recorded: bool = False  # its "sent" is in a commit already (a batched copy is then recorded on its own)


def _apply(s: Session, pending: list[_Settled]) -> list[_Settled]:
    for settled in pending:
        _record_sent(s, settled)
    return pending


def _announce(done: list[_Settled]) -> None:
    for settled in done:
        _log_sent(settled.mail, settled.refused)


@dataclass
class _Claimed:
    id: int
    message_id: str
    kind: str
    raw: bytes
    mail_from: str
    recipients: list[str]
    attempts: int

    def fields(self) -> dict:
        return {"outbox": self.id, "message_id": self.message_id, "kind": self.kind}


def _refusals(refused: dict) -> str:
    return "; ".join(f"{r}: {c} {m}" for r, (c, m) in refused.items())


def _surface_stale(db: Database, now: datetime, stale_after: timedelta, result: FlushResult) -> None:
    with db.session() as s:
        sending = list(s.scalars(select(OutboxMail).where(OutboxMail.state == "sending").order_by(OutboxMail.id)))
        # stale: older than stale_after, or claimed by a process on this host that is gone (killed mid-send)
        stale = [row for row in sending if row.sending_at <= now - stale_after
                 or claims.alive(row.sending_by) is False]
        for row in stale:
            hit = s.execute(update(OutboxMail).where(OutboxMail.id == row.id, OutboxMail.state == "sending")
                            .values(state="uncertain", last_error=_crash_note(row))
                            .execution_options(synchronize_session=False)).rowcount
            if hit != 1:
                continue
            audit.record(s, at=now, actor=ACTOR, action="outbox.uncertain", subject_type="outbox",
                         subject_id=str(row.id), message_id=row.message_id, kind=row.kind,
                         reason="found sending after a crash", sending_at=row.sending_at.isoformat())
            log.warning("found mid-send after a crash: not resent; the SPOC must decide whether it went", extra={
                "event": "outbox.uncertain", "outbox": row.id, "message_id": row.message_id, "kind": row.kind,
                "sending_at": row.sending_at.isoformat()})
            result.uncertain += 1


def _crash_note(row: OutboxMail) -> str:
    return (f"still sending since {row.sending_at.isoformat()} (attempt {row.attempts}): the process sending it "
            f"stopped before it knew whether the server took it")


def _update(db: Database, outbox_id: int, values: dict, states: tuple[str, ...]) -> bool:
    """Change one row in its own commit, if it is still in one of `states`."""
    with db.session() as s:
        return s.execute(update(OutboxMail).where(OutboxMail.id == outbox_id, OutboxMail.state.in_(states))
                         .values(**values).execution_options(synchronize_session=False)).rowcount == 1


def _record_sent(s: Session, settled: _Settled) -> None:
    mail, refused, now = settled.mail, settled.refused, settled.at
    refused_json = {r: [c, m] for r, (c, m) in refused.items()}
    note = ("refused by the server for " + _refusals(refused)) if refused else None
    values = dict(state="sent", sent_at=now, refused=refused_json, last_error=note, retry_at=None)
    if settled.copy_at is not None:
        values.update(sent_copy_at=None if settled.copy_error else settled.copy_at,
                      sent_copy_error=settled.copy_error)
    s.execute(update(OutboxMail).where(OutboxMail.id == mail.id, OutboxMail.state.in_(("sending", "uncertain")))
              .values(**values).execution_options(synchronize_session=False))
    settled.recorded = True
    audit.record(s, at=now, actor=ACTOR, action="outbox.sent", subject_type="outbox", subject_id=str(mail.id),
                 message_id=mail.message_id, kind=mail.kind, recipients=mail.recipients, refused=refused_json)


def _log_sent(mail: "_Claimed", refused: dict) -> None:
    extra = {"event": "outbox.sent", **mail.fields(), "recipients": len(mail.recipients), "attempt": mail.attempts}
    if refused:
        log.warning("sent, but some recipients were refused: %s", _refusals(refused),
                    extra={**extra, "refused": sorted(refused)})
    else:
        log.info("sent", extra=extra)


def _settle_refused(db: Database, clock: Clock, mail: _Claimed, exc: TransportError, max_attempts: int,
                    retry_delays: tuple[timedelta, ...], refused: dict | None = None) -> str:
    now = clock.now()
    values: dict = {"last_error": str(exc)}
    if refused:
        values["refused"] = {r: [c, m] for r, (c, m) in refused.items()}
    if exc.temporary and exc.affects_all:
        # The server, not the mail: the attempt does not count against the mail.
        values.update(state="queued", attempts=OutboxMail.attempts - 1, retry_at=None)
        outcome = "queued"
    elif exc.temporary and mail.attempts < max_attempts:
        delay = retry_delays[min(mail.attempts, len(retry_delays)) - 1] if retry_delays else timedelta(0)
        values.update(state="queued", retry_at=now + delay)
        outcome = "queued"
    else:
        values.update(state="failed")
        outcome = "failed"
    with db.session() as s:
        s.execute(update(OutboxMail).where(OutboxMail.id == mail.id, OutboxMail.state.in_(("sending", "uncertain")))
                  .values(**values).execution_options(synchronize_session=False))
        if outcome == "failed":
            audit.record(s, at=now, actor=ACTOR, action="outbox.failed", subject_type="outbox",
                         subject_id=str(mail.id), message_id=mail.message_id, kind=mail.kind, error=str(exc),
                         code=exc.code, attempts=mail.attempts)
    extra = {**mail.fields(), "attempt": mail.attempts, "code": exc.code}
    if outcome == "failed":
        log.error("failed: %s", exc, extra={"event": "outbox.failed", **extra})
    else:
        log.warning("not sent, will retry: %s", exc, extra={"event": "outbox.retry", **extra,
                                                             "retry_at": values.get("retry_at")})
    return outcome


def _settle_uncertain(db: Database, clock: Clock, mail: _Claimed, error: str) -> None:
    now = clock.now()
    with db.session() as s:
        s.execute(update(OutboxMail).where(OutboxMail.id == mail.id, OutboxMail.state == "sending")
                  .values(state="uncertain", last_error=error).execution_options(synchronize_session=False))
        audit.record(s, at=now, actor=ACTOR, action="outbox.uncertain", subject_type="outbox",
                     subject_id=str(mail.id), message_id=mail.message_id, kind=mail.kind, reason=error)
    log.warning("may or may not have been sent: not resent; the SPOC must decide: %s", error,
                extra={"event": "outbox.uncertain", **mail.fields(), "attempt": mail.attempts})


def _copy_to_sent(mail: _Claimed, sent_copy: Callable[[bytes], object]) -> str | None:
    """The copy in Sent is for people; the send stands whatever happens to it. Returns the error, if any."""
    try:
        sent_copy(mail.raw)
    except Exception as exc:  # noqa: BLE001 - any failure is logged and kept on the row
        error = f"{exc.__class__.__name__}: {exc}"
        log.error("sent, but the copy to Sent failed: %s", error, extra={"event": "outbox.sent_copy_failed",
                                                                       **mail.fields()})
        return error
    return None


# ---------------------------------------------------------------- the SPOC's decisions


def _row(session: Session, outbox_id: int) -> OutboxMail:
    row = session.get(OutboxMail, outbox_id, populate_existing=True)
    if row is None:
        raise NotFound(f"outbox {outbox_id}: no such mail; `spocmail outbox list` shows them")
    return row


def release_uncertain(session: Session, outbox_id: int, decision: str, actor: str, now: datetime) -> OutboxMail:
    """The SPOC's word on an uncertain mail: "resend" queues it again; "sent" records that it went."""
    if decision not in ("resend", "sent"):
        raise OutboxError(f'outbox {outbox_id}: decision {decision!r}: expected "resend" or "sent"')
    row = _row(session, outbox_id)
    if row.state != "uncertain":
        raise OutboxError(f"outbox {outbox_id} is {row.state}, not uncertain: only an uncertain mail is released")
    if decision == "resend":
        values = {"state": "queued", "retry_at": None}
    else:  # the SPOC found it arrived: it went when the conversation began
        values = {"state": "sent", "sent_at": row.sending_at or now}
    hit = session.execute(update(OutboxMail).where(OutboxMail.id == outbox_id, OutboxMail.state == "uncertain")
                          .values(**values).execution_options(synchronize_session=False)).rowcount
    if hit != 1:
        raise OutboxError(f"outbox {outbox_id} changed meanwhile; look again with `spocmail outbox list`")
    audit.record(session, at=now, actor=actor, action="outbox.released", subject_type="outbox",
                 subject_id=str(outbox_id), decision=decision, message_id=row.message_id, kind=row.kind)
    log.info("uncertain mail released: %s", decision, extra={
        "event": "outbox.released", "outbox": outbox_id, "message_id": row.message_id, "kind": row.kind,
        "decision": decision, "actor": actor})
    return _row(session, outbox_id)


def requeue_failed(session: Session, outbox_id: int, actor: str, now: datetime) -> OutboxMail:
    """Put a failed mail back in the queue (after the SPOC fixed the cause), with a fresh count of attempts."""
    row = _row(session, outbox_id)
    hit = session.execute(update(OutboxMail).where(OutboxMail.id == outbox_id, OutboxMail.state == "failed")
                          .values(state="queued", attempts=0, retry_at=None)
                          .execution_options(synchronize_session=False)).rowcount
    if hit != 1:
        raise OutboxError(f"outbox {outbox_id} is {row.state}, not failed: only a failed mail is queued again")
    audit.record(session, at=now, actor=actor, action="outbox.requeued", subject_type="outbox",
                 subject_id=str(outbox_id), message_id=row.message_id, kind=row.kind,
                 previous_attempts=row.attempts, last_error=row.last_error)
    log.info("failed mail queued again", extra={"event": "outbox.requeued", "outbox": outbox_id,
                                                "message_id": row.message_id, "kind": row.kind, "actor": actor})
    return _row(session, outbox_id)


def cancel(session: Session, outbox_id: int, actor: str, now: datetime) -> OutboxMail:
    """Withdraw a mail that has not gone (queued, failed or uncertain); it stays in the record."""
    row = _row(session, outbox_id)
    hit = session.execute(update(OutboxMail)
                          .where(OutboxMail.id == outbox_id, OutboxMail.state.in_(("queued", "failed", "uncertain")))
                          .values(state="cancelled").execution_options(synchronize_session=False)).rowcount
    if hit != 1:
        raise OutboxError(f"outbox {outbox_id} is {row.state}: only a queued, failed or uncertain mail is cancelled")
    audit.record(session, at=now, actor=actor, action="outbox.cancelled", subject_type="outbox",
                 subject_id=str(outbox_id), message_id=row.message_id, kind=row.kind, was=row.state)
    log.info("cancelled", extra={"event": "outbox.cancelled", "outbox": outbox_id, "message_id": row.message_id,
                                 "kind": row.kind, "actor": actor, "was": row.state})
    return _row(session, outbox_id)


# ---------------------------------------------------------------- looking


def outbox_status(session: Session) -> dict[str, int]:
    """How many mails are in each state (every state named, zeros included)."""
    counts = dict.fromkeys(OUTBOX_STATES, 0)
    for state, n in session.execute(select(OutboxMail.state, func.count()).group_by(OutboxMail.state)):
        counts[state] = n
    return counts


def list_outbox(session: Session, state: str | None = None) -> list[dict]:
    """Every mail (or those in one state), oldest first, as plain data for the CLI and --json."""
    if state is not None and state not in OUTBOX_STATES:
        raise OutboxError(f"state {state!r}: expected one of " + ", ".join(OUTBOX_STATES))
    query = (select(OutboxMail, Message.subject).join(Message, Message.id == OutboxMail.record_pk)
             .order_by(OutboxMail.id))
    if state is not None:
        query = query.where(OutboxMail.state == state)

    def when(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    return [{
        "id": row.id, "state": row.state, "kind": row.kind, "subject": subject, "message_id": row.message_id,
        "mail_from": row.mail_from, "recipients": list(row.recipients), "attempts": row.attempts,
        "last_error": row.last_error, "refused": dict(row.refused), "dedupe_key": row.dedupe_key,
        "queued_at": when(row.queued_at), "not_before": when(row.not_before), "retry_at": when(row.retry_at),
        "sending_at": when(row.sending_at), "sent_at": when(row.sent_at), "sent_copy_at": when(row.sent_copy_at),
        "sent_copy_error": row.sent_copy_error, "record": row.record_pk, "related": dict(row.related),
    } for row, subject in session.execute(query)]
