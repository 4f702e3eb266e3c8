"""The SPOC's daily work end to end, through real Dovecot and aiosmtpd: issues, requests, answers."""

from __future__ import annotations

import email
import re
from datetime import datetime, timezone
from email import policy

import pytest

from tests.helpers import make_project
from tests.test_intake_imap import PASSWORD_ENV

THREE_QUESTIONS = (
    "From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\nSubject: Three things\r\n"
    "Date: Mon, 23 Nov 2026 08:12:00 +0000\r\nMessage-ID: <three@example.org>\r\n\r\n"
    "1. When will the planning committee decide application 26/0123/FUL?\r\n"
    "2. My green bin was missed again on Friday, please collect it.\r\n"
    "3. Under the Freedom of Information Act, please provide copies of all tree survey reports for "
    "Jubilee Park since 2024.\r\n\r\nJordan Example\r\n").encode()


def project_for(tmp_path, imap, smtp, db_url, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, imap.password)
    mailbox = (f'[mailbox]\nkind = "imap"\nhost = "{imap.host}"\nport = {imap.port}\nsecurity = "none"\n'
               f'username = "{imap.user}"\npassword_env = "{PASSWORD_ENV}"\n')
    project = make_project(tmp_path / "p", db_url, mailbox=mailbox)
    cfg = project.config.read_text().replace('[smtp]\nkind = "file"\ndir = "outbox"\n',
                                             f'[smtp]\nkind = "smtp"\nhost = "{smtp.host}"\nport = {smtp.port}\n'
                                             f'security = "none"\n')
    project.config.write_text(cfg)
    return project


def requests_by_officer(smtp) -> dict[str, email.message.EmailMessage]:
    out = {}
    for m in smtp.messages:
        msg = email.message_from_bytes(m.content, policy=policy.default)
        if "[SPOC-" in str(msg["Subject"]) and "#" in str(msg["Subject"]):
            out[m.rcpt_tos[0]] = msg
    return out


def officer_reply(request, sender: str, answer: str, *, token_override: str | None = None) -> bytes:
    """What Outlook writes when an officer replies to the request: answer on top, request quoted below."""
    subject = str(request["Subject"])
    reply_to = str(request["Reply-To"])
    if token_override:
        subject = re.sub(r"#[\w-]+", f"#{token_override}", subject)
        reply_to = re.sub(r"\+[\w-]+@", f"+{token_override}@", reply_to)
    quoted = request.get_body(("plain",)).get_content()
    return (f"From: {sender}\r\nTo: {reply_to}\r\nSubject: RE: {subject}\r\n"
            f"Date: Tue, 24 Nov 2026 10:00:00 +0000\r\nMessage-ID: <reply-{abs(hash(answer))}@council.example>\r\n"
            f"In-Reply-To: {request['Message-ID']}\r\nReferences: {request['Message-ID']}\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{answer}\r\n\r\nKind regards\r\n\r\nAlex Jones\r\n"
            f"Senior Planning Officer | Planning | Example District Council\r\nTel: 01234 000111\r\n\r\n"
            f"-----Original Message-----\r\nFrom: Single Point of Contact <spoc@council.example>\r\n"
            f"Sent: 23 November 2026 08:13\r\nTo: {sender}\r\nSubject: {subject}\r\n\r\n{quoted}\r\n").encode()


def test_three_questions_become_three_routed_issues_and_answers_come_back(tmp_path, imap, smtp, db_url, monkeypatch):
    project = project_for(tmp_path, imap, smtp, db_url, monkeypatch)
    imap.append(THREE_QUESTIONS, date=datetime(2026, 11, 23, 8, 12, tzinfo=timezone.utc))
    counts = project.ok("poll", "--once", "--json", "--now", "2026-11-23T08:15").json()
    assert counts["stored"] == 1 and counts["filed"] == 1

    issues = project.ok("issues", "list", "--json").json()
    assert len(issues) == 3
    by_category = {i["category"]: i for i in issues}
    assert set(by_category) == {"general-enquiry", "service-request", "eir"}
    assert by_category["general-enquiry"]["officer"] == "planning"
    assert by_category["service-request"]["officer"] == "waste"
    assert by_category["eir"]["officer"] == "information-team"
    assert by_category["eir"]["statutory_kind"] == "eir" and by_category["eir"]["due"] == "2026-12-22"  # St Andrew's Day (Mon 30 Nov) is skipped
    assert all(i["status"] == "awaiting" for i in issues)

    requests = requests_by_officer(smtp)
    assert set(requests) == {"alex.jones@council.example", "dee.walker@council.example", "foi@council.example"}
    planning_request = requests["alex.jones@council.example"]
    body = planning_request.get_body(("plain",)).get_content()
    assert "26/0123/FUL" in body and "green bin" not in body  # only what that officer needs
    assert "restriction" not in body.lower() and "persistent" not in body.lower()
    planning_ref = by_category["general-enquiry"]["ref"]
    assert planning_ref in str(planning_request["Subject"])

    # the officer answers as Outlook writes it; a forged token and an out-of-office arrive too
    imap.append(officer_reply(planning_request, "Alex Jones <alex.jones@council.example>",
                              "The committee will decide 26/0123/FUL on 9 December."))
    imap.append(officer_reply(requests["dee.walker@council.example"], "Dee Walker <dee.walker@council.example>",
                              "Collected today, sorry.", token_override="forgedTOKEN123"))
    ooo = officer_reply(requests["foi@council.example"], "Information Team <foi@council.example>", "I am away.")
    imap.append(ooo.replace(b"Subject: RE:", b"Auto-Submitted: auto-replied\r\nSubject: Automatic reply: RE:"))
    counts = project.ok("poll", "--once", "--json", "--now", "2026-11-24T10:05").json()
    assert counts["answers"] == 1

    shown = project.ok("issues", "show", planning_ref, "--json").json()
    assert [a["text"] for a in shown["answers"]] == ["The committee will decide 26/0123/FUL on 9 December."]
    assert shown["status"] == "answered" and shown["answers"][0]["approved_at"] is None
    others = {i["ref"]: i for i in project.ok("issues", "list", "--json").json()}
    assert others[by_category["service-request"]["ref"]]["status"] == "awaiting"  # forged: not an answer
    assert others[by_category["eir"]["ref"]]["status"] == "awaiting"  # out-of-office: not an answer
    waiting = project.ok("triage", "--json").json()
    assert any(e["kind"] == "reply-refused" for w in waiting for e in w["evidence"])

    project.ok("issues", "approve", planning_ref)
    assert project.ok("issues", "show", planning_ref, "--json").json()["status"] == "approved"
