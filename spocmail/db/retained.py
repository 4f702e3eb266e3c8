"""What retention keeps of what it deletes: anonymous lines for the published figures, and its own reports."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from spocmail.db.base import Base


class RetainedIssue(Base):
    """A deleted issue as the annual figures need it: its kind, due date and the day it was answered.
    No customer, reference, text or officer: nothing that leads back to a person."""

    __tablename__ = "retained_issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(32))
    statutory_kind: Mapped[str | None] = mapped_column(String(32), nullable=True)
    received_on: Mapped[date] = mapped_column(Date)
    due: Mapped[date | None] = mapped_column(Date, nullable=True)
    answered_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    retained_at: Mapped[datetime]


class RetentionRun(Base):
    """One `retention run`: when, and the counts by kind of what went (ids and counts only)."""

    __tablename__ = "retention_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    ran_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    customers: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[dict] = mapped_column(default=dict)
