"""The record and whether it can be trusted: `audit show` lists the audit log, `audit verify` checks it.

verify recomputes the audit log's hash chain (a changed entry no longer matches its own hash; a deleted or
reordered one breaks the link of the entry after it) and every stored mail's SHA-256 (the raw bytes of each
mail in `messages`, kept in `message_raw`, and the outgoing copy in `outbox` against the record it points to). Each problem names the
table and the row, and says what no longer matches.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from spocmail.db.audit import GENESIS, PERSONAL_DIGEST, AuditEntry, AuditPersonal, entry_hash, full_detail, \
    personal_digest
from spocmail.db.issues import Issue
from spocmail.db.mail import Message, MessageRaw
from spocmail.db.outbox import OutboxMail
from spocmail.db.rawstore import RAW_SLICE, sha256_of
from spocmail.db.register import Customer
from spocmail.errors import NotFound

BATCH = 200


# the audit entry in which retention names the entries whose personal part it erased
ERASED_ACTION = "retention.erased"


def entry_json(e: AuditEntry, personal: AuditPersonal | None = None) -> dict:
    return {"id": e.id, "at": e.at.isoformat(), "actor": e.actor, "action": e.action,
            "subject_type": e.subject_type, "subject_id": e.subject_id, "detail": full_detail(e, personal),
            "hash": e.hash}


def _personal(session: Session) -> dict[int, AuditPersonal]:
    return {p.entry_id: p for p in session.scalars(select(AuditPersonal))}


def show(session: Session, customer_id: str | None = None) -> list[dict]:
    """The audit log, oldest first; with a customer, the entries about them, their issues, mail and outbox."""
    entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.at, AuditEntry.id)))
    personal = _personal(session)
    if customer_id is None:
        return [entry_json(e, personal.get(e.id)) for e in entries]
    if session.get(Customer, customer_id) is None:
        raise NotFound(f"no customer {customer_id!r} in the register; `spocmail register show` lists them")
    mine = {("customer", customer_id)}
    mine |= {("issue", ref) for ref in session.scalars(select(Issue.ref).where(Issue.customer_id == customer_id))}
    messages = set(session.scalars(select(Message.id).where(Message.customer_id == customer_id)))
    mine |= {("message", str(m)) for m in messages}
    for oid, record_pk, related in session.execute(select(OutboxMail.id, OutboxMail.record_pk, OutboxMail.related)):
        if (related or {}).get("customer") == customer_id or record_pk in messages:
            mine.add(("outbox", str(oid)))
    return [entry_json(e, personal.get(e.id)) for e in entries
            if (e.subject_type, e.subject_id) in mine or (e.detail or {}).get("customer") == customer_id]


def _chain_problems(session: Session) -> tuple[list[dict], int, dict | None]:
    problems: list[dict] = []
    personal = _personal(session)
    erased: set[int] = set()
    pending_erasure: list[int] = []
    prev_id, prev_hash, count = None, GENESIS, 0
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=BATCH)).scalars()
    for e in rows:
        count += 1
        row = {"table": "audit_log", "id": e.id}
        if e.hash is None or e.prev_hash is None:
            problems.append({**row, "problem": "written without a hash: not part of the chain"})
        else:
            actual = entry_hash(e.prev_hash, e.id, e.at, e.actor, e.action, e.subject_type, e.subject_id, e.detail)
            if actual != e.hash:
                problems.append({**row, "problem": "changed since it was written: its content no longer matches "
                                 "its hash", "expected": e.hash, "found": actual})
            if e.action == ERASED_ACTION:
                erased.update(int(i) for i in (e.detail or {}).get("entries", []))
            digest = (e.detail or {}).get(PERSONAL_DIGEST)
            side = personal.get(e.id)
            if digest is not None and side is not None and personal_digest(side.salt, side.data) != digest:
                problems.append({**row, "problem": "its personal detail (audit_personal) was changed: it no "
                                 "longer matches the digest in the entry", "expected": digest})
            elif digest is not None and side is None:
                pending_erasure.append(e.id)
            if e.prev_hash != prev_hash:
                if prev_id is None:
                    what = ("the first remaining entry is chained to an earlier one: every entry before "
                            f"row {e.id} was deleted")
                elif prev_id + 1 < e.id:
                    what = (f"rows {prev_id + 1}..{e.id - 1} are missing: deleted from between row {prev_id} "
                            f"and row {e.id}")
                else:
                    what = (f"not chained to row {prev_id}: an entry between them was deleted, or row "
                            f"{prev_id} was rewritten")
                problems.append({**row, "problem": what, "expected": e.prev_hash, "found": prev_hash})
        prev_id, prev_hash = e.id, e.hash or prev_hash
    for eid in pending_erasure:  # erased by retention is lawful; gone without its record is not
        if eid not in erased:
            problems.append({"table": "audit_personal", "id": eid, "problem": "the entry's personal detail is "
                             f"missing and no {ERASED_ACTION} entry names it: deleted outside retention"})
    head = {"id": prev_id, "hash": prev_hash} if prev_id is not None else None
    return problems, count, head


def _mail_problems(session: Session) -> tuple[list[dict], int]:
    problems: list[dict] = []
    count = 0
    known: dict[int, str] = {}
    # A large mail is hashed a slice at a time after the pass, not loaded whole (nor twenty at once).
    length = func.length(MessageRaw.raw)
    q = (select(Message.id, Message.sha256, Message.size, length, case((length <= RAW_SLICE, MessageRaw.raw)))
         .outerjoin(MessageRaw, MessageRaw.message_pk == Message.id).order_by(Message.id))
    large: list[tuple[int, str, int]] = []
    for mid, sha, size, n, raw in session.execute(q.execution_options(yield_per=20)):
        count += 1
        known[mid] = sha
        if n is None:
            problems.append({"table": "messages", "id": mid, "expected": sha,
                             "problem": "the stored mail's bytes are missing (no message_raw row)"})
        elif raw is None:
            large.append((mid, sha, size))
        else:
            _check_mail(problems, mid, sha, size, hashlib.sha256(raw).hexdigest(), len(raw))
    for mid, sha, size in large:
        _check_mail(problems, mid, sha, size, *sha256_of(session, mid))
    q = select(OutboxMail.id, OutboxMail.record_pk, OutboxMail.raw).order_by(OutboxMail.id)
    for oid, record_pk, raw in session.execute(q.execution_options(yield_per=20)):
        count += 1
        actual = hashlib.sha256(raw).hexdigest()
        expected = known.get(record_pk)
        if expected is None:
            problems.append({"table": "outbox", "id": oid,
                             "problem": f"its record (messages row {record_pk}) is missing"})
        elif actual != expected:
            problems.append({"table": "outbox", "id": oid,
                             "problem": f"the queued mail's bytes differ from its record (messages row "
                                        f"{record_pk})", "expected": expected, "found": actual})
    return problems, count


def _check_mail(problems: list[dict], mid: int, sha: str, size: int, actual: str, n: int) -> None:
    row = {"table": "messages", "id": mid}
    if actual != sha:
        problems.append({**row, "problem": "the stored mail's bytes no longer match its SHA-256",
                         "expected": sha, "found": actual})
    elif n != size:
        problems.append({**row, "problem": f"size is recorded as {size} but the mail is {n} bytes"})


def verify(session: Session) -> dict:
    chain, entries, head = _chain_problems(session)
    mail, mails = _mail_problems(session)
    problems = chain + mail
    return {"ok": not problems, "problems": problems, "audit_entries": entries, "mails_checked": mails,
            "head": head}
