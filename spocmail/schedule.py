"""Scheduled work: weekly sends, single-issue responses, deadline watch, reminders, acknowledgements, reviews.

Every job is decided from the clock passed in (so `jobs run-due --now` replays it) and claimed once per
period by inserting a row into job_runs: whoever inserts it does the work, so a send missed while the
daemon was down runs once when it is back, and two daemons never both send. APScheduler only wakes
the daemon up; what is due, and what has run, lives in our own tables.
"""

from __future__ import annotations

import hashlib

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from spocmail import admission, digest, lifecycle, logs, officers, respond
from spocmail.clock import Clock
from spocmail.config import Config
from spocmail.db import Database
from spocmail.db.issues import Issue, JobRun
from spocmail.db.register import Arrangement, Officer
from spocmail.deadlines import WorkingCalendar, timescale
from spocmail.templating import TemplateError

log = logs.get("schedule")


def claim(session: Session, job: str, key: str, now: datetime) -> bool:
    """True for exactly one caller per (job, key), however many processes ask."""
    if session.scalar(select(JobRun.id).where(JobRun.job == job, JobRun.key == key)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(JobRun(job=job, key=key, ran_at=now))
            session.flush()
    except IntegrityError:
        return False
    return True


def _latest(arr: Arrangement, now: datetime, calendar: WorkingCalendar, tz) -> datetime | None:
    """The most recent weekly send instant at or before `now` (bank holidays move it to the day before)."""
    at = officers.next_weekly_send(arr, now - timedelta(days=7), calendar, tz)
    latest = None
    while at <= now:
        latest = at
        at = officers.next_weekly_send(arr, at, calendar, tz)
    return latest


def run_due(config: Config, db: Database, clock: Clock, mailbox=None) -> dict:
    """Run once everything due at clock.now(), then send what it queued."""
    from spocmail.sending import flush_outbox

    now = clock.now()
    tz = config.tz
    calendar = WorkingCalendar(config.council.holidays)
    done = {"weekly": [], "single_issue": [], "deadline_warnings": 0, "reminders": 0, "overdue": 0,
            "acknowledgements": 0, "reviews": 0}
    with db.session() as session:  # first: a notice that ran out ends its arrangement before any weekly send
        life = lifecycle.run_due(session, config, now)
        done["reviews"] = life["review_reminders"]
        done["lifecycle"] = life
    with db.session() as session:  # issues carried over a limit whose period has come
        done["carried_over"] = admission.route_deferred(session, config, now)
    with db.session() as session:
        arrangements = session.scalars(select(Arrangement).where(Arrangement.status.in_(("active", "ending")))).all()
        customers = [(a.customer_id, a.id) for a in arrangements]
    for customer_id, arr_id in customers:
        with db.session() as session:
            arr = session.get(Arrangement, arr_id)
            send_at = _latest(arr, now, calendar, tz)
            if send_at is None or send_at.astimezone(tz).date() < arr.start:
                continue
            # nothing to respond to before the first issue was filed (a new install does not send for
            # the weeks before it knew the customer)
            first = session.scalar(select(Issue.created_at).where(Issue.customer_id == customer_id)
                                   .order_by(Issue.created_at).limit(1))
            if first is None or first > send_at:
                continue
            period = respond.iso_week(officers.nominal_send_day(arr, send_at, tz))
            if not claim(session, "weekly", f"{customer_id}:{period}", now):
                continue
            try:
                with session.begin_nested():
                    result = respond.send_weekly(session, customer_id, config, calendar, now, approve=False,
                                                 actor="schedule", period=period)
            except respond.AlreadySent as exc:
                result = {"customer": customer_id, "period": period, "status": "already sent", "detail": str(exc)}
            except (respond.ResponseError, TemplateError) as exc:  # nothing half-built is sent; the SPOC is told
                result = {"customer": customer_id, "period": period, "status": "failed", "error": str(exc)}
                officers.notify_spoc(session, customer_id, f"The weekly response to {customer_id} could not be built",
                                    [str(exc)], now, key=f"weekly-failed:{customer_id}:{period}", config=config)
                log.error("weekly response failed: %s", exc, extra={"event": "schedule.weekly_failed",
                                                                   "customer": customer_id})
            done["weekly"].append(result)
    with db.session() as session:
        for issue in respond.due_single_issue(session, config, calendar, now, config.weekly.single_issue_margin_days):
            done["single_issue"].append(respond.send_single(session, issue, config, now))
    with db.session() as session:
        done["deadline_warnings"] = deadline_watch(session, config, calendar, now)
    with db.session() as session:
        counts = officers.reminders_due(session, config, calendar, now, config.weekly.reminder_days_before)
        done["reminders"], done["overdue"] = counts["reminders"], counts["overdue"]
    with db.session() as session:  # what was held beyond [officers] digest_after: one digest per officer a day
        done["digests"] = digest.run_due(session, config, now)
    done["acknowledgements"] = respond.acknowledge_new(config, db, clock)
    done["retention"] = retention_due(config, db, now)
    done["outbox"] = flush_outbox(config, db, clock, mailbox)
    log.info("scheduled jobs run", extra={"event": "schedule.run_due", "at": now.isoformat(),
                                          "weekly": len(done["weekly"]), "single_issue": len(done["single_issue"])})
    return done


def deadline_watch(session: Session, config: Config, calendar: WorkingCalendar, now: datetime) -> int:
    """Every working day near a deadline (statutory, or a local target) with no approved answer: officer, SPOC
    and deputy are told, and the notice says which of the two it is. Returns how many issues were told of.

    One notice per customer and officer a day, listing each of their issues near or past its date: a SPOC
    behind on a customer's FOIs gets one mail a day for them, not one per issue (each issue is still
    claimed for the day, so a second daemon tells nobody twice). An issue alone keeps its own notice."""
    today = now.astimezone(config.tz).date()
    if not calendar.is_working_day(today):
        return 0
    groups: dict[tuple[str, str | None], list[tuple[Issue, str, str, bool]]] = {}
    for issue in session.scalars(select(Issue).where(Issue.due.is_not(None),
                                                     Issue.status.in_(("open", "awaiting", "answered")))
                                 .order_by(Issue.due, Issue.id)):
        if any(a.approved_at for a in issue.answers):
            continue
        left = calendar.working_days_between(today, issue.due)
        if left > config.weekly.deadline_warning_days or not claim(session, "deadline-watch",
                                                                   f"{issue.ref}:{today}", now):
            continue
        state = "overdue" if left < 0 else f"{left} working day{'s' if left != 1 else ''} left"
        rule = timescale(issue.statutory_kind)
        # the law's deadline and the council's own target are not the same promise: say which this is
        label = rule.label if rule is not None else "local target"
        why = f"{rule.describe()}, {rule.source}" if rule is not None else issue.statutory_kind
        line = (f"{issue.ref} ({issue.statutory_kind}: {label}, {why}) received {issue.received_on:%-d %b}, "
                f"due {issue.due:%A %-d %B %Y}: {state}; status {issue.status}")
        heading = f"{label.capitalize()}: {issue.ref} due {issue.due:%a %-d %b} ({state})"
        groups.setdefault((issue.customer_id, issue.officer_id), []).append((issue, line, heading, left < 0))
    for (customer, officer_id), items in groups.items():
        extra = [session.get(Officer, officer_id).email] if officer_id else []
        lines = [line for _, line, _, _ in items] + [_deadline_ask(sum(1 for *_, late in items if late), len(items))]
        if len(items) == 1:
            issue, _, heading, _ = items[0]
            key = f"deadline:{issue.ref}:{today}"
        else:
            overdue = sum(1 for *_, late in items if late)
            heading = (f"Deadlines for {customer}: {len(items)} issues near or past their date"
                       + (f" ({overdue} overdue)" if overdue else ""))
            refs = ",".join(issue.ref for issue, *_ in items)
            key = f"deadline:{customer}:{officer_id or '-'}:{today}:{hashlib.sha256(refs.encode()).hexdigest()[:16]}"
        officers.notify_spoc(session, customer, heading, lines, now, key=key, config=config, extra_to=extra)
    return sum(len(items) for items in groups.values())


def _deadline_ask(overdue: int, of: int) -> str:
    """What the notice asks for: a date already passed is not "needed before then"."""
    if overdue == 0:
        return ("An approved answer is needed before then; it will go out as a single-issue response "
                "if the weekly response would be too late.")
    if overdue == of:
        return ("The date has passed: an approved answer is needed now, and it will go out as a single-issue "
                "response at the next scheduled run after it is approved, without waiting for the weekly response.")
    return ("An approved answer is needed before each date, and now for those overdue; each goes out as a "
            "single-issue response if the weekly response would be too late.")


def retention_due(config: Config, db: Database, now: datetime) -> dict:
    """Once a day (the first run-due of the council's day): delete what retention says has expired."""
    from spocmail import retention

    today = now.astimezone(config.tz).date()
    with db.session() as session:
        if not claim(session, "retention", str(today), now):
            return {}
    return retention.run_committed(config, db, now, actor="schedule")["deleted"]
