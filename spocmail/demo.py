"""`spocmail demo`: a week of SPOC mail on the embedded defaults (SQLite, Maildir, file outbox), with a timeline."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Callable

from sqlalchemy import func, select

from spocmail import config as configmod
from spocmail import db as dbmod
from spocmail import register as regmod
from spocmail.clock import LONDON, Clock
from spocmail.db.decisions import Identification as Decision
from spocmail.db.mail import Message
from spocmail.intake.maildir import MaildirMailbox, deliver
from spocmail.intake.poll import PollCounts, poll_once

REPO = Path(__file__).resolve().parent.parent
CONFIG = """\
# Written by `spocmail demo`: the embedded defaults, all inside this folder.
[council]
name = "Example District Council"
staff_domains = ["council.example"]

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


@dataclass(frozen=True)
class Scripted:
    """One mail in the demo week: when it arrives and what it is."""

    at: datetime
    label: str
    raw: bytes


def _mail(at: datetime, sender: str, to: str, subject: str, body: str, **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(at)
    msg["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].rstrip(">"))
    for k, v in headers.items():
        msg[k.replace("_", "-")] = v
    msg.set_content(body)
    return bytes(msg)


def script(monday: datetime) -> list[Scripted]:
    """A week of what a SPOC mailbox really receives."""
    day = lambda n, h, m=0: (monday + timedelta(days=n)).replace(hour=h, minute=m)  # noqa: E731
    spoc = "Single Point of Contact <spoc@council.example>"
    jordan = "Jordan Example <jordan@example.org>"
    items = [
        Scripted(day(0, 8, 12), "customer writes with three questions", _mail(
            day(0, 8, 12), jordan, spoc, "Three things",
            "1. When will the planning committee decide application 26/0123/FUL?\n"
            "2. My green bin was missed again on Friday.\n"
            "3. Under the Freedom of Information Act, please provide copies of all tree survey reports "
            "for Jubilee Park since 2024.\n\nJordan Example\n1 High Street, Cambourne CB23 6EA\n01234 567890\n")),
        Scripted(day(0, 11, 40), "planning officer forwards a mail sent to them directly", _mail(
            day(0, 11, 40), "Alex Jones <alex.jones@council.example>", spoc, "FW: Extension at No. 3",
            "Forwarding as agreed.\n\n________________________________\nFrom: Jordan Example <jordan@example.org>\n"
            "Sent: 23 November 2026 07:55\nTo: Alex Jones <alex.jones@council.example>\n"
            "Subject: Extension at No. 3\n\nWhy was my neighbour's extension approved without a site visit?\n")),
        Scripted(day(1, 9, 5), "councillor forwards mail from an address nobody knew", _mail(
            day(1, 9, 5), "Cllr Pat Smith <pat.smith@council.example>", spoc, "Fwd: Noise from the depot",
            "Please deal with this through the SPOC.\n\n---------- Forwarded message ---------\n"
            "From: Jordan E. <j.example1962@mailbox.example>\nDate: Mon, 23 Nov 2026 at 22:10\n"
            "Subject: Noise from the depot\nTo: <pat.smith@council.example>\n\n"
            "The depot lorries started at 5am again. Ring me on 01234 567890.\nJordan\n")),
        Scripted(day(1, 14, 30), "an officer's out-of-office", _mail(
            day(1, 14, 30), "Sam Patel <sam.patel@council.example>", spoc, "Automatic reply: Request SPOC-2026-0001",
            "I am out of the office until Monday.", Auto_Submitted="auto-replied")),
        Scripted(day(2, 16, 0), "customer writes again from the known address", _mail(
            day(2, 16, 0), jordan, spoc, "Re: Three things",
            "I also want to complain about the tone of the reply I got from Housing last month.\n\nJordan\n")),
        Scripted(day(2, 17, 30), "someone the council does not know writes", _mail(
            day(2, 17, 30), "A Resident <resident@webmail.example>", spoc, "Road flooding",
            "The road by Jubilee Park near CB23 6EA floods every time it rains. Who do I tell?\n")),
        Scripted(day(3, 10, 0), "a mail that is not mail at all (quarantined, kept)",
                 b"\x00\x01garbage that arrived in the mailbox\xff\xfe\r\n"),
    ]
    # the same message delivered twice (an officer forwards, the customer CCs): stored once
    items.append(Scripted(day(3, 10, 5), "the customer's first mail delivered a second time", items[0].raw))
    return items


def _outcome(database: dbmod.Database, counts: PollCounts) -> str:
    """What happened to the mail just polled, in the SPOC's words."""
    if counts.quarantined:
        return "quarantined, kept raw with the reason"
    if not counts.stored:
        return "recognised as already stored"
    with database.session() as s:
        row = s.scalars(select(Decision).order_by(Decision.id.desc())).first()
    if row is None:
        return "stored"
    who = f"{row.role}" + (f" {row.sender_id}" if row.sender_id else "")
    if row.decision == "filed":
        return f"from {who}: filed for {row.customer_id} ({row.evidence[0]['detail']})"
    if row.decision == "provisional":
        kinds = ", ".join(e["kind"] for e in row.evidence)
        return (f"from {who}: filed provisionally for {row.customer_id} (score {row.score:.2f}: {kinds}); "
                f"{row.suggest_address} put to the SPOC to confirm")
    if row.decision == "triage":
        return f"from {who}: waits in triage (best score {row.score:.2f})"
    return f"from {who}: recorded, not a request ({row.evidence[0]['detail']})"


def run_demo(out: Path, echo: Callable[[str], None] | None = print) -> dict:
    """Build a fresh demo folder, play the week, and return a summary (also printed through `echo`)."""
    say = echo or (lambda _s: None)
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / "config.toml").write_text(CONFIG, encoding="utf-8")
    shutil.copy(REPO / "examples" / "register.toml", out / "register.toml")
    cfg = configmod.load(out / "config.toml")
    from spocmail import logs

    logs.setup(cfg.logging.format, cfg.logging.level, cfg.logging.file)
    dbmod.upgrade(cfg.database.url)
    database = dbmod.Database(cfg.database.url)
    monday = datetime(2026, 11, 23, tzinfo=LONDON)
    say(f"spocmail demo in {out}/ (SQLite, Maildir, file outbox)")
    with database.session() as s:
        result = regmod.import_register(s, regmod.read_file(out / "register.toml"), monday,
                                        source="register.toml")
    say(f"{monday:%a %d %b} register imported: {result.created['officer']} officers, "
        f"{result.created['member']} members, {result.created['customer']} customer(s)")
    mailbox = MaildirMailbox(cfg.mailbox.path)
    totals = PollCounts()
    timeline = []
    for item in script(monday):
        deliver(cfg.mailbox.path, item.raw)
        counts = poll_once(cfg, database, mailbox, Clock(item.at + timedelta(minutes=1)))
        totals.add(counts)
        outcome = _outcome(database, counts)
        timeline.append({"at": item.at.isoformat(), "what": item.label, "outcome": outcome})
        say(f"{item.at:%a %d %b %H:%M}  {item.label}: {outcome}")
    again = poll_once(cfg, database, mailbox, Clock(monday + timedelta(days=4, hours=17)))
    say(f"a second poll of the same mailbox fetches {again.fetched} and stores {again.stored}")
    with database.session() as s:
        stored = s.scalar(select(func.count()).select_from(Message))
        quarantined = s.scalar(select(func.count()).select_from(Message).where(Message.state == "quarantined"))
    database.dispose()
    say(f"waiting for the SPOC: `spocmail --config {out}/config.toml triage`")
    summary = {"out": str(out), "counts": totals.to_json(), "messages_stored": stored,
               "quarantined": quarantined, "timeline": timeline}
    say(f"summary: {stored} mails stored once each, {quarantined} quarantined with its reason, "
        f"{totals.duplicates} duplicate delivery recognised; database {out}/spocmail.db, log {out}/spocmail.log")
    return summary
