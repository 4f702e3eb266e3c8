"""Whose mail is it, end to end through a real Dovecot: each mail ends up where a SPOC would put it."""

from sqlalchemy import select

from spocmail.db import Database
from spocmail.db.decisions import Identification
from spocmail.db.mail import Message
from tests.test_intake_imap import imap_project


def mail(sender: str, subject: str, body: str, extra: str = "") -> bytes:
    return (f"From: {sender}\r\nTo: spoc@council.example\r\nSubject: {subject}\r\n{extra}"
            f"Date: Tue, 24 Nov 2026 09:00:00 +0000\r\nMessage-ID: <{abs(hash(body))}@x.example>\r\n\r\n"
            f"{body}\r\n").encode()


def test_known_address_officer_forward_member_forward_and_out_of_office(tmp_path, imap, db_url, monkeypatch):
    project = imap_project(tmp_path, imap, db_url, monkeypatch)
    imap.append(mail("Jordan Example <jordan@example.org>", "Bins", "Why was my bin missed again?"))
    imap.append(mail("Alex Jones <alex.jones@council.example>", "FW: Extension",
                     "FYI\r\n\r\n________________________________\r\nFrom: Jordan Example <jordan@example.org>\r\n"
                     "Sent: 23 November 2026 07:55\r\nTo: Alex Jones <alex.jones@council.example>\r\n"
                     "Subject: Extension\r\n\r\nWhy was the extension at No. 3 approved?"))
    imap.append(mail("Cllr Pat Smith <pat.smith@council.example>", "Fwd: Noise",
                     "Please handle.\r\n\r\n---------- Forwarded message ---------\r\n"
                     "From: Jordan Example <j.example1962@mailbox.example>\r\nDate: Mon, 23 Nov 2026 at 22:10\r\n"
                     "Subject: Noise\r\nTo: <pat.smith@council.example>\r\n\r\nLorries at 5am again. "
                     "Ring me on 01234 567890."))
    imap.append(mail("Sam Patel <sam.patel@council.example>", "Automatic reply: Noise", "I am away until Monday.",
                     extra="Auto-Submitted: auto-replied\r\n"))
    counts = project.ok("poll", "--once", "--json").json()
    assert (counts["stored"], counts["filed"], counts["triage"]) == (4, 3, 0)

    database = Database(db_url)
    with database.session() as s:
        rows = s.execute(select(Message.subject, Identification.role, Identification.customer_id,
                                Identification.decision, Identification.suggest_address)
                         .join(Identification, Identification.message_pk == Message.id)
                         .order_by(Message.id)).all()
    database.dispose()
    assert [tuple(r) for r in rows] == [
        ("Bins", "customer", "jordan", "filed", None),
        ("FW: Extension", "officer", "jordan", "filed", None),
        ("Fwd: Noise", "member", "jordan", "provisional", "j.example1962@mailbox.example"),
        ("Automatic reply: Noise", "officer", None, "not-a-request", None),
    ]
    addresses = {a["email"]: a["status"] for a in project.ok("register", "show", "jordan", "--json").json()["addresses"]}
    assert addresses == {"jordan@example.org": "confirmed", "j.example1962@mailbox.example": "suggested"}
    # the out-of-office became no issue; the three contacts did
    assert len(project.ok("issues", "list", "--json").json()) == 3
