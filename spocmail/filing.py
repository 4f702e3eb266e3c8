"""Mail becomes issues: references, received dates, repeats, follow-ups, classification; the SPOC's edits."""

from __future__ import annotations

import importlib

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from spocmail import issuelist, resources
from spocmail import logs
from spocmail.db import audit
from spocmail.db.memo import memo
from spocmail.db.issues import CATEGORIES, Issue, IssueMessage, IssueNote, RefCounter
from spocmail.db.mail import Message
from spocmail.db.register import Customer
from spocmail.errors import ConfigError, SpocmailError
from spocmail.issuelist import _iso, issue_json

if TYPE_CHECKING:  # annotations only: `issues list` and the other read commands need none of these
    from spocmail.deadlines import WorkingCalendar
    from spocmail.mail import ParsedMail
    from spocmail.rules import ClassifyRules


# Filing, splitting, classifying and deadline arithmetic are imported on first use, not when the module
# loads: the read commands (`issues list`, `issues show`) start without the mail parser or the rules code.
def _lazy(module: str, name: str):
    """A stand-in for `module.name` that imports the module on its first call."""
    def call(*a, **k):
        return getattr(importlib.import_module(module), name)(*a, **k)
    call.__name__ = name
    return call


due_date = _lazy("spocmail.deadlines", "due_date")
receipt_date = _lazy("spocmail.deadlines", "receipt_date")
_read = _lazy("spocmail.rules", "_read")
classify = _lazy("spocmail.rules", "classify")
phrase_regex = _lazy("spocmail.rules", "phrase_regex")
phrase_in = _lazy("spocmail.rules", "phrase_in")
clean_subject = _lazy("spocmail.split", "clean_subject")
shorten = _lazy("spocmail.split", "shorten")
split_mail = _lazy("spocmail.split", "split_mail")
title_of = _lazy("spocmail.split", "title_of")


def _token_tag():
    from spocmail.split import TOKEN_TAG
    return TOKEN_TAG

log = logs.get("filing")
OPEN_STATUSES = ("open", "awaiting", "answered", "approved")
DEADLINE_KIND = {"foi": "foi", "eir": "eir", "sar": "sar", "complaint": "complaint"}
CLARIFIABLE = ("foi", "eir", "sar")  # the statutory requests whose clock a clarification stops and restarts
EXTENSIONS = {"eir-extended": "eir", "sar-extended": "sar"}  # the lawful extensions, by the kind they extend
FILED_ROLES = ("origin", "repeat", "followup")  # a mail linked so is the customer's contact, filed
_REF = re.compile(r"\bSPOC-\d{4}-\d{3,6}\b", re.I)


class FilingError(SpocmailError):
    exit_code = 2


@dataclass(frozen=True)
class CustomerWords:
    """What the customer actually wrote in this mail, and when the council first received it."""

    text: str
    subject: str
    received_at: datetime
    via: str  # "direct" or "forwarded by <sender>"
    claimed_at: datetime | None = None  # a date the mail claims for its original, not believed (see below)


_NOT_WORD_OR_SPACE = re.compile(r"[^\w\s]")
# ASCII: what _NOT_WORD_OR_SPACE replaces (neither a word character nor white space), made a space by a
# byte table; the white space is cut by split() either way, so the words are the same.
_ASCII_PUNCTUATION = bytes(c if chr(c).isalnum() or c == 0x5F or chr(c).isspace() else 0x20
                           for c in range(128)) + bytes(range(128, 256))


def normalise(text: str) -> str:
    text = text.lower()
    if text.isascii():
        return " ".join(text.encode("ascii").translate(_ASCII_PUNCTUATION).decode("ascii").split())
    return " ".join(_NOT_WORD_OR_SPACE.sub(" ", text).split())


def content_hash(text: str) -> str:
    return hashlib.sha256(normalise(text).encode()).hexdigest()


class PreparedWords:
    """Splitting, hashing and classifying a mail's candidate words, done ahead by the parse-ahead helper
    (spocmail/parseahead.py) with the same rules; filing asks here first and computes what is not here.

    Kept by the exact words asked about (and the subject and automatic-reply mark classification reads),
    with the identity of the rules in force, so nothing is ever taken for other words or other rules."""

    def __init__(self, rules: "ClassifyRules") -> None:
        self.rules_key = _rules_key(rules)
        self.parts: dict[str, list] = {}
        self.hashes: dict[str, str] = {}
        self.classified: dict[tuple[str, str, bool], object] = {}
        self.titles: dict[tuple[str, str], str] = {}  # (core, lead-in) of a request -> its title

    @classmethod
    def of(cls, parsed: "ParsedMail", rules: "ClassifyRules") -> "PreparedWords":
        """The words filing may take as the customer's: the mail's own, or any of the forwards inside it."""
        prep = cls(rules)
        if parsed.auto_reply:
            return prep  # filed as no response, unread
        candidates = [(parsed.subject or "", (parsed.reply_text or parsed.body_text or "").strip())]
        candidates += [(f.subject or parsed.subject or "", (f.body or "").strip()) for f in parsed.forwarded]
        for subject, text in candidates:
            parts = prep.parts[text] = split_mail(text) if text else []
            for p in parts:
                prep.titles[(p.core, p.lead_in)] = p.title
            for words in [p.text for p in parts] + [text or clean_subject(subject)]:
                prep.hashes[words] = content_hash(words)
                prep.classified[(subject, words, False)] = classify(subject, words, rules)
        return prep

    def usable(self, rules: "ClassifyRules") -> bool:
        return self.rules_key == _rules_key(rules)


def _rules_key(rules) -> tuple[int, int]:
    """Which rules objects are in force: the parse-ahead helper is a fork of this process, so the same."""
    from spocmail.split import load_split

    return id(rules), id(load_split())


class _Words:
    """What filing computes from the customer's words, taken from PreparedWords where it has them."""

    def __init__(self, prepared: PreparedWords | None, rules: "ClassifyRules") -> None:
        self.prep = prepared if prepared is not None and prepared.usable(rules) else None
        self.rules = rules

    def split(self, text: str) -> list:
        if self.prep is not None and text in self.prep.parts:
            return self.prep.parts[text]
        return split_mail(text) if text else []

    def hash(self, text: str) -> str:
        if self.prep is not None and text in self.prep.hashes:
            return self.prep.hashes[text]
        return content_hash(text)

    def classify(self, subject: str, text: str, auto_reply: bool):
        if self.prep is not None and (subject, text, auto_reply) in self.prep.classified:
            return self.prep.classified[(subject, text, auto_reply)]
        return classify(subject, text, self.rules, auto_reply=auto_reply)

    def title(self, part) -> str:
        if self.prep is not None and (part.core, part.lead_in) in self.prep.titles:
            return self.prep.titles[(part.core, part.lead_in)]
        return part.title


def _may_date_a_forward(message: Message, customer_addresses: set[str]) -> bool:
    sender = (message.from_email or "").lower()
    return sender not in customer_addresses and message.sender_role in ("officer", "member")


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
        claimed = None
        if not _may_date_a_forward(message, customer_addresses) and when != arrived:
            # a customer's own "forward" (anyone can type a Forwarded block with an old Date) is received
            # when it arrives: only an officer's or member's forward says when the council first had it
            claimed, when = when, arrived
        return CustomerWords(text=(chosen.body or "").strip(), subject=chosen.subject or parsed.subject or "",
                             received_at=when, via=f"forwarded by {message.from_email}", claimed_at=claimed)
    text = (parsed.reply_text or parsed.body_text or "").strip()
    return CustomerWords(text=text, subject=parsed.subject or "", received_at=arrived, via="direct")


def lock_customer(session: Session, customer_id: str) -> None:
    """Serialise work on one customer's record across processes until this transaction ends (PostgreSQL
    row lock; SQLite already lets one writer at a time): two daemons filing the same request at once,
    or approving the same draft, would otherwise each see the other's work as not yet there."""
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite has no row locks (FOR UPDATE is not even sent): its one writer at a time is the lock
    held = memo(session, _LOCKED, set)
    if customer_id in held:
        return  # this transaction has it already: a batch takes each customer's lock once, not once a mail
    # FOR NO KEY UPDATE, not FOR UPDATE: it must not block the foreign-key checks (KEY SHARE) of rows that
    # merely name the customer, or a transaction committing its audit entries could deadlock with this one
    session.execute(select(Customer.id).where(Customer.id == customer_id).with_for_update(key_share=True))
    held.add(customer_id)


_LOCKED = "spocmail.filing.locked"  # the customers whose row this transaction has locked (spocmail/db/memo.py)


_COUNTERS = RefCounter.__table__  # Core, not an ORM bulk UPDATE: no RefCounter is held to synchronise
# built once (a statement built per issue was a third of next_ref); the year is bound at each execute
_BUMP = update(_COUNTERS).where(_COUNTERS.c.year == bindparam("ref_year")).values(last=_COUNTERS.c.last + 1)
_BUMP_RETURNING = _BUMP.returning(_COUNTERS.c.last)


def next_ref(session: Session, year: int) -> str:
    """Allocate the next reference for the year with one atomic UPDATE (safe with several daemons)."""
    returning = session.get_bind().dialect.update_returning  # PostgreSQL, SQLite 3.35+: one statement
    with session.no_autoflush:  # the counter is all it reads: what is pending is flushed with the issue
        return _next_ref(session, year, returning)


def _next_ref(session: Session, year: int, returning: bool) -> str:
    for _ in range(3):
        if returning:
            number = session.execute(_BUMP_RETURNING, {"ref_year": year}).scalar()
            if number is not None:
                return f"SPOC-{year}-{number:04d}"
        elif session.execute(_BUMP, {"ref_year": year}).rowcount:
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
    if any(p[1] is None for p in pauses):
        return None  # a clarification was asked for and has not come: the clock is stopped
    if extended and kind in ("eir", "sar"):
        kind = f"{kind}-extended"
    return due_date(kind, received_on, calendar, pauses=[tuple(date.fromisoformat(d) for d in p) for p in pauses]).due


@dataclass
class FiledResult:
    new: list[Issue]
    repeats: list[Issue]
    no_response: bool = False
    too_many: int = 0  # the mail asked more separate things than [limits] max_issues_per_mail: filed as one
    claimed_at: datetime | None = None  # the earlier date the mail claimed for itself, not believed


_FILED_FROM = (select(IssueMessage.__table__.c.issue_id)
               .where(IssueMessage.__table__.c.message_pk == bindparam("pk"),
                      IssueMessage.__table__.c.role.in_(FILED_ROLES)))
_OPEN_WITH_WORDS = (select(Issue.__table__.c.id)  # through ix_issues_hash_customer, see file_message
                    .where(Issue.__table__.c.content_hash == bindparam("digest"),
                           Issue.__table__.c.customer_id == bindparam("customer"),
                           Issue.__table__.c.status.in_(OPEN_STATUSES)))


def file_message(session: Session, message: Message, parsed: ParsedMail, customer_id: str,
                 customer_addresses: set[str], rules: ClassifyRules, calendar: WorkingCalendar, now: datetime,
                 tz: str = "Europe/London", max_issues: int | None = None,
                 prepared: PreparedWords | None = None) -> FiledResult:
    """Turn one customer contact into issues (one per request it makes), or join it to the issue it repeats.

    A mail that asks more than `max_issues` separate things is filed as one issue for the SPOC to split
    (`spocmail issues split`): a thousand officer requests from one mail help nobody.

    Safe to run twice: a request this mail has already been filed into is not filed again.

    `prepared`: the splitting and classifying the parse-ahead helper did for this mail's words, if any; used
    only for the same words under the same rules, so it changes nothing but the time.
    """
    words = customer_words(message, parsed, customer_addresses, now)
    if words.claimed_at is not None:
        audit.record(session, at=now, actor="spocmail", action="received.claimed_date_ignored", subject_type="message",
                     subject_id=str(message.id), customer=customer_id, claimed=words.claimed_at.isoformat(),
                     received=words.received_at.isoformat(), forwarded_by=message.from_email)
        log.warning("a forward's claimed date was not believed: the mail is received when it arrived", extra={
            "event": "filing.claimed_date_ignored", "mail": message.id, "claimed": words.claimed_at.isoformat()})
    result = FiledResult(new=[], repeats=[], claimed_at=words.claimed_at)
    if parsed.auto_reply:
        result.no_response = True
        return result
    work = _Words(prepared, rules)
    parts = work.split(words.text)
    if max_issues is not None and len(parts) > max_issues:
        result.too_many = len(parts)
        log.warning("too many requests in one mail: filed as one issue for the SPOC to split", extra={
            "event": "filing.too_many", "mail": message.id, "requests": len(parts), "limit": max_issues})
        parts = []
    if not parts:
        parts = [None]  # nothing but a subject: the subject is the request
    received_on = receipt_date(words.received_at, tz)
    # The two look-ups below read only what is flushed already: a new issue is flushed as it is made (below),
    # and what the earlier steps left pending (this mail's decision, its sender's role) is no part of either
    # question. So they do not flush it; the new issue's flush writes it, one flush rather than two a mail.
    # They run as Core statements built once, on the session's connection (its transaction): the ORM's
    # statement handling was a quarter of file_message for two one-column look-ups.
    connection = session.connection()
    already = set(connection.execute(_FILED_FROM, {"pk": message.id}).scalars())
    for part in parts:
        text = part.text if part is not None else (words.text or clean_subject(words.subject))
        digest = work.hash(text)
        # Through ix_issues_hash_customer (content hash, customer, status): only this customer's issues with
        # these words are touched, and of those only the one row wanted. Common words ("my bin was missed")
        # are shared by many customers, and one customer may repeat them all year: neither is read in full.
        same = (Issue.content_hash == digest, Issue.customer_id == customer_id)
        if already and session.scalar(select(Issue.id).where(*same, Issue.id.in_(already)).limit(1)) is not None:
            continue  # filed from this mail before (a retry, or the SPOC filing it again)
        # the ids alone, from the index; no ORDER BY, or SQLite walks all the customer's issues in id order
        open_ids = list(connection.execute(_OPEN_WITH_WORDS, {"digest": digest, "customer": customer_id}).scalars())
        repeat = session.get(Issue, min(open_ids)) if open_ids else None
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
        c = work.classify(words.subject, text, parsed.auto_reply)
        if c.category == "no-response":
            result.no_response = True
            continue
        issue = Issue(ref=next_ref(session, received_on.year), customer_id=customer_id,
                      title=issue_title(work.title(part) if part is not None else "", words.subject), request_text=text,
                      content_hash=digest, category=c.category, category_rule=c.rule,
                      category_evidence=c.evidence or "", statutory_kind=c.statutory_kind,
                      received_at=words.received_at.astimezone(timezone.utc), received_on=received_on,
                      status="open", created_at=now, updated_at=now,
                      requests=[])  # new: it has none, so asking for them later reads nothing (and flushes nothing)
        issue.due = compute_due(issue.statutory_kind, received_on, calendar)
        session.add(issue)
        session.flush()
        session.add(IssueMessage(issue_id=issue.id, message_pk=message.id, role="origin", added_at=now))  # new: no link yet
        audit.record(session, at=now, actor="spocmail", action="issue.filed", subject_type="issue",
                     subject_id=issue.ref, mail=message.id, category=c.category, rule=c.rule, via=words.via,
                     received_on=received_on.isoformat())
        log.info("issue filed", extra={"event": "filing.filed", "issue": issue.ref, "mail": message.id,
                                       "category": c.category, "rule": c.rule,
                                       "due": issue.due.isoformat() if issue.due else None})
        result.new.append(issue)
    return result


def issue_title(request_title: str, subject: str = "") -> str:
    """What the issue is called wherever it is shown: the request itself, in the customer's words.

    The mail's subject is used only when the mail has no words of its own, and never with our
    reply tokens: a subject spocmail wrote ("[SPOC-… #token] Please answer by …") is no title.
    """
    if request_title:
        return request_title
    if _token_tag().search(subject or ""):
        return "(no text)"  # a subject spocmail wrote for an officer, with its token: internal, whatever follows
    return shorten(clean_subject(subject)) or "(no text)"


def _link(session: Session, issue: Issue, message: Message, role: str, now: datetime) -> None:
    exists = session.scalar(select(IssueMessage.id).where(IssueMessage.issue_id == issue.id,
                                                          IssueMessage.message_pk == message.id,
                                                          IssueMessage.role == role))
    if exists is None:
        session.add(IssueMessage(issue_id=issue.id, message_pk=message.id, role=role, added_at=now))


# ------------------------------------------------------------------ follow-ups


@dataclass(frozen=True)
class FollowupRules:
    """rules/followups.toml: the words by which a follow-up says it clarifies the request."""

    clarification: tuple[str, ...]
    path: Path


def load_followups(path: str | Path | None = None) -> FollowupRules:
    """Read and check rules/followups.toml (or PATH); a fault raises ConfigError naming the file and the key."""
    return _load_followups(Path(path) if path is not None else resources.rules_file("followups.toml"))


@lru_cache(maxsize=8)
def _load_followups(path: Path) -> FollowupRules:
    data = _read(path, "follow-up rules")
    unknown = sorted(set(data) - {"clarification"})
    if unknown:
        raise ConfigError(f"{path}: {unknown[0]}: unknown key; expected only [clarification]")
    table = data.get("clarification")
    if not isinstance(table, dict) or sorted(table) != ["phrases"]:
        raise ConfigError(f"{path}: [clarification]: expected a table with only phrases = [\"to clarify\", ...]")
    phrases = table["phrases"]
    if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
        raise ConfigError(f"{path}: [clarification] phrases: expected a list of non-empty phrases")
    return FollowupRules(tuple(p.strip() for p in phrases), path)


@dataclass(frozen=True)
class Followup:
    """A customer's mail that continues issues already filed, rather than asking anything new."""

    issues: tuple[Issue, ...]
    reason: str                      # why spocmail takes it as a follow-up, for the SPOC's "why?"
    clarifies: tuple[str, ...] = ()  # refs whose statutory clock this mail restarts
    clarify_reason: str = ""

    @property
    def refs(self) -> list[str]:
        return [i.ref for i in self.issues]


def _kept(session: Session, issue: Issue) -> Issue:
    """The issue a merged one lives on in."""
    seen = set()
    while issue.status == "merged" and issue.merged_into_id and issue.id not in seen:
        seen.add(issue.id)
        issue = session.get(Issue, issue.merged_into_id)
    return issue


def _own_words(parsed: ParsedMail, customer_addresses: set[str]) -> str:
    """The customer's new words in this mail: a reply without its quoted history, or the forwarded original."""
    if parsed.forwarded:
        chosen = next((f for f in reversed(parsed.forwarded)
                       if f.from_.email and f.from_.email.lower() in customer_addresses), parsed.forwarded[-1])
        return chosen.body or ""
    return parsed.reply_text or parsed.body_text or ""


def _refs(text: str) -> set[str]:
    """{r.upper() for r in _REF.findall(text)}: the issue references a text cites, upper-cased.

    Every match holds "spoc-" once the text is lower-cased and its long s (which re.IGNORECASE matches to
    "s") made an "s": a text without it cites none, and the pattern (no literal prefix to search for
    under IGNORECASE, so tried at every character) need not scan it.
    """
    if not text:
        return set()
    folded = text.lower() if text.isascii() else text.replace("\u017f", "s").lower()
    if "spoc-" not in folded:
        return set()
    return {r.upper() for r in _REF.findall(text)}


def clarification_said(rules: FollowupRules, words: str) -> str | None:
    """The first phrase of followups.toml [clarification] the words say (phrase_in: phrase_regex(p).search)."""
    return next((p for p in rules.clarification if phrase_in(p, words)), None)


def find_followup(session: Session, parsed: ParsedMail, customer_id: str, customer_addresses: set[str],
                  rules: FollowupRules | None = None) -> Followup | None:
    """Does this mail of the customer's continue one of their issues? (Reads, never writes.)

    It does when the customer's own words cite an issue reference of theirs ("About SPOC-2027-0004:
    to clarify ..."); when the subject cites exactly one (a reply to an officer request, a single-issue
    response, an acknowledgement of one issue); or when it replies to a mail recorded against exactly
    one of their issues. A reply to a mail about several issues (the weekly response) that cites none
    of them is filed as usual: its new requests become issues, and a repeat joins its issue.
    """
    rules = rules or load_followups()
    words = _own_words(parsed, customer_addresses)

    def issues_for(refs: set[str]) -> list[Issue]:
        found = []
        for ref in sorted(refs):
            issue = session.scalar(select(Issue).where(Issue.ref == ref))
            if issue is not None and issue.customer_id == customer_id:
                found.append(_kept(session, issue))
        return list(dict.fromkeys(found))

    cited = issues_for(_refs(words))
    reason = ""
    if cited:
        reason = f"the customer's words cite {', '.join(i.ref for i in cited)}"
    else:
        in_subject = issues_for(_refs(parsed.subject or ""))
        if len(in_subject) == 1:
            cited, reason = in_subject, f"the subject cites {in_subject[0].ref}"
    if not cited:
        thread = list(dict.fromkeys(m for m in [parsed.in_reply_to, *reversed(parsed.references)] if m))
        recorded: dict[str, list[Issue]] = {}  # one query per 500 ids, not one per id (5,000 References)
        for at in range(0, len(thread), 500):
            for mid, issue in session.execute(
                    select(Message.message_id, Issue).join(IssueMessage, IssueMessage.issue_id == Issue.id)
                    .join(Message, Message.id == IssueMessage.message_pk)
                    .where(Message.message_id.in_(thread[at:at + 500]), Issue.customer_id == customer_id)):
                recorded.setdefault(mid, []).append(issue)
        for mid in thread:  # the mail replied to first, then its ancestors, newest first
            linked = list(dict.fromkeys(_kept(session, i) for i in recorded.get(mid, [])))
            if not linked:
                continue
            if len(linked) == 1:
                cited, reason = linked, f"it replies to {mid}, recorded against {linked[0].ref}"
                break
            if linked:
                break  # a mail about several issues: which one this continues is not for spocmail to guess
    if not cited:
        return None
    clarifies, why = [], ""
    said = clarification_said(rules, words)
    for issue in cited:
        if issue.statutory_kind not in CLARIFIABLE or issue.status in ("closed", "merged", "responded"):
            continue
        if awaiting_clarification(issue):
            clarifies.append(issue.ref)
            why = why or f"the SPOC asked for a clarification of {issue.ref} on {_open_pause(issue)[0]}"
        elif said:
            clarifies.append(issue.ref)
            why = why or f"the customer's words clarify it ({said!r})"
    return Followup(tuple(cited), reason, tuple(clarifies), why)


def attach_followup(session: Session, message: Message, parsed: ParsedMail, followup: Followup,
                    customer_addresses: set[str], calendar: WorkingCalendar, now: datetime,
                    tz: str = "Europe/London") -> list[dict]:
    """Join the mail to its issues as a contact; a clarification restarts the clock. Returns the clock changes."""
    words = customer_words(message, parsed, customer_addresses, now)
    changes = []
    for issue in followup.issues:
        exists = session.scalar(select(IssueMessage.id).where(IssueMessage.issue_id == issue.id,
                                                              IssueMessage.message_pk == message.id,
                                                              IssueMessage.role.in_(FILED_ROLES)))
        if exists is not None:
            continue  # safe to run twice
        _link(session, issue, message, "followup", now)
        issue.contacts += 1
        issue.updated_at = now
        audit.record(session, at=now, actor="spocmail", action="issue.followup", subject_type="issue",
                     subject_id=issue.ref, mail=message.id, reason=followup.reason)
        log.info("follow-up joins its issue", extra={"event": "filing.followup", "issue": issue.ref,
                                                      "mail": message.id})
        if issue.ref in followup.clarifies:
            changes.append(clarify(session, issue, asked=None, received=words.received_at, actor="spocmail",
                                   now=now, calendar=calendar, tz=tz, mail=message.id,
                                   reason=followup.clarify_reason))
    return changes


# ------------------------------------------------------------------ clocks: clarification and extension


def _open_pause(issue: Issue) -> list | None:
    return next((p for p in issue.pauses if p[1] is None), None)


def awaiting_clarification(issue: Issue) -> bool:
    """The SPOC asked the customer to clarify and the answer has not come: the statutory clock is stopped."""
    return _open_pause(issue) is not None


def clarify(session: Session, issue: Issue, *, asked: datetime | None, received: datetime | None, actor: str,
            now: datetime, calendar: WorkingCalendar, tz: str = "Europe/London", mail: int | None = None,
            reason: str = "") -> dict:
    """Record that a clarification was asked for (the clock stops) or arrived (it starts again from that day).

    With `asked` alone the customer has been asked; with `received` (or neither: it arrived `now`)
    it has come, closing the open request for it if there is one. FOI and EIR count again from
    zero from the day it arrived (FOI Act s.1(3), EIR reg 9); a subject access request adds the
    days it waited (rules/deadlines.toml says how each kind pauses).
    """
    if issue.status in ("closed", "merged"):
        raise FilingError(f"{issue.ref} is {issue.status}: record the clarification on the issue that is still open")
    automatic = mail is not None
    asked_on = receipt_date(asked, tz) if asked is not None else None
    pauses = [list(p) for p in issue.pauses]
    open_pause = next((p for p in pauses if p[1] is None), None)
    before = issue.due
    if asked is not None and received is None:
        if open_pause is not None:
            raise FilingError(f"{issue.ref}: a clarification was already asked for on {open_pause[0]} and has not "
                              f"come; record its arrival with `spocmail issues clarify {issue.ref} --received "
                              f"INSTANT`")
        if asked_on < issue.received_on:
            raise FilingError(f"--asked {asked_on}: before {issue.ref} was received on {issue.received_on}; "
                              f"expected a date on or after it")
        added = [asked_on.isoformat(), None]
        action = "issue.clarification_asked"
    else:
        received_on = receipt_date(received if received is not None else now, tz)
        if open_pause is not None:
            start = asked_on or date.fromisoformat(open_pause[0])
            pauses.remove(open_pause)
            # the date it had before the clock stopped, so the SPOC sees what changed
            before = compute_due(issue.statutory_kind, issue.received_on, calendar, pauses, issue.extended)
        else:
            start = asked_on or received_on
        if automatic:  # never let a mail's odd date move the clock before the request itself
            received_on = max(received_on, issue.received_on)
            start = min(max(start, issue.received_on), received_on)
        if start < issue.received_on:
            raise FilingError(f"--asked {start}: before {issue.ref} was received on {issue.received_on}; "
                              f"expected a date on or after it")
        if received_on < start:
            raise FilingError(f"--received {received_on}: before the clarification was asked for on {start}; "
                              f"expected a date on or after it")
        added = [start.isoformat(), received_on.isoformat()]
        action = "issue.clarified"
    pauses.append(added)
    issue.pauses = sorted(pauses, key=lambda p: p[0])  # a new list: the JSON column sees the change
    issue.due = compute_due(issue.statutory_kind, issue.received_on, calendar, issue.pauses, issue.extended)
    issue.updated_at = now
    audit.record(session, at=now, actor=actor, action=action, subject_type="issue", subject_id=issue.ref,
                 mail=mail, pause=added, before=_iso(before), after=_iso(issue.due), reason=reason)
    log.info("clarification recorded", extra={"event": "filing.clarified" if action == "issue.clarified"
                                              else "filing.clarification_asked", "issue": issue.ref,
                                              "due": _iso(issue.due)})
    return {"ref": issue.ref, "action": action, "statutory_kind": issue.statutory_kind, "before": _iso(before),
            "after": _iso(issue.due), "awaiting": awaiting_clarification(issue), "reason": reason}


def extend(session: Session, issue: Issue, kind: str, *, reason: str, actor: str, now: datetime,
           calendar: WorkingCalendar, tz: str = "Europe/London") -> dict:
    """A lawful extension: EIR to 40 working days (reg 7(1)), subject access by two months (Art 12(3))."""
    if kind not in EXTENSIONS:
        raise FilingError(f"--kind {kind!r}: expected one of {', '.join(EXTENSIONS)}")
    base = EXTENSIONS[kind]
    if issue.statutory_kind != base:
        what = f"a {issue.statutory_kind} request" if issue.statutory_kind else "not a statutory request"
        raise FilingError(f"{issue.ref} is {what}: --kind {kind} extends {base} requests only "
                          f"(`spocmail issues categorise` first if its category is wrong)")
    if issue.status in ("closed", "merged"):
        raise FilingError(f"{issue.ref} is {issue.status}: there is no deadline left to extend")
    if issue.extended:
        return {"ref": issue.ref, "changed": False, "before": _iso(issue.due), "after": _iso(issue.due), "late": False}
    before = issue.due
    late = before is not None and receipt_date(now, tz) > before  # an extension is due before the deadline
    issue.extended = True
    issue.due = compute_due(issue.statutory_kind, issue.received_on, calendar, issue.pauses, True)
    issue.updated_at = now
    audit.record(session, at=now, actor=actor, action="issue.extended", subject_type="issue", subject_id=issue.ref,
                 kind=kind, reason=reason, before=_iso(before), after=_iso(issue.due), late=late)
    return {"ref": issue.ref, "changed": True, "before": _iso(before), "after": _iso(issue.due), "late": late}


def add_note(session: Session, issue: Issue, text: str, *, actor: str, now: datetime) -> IssueNote:
    """An internal note: kept with the issue for the SPOC and officers, never shown to the customer."""
    text = (text or "").strip()
    if not text:
        raise FilingError("--text: the note is empty; expected the words to keep")
    note = IssueNote(issue_id=issue.id, text=text, author=actor, created_at=now)
    session.add(note)
    issue.updated_at = now
    session.flush()
    audit.record(session, at=now, actor=actor, action="issue.note", subject_type="issue", subject_id=issue.ref,
                 note=note.id)
    return note


# ------------------------------------------------------------------ a mail filed for the wrong customer


def filed_in(session: Session, message_pk: int) -> dict[str, list[Issue]]:
    """The issues a mail is part of, by how: origin, repeat, followup, answer, reply."""
    rows = session.execute(select(IssueMessage.role, Issue).join(Issue, Issue.id == IssueMessage.issue_id)
                           .where(IssueMessage.message_pk == message_pk).order_by(Issue.id)).all()
    out: dict[str, list[Issue]] = {}
    for role, issue in rows:
        out.setdefault(role, []).append(issue)
    return out


def move_mail(session: Session, message: Message, to_customer: str, *, actor: str, now: datetime) -> dict:
    """The SPOC moves a filed mail to another customer: the issues it started go with it, as they stand
    (their officer requests are not sent again); where it only repeated or followed up an issue of the
    first customer, it leaves that issue, to be filed afresh for the other customer."""
    moved, left = [], []
    for link in session.scalars(select(IssueMessage).where(IssueMessage.message_pk == message.id,
                                                           IssueMessage.role.in_(FILED_ROLES))).all():
        issue = session.get(Issue, link.issue_id)
        if issue.customer_id == to_customer:
            continue
        if link.role == "origin":
            before = issue.customer_id
            issue.customer_id, issue.updated_at = to_customer, now
            audit.record(session, at=now, actor=actor, action="issue.moved", subject_type="issue",
                         subject_id=issue.ref, mail=message.id, before=before, after=to_customer)
            moved.append(issue.ref)
        else:
            session.delete(link)
            issue.contacts = max(1, issue.contacts - 1)
            issue.updated_at = now
            audit.record(session, at=now, actor=actor, action="issue.contact_removed", subject_type="issue",
                         subject_id=issue.ref, mail=message.id, role=link.role, moved_to=to_customer)
            left.append(issue.ref)
    session.flush()
    return {"moved": moved, "left": left}


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
    issue.title = issue_title(title_of(parts[0]))
    issue.updated_at = now
    created = []
    for part in parts[1:]:
        c = classify(issue.title, part, rules)
        new = Issue(ref=next_ref(session, issue.received_on.year), customer_id=issue.customer_id,
                    title=issue_title(title_of(part)), request_text=part, content_hash=content_hash(part),
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


def list_issues(session: Session, customer: str | None = None, status: str | None = None) -> list[dict]:
    return issuelist.list_issues(session.connection(), customer, status)


def show_issue(session: Session, ref: str) -> dict:
    issue = get_issue(session, ref)
    doc = issue_json(issue)
    doc.update({
        "request_text": issue.request_text, "category_evidence": issue.category_evidence,
        "category_by": issue.category_by, "routing_reason": issue.routing_reason, "pauses": issue.pauses,
        "extended": issue.extended, "closed_reason": issue.closed_reason,
        "awaiting_clarification": awaiting_clarification(issue),
        "notes": [{"text": n.text, "by": n.author, "at": _iso(n.created_at)} for n in issue.notes],
        "messages": [{"message": link.message_pk, "role": link.role, "added_at": _iso(link.added_at),
                      "from": session.get(Message, link.message_pk).from_email,
                      "channel": session.get(Message, link.message_pk).channel,
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
