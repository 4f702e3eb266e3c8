"""`spocmail demo`: a simulated month of SPOC work on the embedded defaults, with a moving clock and a timeline.

The customer's mail arrives in a Maildir, officers answer the requests spocmail sends them (scripted
replies, written as a mail client would), the SPOC approves, four weekly responses go out with items
carried forward, and an FOI request whose deadline falls before Friday gets a single-issue response.
Every mail spocmail sends is written to DIR/outbox/ as an .eml file.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
import email as emaillib
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Callable

from sqlalchemy import func, select

from spocmail import config as configmod
from spocmail import db as dbmod
from spocmail import logs, officers, resources, respond, ruleset, triage
from spocmail import register as regmod
from spocmail.clock import LONDON, Clock
from spocmail.db.decisions import Identification as Decision
from spocmail.db.issues import Issue, IssueMessage, OfficerRequest, Response
from spocmail.db.mail import Message
from spocmail.db.outbox import OutboxMail
from spocmail.db.register import Officer
from spocmail.deadlines import WorkingCalendar
from spocmail.errors import ConfigError
from spocmail.intake.maildir import MaildirMailbox, deliver
from spocmail.pipeline import poll_once
from spocmail.schedule import run_due
from spocmail.sending import flush_outbox

START = datetime(2026, 11, 23, tzinfo=LONDON)  # a Monday
CONFIG = """\
# Written by `spocmail demo`: the embedded defaults, all inside this folder.
[council]
name = "Example District Council"
staff_domains = ["council.example"]
address = "Council Offices, 1 Market Square, Exampleton EX1 1AA"
phone = "01234 000000"

[spoc]
address = "spoc@council.example"

[database]
url = "sqlite:///spocmail.db"

[storage]
dir = "mail"

[mailbox]
kind = "maildir"
path = "maildir"
poll_seconds = 1

[smtp]
kind = "file"
dir = "outbox"

[logging]
file = "spocmail.log"
"""

JORDAN = "Jordan Example <jordan@example.org>"
SPOC = "Single Point of Contact <spoc@council.example>"


def at(week: int, day: int, hour: int, minute: int = 0) -> datetime:
    return (START + timedelta(weeks=week, days=day)).replace(hour=hour, minute=minute)


def mail(when: datetime, sender: str, subject: str, body: str, **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, SPOC, subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].rstrip(">"))
    for k, v in headers.items():
        msg[k.replace("_", "-")] = v
    msg.set_content(body)
    return bytes(msg)


def forward(when: datetime, officer: str, original_from: str, original_sent: str, subject: str, body: str) -> bytes:
    return mail(when, officer, f"FW: {subject}", "Forwarding, as agreed.\n\n________________________________\n"
                f"From: {original_from}\nSent: {original_sent}\nTo: {officer}\nSubject: {subject}\n\n{body}\n")


@dataclass
class Demo:
    out: Path
    cfg: configmod.Config
    database: dbmod.Database
    say: Callable[[str], None]
    timeline: list

    def log(self, when: datetime, what: str) -> None:
        self.timeline.append({"at": when.isoformat(), "what": what})
        self.say(f"{when:%a %d %b %H:%M}  {what}")

    def arrive(self, when: datetime, raw: bytes, label: str) -> None:
        deliver(self.cfg.mailbox.path, raw, when=when)
        counts = poll_once(self.cfg, self.database, MaildirMailbox(self.cfg.mailbox.path), Clock(when))
        with self.database.session() as s:
            row = s.scalars(select(Decision).order_by(Decision.id.desc())).first()
            new = s.scalars(select(Issue).where(Issue.created_at == when).order_by(Issue.id)).all()
            what = f"{label}: "
            if counts.duplicates and not counts.stored:
                what += "recognised as already stored"
            elif counts.quarantined:
                what += "quarantined, kept raw with its reason"
            elif counts.answers:
                what += "captured as the officer's answer, waiting for the SPOC's approval"
            elif row is not None and row.decision == "triage":
                what += f"waits in triage ({'; '.join(e['detail'] for e in row.evidence)})"
            elif row is not None and row.decision == "not-a-request":
                what += f"recorded, not a request ({row.evidence[-1]['detail']})"
            elif new:
                what += "filed as " + ", ".join(f"{i.ref} ({i.category}{', due ' + str(i.due) if i.due else ''}"
                                                 f" -> {i.officer_id})" for i in new)
                if row is not None and row.decision == "provisional":
                    what += f"; {row.suggest_address} put to the SPOC to confirm"
            else:
                latest = s.scalar(select(func.max(Message.id)).where(Message.direction == "in"))
                repeated = s.scalars(select(Issue).join(IssueMessage, IssueMessage.issue_id == Issue.id).where(
                    IssueMessage.message_pk == latest, IssueMessage.role == "repeat")).all()
                what += (f"joined {', '.join(i.ref for i in repeated)} as a repeat (counted as a contact)"
                         if repeated else "recorded for the customer; no response needed")
        self.log(when, what)

    def officer_answers(self, when: datetime, officer_id: str, text: str, label: str,
                        attachment: tuple[str, bytes] | None = None, category: str | None = None) -> None:
        """The officer replies to their oldest outstanding request (of that category), as Outlook writes a reply."""
        with self.database.session() as s:
            q = select(OfficerRequest).join(Issue, Issue.id == OfficerRequest.issue_id).where(
                OfficerRequest.officer_id == officer_id, OfficerRequest.status == "sent")
            if category:
                q = q.where(Issue.category == category)
            req = s.scalars(q.order_by(OfficerRequest.id)).first()
            request = s.scalar(select(OutboxMail).where(OutboxMail.id == req.outbox_id))
            officer = s.get(Officer, officer_id)
            raw_request = request.raw
            ref = req.issue.ref
        original = emaillib.message_from_bytes(raw_request, policy=policy.default)
        reply = EmailMessage()
        reply["From"] = f"{officer.name} <{officer.email}>"
        reply["To"] = str(original["Reply-To"])
        reply["Subject"] = f"RE: {original['Subject']}"
        reply["Date"] = format_datetime(when)
        reply["Message-ID"] = make_msgid(domain="council.example")
        reply["In-Reply-To"] = reply["References"] = original["Message-ID"]
        quoted = original.get_body(("plain",)).get_content()
        reply.set_content(f"{text}\n\nKind regards\n\n{officer.name}\n{officer.department}\n"
                          f"Example District Council\n\n-----Original Message-----\nFrom: {SPOC}\n"
                          f"Subject: {original['Subject']}\n\n{quoted}")
        if attachment:
            reply.add_attachment(attachment[1], maintype="application", subtype="pdf", filename=attachment[0])
        self.arrive(when, bytes(reply), f"{label} ({ref})")

    def approve_all(self, when: datetime) -> None:
        with self.database.session() as s:
            refs = []
            for issue in s.scalars(select(Issue).where(Issue.status == "answered").order_by(Issue.id)):
                officers.approve(s, issue, actor="spoc", now=when,  # the demo's SPOC has read each one
                                 answer_ids=[a.id for a in issue.answers if a.approved_at is None])
                refs.append(issue.ref)
        if refs:
            self.log(when, f"the SPOC approves the answers to {', '.join(refs)}")

    def jobs(self, when: datetime) -> None:
        done = run_due(self.cfg, self.database, Clock(when))
        for s in done["single_issue"]:
            self.log(when, f"single-issue response for {s['issue']} sent at once: the weekly send would miss "
                           f"its statutory deadline")
        for w in done["weekly"]:
            self.log(when, f"weekly response {w['period']} compiled: {w['status']} ({w.get('items', 0)} items); "
                           f"the draft is in the SPOC's mailbox")
        if done["deadline_warnings"]:
            self.log(when, f"{done['deadline_warnings']} statutory deadline warning(s) to officer, SPOC and deputy")
        if done["reminders"]:
            self.log(when, f"{done['reminders']} reminder(s) to officers with answers due")

    def weekly(self, when: datetime) -> None:
        self.jobs(when)
        approve_at = when + timedelta(minutes=10)
        with self.database.session() as s:
            result = respond.send_weekly(s, "jordan", self.cfg, WorkingCalendar(self.cfg.council.holidays),
                                         approve_at, approve=True, actor="spoc")
            items = s.scalars(select(Response).where(Response.message_id == result["message_id"])).first().items
        flush_outbox(self.cfg, self.database, Clock(approve_at))  # the SPOC's approval sends it at once
        summary = ", ".join(f"{i['ref']} {i['state']}" for i in items)
        self.log(approve_at, f"the SPOC approves; weekly response {result['period']} sent: {summary}")


# The demo writes this file first and only ever replaces a folder that holds it and nothing but what the
# demo itself writes: a user's folder (`--out .` in their project, say) is never deleted.
MARKER = ".spocmail-demo"
WRITES = frozenset({MARKER, "config.toml", "register.toml", "spocmail.db", "spocmail.db-wal", "spocmail.db-shm",
                    "spocmail.db-journal", "mail", "maildir", "outbox", "spocmail.log"})


def prepare(out: Path) -> None:
    """An empty folder for the demo: new, empty, or a previous demo's output (which is cleared)."""
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out}: is a file; expected a folder for the demo (new, empty, or a previous "
                          f"demo's output)")
    entries = sorted(out.iterdir()) if out.is_dir() else []
    if entries:
        if not (out / MARKER).is_file():
            raise ConfigError(f"--out {out}: the folder is not empty and is not a spocmail demo folder (it has no "
                              f"{MARKER} file); spocmail demo deletes nothing of yours: give a new or empty "
                              f"folder, such as --out spocmail-demo")
        foreign = [p.name for p in entries if p.name not in WRITES]
        if foreign:
            raise ConfigError(f"--out {out}: this demo folder also holds {', '.join(foreign[:5])}"
                              f"{', ...' if len(foreign) > 5 else ''}, which the demo did not write; move "
                              f"{'it' if len(foreign) == 1 else 'them'} out first, or give a new folder")
        for p in entries:
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("Written by `spocmail demo`: running it again with --out this folder replaces "
                              "what the demo wrote here.\n", encoding="utf-8")


def run_demo(out: Path, echo: Callable[[str], None] | None = print) -> dict:
    """Build a fresh demo folder, play a month, and return a summary (also printed through `echo`)."""
    say = echo or (lambda _s: None)
    out = Path(out)
    prepare(out)
    (out / "config.toml").write_text(CONFIG, encoding="utf-8")
    shutil.copy(resources.packaged("examples/register.toml"), out / "register.toml")
    cfg = configmod.load(out / "config.toml")
    logs.setup(cfg.logging.format, cfg.logging.level, cfg.logging.file)
    ruleset.activate(cfg)
    dbmod.upgrade(cfg.database.url)
    database = dbmod.Database(cfg.database.url)
    d = Demo(out, cfg, database, say, [])
    say(f"spocmail demo in {out}/ (SQLite, Maildir, file outbox): a month of SPOC work")
    with database.session() as s:
        result = regmod.import_register(s, regmod.read_file(out / "register.toml"), at(0, 0, 8),
                                        source="register.toml")
    d.log(at(0, 0, 8), f"register imported: {result.created['officer']} officers, {result.created['member']} "
                       f"members, customer jordan (SPOC Morgan Reed, deputy Chris Lane, weekly Friday 12:00)")
    _month(d)
    with database.session() as s:
        stored = s.scalar(select(func.count()).select_from(Message).where(Message.direction == "in"))
        sent = s.scalar(select(func.count()).select_from(OutboxMail).where(OutboxMail.state == "sent"))
        issues = s.scalar(select(func.count()).select_from(Issue))
    database.dispose()
    summary = {"out": str(out), "mails_received": stored, "mails_sent": sent, "issues": issues,
               "timeline": d.timeline}
    say(f"summary: {stored} mails received and stored once each, {issues} issues, {sent} mails sent "
        f"(in {out}/outbox/), every one in the record; log {out}/spocmail.log")
    say(f"look around: spocmail --config {out}/config.toml issues list")
    return summary


def _month(d: Demo) -> None:
    # ---- week 1
    d.arrive(at(0, 0, 8, 12), mail(at(0, 0, 8, 12), JORDAN, "Three things",
             "1. When will the planning committee decide application 26/0123/FUL?\n"
             "2. My green bin was missed again on Friday, please collect it.\n"
             "3. Under the Freedom of Information Act, please provide copies of all tree survey reports for "
             "Jubilee Park since 2024.\n\nJordan Example\n1 High Street, Cambourne CB23 6EA\n01234 567890\n"),
             "the customer writes with three questions")
    d.arrive(at(0, 0, 11, 40), forward(at(0, 0, 11, 40), "Alex Jones <alex.jones@council.example>", JORDAN,
                                       "29 October 2026 15:20", "Agency staff",
                                       "Under the Freedom of Information Act 2000, how much did the council spend "
                                       "on agency staff in 2025?"),
             "a planning officer forwards an FOI request sent to him on 29 October (the clock started then)")
    d.arrive(at(0, 1, 9, 5), mail(at(0, 1, 9, 5), "Cllr Pat Smith <pat.smith@council.example>",
             "Fwd: Noise from the depot", "Please deal with this through the SPOC.\n\n"
             "---------- Forwarded message ---------\nFrom: Jordan Example <j.example1962@mailbox.example>\n"
             "Date: Mon, 23 Nov 2026 at 22:10\nSubject: Noise from the depot\nTo: <pat.smith@council.example>\n\n"
             "The depot lorries started at 5am again, please stop them. Ring me on 01234 567890.\n"),
             "a councillor forwards mail from an address nobody knew")
    with d.database.session() as s:
        triage.set_address(s, "jordan", "j.example1962@mailbox.example", "confirmed", actor="spoc",
                           now=at(0, 1, 9, 30))
    d.log(at(0, 1, 9, 30), "the SPOC confirms j.example1962@mailbox.example as Jordan's address")
    d.officer_answers(at(0, 1, 10), "planning", "The planning committee will decide 26/0123/FUL on 9 December.",
                      "the planning officer answers")
    d.officer_answers(at(0, 1, 11), "information-team", "The council spent £1.2m on agency staff in 2025; the "
                      "breakdown by department is attached.", "the information team answers the FOI",
                      attachment=("agency-spend-2025.pdf", b"%PDF-1.4\n% agency spend 2025\n"), category="foi")
    d.arrive(at(0, 1, 14, 30), mail(at(0, 1, 14, 30), "Sam Patel <sam.patel@council.example>",
             "Automatic reply: out of the office", "I am out of the office until Monday.",
             Auto_Submitted="auto-replied"), "an officer's out-of-office")
    d.approve_all(at(0, 1, 15))
    d.jobs(at(0, 1, 15, 5))
    d.officer_answers(at(0, 2, 9), "waste", "The crew collected your green bin on Tuesday; we have noted the "
                      "missed collections on the round sheet.", "the waste officer answers")
    d.arrive(at(0, 3, 10), mail(at(0, 3, 10), JORDAN, "Bin again",
             "My green bin was missed again on Friday, please collect it."), "the customer sends the bin question again")
    d.approve_all(at(0, 3, 15))
    d.weekly(at(0, 4, 12))
    # ---- week 2
    d.arrive(at(1, 0, 9), mail(at(1, 0, 9), JORDAN, "Complaint",
             "I wish to complain about how long it took to collect my bin."), "the customer makes a complaint")
    d.arrive(at(1, 1, 9), mail(at(1, 1, 9), JORDAN, "Damp",
             "The damp in my council flat is back. When will the repair be done?"), "the customer reports a repair")
    d.jobs(at(1, 2, 9))  # Wednesday: the officers whose answers are due on Thursday are reminded
    d.officer_answers(at(1, 2, 14), "housing", "A surveyor will visit on 10 December and the repair is booked for "
                      "the week after.", "the housing officer answers")
    d.approve_all(at(1, 3, 15))
    d.weekly(at(1, 4, 12))
    # ---- week 3
    d.officer_answers(at(2, 0, 10), "waste", "We are sorry for the delay. The missed collections were caused by a "
                      "vehicle breakdown; the round has been reviewed.", "the waste officer answers the complaint",
                      category="complaint")
    d.officer_answers(at(2, 2, 11), "information-team", "The tree survey reports for Jubilee Park since 2024 are "
                      "attached.", "the information team answers the EIR request",
                      attachment=("jubilee-park-tree-surveys.pdf", b"%PDF-1.4\n% surveys\n"), category="eir")
    d.arrive(at(2, 2, 16), mail(at(2, 2, 16), JORDAN, "Depot",
             "Why is the depot allowed to run lorries before 7am?"), "the customer asks about the depot")
    d.approve_all(at(2, 3, 15))
    d.weekly(at(2, 4, 12))
    # ---- week 4
    d.arrive(at(3, 0, 9), mail(at(3, 0, 9), JORDAN, "Thanks", "Thanks for the survey reports, no reply needed."),
             "the customer says thanks")
    d.jobs(at(3, 2, 9))
    d.weekly(at(3, 4, 12))
