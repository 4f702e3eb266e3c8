"""Reports from the record: contact volume per ISO week (for reviews and the annual figures)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from spocmail.db.issues import Issue, IssueMessage
from spocmail.db.mail import Message
from spocmail.db.register import Customer
from spocmail.errors import SpocmailError
from spocmail.respond import iso_week


class ReportError(SpocmailError):
    exit_code = 2


def contact_volume(session: Session, customer_id: str, tz, since: date | None = None) -> list[dict]:
    """Per ISO week: mails about the customer, new issues, and repeats of issues already open."""
    if session.get(Customer, customer_id) is None:
        raise ReportError(f"no customer {customer_id!r} in the register")
    weeks: dict[str, dict] = defaultdict(lambda: {"mails": 0, "new_issues": 0, "repeats": 0})

    def week_of(instant) -> str | None:
        day = instant.astimezone(tz).date()
        return None if since and day < since else iso_week(day)

    for m in session.scalars(select(Message).where(Message.customer_id == customer_id, Message.direction == "in")):
        w = week_of(m.internaldate or m.date_header or m.stored_at)
        if w:
            weeks[w]["mails"] += 1
    for issue in session.scalars(select(Issue).where(Issue.customer_id == customer_id)):
        w = week_of(issue.received_at)
        if w:
            weeks[w]["new_issues"] += 1
    rows = session.execute(select(Message, IssueMessage).join(IssueMessage, IssueMessage.message_pk == Message.id)
                           .join(Issue, Issue.id == IssueMessage.issue_id)
                           .where(Issue.customer_id == customer_id, IssueMessage.role == "repeat"))
    for m, _link in rows:
        w = week_of(m.internaldate or m.date_header or m.stored_at)
        if w:
            weeks[w]["repeats"] += 1
    return [{"week": w, **counts} for w, counts in sorted(weeks.items())]
