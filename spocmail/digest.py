"""At most one digest a day per officer beyond [officers] digest_after requests and reminders (issue 10: floods).

The first `digest_after` requests and reminders to one officer in a London day go one by one, as always, each
with its own reply token. The rest are held (an OfficerMailing row with held=True) and go as ONE mail per
officer per day, at [officers] digest_time (by the daemon's jobs or `jobs run-due`, so `--now` replays it):
every held item listed once with its own reply address and tag, its answer date and any statutory date, so the
officer can still answer each issue on its own and the answer files against that issue.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from spocmail import letters, logs, outbox, templating
from spocmail.config import Config
from spocmail.db import audit
from spocmail.db.digest import OfficerMailing
from spocmail.db.memo import memo, peek
from spocmail.db.issues import IssueMessage, OfficerRequest
from spocmail.db.register import Customer, Officer
from spocmail.deadlines import deadline_label

log = logs.get("digest")


def london_day(config: Config, now: datetime) -> date:
    return now.astimezone(config.tz).date()


def over_cap(session: Session, config: Config, officer_id: str, now: datetime) -> bool:
    """True when the officer has had today's number of single requests and reminders: the next one is held."""
    cap = config.officers.digest_after
    if cap <= 0:
        return False
    day = london_day(config, now)
    counts = memo(session, _COUNTS, dict)
    if (officer_id, day) not in counts:
        lock_officer_day(session, officer_id, day)
        counts[(officer_id, day)] = session.scalar(select(func.count()).select_from(OfficerMailing).where(
            OfficerMailing.officer_id == officer_id, OfficerMailing.day == day))
    return counts[(officer_id, day)] >= cap


# The day's count per officer, as this transaction knows it: counted once, then kept by note(). Exact while
# the transaction lasts: on PostgreSQL the day's lock (taken with the count) keeps other daemons' mailings
# out until it commits, and SQLite has one writer. Any rollback, a savepoint's included, forgets it.
_COUNTS = "spocmail.digest.counts"


def lock_officer_day(session: Session, officer_id: str, day: date) -> None:
    """Serialise the day's count for one officer between daemons sharing a PostgreSQL database.

    Without it, two daemons filing at once could each count nine of ten and both send a single request. The
    lock is transaction-scoped (released at the commit that records the mailing), so the second daemon counts
    after the first's row is visible. It is one lock for the day, not one per officer: a mail routed to two
    officers takes it once (advisory locks are re-entrant), so two daemons can never wait on each other in
    opposite orders. SQLite needs none: its writers are serialised by the database lock.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                        {"key": f"spocmail.digest:{day.isoformat()}"})


def note(session: Session, config: Config, req: OfficerRequest, kind: str, now: datetime, held: bool,
         ref: str) -> None:
    day = london_day(config, now)
    session.add(OfficerMailing(officer_id=req.officer_id, day=day, kind=kind, request=req, held=held, at=now))
    counts = peek(session, _COUNTS)
    if counts is not None and (req.officer_id, day) in counts:
        counts[(req.officer_id, day)] += 1
    if held:
        log.info("held for the officer's digest", extra={"event": "digest.held", "officer": req.officer_id,
                                                         "kind": kind, "issue": ref})


def held_message_id(config: Config, token: str) -> str:
    """A held request is not mailed on its own; its Message-ID (unique, never sent) only names it."""
    return f"<held.{token}@{config.spoc.address.rpartition('@')[2].lower()}>"


def _due_now(config: Config, now: datetime, days: list[date]) -> bool:
    today = london_day(config, now)
    hour, minute = (int(x) for x in config.officers.digest_time.split(":"))
    return min(days) < today or now.astimezone(config.tz) >= datetime.combine(today, time(hour, minute), config.tz)


def run_due(session: Session, config: Config, now: datetime) -> int:
    """Queue the day's digest for every officer with held items, once per officer and customer per London day."""
    from spocmail.schedule import claim

    held = session.scalars(select(OfficerMailing).where(OfficerMailing.held.is_(True),
                                                        OfficerMailing.digest_outbox_id.is_(None))
                           .order_by(OfficerMailing.officer_id, OfficerMailing.id)).all()
    # One digest per officer and customer: a digest is filed with each issue it lists, so one customer's
    # record (a subject access export, retention) never holds another customer's words.
    by_officer: dict[tuple[str, str], list[OfficerMailing]] = {}
    for item in held:
        by_officer.setdefault((item.officer_id, item.request.issue.customer_id), []).append(item)
    today = london_day(config, now)
    sent = 0
    for (officer_id, customer_id), items in by_officer.items():
        if not _due_now(config, now, [i.day for i in items]):
            continue
        if all(_answered(i.request) for i in items):  # answered or withdrawn meanwhile: nothing left to ask
            for i in items:
                i.digest_outbox_id = 0
            continue
        if not claim(session, "officer-digest", f"{officer_id}:{customer_id}:{today.isoformat()}", now):
            continue  # today's digest went already: these wait for tomorrow's
        _queue_digest(session, config, officer_id, customer_id, items, now, today)
        sent += 1
    return sent


def _entry(session: Session, config: Config, item: OfficerMailing) -> dict:
    from spocmail.officers import ASKED, reply_address

    req, issue = item.request, item.request.issue
    tag = f"[{issue.ref} #{req.token}]"
    local, _, domain = config.spoc.address.partition("@")
    return {"kind": item.kind, "ref": issue.ref, "title": issue.title, "tag": tag, "token": req.token,
            "reply_to": reply_address(config, req.token), "reply_address": f"{local}+{req.token}@{domain}",
            "reply_subject": f"Re: {tag} {issue.title[:60]}", "asked": ASKED.get(issue.category, issue.category),
            "needed_by": req.needed_by, "statutory_due": issue.due, "due_label": deadline_label(issue.statutory_kind),
            "received_on": issue.received_on, "words": issue.request_text, "customer_name": session.get(Customer, issue.customer_id).name,
            "answered": _answered(req)}


def _answered(req: OfficerRequest) -> bool:
    return req.status != "sent" or req.issue.status not in ("open", "awaiting")


def _queue_digest(session: Session, config: Config, officer_id: str, customer_id: str, items: list[OfficerMailing],
                  now: datetime, today: date) -> None:
    officer = session.get(Officer, officer_id)
    entries = [_entry(session, config, i) for i in items]
    live = [e for e in entries if not e["answered"]]
    customer = session.get(Customer, customer_id)
    msg = templating.build(
        "officer_digest",
        subject=(f"{len(live)} requests and reminders about {customer.name} for {officer.name}, {today:%a %-d %b}: "
                 "answer each on its own"),
        sender=f"{config.spoc.name} <{config.spoc.address}>", to=[f"{officer.name} <{officer.email}>"],
        headers={"X-Spocmail-Digest": f"{officer_id} {customer_id} {today.isoformat()}"},
        officer=officer, items=live, day=today, limit=config.officers.digest_after, spoc_name=config.spoc.name,
        council=config.council.name, sig=letters.signature(config, customer))
    refs = list(dict.fromkeys(i.request.issue.ref for i in items))
    row = outbox.queue(session, msg, kind="officer_digest", now=now, dedupe_key=f"digest:{officer_id}:{customer_id}:{today}",
                       related={"issues": refs, "officer": officer_id, "customer": customer_id})
    for item in items:
        item.digest_outbox_id = row.id
        if item.kind == "request" and item.request.outbox_id is None:
            item.request.outbox_id = row.id
    for issue_id in dict.fromkeys(i.request.issue_id for i in items):
        session.add(IssueMessage(issue_id=issue_id, message_pk=row.record_pk, role="request", added_at=now))
    audit.record(session, at=now, actor="spocmail", action="digest.queued", subject_type="officer",
                 subject_id=officer_id, day=today.isoformat(), issues=refs, items=len(items))
    log.info("digest queued", extra={"event": "digest.queued", "officer": officer_id, "items": len(items),
                                     "day": today.isoformat()})
