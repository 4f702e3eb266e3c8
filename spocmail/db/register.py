"""The SPOC register: officers and their absences, members, customers and their addresses, arrangements."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Column, Date, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spocmail.db.base import Base

ADDRESS_STATUSES = ("confirmed", "suggested", "rejected")
ARRANGEMENT_STATUSES = ("active", "ending", "ended", "suspended")


class Officer(Base):
    __tablename__ = "officers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    department: Mapped[str] = mapped_column(String(200), default="")
    keywords: Mapped[list] = mapped_column(default=list)
    handles: Mapped[list] = mapped_column(default=list)
    cover_id: Mapped[str | None] = mapped_column(ForeignKey("officers.id"), nullable=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    absences: Mapped[list["Absence"]] = relationship(back_populates="officer", cascade="all, delete-orphan",
                                                     order_by="Absence.starts")

    def absent_on(self, day: date) -> bool:
        return any(a.starts <= day <= a.ends for a in self.absences)


class Absence(Base):
    __tablename__ = "absences"
    __table_args__ = (UniqueConstraint("officer_id", "starts", "ends"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[str] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"), index=True)
    starts: Mapped[date] = mapped_column(Date)
    ends: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")

    officer: Mapped[Officer] = relationship(back_populates="absences")


class Member(Base):
    __tablename__ = "members"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    phones: Mapped[list] = mapped_column(default=list)
    postal_address: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    addresses: Mapped[list["CustomerAddress"]] = relationship(back_populates="customer",
                                                              cascade="all, delete-orphan",
                                                              order_by="CustomerAddress.email")
    arrangement: Mapped["Arrangement | None"] = relationship(back_populates="customer", uselist=False)

    def confirmed_addresses(self) -> list[str]:
        return [a.email for a in self.addresses if a.status == "confirmed"]


class CustomerAddress(Base):
    """An address the customer writes from: confirmed by the SPOC, suggested by spocmail, or rejected."""

    __tablename__ = "customer_addresses"
    __table_args__ = (UniqueConstraint("customer_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(200), nullable=True)

    customer: Mapped[Customer] = relationship(back_populates="addresses")


arrangement_members = Table(
    "arrangement_members",
    Base.metadata,
    Column("arrangement_id", ForeignKey("arrangements.id", ondelete="CASCADE"), primary_key=True),
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
)


class Arrangement(Base):
    """One customer's SPOC arrangement (the register entry of 001 §4.1)."""

    __tablename__ = "arrangements"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), unique=True)
    spoc_id: Mapped[str] = mapped_column(ForeignKey("officers.id"))
    deputy_id: Mapped[str | None] = mapped_column(ForeignKey("officers.id"), nullable=True)
    contact_address: Mapped[str] = mapped_column(String(320), default="")
    contact_method: Mapped[str] = mapped_column(String(64), default="email")
    start: Mapped[date] = mapped_column(Date)
    review: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    restrictions: Mapped[dict] = mapped_column(default=dict)
    weekly_day: Mapped[str] = mapped_column(String(3), default="FRI")
    weekly_time: Mapped[str] = mapped_column(String(5), default="12:00")
    auto_send: Mapped[bool] = mapped_column(Boolean, default=False)
    notice_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # notice of ending given (spocmail/lifecycle.py)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # the notice runs out: the arrangement ends
    ended_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    customer: Mapped[Customer] = relationship(back_populates="arrangement")
    spoc: Mapped[Officer] = relationship(foreign_keys=[spoc_id])
    deputy: Mapped[Officer | None] = relationship(foreign_keys=[deputy_id])
    members: Mapped[list[Member]] = relationship(secondary=arrangement_members, order_by="Member.id")


def arrangement_of(session, customer_id: str | None) -> "Arrangement | None":
    """The customer's arrangement through the session's identity map: asked of the database once per session
    (per mail in intake), not by every step that needs it."""
    if customer_id is None:
        return None
    customer = session.get(Customer, customer_id)
    return customer.arrangement if customer is not None else None
