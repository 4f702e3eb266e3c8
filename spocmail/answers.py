"""Officers' answers by email: is a mail a reply to one of our requests, and may it count as the answer?"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from spocmail import logs
from spocmail.db import audit
from spocmail.db.issues import Answer, IssueMessage, OfficerRequest
from spocmail.db.mail import Message
from spocmail.db.register import Officer
from spocmail.mail import ParsedMail
from spocmail.rules import AnswerRules
from spocmail.rules import load_answers as load_answer_rules  # the one loader of rules/answers.toml

log = logs.get("answers")
_SUBJECT_TOKEN = re.compile(r"\[SPOC-\d{4}-\d{3,6}\s+#([A-Za-z0-9_-]{8,64})\]")
_PLUS_TOKEN = re.compile(r"\+([A-Za-z0-9_-]{8,64})@")
_TAG = re.compile(r"\[\s*(SPOC-\d{4}-\d{3,6})\s+#[A-Za-z0-9_-]*\]")


def without_tokens(text: str, tokens: set[str] = frozenset()) -> str:
    """An officer's words with our reply tokens taken out (an answer that quotes the request's subject
    or its plus-address would otherwise hand the customer a token that speaks for the officer)."""
    text = _TAG.sub(r"\1", text or "")
    text = _PLUS_TOKEN.sub("@", text)
    for token in tokens:
        if token:
            text = text.replace(token, "")
    return text


@dataclass(frozen=True)
class ReplyOutcome:
    """What a mail in reply to a request turned out to be."""

    kind: str  # "answer", "declined", "auto-reply", "refused", "none"
    request: OfficerRequest | None = None
    reason: str = ""


def tokens_in(parsed: ParsedMail) -> set[str]:
    found = set(_SUBJECT_TOKEN.findall(parsed.subject or ""))
    for a in parsed.to + parsed.cc:
        if a.email:
            found.update(_PLUS_TOKEN.findall(a.email))
    return found


def _officer_may_answer(session: Session, req: OfficerRequest, sender: str | None) -> bool:
    if not sender:
        return False
    officer = session.get(Officer, req.officer_id)
    allowed = {officer.email}
    if officer.cover_id:  # the officer's cover may answer for them
        allowed.add(session.get(Officer, officer.cover_id).email)
    if req.covering_for:  # and the absent officer, back at their desk, may answer too
        allowed.add(session.get(Officer, req.covering_for).email)
    return sender.lower() in allowed


def match_reply(session: Session, parsed: ParsedMail, rules: AnswerRules | None = None) -> ReplyOutcome:
    """Is this mail a reply to one of our requests, and may it count as the answer? (Reads, never writes.)"""
    rules = rules or load_answer_rules()
    sender = (parsed.from_.email or "").lower() or None
    tokens = tokens_in(parsed)
    threads = {m for m in [parsed.in_reply_to, *parsed.references] if m}
    by_thread = session.scalars(select(OfficerRequest).where(OfficerRequest.message_id.in_(threads))).first() \
        if threads else None
    if not tokens and by_thread is None:
        return ReplyOutcome("none")
    req = None
    for token in tokens:
        req = session.scalar(select(OfficerRequest).where(OfficerRequest.token == token))
        if req is not None:
            break
    if parsed.auto_reply:
        return ReplyOutcome("auto-reply", req or by_thread, "an automatic reply to a request is not an answer")
    if req is None:
        target = by_thread.issue.ref if by_thread else "no request"
        why = "a token that matches no request (forged or mistyped)" if tokens else "no reply token"
        return ReplyOutcome("refused", by_thread, f"reply about {target} carries {why}")
    if req.status == "cancelled":
        return ReplyOutcome("refused", req, f"reply to a withdrawn request for {req.issue.ref} (stale token)")
    if req.issue.status in ("closed", "merged"):
        return ReplyOutcome("refused", req, f"reply to a request for {req.issue.ref}, which is closed (stale token)")
    if not _officer_may_answer(session, req, sender):
        return ReplyOutcome("refused", req, f"reply to the request for {req.issue.ref} came from {sender}, "
                                            f"not from {req.officer_id} or their cover")
    text = parsed.reply_text or ""
    if any(p.search(text) for p in rules.decline):
        return ReplyOutcome("declined", req, f"{req.officer_id} says {req.issue.ref} is not for them")
    return ReplyOutcome("answer", req)


def record_reply(session: Session, outcome: ReplyOutcome, message: Message, parsed: ParsedMail,
                 now: datetime) -> Answer | None:
    """Keep what the reply was; only a valid answer becomes an Answer, waiting for the SPOC's approval."""
    req = outcome.request
    if req is not None:
        session.add(IssueMessage(issue_id=req.issue_id, message_pk=message.id,
                                 role="answer" if outcome.kind == "answer" else "reply", added_at=now))
    if outcome.kind != "answer":
        audit.record(session, at=now, actor="spocmail", action=f"reply.{outcome.kind}", subject_type="message",
                     subject_id=str(message.id), issue=req.issue.ref if req else None, reason=outcome.reason)
        log.warning("reply put to the SPOC: %s", outcome.reason, extra={
            "event": f"officers.{outcome.kind}", "mail": message.id, "issue": req.issue.ref if req else None})
        if outcome.kind == "declined":
            req.status = "declined"
            req.issue.status, req.issue.updated_at = "open", now
        return None
    issue = req.issue
    answer = Answer(issue_id=issue.id, request_id=req.id, message_pk=message.id,
                    officer_id=(parsed.from_.email and _officer_id(session, parsed.from_.email)) or req.officer_id,
                    text=without_tokens(parsed.reply_text or "", {req.token}).strip(), received_at=now,
                    attachments=[a.to_json() for a in parsed.attachments])
    session.add(answer)
    req.status = "answered"
    if issue.status in ("open", "awaiting", "approved"):
        issue.status = "answered"  # a further reply adds to the answer and needs approval again
    issue.updated_at = now
    audit.record(session, at=now, actor="spocmail", action="answer.received", subject_type="issue",
                 subject_id=issue.ref, mail=message.id, officer=answer.officer_id)
    log.info("answer captured", extra={"event": "officers.answer", "issue": issue.ref, "mail": message.id,
                                       "officer": answer.officer_id})
    return answer


def _officer_id(session: Session, email: str) -> str | None:
    return session.scalar(select(Officer.id).where(Officer.email == email.lower()))
