"""Restrictions as data (the arrangement's `restrictions` table), applied the same way every time.

Kinds (seed 001 §4, seed 002 Appendix B):
- `issues_per_week` / `issues_per_month` (a positive integer): the issues considered per ISO week or calendar
  month; the excess is carried to the next period (not routed until then) and the weekly response says so.
- `subjects_closed` (a list): subjects on which the council has said it will not correspond further; each is a
  phrase, or a table `{ subject = "...", phrases = ["...", ...] }`. A request on one is acknowledged and filed,
  not routed to an officer.
- `channel` (a string, "spoc-mailbox"): the agreed channel; the customer's mail that reaches another officer or
  a member, who forwards it, is recorded as contact outside it.
- `phone`, `premises`, `named_staff` (strings): recorded and told to the customer; spocmail has nothing to apply.
Statutory requests (FOI, EIR, subject access) are never restricted (seed 002 §9.2): they count towards no limit,
are never closed as a subject, and are routed at once. Each restriction applied is kept with the issue
(`issues show` lists `restrictions`) and audited as `restriction.applied` with its kind.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from spocmail.db import audit
from spocmail.db.issues import Issue
from spocmail.db.register import Arrangement

KINDS = ("issues_per_week", "issues_per_month", "subjects_closed", "channel", "phone", "premises", "named_staff")
STATUTORY = ("foi", "eir", "sar")  # never restricted (seed 002 §9.2)
CHANNELS = ("spoc-mailbox",)


def validate(value, fail) -> dict:
    """Check a register entry's `restrictions`; FAIL(expected) raises the register's error naming the field."""
    if not isinstance(value, dict):
        fail("a table of restrictions such as { issues_per_week = 10 }")
    for key, v in value.items():
        if key not in KINDS:
            fail(f"known restriction kinds only ({', '.join(KINDS)}); {key!r} is not one")
        if key in ("issues_per_week", "issues_per_month"):
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                fail(f"{key} as a whole number of at least 1 (got {v!r})")
        elif key == "subjects_closed":
            if not isinstance(v, list) or not v:
                fail("subjects_closed as a list of phrases, or of { subject = \"...\", phrases = [...] }")
            for s in v:
                ok = (isinstance(s, str) and s.strip()) or (
                    isinstance(s, dict) and isinstance(s.get("subject"), str) and set(s) <= {"subject", "phrases"}
                    and all(isinstance(p, str) and p.strip() for p in s.get("phrases", [])))
                if not ok:
                    fail(f"subjects_closed entries as phrases or {{ subject = \"...\", phrases = [...] }} "
                         f"(got {s!r})")
        elif key == "channel":
            if v not in CHANNELS:
                fail(f"channel as one of {', '.join(repr(c) for c in CHANNELS)} (got {v!r})")
        elif not isinstance(v, str) or not v.strip():
            fail(f"{key} as a description in words (got {v!r})")
    return value


def _norm(text: str) -> str:
    """Lower-case words, punctuation as spaces: filing.normalise (a byte table for ASCII, not a regex pass)."""
    from spocmail.filing import normalise

    return normalise(text or "")


def closed_subjects(restrictions: dict) -> list[tuple[str, list[str]]]:
    out = []
    for s in restrictions.get("subjects_closed", []) or []:
        if isinstance(s, str):
            out.append((s, [s]))
        else:
            out.append((s["subject"], list(s.get("phrases") or [s["subject"]])))
    return out


def closed_subject(restrictions: dict, text: str) -> tuple[str, str] | None:
    """(subject, phrase) when TEXT is on a closed subject: a phrase found in it, as whole words."""
    closed = closed_subjects(restrictions)
    if not closed:
        return None  # most arrangements close no subject: the whole request is not normalised for nothing
    words = f" {_norm(text)} "
    for subject, phrases in closed:
        for p in phrases:
            phrase = _norm(p)
            if phrase and f" {phrase} " in words:
                return subject, p
    return None


def describe(restrictions: dict) -> list[str]:
    """The restrictions in words the customer (and the SPOC) read."""
    lines = []
    if restrictions.get("issues_per_week"):
        n = restrictions["issues_per_week"]
        lines.append(f"We will consider up to {n} new issue{'s' if n != 1 else ''} from you each week; any more are "
                     f"carried to the following week.")
    if restrictions.get("issues_per_month"):
        n = restrictions["issues_per_month"]
        lines.append(f"We will consider up to {n} new issue{'s' if n != 1 else ''} from you each month; any more "
                     f"are carried to the following month.")
    for subject, _ in closed_subjects(restrictions):
        lines.append(f"We will not correspond further about {subject}: mail about it will be read and filed, "
                     f"and acknowledged only.")
    if restrictions.get("channel"):
        lines.append("Please write only to your Single Point of Contact; mail sent to other officers or "
                     "councillors will be passed to them and recorded as such.")
    for key, label in (("phone", "Telephone"), ("premises", "Visits to council offices"),
                       ("named_staff", "Contact with named staff")):
        if restrictions.get(key):
            lines.append(f"{label}: {restrictions[key]}")
    lines.append("None of this limits your rights to request information (Freedom of Information Act, "
                 "Environmental Information Regulations) or your personal data (subject access).")
    return lines


def _period(kind: str, day: date) -> tuple[date, date]:
    """The [start, next start) of the week (Monday) or month containing DAY."""
    if kind == "issues_per_week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7)
    start = day.replace(day=1)
    nxt = (start + timedelta(days=32)).replace(day=1)
    return start, nxt


def _note(session: Session, issue: Issue, kind: str, detail: str, now: datetime, actor: str = "spocmail") -> None:
    issue.restrictions = [*(issue.restrictions or []), {"kind": kind, "detail": detail, "at": now.isoformat()}]
    audit.record(session, at=now, actor=actor, action="restriction.applied", subject_type="customer",
                 subject_id=issue.customer_id, kind=kind, issue=issue.ref)


def _considered_in(session: Session, customer_id: str, kind: str, start: date, end: date, exclude: int) -> int:
    """Issues of the customer considered in [start, end): not statutory, not closed by a subject restriction.
    Only those filed before this one count (issues are decided in the order they were filed)."""
    n = 0
    for i in session.scalars(select(Issue).where(Issue.customer_id == customer_id, Issue.id < exclude,
                                                 Issue.status != "merged")):
        if i.statutory_kind in STATUTORY or i.category == "no-response":
            continue
        if any(r.get("kind") == "subjects_closed" for r in (i.restrictions or [])):
            continue
        considered = i.deferred_until or i.received_on
        if start <= considered < end:
            n += 1
    return n


def decide(session: Session, issue: Issue, arr: Arrangement, now: datetime, tz, *,
           outside_channel: str | None = None) -> str:
    """Apply the arrangement's restrictions to a new issue: "route", "closed" (acknowledged and filed only) or
    "deferred" (over the limit: carried to the next period). Statutory requests are always "route"."""
    rules = arr.restrictions or {}
    if outside_channel and rules.get("channel"):
        _note(session, issue, "channel", f"contact outside the agreed channel: {outside_channel}", now)
    if issue.statutory_kind in STATUTORY or issue.category in STATUTORY:
        return "route"
    hit = closed_subject(rules, f"{issue.title}\n{issue.request_text}")
    if hit is not None:
        subject, phrase = hit
        _note(session, issue, "subjects_closed", f"closed subject: {subject} (the words {phrase!r})", now)
        issue.status, issue.closed_reason, issue.updated_at = "closed", f"restricted subject: {subject}", now
        return "closed"
    today = now.astimezone(tz).date()
    for kind in ("issues_per_week", "issues_per_month"):
        limit = rules.get(kind)
        if not limit:
            continue
        start, end = _period(kind, today)
        while _considered_in(session, issue.customer_id, kind, start, end, issue.id) >= limit:
            start, end = _period(kind, end)
        if start > today:
            issue.deferred_until, issue.updated_at = start, now
            per = "week" if kind == "issues_per_week" else "month"
            _note(session, issue, kind, f"over the limit of {limit} issues a {per}: carried to the {per} "
                                        f"from {start:%-d %B %Y}", now)
            return "deferred"
    return "route"


def due_deferred(session: Session, today: date) -> list[Issue]:
    """Carried-over issues whose period has come: they are routed now (scheduled in `jobs run-due`)."""
    return list(session.scalars(select(Issue).where(Issue.deferred_until.is_not(None), Issue.deferred_until <= today,
                                                    Issue.status == "open", Issue.officer_id.is_(None))
                                .order_by(Issue.id)))


def item_note(issue: Issue) -> str | None:
    """What the weekly response says of a carried-over issue."""
    if issue.deferred_until and issue.status == "open" and issue.officer_id is None:
        return (f"Received on {issue.received_on:%A %-d %B %Y} and logged as {issue.ref}. Under the agreed limit "
                f"on the issues considered, it is carried forward and will be considered from "
                f"{issue.deferred_until:%A %-d %B %Y}.")
    return None
