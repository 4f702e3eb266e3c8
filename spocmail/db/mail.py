"""Every mail in and out, stored raw and unchanged with its SHA-256, and where each was fetched from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from spocmail.db.base import Base

# stored: committed, not yet through the later steps; working: claimed by one process; done: every step finished;
# quarantined: could not be parsed (kept raw, with the reason); failed: a step failed too often.
MESSAGE_STATES = ("stored", "working", "done", "quarantined", "failed")


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))  # "in" or "out"
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    message_id: Mapped[str | None] = mapped_column(String(998), index=True, nullable=True)
    # another stored mail already carries this Message-ID with different bytes: kept and flagged
    message_id_reused: Mapped[bool] = mapped_column(default=False)
    in_reply_to: Mapped[str | None] = mapped_column(String(998), nullable=True)
    references: Mapped[list] = mapped_column(default=list)
    subject: Mapped[str] = mapped_column(Text, default="")
    from_name: Mapped[str | None] = mapped_column(String(500), nullable=True)
    from_email: Mapped[str | None] = mapped_column(String(320), index=True, nullable=True)
    to: Mapped[list] = mapped_column(default=list)
    cc: Mapped[list] = mapped_column(default=list)
    date_header: Mapped[datetime | None]
    internaldate: Mapped[datetime | None]
    stored_at: Mapped[datetime]
    auto_reply: Mapped[bool] = mapped_column(default=False)
    # how the contact reached the council: email, or letter/phone/in-person logged by hand (spocmail log)
    channel: Mapped[str] = mapped_column(String(16), default="email")
    sender_role: Mapped[str | None] = mapped_column(String(16), nullable=True)
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"), nullable=True, index=True)
    state: Mapped[str] = mapped_column(String(16), default="stored", index=True)
    quarantine_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    defects: Mapped[list] = mapped_column(default=list)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[datetime | None]  # when a process took it for the later steps ("working")
    claimed_by: Mapped[str | None] = mapped_column(String(300), nullable=True)  # "host:pid:start" (claims.py)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)

    locations: Mapped[list["MailLocation"]] = relationship(back_populates="message", cascade="all, delete-orphan")
    # The raw bytes live in their own table, so that loading or updating a messages row never reads or
    # rewrites the mail itself: SQLite builds a row's whole record in memory on INSERT and UPDATE (even a
    # zeroblob that is not the row's last column), which cost +75 MB to store a 50 MB mail.
    # Never loaded through this relationship (lazy="raise"): `raw` below reads it with one copy in memory.
    raw_row: Mapped["MessageRaw | None"] = relationship(cascade="all, delete-orphan", passive_deletes=True,
                                                        lazy="raise")

    @property
    def raw(self) -> bytes:
        """The mail's bytes as they came, read from message_raw on first use (then kept on the object)."""
        cached = self.__dict__.get("_raw_bytes")
        if cached is None:
            from spocmail.db.rawstore import read_raw

            session = object_session(self)
            if session is None:
                raise RuntimeError(f"mail {self.id}: its raw bytes are read through a session, and it has none")
            cached = self.__dict__["_raw_bytes"] = read_raw(session, self.id)
        return cached

    @raw.setter
    def raw(self, value: bytes) -> None:  # a new mail: its message_raw row is written with it
        self.__dict__["_raw_bytes"] = value
        self.raw_row = MessageRaw(raw=value)


class MessageRaw(Base):
    """One stored mail's raw bytes, unchanged (their SHA-256 is messages.sha256). The blob is the last
    column, so SQLite stores a zeroblob for it without building the whole record in memory."""

    __tablename__ = "message_raw"

    message_pk: Mapped[int] = mapped_column(Integer, ForeignKey("messages.id", ondelete="CASCADE"),
                                            primary_key=True, autoincrement=False)
    raw: Mapped[bytes] = mapped_column(LargeBinary)


class MailLocation(Base):
    """Where a stored mail was seen: the same mail fetched again by (UIDVALIDITY, UID) is known at once."""

    __tablename__ = "mail_locations"
    __table_args__ = (UniqueConstraint("source", "uidvalidity", "uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_pk: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(500))
    uidvalidity: Mapped[int] = mapped_column(BigInteger, default=0)  # 0 for sources without one (Maildir)
    uid: Mapped[str] = mapped_column(String(500))
    seen_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]

    message: Mapped[Message] = relationship(back_populates="locations")


class MailboxState(Base):
    """Per mailbox: the UIDVALIDITY we know and the highest UID stored under it."""

    __tablename__ = "mailbox_state"

    source: Mapped[str] = mapped_column(String(500), primary_key=True)
    uidvalidity: Mapped[int] = mapped_column(BigInteger, default=0)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime]
