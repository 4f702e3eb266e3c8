"""Whose each mail is: spocmail's decision with its score and evidence, and the SPOC's when they decide."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spocmail.db.base import Base
from spocmail.db.mail import Message


class Identification(Base):
    __tablename__ = "identifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_pk: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str | None] = mapped_column(String(320), nullable=True)
    sender_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"), nullable=True, index=True)
    decision: Mapped[str] = mapped_column(String(16), index=True)  # filed, provisional, triage, not-a-request
    score: Mapped[float] = mapped_column(Float, default=0.0)
    evidence: Mapped[list] = mapped_column(default=list)
    candidates: Mapped[list] = mapped_column(default=list)
    suggest_address: Mapped[str | None] = mapped_column(String(320), nullable=True)
    decided_at: Mapped[datetime]
    decided_by: Mapped[str] = mapped_column(String(200), default="spocmail")

    message: Mapped[Message] = relationship()
