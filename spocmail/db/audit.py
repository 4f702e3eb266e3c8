"""The append-only audit log: who did what to which record, and when.

Each entry is chained to the one before it: `hash` is the SHA-256 of the entry's canonical JSON (its id, time,
actor, action, subject and detail) together with the previous entry's `hash` (`prev_hash`; the first entry's is
GENESIS). Changing, removing or reordering any entry breaks the chain from there on, and `spocmail audit verify`
names the row. The database refuses UPDATE and DELETE (and on PostgreSQL TRUNCATE) on the table by trigger;
`spocmail db upgrade` puts the triggers back if someone dropped them.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timezone

from sqlalchemy import String, event, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Mapped, Session, mapped_column

from spocmail.db.base import Base

GENESIS = "0" * 64
# The key of the PostgreSQL advisory lock that serializes appends, so that two writers never fork the chain.
APPEND_LOCK_KEY = 0x5350_4F43_4155_4454 & 0x7FFF_FFFF_FFFF_FFFF  # "SPOCAUDT"


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100), index=True)
    subject_type: Mapped[str] = mapped_column(String(50))
    subject_id: Mapped[str] = mapped_column(String(200), index=True)
    detail: Mapped[dict] = mapped_column(default=dict)
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AuditPersonal(Base):
    """The personal part of an entry's detail (addresses, free text), kept beside the entry, not in it.

    The entry itself holds only ids and `personal_sha256`, the digest of this row's salt and data, so the
    chain covers the personal part too; retention deletes this row (and records which) and the chain still
    verifies: the log stays append-only, and nothing personal is left in it. The salt keeps the digest from
    confirming a guessed address once the row is gone.
    """

    __tablename__ = "audit_personal"

    # the entry's id, without a foreign key: a key on audit_log would make the guard's TRUNCATE refusal
    # a foreign-key error instead, and nothing ever deletes an entry
    entry_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    salt: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict] = mapped_column(default=dict)


# Detail keys that carry personal data: addresses, names and free text that may quote the customer.
PERSONAL_KEYS = frozenset({"email", "recipients", "refused", "text", "forwarded_by", "error", "last_error",
                           "name", "postal_address", "phones", "addresses", "comment"})
# "reason" is personal where the subject is the customer: why an arrangement was started, suspended or ended,
# or why they appealed (need to know, 001 §4.1). An issue's reasons (an extension, a closure) are the
# council's account of handling the request and stay in the entry.
PERSONAL_REASON_SUBJECTS = frozenset({"customer"})
PERSONAL_DIGEST = "personal_sha256"


def personal_digest(salt: str, data: dict) -> str:
    body = json.dumps(_normal(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((salt + "\n" + body).encode("utf-8")).hexdigest()


def split_personal(subject_type: str, detail: dict) -> tuple[dict, dict]:
    personal = {k: v for k, v in detail.items()
                if k in PERSONAL_KEYS or (k == "reason" and subject_type in PERSONAL_REASON_SUBJECTS)}
    return {k: v for k, v in detail.items() if k not in personal}, personal


def _normal(value):
    """The value as it comes back from the JSON column (tuples become lists, keys strings)."""
    return json.loads(json.dumps(value, ensure_ascii=False))


def canonical(id_: int, at: datetime, actor: str, action: str, subject_type: str, subject_id: str,
              detail: dict) -> bytes:
    """The bytes an entry's hash covers: sorted-key compact JSON, the instant in UTC to the microsecond."""
    if at.tzinfo is None:  # SQLite hands back naive UTC when read without the ORM type
        at = at.replace(tzinfo=timezone.utc)
    doc = {"id": int(id_), "at": at.astimezone(timezone.utc).isoformat(timespec="microseconds"),
           "actor": actor, "action": action, "subject_type": subject_type, "subject_id": str(subject_id),
           "detail": _normal(detail if detail is not None else {})}
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(prev_hash: str, id_: int, at: datetime, actor: str, action: str, subject_type: str,
               subject_id: str, detail: dict) -> str:
    h = hashlib.sha256()
    h.update(prev_hash.encode("ascii"))
    h.update(b"\n")
    h.update(canonical(id_, at, actor, action, subject_type, subject_id, detail))
    return h.hexdigest()


def _lock_for_append(session: Session) -> None:
    """Serialize appenders until this transaction ends, so the entry read as "last" stays the last."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": APPEND_LOCK_KEY})
    else:
        # SQLite: a write statement (matching no rows) takes the database's write lock now, before the read
        # below, so no other writer can commit between our read of the last entry and our insert.
        session.execute(text("DELETE FROM audit_log WHERE 0"))


def record(session, *, at: datetime, actor: str, action: str, subject_type: str, subject_id: str,
           **detail) -> AuditEntry:
    """Append one entry in the caller's transaction, so the audit and the change commit together.

    The entry is chained (its id, prev_hash and hash given) as the transaction commits, under the append lock:
    the lock is held only for that last moment, so a transaction waiting for it never holds up one that holds
    it (no lock-order deadlock between two daemons), and an entry recorded in a savepoint that is rolled back
    goes with it.
    """
    plain, personal = split_personal(subject_type, _normal(detail))
    side = None
    if personal:
        side = AuditPersonal(salt=secrets.token_hex(16), data=personal)
        plain[PERSONAL_DIGEST] = personal_digest(side.salt, personal)
    entry = AuditEntry(at=at, actor=actor, action=action, subject_type=subject_type, subject_id=str(subject_id),
                       detail=plain)
    entry.personal = side  # not a column: added beside the entry once it has its id
    session.info.setdefault(_PENDING, []).append((entry, session.get_nested_transaction()))
    return entry


def full_detail(entry: AuditEntry, personal: AuditPersonal | None) -> dict:
    """The entry's detail as it was recorded, with its personal part where that is still held."""
    detail = dict(entry.detail or {})
    if PERSONAL_DIGEST in detail:
        digest = detail.pop(PERSONAL_DIGEST)
        if personal is not None:
            detail.update(personal.data or {})
        else:
            detail["personal"] = f"erased ({digest[:12]})"
    return detail


_PENDING = "spocmail.audit.pending"


def _chain_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    _lock_for_append(session)
    last = session.execute(select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).first()
    next_id = (last.id + 1) if last else 1
    prev = (last.hash or GENESIS) if last else GENESIS
    for entry, _tx in pending:
        entry.id, entry.prev_hash = next_id, prev
        entry.hash = entry_hash(prev, next_id, entry.at, entry.actor, entry.action, entry.subject_type,
                                entry.subject_id, entry.detail)
        session.add(entry)
        next_id, prev = next_id + 1, entry.hash
    session.flush()
    for entry, _tx in pending:
        side = getattr(entry, "personal", None)
        if side is not None:
            side.entry_id = entry.id
            session.add(side)
    session.flush()


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if not session.in_nested_transaction():  # a savepoint's release is not the commit
        _chain_pending(session)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, rolled_back) -> None:
    pending = session.info.get(_PENDING)
    if not pending:
        return
    if not rolled_back.nested:
        session.info.pop(_PENDING, None)
        return

    def inside(tx) -> bool:
        while tx is not None:
            if tx is rolled_back:
                return True
            tx = tx.parent
        return False

    session.info[_PENDING] = [(e, tx) for e, tx in pending if not inside(tx)]


@event.listens_for(Session, "after_transaction_end")
def _after_end(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


# ------------------------------------------------------------------ the append-only guard


def guard_statements(dialect: str) -> dict[str, list[str]]:
    """Trigger name -> the SQL that creates it (the current guard; migrations keep their own copy)."""
    if dialect == "sqlite":
        return {f"audit_log_no_{verb.lower()}": [
            f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
            f"BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"] for verb in ("UPDATE", "DELETE")}
    function = ("CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$ LANGUAGE plpgsql")
    return {
        "audit_log_append_only": [function, "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
                                            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"],
        "audit_log_no_truncate": [function, "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
                                            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"],
    }


def _existing_triggers(conn: Connection) -> set[str]:
    if conn.dialect.name == "sqlite":
        rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"))
    else:
        rows = conn.execute(text("SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass "
                                 "AND NOT tgisinternal AND tgenabled <> 'D'"))
    return {r[0] for r in rows}


def ensure_guard(engine: Engine) -> list[str]:
    """Recreate (or re-enable) any append-only trigger that is missing; return the names put back."""
    restored = []
    with engine.begin() as conn:
        present = _existing_triggers(conn)
        for name, statements in guard_statements(conn.dialect.name).items():
            if name in present:
                continue
            if conn.dialect.name == "postgresql":  # present but disabled: drop and create afresh
                conn.execute(text(f"DROP TRIGGER IF EXISTS {name} ON audit_log"))
            for sql in statements:
                conn.execute(text(sql))
            restored.append(name)
    return restored
