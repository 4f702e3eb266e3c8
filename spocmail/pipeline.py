"""After a mail is stored: one inbound decision as named steps, each claimed, worked, then settled.

Like Mailman's pipeline of handlers, a mail goes through STEPS in order: read, draft approval,
officer answer, whose mail, file and route. Each step first decides (it only reads) and then acts
(it writes what it decided); the step that settles the mail ends its way. `spocmail identify` runs
the same deciding halves without acting, so identify and intake cannot disagree.
"""

from __future__ import annotations

import hashlib
import time
import traceback
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session, selectinload

from spocmail import authres, bounces, claims, limits, logs, stopping
from spocmail.answers import AnswerRules, ReplyOutcome, load_answer_rules, match_reply, record_reply
from spocmail.clock import Clock
from spocmail.config import Config
from spocmail.db import Database, audit
from spocmail.db.decisions import Identification as Decision
from spocmail.db.mail import Message
from spocmail.db.outbox import OutboxMail
from spocmail.db.register import Arrangement, Customer, CustomerAddress, Officer
from spocmail.deadlines import WorkingCalendar
from spocmail.errors import ConfigError, NotFound
from spocmail.filing import (FiledResult, Followup, FollowupRules, PreparedWords, attach_followup, file_message,
                             find_followup, load_followups, lock_customer)
from spocmail.identify import (Evidence, Identification, RegisterCache, RegisterView, identify, register_view,
                               role_of)
from spocmail.intake.poll import PollCounts, intake
from spocmail.mail import ParsedMail, parse_mail
from spocmail.parseahead import ParseAhead
from spocmail.officers import notify_spoc, officer_infos, route_issue, send_request
from spocmail.respond import acknowledge_new, approve_by_reply
from spocmail.rules import OfficerInfo, load_classify, load_identify, load_route
from spocmail.sending import flush_outbox
from spocmail.split import load_split

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
    set_aside: int = 0


@dataclass(frozen=True)
class Context:
    """What every mail's handling reads: the config, every rules file (validated) and the calendar, loaded once."""

    config: Config
    classify_rules: object
    route_rules: object
    answer_rules: AnswerRules
    followup_rules: FollowupRules
    calendar: WorkingCalendar
    cache: "PassCache" = field(default_factory=lambda: PassCache(), compare=False)
    raw: "RawHandOff" = field(default_factory=lambda: RawHandOff(), compare=False)
    ahead: ParseAhead = field(default_factory=ParseAhead, compare=False)

    @classmethod
    def load(cls, config: Config) -> "Context":
        """A bad rules file stops here, before any mail is touched, with ConfigError naming the file and key."""
        load_identify()
        load_split()
        return cls(config, load_classify(), load_route(), load_answer_rules(), load_followups(),
                   WorkingCalendar(config.council.holidays))


class PassCache(RegisterCache):
    """What every mail of one pass reads and only the SPOC changes: the register (for identification) and
    the officers with their absences (for routing), read once per pass (a Context lives for one pass)."""

    def __init__(self) -> None:
        super().__init__()
        self._officers: list[OfficerInfo] | None = None

    def clear(self) -> None:
        super().clear()
        self._officers = None

    def officers(self, session: Session) -> list[OfficerInfo]:
        if self._officers is None:
            self._officers = officer_infos(session)
        return self._officers


class RawHandOff:
    """The bytes intake has just stored, handed to the steps of the same pass so they are not read back
    from the database. Keyed by their SHA-256, so what comes out is the stored mail whatever row asks for
    it; each is given once. Only mails up to KEEP_EACH bytes, and KEEP_ALL in all: past that (a pass of
    some 3,000 mails of 50 KB, or one 50 MB attachment) the rest is read from the database, not memory.

    What is kept is also all the parse-ahead helper is given: at 32 MB in all, a pass of 2,000 such mails
    had two thirds of them parsed and classified by the steps themselves, a fifth of their time. Keeping
    them all made that pass 1.3 times faster for 75 MB more at its peak (bench/suite.py --spy shows it)."""

    KEEP_EACH = 1 << 20
    KEEP_ALL = 160 << 20

    def __init__(self) -> None:
        self._raw: dict[str, bytes] = {}
        self._size = 0

    def keep(self, raw: bytes) -> None:
        if len(raw) <= self.KEEP_EACH and self._size + len(raw) <= self.KEEP_ALL:
            sha = hashlib.sha256(raw).hexdigest()
            if sha not in self._raw:
                self._raw[sha] = raw
                self._size += len(raw)

    def kept(self) -> list[tuple[str, bytes]]:
        """(SHA-256, bytes) of each mail still held, in the order intake stored them."""
        return list(self._raw.items())

    def give(self, message: Message) -> None:
        raw = self._raw.pop(message.sha256, None)
        if raw is not None:
            self._size -= len(raw)
            message.__dict__.setdefault("_raw_bytes", raw)


@dataclass
class Inbound:
    """One mail on its way through the steps, and what each step found."""

    parsed: ParsedMail
    message: Message | None = None  # None when `spocmail identify` reads a file that is not stored
    view: RegisterView | None = None
    sender_role: str = "unknown"
    approval_for: str | None = None  # the customer whose weekly draft the SPOC answers
    reply: ReplyOutcome = field(default_factory=lambda: ReplyOutcome("none"))
    ident: Identification | None = None
    addresses: set[str] = field(default_factory=set)
    followup: Followup | None = None
    filed: FiledResult | None = None
    outcome: str | None = None  # set by the step that settles the mail
    settled_by: str | None = None
    raw: bytes = b""  # the mail's bytes, for the Authentication-Results check
    bounce: "bounces.Bounce | None" = None  # a delivery report returning one of our own mails
    prepared: PreparedWords | None = None  # the parse-ahead helper's splitting and classifying of its words

    @property
    def sender(self) -> str:
        return (self.parsed.from_.email or "").lower()

    def settle(self, outcome: str) -> None:
        self.outcome = outcome


@dataclass(frozen=True)
class Step:
    name: str
    decide: Callable[[Session, Inbound, Context], None]  # reads, never writes
    act: Callable[[Session, Inbound, Context, datetime], None]  # writes what `decide` found


# ------------------------------------------------------------------ read


def decide_read(session: Session, mail: Inbound, ctx: Context) -> None:
    mail.view = register_view(session, ctx.config, mail.parsed, ctx.cache)
    mail.sender_role = role_of(mail.sender or None, mail.view)[0]


def act_read(session: Session, mail: Inbound, ctx: Context, now: datetime) -> None:
    mail.message.auto_reply = mail.parsed.auto_reply
    mail.message.defects = sorted(set(mail.message.defects) | set(mail.parsed.defects))


# ------------------------------------------------------------------ bounce


def decide_bounce(session: Session, mail: Inbound, ctx: Context) -> None:
    """A delivery report that returns one of our own mails: matched to it, never a request or an answer."""
    if not mail.parsed.auto_reply or not mail.raw:
        return
    found = bounces.match(session, mail.raw)
    if found is None:
        return
    related = found.mail.related or {}
    customer = related.get("customer") or related.get("copy_for") or related.get("draft_for")
    mail.bounce = found
    mail.ident = Identification(role="system", customer=customer, decision="not-a-request", score=0.0,
                                sender=mail.sender, evidence=(Evidence(
                                    "bounce", f"returns our {found.mail.kind} {found.mail.message_id} to "
                                    f"{', '.join(found.mail.recipients)}", 0.0),))
    mail.settle("not-a-request")


def act_bounce(session: Session, mail: Inbound, ctx: Context, now: datetime) -> None:
    if mail.bounce is None:
        return
    record_identification(session, mail.message, mail.ident, now, ctx.cache)
    sent = mail.bounce.mail
    related = sent.related or {}
    audit.record(session, at=now, actor="spocmail", action="mail.bounced", subject_type="outbox",
                 subject_id=str(sent.id), kind=sent.kind, recipients=sent.recipients, report=mail.message.id,
                 issues=related.get("issues", []))
    log.warning("our mail bounced", extra={"event": "pipeline.bounce", "mail": mail.message.id,
                                           "outbox": sent.id, "kind": sent.kind})
    customer = mail.ident.customer
    if customer and session.scalar(select(Arrangement.id).where(Arrangement.customer_id == customer)) is not None:
        what = {"officer_request": "An officer request", "reminder": "A reminder"}.get(sent.kind, f"A {sent.kind} mail")
        lines = [f"{what} to {', '.join(sent.recipients)} was returned undelivered "
                 f"(issues: {', '.join(related.get('issues', [])) or 'none'}).",
                 *mail.bounce.details,
                 "Check the address in the register; nobody may be working on this item."]
        notify_spoc(session, customer, f"Undelivered: {what.lower()} to {', '.join(sent.recipients)}", lines, now,
                    key=f"bounce:{sent.id}", config=ctx.config)


# ------------------------------------------------------------------ draft approval


def decide_draft_approval(session: Session, mail: Inbound, ctx: Context) -> None:
    """A reply from the SPOC or deputy to a weekly draft is theirs to settle, never a customer's request."""
    thread = [m for m in [mail.parsed.in_reply_to, *mail.parsed.references] if m]
    if not thread:
        return
    draft = session.scalars(select(OutboxMail).where(OutboxMail.message_id.in_(thread),
                                                     OutboxMail.kind == "draft")).first()
    if draft is None:
        return
    customer = (draft.related or {}).get("draft_for")
    arr = session.scalar(select(Arrangement).where(Arrangement.customer_id == customer))
    if arr is None:
        return
    allowed = {session.get(Officer, oid).email.lower() for oid in (arr.spoc_id, arr.deputy_id) if oid}
    if mail.sender not in allowed:
        return
    verdict = authres.check(mail.raw, ctx.config.security.trusted_authserv_id, mail.sender)
    if not verdict.ok:  # a forged SPOC approves nothing: the mail is put to the SPOC instead
        mail.ident = Identification(role="officer", customer=customer, decision="triage", score=0.0,
                                    sender=mail.sender, evidence=(Evidence(
                                        "approval-unverified", f"claims to approve the draft for {customer}: "
                                        f"{verdict.detail}", 0.0),))
        mail.settle("triage")
        return
    mail.approval_for = customer
    mail.ident = Identification(role="officer", customer=None, decision="not-a-request", score=1.0,
                                sender=mail.sender, evidence=(Evidence(
                                    "approval", f"replies to the weekly response draft for {customer}", 1.0),))
    mail.settle("approval")


def act_draft_approval(session: Session, mail: Inbound, ctx: Context, now: datetime) -> None:
    if mail.approval_for is None:
        if mail.outcome == "triage":  # an approval that did not pass the council's checks
            record_identification(session, mail.message, mail.ident, now, ctx.cache)
        return
    result = approve_by_reply(session, mail.parsed, ctx.config, ctx.calendar, now) or {}
    status = result.get("status", "not an approval")
    mail.ident = replace(mail.ident, evidence=(Evidence(
        "approval", f"replies to the weekly response draft for {mail.approval_for}: {status}", 1.0),))
    record_identification(session, mail.message, mail.ident, now, ctx.cache)


# ------------------------------------------------------------------ officer answer


def decide_officer_answer(session: Session, mail: Inbound, ctx: Context) -> None:
    """An officer's reply to a request with its token is the answer; the customer's own reply never is."""
    if mail.sender_role == "customer":
        return  # a customer who writes back on a request follows up their issue (file and route)
    mail.reply = match_reply(session, mail.parsed, ctx.answer_rules)
    if mail.reply.kind != "answer":
        return
    req = mail.reply.request
    verdict = authres.check(mail.raw, ctx.config.security.trusted_authserv_id, mail.sender)
    if not verdict.ok:  # the right From and token, but not through the council's own server: kept, put to the SPOC
        mail.reply = ReplyOutcome("refused", req, f"answer for {req.issue.ref} not accepted: {verdict.detail}")
        return
    mail.ident = Identification(role="officer", customer=req.issue.customer_id, decision="not-a-request", score=1.0,
                                sender=mail.sender, sender_id=req.officer_id, evidence=(Evidence(
                                    "answer", f"answer to the request for {req.issue.ref}", 1.0),))
    mail.settle("answer")


def act_officer_answer(session: Session, mail: Inbound, ctx: Context, now: datetime) -> None:
    if mail.reply.kind == "none":
        return
    record_reply(session, mail.reply, mail.message, mail.parsed, now)
    if mail.outcome == "answer":
        record_identification(session, mail.message, mail.ident, now, ctx.cache)


# ------------------------------------------------------------------ whose mail


def decide_whose_mail(session: Session, mail: Inbound, ctx: Context) -> None:
    ident = identify(mail.parsed, mail.view, threshold=ctx.config.identify.threshold)
    reply = mail.reply
    if reply.kind != "none":  # a reply to a request that is not the answer: flagged, and put to the SPOC
        flag = Evidence(f"reply-{reply.kind}", reply.reason, 0.0)
        if ident.role != "customer" and reply.kind in ("refused", "declined"):
            ident = replace(ident, decision="triage", evidence=ident.evidence + (flag,))
        elif ident.decision == "not-a-request" or ident.role != "customer":
            ident = replace(ident, decision="not-a-request", evidence=ident.evidence + (flag,))
        else:
            ident = replace(ident, evidence=ident.evidence + (flag,))
    mail.ident = ident
    if ident.decision not in ("filed", "provisional") or ident.customer is None:
        mail.settle(ident.decision)


def act_whose_mail(session: Session, mail: Inbound, ctx: Context, now: datetime) -> None:
    record_identification(session, mail.message, mail.ident, now, ctx.cache)


# ------------------------------------------------------------------ file and route


def decide_file_and_route(session: Session, mail: Inbound, ctx: Context) -> None:
    """Whether the customer's mail continues one of their issues (a follow-up) or asks something new."""
    customer = mail.ident.customer
    known = next((c for c in mail.view.customers if c.id == customer), None) if mail.view else None
    if known is not None:  # the pass's register, as identification read it (an address suggested since is added below)
        mail.addresses = {*known.confirmed, *known.suggested}
    else:
        mail.addresses = set(session.scalars(select(CustomerAddress.email).where(
            CustomerAddress.customer_id == customer, CustomerAddress.status != "rejected")))
    mail.addresses.update(a for a in [mail.ident.suggest_address] if a)
    if not mail.parsed.auto_reply:
        mail.followup = find_followup(session, mail.parsed, customer, mail.addresses, ctx.followup_rules)
    mail.settle(mail.ident.decision)


def act_file_and_route(session: Session, mail: Inbound, ctx: Context, now: datetime) -> None:
    lock_customer(session, mail.ident.customer)  # another daemon filing for them waits, then is seen
    if not mail.parsed.auto_reply:  # decided before the lock: look again now that nothing can change under us
        mail.followup = find_followup(session, mail.parsed, mail.ident.customer, mail.addresses,
                                      ctx.followup_rules)
    if mail.followup is not None:
        join_followup(session, mail, ctx, now)
        return
    mail.filed = file_message(session, mail.message, mail.parsed, mail.ident.customer, mail.addresses,
                              ctx.classify_rules, ctx.calendar, now, tz=ctx.config.council.timezone,
                              max_issues=ctx.config.limits.max_issues_per_mail, prepared=mail.prepared)
    route_new(session, mail.filed, ctx, now, mail.message)
    if mail.filed.claimed_at is not None and (mail.filed.new or mail.filed.repeats):
        refs = ", ".join(i.ref for i in mail.filed.new + mail.filed.repeats)
        claimed = mail.filed.claimed_at.astimezone(ctx.config.tz)
        notify_spoc(session, mail.ident.customer, "A mail claims an earlier date than it arrived",
                    [f"Mail {mail.message.id} ({mail.parsed.subject or 'no subject'}) from "
                     f"{mail.message.from_email} presents itself as a forward of a mail dated "
                     f"{claimed:%A %-d %B %Y %H:%M}.",
                     f"Only a forward by an officer or member sets when the council received a request, so "
                     f"{refs} counts from when this mail arrived. If an officer really had it earlier, ask "
                     f"them to forward their copy to this mailbox: their forward moves the date back."],
                    now, key=f"claimed-date:{mail.message.id}", config=ctx.config)
    if mail.filed.too_many:
        refs = ", ".join(i.ref for i in mail.filed.new) or "(none new)"
        notify_spoc(session, mail.ident.customer, "A mail asks too many separate things to split by itself",
                    [f"Mail {mail.message.id} ({mail.parsed.subject or 'no subject'}) reads as "
                     f"{mail.filed.too_many} separate requests, more than [limits] max_issues_per_mail = "
                     f"{ctx.config.limits.max_issues_per_mail}.",
                     f"It is filed as one issue, {refs}; split it with `spocmail issues split REF --part TEXT ...` "
                     f"where it asks several things."],
                    now, key=f"too-many:{mail.message.id}", config=ctx.config)


def route_new(session: Session, result: FiledResult, ctx: Context, now: datetime, message: Message | None = None) -> None:
    """Each new issue goes to the officer best placed to answer, who is asked by email (once the arrangement's
    restrictions and state have had their say: spocmail/admission.py)."""
    from spocmail.admission import admit

    for issue in admit(session, result.new, ctx.config, now, message, ctx.route_rules):
        routing = route_issue(session, issue, ctx.route_rules, now.astimezone(ctx.config.tz).date(),
                              ctx.cache.officers(session))
        send_request(session, issue, routing.officer_id, ctx.config, ctx.calendar, now,
                     covering_for=routing.covered_for, reason=routing.reason)
        issue.routing_reason = routing.reason  # after: written with the request's own change, in one UPDATE


def join_followup(session: Session, mail: Inbound, ctx: Context, now: datetime) -> None:
    """The follow-up joins its issues; the SPOC hears of a restarted clock and of mail on an issue already done."""
    followup, customer = mail.followup, mail.ident.customer
    done = [i for i in followup.issues if i.status in ("responded", "closed")]
    changes = attach_followup(session, mail.message, mail.parsed, followup, mail.addresses, ctx.calendar, now,
                              tz=ctx.config.council.timezone)
    lines = []
    for c in changes:
        if c["action"] != "issue.clarified":
            continue
        lines.append(f"{c['ref']}: mail {mail.message.id} from the customer clarifies the request ({c['reason']}); "
                     f"the {c['statutory_kind'].upper()} deadline follows from the day it arrived: due "
                     f"{c['after'] or 'not set'}, was {c['before'] or 'not set'}.")
    if lines:
        notify_spoc(session, customer, f"Clarification received ({customer})", lines, now,
                    key=f"clarified:{mail.message.id}", config=ctx.config,
                    subject=f"Clarification received: {', '.join(c['ref'] for c in changes)} ({customer})")
    if done:
        notify_spoc(session, customer, f"The customer wrote again about an issue already dealt with ({customer})",
                    [f"{i.ref} ({i.status}): mail {mail.message.id} follows it up; decide whether it needs more."
                     for i in done], now, key=f"followup-after:{mail.message.id}", config=ctx.config,
                    subject=f"Follow-up on {', '.join(i.ref for i in done)} ({customer})")


# ------------------------------------------------------------------ the steps, in order


STEPS: tuple[Step, ...] = (
    Step("read", decide_read, act_read),
    Step("bounce", decide_bounce, act_bounce),
    Step("draft approval", decide_draft_approval, act_draft_approval),
    Step("officer answer", decide_officer_answer, act_officer_answer),
    Step("whose mail", decide_whose_mail, act_whose_mail),
    Step("file and route", decide_file_and_route, act_file_and_route),
)


def run_steps(session: Session, mail: Inbound, ctx: Context, now: datetime | None, *, write: bool) -> Inbound:
    """Through the steps until one settles the mail; with `write` each step also acts on what it decided."""
    for step in STEPS:
        step.decide(session, mail, ctx)
        if write:
            step.act(session, mail, ctx, now)
        if mail.outcome is not None:
            mail.settled_by = step.name
            break
    return mail


def handle(session: Session, message: Message, config: Config, ctx: Context, now: datetime) -> str:
    """One stored mail through the steps; returns how it was settled. A mail past [limits] raises
    LimitExceeded before the work it would cost (unless the SPOC waived the limits for it)."""
    waived = (message.quarantine_reason or "").startswith(limits.WAIVED)
    reason = None if waived else limits.raw_reason(message.raw, config.limits)
    if reason:
        raise limits.LimitExceeded(reason)
    parsed, prepared = ctx.ahead.take(message.sha256)  # what the other core made of the same bytes
    if parsed is None:
        parsed = parse_mail(message.raw)
    reason = None if waived else limits.text_reason(parsed.body_text, config.limits)
    if reason:
        raise limits.LimitExceeded(reason)
    mail = run_steps(session, Inbound(parsed, message, raw=message.raw, prepared=prepared), ctx, now, write=True)
    return mail.outcome


def decide_only(session: Session, parsed: ParsedMail, ctx: Context, raw: bytes = b"") -> dict:
    """What intake would decide for this mail, without writing anything: `spocmail identify`."""
    mail = run_steps(session, Inbound(parsed, raw=raw), ctx, None, write=False)
    doc = mail.ident.to_json()
    doc["step"] = mail.settled_by
    doc["follow_up_of"] = mail.followup.refs if mail.followup else []
    doc["clarifies"] = list(mail.followup.clarifies) if mail.followup else []
    return doc


def identify_file(config: Config, db: Database, raw: bytes) -> dict:
    """`spocmail identify FILE.eml`: the steps' decision for a mail on disk, in a session that is rolled back."""
    ctx = Context.load(config)
    session = db.sessions()
    try:
        return decide_only(session, parse_mail(raw), ctx, raw)
    finally:
        session.rollback()
        session.close()


def record_identification(session: Session, message: Message, ident: Identification, now: datetime,
                          cache: RegisterCache | None = None) -> Decision:
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
        if cache is not None:  # the register changed: the next mail of this pass reads it afresh
            cache.clear()
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


def file_assigned(session: Session, message_pk: int, config: Config, now: datetime) -> list[str]:
    """After the SPOC files a waiting mail for a customer: the file-and-route step, as for any of their mail.

    What the mail was already filed into is not filed again (filing is safe to run twice).
    """
    message = session.get(Message, message_pk)
    if message is None or message.customer_id is None:
        return []
    ctx = Context.load(config)
    mail = Inbound(parse_mail(message.raw), message, sender_role=message.sender_role or "unknown")
    mail.ident = Identification(role=mail.sender_role, customer=message.customer_id, decision="filed", score=1.0,
                                evidence=())
    decide_file_and_route(session, mail, ctx)
    act_file_and_route(session, mail, ctx, now)
    if mail.followup is not None:
        return mail.followup.refs
    return [i.ref for i in mail.filed.new] + [i.ref for i in mail.filed.repeats]


# ------------------------------------------------------------------ claim, work, settle


def release_dead_claims(session: Session) -> int:
    """Give back at once the claims of processes on this host that are gone (a daemon killed mid-mail)."""
    released = 0
    for pk, claimer in session.execute(select(Message.id, Message.claimed_by).where(Message.state == "working")):
        if claims.alive(claimer) is False:
            released += session.execute(update(Message).where(Message.id == pk, Message.state == "working",
                                                              Message.claimed_by == claimer)
                                        .values(state="stored", claimed_by=None)).rowcount
            log.warning("claim of a process that is gone given back", extra={
                "event": "pipeline.claim_released", "mail": pk, "claimer": claimer})
    return released


# PostgreSQL: one batch of mail is worked at a time across daemons. A batch takes the locks of several
# customers in the order their mail comes; two batches taking them in different orders could deadlock.
BATCH_LOCK_KEY = 0x5370_6F63_4261_7463  # "SpocBatc"


def process_stored(config: Config, db: Database, clock: Clock, ctx: Context | None = None) -> StepCounts:
    """Work through every stored inbound mail not yet handled, oldest first.

    Claim, work, settle, in batches: up to [limits] batch_mails mails are claimed in one statement (the
    claim is committed, so another daemon skips them), then worked in one transaction, each mail in a
    savepoint of its own, so a mail that fails is rolled back alone and recorded as failed while the others
    commit. The transaction commits after batch_mails mails or batch_seconds, whichever comes first, so a
    slow mail delays the record of the mail before it by at most that long. Should the batch's commit
    itself fail, its mails are worked again one by one, each in its own transaction.
    """
    counts = StepCounts()
    now = clock.now()
    ctx = ctx or Context.load(config)
    with db.session() as session:
        session.execute(update(Message).where(Message.state == "working", Message.claimed_at < now - STALE_CLAIM)
                        .values(state="stored", claimed_by=None))
        release_dead_claims(session)
        pending = list(session.scalars(select(Message.id).where(Message.state == "stored", Message.direction == "in")
                                       .order_by(Message.id)))
    size = max(1, config.limits.batch_mails)
    while pending and not stopping.requested():  # what is not reached stays stored for the next pass
        chunk, pending = pending[:size], pending[size:]
        claimed = _claim(db, chunk, clock.now())
        while claimed:
            try:
                done = _work_batch(db, claimed, config, ctx, clock, counts)
            except ConfigError:
                # the council's files are at fault, not the mail: give the batch back untouched, stop with exit 2
                _give_back(db, claimed)
                raise
            except Exception as exc:  # the batch's commit failed: each mail again in a transaction of its own
                ctx.cache.clear()
                log.error("batch failed, each mail again on its own: %s", exc, extra={
                    "event": "pipeline.batch_failed", "mails": claimed})
                for pk in claimed:
                    if stopping.requested():
                        break
                    try:
                        _work_batch(db, [pk], config, ctx, clock, counts)
                    except ConfigError:
                        _give_back(db, [pk])
                        raise
                    except Exception:
                        ctx.cache.clear()
                        _failed(db, pk, traceback.format_exc(), counts)
                _give_back(db, claimed)  # those a stop request left: only still-"working" ones change
                break
            claimed = claimed[done:]
            if stopping.requested():
                _give_back(db, claimed)
                return counts
    return counts


def _claim(db: Database, pks: list[int], now: datetime) -> list[int]:
    """Claim these mails for this process: only those still stored (another daemon may have some)."""
    with db.session() as session:
        got = set(session.scalars(update(Message).where(Message.id.in_(pks), Message.state == "stored")
                                  .values(state="working", claimed_at=now, claimed_by=claims.me(),
                                          attempts=Message.attempts + 1)
                                  .returning(Message.id)))
    return [pk for pk in pks if pk in got]


def _give_back(db: Database, pks: list[int]) -> None:
    """Mails claimed but not worked go back to the stored state, their attempt not counted."""
    if not pks:
        return
    with db.session() as session:
        session.execute(update(Message).where(Message.id.in_(pks), Message.state == "working",
                                              Message.claimed_by == claims.me())
                        .values(state="stored", claimed_by=None, attempts=Message.attempts - 1))


def _failed(db: Database, pk: int, error: str, counts: StepCounts) -> None:
    with db.session() as session:
        message = session.get(Message, pk)
        _record_failure(message, error)
    counts.failed += 1
    log.error("processing failed", extra={"event": "pipeline.failed", "mail": pk})


def _record_failure(message: Message, error: str) -> None:
    message.last_error = error[-4000:]
    message.state = "failed" if message.attempts >= MAX_ATTEMPTS else "stored"


HOLD_AT_MOST = 500  # customers, and officers: past this many, each is read when first asked, as before


def _hold_register(session: Session) -> None:
    """The customers with their arrangements, and the officers, read for the batch in a few statements and
    held by its session, rather than read (after a flush) by each mail that reaches the restrictions or asks
    an officer. A council has tens of customers under an arrangement and a few hundred officers. The
    customers' addresses are still read on first use, after whatever the batch has suggested is flushed."""
    if session.scalar(select(func.count()).select_from(Customer)) <= HOLD_AT_MOST:
        session.scalars(select(Customer).options(selectinload(Customer.arrangement))).all()
    if session.scalar(select(func.count()).select_from(Officer)) <= HOLD_AT_MOST:
        session.scalars(select(Officer)).all()


def _work_batch(db: Database, pks: list[int], config: Config, ctx: Context, clock: Clock,
                counts: StepCounts) -> int:
    """Work the claimed mails in one transaction, each in a savepoint; returns how many were worked (the
    first ones of `pks`: a stop request or the time bound ends the batch early). Counts and logs only once
    the transaction has committed."""
    settled: list[tuple[int, str, str]] = []  # (mail, how, detail)
    started = time.monotonic()
    with db.session(keep=True) as session:
        dialect = session.get_bind().dialect.name
        if dialect == "sqlite":
            # sqlite3 begins a transaction only before a write and knows nothing of savepoints: a SAVEPOINT
            # outside its transaction starts one of its own, and its RELEASE commits it (the batch so far). A
            # write first begins the batch's transaction and takes the write lock for it: the batch writes
            # anyway, and a read snapshot upgraded to a write after another writer committed fails at once
            # with "database is locked".
            session.execute(text("UPDATE messages SET state = state WHERE 0"))
        elif len(pks) > 1:
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": BATCH_LOCK_KEY})
        for message in session.scalars(select(Message).where(Message.id.in_(pks))):  # one read, held
            ctx.raw.give(message)
        _hold_register(session)
        for pk in pks:
            if settled and (stopping.requested() or time.monotonic() - started >= config.limits.batch_seconds):
                break
            try:
                with session.begin_nested():
                    message = session.get(Message, pk)
                    outcome = handle(session, message, config, ctx, clock.now())
                    message.state = "done"
                settled.append((pk, "done", outcome))
            except limits.LimitExceeded as exc:  # set aside at once with the reason; trying again would cost the same
                message = session.get(Message, pk)
                message.state, message.quarantine_reason = "quarantined", str(exc)
                audit.record(session, at=clock.now(), actor="spocmail", action="mail.set_aside",
                             subject_type="message", subject_id=str(pk), reason=str(exc))
                settled.append((pk, "set_aside", str(exc)))
            except ConfigError:
                raise
            except Exception as exc:
                ctx.cache.clear()  # it may have been read in the savepoint just rolled back
                _record_failure(session.get(Message, pk), "".join(traceback.format_exception(exc)))
                settled.append((pk, "failed", str(exc)))
    for pk, how, detail in settled:
        if how == "done":
            log.info("handled", extra={"event": "pipeline.done", "mail": pk, "outcome": detail})
            if detail == "answer":
                counts.answers += 1
            elif detail in ("filed", "provisional"):
                counts.filed += 1
            elif detail == "triage":
                counts.triage += 1
            else:
                counts.not_requests += 1
        elif how == "set_aside":
            counts.set_aside += 1
            log.warning("set aside: %s", detail, extra={"event": "pipeline.set_aside", "mail": pk})
        else:
            counts.failed += 1
            log.error("processing failed: %s", detail, extra={"event": "pipeline.failed", "mail": pk})
    return len(settled)


def set_aside(session: Session) -> list[dict]:
    """Quarantined mail (unreadable, kept raw) and mail whose processing failed too often, with the reason."""
    rows = session.scalars(select(Message).where(Message.state.in_(("quarantined", "failed"))).order_by(Message.id))
    return [{"message": m.id, "state": m.state, "from": m.from_email, "subject": m.subject,
             "stored_at": m.stored_at.isoformat(), "attempts": m.attempts,
             "reason": m.quarantine_reason or m.last_error or ""} for m in rows]


def retry(session: Session, message_pk: int, *, actor: str, now: datetime, no_limits: bool = False) -> None:
    from spocmail.triage import TriageError

    message = session.get(Message, message_pk)
    if message is None:
        raise NotFound(f"no mail {message_pk}; `spocmail quarantine` lists what is set aside")
    if message.state not in ("quarantined", "failed"):
        raise TriageError(f"mail {message_pk} is not set aside; `spocmail quarantine` lists what is")
    before, reason_before = message.state, message.quarantine_reason
    message.state, message.attempts = "stored", 0
    if no_limits:  # the SPOC has looked at it and wants it read whatever its size
        message.quarantine_reason = f"{limits.WAIVED} by {actor} at {now.isoformat()}"
    audit.record(session, at=now, actor=actor, action="mail.retry", subject_type="message",
                 subject_id=str(message_pk), before=before, reason=reason_before, no_limits=no_limits)


def poll_once(config: Config, db: Database, mailbox, clock: Clock, on_mail=None) -> PollCounts:
    """One pass: store what is new, work every stored mail through the steps, acknowledge, send what is queued."""
    ctx = Context.load(config)  # a bad rules file stops the pass before the mailbox is touched

    def stored(mail) -> None:
        ctx.raw.keep(mail.raw)
        if on_mail is not None:
            on_mail(mail)

    counts = intake(db, mailbox, clock, batch_size=config.mailbox.batch_size, on_mail=stored)
    try:
        ctx.ahead.start(ctx.raw.kept(), config.limits.parse_ahead_from, ctx.classify_rules)
        steps = process_stored(config, db, clock, ctx)
    finally:
        ctx.ahead.stop()
    counts.filed += steps.filed
    counts.triage += steps.triage
    counts.answers += steps.answers
    counts.quarantined += steps.set_aside
    acknowledge_new(config, db, clock)
    counts.sent += flush_outbox(config, db, clock, mailbox).get("sent", 0)
    log.info("poll finished", extra={"event": "intake.poll", **counts.to_json()})
    return counts
