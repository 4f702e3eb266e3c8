"""Reports from the record: contact volume per ISO week (for reviews and the annual figures)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from spocmail.db.decisions import Identification as Decision
from spocmail.db.issues import Issue, IssueMessage
from spocmail.db.mail import Message
from spocmail.db.register import Customer
from spocmail.errors import NotFound
from spocmail.respond import iso_week

# A mail is one of the customer's own contacts when it was filed as theirs (by spocmail or by the SPOC):
# written by them, or their mail forwarded by an officer or a member. Officers' answers and replies,
# approvals, automatic replies and spocmail's own mail are recorded against the customer too, but are
# not the customer's contact, so they are "not-a-request" (or in triage) and are not counted.
CONTACT_DECISIONS = ("filed", "provisional")


def contact_volume(session: Session, customer_id: str, tz, since: date | None = None,
                   now: datetime | None = None) -> list[dict]:
    """Per ISO week, as the record stood at `now`: the customer's own contacts (mails), the issues they
    opened, and repeats of issues already open."""
    if session.get(Customer, customer_id) is None:
        raise NotFound(f"no customer {customer_id!r} in the register; `spocmail register show` lists them")
    weeks: dict[str, dict] = defaultdict(lambda: {"mails": 0, "new_issues": 0, "repeats": 0})

    def week_of(instant) -> str | None:
        day = instant.astimezone(tz).date()
        return None if since and day < since else iso_week(day)

    contacts = (select(Message).join(Decision, Decision.message_pk == Message.id)
                .where(Decision.customer_id == customer_id, Decision.decision.in_(CONTACT_DECISIONS),
                       Message.direction == "in", Message.auto_reply.is_(False)))
    issues = select(Issue).where(Issue.customer_id == customer_id)
    repeats = (select(Message, IssueMessage).join(IssueMessage, IssueMessage.message_pk == Message.id)
               .join(Issue, Issue.id == IssueMessage.issue_id)
               .where(Issue.customer_id == customer_id, IssueMessage.role == "repeat"))
    if now is not None:  # a replay: nothing stored, filed or joined after `now` has happened yet
        contacts = contacts.where(Message.stored_at <= now, Decision.decided_at <= now)
        issues = issues.where(Issue.created_at <= now)
        repeats = repeats.where(IssueMessage.added_at <= now)
    for m in session.scalars(contacts):
        w = week_of(m.internaldate or m.date_header or m.stored_at)
        if w:
            weeks[w]["mails"] += 1
    for issue in session.scalars(issues):
        w = week_of(issue.received_at)
        if w:
            weeks[w]["new_issues"] += 1
    for m, _link in session.execute(repeats):
        w = week_of(m.internaldate or m.date_header or m.stored_at)
        if w:
            weeks[w]["repeats"] += 1
    return [{"week": w, **counts} for w, counts in sorted(weeks.items())]
