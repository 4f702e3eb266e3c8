"""Each mail filed once, follow-ups joining their issue, clarifications restarting the clock: through Dovecot and aiosmtpd."""

from __future__ import annotations

import email
from datetime import datetime, timezone
from email import policy

from sqlalchemy import select

from spocmail.db import Database
from spocmail.db.audit import AuditEntry
from tests.helpers import SECOND_CUSTOMER
from tests.test_officers_e2e import THREE_QUESTIONS, project_for, requests_by_officer


# Three unrelated questions in one paragraph, under a subject that is not a request.
ONE_PARAGRAPH = (
    "From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\nSubject: Three things\r\n"
    "Date: Mon, 23 Nov 2026 08:12:00 +0000\r\nMessage-ID: <paragraph@example.org>\r\n\r\n"
    "Dear SPOC,\r\n\r\nWhen will the planning committee decide application 26/0123/FUL? My green bin was missed "
    "again on Friday, please collect it. Under the Freedom of Information Act, please provide copies of all tree "
    "survey reports for Jubilee Park since 2024.\r\n\r\nKind regards\r\nJordan Example\r\n").encode()


def foi_mail(n: int, when: str, body: str) -> bytes:
    return (f"From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\nSubject: Request {n}\r\n"
            f"Date: {when}\r\nMessage-ID: <foi-{n}@example.org>\r\n\r\n{body}\r\n").encode()


def sent(smtp) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(m.content, policy=policy.default) for m in smtp.messages]


def audit_actions(db_url: str) -> list[tuple[str, str]]:
    database = Database(db_url)
    with database.session() as s:
        rows = [(a.action, a.subject_id) for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    database.dispose()
    return rows


def test_a_filed_mail_is_filed_once_and_moves_only_when_asked(tmp_path, imap, smtp, db_url, monkeypatch):
    project = project_for(tmp_path, imap, smtp, db_url, monkeypatch)
    (project.dir / "riley.toml").write_text(SECOND_CUSTOMER)
    project.ok("register", "import", project.dir / "riley.toml")
    imap.append(THREE_QUESTIONS, date=datetime(2026, 11, 23, 8, 12, tzinfo=timezone.utc))
    project.ok("poll", "--once", "--now", "2026-11-23T08:15")
    issues = project.ok("issues", "list", "--json").json()
    refs = sorted(i["ref"] for i in issues)
    assert len(refs) == 3
    requests_before = len(requests_by_officer(smtp))
    mail = project.ok("issues", "show", refs[0], "--json").json()["messages"][0]["message"]

    again = project.run("triage", "assign", str(mail), "jordan", "--now", "2026-12-14T09:00")
    assert again.code == 2
    assert "already filed for jordan" in again.err and all(r in again.err for r in refs)
    refused = project.run("triage", "assign", str(mail), "riley", "--now", "2026-12-14T09:00")
    assert refused.code == 2 and "--move" in refused.err and all(r in refused.err for r in refs)
    assert project.ok("issues", "list", "--json").json() == issues  # nothing was filed, moved or routed

    moved = project.ok("triage", "assign", str(mail), "riley", "--move", "--json", "--now", "2026-12-14T09:05").json()
    assert sorted(moved["moved"]) == refs and moved["customer"] == "riley"
    after = {i["ref"]: i for i in project.ok("issues", "list", "--json").json()}
    assert sorted(after) == refs and {i["customer"] for i in after.values()} == {"riley"}
    assert {i["officer"] for i in after.values()} == {i["officer"] for i in issues}  # the same officers keep them
    assert len(requests_by_officer(smtp)) == requests_before  # no officer was asked again
    assert project.run("triage", "assign", str(mail), "riley", "--move").code == 2  # already riley's
    moves = [subject for action, subject in audit_actions(db_url) if action == "issue.moved"]
    assert sorted(moves) == refs


def test_one_paragraph_of_unrelated_questions_becomes_three_issues_titled_by_their_request(
        tmp_path, imap, smtp, db_url, monkeypatch):
    project = project_for(tmp_path, imap, smtp, db_url, monkeypatch)
    imap.append(ONE_PARAGRAPH, date=datetime(2026, 11, 23, 8, 12, tzinfo=timezone.utc))
    project.ok("poll", "--once", "--now", "2026-11-23T08:15")
    issues = {i["category"]: i for i in project.ok("issues", "list", "--json").json()}
    assert set(issues) == {"general-enquiry", "service-request", "eir"}
    assert issues["general-enquiry"]["title"] == "When will the planning committee decide application 26/0123/FUL?"
    assert issues["service-request"]["title"] == "My green bin was missed again on Friday, please collect it."
    assert issues["eir"]["title"].startswith("Under the Freedom of Information Act, please provide copies")
    assert not any("Three things" in i["title"] for i in issues.values())
    assert {i["officer"] for i in issues.values()} == {"planning", "waste", "information-team"}
    # each officer is asked only what is theirs, under the request's own title
    planning = requests_by_officer(smtp)["alex.jones@council.example"]
    assert str(planning["Subject"]).endswith(": When will the planning committee decide application 26/0123/FUL?")
    assert "green bin" not in planning.get_body(("plain",)).get_content()


def test_replies_and_references_join_their_issue_and_a_clarification_restarts_the_foi_clock(
        tmp_path, imap, smtp, db_url, monkeypatch):
    project = project_for(tmp_path, imap, smtp, db_url, monkeypatch)
    # Two FOI requests received Friday 2 October 2026: each due on the 20th working day, Friday 30 October.
    imap.append(foi_mail(1, "Fri, 02 Oct 2026 09:00:00 +0100", "Under the Freedom of Information Act, please "
                         "provide copies of the council's contracts for office cleaning since 2024."),
                date=datetime(2026, 10, 2, 8, 0, tzinfo=timezone.utc))
    project.ok("poll", "--once", "--now", "2026-10-02T10:00")
    imap.append(foi_mail(2, "Fri, 02 Oct 2026 11:00:00 +0100", "Under the Freedom of Information Act, please "
                         "provide the staff sickness absence figures for the revenues team."),
                date=datetime(2026, 10, 2, 10, 0, tzinfo=timezone.utc))
    project.ok("poll", "--once", "--now", "2026-10-02T12:00")
    first, second = project.ok("issues", "list", "--json").json()
    assert (first["statutory_kind"], first["due"], second["due"]) == ("foi", "2026-10-30", "2026-10-30")

    # The SPOC asks the customer to clarify the first one on Monday 5 October: its clock stops.
    out = project.ok("issues", "clarify", first["ref"], "--asked", "2026-10-05T09:00", "--now", "2026-10-05T09:00")
    assert "stopped" in out.out
    assert project.ok("issues", "show", first["ref"], "--json").json()["due"] is None

    # Monday 12 October the customer answers by replying to the officer's request (forwarded to them).
    [request] = [m for m in sent(smtp) if str(m["Subject"]).startswith(f"[{first['ref']} #")]
    smtp.clear()
    reply = (f"From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\n"
             f"Subject: RE: {request['Subject']}\r\nDate: Mon, 12 Oct 2026 08:30:00 +0100\r\n"
             f"Message-ID: <clarified@example.org>\r\nIn-Reply-To: {request['Message-ID']}\r\n"
             f"References: {request['Message-ID']}\r\n\r\nI mean only the contracts signed since April 2024, "
             f"not the ones before.\r\n\r\n> quoted request\r\n").encode()
    imap.append(reply, date=datetime(2026, 10, 12, 7, 30, tzinfo=timezone.utc))
    # ... and cites the second one's reference in a new mail the same day.
    cite = foi_mail(3, "Mon, 12 Oct 2026 10:00:00 +0100",
                    f"About {second['ref']}: to clarify, I would like the figures for 2025 only.")
    imap.append(cite, date=datetime(2026, 10, 12, 9, 0, tzinfo=timezone.utc))
    counts = project.ok("poll", "--once", "--json", "--now", "2026-10-12T11:00").json()
    assert (counts["filed"], counts["answers"], counts["triage"]) == (2, 0, 0)

    issues = project.ok("issues", "list", "--json").json()
    assert [i["ref"] for i in issues] == [first["ref"], second["ref"]]  # neither follow-up became an issue
    assert not any("#" in i["title"] or "Please answer by" in i["title"] for i in issues)
    # FOI s.1(3): counted again from zero from 12 October, the day the clarification arrived: Monday 9 November.
    assert [(i["due"], i["contacts"]) for i in issues] == [("2026-11-09", 2), ("2026-11-09", 2)]
    shown = project.ok("issues", "show", first["ref"], "--json").json()
    assert [m["role"] for m in shown["messages"] if m["role"] in ("origin", "followup")] == ["origin", "followup"]
    assert shown["pauses"] == [["2026-10-05", "2026-10-12"]] and shown["awaiting_clarification"] is False
    assert project.ok("issues", "show", second["ref"], "--json").json()["pauses"] == [["2026-10-12", "2026-10-12"]]

    # The SPOC and deputy are told, once, with the new dates.
    notices = [m for m in sent(smtp) if str(m["Subject"]).startswith("Clarification received")]
    assert len(notices) == 2
    assert {a.addr_spec for a in notices[0]["To"].addresses} == {"morgan.reed@council.example",
                                                                 "chris.lane@council.example"}
    body = notices[0].get_body(("plain",)).get_content()
    assert first["ref"] in body and "2026-10-30" in body and "2026-11-09" in body
    actions = audit_actions(db_url)
    assert ("issue.clarification_asked", first["ref"]) in actions
    assert ("issue.clarified", first["ref"]) in actions and ("issue.clarified", second["ref"]) in actions
    assert ("issue.followup", first["ref"]) in actions

    # nothing the customer is sent carries a reply token or the officers' subject
    preview = project.ok("weekly", "preview", "jordan", "--json", "--now", "2026-10-16T09:00").json()
    assert request["Subject"].split("]")[0].split("#")[1] not in preview["body_text"]
    assert "Please answer by" not in preview["body_text"]
