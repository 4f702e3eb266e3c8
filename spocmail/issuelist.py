"""The issues list: one Core query on the issues table, so `issues list` starts without the ORM or the models."""

from __future__ import annotations

from sqlalchemy import JSON, Date, Integer, String, column, select, table
from sqlalchemy.engine import Connection

from spocmail.db.types import UTCDateTime
from spocmail.errors import NotFound

# The columns a listed issue shows, named and typed as in spocmail.db.issues.Issue (a test holds them to it):
# the same types give the same values back (aware UTC instants, dates, JSON lists) on SQLite and PostgreSQL.
ISSUES = table(
    "issues",
    column("id", Integer), column("ref", String), column("customer_id", String), column("title", String),
    column("category", String), column("category_rule", String), column("statutory_kind", String),
    column("received_at", UTCDateTime()), column("received_on", Date), column("due", Date),
    column("status", String), column("officer_id", String), column("contacts", Integer),
    column("merged_into_id", Integer), column("restrictions", JSON), column("deferred_until", Date),
)
CUSTOMERS = table("customers", column("id", String))


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def issue_json(issue) -> dict:
    """An issue as the list shows it; `issue` is an Issue or a row of ISSUES (the same attribute names)."""
    return {"ref": issue.ref, "customer": issue.customer_id, "title": issue.title, "category": issue.category,
            "category_rule": issue.category_rule, "statutory_kind": issue.statutory_kind,
            "received_at": _iso(issue.received_at), "received_on": _iso(issue.received_on), "due": _iso(issue.due),
            "status": issue.status, "officer": issue.officer_id, "contacts": issue.contacts,
            "merged_into": None, "restrictions": list(issue.restrictions or []),  # spocmail/restrictions.py
            "deferred_until": _iso(issue.deferred_until)}


def list_issues(conn: Connection, customer: str | None = None, status: str | None = None) -> list[dict]:
    """Issues in the order they were filed, of one customer and in one state when asked."""
    if customer and conn.execute(select(CUSTOMERS.c.id).where(CUSTOMERS.c.id == customer)).first() is None:
        # a mistyped id is not "no issues"
        raise NotFound(f"no customer {customer!r} in the register; `spocmail register show` lists them")
    q = select(ISSUES).order_by(ISSUES.c.id)
    if customer:
        q = q.where(ISSUES.c.customer_id == customer)
    if status:
        q = q.where(ISSUES.c.status == status)
    rows = conn.execute(q).all()
    refs = {r.id: r.ref for r in rows}
    missing = {r.merged_into_id for r in rows if r.merged_into_id and r.merged_into_id not in refs}
    if missing:  # merged into an issue the filter left out
        targets = select(ISSUES.c.id, ISSUES.c.ref).where(ISSUES.c.id.in_(missing))
        refs.update((r.id, r.ref) for r in conn.execute(targets))
    out = []
    for r in rows:
        doc = issue_json(r)
        if r.merged_into_id:
            doc["merged_into"] = refs[r.merged_into_id]
        out.append(doc)
    return out
