"""Retention: a customer's mail and personal data deleted when their time is up after the arrangement ends.

An arrangement ends at its latest `arrangement.ended` audit entry (unless it was started or reinstated
after that). Each issue is kept `[retention] <kind>_months` after the end (complaints may be kept longer,
seed 004), everything else `default_months` (seed 001); the customer's register entry and whatever is not
an issue go once every issue has gone and the default time is up. What goes: the raw mail (the database
rows and the copies spocmail wrote or moved: Maildir, the file outbox, the storage folder), issues,
answers, notes, responses and drafts, the register entry, and the personal part of every audit entry about
the customer (audit_personal). What stays: the audit log's entries themselves (ids, actions and times,
chained, so `audit verify` still holds), and one anonymous line per deleted statutory issue
(retained_issues) so the annual figures do not change. Each run is recorded (retention_runs and a
`retention.erased` audit entry naming the entries whose personal part went).
"""

from __future__ import annotations

import calendar
import hashlib
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from spocmail import logs
from spocmail.config import Config
from spocmail.db import audit
from spocmail.db.audit import AuditEntry, AuditPersonal
from spocmail.db.decisions import Identification
from spocmail.db.drafts import ResponseDraft
from spocmail.db.issues import Answer, Issue, IssueMessage, IssueNote, JobRun, OfficerRequest, Response
from spocmail.db.mail import MailLocation, Message, MessageRaw
from spocmail.db.outbox import OutboxMail
from spocmail.db.register import Arrangement, Customer, CustomerAddress, arrangement_members
from spocmail.db.retained import RetainedIssue, RetentionRun
from spocmail.export import footprint
from spocmail.record import ERASED_ACTION

log = logs.get("retention")

ENDED = "arrangement.ended"
RESUMED = ("arrangement.reinstated",)  # a register import never restarts an ended arrangement (lifecycle.py)


def ended_at(session: Session, customer_id: str) -> datetime | None:
    """The instant the customer's arrangement ended: the latest `arrangement.ended` entry, unless the
    arrangement was reinstated after it (then it has not ended)."""
    last_end = session.scalar(select(AuditEntry.at).where(AuditEntry.subject_type == "customer",
                                                         AuditEntry.subject_id == customer_id,
                                                         AuditEntry.action == ENDED)
                              .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(1))
    if last_end is None:
        return None
    resumed = session.scalar(select(AuditEntry.id).where(AuditEntry.subject_type == "customer",
                                                        AuditEntry.subject_id == customer_id,
                                                        AuditEntry.action.in_(RESUMED), AuditEntry.at > last_end)
                             .limit(1))
    return None if resumed is not None else last_end


def add_months(instant: datetime, months: int) -> datetime:
    """The same day `months` later (the month's last day where there is no such day)."""
    y, m = divmod(instant.month - 1 + months, 12)
    year, month = instant.year + y, m + 1
    return instant.replace(year=year, month=month, day=min(instant.day, calendar.monthrange(year, month)[1]))


@dataclass
class Plan:
    customer: str
    ended: datetime
    issues: list[Issue] = field(default_factory=list)  # expired now
    kept: list[Issue] = field(default_factory=list)  # still within their kind's time
    whole: bool = False  # the customer's whole record goes (every issue expired and the default time up)


def plans(session: Session, config: Config, now: datetime) -> list[Plan]:
    out = []
    for cid in session.scalars(select(Customer.id).order_by(Customer.id)):
        ended = ended_at(session, cid)
        earliest = min([config.retention.default_months, *(m for _, m in config.retention.months)])
        if ended is None or now < add_months(ended, earliest):
            continue
        plan = Plan(customer=cid, ended=ended)
        for issue in session.scalars(select(Issue).where(Issue.customer_id == cid).order_by(Issue.id)):
            expires = add_months(ended, config.retention.months_for(issue.category))
            (plan.issues if now >= expires else plan.kept).append(issue)
        plan.whole = not plan.kept and now >= add_months(ended, config.retention.default_months)
        if plan.issues or plan.whole:
            out.append(plan)
    return out


def _count(counts: dict, kind: str, n: int) -> None:
    if n:
        counts[kind] = counts.get(kind, 0) + n


def _messages_of_issues(session: Session, issue_ids: list[int]) -> set[int]:
    if not issue_ids:
        return set()
    mids = set(session.scalars(select(IssueMessage.message_pk).where(IssueMessage.issue_id.in_(issue_ids))))
    mids |= {m for m in session.scalars(select(Answer.message_pk).where(Answer.issue_id.in_(issue_ids))) if m}
    return mids


def _still_needed(session: Session, mids: set[int], keep_issue_ids: list[int]) -> set[int]:
    """Mail also in the record of an issue that stays (this customer's kept issues, or anyone else's)."""
    if not mids:
        return set()
    linked: dict[int, set[int]] = {}
    for mpk, iid in session.execute(select(IssueMessage.message_pk, IssueMessage.issue_id)
                                    .where(IssueMessage.message_pk.in_(mids))):
        linked.setdefault(mpk, set()).add(iid)
    for mpk, iid in session.execute(select(Answer.message_pk, Answer.issue_id).where(Answer.message_pk.in_(mids))):
        linked.setdefault(mpk, set()).add(iid)
    keep = set(keep_issue_ids)
    return {m for m, iids in linked.items() if iids & keep}


def _delete_issues(session: Session, issues: list[Issue], now: datetime, counts: dict, tz) -> None:
    ids = [i.id for i in issues]
    if not ids:
        return
    for i in issues:
        if i.status != "merged":
            session.add(RetainedIssue(category=i.category, statutory_kind=i.statutory_kind,
                                      received_on=i.received_on, due=i.due, retained_at=now,
                                      answered_on=None if i.responded_at is None else
                                      i.responded_at.astimezone(tz).date()))
    _count(counts, "answers", session.execute(delete(Answer).where(Answer.issue_id.in_(ids))).rowcount)
    _count(counts, "officer_requests",
           session.execute(delete(OfficerRequest).where(OfficerRequest.issue_id.in_(ids))).rowcount)
    _count(counts, "notes", session.execute(delete(IssueNote).where(IssueNote.issue_id.in_(ids))).rowcount)
    session.execute(delete(IssueMessage).where(IssueMessage.issue_id.in_(ids)))
    session.execute(update(Issue).where(Issue.merged_into_id.in_(ids)).values(merged_into_id=None))
    refs = [i.ref for i in issues]
    session.execute(delete(JobRun).where(or_(*(JobRun.key.like(f"{r}:%") for r in refs))))
    _count(counts, "issues", session.execute(delete(Issue).where(Issue.id.in_(ids))).rowcount)


def _delete_mail(session: Session, mids: set[int], counts: dict, files: set[str]) -> list[int]:
    """Mail rows (and what points at them: outbox rows, decisions, locations), their files noted by SHA-256;
    returns the audit entries about those rows (their personal part goes with them)."""
    if not mids:
        return []
    mids = list(mids)
    oids = list(session.scalars(select(OutboxMail.id).where(OutboxMail.record_pk.in_(mids))))
    if oids:
        session.execute(update(Answer).where(Answer.sent_in.in_(oids)).values(sent_in=None))
        session.execute(update(OfficerRequest).where(OfficerRequest.outbox_id.in_(oids)).values(outbox_id=None))
        session.execute(update(Response).where(Response.outbox_id.in_(oids)).values(outbox_id=None))
        session.execute(update(Response).where(Response.draft_outbox_id.in_(oids)).values(draft_outbox_id=None))
        session.execute(update(ResponseDraft).where(ResponseDraft.draft_outbox_id.in_(oids))
                        .values(draft_outbox_id=None))
        session.execute(update(ResponseDraft).where(ResponseDraft.sent_outbox_id.in_(oids))
                        .values(sent_outbox_id=None))
        _count(counts, "outbox", session.execute(delete(OutboxMail).where(OutboxMail.id.in_(oids))).rowcount)
    session.execute(update(Answer).where(Answer.message_pk.in_(mids)).values(message_pk=None))
    files |= set(session.scalars(select(Message.sha256).where(Message.id.in_(mids))))
    _count(counts, "identifications",
           session.execute(delete(Identification).where(Identification.message_pk.in_(mids))).rowcount)
    session.execute(delete(MailLocation).where(MailLocation.message_pk.in_(mids)))
    session.execute(delete(MessageRaw).where(MessageRaw.message_pk.in_(mids)))  # the mails themselves
    _count(counts, "mails", session.execute(delete(Message).where(Message.id.in_(mids))).rowcount)
    subjects = {("message", str(m)) for m in mids} | {("outbox", str(o)) for o in oids}
    return [e for e, st, sid in session.execute(select(AuditEntry.id, AuditEntry.subject_type, AuditEntry.subject_id)
                                                .where(AuditEntry.subject_type.in_(("message", "outbox"))))
            if (st, sid) in subjects]


def _erase_personal(session: Session, entry_ids: list[int], counts: dict) -> list[int]:
    if not entry_ids:
        return []
    held = list(session.scalars(select(AuditPersonal.entry_id).where(AuditPersonal.entry_id.in_(entry_ids))))
    if held:
        session.execute(delete(AuditPersonal).where(AuditPersonal.entry_id.in_(held)))
        _count(counts, "audit_personal", len(held))
    return held


def _apply(session: Session, plan: Plan, now: datetime, counts: dict, files: set[str], tz) -> list[int]:
    """Delete what the plan says has expired; return the audit entries whose personal part went."""
    fp = footprint(session, plan.customer)
    kept_ids = [i.id for i in plan.kept]
    other_ids = list(session.scalars(select(Issue.id).where(Issue.customer_id != plan.customer)))
    if plan.whole:
        mids = set(fp.messages)
        entries = fp.audit
        rids, dids = list(fp.responses), list(fp.drafts)
    else:
        mids = _messages_of_issues(session, [i.id for i in plan.issues])
        refs = {i.ref for i in plan.issues}
        entries = [e.id for e in session.scalars(select(AuditEntry).where(AuditEntry.subject_type == "issue",
                                                                          AuditEntry.subject_id.in_(refs)))]

        def only_expired(found: list) -> bool:
            return bool(found) and set(found) <= refs

        # mail sent about the expired issues alone (requests, notices, responses) goes with them; a response
        # that also carried an issue still kept stays until the rest of the record goes
        for oid, record_pk, related in session.execute(select(OutboxMail.id, OutboxMail.record_pk,
                                                              OutboxMail.related)
                                                       .where(OutboxMail.id.in_(fp.outbox or {0}))):
            if only_expired((related or {}).get("issues") or []):
                mids.add(record_pk)
        rids = [r.id for r in session.scalars(select(Response).where(Response.id.in_(fp.responses or {0})))
                if only_expired([i.get("ref") for i in r.items or []])]
        dids = [d.id for d in session.scalars(select(ResponseDraft).where(ResponseDraft.id.in_(fp.drafts or {0})))
                if only_expired([i.get("ref") for i in d.items or []])]
    mids -= _still_needed(session, mids, kept_ids + other_ids)
    if not plan.whole:  # mail of an expired issue that is also the customer's other record stays with it
        mids = {m for m in mids if m in fp.messages}
    _delete_issues(session, plan.issues, now, counts, tz)
    if rids:
        _count(counts, "responses", session.execute(delete(Response).where(Response.id.in_(rids))).rowcount)
    if dids:
        _count(counts, "drafts", session.execute(delete(ResponseDraft).where(ResponseDraft.id.in_(dids))).rowcount)
    entries = sorted(set(entries) | set(_delete_mail(session, mids, counts, files)))
    erased = _erase_personal(session, entries, counts)
    if plan.whole:
        cid = plan.customer
        session.execute(delete(JobRun).where(JobRun.key.like(f"{cid}:%")))
        _count(counts, "addresses",
               session.execute(delete(CustomerAddress).where(CustomerAddress.customer_id == cid)).rowcount)
        arr_ids = list(session.scalars(select(Arrangement.id).where(Arrangement.customer_id == cid)))
        if arr_ids:
            session.execute(delete(arrangement_members).where(arrangement_members.c.arrangement_id.in_(arr_ids)))
            _count(counts, "arrangements",
                   session.execute(delete(Arrangement).where(Arrangement.id.in_(arr_ids))).rowcount)
        session.expunge_all()
        _count(counts, "customers", session.execute(delete(Customer).where(Customer.id == cid)).rowcount)
    return erased


def _owned_dirs(config: Config) -> list[Path]:
    """The folders where spocmail keeps copies of mail: the storage folder, the Maildir it reads and files
    into (cur/ and its sub-folders such as .Sent), and the file outbox."""
    dirs = [config.storage.dir]
    if config.mailbox.kind == "maildir" and config.mailbox.path is not None:
        dirs.append(Path(config.mailbox.path))
    if config.smtp.kind == "file" and getattr(config.smtp, "dir", None) is not None:
        dirs.append(Path(config.smtp.dir))
    return [d for d in dirs if d is not None and Path(d).is_dir()]


def _files_with(config: Config, shas: set[str]) -> list[Path]:
    found = []
    if not shas:
        return found
    for root in _owned_dirs(config):
        for dirpath, _dirs, names in os.walk(root):
            for name in names:
                path = Path(dirpath) / name
                if path.suffix in (".sqlite", ".db") or name.endswith(("-wal", "-shm")):
                    continue
                try:
                    if hashlib.sha256(path.read_bytes()).hexdigest() in shas:
                        found.append(path)
                except OSError:
                    continue
    return sorted(set(found))


def run(session: Session, config: Config, now: datetime, dry_run: bool = False, actor: str = "spocmail") -> dict:
    """Delete what has expired at `now` (or, with dry_run, say what would go and delete nothing)."""
    counts: dict[str, int] = {}
    files: set[str] = set()
    erased: list[int] = []
    customers = []
    for plan in plans(session, config, now):
        customers.append({"customer": plan.customer, "ended": plan.ended.isoformat(),
                          "issues": len(plan.issues), "whole_record": plan.whole})
        erased += _apply(session, plan, now, counts, files, config.tz)
    paths = _files_with(config, files)
    _count(counts, "mail_files", len(paths))
    doc = {"dry_run": dry_run, "at": now.isoformat(), "deleted": dict(sorted(counts.items())),
           "customers": customers}
    if dry_run:  # everything was worked out the real way, and none of it is kept
        session.rollback()
        return doc
    if not customers:
        return doc
    session.add(RetentionRun(ran_at=now, actor=actor, customers=len(customers), deleted=doc["deleted"]))
    audit.record(session, at=now, actor=actor, action=ERASED_ACTION, subject_type="table", subject_id="retention",
                 entries=sorted(erased), deleted=doc["deleted"], customers=[c["customer"] for c in customers])
    session.flush()
    doc["_files"] = paths  # removed by the caller once the deletions are committed
    log.info("retention ran", extra={"event": "retention.run", "deleted": doc["deleted"],
                                     "customers": len(customers)})
    return doc


def remove_files(doc: dict) -> None:
    """After the commit: the files go only once the database no longer points at them."""
    for path in doc.pop("_files", []):
        try:
            Path(path).unlink()
        except FileNotFoundError:
            pass


def run_committed(config: Config, db, now: datetime, dry_run: bool = False, actor: str = "spocmail") -> dict:
    with db.session() as session:
        doc = run(session, config, now, dry_run=dry_run, actor=actor)
    remove_files(doc)
    return doc
