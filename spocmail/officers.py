"""Requests to officers, the SPOC's edits and approval of their answers, and reminders about what is outstanding."""

from __future__ import annotations

from dataclasses import replace

import secrets
from datetime import date, datetime, time, timedelta

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, selectinload

from spocmail import digest, letters, locations, logs, outbox, templating
from spocmail.config import Config
from spocmail.db import audit
from spocmail.db.issues import Answer, Issue, IssueMessage, OfficerRequest
from spocmail.db.register import Arrangement, Customer, Officer, arrangement_of
from spocmail.deadlines import WorkingCalendar, deadline_label
from spocmail.filing import FilingError
from spocmail.register import DAYS
from spocmail.rules import OfficerInfo, RouteRules, route

log = logs.get("officers")
ASKED = {
    "foi": "a request for information under the Freedom of Information Act 2000",
    "eir": "a request for environmental information under the Environmental Information Regulations 2004",
    "sar": "a subject access request under UK GDPR Article 15",
    "complaint": "a complaint, to be answered under the complaints policy",
    "service-request": "a service request: please say what has been or will be done",
    "general-enquiry": "a question: please give the answer the customer should receive",
}


# ------------------------------------------------------------------ the officers as plain values


def officer_infos(session: Session) -> list[OfficerInfo]:
    """Every officer with their absences: two queries, whatever the number of officers."""
    officers = session.scalars(select(Officer).order_by(Officer.id).options(selectinload(Officer.absences))).all()
    return [OfficerInfo(id=o.id, name=o.name, email=o.email, department=o.department, keywords=tuple(o.keywords),
                        handles=tuple(o.handles), cover=o.cover_id,
                        absences=tuple((a.starts, a.ends) for a in o.absences))
            for o in officers]


def next_weekly_send(arr: Arrangement, after: datetime, calendar: WorkingCalendar, tz) -> datetime:
    """The next weekly send instant strictly after `after`; a bank holiday moves it to the working day before."""
    local = after.astimezone(tz)
    hour, minute = (int(x) for x in arr.weekly_time.split(":"))
    weekday = DAYS.index(arr.weekly_day)
    day = local.date() + timedelta(days=(weekday - local.weekday()) % 7)
    for _ in range(3):
        send_day = day if calendar.is_working_day(day) else calendar.previous_working_day(day)
        at = datetime.combine(send_day, time(hour, minute), tz)
        if at > local:
            return at
        day += timedelta(days=7)
    raise AssertionError("unreachable")


def nominal_send_day(arr: Arrangement, send_at: datetime, tz) -> date:
    """The register's weekly day that a send belongs to: a send moved back for a bank holiday (Monday's
    to the Friday before) still belongs to its own week, so it is not taken for the week it moved into."""
    day = send_at.astimezone(tz).date()
    return day + timedelta(days=(DAYS.index(arr.weekly_day) - day.weekday()) % 7)


def cutoff_for(send_at: datetime, calendar: WorkingCalendar, tz) -> datetime:
    """Officers' cut-off: the working day before the send, at 17:00."""
    day = calendar.previous_working_day(send_at.astimezone(tz).date())
    return datetime.combine(day, time(17, 0), tz)


def needed_by(issue: Issue, arr: Arrangement, now: datetime, calendar: WorkingCalendar, tz,
              margin_days: int = 2) -> date:
    """The weekly cut-off, or earlier when a statutory deadline comes first (less a margin for the SPOC).

    Asked after this week's cut-off (a Friday morning before a Friday noon send), the officer has until
    next week's: an answer date already past would make the request overdue the moment it is sent.
    """
    send_at = next_weekly_send(arr, now, calendar, tz)
    cutoff = cutoff_for(send_at, calendar, tz)
    if cutoff <= now:
        cutoff = cutoff_for(next_weekly_send(arr, send_at, calendar, tz), calendar, tz)
    cutoff = cutoff.date()
    if issue.due is not None:
        early = calendar.add_working_days(issue.due, -margin_days)
        return min(cutoff, max(early, now.astimezone(tz).date()))
    return cutoff


# ------------------------------------------------------------------ routing and requests


def reply_address(config: Config, token: str) -> str:
    """The SPOC's address with the request's token as a plus-address: a reply to it is the answer."""
    local, _, domain = config.spoc.address.partition("@")
    return f"{config.spoc.name} <{local}+{token}@{domain}>"


STAGE_TWO_RULES = ("complaint-escalation",)  # rules/classify.toml: a complaint taken to its next stage


def route_issue(session: Session, issue: Issue, rules: RouteRules, on: date, infos: list[OfficerInfo] | None = None):
    """Who answers. A complaint taken to stage 2 is reviewed by someone other than whoever dealt with the
    customer's earlier complaints (seed 004's two stages): they are left out of the choice.

    `infos`: the officers as `officer_infos` reads them, when the caller has them already (one pass of intake
    reads them once)."""
    arr = arrangement_of(session, issue.customer_id)
    if infos is None:
        infos = officer_infos(session)
    if issue.category_rule not in STAGE_TWO_RULES:
        return route(issue.category, issue.title, issue.request_text, infos, rules, on=on,
                     spoc_id=arr.spoc_id, deputy_id=arr.deputy_id)
    # the officers alone, in two queries: not every earlier complaint with its answers, one query each
    earlier = (Issue.customer_id == issue.customer_id, Issue.category == "complaint", Issue.id != issue.id)
    stage_one = set(session.scalars(select(Issue.officer_id).where(*earlier, Issue.officer_id.is_not(None))
                                    .distinct()))
    stage_one |= set(session.scalars(select(Answer.officer_id).join(Issue, Issue.id == Answer.issue_id)
                                     .where(*earlier, Answer.officer_id.is_not(None)).distinct()))
    routing = route(issue.category, issue.title, issue.request_text, [o for o in infos if o.id not in stage_one],
                    rules, on=on, spoc_id=arr.spoc_id, deputy_id=arr.deputy_id)
    if routing.officer_id in stage_one:  # only a fallback was left: the SPOC (or deputy) who did not deal with it
        other = next((o for o in (arr.spoc_id, arr.deputy_id) if o and o not in stage_one), routing.officer_id)
        routing = replace(routing, officer_id=other, covered_for=None)
    if stage_one:
        names = ", ".join(sorted(stage_one))
        routing = replace(routing, reason=f"stage 2 complaint: reviewed by someone other than {names}, who dealt "
                                          f"with stage 1; {routing.reason}")
    return routing


def send_request(session: Session, issue: Issue, officer_id: str, config: Config, calendar: WorkingCalendar,
                 now: datetime, covering_for: str | None = None, reason: str = "") -> OfficerRequest:
    """Queue one request mail to one officer for one issue, with a reply token nobody can guess.

    Beyond [officers] digest_after requests and reminders to this officer today (London), the request is held
    for the officer's one digest of the day (spocmail.digest): its token, answer date and record are made now,
    and the digest lists it with its own reply address."""
    officer = session.get(Officer, officer_id)
    arr = arrangement_of(session, issue.customer_id)
    tz = config.tz
    token = secrets.token_urlsafe(12)
    by = needed_by(issue, arr, now, calendar, tz)
    held = digest.over_cap(session, config, officer_id, now)
    if held:
        req = OfficerRequest(issue_id=issue.id, officer_id=officer_id, covering_for=covering_for, token=token,
                             message_id=digest.held_message_id(config, token), outbox_id=None, needed_by=by,
                             status="sent", sent_at=now)
    else:
        subject = f"[{issue.ref} #{token}] Please answer by {by:%a %-d %b}: {issue.title}"
        covered = session.get(Officer, covering_for).name if covering_for else None
        customer = session.get(Customer, issue.customer_id)
        # what the officer needs to act: who and where; the reasons for the arrangement stay with the SPOC
        where = locations.location_for(issue.request_text, issue.category, customer.postal_address)
        msg = templating.build(
            "officer_request", subject=subject, sender=f"{config.spoc.name} <{config.spoc.address}>",
            to=[f"{officer.name} <{officer.email}>"], reply_to=reply_address(config, token),
            headers={"X-Spocmail-Issue": issue.ref},
            officer=officer, ref=issue.ref, asked=ASKED.get(issue.category, issue.category),
            received_on=issue.received_on, needed_by=by, statutory_due=issue.due,
            due_label=deadline_label(issue.statutory_kind), words=issue.request_text,
            customer_name=customer.name, location=where,
            covering_for=covered, spoc_name=config.spoc.name, council=config.council.name,
            sig=letters.signature(config, customer))
        row = outbox.queue(session, msg, kind="officer_request", now=now,
                           dedupe_key=f"request:{issue.ref}:{officer_id}:{len(issue.requests) + 1}",
                           related={"issues": [issue.ref], "customer": issue.customer_id, "officer": officer_id})
        req = OfficerRequest(issue_id=issue.id, officer_id=officer_id, covering_for=covering_for, token=token,
                             message_id=row.message_id, outbox_id=row.id, needed_by=by, status="sent", sent_at=now)
        session.add(IssueMessage(issue_id=issue.id, message_pk=row.record_pk, role="request", added_at=now))
    session.add(req)
    if "requests" not in inspect(issue).unloaded:  # a list read already (or a new issue's, made empty) stays true
        issue.requests.append(req)
    digest.note(session, config, req, "request", now, held, issue.ref)
    issue.officer_id, issue.status, issue.updated_at = officer_id, "awaiting", now
    if reason:
        issue.routing_reason = reason
    audit.record(session, at=now, actor="spocmail", action="request.held" if held else "request.sent",
                 subject_type="issue", subject_id=issue.ref, officer=officer_id, needed_by=by.isoformat(),
                 reason=reason, covering_for=covering_for)
    log.info("request held for the digest" if held else "request queued",
             extra={"event": "officers.request", "issue": issue.ref, "officer": officer_id,
                    "needed_by": by.isoformat(), "held": held})
    return req


# ------------------------------------------------------------------ the SPOC's word on answers


def approve(session: Session, issue: Issue, *, actor: str, now: datetime,
            answer_ids: list[int] | None = None) -> int:
    """The SPOC approves an answer (as edited) for the customer's eyes; approving twice changes nothing.

    One answer at a time, or those named: with several answers waiting and none named, nothing is approved
    (the SPOC may not have opened them all), and the error lists them."""
    if not issue.answers:
        raise FilingError(f"{issue.ref} has no answer to approve; add one with `spocmail issues answer {issue.ref}`")
    waiting = [a for a in issue.answers if a.approved_at is None]
    if answer_ids:
        known = {a.id: a for a in issue.answers}
        unknown = [i for i in answer_ids if i not in known]
        if unknown:
            raise FilingError(f"{issue.ref} has no answer {', '.join(map(str, unknown))}; its answers are "
                              f"{', '.join(str(a.id) for a in issue.answers)} (`spocmail issues show {issue.ref}`)")
        pending = [known[i] for i in dict.fromkeys(answer_ids) if known[i].approved_at is None]
    elif len(waiting) > 1:
        listed = "; ".join(f"answer {a.id} from {a.officer_id or 'the SPOC'}: {(a.final_text or '')[:60]!r}"
                           for a in waiting)
        raise FilingError(f"{issue.ref} has {len(waiting)} answers waiting ({listed}); approve them one at a time "
                          f"with --answer ID (repeat it for several), after reading each")
    else:
        pending = waiting
    for a in pending:
        a.approved_at, a.approved_by = now, actor
    if issue.status in ("open", "awaiting", "answered"):
        issue.status = "approved"
    issue.updated_at = now
    if pending:
        audit.record(session, at=now, actor=actor, action="answer.approved", subject_type="issue",
                     subject_id=issue.ref, answers=[a.id for a in pending])
    return len(pending)


def edit_answer(session: Session, issue: Issue, text: str, *, actor: str, now: datetime) -> Answer:
    """The SPOC's own words for the customer: edits the latest answer, or writes one where no officer did."""
    text = text.strip()
    if not text:
        raise FilingError("the answer text is empty")
    latest = issue.answers[-1] if issue.answers else None
    if latest is None or latest.sent_in is not None:
        latest = Answer(issue_id=issue.id, text=text, received_at=now, officer_id=None)
        session.add(latest)
        issue.answers.append(latest)
    else:
        latest.edited_text, latest.edited_by = text, actor
        latest.approved_at = latest.approved_by = None  # an edit needs approving again
    if issue.status in ("open", "awaiting", "approved"):
        issue.status = "answered"
    issue.updated_at = now
    audit.record(session, at=now, actor=actor, action="answer.edited", subject_type="issue", subject_id=issue.ref)
    return latest


# ------------------------------------------------------------------ reminders


def reminder_date(req: OfficerRequest, calendar: WorkingCalendar, tz, days_before: int) -> date | None:
    """The day an officer is reminded: `days_before` of the council's working days before their answer is
    due, provided the request has had that long by then (and at least a working day); else None, because
    a reminder hard on the heels of its request only repeats it."""
    remind_on = calendar.add_working_days(req.needed_by, -days_before)
    sent_on = req.sent_at.astimezone(tz).date()
    if calendar.working_days_between(sent_on, remind_on) < max(days_before, 1):
        return None
    return remind_on


def reminders_due(session: Session, config: Config, calendar: WorkingCalendar, now: datetime,
                  days_before: int = 1) -> dict[str, int]:
    """Remind officers before their answer is due; tell the SPOC and deputy about overdue requests (once a day)."""
    tz = config.tz
    today = now.astimezone(tz).date()
    if not calendar.is_working_day(today):
        return {"reminders": 0, "overdue": 0}
    counts = {"reminders": 0, "overdue": 0}
    outstanding = session.scalars(select(OfficerRequest).where(OfficerRequest.status == "sent")
                                  .order_by(OfficerRequest.id)).all()
    overdue_by_customer: dict[str, list[str]] = {}
    for req in outstanding:
        issue = req.issue
        if issue.status not in ("awaiting", "open"):
            continue
        remind_on = reminder_date(req, calendar, tz, days_before)
        # on its day, or later while the answer is still to come (a daemon that was down catches up),
        # but never on the day the answer is due unless that is the day asked for
        last_day = req.needed_by if days_before == 0 else calendar.add_working_days(req.needed_by, -1)
        if remind_on is not None and remind_on <= today <= last_day and req.reminded_on is None:
            held = digest.over_cap(session, config, req.officer_id, now)
            if not held:
                _queue_reminder(session, req, config, now)
            digest.note(session, config, req, "reminder", now, held, issue.ref)
            req.reminded_on = today
            counts["reminders"] += 1
        if today > req.needed_by and req.overdue_notified_on != today:
            due = (f"; {deadline_label(issue.statutory_kind)} {issue.due:%d %b}" if issue.due else "")
            overdue_by_customer.setdefault(issue.customer_id, []).append(
                f"{issue.ref}: {req.officer_id} was asked on {req.sent_at.astimezone(tz):%d %b}, "
                f"needed by {req.needed_by:%d %b}{due}")
            req.overdue_notified_on = today
    for customer, lines in overdue_by_customer.items():
        notify_spoc(session, customer, f"Requests to officers past their answer date ({customer})", lines, now,
                    key=f"overdue:{customer}:{today.isoformat()}", config=config,
                    subject=f"Overdue answers for {customer} ({len(lines)})")
        counts["overdue"] += len(lines)
    return counts


def _queue_reminder(session: Session, req: OfficerRequest, config: Config, now: datetime) -> None:
    """The reminder carries the request's token (subject and Reply-To), so a reply to it is the answer."""
    issue = req.issue
    officer = session.get(Officer, req.officer_id)
    tag = f"[{issue.ref} #{req.token}]"
    msg = templating.build(
        "reminder", subject=f"{tag} Reminder: please answer by {req.needed_by:%a %-d %b}: {issue.title[:60]}",
        sender=f"{config.spoc.name} <{config.spoc.address}>", to=[f"{officer.name} <{officer.email}>"],
        reply_to=reply_address(config, req.token),
        headers={"In-Reply-To": req.message_id, "References": req.message_id, "X-Spocmail-Issue": issue.ref},
        officer=officer, ref=issue.ref, needed_by=req.needed_by, statutory_due=issue.due,
        due_label=deadline_label(issue.statutory_kind), request_subject=tag, spoc_name=config.spoc.name,
        council=config.council.name, sig=letters.signature(config, session.get(Customer, issue.customer_id)))
    outbox.queue(session, msg, kind="reminder", now=now, dedupe_key=f"reminder:{req.id}",
                 related={"issues": [issue.ref], "customer": issue.customer_id, "officer": req.officer_id})


def notify_spoc(session: Session, customer_id: str, heading: str, lines: list[str], now: datetime, key: str,
                *, config: Config, extra_to: list[str] = (), subject: str | None = None) -> None:
    """A notice to the SPOC and deputy (and whoever else must know), at most once per key."""
    arr = arrangement_of(session, customer_id)
    to = [session.get(Officer, arr.spoc_id).email] + ([session.get(Officer, arr.deputy_id).email]
                                                      if arr.deputy_id else []) + list(extra_to)
    msg = templating.build("notice", subject=subject or heading, sender=f"{config.spoc.name} <{config.spoc.address}>",
                           to=to, heading=heading, lines=lines, council=config.council.name)
    outbox.queue(session, msg, kind="notice", now=now, dedupe_key=key, related={"customer": customer_id})
