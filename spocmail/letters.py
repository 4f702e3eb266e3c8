"""What every mail a council signs carries: the named officer, the council's contact details, the thread.

Seed 004's charter asks that every mail carry the council's contact details and the officer's name, so
each template ends with `_signature` (given `sig` from `signature()`); answers to FOI, EIR, subject
access and complaint items end with `_rights`, the review and complaint rights the law or the
council's procedure gives (FOI Act s.17(7), UK GDPR Art. 77, the complaints procedure and the
Local Government and Social Care Ombudsman).

A mail to the customer is threaded to the customer's own mail (`thread()`), never to a forward the
customer has not seen, and its References name each Message-ID once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from spocmail.config import Config
from spocmail.db.issues import Issue, IssueMessage
from spocmail.db.mail import Message
from spocmail.db.register import Customer, CustomerAddress
from spocmail.mail import headers as mail_headers

CUSTOMER_ROLES = ("origin", "followup", "repeat")


@dataclass(frozen=True)
class Signature:
    """Who signs: the named SPOC officer, the role, the council and how to reach it."""

    officer: str | None
    role: str
    council: str
    email: str
    address: str = ""
    phone: str = ""

    @property
    def lines(self) -> list[str]:
        out = [self.officer, self.role] if self.officer else [self.role]
        out.append(self.council)
        out.extend(x for x in (self.address, f"Telephone {self.phone}" if self.phone else "",
                               f"Email {self.email}") if x)
        return out


def signature(config: Config, customer: Customer | None = None) -> Signature:
    """The customer's named SPOC (from the arrangement) signs; without one, the role alone does."""
    arr = getattr(customer, "arrangement", None) if customer is not None else None
    officer = getattr(getattr(arr, "spoc", None), "name", None)
    return Signature(officer=officer, role=config.spoc.name, council=config.council.name,
                     email=config.spoc.address, address=config.council.address, phone=config.council.phone)


def references(previous: list[str] | None, in_reply_to: str | None) -> list[str]:
    """The References chain: earlier ids in order, then the one replied to, each exactly once."""
    out: list[str] = []
    for mid in map(mail_headers.msg_id, [*(previous or []), *([in_reply_to] if in_reply_to else [])]):
        if mid and mid not in out:
            out.append(mid)
    return out


def thread(session: Session, issues: list[Issue], customer: Customer) -> tuple[str | None, list[str]]:
    """(In-Reply-To, References) for a mail to the customer about ISSUES: the customer's latest own mail
    among them, and the customer's earlier mails before it. Mail that reached us as someone else's
    forward is not in the customer's thread and is left out."""
    if not issues:
        return None, []
    own = {a.email.lower() for a in session.scalars(
        select(CustomerAddress).where(CustomerAddress.customer_id == customer.id))}
    rows = session.execute(
        select(Message.message_id, Message.from_email, Message.id)
        .join(IssueMessage, IssueMessage.message_pk == Message.id)
        .where(IssueMessage.issue_id.in_([i.id for i in issues]), IssueMessage.role.in_(CUSTOMER_ROLES),
               Message.direction == "in", Message.message_id.is_not(None))
        .order_by(Message.id)).all()
    # a customer's Message-ID is their bytes: one that cannot be written back (folded, controls) is left out
    ids = [m for m in (mail_headers.msg_id(mid) for mid, sender, _ in rows if (sender or "").lower() in own) if m]
    if not ids:
        return None, []
    chain = references(ids[:-1], ids[-1])
    return ids[-1], chain[-20:]
