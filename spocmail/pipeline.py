"""After a mail is stored: read it, decide whose it is, file it. Each mail is claimed, worked, then settled."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from spocmail import logs
from spocmail.clock import Clock
from spocmail.config import Config
from spocmail.db import Database, audit
from spocmail.db.decisions import Identification as Decision
from spocmail.db.mail import Message
from spocmail.db.register import CustomerAddress
from spocmail.errors import NotFound
from spocmail.deadlines import WorkingCalendar
from spocmail.filing import file_message
from spocmail.identify import Evidence, Identification, identify, register_view
from spocmail.mail import parse_mail
from spocmail.officers import match_reply, record_reply, route_issue, send_request
from spocmail.intake.poll import PollCounts, intake
from spocmail.respond import acknowledge_new, approve_by_reply
from spocmail.sending import flush_outbox
from spocmail.resources import rules_file
from spocmail.rules import load_classify, load_route

log = logs.get("pipeline")
MAX_ATTEMPTS = 3
STALE_CLAIM = timedelta(minutes=15)  # a claim older than this belonged to a process that died


@dataclass
class StepCounts:
    filed: int = 0
    triage: int = 0
    answers: int = 0
    not_requests: int = 0
    failed: int = 0


def record_identification(session: Session, message: Message, ident: Identification, now: datetime) -> Decision:
    """Keep spocmail's decision with its evidence; a provisional match puts the new address to the SPOC."""
    row = Decision(message_pk=message.id, role=ident.role, sender=ident.sender, sender_id=ident.sender_id,
                   customer_id=ident.customer, decision=ident.decision, score=ident.score,
                   evidence=[e.to_json() for e in ident.evidence],
                   candidates=[c.to_json() for c in ident.candidates],
                   suggest_address=ident.suggest_address, decided_at=now, decided_by="spocmail")
    session.add(row)
    message.sender_role = ident.role
    message.customer_id = ident.customer
    if ident.decision == "provisional" and ident.suggest_address and ident.customer:
        suggest_address(session, ident.customer, ident.suggest_address, now,
                        source=f"mail {message.id}: score {ident.score:.2f}")
    return row


def suggest_address(session: Session, customer_id: str, email: str, now: datetime, source: str) -> None:
    existing = session.scalar(select(CustomerAddress).where(CustomerAddress.customer_id == customer_id,
                                                            CustomerAddress.email == email))
    if existing is not None:
        return  # confirmed, already suggested, or rejected (then never suggested again)
    session.add(CustomerAddress(customer_id=customer_id, email=email, status="suggested", source=source,
                                created_at=now))
    audit.record(session, at=now, actor="spocmail", action="address.suggested", subject_type="customer",
                 subject_id=customer_id, email=email, source=source)
    log.info("new address put to the SPOC", extra={"event": "identify.address_suggested",
                                                   "customer": customer_id, "email": email})


@dataclass(frozen=True)
class Context:
    """What every mail's handling reads: the rules and the working calendar, loaded once per pass."""

    classify_rules: object
    route_rules: object
    calendar: WorkingCalendar

    @classmethod
    def load(cls, config: Config) -> "Context":
        return cls(load_classify(rules_file("classify.toml", config)), load_route(rules_file("route.toml", config)),
                   WorkingCalendar(config.council.holidays))


def handle(session: Session, message: Message, config: Config, ctx: Context, now: datetime) -> str:
    """One stored mail through the steps: a reply to a request, else whose it is, then issues and requests."""
    parsed = parse_mail(message.raw)
    message.auto_reply = parsed.auto_reply
    message.defects = sorted(set(message.defects) | set(parsed.defects))
    view = register_view(session, config, parsed)
    approval = approve_by_reply(session, parsed, config, ctx.calendar, now)
    if approval is not None and approval.get("status") != "not an approval":
        record_identification(session, message, Identification(
            role="officer", customer=None, decision="not-a-request", score=1.0,
            sender=(parsed.from_.email or "").lower(), evidence=(Evidence(
                "approval", f"approves the weekly response draft for {approval.get('customer')}: "
                            f"{approval.get('status')}", 1.0),)), now)
        return "approval"
    reply = match_reply(session, parsed)
    if reply.kind == "answer":
        record_reply(session, reply, message, parsed, now)
        ident = Identification(role="officer", customer=reply.request.issue.customer_id, decision="not-a-request",
                               score=1.0, sender=(parsed.from_.email or "").lower(),
                               sender_id=reply.request.officer_id, evidence=(Evidence(
                                   "answer", f"answer to the request for {reply.request.issue.ref}", 1.0),))
        record_identification(session, message, ident, now)
        return "answer"
    ident = identify(parsed, view, threshold=config.identify.threshold)
    if reply.kind != "none":
        record_reply(session, reply, message, parsed, now)
        flag = Evidence(f"reply-{reply.kind}", reply.reason, 0.0)
        if ident.role != "customer" and reply.kind in ("refused", "declined"):
            ident = replace(ident, decision="triage", evidence=ident.evidence + (flag,))
        elif ident.decision == "not-a-request" or ident.role != "customer":
            ident = replace(ident, decision="not-a-request", evidence=ident.evidence + (flag,))
        else:
            ident = replace(ident, evidence=ident.evidence + (flag,))
    record_identification(session, message, ident, now)
    if ident.decision not in ("filed", "provisional") or ident.customer is None:
        return ident.decision
    file_and_route(session, message, parsed, ident.customer, config, ctx, now, extra_address=ident.suggest_address)
    return ident.decision


def file_and_route(session: Session, message: Message, parsed, customer_id: str, config: Config, ctx: Context,
                   now: datetime, extra_address: str | None = None):
    """The customer's contact becomes issues, and each new issue goes to the officer best placed to answer."""
    addresses = set(session.scalars(select(CustomerAddress.email).where(
        CustomerAddress.customer_id == customer_id, CustomerAddress.status != "rejected")))
    addresses.update(a for a in [extra_address] if a)
    result = file_message(session, message, parsed, customer_id, addresses, ctx.classify_rules, ctx.calendar,
                          now, tz=config.council.timezone)
    for issue in result.new:
        routing = route_issue(session, issue, ctx.route_rules, now.astimezone(config.tz).date())
        issue.routing_reason = routing.reason
        send_request(session, issue, routing.officer_id, config, ctx.calendar, now,
                     covering_for=routing.covered_for, reason=routing.reason)
    return result


def file_assigned(session: Session, message_pk: int, config: Config, now: datetime) -> list[str]:
    """After the SPOC files a waiting mail for a customer: its requests become issues, routed like any other."""
    message = session.get(Message, message_pk)
    if message.customer_id is None:
        return []
    result = file_and_route(session, message, parse_mail(message.raw), message.customer_id, config,
                            Context.load(config), now)
    return [i.ref for i in result.new] + [i.ref for i in result.repeats]


def process_stored(config: Config, db: Database, clock: Clock) -> StepCounts:
    """Work through every stored inbound mail not yet handled, oldest first."""
    counts = StepCounts()
    now = clock.now()
    with db.session() as session:
        session.execute(update(Message).where(Message.state == "working", Message.claimed_at < now - STALE_CLAIM)
                        .values(state="stored"))
        pending = list(session.scalars(select(Message.id).where(Message.state == "stored", Message.direction == "in")
                                       .order_by(Message.id)))
    ctx = Context.load(config)
    for pk in pending:
        with db.session() as session:
            # claim: only the process whose update hits the row works on it (several daemons may run)
            claimed = session.execute(update(Message).where(Message.id == pk, Message.state == "stored")
                                      .values(state="working", claimed_at=now, attempts=Message.attempts + 1)).rowcount
        if not claimed:
            continue
        try:
            with db.session() as session:
                message = session.get(Message, pk)
                outcome = handle(session, message, config, ctx, clock.now())
                message.state = "done"
            log.info("handled", extra={"event": "pipeline.done", "mail": pk, "outcome": outcome})
            if outcome == "answer":
                counts.answers += 1
            elif outcome in ("filed", "provisional"):
                counts.filed += 1
            elif outcome == "triage":
                counts.triage += 1
            else:
                counts.not_requests += 1
        except Exception as exc:
            with db.session() as session:
                message = session.get(Message, pk)
                message.last_error = "".join(traceback.format_exception(exc))[-4000:]
                message.state = "failed" if message.attempts >= MAX_ATTEMPTS else "stored"
            counts.failed += 1
            log.error("processing failed: %s", exc, extra={"event": "pipeline.failed", "mail": pk})
    return counts


def set_aside(session: Session) -> list[dict]:
    """Quarantined mail (unreadable, kept raw) and mail whose processing failed too often, with the reason."""
    rows = session.scalars(select(Message).where(Message.state.in_(("quarantined", "failed"))).order_by(Message.id))
    return [{"message": m.id, "state": m.state, "from": m.from_email, "subject": m.subject,
             "stored_at": m.stored_at.isoformat(), "attempts": m.attempts,
             "reason": m.quarantine_reason or m.last_error or ""} for m in rows]


def retry(session: Session, message_pk: int, *, actor: str, now: datetime) -> None:
    from spocmail.triage import TriageError

    message = session.get(Message, message_pk)
    if message is None:
        raise NotFound(f"no mail {message_pk}; `spocmail quarantine` lists what is set aside")
    if message.state not in ("quarantined", "failed"):
        raise TriageError(f"mail {message_pk} is not set aside; `spocmail quarantine` lists what is")
    before = message.state
    message.state, message.attempts = "stored", 0
    audit.record(session, at=now, actor=actor, action="mail.retry", subject_type="message",
                 subject_id=str(message_pk), before=before)


def poll_once(config: Config, db: Database, mailbox, clock: Clock, on_mail=None) -> PollCounts:
    """One pass: store what is new, work every stored mail through the steps, acknowledge, send what is queued."""
    counts = intake(db, mailbox, clock, batch_size=config.mailbox.batch_size, on_mail=on_mail)
    steps = process_stored(config, db, clock)
    counts.filed += steps.filed
    counts.triage += steps.triage
    counts.answers += steps.answers
    acknowledge_new(config, db, clock)
    counts.sent += flush_outbox(config, db, clock, mailbox).get("sent", 0)
    log.info("poll finished", extra={"event": "intake.poll", **counts.to_json()})
    return counts
