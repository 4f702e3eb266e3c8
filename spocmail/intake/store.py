"""The raw-mail store: each mail kept once, unchanged, with its SHA-256; unreadable mail quarantined, never lost."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email import policy
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from spocmail import logs
from spocmail.db.mail import MailboxState, MailLocation, Message, MessageRaw
from spocmail.intake import FetchedMail

log = logs.get("intake")


@dataclass(frozen=True)
class StoreResult:
    message_pk: int
    created: bool
    quarantined: bool
    via: str  # "new", "location" (same UIDVALIDITY+UID) or "sha256" (same bytes elsewhere)


@dataclass(frozen=True)
class Envelope:
    """What storage needs from the headers; full reading happens later, in spocmail.mail."""

    message_id: str | None
    subject: str
    from_name: str | None
    from_email: str | None
    to: list[str]
    cc: list[str]
    date: datetime | None
    in_reply_to: str | None
    references: list[str]
    defects: list[str]
    quarantine_reason: str | None


def _header(msg, name: str, defects: list[str]) -> str | None:
    try:
        values = msg.get_all(name) or []
    except Exception as exc:  # a header the policy cannot even fold
        defects.append(f"header {name}: unreadable ({exc.__class__.__name__})")
        return None
    if len(values) > 1:
        defects.append(f"header {name}: appears {len(values)} times; the first is used")
    if not values:
        return None
    try:
        return str(values[0]).strip()
    except Exception as exc:
        defects.append(f"header {name}: undecodable ({exc.__class__.__name__})")
        return None


def _addresses(value: str | None) -> list[tuple[str, str]]:
    if not value:
        return []
    return [(n, a.lower()) for n, a in getaddresses([value]) if a and "@" in a]


_HEADER_END = re.compile(rb"\r?\n\r?\n")


def read_envelope(raw: bytes) -> Envelope:
    """Never raises: what cannot be read becomes a defect, and mail with no readable header is quarantined."""
    defects: list[str] = []
    lead = raw.lstrip(b"\xef\xbb\xbf\r\n\t ")
    if len(lead) != len(raw) and lead:  # parse reads past a byte-order mark or blank lines: so does intake
        defects.append("leading-junk: blank lines or a byte-order mark before the headers")
        raw = lead
    # Only the header section is read: the parser would otherwise decode the whole mail to text and split
    # it into lines (eight times a large mail's size) to reach the headers. The header block ends at the
    # first empty line at the latest, so what follows it cannot change what is read.
    end = _HEADER_END.search(raw)
    head = raw[:end.end()] if end is not None else raw
    try:
        msg = BytesParser(policy=policy.default).parsebytes(head, headersonly=True)
    except Exception as exc:  # pragma: no cover - the stdlib parser is very forgiving
        return Envelope(None, "", None, None, [], [], None, None, [], [f"unparseable: {exc}"],
                        f"the mail could not be parsed at all: {exc.__class__.__name__}: {exc}")
    defects.extend(type(d).__name__ for d in msg.defects)
    if not raw or raw.isspace():  # not raw.strip(), which would copy the whole mail
        return Envelope(None, "", None, None, [], [], None, None, [], ["empty mail"], "the mail is empty (0 bytes)")
    if not msg.keys():
        return Envelope(None, "", None, None, [], [], None, None, [], defects + ["no headers"],
                        "no mail headers could be read: the first line is not a header")
    from_raw = _header(msg, "From", defects)
    sender = _addresses(from_raw)
    from_name = from_email = None
    if sender:
        from_name, from_email = sender[0][0] or None, sender[0][1]
    elif from_raw is None:
        defects.append("missing From header")
    else:
        defects.append(f"From header has no address: {from_raw!r}")
    date = None
    date_raw = _header(msg, "Date", defects)
    if date_raw:
        try:
            date = parsedate_to_datetime(date_raw)
            if date.tzinfo is None:
                date = date.replace(tzinfo=timezone.utc)
        except (TypeError, ValueError, IndexError, OverflowError):
            defects.append(f"Date header unreadable: {date_raw[:80]!r}")
    else:
        defects.append("missing Date header")
    message_id = _header(msg, "Message-ID", defects)
    if not message_id:
        defects.append("missing Message-ID header")
    refs = (_header(msg, "References", defects) or "").split()
    in_reply_to = _header(msg, "In-Reply-To", defects)
    if sender == [] and not message_id and not date_raw and not _header(msg, "Subject", []):
        reason = "none of From, Date, Message-ID or Subject could be read"
    else:
        reason = None
    return Envelope(
        message_id=message_id[:998] if message_id else None,
        subject=_header(msg, "Subject", defects) or "",
        from_name=from_name, from_email=from_email,
        to=[a for _, a in _addresses(_header(msg, "To", defects))],
        cc=[a for _, a in _addresses(_header(msg, "Cc", defects))],
        date=date, in_reply_to=in_reply_to[:998] if in_reply_to else None, references=refs,
        defects=defects, quarantine_reason=reason)


def store_fetched(session: Session, mail: FetchedMail, now: datetime, direction: str = "in") -> StoreResult:
    """Store one fetched mail exactly once. The caller commits, and only then acknowledges it to the mailbox."""
    uidvalidity = mail.uidvalidity or 0
    loc = session.scalar(select(MailLocation).where(MailLocation.source == mail.source,
                                                    MailLocation.uidvalidity == uidvalidity,
                                                    MailLocation.uid == mail.uid))
    if loc is not None:
        return StoreResult(loc.message_pk, created=False, quarantined=False, via="location")
    _track_uidvalidity(session, mail, now)
    sha = hashlib.sha256(mail.raw).hexdigest()
    existing = session.scalar(select(Message).where(Message.sha256 == sha))
    if existing is not None:
        session.add(MailLocation(message_pk=existing.id, source=mail.source, uidvalidity=uidvalidity,
                                 uid=mail.uid, seen_at=now))
        log.info("duplicate mail: same bytes already stored", extra={
            "event": "intake.duplicate", "mail": existing.id, "sha256": sha, "uid": mail.uid})
        return StoreResult(existing.id, created=False, quarantined=False, via="sha256")
    env = read_envelope(mail.raw)
    reused = False
    if env.message_id:
        reused = session.scalar(select(Message.id).where(Message.message_id == env.message_id).limit(1)) is not None
    msg = Message(direction=direction, sha256=sha, size=len(mail.raw), message_id=env.message_id,
                  message_id_reused=reused, in_reply_to=env.in_reply_to, references=env.references,
                  subject=env.subject[:5000], from_name=env.from_name, from_email=env.from_email, to=env.to,
                  cc=env.cc, date_header=env.date, internaldate=mail.internaldate, stored_at=now,
                  state="quarantined" if env.quarantine_reason else "stored",
                  quarantine_reason=env.quarantine_reason, defects=env.defects)
    session.add(msg)
    session.flush()
    _insert_raw(session, msg.id, mail.raw)
    msg.__dict__["_raw_bytes"] = mail.raw  # `msg.raw` in this session: the bytes in hand, not read back
    session.add(MailLocation(message_pk=msg.id, source=mail.source, uidvalidity=uidvalidity, uid=mail.uid,
                             seen_at=now))
    extra = {"event": "intake.stored", "mail": msg.id, "sha256": sha, "uid": mail.uid,
             "message_id": env.message_id}
    if reused:
        log.warning("stored a different mail that reuses another's Message-ID", extra={**extra,
                    "event": "intake.message_id_reused"})
    if env.quarantine_reason:
        log.warning("quarantined: %s", env.quarantine_reason, extra={**extra, "event": "intake.quarantined"})
    else:
        log.info("stored", extra=extra)
    return StoreResult(msg.id, created=True, quarantined=bool(env.quarantine_reason), via="new")


STREAM_RAW = 1 << 20  # bytes: a larger mail is written to SQLite a slice at a time


def _streams_blobs(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _insert_raw(session: Session, pk: int, raw: bytes) -> None:
    """The mail's bytes in message_raw, in the same transaction as its messages row. Core, not the ORM:
    on SQLite a large mail is a zeroblob filled in place afterwards, and the session need not track it."""
    streamed = _streams_blobs(session) and len(raw) > STREAM_RAW
    session.execute(insert(MessageRaw).values(message_pk=pk, raw=func.zeroblob(len(raw)) if streamed else raw))
    if streamed:
        _write_blob(session, pk, raw)
    elif len(raw) > STREAM_RAW:  # PostgreSQL: the connection is not kept with a buffer this size
        from spocmail.db.rawformat import LARGE

        session.connection().info[LARGE] = True


def _write_blob(session: Session, pk: int, raw: bytes) -> None:
    """Fill the zeroblob just inserted, in the same transaction. Binding the whole mail as a parameter
    costs SQLite two more copies of it (the bound value and the record it builds). The blob is the last
    column of its row, so the zeroblob itself is stored without being built in memory."""
    dbapi = session.connection().connection.dbapi_connection
    view = memoryview(raw)
    with dbapi.blobopen("message_raw", "raw", pk) as blob:
        for pos in range(0, len(raw), STREAM_RAW):
            blob.write(view[pos:pos + STREAM_RAW])


def _track_uidvalidity(session: Session, mail: FetchedMail, now: datetime) -> None:
    if mail.uidvalidity is None:
        return
    state = session.get(MailboxState, mail.source)
    uid = int(mail.uid) if mail.uid.isdigit() else 0
    if state is None:
        session.add(MailboxState(source=mail.source, uidvalidity=mail.uidvalidity, last_uid=uid, updated_at=now))
        session.flush()
        return
    if state.uidvalidity != mail.uidvalidity:
        # Every UID we knew is void: stored mail is recognised again by its SHA-256 instead.
        log.warning("UIDVALIDITY changed; mail will be matched by content", extra={
            "event": "intake.uidvalidity_changed", "source": mail.source,
            "old": state.uidvalidity, "new": mail.uidvalidity})
        state.uidvalidity, state.last_uid = mail.uidvalidity, uid
    elif uid > state.last_uid:
        state.last_uid = uid
    state.updated_at = now


def mark_acknowledged(session: Session, mail: FetchedMail, now: datetime) -> None:
    loc = session.scalar(select(MailLocation).where(MailLocation.source == mail.source,
                                                    MailLocation.uidvalidity == (mail.uidvalidity or 0),
                                                    MailLocation.uid == mail.uid))
    if loc is not None and loc.acknowledged_at is None:
        loc.acknowledged_at = now



def mark_acknowledged_many(session: Session, mails: list[FetchedMail], now: datetime) -> None:
    """`mark_acknowledged` for a batch: one UPDATE per source and UIDVALIDITY, not a look-up per mail."""
    from sqlalchemy import update

    groups: dict[tuple[str, int], list[str]] = {}
    for mail in mails:
        groups.setdefault((mail.source, mail.uidvalidity or 0), []).append(mail.uid)
    for (source, uidvalidity), uids in groups.items():
        for start in range(0, len(uids), 500):
            session.execute(update(MailLocation).where(
                MailLocation.source == source, MailLocation.uidvalidity == uidvalidity,
                MailLocation.uid.in_(uids[start:start + 500]), MailLocation.acknowledged_at.is_(None))
                .values(acknowledged_at=now))
