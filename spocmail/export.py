"""Everything held about one customer, found in one place: the subject access export, and what retention deletes."""

from __future__ import annotations

import html
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from spocmail.db.audit import AuditEntry, AuditPersonal
from spocmail.db.decisions import Identification
from spocmail.db.drafts import ResponseDraft
from spocmail.db.issues import Answer, Issue, IssueMessage, Response
from spocmail.db.mail import Message
from spocmail.db.outbox import OutboxMail
from spocmail.db.register import Customer
from spocmail.errors import NotFound, SpocmailError

class ExportError(SpocmailError):
    exit_code = 2


# A correction of the record: an audit entry beside the record it corrects, never an edit of it.
CORRECTION_ACTION = "record.corrected"


@dataclass
class Footprint:
    """The ids of every row about one customer (their mail in and out, issues, responses, audit entries)."""

    customer: Customer
    issues: list[Issue] = field(default_factory=list)
    messages: set[int] = field(default_factory=set)
    outbox: set[int] = field(default_factory=set)
    responses: set[int] = field(default_factory=set)
    drafts: set[int] = field(default_factory=set)
    audit: list[int] = field(default_factory=list)


def footprint(session: Session, customer_id: str) -> Footprint:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id!r} in the register; `spocmail register show` lists them")
    fp = Footprint(customer=customer)
    fp.issues = list(session.scalars(select(Issue).where(Issue.customer_id == customer_id).order_by(Issue.id)))
    refs = {i.ref for i in fp.issues}
    issue_ids = [i.id for i in fp.issues]
    fp.messages |= set(session.scalars(select(Message.id).where(Message.customer_id == customer_id)))
    fp.messages |= set(session.scalars(select(Identification.message_pk)
                                       .where(Identification.customer_id == customer_id)))
    addresses = {a.email.lower() for a in customer.addresses}
    if addresses:  # their mail still waiting in triage, or set aside, is theirs too
        fp.messages |= set(session.scalars(select(Message.id).where(Message.from_email.in_(addresses))))
    if issue_ids:
        fp.messages |= set(session.scalars(select(IssueMessage.message_pk)
                                           .where(IssueMessage.issue_id.in_(issue_ids))))
        fp.messages |= {m for m in session.scalars(select(Answer.message_pk).where(Answer.issue_id.in_(issue_ids)))
                        if m is not None}
    for oid, record_pk, related in session.execute(select(OutboxMail.id, OutboxMail.record_pk, OutboxMail.related)):
        related = related or {}
        if (customer_id in (related.get("customer"), related.get("copy_for"), related.get("draft_for"))
                or refs & set(related.get("issues") or []) or record_pk in fp.messages):
            fp.outbox.add(oid)
            fp.messages.add(record_pk)
    fp.responses = set(session.scalars(select(Response.id).where(Response.customer_id == customer_id)))
    fp.drafts = set(session.scalars(select(ResponseDraft.id).where(ResponseDraft.customer_id == customer_id)))
    fp.audit = audit_ids(session, customer_id, refs, fp.messages, fp.outbox)
    return fp


def audit_ids(session: Session, customer_id: str, refs: set[str], messages: set[int], outbox: set[int]) -> list[int]:
    mine = {("customer", customer_id)} | {("issue", r) for r in refs}
    mine |= {("message", str(m)) for m in messages} | {("outbox", str(o)) for o in outbox}
    out = []
    for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id)):
        if (e.subject_type, e.subject_id) in mine or (e.detail or {}).get("customer") == customer_id:
            out.append(e.id)
    return out


# ------------------------------------------------------------------ the subject access export


def _iso(v):
    return v.isoformat() if v is not None else None


def _issue_doc(issue: Issue) -> dict:
    return {
        "ref": issue.ref, "title": issue.title, "request_text": issue.request_text, "category": issue.category,
        "statutory_kind": issue.statutory_kind, "received_at": _iso(issue.received_at), "due": _iso(issue.due),
        "status": issue.status, "officer": issue.officer_id, "contacts": issue.contacts,
        "responded_at": _iso(issue.responded_at), "closed_reason": issue.closed_reason,
        "messages": [{"message": link.message_pk, "role": link.role, "added_at": _iso(link.added_at)}
                     for link in issue.links],
        "requests": [{"officer": r.officer_id, "sent_at": _iso(r.sent_at), "needed_by": _iso(r.needed_by),
                      "status": r.status} for r in issue.requests],
        "answers": [{"officer": a.officer_id, "text": a.final_text, "received_at": _iso(a.received_at),
                     "approved_at": _iso(a.approved_at)} for a in issue.answers],
        "notes": [{"text": n.text, "author": n.author, "created_at": _iso(n.created_at)} for n in issue.notes],
    }


def _mail_name(m: Message) -> str:
    return f"mail/{m.id:06d}-{m.direction}.eml"


def build_export(session: Session, customer_id: str, now: datetime) -> tuple[bytes, dict]:
    """The zip archive's bytes and its index."""
    from spocmail.record import entry_json

    fp = footprint(session, customer_id)
    c = fp.customer
    arr = c.arrangement
    personal = {p.entry_id: p for p in session.scalars(select(AuditPersonal).where(AuditPersonal.entry_id.in_(fp.audit)))} \
        if fp.audit else {}
    entries = [entry_json(e, personal.get(e.id)) for e in
               session.scalars(select(AuditEntry).where(AuditEntry.id.in_(fp.audit)).order_by(AuditEntry.id))] \
        if fp.audit else []
    register = {
        "id": c.id, "name": c.name, "phones": c.phones, "postal_address": c.postal_address,
        "addresses": [{"email": a.email, "status": a.status, "source": a.source} for a in c.addresses],
        "arrangement": None if arr is None else {
            "spoc": arr.spoc_id, "deputy": arr.deputy_id, "contact_address": arr.contact_address,
            "contact_method": arr.contact_method, "start": _iso(arr.start), "review": _iso(arr.review),
            "status": arr.status, "restrictions": arr.restrictions, "members": [m.id for m in arr.members]},
    }
    files: dict[str, bytes] = {}
    mails = []
    for m in session.scalars(select(Message).where(Message.id.in_(fp.messages)).order_by(Message.id)) \
            if fp.messages else []:
        name = _mail_name(m)
        files[name] = m.raw
        mails.append({"file": name, "id": m.id, "direction": m.direction, "from": m.from_email,
                      "subject": m.subject, "date": _iso(m.date_header or m.internaldate or m.stored_at),
                      "sha256": m.sha256})
    outbox = [{"id": o.id, "kind": o.kind, "state": o.state, "recipients": o.recipients,
               "queued_at": _iso(o.queued_at), "sent_at": _iso(o.sent_at), "file": _mail_name_by_pk(o.record_pk, mails)}
              for o in session.scalars(select(OutboxMail).where(OutboxMail.id.in_(fp.outbox)).order_by(OutboxMail.id))] \
        if fp.outbox else []
    responses = [{"kind": r.kind, "period": r.period, "status": r.status, "subject": r.subject, "items": r.items,
                  "approved_at": _iso(r.approved_at), "queued_at": _iso(r.queued_at)}
                 for r in session.scalars(select(Response).where(Response.customer_id == customer_id)
                                          .order_by(Response.id))]
    drafts = [{"ident": d.ident, "kind": d.kind, "period": d.period, "status": d.status, "subject": d.subject,
               "body_text": d.body_text, "compiled_at": _iso(d.compiled_at), "approved_at": _iso(d.approved_at)}
              for d in session.scalars(select(ResponseDraft).where(ResponseDraft.customer_id == customer_id)
                                       .order_by(ResponseDraft.id))]
    corrections = [e for e in entries if e["action"] == CORRECTION_ACTION]
    docs = {
        "register.json": register,
        "issues.json": [_issue_doc(i) for i in fp.issues],
        "mail.json": mails,
        "outbox.json": outbox,
        "responses.json": responses,
        "drafts.json": drafts,
        "audit.json": entries,
        "corrections.json": corrections,
    }
    for name, doc in docs.items():
        files[name] = json.dumps(doc, indent=2, ensure_ascii=False, default=str).encode("utf-8")
    index = {
        "customer": c.id, "name": c.name, "exported_at": now.isoformat(),
        "counts": {"issues": len(fp.issues), "mails": len(mails), "outbox": len(outbox),
                   "responses": len(responses), "drafts": len(drafts), "audit_entries": len(entries),
                   "corrections": len(corrections)},
        "files": {name: _describe(name) for name in sorted(files)},
    }
    files["index.json"] = json.dumps(index, indent=2, ensure_ascii=False).encode("utf-8")
    files["index.html"] = _index_html(index, register, docs["issues.json"], mails, corrections).encode("utf-8")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        stamp = now.astimezone().timetuple()[:6]
        for name in ["index.html", "index.json", *sorted(n for n in files if not n.startswith("index."))]:
            z.writestr(zipfile.ZipInfo(name, date_time=stamp), files[name])
    return buf.getvalue(), index


def _mail_name_by_pk(pk: int, mails: list[dict]) -> str | None:
    return next((m["file"] for m in mails if m["id"] == pk), None)


def _describe(name: str) -> str:
    if name.startswith("mail/"):
        return "a mail exactly as received or sent (RFC 5322; open it in any mail program)"
    return {
        "register.json": "the register entry: name, addresses, telephone, postal address, the arrangement",
        "issues.json": "each issue: the request, its officer, answers, internal notes and dates",
        "mail.json": "the list of mails in mail/, with sender, subject and date",
        "outbox.json": "mail the council sent to or about the customer, and to whom",
        "responses.json": "the responses sent, with their items",
        "drafts.json": "the drafts of responses the SPOC was shown",
        "audit.json": "every audit entry about the customer, their issues and mail (who did what, when)",
        "corrections.json": "corrections recorded against the record (the record itself is not rewritten)",
    }.get(name, "")


def _index_html(index: dict, register: dict, issues: list[dict], mails: list[dict], corrections: list[dict]) -> str:
    e = html.escape
    rows = "".join(f"<tr><td>{e(i['ref'])}</td><td>{e(i['category'])}</td><td>{e(i['received_at'] or '')}</td>"
                   f"<td>{e(i['status'])}</td><td>{e(i['title'])}</td></tr>" for i in issues)
    mail_rows = "".join(f"<tr><td><a href=\"{e(m['file'])}\">{e(m['file'])}</a></td><td>{e(m['direction'])}</td>"
                        f"<td>{e(m['date'] or '')}</td><td>{e(m['from'] or '')}</td><td>{e(m['subject'])}</td></tr>"
                        for m in mails)
    corr = "".join(f"<li>{e(c['at'])} by {e(c['actor'])} on {e(c['subject_type'])} {e(c['subject_id'])}: "
                   f"{e(str(c['detail'].get('text', '')))}</li>" for c in corrections) or "<li>none</li>"
    files = "".join(f"<li><code>{e(n)}</code>: {e(d)}</li>" for n, d in index["files"].items()
                    if not n.startswith("mail/"))
    counts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in index["counts"].items())
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Information held about {e(register['name'])}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}table{{border-collapse:collapse}}
td,th{{border:1px solid #999;padding:.2em .4em;text-align:left;vertical-align:top}}</style></head><body>
<h1>Information held about {e(register['name'])}</h1>
<p>Customer {e(index['customer'])}; exported {e(index['exported_at'])}. {e(counts)}.</p>
<h2>Files in this archive</h2><ul>{files}</ul>
<h2>Issues</h2><table><tr><th>ref</th><th>kind</th><th>received</th><th>status</th><th>title</th></tr>{rows}</table>
<h2>Mail</h2><table><tr><th>file</th><th>in/out</th><th>date</th><th>from</th><th>subject</th></tr>{mail_rows}</table>
<h2>Corrections</h2><ul>{corr}</ul>
</body></html>
"""


def export(session: Session, customer_id: str, out: Path, now: datetime, actor: str = "spoc") -> dict:
    """Write the archive to `out` and record that it was made (who, when; not what it held)."""
    from spocmail.db import audit

    data, index = build_export(session, customer_id, now)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    audit.record(session, at=now, actor=actor, action="customer.exported", subject_type="customer",
                 subject_id=customer_id, counts=index["counts"])
    return {"customer": customer_id, "out": str(out), "bytes": len(data), **index["counts"]}


def correct(session: Session, customer_id: str, text: str, now: datetime, actor: str = "spoc",
            issue_ref: str | None = None) -> dict:
    """Record a correction beside the record: append-only, shown with the record and in the export."""
    from spocmail.db import audit

    if session.get(Customer, customer_id) is None:
        raise NotFound(f"no customer {customer_id!r} in the register; `spocmail register show` lists them")
    if not text.strip():
        raise ExportError("--text: the correction is empty; say what is wrong in the record and what is right")
    subject_type, subject_id = "customer", customer_id
    if issue_ref:
        issue = session.scalar(select(Issue).where(Issue.ref == issue_ref.upper()))
        if issue is None or issue.customer_id != customer_id:
            raise NotFound(f"--issue {issue_ref}: no such issue of {customer_id}; `spocmail issues list "
                           f"--customer {customer_id}` lists them")
        subject_type, subject_id = "issue", issue.ref
    audit.record(session, at=now, actor=actor, action=CORRECTION_ACTION, subject_type=subject_type,
                 subject_id=subject_id, customer=customer_id, text=text.strip())
    return {"customer": customer_id, "subject_type": subject_type, "subject_id": subject_id, "at": now.isoformat()}


def corrections(session: Session, customer_id: str) -> list[dict]:
    from spocmail.record import show

    return [e for e in show(session, customer_id) if e["action"] == CORRECTION_ACTION]


def issue_corrections(session: Session, ref: str) -> list[dict]:
    """The corrections recorded against one issue, oldest first: `at`, `actor`, `text`."""
    entries = list(session.scalars(select(AuditEntry).where(AuditEntry.action == CORRECTION_ACTION,
                                                            AuditEntry.subject_type == "issue",
                                                            AuditEntry.subject_id == ref).order_by(AuditEntry.id)))
    if not entries:
        return []
    from spocmail.db.audit import full_detail

    personal = {p.entry_id: p for p in session.scalars(select(AuditPersonal).where(
        AuditPersonal.entry_id.in_([e.id for e in entries])))}
    return [{"at": e.at.isoformat(), "actor": e.actor,
             "text": full_detail(e, personal.get(e.id)).get("text", "(erased under retention)")} for e in entries]
