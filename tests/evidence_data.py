"""A realistic stretch of one arrangement, built through the CLI, for the reports, export and retention tests.

Jordan (the arrangement of examples/register.toml) writes to the SPOC over three weeks of November 2026: an
FOI request, a subject access request, a complaint, planning and bins questions (one of them repeated), and
a mail sent to a planning officer who forwards it. Riley, a second customer, writes once. Officers answer,
the SPOC approves, the weekly responses go out; the lifecycle events of the other half of issue 12 are
written to the audit log as that half writes them.
"""

from __future__ import annotations

import email
from datetime import datetime
from email import policy
from pathlib import Path

from spocmail.clock import LONDON
from spocmail.db import Database
from spocmail.db import audit

from tests.helpers import SECOND_CUSTOMER, Project, deliver, make_project

JORDAN_TEXTS = {
    "foi": "Under the Freedom of Information Act, how much did the council spend on agency staff in 2025?",
    "sar": "This is a subject access request: please send me all personal data you hold about me.",
    "complaint": "I wish to make a formal complaint about the way my neighbour's planning application "
                 "was handled by the case officer.",
    "planning": "When will the planning committee decide application 26/0123/FUL?",
    "bins": "My green bin was missed again on Friday, please collect it.",
}
SECRET_WORD = "Quillfeather"  # in Jordan's own words only: found anywhere after retention means it was kept


def mail(sender: str, subject: str, body: str, when: str, mid: str) -> bytes:
    return (f"From: {sender}\r\nTo: spoc@council.example\r\nSubject: {subject}\r\nDate: {when}\r\n"
            f"Message-ID: <{mid}>\r\n\r\n{body}\r\n").encode()


JORDAN = "Jordan Example <jordan@example.org>"
RILEY = "Riley Sample <riley@example.net>"


def sent(p: Project) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(f.read_bytes(), policy=policy.default)
            for f in sorted((p.dir / "outbox").glob("*.eml"), key=lambda f: f.stat().st_mtime_ns)]


def lifecycle(db_url: str, entries: list[tuple[str, str, str, dict]]) -> None:
    """(instant, customer, action, detail) straight into the audit log, as the lifecycle half writes them."""
    database = Database(db_url)
    try:
        with database.session() as s:
            for at, customer, action, detail in entries:
                audit.record(s, at=datetime.fromisoformat(at), actor="spoc", action=action,
                             subject_type="customer", subject_id=customer, **detail)
    finally:
        database.dispose()


LIFECYCLE = [
    # arrangement.started: written by `register import` itself when it creates each arrangement
    ("2026-01-05T09:05:00+00:00", "jordan", "restriction.applied", {"kind": "issues_per_week"}),
    ("2026-01-05T09:06:00+00:00", "jordan", "restriction.applied", {"kind": "subjects_closed"}),
    ("2026-02-01T10:00:00+00:00", "jordan", "appeal.recorded", {"reason": "Jordan Example says it is unfair"}),
    ("2026-02-06T10:00:00+00:00", "jordan", "appeal.decided", {"outcome": "upheld"}),
    ("2026-07-03T10:00:00+00:00", "jordan", "arrangement.reviewed", {"outcome": "continue"}),
    ("2026-07-03T10:30:00+00:00", "riley", "arrangement.reviewed", {"outcome": "continue"}),
    ("2026-11-16T10:00:00+00:00", "jordan", "restriction.applied", {"kind": "issues_per_week"}),
    ("2025-12-01T10:00:00+00:00", "jordan", "restriction.applied", {"kind": "outside_year"}),
]


def build(tmp_path: Path, db_url: str) -> Project:
    register = tmp_path / "register.toml"
    register.write_text((Path(__file__).parent.parent / "examples" / "register.toml").read_text()
                        + SECOND_CUSTOMER, encoding="utf-8")
    p = make_project(tmp_path / "p", db_url, register=register)
    lifecycle(db_url, LIFECYCLE)

    def arrive(raw: bytes, when: str) -> None:
        deliver(p.maildir, raw, when=datetime.fromisoformat(when).replace(tzinfo=LONDON))

    # Week 45: Mon 2 Nov, the FOI, the SAR and the planning question; Wed 4 Nov, a mail to the planning
    # officer, forwarded by them.
    arrive(mail(JORDAN, "Agency staff", JORDAN_TEXTS["foi"] + f"\r\n\r\n{SECRET_WORD}", "Mon, 02 Nov 2026 08:10:00 +0000",
                "foi@example.org"), "2026-11-02T08:10")
    arrive(mail(JORDAN, "My data", JORDAN_TEXTS["sar"], "Mon, 02 Nov 2026 08:20:00 +0000", "sar@example.org"),
           "2026-11-02T08:20")
    arrive(mail(JORDAN, "Committee", JORDAN_TEXTS["planning"], "Mon, 02 Nov 2026 08:30:00 +0000",
                "plan@example.org"), "2026-11-02T08:30")
    p.ok("poll", "--once", "--now", "2026-11-02T09:00")
    arrive(("From: Alex Jones <alex.jones@council.example>\r\nTo: spoc@council.example\r\nSubject: FW: Bins\r\n"
            "Date: Wed, 04 Nov 2026 10:00:00 +0000\r\nMessage-ID: <fwd-bins@council.example>\r\n\r\nFYI\r\n\r\n"
            "________________________________\r\nFrom: Jordan Example <jordan@example.org>\r\n"
            "Sent: 04 November 2026 07:30\r\nTo: Alex Jones <alex.jones@council.example>\r\nSubject: Bins\r\n\r\n"
            f"{JORDAN_TEXTS['bins']}\r\n").encode(), "2026-11-04T10:00")
    p.ok("poll", "--once", "--now", "2026-11-04T10:30")
    issues = {i["category"]: i for i in p.ok("issues", "list", "--customer", "jordan", "--json").json()}
    # Thu 5 Nov: the FOI and the planning question answered and approved; Fri 6 Nov: the weekly response
    p.ok("issues", "answer", issues["foi"]["ref"], "--text", "The council spent 1.2 million pounds on agency staff in 2025.",
         "--now", "2026-11-05T10:00")
    p.ok("issues", "approve", issues["foi"]["ref"], "--now", "2026-11-05T10:05")
    p.ok("weekly", "send", "jordan", "--approve", "--now", "2026-11-06T12:10")
    # Week 46: Mon 9 Nov, the planning question again (a repeat) and a complaint; Riley writes
    arrive(mail(JORDAN, "Committee again", JORDAN_TEXTS["planning"], "Mon, 09 Nov 2026 08:00:00 +0000",
                "plan2@example.org"), "2026-11-09T08:00")
    arrive(mail(JORDAN, "Complaint", JORDAN_TEXTS["complaint"], "Mon, 09 Nov 2026 08:05:00 +0000",
                "complaint@example.org"), "2026-11-09T08:05")
    arrive(mail(RILEY, "Rent", "When is my rent review for the tenancy at 4 Mill Lane?",
                "Tue, 10 Nov 2026 09:00:00 +0000", "rent@example.net"), "2026-11-10T09:00")
    p.ok("poll", "--once", "--now", "2026-11-10T09:30")
    # Fri 13 Nov: the SAR is answered (on time: due 2 Dec) and sent in the weekly response
    p.ok("issues", "answer", issues["sar"]["ref"], "--text", "Your personal data is attached.",
         "--now", "2026-11-12T10:00")
    p.ok("issues", "approve", issues["sar"]["ref"], "--now", "2026-11-12T10:05")
    p.ok("weekly", "send", "jordan", "--approve", "--now", "2026-11-13T12:10")
    # Week 48: Mon 23 Nov, the bins question once more, straight to the SPOC
    arrive(mail(JORDAN, "Bins again", JORDAN_TEXTS["bins"], "Mon, 23 Nov 2026 08:00:00 +0000",
                "bins2@example.org"), "2026-11-23T08:00")
    p.ok("poll", "--once", "--now", "2026-11-23T09:00")
    return p
