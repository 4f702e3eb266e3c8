"""The append-only audit log: who did what to which record, and when. Triggers refuse UPDATE and DELETE."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from spocmail.db.base import Base


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100), index=True)
    subject_type: Mapped[str] = mapped_column(String(50))
    subject_id: Mapped[str] = mapped_column(String(200), index=True)
    detail: Mapped[dict] = mapped_column(default=dict)


def record(session, *, at: datetime, actor: str, action: str, subject_type: str, subject_id: str,
           **detail) -> AuditEntry:
    """Append one entry in the caller's transaction, so the audit and the change commit together."""
    entry = AuditEntry(at=at, actor=actor, action=action, subject_type=subject_type,
                       subject_id=str(subject_id), detail=detail)
    session.add(entry)
    return entry
