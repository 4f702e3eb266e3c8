"""Issues the customer sees by reference, the mail they came from, requests to officers and their answers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spocmail.db.base import Base

# open: filed, not yet with an officer; awaiting: a request is with an officer; answered: an answer waits
# for the SPOC; approved: the SPOC approved it for the customer's eyes; responded: the customer has it;
# closed: nothing more to do (no response needed, or closed by the SPOC); merged: folded into another issue.
ISSUE_STATUSES = ("open", "awaiting", "answered", "approved", "responded", "closed", "merged")
CATEGORIES = ("foi", "eir", "sar", "complaint", "service-request", "general-enquiry", "no-response")


class RefCounter(Base):
    """The last reference number used in each year: SPOC-2026-0042."""

    __tablename__ = "ref_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Issue(Base):
    __tablename__ = "issues"
    # repeat detection (filing.file_message): this customer's issues with these words, the open ones first
    # acknowledgements (respond.acknowledge_new): the issues not yet acknowledged, not every live one
    __table_args__ = (Index("ix_issues_hash_customer", "content_hash", "customer_id", "status"),
                      Index("ix_issues_unacknowledged", "acknowledged_at", "customer_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    title: Mapped[str] = mapped_column(String(500), default="")
    request_text: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    category: Mapped[str] = mapped_column(String(32))
    category_rule: Mapped[str] = mapped_column(String(100), default="")
    category_evidence: Mapped[str] = mapped_column(Text, default="")
    category_by: Mapped[str] = mapped_column(String(200), default="spocmail")
    statutory_kind: Mapped[str | None] = mapped_column(String(32), nullable=True)
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    pauses: Mapped[list] = mapped_column(default=list)  # [[asked, clarified], ...] as ISO dates
    received_at: Mapped[datetime]  # when the council first received it (for a forward: the original's date)
    received_on: Mapped[date] = mapped_column(Date)  # its London date: statutory clocks start here
    due: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    officer_id: Mapped[str | None] = mapped_column(ForeignKey("officers.id"), nullable=True)
    routing_reason: Mapped[str] = mapped_column(Text, default="")
    contacts: Mapped[int] = mapped_column(Integer, default=1)  # how often the customer raised it
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("issues.id"), nullable=True)
    acknowledged_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    closed_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # restrictions applied to this issue, each {kind, detail, at} (spocmail/restrictions.py); deferred_until:
    # over the agreed limit, it is considered from that date (carried to the next period)
    restrictions: Mapped[list] = mapped_column(default=list)
    deferred_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    links: Mapped[list["IssueMessage"]] = relationship(back_populates="issue", cascade="all, delete-orphan",
                                                       order_by="IssueMessage.id")
    requests: Mapped[list["OfficerRequest"]] = relationship(back_populates="issue", order_by="OfficerRequest.id")
    answers: Mapped[list["Answer"]] = relationship(back_populates="issue", order_by="Answer.id")
    notes: Mapped[list["IssueNote"]] = relationship(back_populates="issue", cascade="all, delete-orphan",
                                                    order_by="IssueNote.id")


class IssueNote(Base):
    """The SPOC's internal note on an issue: for the council's eyes, never in anything sent to the customer."""

    __tablename__ = "issue_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]

    issue: Mapped[Issue] = relationship(back_populates="notes")


class IssueMessage(Base):
    """A mail in an issue's record: where it came from, repeats of it, requests, answers, responses."""

    __tablename__ = "issue_messages"
    __table_args__ = (UniqueConstraint("issue_id", "message_pk", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    message_pk: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    # origin, repeat, followup (the customer's mail); request, answer, reply (officers); response, acknowledgement
    role: Mapped[str] = mapped_column(String(16))
    added_at: Mapped[datetime]

    issue: Mapped[Issue] = relationship(back_populates="links")


class OfficerRequest(Base):
    """One mail asking one officer to answer one issue; replies carry its unguessable token."""

    __tablename__ = "officer_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"), index=True)
    officer_id: Mapped[str] = mapped_column(ForeignKey("officers.id"))
    covering_for: Mapped[str | None] = mapped_column(String(64), nullable=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    message_id: Mapped[str] = mapped_column(String(998), unique=True)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), nullable=True)
    needed_by: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="sent")  # sent, answered, declined, cancelled
    sent_at: Mapped[datetime]
    reminded_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    overdue_notified_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    issue: Mapped[Issue] = relationship(back_populates="requests")


class Answer(Base):
    """An officer's answer: the new text of their reply; the customer sees it only once the SPOC approves."""

    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("officer_requests.id"), nullable=True)
    message_pk: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), nullable=True)
    officer_id: Mapped[str | None] = mapped_column(ForeignKey("officers.id"), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    edited_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    edited_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    attachments: Mapped[list] = mapped_column(default=list)
    received_at: Mapped[datetime]
    approved_at: Mapped[datetime | None]
    approved_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    sent_in: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), nullable=True)

    issue: Mapped[Issue] = relationship(back_populates="answers")

    @property
    def final_text(self) -> str:
        return self.edited_text if self.edited_text is not None else self.text


class Response(Base):
    """A response to the customer: the weekly consolidated one, or a single-issue one for a statutory deadline."""

    __tablename__ = "responses"
    __table_args__ = (UniqueConstraint("customer_id", "kind", "period", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # weekly, single-issue, acknowledgement
    period: Mapped[str] = mapped_column(String(32))  # ISO week "2026-W48", or the issue ref, or the day
    sequence: Mapped[int] = mapped_column(Integer, default=1)  # >1 only for a deliberate second response
    status: Mapped[str] = mapped_column(String(32), default="draft")  # draft, awaiting-approval, queued, cancelled
    subject: Mapped[str] = mapped_column(Text, default="")
    items: Mapped[list] = mapped_column(default=list)  # [{ref, state, text}]
    message_id: Mapped[str | None] = mapped_column(String(998), nullable=True)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), nullable=True)
    draft_outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), nullable=True)
    created_at: Mapped[datetime]
    approved_at: Mapped[datetime | None]
    approved_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    queued_at: Mapped[datetime | None]


class JobRun(Base):
    """Scheduled work done at most once per period: whoever inserts the row does the work (several daemons)."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(200))
    ran_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(Text, default="")
