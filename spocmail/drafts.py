"""Drafts with an identity: what the SPOC is shown is stored, and approving it sends exactly that.

A draft is compiled when the SPOC is shown a response (``weekly preview`` or the draft mail). Its
identity is the period, a version per customer, kind and period, and the first 12 hex digits of a
SHA-256 over its recipients, subject, bodies and attachments: ``2026-W48-v2-0123456789ab``. A later
compile with different content is a new version and supersedes the earlier one; approving a
superseded draft sends nothing. Mail that arrives after a draft was compiled is not in it; it waits
for the next draft.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formataddr, getaddresses

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spocmail.db.drafts import ResponseDraft
from spocmail.db.issues import Answer
from spocmail.errors import NotFound, SpocmailError

APPROVAL = re.compile(r"(approve|approved|send)[.!]*", re.IGNORECASE)


class DraftError(SpocmailError):
    """A draft that cannot be sent as approved (superseded, or out of date): nothing is sent; exit 2."""

    exit_code = 2


def content_hash(mail: EmailMessage) -> str:
    """SHA-256 over what the customer would receive: recipients, subject, threading, bodies, attachments."""
    text = mail.get_body(("plain",))
    html_part = mail.get_body(("html",))
    doc = {
        "to": str(mail["To"] or ""), "cc": str(mail["Cc"] or ""), "subject": str(mail["Subject"] or ""),
        "in_reply_to": str(mail["In-Reply-To"] or ""), "references": str(mail["References"] or ""),
        "text": text.get_content() if text is not None else "",
        "html": html_part.get_content() if html_part is not None else "",
        "attachments": [[a.get_filename(), a.get_content_type(),
                         hashlib.sha256(a.get_payload(decode=True) or b"").hexdigest()]
                        for a in mail.iter_attachments()],
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def latest(session: Session, customer_id: str, kind: str) -> ResponseDraft | None:
    """The latest draft the SPOC was shown that is still to be decided on."""
    return session.scalars(select(ResponseDraft).where(ResponseDraft.customer_id == customer_id,
                                                       ResponseDraft.kind == kind,
                                                       ResponseDraft.status == "current")
                           .order_by(ResponseDraft.id.desc())).first()


def find(session: Session, customer_id: str, ident: str) -> ResponseDraft:
    row = session.scalars(select(ResponseDraft).where(ResponseDraft.customer_id == customer_id,
                                                      ResponseDraft.ident == ident.strip())).first()
    if row is None:
        raise NotFound(f"--draft {ident}: no such draft for {customer_id}; `spocmail weekly preview {customer_id}` "
                       f"shows the current draft and its identity")
    return row


def store(session: Session, *, customer_id: str, kind: str, period: str, mail: EmailMessage, items: list[dict],
          answer_ids: list[int], issue_ids: list[int], held_back: list[str], now: datetime,
          extras: list[tuple[dict, EmailMessage]] = ()) -> ResponseDraft:
    """Keep this compile as a draft: the same content as the current draft is that draft, else a new version.

    EXTRAS are the other mails the approval sends (with what they are, as a dict): they are kept as exact
    bytes and are part of the draft's identity, so approving it sends them as they were shown."""
    digest = content_hash(mail)
    if extras:
        digest = hashlib.sha256((digest + "".join(content_hash(m) for _, m in extras)).encode()).hexdigest()
    current = latest(session, customer_id, kind)
    if current is not None and current.period == period and current.content_hash == digest:
        return current
    version = (session.scalar(select(func.max(ResponseDraft.version)).where(
        ResponseDraft.customer_id == customer_id, ResponseDraft.kind == kind, ResponseDraft.period == period)) or 0) + 1
    for older in session.scalars(select(ResponseDraft).where(ResponseDraft.customer_id == customer_id,
                                                             ResponseDraft.kind == kind,
                                                             ResponseDraft.status == "current")):
        if kind == "weekly" or older.period == period:
            older.status = "superseded"
    row = ResponseDraft(customer_id=customer_id, kind=kind, period=period, version=version, content_hash=digest,
                        ident=f"{period}-v{version}-{digest[:12]}", status="current",
                        to_addrs=_each_address(mail["To"]), cc_addrs=_each_address(mail["Cc"]),
                        subject=str(mail["Subject"] or ""), body_text=mail.get_body(("plain",)).get_content(),
                        items=items, answer_ids=answer_ids, issue_ids=issue_ids, held_back=held_back,
                        raw=mail.as_bytes(policy=policy.default), comments=[], compiled_at=now,
                        extras=[{**info, "raw": base64.b64encode(m.as_bytes(policy=policy.default)).decode()}
                                for info, m in extras])
    session.add(row)
    session.flush()
    return row


def extra_mails(row: ResponseDraft) -> list[tuple[dict, EmailMessage]]:
    """The other mails of this draft, exactly as they were compiled, with what each is."""
    return [({k: v for k, v in e.items() if k != "raw"},
             BytesParser(policy=policy.default).parsebytes(base64.b64decode(e["raw"]))) for e in (row.extras or [])]


def customer_mail(row: ResponseDraft) -> EmailMessage:
    """The customer's mail exactly as the draft was compiled (Message-ID and Date are set when queued)."""
    return BytesParser(policy=policy.default).parsebytes(row.raw)


def check_sendable(session: Session, row: ResponseDraft) -> None:
    """Refuse a draft that is not what would honestly be sent: superseded, or its answers changed meanwhile."""
    if row.status == "superseded":
        newer = latest(session, row.customer_id, row.kind)
        raise DraftError(f"draft {row.ident} for {row.customer_id} was superseded"
                         + (f" by {newer.ident}" if newer else "")
                         + "; nothing was sent. Approve the current draft (`spocmail weekly preview "
                         f"{row.customer_id}` shows it)")
    for answer_id in row.answer_ids:
        answer = session.get(Answer, answer_id)
        if (answer is None or answer.approved_at is None or answer.sent_in is not None
                or answer.approved_at > row.compiled_at):
            why = ("was sent meanwhile" if answer is not None and answer.sent_in is not None
                   else "was edited or approved again after it was compiled")
            raise DraftError(f"draft {row.ident} for {row.customer_id} is out of date: an answer in it {why}; "
                             f"nothing was sent. `spocmail weekly preview {row.customer_id}` compiles a new draft")


def is_approval(reply_text: str | None) -> bool:
    """Only a first line that is exactly Approve, Approved or Send (any case, trailing . or !) approves."""
    for line in (reply_text or "").splitlines():
        if line.strip():
            return APPROVAL.fullmatch(line.strip()) is not None
    return False


def add_comment(row: ResponseDraft, sender: str, text: str, now: datetime) -> None:
    row.comments = [*row.comments, {"from": sender, "at": now.isoformat(), "text": (text or "").strip()}]


def header_block(row: ResponseDraft, customer_name: str, compiled_local: datetime) -> str:
    what = "weekly response" if row.kind == "weekly" else "single-issue response"
    command = (f"spocmail weekly send {row.customer_id} --approve --draft {row.ident}" if row.kind == "weekly"
               else f"spocmail issues send {row.period}")
    items = ", ".join(f"{i['ref']} ({i['state']})" for i in row.items) or "none"
    lines = [
        "DRAFT FOR APPROVAL: NOT YET SENT TO THE CUSTOMER",
        "",
        f"Draft:    {row.ident}",
        f"What:     {what} to {customer_name} ({row.customer_id}), {row.period}, "
        f"compiled {compiled_local:%A %-d %B %Y %H:%M}",
        f"To:       {', '.join(row.to_addrs)}",
        f"Cc:       {', '.join(row.cc_addrs) or '(nobody)'}",
        f"Subject:  {row.subject}",
        f"Items:    {items}",
        *[f"Also:     {e.get('kind')} to {e.get('to')}: {e.get('subject')} (attached)" for e in (row.extras or [])],
        "",
        "To approve exactly this draft, reply to this mail with \"Approve\" as the first line,",
        f"or run:   {command}",
        "Any other reply is kept as a comment and nothing is sent. Mail that arrived after this",
        "draft was compiled is not in it: it waits for the next draft.",
        "=" * 72,
        "",
        "",
    ]
    return "\n".join(lines)


def draft_mail(row: ResponseDraft, *, sender: str, to: str, customer_name: str,
               compiled_local: datetime) -> EmailMessage:
    """The mail the SPOC approves from: marked as a draft, with To, Cc, the identity and how to approve."""
    original = customer_mail(row)
    block = header_block(row, customer_name, compiled_local)
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = f"[DRAFT for approval] {row.subject}"
    msg["X-Spocmail-Draft"] = row.ident
    text = original.get_body(("plain",))
    msg.set_content(block + (text.get_content() if text is not None else ""))
    html_part = original.get_body(("html",))
    if html_part is not None:
        banner = (f'<div style="border:2px solid #b00;padding:8px;margin-bottom:12px"><pre>'
                  f'{html.escape(block)}</pre></div>')
        body = html_part.get_content()
        m = re.search(r"<body[^>]*>", body, re.IGNORECASE)
        body = body[:m.end()] + banner + body[m.end():] if m else banner + body
        msg.add_alternative(body, subtype="html")
    for att in original.iter_attachments():
        maintype, _, subtype = att.get_content_type().partition("/")
        payload = att.get_content() if maintype == "text" else (att.get_payload(decode=True) or b"")
        if maintype == "text":
            msg.add_attachment(payload, subtype=subtype, filename=att.get_filename())
        else:
            msg.add_attachment(payload, maintype=maintype, subtype=subtype, filename=att.get_filename())
    for info, extra in extra_mails(row):  # the SPOC sees every mail the approval sends
        msg.add_attachment(extra, filename=f"{info.get('kind')}-{len(msg.get_payload())}.eml")
    return msg


def _each_address(header) -> list[str]:
    """One entry per mailbox: a quoted display name with a comma ("Jones, Alex") stays one address."""
    return [formataddr(pair) for pair in getaddresses([str(header or "")]) if pair[1]]
