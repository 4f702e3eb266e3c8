"""Letters to the customer about their arrangement (introduction, review outcome, notice, appeal decision).

Seed 001 §4.1 and seed 002 §4: the customer is told in writing of each decision, with the SPOC's name, the
addresses for mail and post, the method of contact, the restrictions, how long the arrangement lasts, the
review date and how to appeal. Each letter is rendered from templates/letter.*.j2 and kept as a draft with an
identity (spocmail/drafts.py, kind "letter"): the SPOC approves exactly that draft, and only then is it sent
and recorded as a response. The customer is also told, automatically, when their SPOC is away and who covers.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from spocmail import drafts, letters, outbox, restrictions, templating
from spocmail.config import Config
from spocmail.db import audit
from spocmail.db.drafts import ResponseDraft
from spocmail.db.issues import Response
from spocmail.db.lifecycle import Appeal, ArrangementEvent
from spocmail.db.outbox import OutboxMail
from spocmail.db.register import Arrangement, Customer, Officer
from spocmail.deadlines import WorkingCalendar
from spocmail.errors import NotFound
from spocmail.mail import headers as mail_headers

KINDS = ("intro", "review", "notice", "suspended", "reinstated", "appeal")
SUBJECTS = {"intro": "your Single Point of Contact", "review": "the review of your Single Point of Contact",
            "notice": "the end of your Single Point of Contact arrangement",
            "suspended": "your Single Point of Contact arrangement is suspended",
            "reinstated": "your Single Point of Contact arrangement", "appeal": "the decision on your appeal"}


def compile_letter(session: Session, customer_id: str, kind: str, config: Config, now: datetime, *,
                   event: ArrangementEvent | None = None, appeal: Appeal | None = None) -> str:
    """Render the letter and keep it as a draft for the SPOC's approval; returns the draft's identity."""
    from spocmail.lifecycle import APPEAL_DAYS, arrangement_of
    from spocmail.respond import customer_address

    arr = arrangement_of(session, customer_id)
    customer = arr.customer
    today = now.astimezone(config.tz).date()
    months = None
    if arr.review:
        months = (arr.review.year - today.year) * 12 + arr.review.month - today.month
    decided = appeal and session.get(ArrangementEvent, appeal.event_id)
    text, html = templating.render(
        "letter", kind=kind, customer=customer, arr=arr, spoc=arr.spoc, deputy=arr.deputy, today=today,
        council=config.council.name, mail_address=arr.contact_address or config.spoc.address,
        postal=config.council.address, restrictions=restrictions.describe(arr.restrictions or {}),
        months=months, event=event, appeal=appeal, appealed=decided, appeal_days=APPEAL_DAYS,
        appeal_until=(today + timedelta(days=APPEAL_DAYS)), sig=letters.signature(config, customer))
    msg = EmailMessage()
    msg["From"] = mail_headers.address(config.spoc.name, config.spoc.address)
    msg["To"] = mail_headers.addresses([customer_address(session, customer)])
    msg["Reply-To"] = mail_headers.address(config.spoc.name, config.spoc.address)
    msg["Subject"] = mail_headers.clean(f"{config.council.name}: {SUBJECTS[kind]}")
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    period = f"{kind}-{appeal.id if appeal else event.id if event else today.isoformat()}"
    if kind != "appeal":  # a new decision makes the letters about earlier ones, not yet approved, out of date
        for older in current(session, customer_id):
            if not older.period.startswith("appeal-") and older.period != period:
                older.status = "superseded"
    row = drafts.store(session, customer_id=customer_id, kind="letter", period=period, mail=msg,
                       items=[{"ref": period, "state": "letter", "text": kind}], answer_ids=[], issue_ids=[],
                       held_back=[], now=now)
    return row.ident


def current(session: Session, customer_id: str) -> list[ResponseDraft]:
    return list(session.scalars(select(ResponseDraft).where(ResponseDraft.customer_id == customer_id,
                                                            ResponseDraft.kind == "letter",
                                                            ResponseDraft.status == "current")
                                .order_by(ResponseDraft.id)))


def draft_json(row: ResponseDraft) -> dict:
    return {"draft": row.ident, "letter": row.period.rsplit("-", 1)[0], "to": row.to_addrs, "subject": row.subject,
            "body_text": row.body_text, "status": row.status,
            "compiled_at": row.compiled_at.isoformat()}


def introduce(session: Session, customer_id: str, config: Config, now: datetime, *, actor: str) -> dict:
    """The introduction letter (a draft to approve) and the staff notice that the arrangement is in place."""
    from spocmail.lifecycle import arrangement_of, events, staff_notice

    arr = arrangement_of(session, customer_id)
    ev = next((e for e in events(session, customer_id) if e.kind == "started"), None)
    ident = compile_letter(session, customer_id, "intro", config, now, event=ev)
    staff = staff_notice(session, arr, "started", config, now, ev)
    return {"customer": customer_id, "letter_draft": ident, "staff_notices": staff}


def send(session: Session, customer_id: str, config: Config, now: datetime, *, actor: str,
         draft_id: str | None = None) -> dict:
    """The SPOC approves a letter draft: exactly its stored bytes go to the customer, once, and are recorded."""
    if session.get(Customer, customer_id) is None:
        raise NotFound(f"no customer {customer_id!r} in the register; `spocmail register show` lists them")
    if draft_id:
        row = drafts.find(session, customer_id, draft_id)
        if row.kind != "letter":
            raise NotFound(f"--draft {draft_id}: not a letter draft of {customer_id}")
    else:
        rows = current(session, customer_id)
        if len(rows) != 1:
            raise drafts.DraftError(
                f"{customer_id} has {len(rows)} letter drafts waiting: name one with --draft "
                f"({', '.join(r.ident for r in rows) or 'none'}; `spocmail arrangement letter {customer_id}` "
                f"shows them)")
        row = rows[0]
    if row.status == "sent":
        return {"customer": customer_id, "draft": row.ident, "status": "already sent"}
    drafts.check_sendable(session, row)
    out = outbox.queue(session, drafts.customer_mail(row), kind="letter", now=now,
                       dedupe_key=f"letter:{customer_id}:{row.ident}",
                       related={"customer": customer_id, "letter": row.period, "draft_ident": row.ident})
    row.status, row.sent_outbox_id, row.approved_at, row.approved_by = "sent", out.id, now, actor
    session.add(Response(customer_id=customer_id, kind="letter", period=row.period, sequence=1, status="queued",
                         subject=row.subject, items=list(row.items), message_id=out.message_id, outbox_id=out.id,
                         created_at=now, approved_at=now, approved_by=actor, queued_at=now))
    audit.record(session, at=now, actor=actor, action="letter.sent", subject_type="customer",
                 subject_id=customer_id, letter=row.period, draft=row.ident, outbox=out.id)
    return {"customer": customer_id, "draft": row.ident, "status": "queued", "message_id": out.message_id}


def cover_notices(session: Session, config: Config, now: datetime, days_ahead: int = 2) -> int:
    """The customer is told, once per absence, when their SPOC is away and who covers (from the register)."""
    from spocmail.respond import ResponseError, customer_address

    today = now.astimezone(config.tz).date()
    cal = WorkingCalendar(config.council.holidays)
    horizon = cal.add_working_days(today, days_ahead)
    n = 0
    for arr in session.scalars(select(Arrangement).where(Arrangement.status.in_(("active", "ending")))).all():
        spoc: Officer = arr.spoc
        cover = arr.deputy or (session.get(Officer, spoc.cover_id) if spoc.cover_id else None)
        if cover is None:
            continue
        for absence in spoc.absences:
            if not (absence.starts <= horizon and today <= absence.ends) or absence.ends < arr.start:
                continue
            try:
                to = customer_address(session, arr.customer)
            except ResponseError:
                continue
            back = cal.next_working_day(absence.ends)
            msg = templating.build("cover_notice", subject=f"{config.council.name}: your Single Point of Contact "
                                   f"is away from {absence.starts:%-d %B}",
                                   sender=f"{config.spoc.name} <{config.spoc.address}>", to=[to],
                                   customer=arr.customer, spoc=spoc, cover=cover, absence=absence, back=back,
                                   mail_address=arr.contact_address or config.spoc.address,
                                   sig=letters.signature(config, arr.customer))
            key = f"cover:{arr.customer_id}:{absence.id}"
            if session.scalar(select(OutboxMail.id).where(OutboxMail.dedupe_key == key)) is not None:
                continue
            outbox.queue(session, msg, kind="cover_notice", now=now, dedupe_key=key,
                         related={"customer": arr.customer_id, "absence": absence.id})
            n += 1
    return n
