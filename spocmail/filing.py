"""Mail becomes issues: references, received dates, repeats, classification; split, merge and the SPOC's edits."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from spocmail import logs
from spocmail.db import audit
from spocmail.db.issues import CATEGORIES, Issue, IssueMessage, RefCounter
from spocmail.db.mail import Message
from spocmail.db.register import Customer
from spocmail.deadlines import WorkingCalendar, due_date, receipt_date
from spocmail.errors import NotFound, SpocmailError
from spocmail.mail import ParsedMail
from spocmail.rules import ClassifyRules, classify, split_requests

log = logs.get("filing")
OPEN_STATUSES = ("open", "awaiting", "answered", "approved")
DEADLINE_KIND = {"foi": "foi", "eir": "eir", "sar": "sar", "complaint": "complaint"}


class FilingError(SpocmailError):
    exit_code = 2


@dataclass(frozen=True)
class CustomerWords:
    """What the customer actually wrote in this mail, and when the council first received it."""

    text: str
    subject: str
    received_at: datetime
    via: str  # "direct" or "forwarded by <sender>"


def normalise(text: str) -> str:
    text = re.sub(r"[^\w\s]", " ", text.lower())
    return " ".join(text.split())


def content_hash(text: str) -> str:
    return hashlib.sha256(normalise(text).encode()).hexdigest()


def customer_words(message: Message, parsed: ParsedMail, customer_addresses: set[str],
                   now: datetime | None = None) -> CustomerWords:
    """For a forward, the original's words and date (statutory clocks start when the council first got it)."""
    arrived = message.internaldate or message.date_header or message.stored_at
    if now is not None and arrived > now:  # a replay with --now: nothing arrives after "now"
        arrived = now
    if parsed.forwarded:
        # the customer's own mail is the innermost forward from them; else the innermost of all
        chosen = next((f for f in reversed(parsed.forwarded)
                       if f.from_.email and f.from_.email.lower() in customer_addresses), parsed.forwarded[-1])
        when = chosen.date if chosen.date is not None and chosen.date <= arrived else arrived
        return CustomerWords(text=(chosen.body or "").strip(), subject=chosen.subject or parsed.subject or "",
                             received_at=when, via=f"forwarded by {message.from_email}")
    text = (parsed.reply_text or parsed.body_text or "").strip()
    return CustomerWords(text=text, subject=parsed.subject or "", received_at=arrived, via="direct")


def next_ref(session: Session, year: int) -> str:
    """Allocate the next reference for the year with one atomic UPDATE (safe with several daemons)."""
    for _ in range(3):
        hit = session.execute(update(RefCounter).where(RefCounter.year == year)
                              .values(last=RefCounter.last + 1)).rowcount
        if hit:
            number = session.scalar(select(RefCounter.last).where(RefCounter.year == year))
            return f"SPOC-{year}-{number:04d}"
        try:
            with session.begin_nested():
                session.add(RefCounter(year=year, last=0))
        except Exception:  # another process created the year's row first: use theirs
            continue
    raise SpocmailError(f"could not allocate a reference for {year}")


def compute_due(kind: str | None, received_on: date, calendar: WorkingCalendar, pauses=(),
                extended: bool = False) -> date | None:
    if kind is None:
        return None
    if extended and kind in ("eir", "sar"):
        kind = f"{kind}-extended"
    return due_date(kind, received_on, calendar, pauses=[tuple(date.fromisoformat(d) for d in p) for p in pauses]).due


@dataclass
class FiledResult:
    new: list[Issue]
    repeats: list[Issue]
    no_response: bool = False


def file_message(session: Session, message: Message, parsed: ParsedMail, customer_id: str,
                 customer_addresses: set[str], rules: ClassifyRules, calendar: WorkingCalendar, now: datetime,
                 tz: str = "Europe/London") -> FiledResult:
    """Turn one customer contact into issues (one per request it makes), or join it to the issue it repeats."""
    words = customer_words(message, parsed, customer_addresses, now)
    result = FiledResult(new=[], repeats=[])
    if parsed.auto_reply:
        result.no_response = True
        return result
    parts = split_requests(words.text) if words.text else []
    if not parts:
        parts = [words.text or words.subject]
    received_on = receipt_date(words.received_at, tz)
    for part in parts:
        digest = content_hash(part)
        repeat = session.scalar(select(Issue).where(Issue.customer_id == customer_id, Issue.content_hash == digest,
                                                    Issue.status.in_(OPEN_STATUSES)).order_by(Issue.id))
        if repeat is not None:
            _link(session, repeat, message, "repeat", now)
            repeat.contacts += 1
            repeat.updated_at = now
            if words.received_at < repeat.received_at:  # an earlier copy turned up: the clock started then
                repeat.received_at = words.received_at
                repeat.received_on = receipt_date(words.received_at, tz)
                repeat.due = compute_due(repeat.statutory_kind, repeat.received_on, calendar, repeat.pauses,
                                         repeat.extended)
            result.repeats.append(repeat)
            log.info("repeat joins its issue", extra={"event": "filing.repeat", "issue": repeat.ref,
                                                       "mail": message.id})
            continue
        c = classify(words.subject, part, rules, auto_reply=parsed.auto_reply)
        if c.category == "no-response":
            result.no_response = True
            continue
        issue = Issue(ref=next_ref(session, received_on.year), customer_id=customer_id,
                      title=_title(words.subject, part), request_text=part, content_hash=digest,
                      category=c.category, category_rule=c.rule, category_evidence=c.evidence or "",
                      statutory_kind=c.statutory_kind, received_at=words.received_at.astimezone(timezone.utc),
                      received_on=received_on, status="open", created_at=now, updated_at=now)
        issue.due = compute_due(issue.statutory_kind, received_on, calendar)
        session.add(issue)
        session.flush()
        _link(session, issue, message, "origin", now)
        audit.record(session, at=now, actor="spocmail", action="issue.filed", subject_type="issue",
                     subject_id=issue.ref, mail=message.id, category=c.category, rule=c.rule, via=words.via,
                     received_on=received_on.isoformat())
        log.info("issue filed", extra={"event": "filing.filed", "issue": issue.ref, "mail": message.id,
                                       "category": c.category, "rule": c.rule,
                                       "due": issue.due.isoformat() if issue.due else None})
        result.new.append(issue)
    return result


def _title(subject: str, text: str) -> str:
    subject = re.sub(r"^\s*((re|fw|fwd|aw|wg|tr|rv|sv)\s*:\s*)+", "", subject or "", flags=re.I).strip()
    first = " ".join(text.split())[:120]
    return f"{subject}: {first}" if subject and first and normalise(subject) not in normalise(first) else (
        first or subject or "(no text)")


def _link(session: Session, issue: Issue, message: Message, role: str, now: datetime) -> None:
    exists = session.scalar(select(IssueMessage.id).where(IssueMessage.issue_id == issue.id,
                                                          IssueMessage.message_pk == message.id,
                                                          IssueMessage.role == role))
    if exists is None:
        session.add(IssueMessage(issue_id=issue.id, message_pk=message.id, role=role, added_at=now))


# ------------------------------------------------------------------ the SPOC's edits


def get_issue(session: Session, ref: str) -> Issue:
    issue = session.scalar(select(Issue).where(Issue.ref == ref.upper()))
    if issue is None:
        raise FilingError(f"no issue {ref!r}; `spocmail issues list` shows the references")
    return issue


def recategorise(session: Session, issue: Issue, category: str, *, actor: str, now: datetime,
                 calendar: WorkingCalendar, statutory_kind: str | None = "auto") -> None:
    if category not in CATEGORIES:
        raise FilingError(f"category {category!r}: expected one of {', '.join(CATEGORIES)}")
    before = issue.category
    issue.category, issue.category_rule, issue.category_by = category, "override", actor
    issue.statutory_kind = DEADLINE_KIND.get(category) if statutory_kind == "auto" else statutory_kind
    issue.due = compute_due(issue.statutory_kind, issue.received_on, calendar, issue.pauses, issue.extended)
    issue.updated_at = now
    audit.record(session, at=now, actor=actor, action="issue.recategorised", subject_type="issue",
                 subject_id=issue.ref, before=before, after=category)


def close(session: Session, issue: Issue, reason: str, *, actor: str, now: datetime) -> None:
    if issue.status in ("closed", "merged"):
        raise FilingError(f"{issue.ref} is already {issue.status}")
    before = issue.status
    issue.status, issue.closed_reason, issue.updated_at = "closed", reason, now
    audit.record(session, at=now, actor=actor, action="issue.closed", subject_type="issue", subject_id=issue.ref,
                 before=before, reason=reason)


def merge(session: Session, keep: Issue, other: Issue, *, actor: str, now: datetime) -> None:
    """Fold `other` into `keep`: its mail and contacts move; the earlier receipt date wins."""
    if keep.id == other.id or keep.customer_id != other.customer_id:
        raise FilingError("merge needs two different issues of the same customer")
    if other.status == "merged":
        raise FilingError(f"{other.ref} is already merged")
    for link in list(other.links):
        _link(session, keep, session.get(Message, link.message_pk), link.role if link.role != "origin" else "repeat",
              now)
    keep.contacts += other.contacts
    if other.received_at < keep.received_at:
        keep.received_at, keep.received_on = other.received_at, other.received_on
        keep.due = other.due if keep.statutory_kind == other.statutory_kind else keep.due
    other.status, other.merged_into_id, other.updated_at = "merged", keep.id, now
    keep.updated_at = now
    audit.record(session, at=now, actor=actor, action="issue.merged", subject_type="issue", subject_id=other.ref,
                 into=keep.ref)


def split(session: Session, issue: Issue, parts: list[str], *, actor: str, now: datetime,
          rules: ClassifyRules, calendar: WorkingCalendar) -> list[Issue]:
    """The SPOC splits one issue into several: the first part stays, each other part becomes a new issue."""
    parts = [p.strip() for p in parts if p.strip()]
    if len(parts) < 2:
        raise FilingError("split needs at least two parts (repeat --part TEXT)")
    origin = next((link.message_pk for link in issue.links if link.role == "origin"), None)
    issue.request_text, issue.content_hash = parts[0], content_hash(parts[0])
    issue.title = _title("", parts[0])
    issue.updated_at = now
    created = []
    for part in parts[1:]:
        c = classify(issue.title, part, rules)
        new = Issue(ref=next_ref(session, issue.received_on.year), customer_id=issue.customer_id,
                    title=_title("", part), request_text=part, content_hash=content_hash(part),
                    category=c.category, category_rule=c.rule, category_evidence=c.evidence or "",
                    statutory_kind=c.statutory_kind, received_at=issue.received_at, received_on=issue.received_on,
                    status="open", created_at=now, updated_at=now)
        new.due = compute_due(new.statutory_kind, new.received_on, calendar)
        session.add(new)
        session.flush()
        if origin is not None:
            _link(session, new, session.get(Message, origin), "origin", now)
        created.append(new)
    audit.record(session, at=now, actor=actor, action="issue.split", subject_type="issue", subject_id=issue.ref,
                 into=[n.ref for n in created])
    return created


# ------------------------------------------------------------------ what the CLI shows


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def issue_json(issue: Issue) -> dict:
    return {"ref": issue.ref, "customer": issue.customer_id, "title": issue.title, "category": issue.category,
            "category_rule": issue.category_rule, "statutory_kind": issue.statutory_kind,
            "received_at": _iso(issue.received_at), "received_on": _iso(issue.received_on), "due": _iso(issue.due),
            "status": issue.status, "officer": issue.officer_id, "contacts": issue.contacts,
            "merged_into": None}


def list_issues(session: Session, customer: str | None = None, status: str | None = None) -> list[dict]:
    q = select(Issue).order_by(Issue.id)
    if customer and session.get(Customer, customer) is None:  # a mistyped id is not "no issues"
        raise NotFound(f"no customer {customer!r} in the register; `spocmail register show` lists them")
    if customer:
        q = q.where(Issue.customer_id == customer)
    if status:
        q = q.where(Issue.status == status)
    rows = session.scalars(q).all()
    refs = {i.id: i.ref for i in rows}
    out = []
    for i in rows:
        doc = issue_json(i)
        if i.merged_into_id:
            doc["merged_into"] = refs.get(i.merged_into_id) or session.get(Issue, i.merged_into_id).ref
        out.append(doc)
    return out


def show_issue(session: Session, ref: str) -> dict:
    issue = get_issue(session, ref)
    doc = issue_json(issue)
    doc.update({
        "request_text": issue.request_text, "category_evidence": issue.category_evidence,
        "category_by": issue.category_by, "routing_reason": issue.routing_reason, "pauses": issue.pauses,
        "extended": issue.extended, "closed_reason": issue.closed_reason,
        "messages": [{"message": link.message_pk, "role": link.role, "added_at": _iso(link.added_at),
                      "from": session.get(Message, link.message_pk).from_email,
                      "subject": session.get(Message, link.message_pk).subject} for link in issue.links],
        "requests": [{"officer": r.officer_id, "covering_for": r.covering_for, "needed_by": _iso(r.needed_by),
                      "status": r.status, "sent_at": _iso(r.sent_at), "message_id": r.message_id}
                     for r in issue.requests],
        "answers": [{"id": a.id, "officer": a.officer_id, "text": a.final_text, "original_text": a.text,
                     "edited": a.edited_text is not None, "received_at": _iso(a.received_at),
                     "approved_at": _iso(a.approved_at), "approved_by": a.approved_by,
                     "attachments": a.attachments, "sent": a.sent_in is not None} for a in issue.answers],
        "responses": [{"message": link.message_pk, "added_at": _iso(link.added_at)}
                      for link in issue.links if link.role in ("response", "single-issue")],
    })
    return doc
