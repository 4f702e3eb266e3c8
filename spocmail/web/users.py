"""Web accounts: argon2 password hashes, and what each account may see and do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from spocmail.db import audit
from spocmail.db.issues import Issue, OfficerRequest
from spocmail.db.register import Arrangement, Officer
from spocmail.db.web import WebUser
from spocmail.errors import SpocmailError

ROLES = ("spoc", "officer")
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY = _hasher.hash("spocmail: no such user")


class UserError(SpocmailError):
    exit_code = 2


def add_user(session: Session, name: str, role: str, officer_id: str, password: str | None, *, actor: str,
             now: datetime) -> WebUser:
    name = name.strip()
    if not name or any(c.isspace() for c in name):
        raise UserError(f"NAME {name!r}: expected a user name without spaces (such as morgan.reed)")
    if role not in ROLES:
        raise UserError(f"--role {role!r}: expected spoc or officer")
    if session.get(Officer, officer_id) is None:
        raise UserError(f"--officer {officer_id!r}: no such officer in the register; `spocmail register show` "
                        f"lists the arrangements and their officers")
    if session.scalar(select(WebUser).where(WebUser.name == name)) is not None:
        raise UserError(f"NAME {name!r}: a web user of that name exists already; nothing was changed")
    if password is not None and len(password) < 10:
        raise UserError("the password is too short: expected at least 10 characters")
    user = WebUser(name=name, role=role, officer_id=officer_id, created_at=now, updated_at=now,
                   password_hash=_hasher.hash(password) if password is not None else None, disabled=False)
    session.add(user)
    session.flush()
    audit.record(session, at=now, actor=actor, action="web.user_added", subject_type="web_user", subject_id=name,
                 role=role, officer=officer_id, password=password is not None)
    return user


def check_password(session: Session, name: str, password: str) -> WebUser | None:
    user = session.scalar(select(WebUser).where(WebUser.name == name))
    stored = user.password_hash if user is not None and not user.disabled and user.password_hash else _DUMMY
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or stored is _DUMMY:
        return None
    if _hasher.check_needs_rehash(stored):
        user.password_hash = _hasher.hash(password)
    return user


def by_proxy_identity(session: Session, value: str) -> WebUser | None:
    """The account a reverse proxy names: by user name, or by the linked officer's email."""
    value = value.strip()
    if not value:
        return None
    user = session.scalar(select(WebUser).where(WebUser.name == value, WebUser.disabled.is_(False)))
    if user is None and "@" in value:
        user = session.scalar(select(WebUser).join(Officer, Officer.id == WebUser.officer_id)
                              .where(Officer.email == value.lower(), WebUser.disabled.is_(False)))
    return user


@dataclass(frozen=True)
class Access:
    """What one signed-in account may see: the customers it edits (SPOC/deputy), or the issues it reads."""

    name: str
    role: str
    officer_id: str
    customers: frozenset[str]  # spoc: the arrangements whose SPOC or deputy the officer is

    @property
    def edits(self) -> bool:
        return self.role == "spoc"

    def may_edit(self, customer_id: str | None) -> bool:
        return self.role == "spoc" and customer_id in self.customers

    def may_read_issue(self, session: Session, issue: Issue) -> bool:
        if self.role == "spoc":
            return issue.customer_id in self.customers
        if issue.officer_id == self.officer_id:
            return True
        return session.scalar(select(OfficerRequest.id).where(OfficerRequest.issue_id == issue.id,
                                                              OfficerRequest.officer_id == self.officer_id)) is not None

    def officer_issues(self, session: Session) -> list[Issue]:
        asked = select(OfficerRequest.issue_id).where(OfficerRequest.officer_id == self.officer_id)
        return list(session.scalars(select(Issue).where(or_(Issue.officer_id == self.officer_id,
                                                            Issue.id.in_(asked)))
                                    .where(Issue.merged_into_id.is_(None)).order_by(Issue.id)))


def access_of(session: Session, user: WebUser) -> Access:
    customers: frozenset[str] = frozenset()
    if user.role == "spoc":
        customers = frozenset(session.scalars(select(Arrangement.customer_id).where(
            or_(Arrangement.spoc_id == user.officer_id, Arrangement.deputy_id == user.officer_id))))
    return Access(name=user.name, role=user.role, officer_id=user.officer_id, customers=customers)
