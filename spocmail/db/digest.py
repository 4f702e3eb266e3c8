"""Each request and reminder mailed to an officer, by London day: the first [officers] digest_after of a day go one
by one; the rest are held here until that day's digest lists them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spocmail.db.base import Base
from spocmail.db.issues import OfficerRequest


class OfficerMailing(Base):
    __tablename__ = "officer_mailings"
    __table_args__ = (UniqueConstraint("kind", "request_id"), Index("ix_officer_mailings_officer_day", "officer_id", "day"))

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)  # the London day it was asked for
    kind: Mapped[str] = mapped_column(String(16))  # "request" or "reminder"
    request_id: Mapped[int] = mapped_column(ForeignKey("officer_requests.id", ondelete="CASCADE"))
    held: Mapped[bool] = mapped_column(default=False)  # beyond the day's number: waits for the digest
    at: Mapped[datetime]
    digest_outbox_id: Mapped[int | None] = mapped_column(nullable=True)  # the digest that listed it

    request: Mapped[OfficerRequest] = relationship()
