"""What the customer receives: the weekly consolidated response, single-issue responses, acknowledgements."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from spocmail import attachtokens, disclosure, drafts, letters, lifecycle, logs, outbox, restrictions, templating
from spocmail.config import Config
from spocmail.db import audit
from spocmail.db.issues import Answer, Issue, IssueMessage, Response
from spocmail.db.mail import Message
from spocmail.db.register import Arrangement, Customer, CustomerAddress, Officer
from spocmail.deadlines import WorkingCalendar
from spocmail.errors import NotFound, SpocmailError
from spocmail.mail import headers as mail_headers
from spocmail.mail import parse_mail
from spocmail.officers import next_weekly_send, notify_spoc
from spocmail.filing import lock_customer

log = logs.get("respond")
LIVE = ("open", "awaiting", "answered", "approved")
KIND_NAMES = {"foi": "a Freedom of Information request", "eir": "an Environmental Information request",
              "sar": "a subject access request", "complaint": "a complaint"}


class ResponseError(SpocmailError):
    """A response that cannot be built (a missing address, a template error): nothing half-built is sent."""


class AlreadySent(SpocmailError):
    """This week's response has gone already; a deliberate second one needs --again."""

    exit_code = 0


@dataclass
class Item:
    ref: str
    state: str  # answered, pending, new
    text: str
    title: str
    due: date | None = None
    statutory: str | None = None
    category: str | None = None
    officers: tuple = ()  # who the issue was routed to or answered by: the copy rules (rules/copy.toml) use it
    late: bool = False  # answered after its due date (or local target): the response apologises

    def to_json(self) -> dict:
        return {"ref": self.ref, "state": self.state, "text": self.text, "title": self.title,
                "due": self.due.isoformat() if self.due else None, "statutory_kind": self.statutory,
                "category": self.category}


@dataclass
class Draft:
    customer: str
    kind: str
    period: str
    to: list[str]
    cc: list[str]
    subject: str
    items: list[Item]
    in_reply_to: str | None
    body_text: str = ""
    body_html: str = ""
    answers: list[Answer] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)  # filename, content type, payload
    held_back: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)  # the thread before in_reply_to, when it is known
    copies: list = field(default_factory=list)  # disclosure.Copy: what each copied person receives
    separate: list["Draft"] = field(default_factory=list)  # answers sent on their own (copy rule `alone`)
    alone: bool = False  # this draft is such an answer: to the customer alone

    def to_json(self) -> dict:
        return {"customer": self.customer, "kind": self.kind, "period": self.period, "to": self.to, "cc": self.cc,
                "subject": self.subject, "items": [i.to_json() for i in self.items], "body_text": self.body_text,
                "in_reply_to": self.in_reply_to,
                "attachments": [{"filename": f, "content_type": t, "size": len(p)} for f, t, p in self.attachments],
                "held_back": self.held_back, "copies": [c.to_json() for c in self.copies],
                "separate": [d.to_json() for d in self.separate]}


def iso_week(day: date) -> str:
    y, w, _ = day.isocalendar()
    return f"{y}-W{w:02d}"


# ------------------------------------------------------------------ who it goes to


def customer_address(session: Session, customer: Customer) -> str:
    """The address the council writes to: the customer's first confirmed address from the register."""
    rows = session.scalars(select(CustomerAddress).where(CustomerAddress.customer_id == customer.id,
                                                         CustomerAddress.status == "confirmed")
                           .order_by(CustomerAddress.id)).all()
    if not rows:
        raise ResponseError(f"customer {customer.id} has no confirmed address: confirm one with "
                            f"`spocmail address confirm {customer.id} EMAIL` before a response can be sent")
    return f"{customer.name} <{rows[0].email}>"


def _state_line(issue: Issue, session: Session, config: Config, today: date | None = None,
                calendar: WorkingCalendar | None = None, arr: Arrangement | None = None) -> str:
    """An honest line on where a pending issue stands."""
    dept = None
    if arr is None:
        arr = session.scalar(select(Arrangement).where(Arrangement.customer_id == issue.customer_id))
    if issue.officer_id and issue.officer_id not in (arr.spoc_id, arr.deputy_id):
        officer = session.get(Officer, issue.officer_id)
        dept = officer.department or officer.name
    when = disclosure.date_line(issue, today or date.min, calendar or WorkingCalendar(config.council.holidays))
    statutory = f" {when}" if when else ""  # honest dates: late items say so (disclosure.date_line)
    if issue.status == "answered" or (issue.status == "approved" and not _unsent_approved(issue)):
        return f"An answer has been received and is being checked; it will be included in a following response.{statutory}"
    if dept:
        return (f"Awaiting information from {dept}; this will be included in a following response.{statutory}")
    return f"This is being looked into; it will be included in a following response.{statutory}"


def _unsent_approved(issue: Issue) -> list[Answer]:
    return [a for a in issue.answers if a.approved_at is not None and a.sent_in is None]


def _answer_text(answers: list[Answer]) -> str:
    return "\n\n".join(a.final_text.strip() for a in answers if a.final_text.strip())


def _attachments(session: Session, answers: list[Answer], limit: int) -> tuple[list, list[str]]:
    """Documents officers attached to the answers, within the size limit; the rest are named to follow."""
    kept, held, total = [], [], 0
    tokens = attachtokens.tokens_for(session, answers)
    for a in answers:
        if not a.attachments or a.message_pk is None:
            continue
        parsed = parse_mail(session.get(Message, a.message_pk).raw)
        for att in parsed.attachments:
            if not att.payload:
                continue
            name = att.filename or f"document-{len(kept) + len(held) + 1}"
            payload = attachtokens.scrub(att.filename, att.content_type, att.payload, tokens)
            if payload is None or total + len(payload) > limit:  # a token it cannot lose: to the SPOC, not sent
                held.append(name)
                continue
            total += len(payload)
            kept.append((name, att.content_type, payload))
    return kept, held


def compile_weekly(session: Session, customer_id: str, config: Config, calendar: WorkingCalendar,
                   now: datetime, period: str | None = None) -> Draft:
    """The consolidated response as it would be sent now."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id!r} in the register; `spocmail register show` lists them")
    arr = customer.arrangement
    if arr is not None and arr.status in lifecycle.NORMAL:  # the customer is handled normally: no weekly cycle
        raise lifecycle.LifecycleError(f"the arrangement for {customer_id} is {arr.status}: no weekly response is "
                                       f"compiled (`spocmail arrangement reinstate {customer_id}` puts it back)")
    tz = config.tz
    today = now.astimezone(tz).date()
    last = session.scalars(select(Response).where(Response.customer_id == customer_id, Response.kind == "weekly",
                                                  Response.status == "queued")
                           .order_by(Response.queued_at.desc())).first()
    since = last.queued_at if last else None
    items: list[Item] = []
    answers: list[Answer] = []
    issues: list[Issue] = []
    officer_ids: set[str] = set()
    alone: list[Issue] = []
    # what each issue needs, in a fixed number of queries whatever the number of issues
    rows = session.scalars(select(Issue).where(Issue.customer_id == customer_id).order_by(Issue.id)).all()
    answers_of: dict[int, list[Answer]] = {}
    for a in session.scalars(select(Answer).join(Issue, Issue.id == Answer.issue_id)
                             .where(Issue.customer_id == customer_id).order_by(Answer.id)):
        answers_of.setdefault(a.issue_id, []).append(a)
    for issue in rows:  # the collection as loading it would find it (the query above flushed first)
        set_committed_value(issue, "answers", answers_of.get(issue.id, []))
    singles: dict[str, Response] = {}
    for r in session.scalars(select(Response).where(Response.customer_id == customer_id,
                                                    Response.kind == "single-issue", Response.status == "queued")
                             .order_by(Response.id)):
        singles.setdefault(r.period, r)
    # held here, so the session's (weak) identity map keeps them and session.get never asks again
    officers = {o.id: o for o in session.scalars(select(Officer))}
    in_response = set(session.scalars(select(IssueMessage.issue_id).join(Issue, Issue.id == IssueMessage.issue_id)
                                      .where(Issue.customer_id == customer_id,
                                             IssueMessage.role.in_(("response", "single-issue")))))
    for issue in rows:
        approved = _unsent_approved(issue)
        who = disclosure.officer_ids({issue.officer_id, *(a.officer_id for a in issue.answers)})
        if approved and disclosure.rule_for(issue.category).alone:  # e.g. a SAR: on its own, to the customer alone
            items.append(Item(issue.ref, "answered", disclosure.SEPARATE, issue.title, issue.due,
                              issue.statutory_kind, issue.category, who))
            alone.append(issue)
            continue
        if approved:
            items.append(Item(issue.ref, "answered", _answer_text(approved), issue.title, issue.due,
                              issue.statutory_kind, issue.category, who,
                              disclosure.late(issue, today, calendar)))
            answers.extend(approved)
            issues.append(issue)
            officer_ids.update(a.officer_id for a in approved if a.officer_id)
            continue
        single = singles.get(issue.ref)
        if single is not None and (since is None or single.queued_at > since):
            when = single.queued_at.astimezone(tz)
            text = (disclosure.separate_line(when) if disclosure.rule_for(issue.category).alone else
                    f"Answered on {when:%A %-d %B %Y} in a separate response, sent then to meet its deadline.")
            items.append(Item(issue.ref, "answered", text, issue.title, issue.due, issue.statutory_kind,
                              issue.category, who))
            continue
        if issue.status not in LIVE:
            continue
        carried = restrictions.item_note(issue)  # over the agreed limit: carried to the next period, said so
        if carried:
            items.append(Item(issue.ref, "pending" if issue.id in in_response else "new", carried,
                              issue.title, issue.due, issue.statutory_kind, issue.category, who))
            issues.append(issue)
            continue
        if issue.id not in in_response:
            line = f"Received on {issue.received_on:%A %-d %B %Y} and logged as {issue.ref}."
            if issue.officer_id and issue.officer_id not in (arr.spoc_id, arr.deputy_id):
                officer = officers[issue.officer_id]
                line += f" It has been passed to {officer.department or officer.name}."
            line = disclosure.with_date(line, issue, today, calendar)  # honest dates, late or on time
            items.append(Item(issue.ref, "new", line, issue.title, issue.due, issue.statutory_kind,
                              issue.category, who))
        else:
            items.append(Item(issue.ref, "pending", _state_line(issue, session, config, today, calendar, arr),
                              issue.title, issue.due, issue.statutory_kind, issue.category, who))
        issues.append(issue)
    attachments, held = _attachments(session, answers, config.weekly.max_attachment_bytes)
    draft = Draft(customer=customer_id, kind="weekly", period=period or iso_week(today), to=[customer_address(session, customer)],
                  cc=[], subject=f"{config.council.name}: your weekly response, {today:%-d %B %Y}",
                  items=items, in_reply_to=last.message_id if last else None, answers=answers, issues=issues,
                  attachments=attachments, held_back=held)
    _render(draft, "weekly", config, customer, today, arr)
    _copies(session, draft, "weekly", config, customer, today, officer_ids)
    draft.separate = [compile_single(session, i, config, now, alone=True) for i in alone]
    return draft


def _copies(session: Session, draft: Draft, template: str, config: Config, customer: Customer, today: date,
            officer_ids: set) -> None:
    """Who is copied on what (rules/copy.toml): draft.cc names them, draft.copies holds what each receives."""
    import dataclasses

    officers = {o.id: f"{o.name} <{o.email}>" for o in session.scalars(
        select(Officer).where(Officer.id.in_(officer_ids)).order_by(Officer.id))}
    members = [f"{m.name} <{m.email}>" for m in (customer.arrangement.members if customer.arrangement else [])]
    draft.copies = disclosure.plan(draft.items, officers, members)

    def render(items):
        part = dataclasses.replace(draft, items=items, held_back=[])
        _render(part, template, config, customer, today, customer.arrangement)
        return part.body_text, part.body_html

    disclosure.render_copies(draft.copies, draft.items, render, customer=customer, subject=draft.subject,
                             today=today, attachments=[a[0] for a in draft.attachments] + draft.held_back,
                             staff_domains=config.council.staff_domains)
    draft.cc = [a for c in draft.copies for a in c.to if a in officers.values()]
    draft.cc += [a for a in members if any(a in c.to for c in draft.copies)]


def compile_single(session: Session, issue: Issue, config: Config, now: datetime, alone: bool = False) -> Draft:
    """A response about one issue, in the same form, sent on its own to meet a statutory deadline."""
    customer = session.get(Customer, issue.customer_id)
    approved = _unsent_approved(issue)
    if not approved:
        raise ResponseError(f"{issue.ref} has no approved answer to send; approve one with "
                            f"`spocmail issues approve {issue.ref}`")
    today = now.astimezone(config.tz).date()
    officer_ids = {a.officer_id for a in approved if a.officer_id}
    who = disclosure.officer_ids({issue.officer_id, *officer_ids})
    attachments, held = _attachments(session, approved, config.weekly.max_attachment_bytes)
    in_reply_to, thread = letters.thread(session, [issue], customer)  # the answer continues the customer's mail
    draft = Draft(customer=customer.id, kind="single-issue", period=issue.ref,
                  to=[customer_address(session, customer)], cc=[],
                  subject=f"{config.council.name}: response to {issue.ref}",
                  items=[Item(issue.ref, "answered", _answer_text(approved), issue.title, issue.due,
                              issue.statutory_kind, issue.category, who,
                              disclosure.late(issue, today, WorkingCalendar(config.council.holidays)))],
                  in_reply_to=in_reply_to, answers=approved, issues=[issue], attachments=attachments, held_back=held,
                  references=thread)
    draft.alone = alone or disclosure.rule_for(issue.category).alone
    _render(draft, "single_issue", config, customer, today, customer.arrangement)
    _copies(session, draft, "single_issue", config, customer, today, officer_ids)
    return draft


def _render(draft: Draft, template: str, config: Config, customer: Customer, today: date, arr) -> None:
    draft.body_text, draft.body_html = templating.render(
        template, customer=customer, items=draft.items, today=today, council=config.council.name,
        sig=letters.signature(config, customer),
        spoc_name=config.spoc.name, spoc_address=config.spoc.address, held_back=draft.held_back,
        answered=[i for i in draft.items if i.state == "answered"],
        pending=[i for i in draft.items if i.state == "pending"],
        new=[i for i in draft.items if i.state == "new"], empty_note=config.weekly.empty_week == "note",
        alone=draft.alone)


def to_mail(draft: Draft, config: Config, references: list[str] | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = mail_headers.address(config.spoc.name, config.spoc.address)
    msg["To"] = mail_headers.addresses(draft.to)  # no Cc: the copied get disclosure copies (customer's details left out)
    msg["Reply-To"] = mail_headers.address(config.spoc.name, config.spoc.address)
    msg["Subject"] = mail_headers.clean(draft.subject)
    if draft.in_reply_to:
        msg["In-Reply-To"] = draft.in_reply_to
        msg["References"] = " ".join(letters.references(references or draft.references, draft.in_reply_to))
    msg["X-Spocmail-Issues"] = ", ".join(i.ref for i in draft.items)
    msg.set_content(draft.body_text)
    msg.add_alternative(draft.body_html, subtype="html")
    for name, ctype, payload in draft.attachments:
        maintype, _, subtype = ctype.partition("/")
        msg.add_attachment(payload, maintype=maintype or "application", subtype=subtype or "octet-stream",
                           filename=name)
    return msg


# ------------------------------------------------------------------ sending


def _previous_refs(session: Session, customer_id: str) -> list[str]:
    return [r.message_id for r in session.scalars(
        select(Response).where(Response.customer_id == customer_id, Response.kind == "weekly",
                               Response.status == "queued").order_by(Response.queued_at)) if r.message_id][-10:]


def _commit_sent(session: Session, draft: Draft, response: Response, row, now: datetime, actor: str,
                 config: Config) -> None:
    response.status, response.queued_at, response.outbox_id, response.message_id = "queued", now, row.id, row.message_id
    role = "single-issue" if draft.kind == "single-issue" else "response"
    for a in draft.answers:
        a.sent_in = row.id
    answered_refs = {i.ref for i in draft.items if i.state == "answered"}
    for issue in draft.issues:
        session.add(IssueMessage(issue_id=issue.id, message_pk=row.record_pk, role=role, added_at=now))
        if issue.ref in answered_refs and issue.status in LIVE and not any(
                a.approved_at is None for a in issue.answers):
            issue.status, issue.responded_at = "responded", now
        issue.updated_at = now
    audit.record(session, at=now, actor=actor, action=f"response.{draft.kind}.queued", subject_type="customer",
                 subject_id=draft.customer, period=draft.period, outbox=row.id,
                 items=[{"ref": i.ref, "state": i.state} for i in draft.items])
    log.info("response queued", extra={"event": f"respond.{draft.kind}", "customer": draft.customer,
                                       "issues": ",".join(i.ref for i in draft.items), "outbox": row.id})
    if draft.held_back:
        tokened = set(_held_for_tokens(session, draft.answers))
        title = "Documents held back from" if tokened & set(draft.held_back) else "Documents too large for"
        notify_spoc(session, draft.customer, f"{title} the response to {draft.customer}",
                     [f"{name}: {attachtokens.HELD_REASON}; check it and send a copy without the token separately"
                      if name in tokened else
                      f"{name}: send it separately (past the {draft.kind} attachment limit)"
                      for name in draft.held_back], now, key=f"held:{draft.kind}:{draft.customer}:{draft.period}",
                     config=config)


def _held_for_tokens(session: Session, answers: list[Answer]) -> list[str]:
    """The names of the answers' files held back because a reply token cannot be taken out of them."""
    tokens, names = attachtokens.tokens_for(session, answers), []
    for a in answers:
        if a is None or not a.attachments or a.message_pk is None:
            continue
        for i, att in enumerate(parse_mail(session.get(Message, a.message_pk).raw).attachments):
            if att.payload and attachtokens.scrub(att.filename, att.content_type, att.payload, tokens) is None:
                names.append(att.filename or f"document-{i + 1}")
    return names


def _store_draft(session: Session, draft: Draft, config: Config, now: datetime):
    """Keep what was compiled as a draft with an identity (the same content keeps the same identity)."""
    references = _previous_refs(session, draft.customer) if draft.kind == "weekly" else None
    return drafts.store(session, customer_id=draft.customer, kind=draft.kind, period=draft.period,
                        mail=to_mail(draft, config, references), items=[i.to_json() for i in draft.items],
                        answer_ids=[a.id for a in draft.answers], issue_ids=[i.id for i in draft.issues],
                        held_back=draft.held_back, now=now, extras=_extras_for_storage(draft, config))


def _extras_for_storage(draft: Draft, config: Config) -> list[tuple[dict, EmailMessage]]:
    """The mails an approval sends besides the customer's, with what each is: stored with the draft."""
    mails = _extra_mails(draft, config)
    out = []
    for sep, mail in zip(draft.separate, mails):
        out.append(({"kind": "alone", "to": ", ".join(sep.to), "subject": sep.subject, "ref": sep.issues[0].ref,
                     "items": [i.to_json() for i in sep.items], "answer_ids": [a.id for a in sep.answers],
                     "issue_ids": [i.id for i in sep.issues]}, mail))
    for c, mail in zip(draft.copies, mails[len(draft.separate):]):
        out.append(({"kind": "copy", "to": ", ".join(c.to), "subject": c.subject, "refs": list(c.refs)}, mail))
    return out


def _send_stored_extras(session: Session, row, config: Config, now: datetime, actor: str, key: str) -> None:
    """Queue the approved draft's other mails exactly as stored: answers on their own, then the copies."""
    for n, (info, mail) in enumerate(drafts.extra_mails(row), 1):
        if info["kind"] == "alone":
            ref = info["ref"]
            seq = len(session.scalars(select(Response).where(Response.kind == "single-issue",
                                                             Response.period == ref)).all())
            response = Response(customer_id=row.customer_id, kind="single-issue", period=ref, sequence=seq + 1,
                                created_at=now, subject=info["subject"], items=info["items"],
                                approved_at=now, approved_by=actor)
            session.add(response)
            out = outbox.queue(session, mail, kind="single_issue", now=now, dedupe_key=f"{key}:alone:{ref}",
                               related={"customer": row.customer_id, "issues": [ref]})
            sep = Draft(customer=row.customer_id, kind="single-issue", period=ref, to=[info["to"]], cc=[],
                        subject=info["subject"],
                        items=[Item(i["ref"], i["state"], i["text"], i.get("title", ""), None,
                                    i.get("statutory_kind")) for i in info["items"]],
                        in_reply_to=None, answers=[session.get(Answer, a) for a in info["answer_ids"]],
                        issues=[session.get(Issue, i) for i in info["issue_ids"]])
            _commit_sent(session, sep, response, out, now, actor, config)
        else:
            outbox.queue(session, mail, kind="copy", now=now, dedupe_key=f"{key}:copy:{n}",
                         related={"customer": None, "copy_for": row.customer_id, "issues": info.get("refs", [])})


def _draft_from_row(session: Session, row) -> Draft:
    """The stored draft, as what was sent: its items, the answers and issues it covers."""
    items = [Item(i["ref"], i["state"], i["text"], i.get("title", ""), None, i.get("statutory_kind"))
             for i in row.items]
    return Draft(customer=row.customer_id, kind=row.kind, period=row.period, to=row.to_addrs, cc=row.cc_addrs,
                 subject=row.subject, items=items, in_reply_to=None, body_text=row.body_text,
                 answers=[session.get(Answer, a) for a in row.answer_ids],
                 issues=[session.get(Issue, i) for i in row.issue_ids], held_back=list(row.held_back))


def _sent_for(session: Session, customer_id: str, period: str) -> Response | None:
    return session.scalars(select(Response).where(Response.customer_id == customer_id, Response.kind == "weekly",
                                                  Response.period == period, Response.status == "queued")
                           .order_by(Response.sequence.desc())).first()


def _refuse_if_sent(session: Session, customer_id: str, period: str, again: bool) -> Response | None:
    sent = _sent_for(session, customer_id, period)
    if sent is not None and not again:
        raise AlreadySent(f"the weekly response for {customer_id} for {period} was sent at "
                          f"{sent.queued_at.isoformat()} ({sent.message_id}); nothing was sent to the customer. "
                          f"Use --again to send a deliberate second response")
    return sent


def _response_row(session: Session, customer_id: str, period: str, sent: Response | None, now: datetime) -> Response:
    sequence = (sent.sequence + 1) if sent else 1
    response = session.scalar(select(Response).where(Response.customer_id == customer_id, Response.kind == "weekly",
                                                     Response.period == period, Response.sequence == sequence))
    if response is None:
        response = Response(customer_id=customer_id, kind="weekly", period=period, sequence=sequence,
                            created_at=now)
        session.add(response)
    return response


def send_weekly(session: Session, customer_id: str, config: Config, calendar: WorkingCalendar, now: datetime, *,
                approve: bool, actor: str = "spoc", again: bool = False, period: str | None = None,
                draft_id: str | None = None) -> dict:
    """Approved: send exactly the latest draft the SPOC was shown (or the one named), compiling one only where
    none exists. Not approved: compile and store a draft and mail it to the SPOC (or send it, for auto-send)."""
    lock_customer(session, customer_id)  # a second approval at the same moment waits, then finds it sent
    if session.get(Customer, customer_id) is None:
        raise NotFound(f"no customer {customer_id!r} in the register; `spocmail register show` lists them")
    arr = session.scalar(select(Arrangement).where(Arrangement.customer_id == customer_id))
    row = None
    if approve:
        row = drafts.find(session, customer_id, draft_id) if draft_id else drafts.latest(session, customer_id, "weekly")
        if row is not None:
            if row.status == "sent" or row.sent_outbox_id is not None:
                raise AlreadySent(f"draft {row.ident} for {customer_id} was sent already; nothing was sent again")
            drafts.check_sendable(session, row)
            sent = _refuse_if_sent(session, customer_id, row.period, again)
    if row is None:
        draft = compile_weekly(session, customer_id, config, calendar, now, period)
        sent = _refuse_if_sent(session, customer_id, draft.period, again)
        if not draft.items and config.weekly.empty_week == "skip":
            response = _response_row(session, customer_id, draft.period, sent, now)
            response.subject, response.items, response.status = draft.subject, [], "cancelled"
            return {"customer": customer_id, "period": draft.period, "status": "nothing to say (skipped)"}
        row = _store_draft(session, draft, config, now)
    response = _response_row(session, customer_id, row.period, sent, now)
    response.subject, response.items = row.subject, list(row.items)
    if not row.items and config.weekly.empty_week == "skip":
        response.status = "cancelled"
        return {"customer": customer_id, "period": row.period, "status": "nothing to say (skipped)"}
    if not (approve or arr.auto_send):
        response.status = "awaiting-approval"
        customer = session.get(Customer, customer_id)
        preview = drafts.draft_mail(row, sender=f"{config.spoc.name} <{config.spoc.address}>",
                                    to=f"{config.spoc.name} <{config.spoc.address}>", customer_name=customer.name,
                                    compiled_local=row.compiled_at.astimezone(config.tz))
        out = outbox.queue(session, preview, kind="draft", now=now, dedupe_key=f"draft:{customer_id}:{row.ident}",
                           related={"customer": None, "draft_for": customer_id, "period": row.period,
                                    "draft_ident": row.ident})
        response.draft_outbox_id = row.draft_outbox_id = out.id
        audit.record(session, at=now, actor="spocmail", action="response.weekly.draft", subject_type="customer",
                     subject_id=customer_id, period=row.period, spoc=arr.spoc_id, draft=row.ident)
        return {"customer": customer_id, "period": row.period, "status": "awaiting approval",
                "items": len(row.items), "draft": row.ident}
    by = actor if approve else "auto-send"
    response.approved_at, response.approved_by = now, by
    row.approved_at, row.approved_by = now, by
    out = outbox.queue(session, drafts.customer_mail(row), kind="weekly", now=now,
                       dedupe_key=f"weekly:{customer_id}:{row.period}:{response.sequence}",
                       related={"customer": customer_id, "issues": [i["ref"] for i in row.items],
                                "draft_ident": row.ident})
    row.status, row.sent_outbox_id = "sent", out.id
    _commit_sent(session, _draft_from_row(session, row), response, out, now, actor, config)
    _send_stored_extras(session, row, config, now, actor, f"weekly:{customer_id}:{row.period}:{response.sequence}")
    return {"customer": customer_id, "period": row.period, "status": "queued", "message_id": out.message_id,
            "items": len(row.items), "draft": row.ident}


def send_single(session: Session, issue: Issue, config: Config, now: datetime, actor: str = "spocmail") -> dict:
    """Send one issue's approved answer on its own (at most once per issue)."""
    existing = session.scalars(select(Response).where(Response.kind == "single-issue", Response.period == issue.ref,
                                                      Response.status == "queued")).first()
    if existing is not None:
        return {"issue": issue.ref, "status": "already sent", "message_id": existing.message_id}
    draft = compile_single(session, issue, config, now)
    response = Response(customer_id=issue.customer_id, kind="single-issue", period=issue.ref, sequence=1,
                        created_at=now, subject=draft.subject, items=[i.to_json() for i in draft.items],
                        approved_at=now, approved_by=actor)
    session.add(response)
    row = outbox.queue(session, to_mail(draft, config), kind="single_issue", now=now, dedupe_key=f"single:{issue.ref}",
                       related={"customer": issue.customer_id, "issues": [issue.ref]})
    _commit_sent(session, draft, response, row, now, actor, config)
    _send_extras(session, draft, config, now, actor, f"single:{issue.ref}")
    return {"issue": issue.ref, "status": "queued", "message_id": row.message_id}


def _extra_mails(draft: Draft, config: Config) -> list[EmailMessage]:
    """The mails sent with DRAFT besides the customer's: answers on their own, then the copies."""
    out = [to_mail(sep, config) for sep in draft.separate]
    for c in draft.copies:
        msg = EmailMessage()
        msg["From"] = mail_headers.address(config.spoc.name, config.spoc.address)
        msg["To"] = mail_headers.addresses(c.to)
        msg["Reply-To"] = mail_headers.address(config.spoc.name, config.spoc.address)
        msg["Subject"] = mail_headers.clean(c.subject)
        msg["X-Spocmail-Issues"] = ", ".join(c.refs)
        msg.set_content(c.body_text)
        msg.add_alternative(c.body_html, subtype="html")
        out.append(msg)
    return out


def _send_extras(session: Session, draft: Draft, config: Config, now: datetime, actor: str, key: str) -> None:
    """Queue, with the approved response, its answers sent on their own and the copies for information."""
    for sep in draft.separate:
        issue = sep.issues[0]
        n = len(session.scalars(select(Response).where(Response.kind == "single-issue",
                                                       Response.period == issue.ref)).all())
        response = Response(customer_id=sep.customer, kind="single-issue", period=issue.ref, sequence=n + 1,
                            created_at=now, subject=sep.subject, items=[i.to_json() for i in sep.items],
                            approved_at=now, approved_by=actor)
        session.add(response)
        row = outbox.queue(session, to_mail(sep, config), kind="single_issue", now=now,
                           dedupe_key=f"{key}:alone:{issue.ref}", related={"customer": sep.customer,
                                                                            "issues": [issue.ref]})
        _commit_sent(session, sep, response, row, now, actor, config)
        _send_extras(session, sep, config, now, actor, f"{key}:alone:{issue.ref}")
    for n, (c, msg) in enumerate(zip(draft.copies, _extra_mails(draft, config)[len(draft.separate):]), 1):
        outbox.queue(session, msg, kind="copy", now=now, dedupe_key=f"{key}:copy:{n}",
                     related={"customer": None, "copy_for": draft.customer, "issues": c.refs})


def approve_by_reply(session: Session, parsed, config: Config, calendar: WorkingCalendar, now: datetime) -> dict | None:
    """A reply to a draft mail, from the SPOC's or deputy's own address, whose first line is exactly
    "Approve" (or Approved, Send) sends that draft and nothing newer; any other reply is kept as a comment."""
    thread = [m for m in [parsed.in_reply_to, *parsed.references] if m]
    if not thread:
        return None
    from spocmail.db.outbox import OutboxMail

    row = session.scalars(select(OutboxMail).where(OutboxMail.message_id.in_(thread), OutboxMail.kind == "draft")
                          .order_by(OutboxMail.id.desc())).first()
    if row is None:
        return None
    related = row.related or {}
    customer_id = related.get("draft_for")
    arr = session.scalar(select(Arrangement).where(Arrangement.customer_id == customer_id))
    allowed = {session.get(Officer, arr.spoc_id).email.lower()} | ({session.get(Officer, arr.deputy_id).email.lower()}
                                                                  if arr.deputy_id else set())
    sender = (parsed.from_.email or "").lower()
    if sender not in allowed or parsed.auto_reply:
        return {"status": "not an approval", "sender": sender, "draft_for": customer_id}
    ident = related.get("draft_ident")
    if not ident:
        return {"status": "not an approval (a draft from before drafts had an identity)", "draft_for": customer_id}
    try:
        draft_row = drafts.find(session, customer_id, ident)
    except NotFound:
        return {"status": "not an approval (no such draft on record)", "draft": ident}
    text = parsed.reply_text or ""
    if not drafts.is_approval(text):
        drafts.add_comment(draft_row, sender, text, now)
        audit.record(session, at=now, actor=sender, action="response.weekly.draft_comment", subject_type="customer",
                     subject_id=customer_id, draft=ident, text=text.strip()[:2000])
        return {"status": "comment (not an approval; nothing sent)", "draft": ident, "draft_for": customer_id}
    try:
        return send_weekly(session, customer_id, config, calendar, now, approve=True, actor=sender, draft_id=ident)
    except AlreadySent as exc:
        return {"status": "already sent", "detail": str(exc), "draft": ident}
    except drafts.DraftError as exc:
        audit.record(session, at=now, actor=sender, action="response.weekly.approval_refused",
                     subject_type="customer", subject_id=customer_id, draft=ident, reason=str(exc))
        notify_spoc(session, customer_id, f"Your approval of draft {ident} for {customer_id} sent nothing",
                    [str(exc)], now, key=f"approval-refused:{customer_id}:{ident}:{parsed.message_id}",
                    config=config)
        return {"status": "refused", "detail": str(exc), "draft": ident}


# ------------------------------------------------------------------ acknowledgements


def acknowledge(session: Session, customer_id: str, config: Config, calendar: WorkingCalendar,
                now: datetime) -> dict | None:
    """At most one acknowledgement a day per customer, naming the new references and what happens next."""
    lock_customer(session, customer_id)  # another daemon acknowledging them now waits, then finds it done
    today = now.astimezone(config.tz).date()
    issues = session.scalars(select(Issue).where(Issue.customer_id == customer_id, Issue.acknowledged_at.is_(None),
                                                 Issue.status.in_(LIVE)).order_by(Issue.id)).all()
    if not issues:
        return None
    already = session.scalars(select(Response).where(Response.customer_id == customer_id,
                                                     Response.kind == "acknowledgement",
                                                     Response.period == today.isoformat())).first()
    if already is not None:
        return None  # tomorrow's acknowledgement names these
    customer = session.get(Customer, customer_id)
    arr = customer.arrangement
    send_at = next_weekly_send(arr, now, calendar, config.tz)
    text, html = templating.render("acknowledgement", customer=customer, issues=issues, send_at=send_at,
                                   council=config.council.name, spoc_name=config.spoc.name,
                                   kind_names=KIND_NAMES, sig=letters.signature(config, customer),
                                   date_lines={i.ref: disclosure.date_line(i, today, calendar) for i in issues},
                                   late_any=any(disclosure.late(i, today, calendar) for i in issues))
    msg = EmailMessage()
    msg["From"] = mail_headers.address(config.spoc.name, config.spoc.address)
    msg["To"] = mail_headers.addresses([customer_address(session, customer)])
    msg["Subject"] = f"{config.council.name}: we have received your mail ({', '.join(i.ref for i in issues)})"
    in_reply_to, thread = letters.thread(session, issues, customer)
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = " ".join(thread)
    msg["Auto-Submitted"] = "auto-replied"  # RFC 3834: automatic, so no auto-reply comes back
    msg["X-Auto-Response-Suppress"] = "All"
    msg["Precedence"] = "auto_reply"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    row = outbox.queue(session, msg, kind="acknowledgement", now=now, dedupe_key=f"ack:{customer_id}:{today}",
                       related={"customer": customer_id, "issues": [i.ref for i in issues]})
    session.add(Response(customer_id=customer_id, kind="acknowledgement", period=today.isoformat(), sequence=1,
                         status="queued", subject=str(msg["Subject"]), items=[{"ref": i.ref} for i in issues],
                         message_id=row.message_id, outbox_id=row.id, created_at=now, queued_at=now))
    for i in issues:
        i.acknowledged_at = now
        session.add(IssueMessage(issue_id=i.id, message_pk=row.record_pk, role="acknowledgement", added_at=now))
    return {"customer": customer_id, "issues": [i.ref for i in issues]}


def weekly_preview(session: Session, customer_id: str, config: Config, calendar: WorkingCalendar,
                   now: datetime) -> dict:
    """The response as it would be sent now, kept as the draft the SPOC was shown (`draft` is its identity)."""
    draft = compile_weekly(session, customer_id, config, calendar, now)
    row = _store_draft(session, draft, config, now)
    return {**draft.to_json(), "draft": row.ident, "draft_version": row.version, "content_hash": row.content_hash}


def due_single_issue(session: Session, config: Config, calendar: WorkingCalendar, now: datetime,
                     margin_days: int) -> list[Issue]:
    """Statutory issues with an approved answer that the next weekly send would deliver too late."""
    out = []
    for issue in session.scalars(select(Issue).where(Issue.due.is_not(None), Issue.status.in_(LIVE))):
        if not _unsent_approved(issue):
            continue
        arr = session.scalar(select(Arrangement).where(Arrangement.customer_id == issue.customer_id))
        next_send = next_weekly_send(arr, now - timedelta(seconds=1), calendar, config.tz).date()
        latest = calendar.add_working_days(issue.due, -margin_days)
        if next_send > latest:
            out.append(issue)
    return out


def acknowledge_new(config: Config, db, clock) -> int:
    """Acknowledge every customer's new issues (at most once a day each); returns how many were sent."""
    calendar = WorkingCalendar(config.council.holidays)
    with db.session() as session:
        customers = sorted(set(session.scalars(select(Issue.customer_id).where(Issue.acknowledged_at.is_(None),
                                                                              Issue.status.in_(LIVE)))))
    n = 0
    for customer_id in customers:
        try:
            with db.session() as session:
                n += acknowledge(session, customer_id, config, calendar, clock.now()) is not None
        except Exception as exc:  # one customer's acknowledgement must not stop intake for everyone
            log.error("acknowledgement failed: %s", exc, exc_info=True,
                      extra={"event": "respond.ack_failed", "customer": customer_id})
    return n
