"""After a mail is stored: read it, decide whose it is, file it. Each mail is claimed, worked, then settled."""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from spocmail import logs
from spocmail.clock import Clock
from spocmail.config import Config
from spocmail.db import Database, audit
from spocmail.db.decisions import Identification as Decision
from spocmail.db.mail import Message
from spocmail.db.register import CustomerAddress
from spocmail.identify import Identification, identify, register_view
from spocmail.mail import parse_mail

log = logs.get("pipeline")
MAX_ATTEMPTS = 3
STALE_CLAIM = timedelta(minutes=15)  # a claim older than this belonged to a process that died


@dataclass
class StepCounts:
    filed: int = 0
    triage: int = 0
    answers: int = 0
    not_requests: int = 0
    failed: int = 0


def record_identification(session: Session, message: Message, ident: Identification, now: datetime) -> Decision:
    """Keep spocmail's decision with its evidence; a provisional match puts the new address to the SPOC."""
    row = Decision(message_pk=message.id, role=ident.role, sender=ident.sender, sender_id=ident.sender_id,
                   customer_id=ident.customer, decision=ident.decision, score=ident.score,
                   evidence=[e.to_json() for e in ident.evidence],
                   candidates=[c.to_json() for c in ident.candidates],
                   suggest_address=ident.suggest_address, decided_at=now, decided_by="spocmail")
    session.add(row)
    message.sender_role = ident.role
    message.customer_id = ident.customer
    if ident.decision == "provisional" and ident.suggest_address and ident.customer:
        suggest_address(session, ident.customer, ident.suggest_address, now,
                        source=f"mail {message.id}: score {ident.score:.2f}")
    return row


def suggest_address(session: Session, customer_id: str, email: str, now: datetime, source: str) -> None:
    existing = session.scalar(select(CustomerAddress).where(CustomerAddress.customer_id == customer_id,
                                                            CustomerAddress.email == email))
    if existing is not None:
        return  # confirmed, already suggested, or rejected (then never suggested again)
    session.add(CustomerAddress(customer_id=customer_id, email=email, status="suggested", source=source,
                                created_at=now))
    audit.record(session, at=now, actor="spocmail", action="address.suggested", subject_type="customer",
                 subject_id=customer_id, email=email, source=source)
    log.info("new address put to the SPOC", extra={"event": "identify.address_suggested",
                                                   "customer": customer_id, "email": email})


def process_stored(config: Config, db: Database, clock: Clock) -> StepCounts:
    """Work through every stored inbound mail not yet handled, oldest first."""
    counts = StepCounts()
    now = clock.now()
    with db.session() as session:
        session.execute(update(Message).where(Message.state == "working", Message.claimed_at < now - STALE_CLAIM)
                        .values(state="stored"))
        pending = list(session.scalars(select(Message.id).where(Message.state == "stored", Message.direction == "in")
                                       .order_by(Message.id)))
    for pk in pending:
        with db.session() as session:
            # claim: only the process whose update hits the row works on it (several daemons may run)
            claimed = session.execute(update(Message).where(Message.id == pk, Message.state == "stored")
                                      .values(state="working", claimed_at=now, attempts=Message.attempts + 1)).rowcount
        if not claimed:
            continue
        try:
            with db.session() as session:
                message = session.get(Message, pk)
                parsed = parse_mail(message.raw)
                view = register_view(session, config)
                ident = identify(parsed, view, threshold=config.identify.threshold)
                record_identification(session, message, ident, clock.now())
                message.state = "done"
                message.auto_reply = parsed.auto_reply
                message.defects = sorted(set(message.defects) | set(parsed.defects))
            extra = {"event": "identify.decided", "mail": pk, "role": ident.role, "customer": ident.customer,
                     "decision": ident.decision, "score": round(ident.score, 3)}
            log.info("identified", extra=extra)
            if ident.decision in ("filed", "provisional"):
                counts.filed += 1
            elif ident.decision == "triage":
                counts.triage += 1
            else:
                counts.not_requests += 1
        except Exception as exc:
            with db.session() as session:
                message = session.get(Message, pk)
                message.last_error = "".join(traceback.format_exception(exc))[-4000:]
                message.state = "failed" if message.attempts >= MAX_ATTEMPTS else "stored"
            counts.failed += 1
            log.error("processing failed: %s", exc, extra={"event": "pipeline.failed", "mail": pk})
    return counts
