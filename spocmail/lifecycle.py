"""The arrangement over its life: start, reviews, notice of ending, the end, suspension, reinstatement, appeals.

Each decision is an ArrangementEvent with its date and an audit entry (`arrangement.<kind>`, `appeal.recorded`,
`appeal.decided`) in the same transaction; the audit detail carries ids, dates and kinds only, never the
customer's name or the SPOC's words. The customer is written to about each decision (spocmail/arrangement_letters.py,
a draft the SPOC approves); officers and members concerned get a staff notice that says what to forward and
nothing about the reasons. Seed 000: review after 6 months, two weeks' notice of ending; seed 001: review
periods of 3 to 12 months, appeals within 28 days of a decision, decided within 5 working days.
"""

from __future__ import annotations

import calendar as _calendar
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from spocmail import logs, outbox, templating
from spocmail.config import Config
from spocmail.db import audit
from spocmail.db.issues import Issue, OfficerRequest
from spocmail.db.lifecycle import APPEALABLE, Appeal, ArrangementEvent
from spocmail.db.register import Arrangement, Customer, Officer
from spocmail.deadlines import WorkingCalendar, receipt_date
from spocmail.errors import NotFound, SpocmailError

log = logs.get("lifecycle")
REVIEW_MONTHS = 6            # seed 000: reviewed after 6 months
REVIEW_RANGE = (3, 12)       # seed 001: between 3 and 12 months
NOTICE_DAYS = 14             # seed 000: two weeks' notice of ending
APPEAL_DAYS = 28             # seed 001: appeal within 28 days of the decision
APPEAL_DECISION_DAYS = 5     # seed 001: decided within 5 working days of receipt
REVIEW_AHEAD_DAYS = 14       # the SPOC is reminded this many days before the review date
IN_FORCE = ("active", "ending")  # the arrangement governs the customer's mail (weekly cycle, restrictions)
NORMAL = ("ended", "suspended")  # the customer's mail goes back to normal handling


class LifecycleError(SpocmailError):
    """A lifecycle step that does not fit the arrangement's state or dates: a usage error, exit 2."""

    exit_code = 2


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, _calendar.monthrange(year, month)[1]))


def default_review(start: date) -> date:
    return add_months(start, REVIEW_MONTHS)


def review_problem(start: date, review: date) -> str | None:
    """Why REVIEW is not an allowed review date for a decision taken on START (None: it is)."""
    lo, hi = add_months(start, REVIEW_RANGE[0]), add_months(start, REVIEW_RANGE[1])
    if lo <= review <= hi:
        return None
    return (f"a review date {REVIEW_RANGE[0]} to {REVIEW_RANGE[1]} months after {start} "
            f"(between {lo} and {hi}; leave it out for {REVIEW_MONTHS} months, {default_review(start)})")


def arrangement_of(session: Session, customer_id: str) -> Arrangement:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id!r} in the register; `spocmail register show` lists them")
    if customer.arrangement is None:
        raise NotFound(f"customer {customer_id!r} has no arrangement in the register")
    return customer.arrangement


def _event(session: Session, arr: Arrangement, kind: str, now: datetime, actor: str, tz, *,
           next_review: date | None = None, ends_on: date | None = None, outcome: str = "", on: date | None = None,
           **detail) -> ArrangementEvent:
    ev = ArrangementEvent(customer_id=arr.customer_id, kind=kind, on=on or receipt_date(now, tz), at=now, actor=actor,
                          next_review=next_review, ends_on=ends_on, outcome=outcome or "")
    session.add(ev)
    session.flush()
    # ids, dates and kinds only: the annual report counts these, and no personal data belongs in them
    audit.record(session, at=now, actor=actor, action=f"arrangement.{kind}", subject_type="customer",
                 subject_id=arr.customer_id, event=ev.id, on=ev.on.isoformat(), status=arr.status,
                 **{k: (v.isoformat() if isinstance(v, date) else v) for k, v in
                    {"review": next_review, "ends_on": ends_on, **detail}.items() if v is not None})
    log.info("arrangement %s", kind, extra={"event": f"lifecycle.{kind}", "customer": arr.customer_id})
    return ev


def started(session: Session, arr: Arrangement, now: datetime, actor: str, tz="Europe/London") -> ArrangementEvent:
    """The arrangement exists from its start date (register import records it once, when it creates it)."""
    # the decision's date is the arrangement's start, not the day it was typed in
    return _event(session, arr, "started", now, actor, tz, next_review=arr.review, on=arr.start)


def events(session: Session, customer_id: str) -> list[ArrangementEvent]:
    return list(session.scalars(select(ArrangementEvent).where(ArrangementEvent.customer_id == customer_id)
                                .order_by(ArrangementEvent.id)))


def _today(config: Config, now: datetime) -> date:
    return now.astimezone(config.tz).date()


# ------------------------------------------------------------------ the SPOC's decisions


def review(session: Session, customer_id: str, config: Config, now: datetime, *, actor: str,
           next_review: date | None = None, months: int | None = None, outcome: str = "") -> dict:
    """The review took place: the arrangement continues, with the next review 3 to 12 months on (6 by default)."""
    arr = arrangement_of(session, customer_id)
    if arr.status not in ("active", "suspended"):
        raise LifecycleError(f"the arrangement for {customer_id} is {arr.status}: only an active or suspended "
                             f"arrangement is reviewed (`spocmail arrangement reinstate {customer_id}` first)")
    today = _today(config, now)
    if next_review is not None and months is not None:
        raise LifecycleError("--next and --months: give one of them, not both")
    nxt = next_review or add_months(today, months if months is not None else REVIEW_MONTHS)
    problem = review_problem(today, nxt)
    if problem:
        raise LifecycleError(f"--next {nxt}: expected {problem}")
    before = arr.review
    arr.review, arr.updated_at = nxt, now
    ev = _event(session, arr, "reviewed", now, actor, config.tz, next_review=nxt,
                previous_review=before)
    ev.outcome = outcome or ""
    from spocmail import arrangement_letters

    draft = arrangement_letters.compile_letter(session, customer_id, "review", config, now, event=ev)
    staff = staff_notice(session, arr, "reviewed", config, now, ev)
    return {"customer": customer_id, "status": arr.status, "review": nxt.isoformat(),
            "previous_review": before.isoformat() if before else None, "letter_draft": draft,
            "staff_notices": staff}


def notice(session: Session, customer_id: str, config: Config, now: datetime, *, actor: str,
           days: int = NOTICE_DAYS) -> dict:
    """Two weeks' notice of ending (seed 000): the arrangement ends by itself when the notice runs out."""
    arr = arrangement_of(session, customer_id)
    if arr.status not in ("active", "suspended"):
        raise LifecycleError(f"the arrangement for {customer_id} is {arr.status}: notice is given on an active "
                             f"or suspended arrangement only")
    if days < NOTICE_DAYS:
        raise LifecycleError(f"--days {days}: expected at least {NOTICE_DAYS} (two weeks' notice, seed 000)")
    today = _today(config, now)
    arr.status, arr.notice_on, arr.ends_on, arr.updated_at = "ending", today, today + timedelta(days=days), now
    ev = _event(session, arr, "notice", now, actor, config.tz, ends_on=arr.ends_on)
    from spocmail import arrangement_letters

    draft = arrangement_letters.compile_letter(session, customer_id, "notice", config, now, event=ev)
    staff = staff_notice(session, arr, "notice", config, now, ev)
    return {"customer": customer_id, "status": arr.status, "notice_on": today.isoformat(),
            "ends_on": arr.ends_on.isoformat(), "letter_draft": draft, "staff_notices": staff}


def end(session: Session, customer_id: str, config: Config, now: datetime, *, actor: str,
        early: bool = False) -> dict:
    """End the arrangement: when its notice has run out (the scheduled job does this by itself), or --early."""
    arr = arrangement_of(session, customer_id)
    today = _today(config, now)
    if arr.status == "ended":
        raise LifecycleError(f"the arrangement for {customer_id} ended on {arr.ended_on}; nothing changed")
    if arr.status != "ending":
        raise LifecycleError(f"the arrangement for {customer_id} is {arr.status}: give two weeks' notice first "
                             f"(`spocmail arrangement notice {customer_id}`)")
    if arr.ends_on and today < arr.ends_on and not early:
        raise LifecycleError(f"the notice for {customer_id} runs until {arr.ends_on}: it ends by itself then "
                             f"(`spocmail jobs run-due`); --early ends it now")
    arr.status, arr.ended_on, arr.updated_at = "ended", today, now
    ev = _event(session, arr, "ended", now, actor, config.tz, ends_on=today, early=early or None)
    staff = staff_notice(session, arr, "ended", config, now, ev)
    return {"customer": customer_id, "status": "ended", "ended_on": today.isoformat(), "staff_notices": staff}


def suspend(session: Session, customer_id: str, config: Config, now: datetime, *, actor: str) -> dict:
    arr = arrangement_of(session, customer_id)
    if arr.status not in IN_FORCE:
        raise LifecycleError(f"the arrangement for {customer_id} is {arr.status}: only an active arrangement "
                             f"(or one under notice) is suspended")
    arr.status, arr.notice_on, arr.ends_on, arr.updated_at = "suspended", None, None, now
    ev = _event(session, arr, "suspended", now, actor, config.tz)
    from spocmail import arrangement_letters

    draft = arrangement_letters.compile_letter(session, customer_id, "suspended", config, now, event=ev)
    staff = staff_notice(session, arr, "suspended", config, now, ev)
    return {"customer": customer_id, "status": "suspended", "letter_draft": draft, "staff_notices": staff}


def reinstate(session: Session, customer_id: str, config: Config, now: datetime, *, actor: str,
              next_review: date | None = None) -> dict:
    """Back in force at any time (seed 000); an ended arrangement gets a new review date (6 months by default)."""
    arr = arrangement_of(session, customer_id)
    if arr.status == "active":
        raise LifecycleError(f"the arrangement for {customer_id} is active already; nothing changed")
    today = _today(config, now)
    if next_review is not None and review_problem(today, next_review):
        raise LifecycleError(f"--next {next_review}: expected {review_problem(today, next_review)}")
    if arr.status == "ended" or next_review is not None or arr.review is None or arr.review < today:
        arr.review = next_review or default_review(today)
    arr.status, arr.notice_on, arr.ends_on, arr.ended_on, arr.updated_at = "active", None, None, None, now
    ev = _event(session, arr, "reinstated", now, actor, config.tz, next_review=arr.review)
    from spocmail import arrangement_letters

    draft = arrangement_letters.compile_letter(session, customer_id, "reinstated", config, now, event=ev)
    staff = staff_notice(session, arr, "reinstated", config, now, ev)
    return {"customer": customer_id, "status": "active", "review": arr.review.isoformat(), "letter_draft": draft,
            "staff_notices": staff}


def status(session: Session, customer_id: str, config: Config, now: datetime) -> dict:
    arr = arrangement_of(session, customer_id)
    today = _today(config, now)
    cal = WorkingCalendar(config.council.holidays)
    return {"customer": customer_id, "status": arr.status, "start": arr.start.isoformat(),
            "review": arr.review.isoformat() if arr.review else None,
            "review_overdue": bool(arr.review and arr.review < today and arr.status in ("active", "suspended")),
            "notice_on": _iso(arr.notice_on), "ends_on": _iso(arr.ends_on), "ended_on": _iso(arr.ended_on),
            "restrictions": dict(arr.restrictions or {}),
            "events": [{"id": e.id, "kind": e.kind, "on": e.on.isoformat(), "by": e.actor,
                        "next_review": _iso(e.next_review), "ends_on": _iso(e.ends_on),
                        "appeal_until": (e.on + timedelta(days=APPEAL_DAYS)).isoformat()
                        if e.kind in APPEALABLE else None} for e in events(session, customer_id)],
            "appeals": [appeal_json(a, today, cal) for a in session.scalars(
                select(Appeal).where(Appeal.customer_id == customer_id).order_by(Appeal.id))]}


def _iso(d):
    return d.isoformat() if d else None


# ------------------------------------------------------------------ appeals


def appeal_json(a: Appeal, today: date | None = None, cal: WorkingCalendar | None = None) -> dict:
    doc = {"id": a.id, "against": a.event_id, "received_on": a.received_on.isoformat(), "due": a.due.isoformat(),
           "late": a.late, "status": a.status, "outcome": a.outcome,
           "decided_at": a.decided_at.isoformat() if a.decided_at else None}
    if today is not None and a.status == "open":
        doc["overdue"] = today > a.due
    return doc


def record_appeal(session: Session, customer_id: str, config: Config, now: datetime, *, received: datetime,
                  actor: str, against: int | None = None) -> dict:
    """The customer appeals a decision: within 28 days of it (a late one is recorded and said to be late);
    its decision is due within 5 of the council's working days of receipt."""
    arrangement_of(session, customer_id)
    received_on = receipt_date(received, config.tz)
    if received_on > _today(config, now):
        raise LifecycleError(f"--received {received_on}: after now ({_today(config, now)}); expected the day the "
                             f"appeal reached the council")
    q = select(ArrangementEvent).where(ArrangementEvent.customer_id == customer_id,
                                       ArrangementEvent.kind.in_(APPEALABLE), ArrangementEvent.on <= received_on)
    if against is not None:
        ev = session.get(ArrangementEvent, against)
        if ev is None or ev.customer_id != customer_id or ev.kind not in APPEALABLE:
            raise NotFound(f"--against {against}: no appealable decision of {customer_id} with that id; "
                           f"`spocmail arrangement show {customer_id}` lists them")
    else:
        ev = session.scalars(q.order_by(ArrangementEvent.on.desc(), ArrangementEvent.id.desc())).first()
        if ev is None:
            raise LifecycleError(f"no decision about {customer_id}'s arrangement on or before {received_on} to appeal")
    window = ev.on + timedelta(days=APPEAL_DAYS)
    cal = WorkingCalendar(config.council.holidays)
    appeal = Appeal(customer_id=customer_id, event_id=ev.id, received_at=received, received_on=received_on,
                    due=cal.add_working_days(received_on, APPEAL_DECISION_DAYS), late=received_on > window,
                    status="open", recorded_by=actor)
    session.add(appeal)
    session.flush()
    audit.record(session, at=now, actor=actor, action="appeal.recorded", subject_type="customer",
                 subject_id=customer_id, appeal=appeal.id, against=ev.id, decision=ev.kind,
                 received_on=received_on.isoformat(), due=appeal.due.isoformat(), late=appeal.late)
    _notify(session, customer_id, config, now, f"Appeal received: decision due {appeal.due:%a %-d %b %Y}",
            [f"{customer_id} appeals the {ev.kind} decision of {ev.on:%-d %B %Y} (appeal {appeal.id}), received "
             f"{received_on:%-d %B %Y}" + (f", after the {APPEAL_DAYS} days allowed (until {window:%-d %B})"
                                            if appeal.late else f", within the {APPEAL_DAYS} days allowed"),
             f"Its decision is due by {appeal.due:%A %-d %B %Y} ({APPEAL_DECISION_DAYS} working days), by someone "
             f"who did not take the decision: `spocmail arrangement appeal-decision {customer_id} --outcome ...`"],
            key=f"appeal:{appeal.id}")
    return {"customer": customer_id, **appeal_json(appeal), "decision": ev.kind, "decision_on": ev.on.isoformat(),
            "window_until": window.isoformat()}


def decide_appeal(session: Session, customer_id: str, config: Config, now: datetime, *, outcome: str, text: str,
                  actor: str, appeal_id: int | None = None) -> dict:
    if outcome not in ("upheld", "dismissed", "varied"):
        raise LifecycleError(f"--outcome {outcome!r}: expected upheld (the appeal succeeds), dismissed or varied")
    q = select(Appeal).where(Appeal.customer_id == customer_id, Appeal.status == "open")
    if appeal_id is not None:
        q = q.where(Appeal.id == appeal_id)
    appeal = session.scalars(q.order_by(Appeal.id)).first()
    if appeal is None:
        raise NotFound(f"no open appeal for {customer_id}" + (f" with id {appeal_id}" if appeal_id else "")
                       + f"; record one with `spocmail arrangement appeal {customer_id} --received INSTANT`")
    today = _today(config, now)
    appeal.status, appeal.outcome, appeal.decision_text = "decided", outcome, text or ""
    appeal.decided_at, appeal.decided_by = now, actor
    audit.record(session, at=now, actor=actor, action="appeal.decided", subject_type="customer",
                 subject_id=customer_id, appeal=appeal.id, outcome=outcome, on=today.isoformat(),
                 due=appeal.due.isoformat(), on_time=today <= appeal.due)
    from spocmail import arrangement_letters

    draft = arrangement_letters.compile_letter(session, customer_id, "appeal", config, now, appeal=appeal)
    return {"customer": customer_id, **appeal_json(appeal), "on_time": today <= appeal.due, "letter_draft": draft}


# ------------------------------------------------------------------ staff notices


def concerned(session: Session, arr: Arrangement) -> tuple[list[str], list[str]]:
    """The officers concerned (SPOC, deputy, and every officer the customer's issues went to) and the members."""
    ids = {arr.spoc_id, arr.deputy_id}
    ids |= set(session.scalars(select(Issue.officer_id).where(Issue.customer_id == arr.customer_id)))
    ids |= set(session.scalars(select(OfficerRequest.officer_id).join(Issue, Issue.id == OfficerRequest.issue_id)
                               .where(Issue.customer_id == arr.customer_id)))
    officers = [f"{o.name} <{o.email}>" for o in session.scalars(
        select(Officer).where(Officer.id.in_([i for i in ids if i])).order_by(Officer.id))]
    return officers, [f"{m.name} <{m.email}>" for m in arr.members]


def staff_notice(session: Session, arr: Arrangement, kind: str, config: Config, now: datetime,
                 ev: ArrangementEvent | None = None) -> int:
    """A mail to the officers and members concerned: the SPOC's address and what to forward; never the reasons."""
    officers, members = concerned(session, arr)
    to = officers + members
    if not to:
        return 0
    customer = arr.customer
    headline = {"started": "a Single Point of Contact arrangement is in place",
                "reviewed": "the Single Point of Contact arrangement continues",
                "notice": "the Single Point of Contact arrangement is ending",
                "ended": "the Single Point of Contact arrangement has ended",
                "suspended": "the Single Point of Contact arrangement is suspended",
                "reinstated": "the Single Point of Contact arrangement is in place again"}[kind]
    msg = templating.build("staff_notice", subject=f"{customer.name}: {headline}",
                           sender=f"{config.spoc.name} <{config.spoc.address}>", to=to, kind=kind,
                           headline=headline, customer=customer, arr=arr, spoc=arr.spoc, deputy=arr.deputy,
                           spoc_address=arr.contact_address or config.spoc.address, council=config.council.name,
                           postal=config.council.address)
    outbox.queue(session, msg, kind="staff_notice", now=now,
                 dedupe_key=f"staff:{arr.customer_id}:{kind}:{ev.id if ev else now.isoformat()}",
                 related={"customer": None, "staff_for": arr.customer_id, "event": ev.id if ev else None})
    return len(to)


def _notify(session: Session, customer_id: str, config: Config, now: datetime, heading: str, lines: list[str],
            key: str) -> None:
    from spocmail.officers import notify_spoc

    notify_spoc(session, customer_id, heading, lines, now, key=key, config=config,
                subject=f"{heading} ({customer_id})")


# ------------------------------------------------------------------ scheduled: run-due


def run_due(session: Session, config: Config, now: datetime) -> dict:
    """Notices that have run out end their arrangement; reminders of reviews and appeal decisions; cover notices."""
    from spocmail.schedule import claim

    today = _today(config, now)
    cal = WorkingCalendar(config.council.holidays)
    done = {"ended": [], "review_reminders": 0, "appeal_reminders": 0, "cover_notices": 0}
    for arr in session.scalars(select(Arrangement).where(Arrangement.status == "ending",
                                                         Arrangement.ends_on <= today)).all():
        end(session, arr.customer_id, config, now, actor="schedule")
        done["ended"].append(arr.customer_id)
    for arr in session.scalars(select(Arrangement).where(Arrangement.review.is_not(None),
                                                         Arrangement.status.in_(("active", "suspended")))):
        if today < arr.review <= today + timedelta(days=REVIEW_AHEAD_DAYS):
            key = f"review-ahead:{arr.customer_id}:{arr.review}"
            if claim(session, "review", key, now):
                _notify(session, arr.customer_id, config, now, f"Arrangement review due {arr.review:%-d %B %Y}",
                        [f"The SPOC arrangement for {arr.customer_id} is due for review on "
                         f"{arr.review:%A %-d %B %Y} (started {arr.start:%-d %B %Y}).",
                         f"Record it with `spocmail arrangement review {arr.customer_id} --outcome TEXT` "
                         f"(the next review {REVIEW_RANGE[0]} to {REVIEW_RANGE[1]} months on)."], key=key)
                done["review_reminders"] += 1
        elif arr.review <= today and cal.is_working_day(today):
            # once it is due or past: every working day until the review is recorded
            key = f"review-due:{arr.customer_id}:{arr.review}:{today}"
            if claim(session, "review", key, now):
                late = (today - arr.review).days
                _notify(session, arr.customer_id, config, now,
                        f"Arrangement review {'due today' if not late else f'overdue by {late} days'}",
                        [f"The SPOC arrangement for {arr.customer_id} was due for review on "
                         f"{arr.review:%A %-d %B %Y}" + (" (today)." if not late else f", {late} days ago."),
                         f"Record it with `spocmail arrangement review {arr.customer_id} --outcome TEXT`, or give "
                         f"notice of ending with `spocmail arrangement notice {arr.customer_id}`."], key=key)
                done["review_reminders"] += 1
    if cal.is_working_day(today):
        for appeal in session.scalars(select(Appeal).where(Appeal.status == "open")).all():
            left = cal.working_days_between(today, appeal.due)
            if left > 1 or not claim(session, "appeal", f"{appeal.id}:{today}", now):
                continue
            state = "overdue" if left < 0 else ("due today" if left == 0 else "due tomorrow")
            _notify(session, appeal.customer_id, config, now, f"Appeal decision {state} ({appeal.due:%-d %b})",
                    [f"Appeal {appeal.id} from {appeal.customer_id}, received {appeal.received_on:%-d %B %Y}: its "
                     f"decision is due by {appeal.due:%A %-d %B %Y} ({state}).",
                     f"Record it with `spocmail arrangement appeal-decision {appeal.customer_id} --outcome ...`."],
                    key=f"appeal-reminder:{appeal.id}:{today}")
            done["appeal_reminders"] += 1
    from spocmail import arrangement_letters

    done["cover_notices"] = arrangement_letters.cover_notices(session, config, now)
    return done
