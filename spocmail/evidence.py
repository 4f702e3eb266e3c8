"""The evidence a review meeting and the annual report ask for: contact by week, channel and first contact,
as JSON, CSV and a chart; the anonymous yearly counts and the published performance figures."""

from __future__ import annotations

import csv
import email
import email.policy
import io
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from spocmail.db.audit import AuditEntry
from spocmail.db.decisions import Identification as Decision
from spocmail.db.issues import Issue
from spocmail.db.mail import Message
from spocmail.errors import SpocmailError
from spocmail.report import CONTACT_DECISIONS, contact_volume
from spocmail.respond import iso_week

# The header a contact not made by mail carries in its record (`spocmail log`): letter, phone, in-person.
CHANNEL_HEADER = "X-Spocmail-Channel"

# The lifecycle actions written to the audit log (subject_type "customer", subject_id the customer id).
LIFECYCLE = {
    "arrangements_started": "arrangement.started",
    "reviewed": "arrangement.reviewed",
    "ended": "arrangement.ended",
    "appeals": "appeal.recorded",
}
RESTRICTION_APPLIED = "restriction.applied"
# The answers seed 004 asks the council to publish the timeliness of, by the issue's statutory kind.
PUBLISHED_KINDS = {"foi": ("foi",), "eir": ("eir", "eir-extended"), "sar": ("sar", "sar-extended"),
                   "complaint": ("complaint",)}


class ReportError(SpocmailError):
    exit_code = 2


# ------------------------------------------------------------------ contact by week, channel, first contact


def channel_of(message: Message, decision: Decision) -> str:
    """How the contact reached the council: by mail to the SPOC, by mail to an officer or a member who
    forwarded it, or logged by hand (letter, phone, in person), as the record's own header says."""
    try:
        headers = email.message_from_bytes(message.raw[:65536], policy=email.policy.compat32)
        logged = (headers.get(CHANNEL_HEADER) or "").strip().lower()
    except Exception:  # a mail spocmail could not read still counts, as mail
        logged = ""
    if logged:
        return logged
    if decision.role in ("officer", "member"):
        return f"email via {decision.role}"
    return "email"


def first_contacted(decision: Decision) -> str:
    """Whom the customer's contact reached first: the SPOC, or the officer or member who forwarded it."""
    if decision.role in ("officer", "member"):
        return decision.sender_id or decision.sender or decision.role
    return "spoc"


def contact_report(session: Session, customer_id: str, tz, since: date | None = None,
                   now: datetime | None = None) -> list[dict]:
    """`report contact`: per ISO week `week`, `mails`, `new_issues`, `repeats` (the contract's keys), and
    the week's mails `by_channel` and `by_first_contact`."""
    rows = contact_volume(session, customer_id, tz, since, now)
    extra: dict[str, dict] = defaultdict(lambda: {"by_channel": defaultdict(int), "by_first_contact": defaultdict(int)})
    q = (select(Message, Decision).join(Decision, Decision.message_pk == Message.id)
         .where(Decision.customer_id == customer_id, Decision.decision.in_(CONTACT_DECISIONS),
                Message.direction == "in", Message.auto_reply.is_(False)))
    if now is not None:
        q = q.where(Message.stored_at <= now, Decision.decided_at <= now)
    for m, d in session.execute(q):
        day = (m.internaldate or m.date_header or m.stored_at).astimezone(tz).date()
        if since and day < since:
            continue
        w = extra[iso_week(day)]
        w["by_channel"][channel_of(m, d)] += 1
        w["by_first_contact"][first_contacted(d)] += 1
    for r in rows:
        e = extra.get(r["week"], {"by_channel": {}, "by_first_contact": {}})
        r["by_channel"] = dict(sorted(e["by_channel"].items()))
        r["by_first_contact"] = dict(sorted(e["by_first_contact"].items()))
    return rows


def contact_csv(rows: list[dict]) -> str:
    """One line per week: the counts, then a column per channel and per first contact seen in any week."""
    channels = sorted({c for r in rows for c in r["by_channel"]})
    firsts = sorted({f for r in rows for f in r["by_first_contact"]})
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["week", "mails", "new_issues", "repeats", *(f"channel:{c}" for c in channels),
                *(f"first_contact:{f}" for f in firsts)])
    for r in rows:
        w.writerow([r["week"], r["mails"], r["new_issues"], r["repeats"],
                    *(r["by_channel"].get(c, 0) for c in channels),
                    *(r["by_first_contact"].get(f, 0) for f in firsts)])
    return out.getvalue()


def fill_weeks(rows: list[dict]) -> list[dict]:
    """The weeks between the first and the last with none missing: a quiet week is a zero, not a gap."""
    if not rows:
        return rows
    by_week = {r["week"]: r for r in rows}
    first = date.fromisocalendar(*map(int, rows[0]["week"].replace("W", "").split("-")), 1)
    last = date.fromisocalendar(*map(int, rows[-1]["week"].replace("W", "").split("-")), 1)
    out, day = [], first
    while day <= last:
        w = iso_week(day)
        out.append(by_week.get(w, {"week": w, "mails": 0, "new_issues": 0, "repeats": 0, "by_channel": {},
                                   "by_first_contact": {}}))
        day += timedelta(days=7)
    return out


CHART_FORMATS = (".png", ".svg")


def chart_format(path: Path, option: str = "--chart") -> str:
    ext = path.suffix.lower()
    if ext not in CHART_FORMATS:
        raise ReportError(f"{option} {path}: expected a file name ending .png or .svg (the chart's format)")
    return ext[1:]


def contact_chart(rows: list[dict], title: str, fmt: str = "png") -> bytes:
    """Mails per week stacked by channel, with new issues and repeats as lines (matplotlib, no display)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    rows = fill_weeks(rows)
    weeks = [r["week"] for r in rows]
    channels = sorted({c for r in rows for c in r["by_channel"]})
    fig = Figure(figsize=(max(7.0, 0.35 * len(weeks) + 3.5), 3.6), dpi=110)
    ax = fig.add_subplot()
    bottom = [0] * len(rows)
    xs = list(range(len(rows)))
    for c in channels:
        vals = [r["by_channel"].get(c, 0) for r in rows]
        ax.bar(xs, vals, bottom=bottom, label=f"mails: {c}", width=0.7)
        bottom = [b + v for b, v in zip(bottom, vals)]
    if not channels:  # no breakdown (an empty period): plain mails
        ax.bar(xs, [r["mails"] for r in rows], label="mails", width=0.7)
    ax.plot(xs, [r["new_issues"] for r in rows], marker="o", color="black", label="new issues")
    ax.plot(xs, [r["repeats"] for r in rows], marker="x", linestyle="--", color="firebrick", label="repeats")
    ax.set_xticks(xs, weeks, rotation=60, fontsize=7, ha="right")
    ax.set_ylabel("per ISO week")
    ax.set_title(title, fontsize=10)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylim(0, max([1, *(max(r["mails"], r["new_issues"], r["repeats"]) for r in rows)]) * 1.15)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    buf = io.BytesIO()
    # a fixed date in the metadata, so the same data gives the same bytes
    meta = {"Date": None} if fmt == "svg" else {}
    fig.savefig(buf, format=fmt, metadata=meta)
    return buf.getvalue()


# ------------------------------------------------------------------ the annual report


def _year_bounds(year: int, tz) -> tuple[datetime, datetime]:
    start = datetime.combine(date(year, 1, 1), time(0), tz).astimezone(timezone.utc)
    end = datetime.combine(date(year + 1, 1, 1), time(0), tz).astimezone(timezone.utc)
    return start, end


def lifecycle_counts(session: Session, year: int, tz) -> dict:
    """The yearly counts from the audit log, which retention never deletes: only the number of entries."""
    start, end = _year_bounds(year, tz)
    entries = session.scalars(select(AuditEntry).where(AuditEntry.at >= start, AuditEntry.at < end,
                                                       AuditEntry.action.in_((*LIFECYCLE.values(),
                                                                              RESTRICTION_APPLIED))))
    counts = {k: 0 for k in LIFECYCLE}
    restrictions: dict[str, int] = defaultdict(int)
    by_action = {v: k for k, v in LIFECYCLE.items()}
    for e in entries:
        if e.action == RESTRICTION_APPLIED:
            restrictions[str((e.detail or {}).get("kind") or "unspecified")] += 1
        else:
            counts[by_action[e.action]] += 1
    counts["restrictions"] = dict(sorted(restrictions.items()))
    return counts


def timeliness_rows(session: Session, tz) -> list[dict]:
    """Every statutory or complaint answer spocmail knows of, anonymous: kind, due, answered on (or None).
    The live issues, and the anonymous lines retention keeps of the issues it deleted."""
    from spocmail.db.retained import RetainedIssue

    rows = []
    for kind, due, responded_at in session.execute(select(Issue.statutory_kind, Issue.due, Issue.responded_at)
                                                   .where(Issue.statutory_kind.is_not(None), Issue.due.is_not(None),
                                                          Issue.status != "merged")):
        rows.append({"kind": kind, "due": due,
                     "answered_on": responded_at.astimezone(tz).date() if responded_at else None})
    for kind, due, answered_on in session.execute(select(RetainedIssue.statutory_kind, RetainedIssue.due,
                                                         RetainedIssue.answered_on)
                                                  .where(RetainedIssue.statutory_kind.is_not(None),
                                                         RetainedIssue.due.is_not(None))):
        rows.append({"kind": kind, "due": due, "answered_on": answered_on})
    return rows


def performance(session: Session, year: int, tz, today: date) -> dict:
    """Per published kind, of the answers due in `year`: how many were due, on time, late, and still to come
    (due, not yet answered, date not yet passed); `on_time_share` is on time over those decided (or null)."""
    out = {}
    rows = [r for r in timeliness_rows(session, tz) if r["due"].year == year]
    for label, kinds in PUBLISHED_KINDS.items():
        mine = [r for r in rows if r["kind"] in kinds]
        on_time = sum(1 for r in mine if r["answered_on"] is not None and r["answered_on"] <= r["due"])
        late = sum(1 for r in mine if (r["answered_on"] is not None and r["answered_on"] > r["due"])
                   or (r["answered_on"] is None and r["due"] < today))
        pending = len(mine) - on_time - late
        decided = on_time + late
        out[label] = {"due": len(mine), "on_time": on_time, "late": late, "pending": pending,
                      "on_time_share": round(on_time / decided, 4) if decided else None}
    return out


def annual_report(session: Session, year: int, tz, now: datetime) -> dict:
    """`report annual`: anonymous counts only, no customer id, name or address anywhere in it."""
    if not 2000 <= year <= 2200:
        raise ReportError(f"--year {year}: expected a calendar year such as 2026")
    doc = {"year": year, **lifecycle_counts(session, year, tz)}
    doc["performance"] = performance(session, year, tz, now.astimezone(tz).date())
    return doc
