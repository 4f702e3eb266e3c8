"""Drafts of responses to the customer: the exact mail the SPOC is shown and approves, with its identity."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from spocmail.db.base import Base

# current: the latest draft the SPOC was shown for this customer and kind; superseded: a later draft
# replaced it (approving it sends nothing); sent: approved and queued to the customer.
DRAFT_STATUSES = ("current", "superseded", "sent")


class ResponseDraft(Base):
    __tablename__ = "response_drafts"
    __table_args__ = (UniqueConstraint("customer_id", "kind", "period", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # weekly, single-issue
    period: Mapped[str] = mapped_column(String(32))  # "2026-W48", or the issue ref
    version: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per customer, kind and period
    content_hash: Mapped[str] = mapped_column(String(64))  # sha256 of recipients, subject, bodies, attachments
    ident: Mapped[str] = mapped_column(String(120), index=True)  # "2026-W48-v2-<12 hex>"
    status: Mapped[str] = mapped_column(String(16), default="current", index=True)
    to_addrs: Mapped[list] = mapped_column(default=list)
    cc_addrs: Mapped[list] = mapped_column(default=list)
    subject: Mapped[str] = mapped_column(Text, default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    items: Mapped[list] = mapped_column(default=list)  # [{ref, state, text, title, ...}]
    answer_ids: Mapped[list] = mapped_column(default=list)
    issue_ids: Mapped[list] = mapped_column(default=list)
    held_back: Mapped[list] = mapped_column(default=list)
    raw: Mapped[bytes] = mapped_column(LargeBinary)  # the customer's mail as rendered (no Message-ID, no Date)
    # the other mails this approval sends, each as exact bytes (base64): answers sent on their own
    # (copy rule `alone`) and the copies for information; the SPOC sees them attached to the draft mail
    extras: Mapped[list] = mapped_column(default=list)
    comments: Mapped[list] = mapped_column(default=list)  # replies to the draft mail that were not approvals
    compiled_at: Mapped[datetime]
    draft_outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), nullable=True)
    approved_at: Mapped[datetime | None]
    approved_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    sent_outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), nullable=True)
