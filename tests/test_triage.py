"""Intake decides whose mail is; the SPOC settles what waits, and confirmed addresses are known from then on."""

import pytest
from sqlalchemy import select

from spocmail.db import Database
from spocmail.db.audit import AuditEntry
from tests.helpers import deliver
from tests.helpers import make_project


def mail(sender: str, subject: str, body: str) -> bytes:
    return (f"From: {sender}\r\nTo: spoc@council.example\r\nSubject: {subject}\r\n"
            f"Date: Tue, 24 Nov 2026 09:00:00 +0000\r\nMessage-ID: <{abs(hash(body))}@x>\r\n\r\n{body}\r\n").encode()


@pytest.fixture
def project(tmp_path, db_url):
    return make_project(tmp_path / "p", db_url)


def test_poll_files_known_mail_and_puts_unknown_mail_in_triage(project):
    deliver(project.maildir, mail("Jordan Example <jordan@example.org>", "Bins", "My bin was missed."))
    deliver(project.maildir, mail("Resident <res@webmail.example>", "Flood", "Flooding near CB23 6EA."))
    deliver(project.maildir, mail("Alex Jones <alex.jones@council.example>", "Automatic reply: x", "Away")
            .replace(b"Subject:", b"Auto-Submitted: auto-replied\r\nSubject:"))
    counts = project.ok("poll", "--once", "--json").json()
    assert (counts["stored"], counts["filed"], counts["triage"]) == (3, 1, 1)
    waiting = project.ok("triage", "--json").json()
    assert len(waiting) == 1
    item = waiting[0]
    assert item["from"]["email"] == "res@webmail.example" and item["subject"] == "Flood"
    assert item["guesses"][0]["customer"] == "jordan"
    assert item["guesses"][0]["evidence"][0]["kind"] == "postcode"


def test_assign_with_confirm_address_makes_the_sender_known_and_is_audited(project, db_url):
    deliver(project.maildir, mail("J <jay@webmail.example>", "Hello", "Is anyone there?"))
    project.ok("poll", "--once")
    message = project.ok("triage", "--json").json()[0]["message"]
    result = project.ok("triage", "assign", str(message), "jordan", "--confirm-address", "--json").json()
    assert result["issues"] == [i["ref"] for i in project.ok("issues", "list", "--json").json()]
    assert len(result["issues"]) == 1  # the mail's request is now an issue, routed like any other
    del result["issues"]
    assert result == {"message": message, "customer": "jordan", "decision": "filed",
                      "confirmed_address": "jay@webmail.example", "moved": []}
    assert project.ok("triage", "--json").json() == []
    addresses = project.ok("register", "show", "jordan", "--json").json()["addresses"]
    assert {"email": "jay@webmail.example", "status": "confirmed"}.items() <= next(
        a for a in addresses if a["email"] == "jay@webmail.example").items()
    # from now on that address decides at once
    deliver(project.maildir, mail("J <jay@webmail.example>", "Again", "Second mail."))
    assert project.ok("poll", "--once", "--json").json()["filed"] == 1
    database = Database(db_url)
    with database.session() as s:
        actions = [a.action for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    database.dispose()
    assert "triage.assigned" in actions and "address.confirmed" in actions


def test_provisional_match_suggests_the_address_and_rejecting_it_stops_suggestions(project):
    fwd = ("Please deal.\r\n\r\n---------- Forwarded message ---------\r\n"
           "From: Jordan Example <new.addr@mailbox.example>\r\nDate: Mon, 23 Nov 2026 at 22:10\r\n"
           "Subject: Noise\r\nTo: <pat.smith@council.example>\r\n\r\nCall me on 07700 900123.\r\n")
    deliver(project.maildir, mail("Cllr Pat Smith <pat.smith@council.example>", "Fwd: Noise", fwd))
    assert project.ok("poll", "--once", "--json").json()["filed"] == 1
    addresses = {a["email"]: a["status"] for a in project.ok("register", "show", "jordan", "--json").json()["addresses"]}
    assert addresses["new.addr@mailbox.example"] == "suggested"
    project.ok("address", "reject", "jordan", "new.addr@mailbox.example")
    deliver(project.maildir, mail("Jordan Example <new.addr@mailbox.example>", "Hi", "Call me on 07700 900123."))
    counts = project.ok("poll", "--once", "--json").json()
    assert counts["triage"] == 1 and counts["filed"] == 0
    addresses = {a["email"]: a["status"] for a in project.ok("register", "show", "jordan", "--json").json()["addresses"]}
    assert addresses["new.addr@mailbox.example"] == "rejected"


def test_assigning_to_an_unknown_customer_or_mail_is_a_usage_error(project):
    deliver(project.maildir, mail("X <x@webmail.example>", "Hi", "Hello"))
    project.ok("poll", "--once")
    message = project.ok("triage", "--json").json()[0]["message"]
    result = project.run("triage", "assign", str(message), "nobody")
    assert result.code == 2 and "no customer 'nobody'" in result.err
    result = project.run("triage", "assign", "99999", "jordan")
    assert result.code == 2 and "no mail 99999" in result.err
    result = project.run("triage", "assign", "abc", "jordan")
    assert result.code == 2 and "MESSAGE" in result.err


def test_identify_prints_the_decision_and_evidence(project, tmp_path):
    eml = tmp_path / "m.eml"
    eml.write_bytes(mail("Someone <s@webmail.example>", "Re: SPOC", "I live at 1 High Street, CB23 6EA. "
                         "Ring 01234 567890."))
    doc = project.ok("identify", eml, "--json").json()
    assert set(doc) >= {"role", "customer", "decision", "score", "evidence"}
    assert (doc["role"], doc["customer"], doc["decision"]) == ("unknown", "jordan", "provisional")
    assert {e["kind"] for e in doc["evidence"]} == {"phone", "postcode", "postal-address"}
    assert all(set(e) == {"kind", "detail", "weight"} for e in doc["evidence"])
