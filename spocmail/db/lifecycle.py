"""The arrangement over its life: its decisions (start, reviews, notice, end, suspension) and appeals against them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from spocmail.db.base import Base

# what an arrangement event is; the appealable ones are decisions the customer is told of in writing
EVENT_KINDS = ("started", "reviewed", "notice", "ended", "suspended", "reinstated")
APPEALABLE = ("started", "reviewed", "notice", "suspended", "reinstated")


class ArrangementEvent(Base):
    """One decision in an arrangement's life, with its date (the 28-day appeal window runs from it)."""

    __tablename__ = "arrangement_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    on: Mapped[date] = mapped_column(Date)  # the decision's London date
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    next_review: Mapped[date | None] = mapped_column(Date, nullable=True)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    outcome: Mapped[str] = mapped_column(Text, default="")  # the SPOC's words, for the letter (never in audit)


class Appeal(Base):
    """An appeal against a decision: lodged within 28 days of it, decided within 5 working days (seed 001)."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("arrangement_events.id"))
    received_at: Mapped[datetime]
    received_on: Mapped[date] = mapped_column(Date)
    due: Mapped[date] = mapped_column(Date)
    late: Mapped[bool] = mapped_column(default=False)  # lodged after the 28 days: recorded, and said so
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, decided
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)  # upheld, dismissed, varied
    decision_text: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(200), default="spoc")
