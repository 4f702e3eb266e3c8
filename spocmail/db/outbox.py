"""Every outgoing mail as a row: the exact bytes and envelope, its state, and what the server said."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from spocmail.db.base import Base

# queued: waiting to be sent (when due); sending: claimed, the SMTP conversation may be under way;
# sent: the server accepted it; failed: refused for good, or too many temporary refusals;
# uncertain: found in `sending` after a crash, or cut off after the data was handed over: the SPOC
# decides whether to resend; cancelled: the SPOC withdrew it before it went.
OUTBOX_STATES = ("queued", "sending", "sent", "failed", "uncertain", "cancelled")


class OutboxMail(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(998), unique=True)  # as in the header, with <>
    kind: Mapped[str] = mapped_column(String(32), index=True)
    # the caller's name for the logical mail ("weekly:jordan:2026-W48"): the same key is queued once
    dedupe_key: Mapped[str | None] = mapped_column(String(500), unique=True, nullable=True)
    raw: Mapped[bytes] = mapped_column(LargeBinary)  # exactly the bytes handed to the server (no Bcc)
    mail_from: Mapped[str] = mapped_column(String(320))  # envelope sender
    recipients: Mapped[list] = mapped_column(default=list)  # envelope: To, Cc and Bcc
    state: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)  # times claimed for sending
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    refused: Mapped[dict] = mapped_column(default=dict)  # recipient -> [code, text] the server refused
    queued_at: Mapped[datetime]
    not_before: Mapped[datetime | None]  # the caller's: not to be sent before this instant
    retry_at: Mapped[datetime | None]  # ours: after a temporary refusal, not retried before this instant
    sending_at: Mapped[datetime | None]
    sending_by: Mapped[str | None] = mapped_column(String(300), nullable=True)  # "host:pid:start" (claims.py)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)  # the hour's mails per address (rate limit)
    sent_copy_at: Mapped[datetime | None]  # when the copy reached the Sent folder
    sent_copy_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    record_pk: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)  # the raw copy in the record
    related: Mapped[dict] = mapped_column(default=dict)  # e.g. {"issues": [...], "customer": "jordan"}
