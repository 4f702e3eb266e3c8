"""Officers' replies: only the officer asked (or their cover) with a valid token answers; everything else is flagged."""

from __future__ import annotations

import email
from email import policy

from datetime import datetime

import pytest

from spocmail.clock import LONDON

from tests.helpers import deliver
from tests.helpers import make_project


def customer_mail(body: str, when: str = "Mon, 23 Nov 2026 08:00:00 +0000", n: int = 1) -> bytes:
    return (f"From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\nSubject: Question {n}\r\n"
            f"Date: {when}\r\nMessage-ID: <q{n}-{abs(hash(body))}@example.org>\r\n\r\n{body}\r\n").encode()


def sent(p) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(f.read_bytes(), policy=policy.default)
            for f in sorted((p.dir / "outbox").glob("*.eml"), key=lambda f: f.stat().st_mtime_ns)]


def request_to(p, address: str) -> email.message.EmailMessage:
    return [m for m in sent(p) if "#" in str(m["Subject"]) and address in str(m["To"])][-1]


def reply(request, sender: str, text: str) -> bytes:
    msg = email.message.EmailMessage()
    msg["From"], msg["To"] = sender, str(request["Reply-To"])
    msg["Subject"] = f"RE: {request['Subject']}"
    msg["Message-ID"] = f"<r{abs(hash((sender, text)))}@council.example>"
    msg["In-Reply-To"] = msg["References"] = request["Message-ID"]
    quoted = "\n".join("> " + line for line in request.get_body(("plain",)).get_content().splitlines())
    msg.set_content(f"{text}\n\nRegards\n\nOn Mon, 23 Nov 2026 at 09:00, Single Point of Contact "
                    f"<spoc@council.example> wrote:\n{quoted}\n")
    return bytes(msg)


@pytest.fixture
def p(tmp_path):
    project = make_project(tmp_path / "p", f"sqlite:///{tmp_path}/p/db.sqlite")
    deliver(project.maildir, customer_mail("When will the planning committee decide application 26/0123/FUL?"))
    project.ok("poll", "--once", "--now", "2026-11-23T09:00")
    return project


def only_issue(p) -> dict:
    [issue] = p.ok("issues", "list", "--json").json()
    return p.ok("issues", "show", issue["ref"], "--json").json()


def test_a_reply_from_another_officer_is_not_an_answer(p):
    deliver(p.maildir, reply(request_to(p, "alex.jones"), "Sam Patel <sam.patel@council.example>", "It's fine."))
    assert p.ok("poll", "--once", "--json", "--now", "2026-11-23T10:00").json()["answers"] == 0
    assert only_issue(p)["answers"] == [] and only_issue(p)["status"] == "awaiting"
    flagged = p.ok("triage", "--json").json()
    assert any(e["kind"] == "reply-refused" and "sam.patel" in e["detail"] for f in flagged for e in f["evidence"])


def test_the_officers_cover_may_answer(p):
    deliver(p.maildir, reply(request_to(p, "alex.jones"), "Robin Shah <robin.shah@council.example>",
                             "Alex is away: the committee meets on 9 December."))
    assert p.ok("poll", "--once", "--json", "--now", "2026-11-23T10:00").json()["answers"] == 1
    assert only_issue(p)["answers"][0]["officer"] == "planning-2"


def test_a_second_reply_adds_to_the_answer_and_needs_approval_again(p):
    request = request_to(p, "alex.jones")
    deliver(p.maildir, reply(request, "Alex Jones <alex.jones@council.example>", "Committee on 9 December."))
    p.ok("poll", "--once", "--now", "2026-11-23T10:00")
    p.ok("issues", "approve", only_issue(p)["ref"], "--now", "2026-11-23T10:05")
    deliver(p.maildir, reply(request, "Alex Jones <alex.jones@council.example>", "Correction: 10 December."))
    p.ok("poll", "--once", "--now", "2026-11-23T11:00")
    issue = only_issue(p)
    assert [a["text"] for a in issue["answers"]] == ["Committee on 9 December.", "Correction: 10 December."]
    assert issue["status"] == "answered" and issue["answers"][1]["approved_at"] is None


def test_answers_are_approved_one_at_a_time_never_all_pending_by_default(p):
    request = request_to(p, "alex.jones")
    deliver(p.maildir, reply(request, "Alex Jones <alex.jones@council.example>", "Committee on 9 December."))
    deliver(p.maildir, reply(request, "Alex Jones <alex.jones@council.example>", "Correction: 10 December."))
    p.ok("poll", "--once", "--now", "2026-11-23T10:00")
    ref = only_issue(p)["ref"]
    first, second = (a["id"] for a in only_issue(p)["answers"])
    refused = p.run("issues", "approve", ref, "--now", "2026-11-23T10:05")
    assert refused.code == 2 and "2 answers waiting" in refused.err and "--answer" in refused.err, refused.err
    assert [a["approved_at"] for a in only_issue(p)["answers"]] == [None, None]  # nothing approved
    p.ok("issues", "approve", ref, "--answer", str(second), "--now", "2026-11-23T10:06")
    assert [a["approved_at"] is not None for a in only_issue(p)["answers"]] == [False, True]
    # one left waiting: the plain form approves it (the only one), and an unknown id is refused
    assert p.run("issues", "approve", ref, "--answer", "999", "--now", "2026-11-23T10:07").code == 2
    p.ok("issues", "approve", ref, "--now", "2026-11-23T10:08")
    assert all(a["approved_at"] for a in only_issue(p)["answers"]) and first


def test_not_for_me_goes_back_to_the_spoc(p):
    deliver(p.maildir, reply(request_to(p, "alex.jones"), "Alex Jones <alex.jones@council.example>",
                             "Sorry, this isn't my area, please try Democratic Services."))
    assert p.ok("poll", "--once", "--json", "--now", "2026-11-23T10:00").json()["answers"] == 0
    issue = only_issue(p)
    assert issue["status"] == "open" and issue["requests"][0]["status"] == "declined"
    assert any(e["kind"] == "reply-declined" for f in p.ok("triage", "--json").json() for e in f["evidence"])


def test_a_reply_to_a_withdrawn_request_is_stale(p):
    old = request_to(p, "alex.jones")
    p.ok("issues", "assign", only_issue(p)["ref"], "--officer", "planning-2", "--now", "2026-11-23T09:30")
    deliver(p.maildir, reply(old, "Alex Jones <alex.jones@council.example>", "Committee on 9 December."))
    assert p.ok("poll", "--once", "--json", "--now", "2026-11-23T10:00").json()["answers"] == 0
    assert any("stale" in e["detail"] for f in p.ok("triage", "--json").json() for e in f["evidence"])


def test_the_customers_reply_to_a_request_follows_up_its_issue_and_is_never_an_answer(p):
    forwarded_request = request_to(p, "alex.jones")
    deliver(p.maildir, reply(forwarded_request, "Jordan Example <jordan@example.org>",
                             "I also want to know why the site notice was taken down."),
            when=datetime(2026, 11, 23, 9, 30, tzinfo=LONDON))
    counts = p.ok("poll", "--once", "--json", "--now", "2026-11-23T10:00").json()
    assert counts["answers"] == 0 and counts["filed"] == 1 and counts["triage"] == 0
    issue = only_issue(p)  # no new issue titled "[SPOC-… #token] Please answer by …"
    assert issue["title"] == "When will the planning committee decide application 26/0123/FUL?"
    assert issue["contacts"] == 2 and issue["answers"] == [] and issue["status"] == "awaiting"
    assert [m["role"] for m in issue["messages"] if m["role"] in ("origin", "followup")] == ["origin", "followup"]
    # a new mail that cites the reference joins it too
    deliver(p.maildir, customer_mail(f"About {issue['ref']}: the committee date is on your website already.",
                                     "Tue, 24 Nov 2026 08:00:00 +0000", n=2),
            when=datetime(2026, 11, 24, 8, 0, tzinfo=LONDON))
    p.ok("poll", "--once", "--now", "2026-11-24T09:00")
    assert only_issue(p)["contacts"] == 3


def test_the_same_content_forwarded_by_two_officers_is_one_issue_with_two_contacts(tmp_path):
    p = make_project(tmp_path / "p", f"sqlite:///{tmp_path}/p/db.sqlite")
    for officer in ("Alex Jones <alex.jones@council.example>", "Sam Patel <sam.patel@council.example>"):
        deliver(p.maildir, (f"From: {officer}\r\nTo: spoc@council.example\r\nSubject: FW: Trees\r\n"
                            f"Message-ID: <{abs(hash(officer))}@council.example>\r\n"
                            f"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nFYI\r\n\r\n"
                            f"________________________________\r\nFrom: Jordan Example <jordan@example.org>\r\n"
                            f"Sent: 20 November 2026 18:30\r\nSubject: Trees\r\n\r\n"
                            f"Why were the trees on Mill Lane cut down?\r\n").encode(),
                when=datetime(2026, 11, 23, 10, tzinfo=LONDON))
    p.ok("poll", "--once", "--now", "2026-11-23T11:00")
    [issue] = p.ok("issues", "list", "--json").json()
    assert issue["contacts"] == 2 and issue["received_on"] == "2026-11-20"
    shown = p.ok("issues", "show", issue["ref"], "--json").json()
    assert sorted(m["role"] for m in shown["messages"] if m["role"] in ("origin", "repeat")) == ["origin", "repeat"]
    weeks = p.ok("report", "contact", "jordan", "--json").json()
    assert weeks == [{"week": "2026-W47", "mails": 0, "new_issues": 1, "repeats": 0},
                     {"week": "2026-W48", "mails": 2, "new_issues": 0, "repeats": 1}]


def test_an_absent_officer_is_covered(tmp_path):
    p = make_project(tmp_path / "p", f"sqlite:///{tmp_path}/p/db.sqlite")
    # Alex Jones (planning) is on leave 21 Dec - 1 Jan; Robin Shah covers
    deliver(p.maildir, customer_mail("When will the planning committee decide application 26/0123/FUL?",
                                     "Tue, 22 Dec 2026 09:00:00 +0000"))
    p.ok("poll", "--once", "--now", "2026-12-22T09:30")
    [issue] = p.ok("issues", "list", "--json").json()
    shown = p.ok("issues", "show", issue["ref"], "--json").json()
    assert shown["officer"] == "planning-2" and shown["requests"][0]["covering_for"] == "planning"
    assert "absent" in shown["routing_reason"]
    request = request_to(p, "robin.shah")
    assert "cover for Alex Jones" in request.get_body(("plain",)).get_content()


def test_officers_are_reminded_and_the_spoc_told_about_overdue_requests(p):
    request = request_to(p, "alex.jones")
    needed = p.ok("issues", "show", only_issue(p)["ref"], "--json").json()["requests"][0]["needed_by"]
    assert needed == "2026-11-26"  # the cut-off: the working day before Friday's send
    p.ok("jobs", "run-due", "--now", "2026-11-25T09:00")
    reminders = [m for m in sent(p) if "] Reminder:" in str(m["Subject"])]
    assert len(reminders) == 1 and "alex.jones@council.example" in str(reminders[0]["To"])
    assert reminders[0]["In-Reply-To"] == request["Message-ID"]
    p.ok("jobs", "run-due", "--now", "2026-11-25T15:00")
    assert len([m for m in sent(p) if "] Reminder:" in str(m["Subject"])]) == 1  # once
    p.ok("jobs", "run-due", "--now", "2026-11-27T09:00")
    overdue = [m for m in sent(p) if str(m["Subject"]).strip().startswith("Overdue answers")]
    assert len(overdue) == 1
    assert {a.addr_spec for a in overdue[0]["To"].addresses} == {"morgan.reed@council.example",
                                                                 "chris.lane@council.example"}
