"""The SPOC's word on whose mail is: the triage list, assigning a mail, confirming or rejecting an address."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from spocmail import logs
from spocmail.db import audit
from spocmail.db.decisions import Identification as Decision
from spocmail.db.mail import Message
from spocmail.db.register import Customer, CustomerAddress
from spocmail.errors import SpocmailError
from spocmail.filing import FILED_ROLES, filed_in, move_mail

log = logs.get("triage")


class TriageError(SpocmailError):
    """The SPOC asked for something that does not exist or cannot be done; exit 2 (a usage error)."""

    exit_code = 2


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def waiting(session: Session) -> list[dict]:
    """Mail waiting for the SPOC to say whose it is, with spocmail's best guesses and their evidence."""
    rows = session.execute(select(Decision, Message).join(Message, Decision.message_pk == Message.id)
                           .where(Decision.decision == "triage").order_by(Message.id))
    return [{
        "message": m.id, "from": {"name": m.from_name, "email": m.from_email}, "subject": m.subject,
        "date": _iso(m.date_header), "stored_at": _iso(m.stored_at), "role": d.role, "score": round(d.score, 3),
        "evidence": d.evidence, "guesses": d.candidates, "suggest_address": d.suggest_address,
    } for d, m in rows]


def _customer(session: Session, customer_id: str) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise TriageError(f"no customer {customer_id!r} in the register; `spocmail register show` lists them")
    return customer


def assign(session: Session, message_pk: int, customer_id: str, *, confirm_address: bool, actor: str,
           now: datetime, move: bool = False) -> dict:
    """File a waiting mail for a customer; optionally make its sender's address one the customer is known by.

    Each mail is filed once: a mail already filed is refused (exit 2, naming its issues), unless
    `move` gives it to another customer, its issues with it, without asking any officer again.
    """
    decision = session.scalar(select(Decision).where(Decision.message_pk == message_pk))
    message = session.get(Message, message_pk)
    if message is None or decision is None:
        raise TriageError(f"no mail {message_pk} has been identified; `spocmail triage` lists what waits")
    customer = _customer(session, customer_id)
    links = filed_in(session, message_pk)
    answered = links.get("answer", [])
    if answered:
        raise TriageError(f"mail {message_pk} is an officer's answer to {_refs(answered)}, not a customer's mail; "
                          f"`spocmail issues show {answered[0].ref}` shows it")
    filed = _unique([i for role in FILED_ROLES for i in links.get(role, [])])
    owners = sorted({i.customer_id for i in filed})
    moved = {"moved": [], "left": []}
    if filed and owners == [customer.id]:
        raise TriageError(f"mail {message_pk} is already filed for {customer.id} in {_refs(filed)}: filing it again "
                          f"would ask its questions twice; nothing was changed")
    if filed and not move:
        raise TriageError(f"mail {message_pk} is already filed for {', '.join(owners)} in {_refs(filed)}; to file it "
                          f"for {customer.id} instead, add --move (its issues move with it and no officer is "
                          f"asked again)")
    if filed:
        moved = move_mail(session, message, customer.id, actor=actor, now=now)
    before = {"decision": decision.decision, "customer": decision.customer_id}
    decision.decision, decision.customer_id = "filed", customer.id
    decision.decided_by, decision.decided_at = actor, now
    message.customer_id = customer.id
    audit.record(session, at=now, actor=actor, action="triage.moved" if filed else "triage.assigned",
                 subject_type="message", subject_id=str(message_pk), customer=customer.id, before=before, **moved)
    confirmed = None
    if confirm_address:
        address = decision.suggest_address or (decision.sender if decision.role == "unknown" else None)
        if address is None:
            raise TriageError(f"mail {message_pk} came from {decision.sender} ({decision.role}) and names no new "
                              f"address of the customer: there is no address to confirm; assign it without "
                              f"--confirm-address")
        confirmed = set_address(session, customer.id, address, "confirmed", actor=actor, now=now,
                                source=f"triage of mail {message_pk}")
    log.info("filed by the SPOC", extra={"event": "triage.assigned", "mail": message_pk, "customer": customer.id,
                                         "confirmed_address": confirmed, "moved": moved["moved"]})
    return {"message": message_pk, "customer": customer.id, "decision": "filed", "confirmed_address": confirmed,
            "moved": moved["moved"]}


def _unique(issues: list) -> list:
    return list({i.id: i for i in issues}.values())


def _refs(issues: list) -> str:
    return ", ".join(i.ref for i in issues)


def set_address(session: Session, customer_id: str, email: str, status: str, *, actor: str, now: datetime,
                source: str = "cli") -> str:
    """Confirm (known from now on) or reject (never suggested again) one address of a customer."""
    if status not in ("confirmed", "rejected"):
        raise TriageError(f"address status {status!r}: expected confirmed or rejected")
    _customer(session, customer_id)
    email = email.strip().lower()
    if "@" not in email:
        raise TriageError(f"{email!r} is not an email address")
    if status == "confirmed":
        other = session.scalar(select(CustomerAddress).where(CustomerAddress.email == email,
                                                             CustomerAddress.status == "confirmed",
                                                             CustomerAddress.customer_id != customer_id))
        if other is not None:
            raise TriageError(f"{email} is already a confirmed address of {other.customer_id}; reject it there "
                              f"first if it really belongs to {customer_id}")
    row = session.scalar(select(CustomerAddress).where(CustomerAddress.customer_id == customer_id,
                                                       CustomerAddress.email == email))
    before = row.status if row else None
    if row is None:
        row = CustomerAddress(customer_id=customer_id, email=email, status=status, source=source, created_at=now)
        session.add(row)
    row.status, row.decided_at, row.decided_by = status, now, actor
    if before != status:
        audit.record(session, at=now, actor=actor, action=f"address.{status}", subject_type="customer",
                     subject_id=customer_id, email=email, before=before, source=source)
    return email


def dismiss(session: Session, message_pk: int, *, actor: str, now: datetime, reason: str = "") -> dict:
    """The SPOC says a waiting mail is nobody's request (spam, a newsletter): it leaves triage, stored as it was."""
    decision = session.scalar(select(Decision).where(Decision.message_pk == message_pk))
    if decision is None or session.get(Message, message_pk) is None:
        raise TriageError(f"no mail {message_pk} has been identified; `spocmail triage` lists what waits")
    if decision.decision != "triage":
        raise TriageError(f"mail {message_pk} is not waiting in triage (it is {decision.decision}); nothing was changed")
    decision.decision, decision.decided_by, decision.decided_at = "not-a-request", actor, now
    audit.record(session, at=now, actor=actor, action="triage.dismissed", subject_type="message",
                 subject_id=str(message_pk), before="triage", reason=reason)
    return {"message": message_pk, "decision": "not-a-request"}
