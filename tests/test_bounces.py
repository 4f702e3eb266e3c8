"""A bounce of spocmail's own mail is matched to what bounced and put to the SPOC (issue 10 item 7)."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage

from tests.helpers import deliver, make_project
from tests.test_weekly_cycle import THREE


def _sent(p) -> list[EmailMessage]:
    return [email.message_from_bytes(f.read_bytes(), policy=policy.default)
            for f in sorted((p.dir / "outbox").glob("*.eml"), key=lambda f: f.stat().st_mtime_ns)]


def _dsn(original: EmailMessage, rfc822_headers: bool) -> bytes:
    report = EmailMessage()
    report["From"] = "Mail Delivery System <MAILER-DAEMON@council.example>"
    report["To"] = "spoc@council.example"
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report["Date"] = "Mon, 23 Nov 2026 09:30:00 +0000"
    report["Message-ID"] = "<dsn-1@council.example>" if rfc822_headers else "<dsn-2@council.example>"
    report.set_content("This is the mail system. Your message could not be delivered.")
    report.make_mixed()
    status = EmailMessage()
    status.set_content("Reporting-MTA: dns; mx.council.example\n\nFinal-Recipient: rfc822; alex.jones@council.example\n"
                       "Action: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\n")
    report.attach(status)
    if rfc822_headers:
        head = "".join(f"{k}: {v}\n" for k, v in original.items())
        report.add_attachment(head.encode(), maintype="text", subtype="rfc822-headers")
    else:
        report.add_attachment(original)
    raw = bytes(report).replace(b"multipart/mixed", b'multipart/report; report-type=delivery-status', 1)
    return raw


def test_a_bounced_officer_request_is_matched_and_the_spoc_is_told(tmp_path, db_url):
    p = make_project(tmp_path / "p", db_url)
    deliver(p.maildir, THREE)
    p.ok("poll", "--once", "--now", "2026-11-23T09:00")
    request = next(m for m in _sent(p) if "#" in str(m["Subject"]) and "alex.jones" in str(m["To"]))
    deliver(p.maildir, _dsn(request, rfc822_headers=True))
    deliver(p.maildir, _dsn(request, rfc822_headers=False))
    before = p.ok("issues", "list", "--json").json()
    counts = p.ok("poll", "--once", "--json", "--now", "2026-11-23T09:35").json()
    assert (counts["stored"], counts["filed"], counts["triage"]) == (2, 0, 0), counts
    assert p.ok("issues", "list", "--json").json() == before  # nothing filed from a bounce
    notices = [m for m in _sent(p) if str(m["Subject"]).startswith("Undelivered")]
    assert len(notices) == 1  # once per bounced mail, however many reports return it
    body = notices[0].get_body(("plain",)).get_content()
    assert "alex.jones@council.example" in body and "5.1.1" in body
    assert {a.addr_spec for a in notices[0]["To"].addresses} == {"morgan.reed@council.example",
                                                                "chris.lane@council.example"}
    assert any(e["action"] == "mail.bounced" for e in p.ok("audit", "show", "--json").json())
