"""Whose mail is this: the sender's role, the customer it concerns, and the evidence for that decision."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Iterable

from spocmail.mail import ParsedMail
from spocmail.rules import IdentifyRules, load_identify

DECISIONS = ("filed", "provisional", "triage", "not-a-request")
ROLES = ("customer", "officer", "member", "system", "unknown")

_PHONE = re.compile(r"(?<![\d])(?:\+\s?44\s?\(?0?\)?|0)\s?\d(?:[\s-]?\d){8,9}(?![\d])")
_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})\b", re.I)
_REF = re.compile(r"\bSPOC-\d{4}-\d{3,6}\b", re.I)


@dataclass(frozen=True)
class Evidence:
    kind: str
    detail: str
    weight: float

    def to_json(self) -> dict:
        return {"kind": self.kind, "detail": self.detail, "weight": round(self.weight, 3)}


@dataclass(frozen=True)
class CustomerInfo:
    id: str
    name: str
    confirmed: tuple[str, ...] = ()
    suggested: tuple[str, ...] = ()
    rejected: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    postal_address: str = ""
    active: bool = True


@dataclass(frozen=True)
class RegisterView:
    """A plain snapshot of what identification needs from the register and the record."""

    spoc_address: str
    staff_domains: tuple[str, ...] = ()
    officers: dict[str, str] = field(default_factory=dict)  # email -> officer id
    members: dict[str, str] = field(default_factory=dict)  # email -> member id
    customers: tuple[CustomerInfo, ...] = ()
    issue_refs: dict[str, str] = field(default_factory=dict)  # "SPOC-2026-0042" -> customer id
    sent_message_ids: dict[str, str] = field(default_factory=dict)  # Message-ID we sent -> customer id
    system_addresses: tuple[str, ...] = ()

    def customer_by_address(self, email: str | None) -> CustomerInfo | None:
        if not email:
            return None
        email = email.lower()
        for c in self.customers:
            if email in c.confirmed:
                return c
        return None


@dataclass(frozen=True)
class Candidate:
    customer: str
    score: float
    evidence: tuple[Evidence, ...]

    def to_json(self) -> dict:
        return {"customer": self.customer, "score": round(self.score, 3),
                "evidence": [e.to_json() for e in self.evidence]}


@dataclass(frozen=True)
class Identification:
    role: str
    customer: str | None
    decision: str
    score: float
    evidence: tuple[Evidence, ...]
    sender: str | None = None
    sender_id: str | None = None  # officer or member id when the sender is one
    suggest_address: str | None = None  # a new address to put to the SPOC for confirmation
    candidates: tuple[Candidate, ...] = ()

    def to_json(self) -> dict:
        return {"role": self.role, "customer": self.customer, "decision": self.decision,
                "score": round(self.score, 3), "evidence": [e.to_json() for e in self.evidence],
                "sender": self.sender, "sender_id": self.sender_id, "suggest_address": self.suggest_address,
                "candidates": [c.to_json() for c in self.candidates]}


# ------------------------------------------------------------------ normalising what we compare


@lru_cache(maxsize=8)
def _fold(text: str) -> str:
    """Lowercased without accents. ASCII is already in NFKD with no combining marks, so it only lowers (a
    mail's 60 KB cost 5 ms the long way, for each customer scored); cached, as every candidate folds the
    same text."""
    text = text or ""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def _name_tokens(name: str) -> list[str]:
    name = _fold(name)
    if "," in name:  # "Example, Jordan" is Outlook's "Last, First"
        last, _, first = name.partition(",")
        name = f"{first} {last}"
    tokens = re.findall(r"[a-z][a-z'\-]*", name)
    return [t for t in tokens if t not in {"mr", "mrs", "ms", "miss", "dr", "cllr", "prof", "sir"}]


def name_match(candidate: str | None, customer_name: str) -> str | None:
    """'full' when every part of the customer's name is there, 'partial' for surname and initial."""
    if not candidate:
        return None
    have, want = _name_tokens(candidate), _name_tokens(customer_name)
    if not have or not want:
        return None
    if all(w in have for w in want):
        return "full"
    if len(want) < 2:
        return None
    first, last = want[0], want[-1]
    if last in have and any(h != last and h[0] == first[0] for h in have):  # "J. Example"
        return "partial"
    if first in have and any(h != first and h[0] == last[0] for h in have):  # "Jordan E."
        return "partial"
    return None


def normalise_phone(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    if digits.startswith("44"):
        digits = "0" + digits[2:].lstrip("0")
    return digits


def phones_in(text: str) -> set[str]:
    return {normalise_phone(m.group(0)) for m in _PHONE.finditer(text or "")}


def postcodes_in(text: str) -> set[str]:
    return {f"{a.upper()} {b.upper()}" for a, b in _POSTCODE.findall(text or "")}


@lru_cache(maxsize=4096)
def _register_postcodes(address: str) -> frozenset[str]:
    """A customer's own postcodes: the same register text for every mail of a pass, so read once."""
    return frozenset(postcodes_in(address))


def refs_in(text: str) -> set[str]:
    """The issue references a text cites, upper-cased. An ASCII text without "spoc-" cites none, so the
    pattern need not scan it (non-ASCII text always goes through the pattern, whose case-folding is wider)."""
    if not text or (text.isascii() and "spoc-" not in text.lower()):
        return set()
    return {r.upper() for r in _REF.findall(text)}


@dataclass(frozen=True)
class _MailText:
    """What the text of one mail says, read once for the mail rather than once for each customer scored."""

    folded: str
    phones: frozenset[str]
    postcodes: frozenset[str]
    refs: frozenset[str]


def _read_mail_text(mail: ParsedMail, texts: list[str]) -> _MailText:
    text = "\n".join(texts)
    refs: set[str] = set()
    for t in texts + [mail.subject or ""]:
        refs |= refs_in(t)
    return _MailText(folded=_fold(text), phones=frozenset(phones_in(text)),
                     postcodes=frozenset(postcodes_in(text)), refs=frozenset(refs))


def _first_line(address: str) -> str:
    return _fold(address.split(",")[0]).strip()


# ------------------------------------------------------------------ the decision


def role_of(email: str | None, view: RegisterView) -> tuple[str, str | None]:
    if not email:
        return "unknown", None
    email = email.lower()
    if email == view.spoc_address.lower() or email in view.system_addresses:
        return "system", None
    if view.customer_by_address(email):
        return "customer", view.customer_by_address(email).id
    if email in view.members:
        return "member", view.members[email]
    if email in view.officers:
        return "officer", view.officers[email]
    domain = email.rpartition("@")[2]
    if domain in view.staff_domains:
        return "officer", None
    return "unknown", None


def _combine(weights: Iterable[float]) -> float:
    remaining = 1.0
    for w in weights:
        remaining *= 1.0 - w
    return 1.0 - remaining


def _score_customer(c: CustomerInfo, mail: ParsedMail, view: RegisterView, sender: str | None,
                    sender_role: str, texts: list[str], weights, read: _MailText | None = None) -> Candidate:
    if read is None:
        read = _read_mail_text(mail, texts)
    ev: list[Evidence] = []
    # who wrote the original: the outer sender when they are not staff, and every forwarded original
    originals = []
    if sender_role == "unknown":
        originals.append(("sender", mail.from_.name, sender))
    for n, fwd in enumerate(mail.forwarded, 1):
        originals.append((f"forwarded #{n}", fwd.from_.name, (fwd.from_.email or "").lower() or None))
    for where, name, email in originals:
        if email and email in c.suggested:
            ev.append(Evidence("suggested-address", f"{where} {email} was suggested before for {c.id} "
                                                    f"and awaits the SPOC", weights["suggested-address"]))
        match = name_match(name, c.name)
        if match == "full":
            kind = "display-name" if where == "sender" else "forwarded-name"
            ev.append(Evidence(kind, f"{where} is named {name!r}, as {c.name!r}", weights[kind]))
        elif match == "partial":
            ev.append(Evidence("display-name-partial", f"{where} is named {name!r}, like {c.name!r}",
                               weights["display-name-partial"]))
    folded = read.folded
    if c.name and _fold(c.name) in folded and not any(e.kind in ("display-name", "forwarded-name") for e in ev):
        ev.append(Evidence("name-in-text", f"the text names {c.name!r}", weights["name-in-text"]))
    known_phones = {normalise_phone(p): p for p in c.phones}
    for p in sorted(read.phones & set(known_phones)):
        ev.append(Evidence("phone", f"phone number {known_phones[p]} in the text", weights["phone"]))
    wanted_pc = _register_postcodes(c.postal_address or "")
    for pc in sorted(read.postcodes & wanted_pc):
        ev.append(Evidence("postcode", f"postcode {pc} in the text", weights["postcode"]))
    line = _first_line(c.postal_address)
    if line and len(line) > 5 and line in folded:
        ev.append(Evidence("postal-address", f"postal address {c.postal_address.split(',')[0]!r} in the text",
                           weights["postal-address"]))
    for ref in sorted(read.refs):
        if view.issue_refs.get(ref) == c.id:
            ev.append(Evidence("issue-reference", f"mentions {ref}, an issue of {c.id}", weights["issue-reference"]))
    thread = [mail.in_reply_to] + list(mail.references)
    for mid in thread:
        if mid and view.sent_message_ids.get(mid) == c.id:
            ev.append(Evidence("thread", f"replies to {mid}, which spocmail sent about {c.id}", weights["thread"]))
            break
    # one piece of evidence per kind counts (the same phone twice is one fact)
    best: dict[str, Evidence] = {}
    for e in ev:
        if e.kind not in best or e.weight > best[e.kind].weight:
            best[e.kind] = e
    kept = tuple(sorted(best.values(), key=lambda e: -e.weight))
    return Candidate(c.id, _combine(e.weight for e in kept), kept)


# RFC 2369 / 2919 headers a mailing list adds: mail that went to a list, not to the council
LIST_HEADERS = ("List-Id", "List-Unsubscribe", "List-Post")


def identify(mail: ParsedMail, view: RegisterView, threshold: float = 0.5,
             rules: IdentifyRules | None = None) -> Identification:
    """Decide whose mail this is, as an experienced SPOC would, and say why (weights: rules/identify.toml)."""
    rules = rules or load_identify()
    sender = (mail.from_.email or "").lower() or None
    role, sender_id = role_of(sender, view)
    base = dict(role=role, sender=sender, sender_id=sender_id)

    if mail.auto_reply:  # recorded, never a request nor an answer
        customer = sender_id if role == "customer" else None
        return Identification(customer=customer, decision="not-a-request", score=1.0 if customer else 0.0,
                              evidence=(Evidence("automatic-reply", mail.auto_reply_reason or "automatic reply",
                                                 0.0),), **base)

    listed = next((h for h in LIST_HEADERS if mail.header(h)), None)
    if listed and role not in ("officer", "member"):  # a list post (even with the customer's From) asks nothing of us
        customer = sender_id if role == "customer" else None
        return Identification(customer=customer, decision="not-a-request", score=1.0 if customer else 0.0,
                              evidence=(Evidence("list-mail", f"{listed}: {(mail.header(listed) or '')[:120]}",
                                                 0.0),), **base)

    if role == "customer":
        return Identification(customer=sender_id, decision="filed", score=1.0, evidence=(
            Evidence("confirmed-address", f"{sender} is a confirmed address of {sender_id}", 1.0),), **base)

    if role == "system":
        return Identification(customer=None, decision="not-a-request", score=0.0, evidence=(
            Evidence("system", f"{sender} is spocmail's own address", 0.0),), **base)

    # A forward whose original came from a confirmed address decides at once.
    for n, fwd in enumerate(mail.forwarded, 1):
        owner = view.customer_by_address(fwd.from_.email)
        if owner is not None:
            return Identification(customer=owner.id, decision="filed", score=1.0, evidence=(
                Evidence("forwarded-confirmed-address",
                         f"forwarded #{n} is from {fwd.from_.email.lower()}, a confirmed address of {owner.id}",
                         1.0),), **base)

    texts = [mail.reply_text or "", mail.body_text or ""] + [f.body or "" for f in mail.forwarded]
    read = _read_mail_text(mail, texts)
    candidates = sorted((_score_customer(c, mail, view, sender, role, texts, rules.weights, read)
                         for c in view.customers if c.active), key=lambda c: (-c.score, c.customer))
    candidates = tuple(c for c in candidates if c.evidence)
    if not candidates:
        decision = "triage"
        return Identification(customer=None, decision=decision, score=0.0, evidence=(
            Evidence("no-match", "nothing links this mail to a customer under an arrangement", 0.0),), **base)
    best = candidates[0]
    # The address that would become known: the unknown sender, or the forwarded original's address.
    new_address = None
    if role == "unknown":
        new_address = sender
    else:
        for fwd in mail.forwarded:
            if fwd.from_.email and role_of(fwd.from_.email.lower(), view)[0] == "unknown":
                new_address = fwd.from_.email.lower()
                break
    customer_rejected = next((c for c in view.customers if c.id == best.customer), None)
    rejected = bool(new_address and customer_rejected and new_address in customer_rejected.rejected)
    ambiguous = len(candidates) > 1 and candidates[1].score >= best.score - rules.ambiguity_margin
    if best.score >= threshold and not rejected and not ambiguous:
        return Identification(customer=best.customer, decision="provisional", score=best.score,
                              evidence=best.evidence, suggest_address=new_address, candidates=candidates, **base)
    evidence = best.evidence
    if rejected:
        evidence += (Evidence("rejected-address", f"the SPOC rejected {new_address} for {best.customer}", 0.0),)
    if ambiguous:
        evidence += (Evidence("ambiguous", f"{candidates[1].customer} scores almost as high", 0.0),)
    return Identification(customer=None, decision="triage", score=best.score, evidence=evidence,
                          candidates=candidates, **base)


# ------------------------------------------------------------------ against the record


class RegisterCache:
    """The register as identification reads it, loaded once per pass rather than once per mail.

    Only the SPOC's hand changes the register (`spocmail register load`, triage), except for the address
    intake itself suggests: that write clears the cache (`clear`), as does a mail whose handling fails
    (its session, from which the cache may have been loaded, is rolled back). What the SPOC changes while
    a pass runs is seen by the next pass.
    """

    def __init__(self) -> None:
        self._register: tuple | None = None

    def clear(self) -> None:
        self._register = None

    def register(self, session) -> tuple:
        if self._register is None:
            self._register = _load_register(session)
        return self._register


def register_view(session, config, mail: ParsedMail | None = None, cache: RegisterCache | None = None) -> RegisterView:
    """Snapshot the register for identification; of what spocmail has issued and sent, only what `mail` cites."""
    officers, members, customers = cache.register(session) if cache is not None else _load_register(session)
    refs, thread = _citations(mail)
    return RegisterView(
        spoc_address=config.spoc.address, staff_domains=config.council.staff_domains,
        officers=officers, members=members,
        customers=customers, issue_refs=_issue_refs(session, refs), sent_message_ids=_sent_ids(session, thread))


def _load_register(session) -> tuple[dict[str, str], dict[str, str], tuple[CustomerInfo, ...]]:
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from spocmail.db.register import Customer, Member, Officer

    customers = []
    # addresses and arrangements in one query each, not two per customer (this runs for every mail)
    for c in session.scalars(select(Customer).order_by(Customer.id)
                             .options(selectinload(Customer.addresses), selectinload(Customer.arrangement))):
        by = {"confirmed": [], "suggested": [], "rejected": []}
        for a in c.addresses:
            by[a.status].append(a.email)
        arr = c.arrangement
        customers.append(CustomerInfo(
            id=c.id, name=c.name, confirmed=tuple(by["confirmed"]), suggested=tuple(by["suggested"]),
            rejected=tuple(by["rejected"]), phones=tuple(c.phones), postal_address=c.postal_address,
            active=arr is None or arr.status in ("active", "ending")))
    officers = {email: oid for email, oid in session.execute(select(Officer.email, Officer.id))}
    members = {email: mid for email, mid in session.execute(select(Member.email, Member.id))}
    return officers, members, tuple(customers)


def _citations(mail: ParsedMail | None) -> tuple[set[str] | None, set[str] | None]:
    """The issue references and Message-IDs a mail cites (None: no mail given, load everything)."""
    if mail is None:
        return None, None
    texts = [mail.subject or "", mail.reply_text or "", mail.body_text or ""] + [f.body or "" for f in mail.forwarded]
    refs = set()
    for t in texts:
        refs |= refs_in(t)
    thread = {m for m in [mail.in_reply_to, *mail.references] if m}
    return refs, thread


def _issue_refs(session, refs: set[str] | None) -> dict[str, str]:
    from sqlalchemy import select

    from spocmail.db.issues import Issue

    q = select(Issue.ref, Issue.customer_id)
    if refs is not None:
        if not refs:
            return {}
        q = q.where(Issue.ref.in_(sorted(refs)))
    return {ref.upper(): cust for ref, cust in session.execute(q)}


def _sent_ids(session, thread: set[str] | None) -> dict[str, str]:
    from sqlalchemy import select

    from spocmail.db.mail import Message

    q = select(Message.message_id, Message.customer_id).where(
        Message.direction == "out", Message.customer_id.is_not(None), Message.message_id.is_not(None))
    if thread is not None:
        if not thread:
            return {}
        q = q.where(Message.message_id.in_(sorted(thread)))
    return {mid: cust for mid, cust in session.execute(q)}
