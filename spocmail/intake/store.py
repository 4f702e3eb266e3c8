"""The raw-mail store: each mail kept once, unchanged, with its SHA-256; unreadable mail quarantined, never lost."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email import policy
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from spocmail import logs
from spocmail.db.base import _without_nul
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


def store_fetched(session: Session, mail: FetchedMail, now: datetime, direction: str = "in",
                  batch: "Batch | None" = None) -> StoreResult:
    """Store one fetched mail exactly once. The caller commits, and only then acknowledges it to the mailbox.

    batch: what the transaction has read already for the batch this mail came in (see `Batch`); without
    one, the mail is a batch of its own, its mailbox state written before this returns."""
    own = batch is None
    if own:
        batch = Batch(session, [mail], now)
    result = batch.store(mail, direction)
    if own:
        batch.finish()
    return result


def _key(mail: FetchedMail) -> tuple[str, int, str]:
    return mail.source, mail.uidvalidity or 0, mail.uid


def _chunks(values: list, size: int = 500):
    for start in range(0, len(values), size):
        yield values[start:start + size]


# Built once: a statement built for every mail cost more to build than to run (intake's profile).
_INSERT_MESSAGE = insert(Message.__table__)
_INSERT_LOCATION = insert(MailLocation.__table__)
_INSERT_RAW = insert(MessageRaw.__table__)


class Batch:
    """What one transaction reads once for a batch of fetched mail, not once a mail: where each mail was seen
    before (its location), which of their bytes are stored already (SHA-256), which of their Message-IDs are
    taken, and each mailbox's UIDVALIDITY and highest UID. Four SELECTs for the batch instead of four a mail;
    the mailbox state is written once, by `finish`, before the commit.

    Mail is stored in it one at a time (`store`), each in the caller's savepoint. What was read may be stale
    on PostgreSQL, where a second daemon commits meanwhile: a location or bytes not seen is inserted again
    and the unique constraint refuses it, and after any failure (`failed`) the batch asks the database
    again, mail by mail, as a batch of one always did. Reads happen in the transaction: on SQLite, after the
    write that began it, so nothing another process commits can make them stale there."""

    def __init__(self, session: Session, mails: list[FetchedMail], now: datetime):
        self.session, self.now = session, now
        self.fresh = False  # True: every look-up asks the database (a failure made what was read suspect)
        self._locations: dict[tuple[str, int, str], int] = {}
        self._sha: dict[tuple[str, int, str], str] = {}
        self._by_sha: dict[str, int] = {}
        self._envelopes: dict[tuple[str, int, str], Envelope] = {}
        self._message_ids: set[str] = set()
        # source -> [uidvalidity, last_uid, row exists, changed]; only mailboxes with a UIDVALIDITY
        self._states: dict[str, list] = {}
        self._saved: dict[str, list] = {}
        self._read(mails)

    def _read(self, mails: list[FetchedMail]) -> None:
        session = self.session
        groups: dict[tuple[str, int], list[str]] = {}
        for mail in mails:
            groups.setdefault((mail.source, mail.uidvalidity or 0), []).append(mail.uid)
        for (source, uidvalidity), uids in groups.items():
            for part in _chunks(uids):
                for uid, pk in session.execute(select(MailLocation.uid, MailLocation.message_pk).where(
                        MailLocation.source == source, MailLocation.uidvalidity == uidvalidity,
                        MailLocation.uid.in_(part))):
                    self._locations[(source, uidvalidity, uid)] = pk
        unseen = [m for m in mails if _key(m) not in self._locations]
        for mail in unseen:
            self._sha[_key(mail)] = hashlib.sha256(mail.raw).hexdigest()
        for part in _chunks(sorted(set(self._sha.values()))):
            for sha, pk in session.execute(select(Message.sha256, Message.id).where(Message.sha256.in_(part))):
                self._by_sha[sha] = pk
        for mail in unseen:
            if self._sha[_key(mail)] not in self._by_sha:
                self._envelopes[_key(mail)] = read_envelope(mail.raw)
        ids = sorted({_without_nul(e.message_id) for e in self._envelopes.values() if e.message_id})
        for part in _chunks(ids):
            self._message_ids.update(session.scalars(select(Message.message_id).where(
                Message.message_id.in_(part)).distinct()))
        sources = sorted({m.source for m in unseen if m.uidvalidity is not None})
        if sources:
            for source, uidvalidity, last_uid in session.execute(select(
                    MailboxState.source, MailboxState.uidvalidity, MailboxState.last_uid).where(
                    MailboxState.source.in_(sources))):
                self._states[source] = [uidvalidity, last_uid, True, False]

    def failed(self) -> None:
        """The last `store` was rolled back (its savepoint): forget what it changed here, and stop trusting
        what was read, which may be what made it fail."""
        self._states = {s: list(v) for s, v in self._saved.items()}
        self.fresh = True

    def store(self, mail: FetchedMail, direction: str = "in") -> StoreResult:
        """`store_fetched` for one of the batch's mails, in the caller's savepoint."""
        self._saved = {s: list(v) for s, v in self._states.items()}
        session, now = self.session, self.now
        key = _key(mail)
        uidvalidity = key[1]
        if self.fresh or key not in self._sha and key not in self._locations:
            pk = session.scalar(select(MailLocation.message_pk).where(
                MailLocation.source == mail.source, MailLocation.uidvalidity == uidvalidity,
                MailLocation.uid == mail.uid))
        else:
            pk = self._locations.get(key)
        if pk is not None:
            return StoreResult(pk, created=False, quarantined=False, via="location")
        self._track_uidvalidity(mail)
        sha = self._sha.get(key) or hashlib.sha256(mail.raw).hexdigest()
        if self.fresh or key not in self._sha:
            existing = session.scalar(select(Message.id).where(Message.sha256 == sha))
        else:
            existing = self._by_sha.get(sha)
        if existing is not None:
            self._insert_location(existing, mail)
            self._locations[key], self._by_sha[sha] = existing, existing
            log.info("duplicate mail: same bytes already stored", extra={
                "event": "intake.duplicate", "mail": existing, "sha256": sha, "uid": mail.uid})
            return StoreResult(existing, created=False, quarantined=False, via="sha256")
        env = self._envelopes.get(key) or read_envelope(mail.raw)
        reused = False
        if env.message_id:
            clean_id = _without_nul(env.message_id)
            if self.fresh or key not in self._envelopes:
                reused = session.scalar(select(Message.id).where(Message.message_id == clean_id).limit(1)) is not None
            else:
                reused = clean_id in self._message_ids
        values = dict(direction=direction, sha256=sha, size=len(mail.raw), message_id=env.message_id,
                      message_id_reused=reused, in_reply_to=env.in_reply_to, references=env.references,
                      subject=env.subject[:5000], from_name=env.from_name, from_email=env.from_email, to=env.to,
                      cc=env.cc, date_header=env.date, internaldate=mail.internaldate, stored_at=now,
                      state="quarantined" if env.quarantine_reason else "stored",
                      quarantine_reason=env.quarantine_reason, defects=env.defects)
        # Core, not the ORM (its unit of work cost more than the database in a profile of intake); so the
        # NUL that the ORM's flush hook strips from every row written is stripped here
        pk = session.connection().execute(_INSERT_MESSAGE, {k: _without_nul(v) for k, v in values.items()}
                                          ).inserted_primary_key[0]
        _insert_raw(session, pk, mail.raw)
        self._insert_location(pk, mail)
        self._locations[key], self._by_sha[sha] = pk, pk
        if env.message_id:
            self._message_ids.add(_without_nul(env.message_id))
        extra = {"event": "intake.stored", "mail": pk, "sha256": sha, "uid": mail.uid,
                 "message_id": env.message_id}
        if reused:
            log.warning("stored a different mail that reuses another's Message-ID", extra={**extra,
                        "event": "intake.message_id_reused"})
        if env.quarantine_reason:
            log.warning("quarantined: %s", env.quarantine_reason, extra={**extra, "event": "intake.quarantined"})
        else:
            log.info("stored", extra=extra)
        return StoreResult(pk, created=True, quarantined=bool(env.quarantine_reason), via="new")

    def _insert_location(self, pk: int, mail: FetchedMail) -> None:
        self.session.connection().execute(_INSERT_LOCATION, dict(
            message_pk=pk, source=mail.source, uidvalidity=mail.uidvalidity or 0, uid=mail.uid, seen_at=self.now))

    def _track_uidvalidity(self, mail: FetchedMail) -> None:
        if mail.uidvalidity is None:
            return
        uid = int(mail.uid) if mail.uid.isdigit() else 0
        state = self._states.get(mail.source)
        if state is None and self.fresh:
            row = self.session.execute(select(MailboxState.uidvalidity, MailboxState.last_uid).where(
                MailboxState.source == mail.source)).first()
            if row is not None:
                state = self._states[mail.source] = [row[0], row[1], True, False]
        if state is None:
            self._states[mail.source] = [mail.uidvalidity, uid, False, True]
            return
        if state[0] != mail.uidvalidity:
            # Every UID we knew is void: stored mail is recognised again by its SHA-256 instead.
            log.warning("UIDVALIDITY changed; mail will be matched by content", extra={
                "event": "intake.uidvalidity_changed", "source": mail.source,
                "old": state[0], "new": mail.uidvalidity})
            state[0], state[1] = mail.uidvalidity, uid
        elif uid > state[1]:
            state[1] = uid
        state[3] = True

    def finish(self) -> None:
        """Write what the batch changed in each mailbox's state: once, as the last write before the commit,
        so that a second daemon's batch waits on that row only for the commit."""
        for source, (uidvalidity, last_uid, exists, changed) in self._states.items():
            if not changed:
                continue
            values = dict(uidvalidity=uidvalidity, last_uid=last_uid, updated_at=self.now)
            if not exists:
                try:
                    with self.session.begin_nested():  # a second daemon may have made the row meanwhile
                        self.session.execute(insert(MailboxState.__table__).values(source=source, **values))
                    continue
                except IntegrityError:
                    pass
            self.session.execute(update(MailboxState.__table__).where(
                MailboxState.__table__.c.source == source).values(**values))
        self._states = {s: [v[0], v[1], True, False] for s, v in self._states.items()}


STREAM_RAW = 1 << 20  # bytes: a larger mail is written to SQLite a slice at a time


def _streams_blobs(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _insert_raw(session: Session, pk: int, raw: bytes) -> None:
    """The mail's bytes in message_raw, in the same transaction as its messages row. Core, not the ORM:
    on SQLite a large mail is a zeroblob filled in place afterwards, and the session need not track it."""
    streamed = _streams_blobs(session) and len(raw) > STREAM_RAW
    if streamed:
        session.execute(insert(MessageRaw).values(message_pk=pk, raw=func.zeroblob(len(raw))))
    else:  # one statement built once, its parameters bound at each mail (the cheapest way through Core)
        session.connection().execute(_INSERT_RAW, {"message_pk": pk, "raw": raw})
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


def mark_acknowledged(session: Session, mail: FetchedMail, now: datetime) -> None:
    loc = session.scalar(select(MailLocation).where(MailLocation.source == mail.source,
                                                    MailLocation.uidvalidity == (mail.uidvalidity or 0),
                                                    MailLocation.uid == mail.uid))
    if loc is not None and loc.acknowledged_at is None:
        loc.acknowledged_at = now



def mark_acknowledged_many(session: Session, mails: list[FetchedMail], now: datetime) -> None:
    """`mark_acknowledged` for a batch: one UPDATE per source and UIDVALIDITY, not a look-up per mail."""
    groups: dict[tuple[str, int], list[str]] = {}
    for mail in mails:
        groups.setdefault((mail.source, mail.uidvalidity or 0), []).append(mail.uid)
    for (source, uidvalidity), uids in groups.items():
        for start in range(0, len(uids), 500):
            session.execute(update(MailLocation).where(
                MailLocation.source == source, MailLocation.uidvalidity == uidvalidity,
                MailLocation.uid.in_(uids[start:start + 500]), MailLocation.acknowledged_at.is_(None))
                .values(acknowledged_at=now))
