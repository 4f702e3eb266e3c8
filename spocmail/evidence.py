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
    forwarded it, or logged by hand (letter, phone, in person: `spocmail log` sets the record's channel;
    mail fetched from a mailbox is always "email", whatever headers it carries)."""
    logged = message.channel if message.channel and message.channel != "email" else ""
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


# ------------------------------------------------------------------ the review pack


def _answer_row(issue: Issue, calendar, tz, today: date) -> dict:
    """How one issue was answered, against its statutory deadline or the council's local target."""
    from spocmail.deadlines import default_rules, timescale

    rule = timescale(issue.statutory_kind)
    due, basis = issue.due, None
    if rule is not None:
        basis = f"{rule.label}: {rule.describe()} ({rule.source})"
    else:
        target = default_rules().targets.get(issue.category)
        if target:
            due = calendar.add_working_days(issue.received_on, target)
            basis = f"local target: {target} working days"
    answered = issue.responded_at.astimezone(tz).date() if issue.responded_at else None
    taken = calendar.working_days_between(issue.received_on, answered) if answered else None
    if due is None:
        verdict = "no timescale"
    elif answered is not None:
        verdict = "on time" if answered <= due else f"late by {calendar.working_days_between(due, answered)} " \
                                                      f"working days"
    else:
        verdict = "overdue" if due < today else "not yet due"
    approved = [a for a in issue.answers if a.approved_at]
    return {"ref": issue.ref, "title": issue.title, "category": issue.category, "status": issue.status,
            "officer": issue.officer_id, "received_on": issue.received_on, "due": due, "basis": basis,
            "answered_on": answered, "working_days": taken, "verdict": verdict, "contacts": issue.contacts,
            "answer": approved[-1].final_text if approved else (issue.closed_reason or "")}


def review_data(session: Session, customer_id: str, config, now: datetime) -> dict:
    from spocmail.db.register import Customer
    from spocmail.deadlines import WorkingCalendar
    from spocmail.errors import NotFound

    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id!r} in the register; `spocmail register show` lists them")
    tz = config.tz
    calendar = WorkingCalendar(config.council.holidays)
    today = now.astimezone(tz).date()
    weeks = contact_report(session, customer_id, tz, None, now)
    issues = list(session.scalars(select(Issue).where(Issue.customer_id == customer_id, Issue.status != "merged",
                                                      Issue.created_at <= now).order_by(Issue.id)))
    answers = [_answer_row(i, calendar, tz, today) for i in issues]
    events = [{"at": e.at.astimezone(tz), "action": e.action,
               "detail": {k: v for k, v in (e.detail or {}).items() if k != "personal_sha256"}}
              for e in session.scalars(select(AuditEntry).where(
                  AuditEntry.subject_type == "customer", AuditEntry.subject_id == customer_id, AuditEntry.at <= now,
                  AuditEntry.action.like("arrangement.%") | AuditEntry.action.like("appeal.%")
                  | (AuditEntry.action == RESTRICTION_APPLIED)).order_by(AuditEntry.at, AuditEntry.id))]
    restrictions: dict[str, list] = defaultdict(list)
    for e in events:
        if e["action"] == RESTRICTION_APPLIED:
            restrictions[str(e["detail"].get("kind") or "unspecified")].append(e)
    by_kind: dict[str, dict] = {}
    for a in answers:
        k = by_kind.setdefault(a["category"], {"issues": 0, "answered": 0, "on_time": 0, "late": 0, "days": []})
        k["issues"] += 1
        if a["answered_on"]:
            k["answered"] += 1
            k["days"].append(a["working_days"])
        if a["verdict"] == "on time":
            k["on_time"] += 1
        elif a["verdict"].startswith("late") or a["verdict"] == "overdue":
            k["late"] += 1
    arr = customer.arrangement
    return {"customer": customer, "arrangement": arr, "weeks": weeks, "answers": answers, "events": events,
            "restrictions": dict(restrictions), "by_kind": by_kind, "now": now.astimezone(tz),
            "totals": {"mails": sum(w["mails"] for w in weeks), "new_issues": sum(w["new_issues"] for w in weeks),
                       "repeats": sum(w["repeats"] for w in weeks), "weeks": len(fill_weeks(weeks))}}


PRINT_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10.5pt; max-width: 60em; margin: 1.5em auto;
       color: #111; }
h1 { font-size: 16pt; margin-bottom: .2em } h2 { font-size: 12.5pt; border-bottom: 1px solid #444;
       margin-top: 1.4em } .meta { color: #444 }
table { border-collapse: collapse; width: 100%; margin: .4em 0 } th, td { border: 1px solid #999;
       padding: .15em .35em; text-align: left; vertical-align: top } th { background: #eee }
td.n { text-align: right } .late { color: #a00; font-weight: bold } .ok { color: #060 }
.chart svg { width: 100%; height: auto } .answer { white-space: pre-wrap; font-size: 9.5pt }
.notice { font-size: 9pt; color: #444; border: 1px solid #bbb; padding: .4em }
@page { size: A4; margin: 16mm 14mm }
@media print { body { margin: 0; max-width: none } h2 { break-after: avoid } tr { break-inside: avoid }
       section { break-inside: avoid-page } .pagebreak { break-before: page } a { color: inherit } }
"""


def review_pack_html(session: Session, customer_id: str, config, now: datetime) -> str:
    """`report review`: a printable pack for the review meeting (HTML with print CSS; print it to PDF)."""
    import html as h

    d = review_data(session, customer_id, config, now)
    e = h.escape
    c, arr = d["customer"], d["arrangement"]

    def day(v) -> str:
        return v.strftime("%a %-d %b %Y") if v else "—"

    svg = contact_chart(d["weeks"], f"Contact by ISO week ({customer_id})", "svg").decode("utf-8") \
        if d["weeks"] else "<p>No contact recorded.</p>"
    svg = svg[svg.find("<svg"):] if "<svg" in svg else svg
    week_rows = "".join(
        f"<tr><td>{e(w['week'])}</td><td class=n>{w['mails']}</td><td class=n>{w['new_issues']}</td>"
        f"<td class=n>{w['repeats']}</td><td>{e(', '.join(f'{k} {v}' for k, v in w['by_channel'].items()))}</td>"
        f"<td>{e(', '.join(f'{k} {v}' for k, v in w['by_first_contact'].items()))}</td></tr>" for w in d["weeks"])
    kind_rows = "".join(
        f"<tr><td>{e(k)}</td><td class=n>{v['issues']}</td><td class=n>{v['answered']}</td>"
        f"<td class=n>{v['on_time']}</td><td class=n>{v['late']}</td>"
        f"<td class=n>{(sum(v['days']) / len(v['days'])):.1f}</td></tr>" if v["days"] else
        f"<tr><td>{e(k)}</td><td class=n>{v['issues']}</td><td class=n>0</td><td class=n>{v['on_time']}</td>"
        f"<td class=n>{v['late']}</td><td class=n>—</td></tr>" for k, v in sorted(d["by_kind"].items()))
    issue_rows = "".join(
        f"<tr><td>{e(a['ref'])}</td><td>{e(a['category'])}</td><td>{e(a['title'])}</td><td>{e(a['officer'] or '')}</td>"
        f"<td>{day(a['received_on'])}</td><td>{day(a['due'])}<br><small>{e(a['basis'] or '')}</small></td>"
        f"<td>{day(a['answered_on'])}</td><td class=n>{'' if a['working_days'] is None else a['working_days']}</td>"
        f"<td class=\"{'ok' if a['verdict'] == 'on time' else 'late' if a['verdict'].startswith(('late', 'overdue')) else ''}\">"
        f"{e(a['verdict'])}</td><td class=n>{a['contacts']}</td></tr>" for a in d["answers"])
    answer_blocks = "".join(f"<h3>{e(a['ref'])}: {e(a['title'])}</h3><div class=answer>{e(a['answer'])}</div>"
                            for a in d["answers"] if a["answer"])
    current = arr.restrictions if arr is not None else {}
    restr_rows = "".join(
        f"<tr><td>{e(kind)}</td><td class=n>{len(evs)}</td><td>{', '.join(day(x['at'].date()) for x in evs)}</td>"
        f"<td>{e('; '.join(', '.join(f'{k}: {v}' for k, v in x['detail'].items() if k != 'kind') for x in evs if len(x['detail']) > 1))}</td></tr>"
        for kind, evs in sorted(d["restrictions"].items())) or "<tr><td colspan=4>none applied</td></tr>"
    event_rows = "".join(f"<tr><td>{day(x['at'].date())}</td><td>{e(x['action'])}</td>"
                         f"<td>{e(', '.join(f'{k}: {v}' for k, v in x['detail'].items()))}</td></tr>"
                         for x in d["events"] if x["action"] != RESTRICTION_APPLIED) \
        or "<tr><td colspan=3>none recorded</td></tr>"
    t = d["totals"]
    arrangement = "no arrangement on the register" if arr is None else (
        f"SPOC {e(arr.spoc.name)}; started {day(arr.start)}; review due {day(arr.review)}; status {e(arr.status)}")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Review pack: {e(c.name)}</title>
<style>{PRINT_CSS}</style></head><body>
<h1>SPOC arrangement review pack: {e(c.name)}</h1>
<p class=meta>Customer {e(c.id)}. {arrangement}. Prepared {day(d['now'].date())} by spocmail from the record.</p>
<p class=notice>For the review meeting only. Officers helping with an issue are told that the arrangement exists
and what is asked of them, never the reasons for it.</p>
<section><h2>1. Volumes</h2>
<p>{t['mails']} contacts over {t['weeks']} weeks; {t['new_issues']} new issues; {t['repeats']} repeats of issues
already open.</p>
<div class=chart>{svg}</div>
<table><tr><th>ISO week</th><th>contacts</th><th>new issues</th><th>repeats</th><th>by channel</th>
<th>first contacted</th></tr>{week_rows}</table></section>
<section class=pagebreak><h2>2. Response times against the statutory and local timescales</h2>
<table><tr><th>kind</th><th>issues</th><th>answered</th><th>on time</th><th>late or overdue</th>
<th>mean working days to answer</th></tr>{kind_rows}</table>
<table><tr><th>ref</th><th>kind</th><th>issue</th><th>officer</th><th>received</th><th>due</th><th>answered</th>
<th>working days</th><th>against the timescale</th><th>contacts</th></tr>{issue_rows}</table></section>
<section><h2>3. Restrictions applied and their effect</h2>
<p>In force now: {e(', '.join(f'{k}: {v}' for k, v in current.items()) or 'none')}. FOI, EIR and subject access
requests are never restricted.</p>
<table><tr><th>restriction</th><th>times applied</th><th>when</th><th>effect recorded</th></tr>{restr_rows}</table>
</section>
<section><h2>4. The arrangement's history</h2>
<table><tr><th>date</th><th>event</th><th>detail</th></tr>{event_rows}</table></section>
<section class=pagebreak><h2>5. How each issue was answered</h2>{answer_blocks or '<p>No answers yet.</p>'}</section>
</body></html>
"""
