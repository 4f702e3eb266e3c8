"""Between filing and routing: what the arrangement decides about each new issue before an officer is asked.

In force (active, or under notice), the restrictions apply (spocmail/restrictions.py): a closed subject is
acknowledged and filed, an issue over the limit is carried to the next period, contact outside the agreed
channel is recorded. Ended or suspended, the customer's mail goes back to normal handling: each request is
passed to the service to answer directly, the SPOC is told, and the customer's acknowledgement promises
no weekly response. Nothing is lost: every issue stays in the record.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from spocmail import letters, logs, outbox, restrictions, templating
from spocmail.config import Config
from spocmail.db import audit
from spocmail.db.issues import Issue, IssueMessage
from spocmail.db.mail import Message
from spocmail.db.register import Arrangement, Customer, Officer
from spocmail.deadlines import deadline_label
from spocmail.lifecycle import NORMAL
from spocmail.mail import headers as mail_headers

log = logs.get("admission")


def outside_channel(message: Message | None, customer: Customer) -> str | None:
    """How the customer's mail reached us when not through the agreed channel: forwarded by an officer or member."""
    if message is None or message.channel != "email":
        return None
    sender = (message.from_email or "").lower()
    if message.sender_role in ("officer", "member") and sender not in {a.email for a in customer.addresses}:
        return f"forwarded by {message.sender_role} {sender}"
    return None


def admit(session: Session, new: list[Issue], config: Config, now: datetime, message: Message | None,
          route_rules=None) -> list[Issue]:
    """The new issues to route to officers through the SPOC; the others are settled here."""
    if not new:
        return []
    customer = session.get(Customer, new[0].customer_id)
    arr: Arrangement | None = customer.arrangement
    if arr is None:
        return new
    if arr.status in NORMAL:
        normal_handling(session, new, arr, config, now, message, route_rules)
        return []
    route, filed = [], []
    outside = outside_channel(message, customer)
    for issue in new:
        decision = restrictions.decide(session, issue, arr, now, config.tz, outside_channel=outside)
        if decision == "route":
            route.append(issue)
        elif decision == "closed":
            filed.append(issue)
        else:
            log.info("issue carried to the next period", extra={"event": "restrictions.deferred", "issue": issue.ref,
                                                                "until": issue.deferred_until.isoformat()})
    if filed:
        acknowledge_filed(session, customer, filed, config, now)
    return route


def acknowledge_filed(session: Session, customer: Customer, issues: list[Issue], config: Config,
                      now: datetime) -> None:
    """A closed subject: the customer's mail is acknowledged and filed (seed 002 Appendix B)."""
    from spocmail.db.issues import Response

    subjects = sorted({i.closed_reason.split(": ", 1)[-1] for i in issues if i.closed_reason})
    queued = _acknowledge(session, config, customer, issues, now, "acknowledgement_filed", "your mail has been filed",
                          "ack-filed", subjects=subjects)
    if queued is None:
        return
    row, msg = queued
    session.add(Response(customer_id=customer.id, kind="acknowledgement", period=f"filed:{issues[0].ref}",
                         sequence=1, status="queued", subject=str(msg["Subject"]),
                         items=[{"ref": i.ref} for i in issues], message_id=row.message_id, outbox_id=row.id,
                         created_at=now, queued_at=now))
    for i in issues:
        i.acknowledged_at = now
        session.add(IssueMessage(issue_id=i.id, message_pk=row.record_pk, role="acknowledgement", added_at=now))


def _mail(config: Config, to: str, subject: str, text: str, html: str, automatic: bool = True) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = mail_headers.address(config.spoc.name, config.spoc.address)
    msg["To"] = mail_headers.addresses([to])
    msg["Subject"] = mail_headers.clean(subject)
    if automatic:
        msg["Auto-Submitted"] = "auto-replied"
        msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


def normal_handling(session: Session, new: list[Issue], arr: Arrangement, config: Config, now: datetime,
                    message: Message | None, route_rules=None) -> None:
    """The arrangement has ended (or is suspended): each request goes to the service to answer directly."""
    from spocmail.officers import notify_spoc, route_issue
    from spocmail.rules import load_route

    rules = route_rules or load_route()
    customer = arr.customer
    where = {}
    for issue in new:
        routing = route_issue(session, issue, rules, now.astimezone(config.tz).date())
        officer = session.get(Officer, routing.officer_id)
        msg = templating.build("normal_handling", subject=f"{issue.ref}: for you to answer directly: {issue.title}",
                               sender=f"{config.spoc.name} <{config.spoc.address}>",
                               to=[f"{officer.name} <{officer.email}>"], headers={"X-Spocmail-Issue": issue.ref},
                               officer=officer, customer_name=customer.name, ref=issue.ref,
                               received_on=issue.received_on, words=issue.request_text, due=issue.due,
                               due_label=deadline_label(issue.statutory_kind), spoc_name=config.spoc.name,
                               council=config.council.name)
        row = outbox.queue(session, msg, kind="normal_handling", now=now, dedupe_key=f"normal:{issue.ref}",
                           related={"issues": [issue.ref], "customer": issue.customer_id, "officer": officer.id})
        session.add(IssueMessage(issue_id=issue.id, message_pk=row.record_pk, role="request", added_at=now))
        issue.officer_id, issue.routing_reason = officer.id, f"normal handling ({arr.status}): {routing.reason}"
        issue.status, issue.updated_at = "closed", now
        issue.closed_reason = f"arrangement {arr.status}: passed to {officer.department or officer.name} to answer directly"
        issue.acknowledged_at = now
        where[issue.ref] = officer.department or officer.name
        audit.record(session, at=now, actor="spocmail", action="issue.normal_handling", subject_type="issue",
                     subject_id=issue.ref, officer=officer.id, arrangement=arr.status)
    notify_spoc(session, arr.customer_id, f"Mail from {arr.customer_id} after the arrangement {arr.status}",
                [f"{i.ref} ({i.category}): passed to {where[i.ref]} to answer directly (normal handling)."
                 for i in new], now, key=f"normal:{arr.customer_id}:{','.join(i.ref for i in new)}", config=config,
                subject=f"Mail from {arr.customer_id} handled normally: {', '.join(i.ref for i in new)}")
    queued = _acknowledge(session, config, customer, new, now, "acknowledgement_normal", "we have received your mail",
                          "ack-normal", where=where)
    if queued is None:
        return
    row, _msg = queued
    for i in new:
        session.add(IssueMessage(issue_id=i.id, message_pk=row.record_pk, role="acknowledgement", added_at=now))


def route_deferred(session: Session, config: Config, now: datetime) -> list[str]:
    """Carried-over issues whose period has come are routed now, as on the day they were filed."""
    from spocmail.deadlines import WorkingCalendar
    from spocmail.officers import route_issue, send_request
    from spocmail.rules import load_route

    today = now.astimezone(config.tz).date()
    issues = restrictions.due_deferred(session, today)
    if not issues:
        return []
    rules, cal = load_route(), WorkingCalendar(config.council.holidays)
    done = []
    for issue in issues:
        arr = session.scalar(select(Arrangement).where(Arrangement.customer_id == issue.customer_id))
        if arr is None or arr.status not in ("active", "ending"):
            continue
        routing = route_issue(session, issue, rules, today)
        issue.routing_reason = routing.reason
        send_request(session, issue, routing.officer_id, config, cal, now, covering_for=routing.covered_for,
                     reason=routing.reason)
        done.append(issue.ref)
    return done


def _acknowledge(session: Session, config: Config, customer, issues, now: datetime, template: str, what: str,
                 key: str, **context):
    """Queue an acknowledgement of `issues` to the customer from `template`: (outbox row, mail), or None when
    they have no address to write to."""
    from spocmail.respond import ResponseError, customer_address

    try:
        to = customer_address(session, customer)
    except ResponseError:
        return None
    refs = [i.ref for i in issues]
    text, html = templating.render(template, customer=customer, issues=issues,
                                   sig=letters.signature(config, customer), **context)
    msg = _mail(config, to, f"{config.council.name}: {what} ({', '.join(refs)})", text, html)
    row = outbox.queue(session, msg, kind="acknowledgement", now=now, dedupe_key=f"{key}:{customer.id}:{','.join(refs)}",
                       related={"customer": customer.id, "issues": refs})
    return row, msg
