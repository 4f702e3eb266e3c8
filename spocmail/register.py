"""The SPOC register file: validate it, import it idempotently, and show what the register holds."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from spocmail import lifecycle, restrictions
from spocmail.db import audit
from spocmail.db.lifecycle import ArrangementEvent
from spocmail.db.register import (ARRANGEMENT_STATUSES, Absence, Arrangement, Customer, CustomerAddress, Member,
                                  Officer)
from spocmail.errors import RegisterError

DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


# ------------------------------------------------------------------ the file, validated


@dataclass(frozen=True)
class OfficerEntry:
    id: str
    name: str
    email: str
    department: str = ""
    keywords: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    cover: str | None = None
    absences: tuple[tuple[date, date, str], ...] = ()


@dataclass(frozen=True)
class MemberEntry:
    id: str
    name: str
    email: str


@dataclass(frozen=True)
class CustomerEntry:
    id: str
    name: str
    addresses: tuple[str, ...]
    spoc: str
    start: date
    phones: tuple[str, ...] = ()
    postal_address: str = ""
    deputy: str | None = None
    members: tuple[str, ...] = ()
    review: date | None = None
    status: str = "active"
    contact_address: str = ""
    contact_method: str = "email"
    restrictions: dict = field(default_factory=dict)
    weekly_day: str = "FRI"
    weekly_time: str = "12:00"
    auto_send: bool = False


@dataclass(frozen=True)
class RegisterFile:
    officers: tuple[OfficerEntry, ...]
    members: tuple[MemberEntry, ...]
    customers: tuple[CustomerEntry, ...]


class _Entry:
    """Reads the fields of one [[kind]] entry; errors name the file, the entry and the field."""

    def __init__(self, path: Path, kind: str, index: int, data: Any):
        self.path, self.kind, self.index = path, kind, index
        if not isinstance(data, dict):
            raise RegisterError(f"{path}: [[{kind}]] #{index}: expected a table of fields")
        self.data = data
        self.label = f"[[{kind}]] #{index}"
        if isinstance(data.get("id"), str):
            self.label += f" (id {data['id']!r})"

    def fail(self, key: str, expected: str) -> None:
        got = self.data.get(key, "<missing>")
        raise RegisterError(f"{self.path}: {self.label}: field {key!r} = {got!r}: expected {expected}")

    def get(self, key: str, kind, expected: str, required: bool = False, default=None):
        if key not in self.data:
            if required:
                self.fail(key, expected)
            return default
        value = self.data[key]
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            self.fail(key, expected)
        return value

    def ident(self, key: str = "id", required: bool = True) -> str | None:
        value = self.get(key, str, "an id of lower-case letters, digits, '.', '_' or '-'", required)
        if value is not None and not _ID.match(value):
            self.fail(key, "an id of lower-case letters, digits, '.', '_' or '-'")
        return value

    def text(self, key: str, required: bool = False, default: str = "") -> str:
        return self.get(key, str, "a string", required, default)

    def email(self, key: str, value: Any = None) -> str:
        value = self.data.get(key) if value is None else value
        if not isinstance(value, str) or not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", value):
            self.fail(key, "an email address such as \"name@council.example\"")
        return value.strip().lower()

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.get(key, list, "a list of strings", default=[])
        if not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(key, "a list of non-empty strings")
        return tuple(v.strip() for v in value)

    def day(self, key: str, required: bool = False) -> date | None:
        value = self.get(key, date, "a date such as 2026-01-05 (TOML date, unquoted)", required)
        if isinstance(value, datetime):
            self.fail(key, "a date such as 2026-01-05 (TOML date, unquoted)")
        return value

    def done(self, allowed: set[str]) -> None:
        unknown = sorted(set(self.data) - allowed)
        if unknown:
            raise RegisterError(f"{self.path}: {self.label}: unknown field {unknown[0]!r}; "
                                f"expected one of {', '.join(sorted(allowed))}")


def read_file(path: Path) -> RegisterFile:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegisterError(f"{path}: no such register file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RegisterError(f"{path}: not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"officer", "member", "customer"})
    if unknown:
        raise RegisterError(f"{path}: [{unknown[0]}]: unknown; a register file has [[officer]], "
                            f"[[member]] and [[customer]] entries")
    for kind in ("officer", "member", "customer"):
        if kind in data and not isinstance(data[kind], list):
            raise RegisterError(f"{path}: {kind}: expected [[{kind}]] entries (an array of tables)")

    officers = tuple(_officer(_Entry(path, "officer", i, d)) for i, d in enumerate(data.get("officer", []), 1))
    members = tuple(_member(_Entry(path, "member", i, d)) for i, d in enumerate(data.get("member", []), 1))
    customers = tuple(_customer(_Entry(path, "customer", i, d)) for i, d in enumerate(data.get("customer", []), 1))
    for kind, entries in (("officer", officers), ("member", members), ("customer", customers)):
        seen: set[str] = set()
        for e in entries:
            if e.id in seen:
                raise RegisterError(f"{path}: [[{kind}]] id {e.id!r} appears twice; ids must be unique")
            seen.add(e.id)
    return RegisterFile(officers, members, customers)


def _officer(e: _Entry) -> OfficerEntry:
    absences = []
    for n, a in enumerate(e.get("absences", list, "a list of {from = DATE, to = DATE, reason = \"...\"}",
                                default=[]), 1):
        if not isinstance(a, dict) or not isinstance(a.get("from"), date) or not isinstance(a.get("to"), date) \
                or a["to"] < a["from"]:
            e.fail("absences", f"each absence as {{from = 2026-03-02, to = 2026-03-06}} with to >= from "
                               f"(absence #{n} is not)")
        absences.append((a["from"], a["to"], str(a.get("reason", ""))))
    entry = OfficerEntry(id=e.ident(), name=e.text("name", required=True), email=e.email("email"),
                         department=e.text("department"), keywords=tuple(k.lower() for k in e.strings("keywords")),
                         handles=tuple(h.lower() for h in e.strings("handles")),
                         cover=e.ident("cover", required=False), absences=tuple(absences))
    e.done({"id", "name", "email", "department", "keywords", "handles", "cover", "absences"})
    return entry


def _member(e: _Entry) -> MemberEntry:
    entry = MemberEntry(id=e.ident(), name=e.text("name", required=True), email=e.email("email"))
    e.done({"id", "name", "email"})
    return entry


def _customer(e: _Entry) -> CustomerEntry:
    addresses = e.get("addresses", list, "a list of email addresses", required=True)
    if not addresses:
        e.fail("addresses", "at least one email address the customer writes from")
    weekly = e.get("weekly", dict, "a table such as { day = \"FRI\", time = \"12:00\" }", default={})
    day = str(weekly.get("day", "FRI")).upper()
    time = str(weekly.get("time", "12:00"))
    if day not in DAYS or not _TIME.match(time) or set(weekly) - {"day", "time"}:
        e.fail("weekly", "a table such as { day = \"FRI\", time = \"12:00\" } (day MON..SUN, time HH:MM)")
    status = e.text("status", default="active")
    if status not in ARRANGEMENT_STATUSES:
        e.fail("status", "one of " + ", ".join(ARRANGEMENT_STATUSES))
    start = e.day("start", required=True)
    review = e.day("review")
    if review is None:  # a review date is required: 6 months on by default (seed 000)
        review = lifecycle.default_review(start)
    elif lifecycle.review_problem(start, review):
        e.fail("review", lifecycle.review_problem(start, review))
    contact = e.data.get("contact_address")
    entry = CustomerEntry(
        id=e.ident(), name=e.text("name", required=True),
        addresses=tuple(e.email("addresses", a) for a in addresses),
        spoc=e.ident("spoc"), deputy=e.ident("deputy", required=False), start=start, review=review,
        phones=e.strings("phones"), postal_address=e.text("postal_address"),
        members=e.strings("members"), status=status,
        contact_address=e.email("contact_address") if contact is not None else "",
        contact_method=e.text("contact_method", default="email"),
        restrictions=restrictions.validate(e.get("restrictions", dict, "a table of restrictions", default={}),
                                           lambda expected: e.fail("restrictions", expected)),
        weekly_day=day, weekly_time=time, auto_send=e.get("auto_send", bool, "true or false", default=False))
    e.done({"id", "name", "addresses", "phones", "postal_address", "spoc", "deputy", "members", "start",
            "review", "weekly", "status", "contact_address", "contact_method", "restrictions", "auto_send"})
    return entry


# ------------------------------------------------------------------ import


@dataclass
class ImportResult:
    created: dict[str, int] = field(default_factory=lambda: {"officer": 0, "member": 0, "customer": 0})
    updated: dict[str, int] = field(default_factory=lambda: {"officer": 0, "member": 0, "customer": 0})
    unchanged: dict[str, int] = field(default_factory=lambda: {"officer": 0, "member": 0, "customer": 0})

    def to_json(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


def _apply(obj, values: dict) -> bool:
    changed = False
    for k, v in values.items():
        if getattr(obj, k) != v:
            setattr(obj, k, v)
            changed = True
    return changed


def import_register(session: Session, reg: RegisterFile, now: datetime, actor: str = "register-import",
                    source: str = "") -> ImportResult:
    """Create or update every entry; running it twice changes nothing the second time."""
    result = ImportResult()
    officers = {o.id: o for o in session.scalars(select(Officer).options(selectinload(Officer.absences)))}
    known_officers = set(officers) | {o.id for o in reg.officers}
    for entry in reg.officers:
        if entry.cover and entry.cover not in known_officers:
            raise RegisterError(f"{source}: [[officer]] (id {entry.id!r}): field 'cover' = {entry.cover!r}: "
                                f"expected the id of an officer in the register")
    members = {m.id: m for m in session.scalars(select(Member))}
    known_members = set(members) | {m.id for m in reg.members}
    for entry in reg.customers:
        for key in ("spoc", "deputy"):
            ref = getattr(entry, key)
            if ref and ref not in known_officers:
                raise RegisterError(f"{source}: [[customer]] (id {entry.id!r}): field {key!r} = {ref!r}: "
                                    f"expected the id of an officer in the register")
        for m in entry.members:
            if m not in known_members:
                raise RegisterError(f"{source}: [[customer]] (id {entry.id!r}): field 'members' names {m!r}: "
                                    f"expected the id of a member in the register")

    def note(kind: str, ident: str, created: bool, changed: bool) -> None:
        bucket = result.created if created else result.updated if changed else result.unchanged
        bucket[kind] += 1
        if created or changed:
            audit.record(session, at=now, actor=actor, action=f"register.{kind}.{'created' if created else 'updated'}",
                         subject_type=kind, subject_id=ident, source=source)

    # officers first without cover (cover may point at an officer created in the same file)
    pending: dict[str, tuple[bool, bool]] = {}
    for entry in reg.officers:
        obj = officers.get(entry.id)
        created = obj is None
        if created:
            obj = Officer(id=entry.id, created_at=now, updated_at=now, name=entry.name, email=entry.email)
            session.add(obj)
            officers[entry.id] = obj
        changed = _apply(obj, {"name": entry.name, "email": entry.email, "department": entry.department,
                               "keywords": list(entry.keywords), "handles": list(entry.handles)})
        have = {(a.starts, a.ends): a for a in obj.absences}
        for starts, ends, reason in entry.absences:
            if (starts, ends) not in have:
                obj.absences.append(Absence(starts=starts, ends=ends, reason=reason))
                changed = True
            elif have[(starts, ends)].reason != reason:
                have[(starts, ends)].reason = reason
                changed = True
        pending[entry.id] = (created, changed)
    session.flush()
    for entry in reg.officers:
        obj = officers[entry.id]
        created, changed = pending[entry.id]
        changed = _apply(obj, {"cover_id": entry.cover}) or changed
        if changed and not created:
            obj.updated_at = now
        note("officer", entry.id, created, changed)

    for entry in reg.members:
        obj = members.get(entry.id)
        created = obj is None
        if created:
            obj = Member(id=entry.id, name=entry.name, email=entry.email, created_at=now, updated_at=now)
            session.add(obj)
            members[entry.id] = obj
        changed = _apply(obj, {"name": entry.name, "email": entry.email})
        if changed and not created:
            obj.updated_at = now
        note("member", entry.id, created, changed)
    session.flush()

    for entry in reg.customers:
        obj = session.get(Customer, entry.id)
        created = obj is None
        if created:
            obj = Customer(id=entry.id, name=entry.name, created_at=now, updated_at=now)
            session.add(obj)
        changed = _apply(obj, {"name": entry.name, "phones": list(entry.phones),
                               "postal_address": entry.postal_address})
        have = {a.email: a for a in obj.addresses}
        for email in entry.addresses:
            addr = have.get(email)
            if addr is None:
                obj.addresses.append(CustomerAddress(email=email, status="confirmed", source=f"register {source}",
                                                     created_at=now, decided_at=now, decided_by=actor))
                changed = True
            elif addr.status != "confirmed":
                addr.status, addr.decided_at, addr.decided_by = "confirmed", now, actor
                changed = True
        arr = obj.arrangement
        new_arrangement = arr is None
        if arr is None:
            arr = Arrangement(customer=obj, created_at=now, updated_at=now, spoc_id=entry.spoc, start=entry.start)
            session.add(arr)
            changed = True
        values = {"spoc_id": entry.spoc, "deputy_id": entry.deputy, "start": entry.start, "review": entry.review,
                  "status": entry.status, "contact_address": entry.contact_address,
                  "contact_method": entry.contact_method, "restrictions": dict(entry.restrictions),
                  "weekly_day": entry.weekly_day, "weekly_time": entry.weekly_time, "auto_send": entry.auto_send}
        if not new_arrangement and session.scalar(select(ArrangementEvent.id).where(
                ArrangementEvent.customer_id == entry.id, ArrangementEvent.kind != "started").limit(1)):
            # once reviewed, given notice, ended, suspended or reinstated, the status and the review date are the
            # lifecycle's (`spocmail arrangement ...`): importing the file again must not undo a decision
            values.pop("status"), values.pop("review")
        if _apply(arr, values):
            arr.updated_at = now
            changed = True
        wanted = [members[m] for m in entry.members]
        if {m.id for m in arr.members} != set(entry.members):
            arr.members = wanted
            changed = True
        if changed and not created:
            obj.updated_at = now
        note("customer", entry.id, created, changed)
        if new_arrangement:
            session.flush()
            lifecycle.started(session, arr, now, actor)
    session.flush()
    return result


# ------------------------------------------------------------------ show


def _d(value: date | None) -> str | None:
    return value.isoformat() if value else None


def officer_json(o: Officer) -> dict:
    return {"id": o.id, "name": o.name, "email": o.email, "department": o.department,
            "keywords": list(o.keywords), "handles": list(o.handles), "cover": o.cover_id,
            "absences": [{"from": _d(a.starts), "to": _d(a.ends), "reason": a.reason} for a in o.absences]}


def customer_json(c: Customer) -> dict:
    arr = c.arrangement
    doc = {"id": c.id, "name": c.name, "phones": list(c.phones), "postal_address": c.postal_address,
           "addresses": [{"email": a.email, "status": a.status, "source": a.source} for a in c.addresses]}
    if arr is not None:
        doc.update({
            "spoc": arr.spoc_id, "deputy": arr.deputy_id, "members": [m.id for m in arr.members],
            "start": _d(arr.start), "review": _d(arr.review), "status": arr.status,
            "notice_on": _d(arr.notice_on), "ends_on": _d(arr.ends_on), "ended_on": _d(arr.ended_on),
            "contact_address": arr.contact_address or None, "contact_method": arr.contact_method,
            "restrictions": arr.restrictions,
            "weekly": {"day": arr.weekly_day, "time": arr.weekly_time}, "auto_send": arr.auto_send,
        })
    return doc


def show(session: Session, customer_id: str | None = None) -> dict:
    if customer_id is not None:
        c = session.get(Customer, customer_id)
        if c is None:
            raise RegisterError(f"no customer {customer_id!r} in the register; `spocmail register show` lists them")
        return customer_json(c)
    return {
        "officers": [officer_json(o) for o in session.scalars(select(Officer).order_by(Officer.id))],
        "members": [{"id": m.id, "name": m.name, "email": m.email}
                    for m in session.scalars(select(Member).order_by(Member.id))],
        "customers": [customer_json(c) for c in session.scalars(select(Customer).order_by(Customer.id))],
    }
