"""Reminders to officers and deadline notices, replayed with --now: when they go, what they carry, what they say.

An officer is reminded `[weekly] reminder_days_before` of the council's working days before their answer
is due, never before the request has had that long, and never on the day the answer is due; a reminder
carries the request's reply token, so a reply to it is the answer. Notices tell a statutory deadline
(FOI, EIR, subject access) from a local target (the complaint timescale).
"""

from __future__ import annotations

import email
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from email import policy

from spocmail.clock import LONDON
from spocmail.intake.maildir import deliver
from tests.helpers import REPO, make_project, spocmail
from tests.test_intake_imap import PASSWORD_ENV
from tests.test_officers_e2e import project_for

def customer_mail(when: datetime, body: str, subject: str = "Question") -> bytes:
    return (f"From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\nSubject: {subject}\r\n"
            f"Date: {email.utils.format_datetime(when)}\r\nMessage-ID: <{abs(hash((when, body)))}@example.org>\r\n"
            f"\r\n{body}\r\n").encode()


def planning_question(when: datetime) -> bytes:
    return customer_mail(when, "When will the planning committee decide application 26/0123/FUL?", "Committee")


def parsed(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=policy.default)


def is_reminder(msg) -> bool:
    return "Reminder:" in str(msg["Subject"])  # whatever its form: the form is checked where it is sent


def outbox_files(p) -> list[tuple[bytes, email.message.EmailMessage]]:
    files = sorted((p.dir / "outbox").glob("*.eml"), key=lambda f: f.stat().st_mtime_ns)
    return [(f.read_bytes(), parsed(f.read_bytes())) for f in files]


def token_of(subject: str) -> str:
    return re.search(r"#([\w-]+)\]", subject).group(1)


# ------------------------------------------------------------------ through Dovecot and aiosmtpd


def test_a_reminder_comes_the_working_day_before_with_the_token_and_a_reply_to_it_is_the_answer(
        tmp_path, imap, smtp, db_url, monkeypatch):
    p = project_for(tmp_path, imap, smtp, db_url, monkeypatch)
    imap.append(planning_question(datetime(2026, 11, 23, 8, 12, tzinfo=timezone.utc)),
                date=datetime(2026, 11, 23, 8, 12, tzinfo=timezone.utc))
    p.ok("poll", "--once", "--now", "2026-11-23T08:15")
    [issue] = p.ok("issues", "list", "--json").json()
    [request] = [parsed(m.content) for m in smtp.messages if "alex.jones@council.example" in m.rcpt_tos]
    assert p.ok("issues", "show", issue["ref"], "--json").json()["requests"][0]["needed_by"] == "2026-11-26"

    p.ok("jobs", "run-due", "--now", "2026-11-24T09:00")  # two working days before: not yet
    assert not any(is_reminder(parsed(m.content)) for m in smtp.messages)
    p.ok("jobs", "run-due", "--now", "2026-11-25T09:00")  # the working day before Thu 26 Nov
    sent = [m for m in smtp.messages if is_reminder(parsed(m.content))]
    assert len(sent) == 1 and list(sent[0].rcpt_tos) == ["alex.jones@council.example"]
    raw, reminder = sent[0].content, parsed(sent[0].content)
    # the subject is on the header's own line, so no reader shows it with a leading space
    assert re.search(rb"^Subject: \[SPOC-", raw, re.M) and not str(reminder["Subject"]).startswith(" ")
    token = token_of(str(request["Subject"]))
    assert str(reminder["Subject"]).startswith(f"[{issue['ref']} #{token}] Reminder: please answer by Thu 26 Nov")
    assert reminder["Reply-To"].addresses[0].addr_spec == f"spoc+{token}@council.example"
    assert reminder["In-Reply-To"] == request["Message-ID"]
    assert "needed by Thursday 26 November 2026" in reminder.get_body(("plain",)).get_content()

    p.ok("jobs", "run-due", "--now", "2026-11-25T15:00")
    assert len([m for m in smtp.messages if is_reminder(parsed(m.content))]) == 1  # once

    # the officer replies to the reminder, as their mail program does: to its Reply-To, threaded to it
    answer = (f"From: Alex Jones <alex.jones@council.example>\r\nTo: {reminder['Reply-To']}\r\n"
              f"Subject: RE: {reminder['Subject']}\r\nDate: Wed, 25 Nov 2026 10:00:00 +0000\r\n"
              f"Message-ID: <answer-to-reminder@council.example>\r\nIn-Reply-To: {reminder['Message-ID']}\r\n"
              f"References: {reminder['Message-ID']}\r\n\r\nThe committee decides 26/0123/FUL on 9 December.\r\n"
              f"\r\nKind regards\r\n\r\nAlex Jones\r\nSenior Planning Officer | Planning\r\n").encode()
    imap.append(answer, date=datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc))
    assert p.ok("poll", "--once", "--json", "--now", "2026-11-25T10:05").json()["answers"] == 1
    shown = p.ok("issues", "show", issue["ref"], "--json").json()
    assert [a["text"] for a in shown["answers"]] == ["The committee decides 26/0123/FUL on 9 December."]
    assert shown["status"] == "answered"


def test_under_spocmail_run_a_request_is_not_reminded_the_moment_it_is_sent(tmp_path, imap, smtp, db_url,
                                                                             monkeypatch):
    p = project_for(tmp_path, imap, smtp, db_url, monkeypatch)
    # asked on Wednesday, needed by Thursday's cut-off: there is no time for a reminder worth sending
    imap.append(planning_question(datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)),
                date=datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc))
    log = p.dir / "daemon.log"
    proc = subprocess.Popen([sys.executable, "-m", "spocmail", "--config", str(p.config), "--now",
                             "2026-11-25T09:05", "run", "--jobs-every", "0.3"],
                            env={**os.environ, PASSWORD_ENV: imap.password}, stderr=open(log, "wb"))
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (
                any("alex.jones@council.example" in m.rcpt_tos for m in smtp.messages)
                and log.read_text().count("scheduled jobs run") >= 3):
            time.sleep(0.1)
        time.sleep(1.0)  # more ticks of the scheduler after the request went
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0, log.read_text()
    assert log.read_text().count("scheduled jobs run") >= 3, log.read_text()
    sent = [parsed(m.content) for m in smtp.messages]
    assert [str(m["Subject"]) for m in sent if "alex.jones" in str(m["To"])][0].startswith("[SPOC-")
    assert not any(is_reminder(m) for m in sent)
    [issue] = p.ok("issues", "list", "--json").json()
    assert p.ok("issues", "show", issue["ref"], "--json").json()["requests"][0]["needed_by"] == "2026-11-26"

    p.ok("jobs", "run-due", "--now", "2026-11-26T09:00")  # the day the answer is due: no reminder then either
    assert not any(is_reminder(parsed(m.content)) for m in smtp.messages)
    p.ok("jobs", "run-due", "--now", "2026-11-27T09:00")  # past it: the SPOC and deputy hear instead
    overdue = [parsed(m.content) for m in smtp.messages if "Overdue answers" in str(parsed(m.content)["Subject"])]
    assert len(overdue) == 1 and issue["ref"] in overdue[0].get_body(("plain",)).get_content()


# ------------------------------------------------------------------ on the embedded defaults


def test_a_request_made_after_the_weeks_cut_off_is_needed_by_next_weeks(tmp_path, db_url):
    p = make_project(tmp_path / "p", db_url)
    # Friday 09:00: the weekly send is at noon, but its cut-off was Thursday 17:00
    deliver(p.maildir, planning_question(datetime(2026, 11, 20, 9, 0, tzinfo=LONDON)),
            when=datetime(2026, 11, 20, 9, 0, tzinfo=LONDON))
    p.ok("poll", "--once", "--now", "2026-11-20T09:05")
    [issue] = p.ok("issues", "list", "--json").json()
    assert p.ok("issues", "show", issue["ref"], "--json").json()["requests"][0]["needed_by"] == "2026-11-26"
    [request] = [m for _, m in outbox_files(p) if "alex.jones" in str(m["To"])]
    assert "Please answer by Thu 26 Nov" in str(request["Subject"])
    p.ok("jobs", "run-due", "--now", "2026-11-20T09:30")
    assert not any("Overdue" in str(m["Subject"]) or is_reminder(m) for _, m in outbox_files(p))
    p.ok("jobs", "run-due", "--now", "2026-11-25T09:00")
    assert [is_reminder(m) for _, m in outbox_files(p)].count(True) == 1


def test_no_reminder_before_the_request_has_had_reminder_days_before(tmp_path, db_url):
    p = make_project(tmp_path / "p", db_url, extra="[weekly]\nreminder_days_before = 2\n")
    # Monday's request is needed by Thursday: two working days before is Tuesday, only a day after it went
    deliver(p.maildir, planning_question(datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)),
            when=datetime(2026, 11, 23, 9, 0, tzinfo=LONDON))
    p.ok("poll", "--once", "--now", "2026-11-23T09:05")
    for day in ("2026-11-23T09:10", "2026-11-24T09:00", "2026-11-25T09:00", "2026-11-26T09:00"):
        p.ok("jobs", "run-due", "--now", day)
    assert not any(is_reminder(m) for _, m in outbox_files(p))


def test_reminder_days_before_counts_back_from_the_answer_date(tmp_path, db_url):
    p = make_project(tmp_path / "p", db_url, extra="[weekly]\nreminder_days_before = 2\n")
    # asked the Friday before (after that week's cut-off): needed by Thu 26 Nov, reminded Tue 24 Nov
    deliver(p.maildir, planning_question(datetime(2026, 11, 20, 9, 0, tzinfo=LONDON)),
            when=datetime(2026, 11, 20, 9, 0, tzinfo=LONDON))
    p.ok("poll", "--once", "--now", "2026-11-20T09:05")
    p.ok("jobs", "run-due", "--now", "2026-11-23T09:00")
    assert not any(is_reminder(m) for _, m in outbox_files(p))
    p.ok("jobs", "run-due", "--now", "2026-11-24T09:00")
    [reminder] = [m for _, m in outbox_files(p) if is_reminder(m)]
    assert "please answer by Thu 26 Nov" in str(reminder["Subject"])


def test_reminders_and_answer_dates_follow_the_councils_own_bank_holidays(tmp_path):
    # Weekly send on Tuesday 1 December; its cut-off is the working day before: Monday 30 November,
    # St Andrew's Day, is a working day in England but not in Scotland, where it is Friday 27 November.
    expected = {"england-and-wales": ("2026-11-30", "2026-11-27"), "scotland": ("2026-11-27", "2026-11-26")}
    for nation, (needed, remind_on) in expected.items():
        p = make_project(tmp_path / nation, f"sqlite:///{tmp_path}/{nation}.db", register=None)
        p.config.write_text(p.config.read_text().replace("[council]\n", f'[council]\nholidays = "{nation}"\n', 1))
        register = p.dir / "register.toml"
        register.write_text((REPO / "examples" / "register.toml").read_text().replace(
            'weekly = { day = "FRI", time = "12:00" }', 'weekly = { day = "TUE", time = "12:00" }'))
        p.ok("register", "import", register)
        deliver(p.maildir, planning_question(datetime(2026, 11, 24, 13, 0, tzinfo=LONDON)),
                when=datetime(2026, 11, 24, 13, 0, tzinfo=LONDON))
        p.ok("poll", "--once", "--now", "2026-11-24T13:05")
        [issue] = p.ok("issues", "list", "--json").json()
        assert p.ok("issues", "show", issue["ref"], "--json").json()["requests"][0]["needed_by"] == needed, nation
        for day in ("2026-11-25", "2026-11-26", "2026-11-27", "2026-11-30"):
            p.ok("jobs", "run-due", "--now", f"{day}T09:00")
            reminded = [is_reminder(m) for _, m in outbox_files(p)].count(True)
            assert reminded == (1 if day >= remind_on else 0), (nation, day)


def test_deadline_notices_tell_a_statutory_deadline_from_a_local_target(tmp_path, db_url):
    p = make_project(tmp_path / "p", db_url)
    monday = datetime(2026, 11, 2, 9, 0, tzinfo=LONDON)
    deliver(p.maildir, customer_mail(monday, "I wish to complain about how long it took to collect my bin.",
                                     "Complaint"), when=monday)
    deliver(p.maildir, customer_mail(monday, "Under the Freedom of Information Act 2000, how much did the "
                                             "council spend on agency staff in 2025?", "Information request"),
            when=monday)
    p.ok("poll", "--once", "--now", "2026-11-02T09:05")
    issues = {i["category"]: i for i in p.ok("issues", "list", "--json").json()}
    assert issues["complaint"]["due"] == "2026-11-23" and issues["foi"]["due"] == "2026-12-01"
    requests = {m["X-Spocmail-Issue"]: m.get_body(("plain",)).get_content()
                for _, m in outbox_files(p) if m["X-Spocmail-Issue"]}
    assert "(local target Monday 23 November 2026)" in requests[issues["complaint"]["ref"]]
    assert "statutory" not in requests[issues["complaint"]["ref"]].lower()
    assert "(statutory deadline Tuesday 1 December 2026)" in requests[issues["foi"]["ref"]]

    def notices():
        return {str(m["Subject"]): m.get_body(("plain",)).get_content() for _, m in outbox_files(p)
                if re.match(r"(Statutory deadline|Local target|Deadline): ", str(m["Subject"]))}

    p.ok("jobs", "run-due", "--now", "2026-11-19T09:00")  # the complaint has two working days left
    complaint_ref, foi_ref = issues["complaint"]["ref"], issues["foi"]["ref"]
    [(subject, body)] = notices().items()
    assert subject == f"Local target: {complaint_ref} due Mon 23 Nov (2 working days left)"
    assert "local target, 15 working days, local complaints policy" in body and "statutory" not in body.lower()

    p.ok("jobs", "run-due", "--now", "2026-11-27T09:00")  # the FOI has one (St Andrew's Day is not one)
    assert notices()[f"Statutory deadline: {foi_ref} due Tue 1 Dec (1 working day left)"].count(
        "statutory deadline, 20 working days, FOI Act 2000 s.10(1)") == 1
    assert "needed now" in notices()[f"Local target: {complaint_ref} due Mon 23 Nov (overdue)"]


def test_the_demo_reminds_officers_the_working_day_before_their_answer_date(tmp_path):
    result = spocmail("demo", "--out", tmp_path / "demo", "--json")
    assert result.code == 0, result.err
    reminders = [parsed(f.read_bytes()) for f in (tmp_path / "demo" / "outbox").glob("*.eml")]
    reminders = [m for m in reminders if is_reminder(m)]
    assert len(reminders) >= 2
    for m in reminders:
        sent_on = m["Date"].datetime.astimezone(LONDON).date()
        needed = re.search(r"please answer by (\w{3} \d{1,2} \w{3})", str(m["Subject"])).group(1)
        assert datetime.strptime(f"{needed} {sent_on.year}", "%a %d %b %Y").date() > sent_on, str(m["Subject"])
        assert m["Reply-To"] is not None and token_of(str(m["Subject"])) in str(m["Reply-To"])


def test_a_customers_issues_near_their_dates_come_in_one_notice_a_day_per_officer(tmp_path, db_url):
    """A SPOC behind on one customer's FOIs gets one notice a day for them, listing each, not one per issue."""
    p = make_project(tmp_path / "p", db_url)
    monday = datetime(2026, 11, 2, 9, 0, tzinfo=LONDON)
    for topic in ("agency staff in 2025", "consultants in 2024", "taxis for staff in 2025"):
        deliver(p.maildir, customer_mail(monday, f"Under the Freedom of Information Act 2000, how much did the "
                                                 f"council spend on {topic}?", f"FOI: {topic}"), when=monday)
    deliver(p.maildir, customer_mail(monday, "I wish to complain about how long it took to collect my bin.",
                                     "Complaint"), when=monday)
    p.ok("poll", "--once", "--now", "2026-11-02T09:05")
    issues = p.ok("issues", "list", "--json").json()
    fois = sorted(i["ref"] for i in issues if i["category"] == "foi")
    assert len(fois) == 3 and all(i["due"] == "2026-12-01" for i in issues if i["category"] == "foi")

    def notices_since(seen: int) -> list[email.message.EmailMessage]:
        return [m for _, m in outbox_files(p)[seen:]
                if re.match(r"(Statutory deadline|Local target|Deadlines for)", str(m["Subject"]))]

    seen = len(outbox_files(p))
    p.ok("jobs", "run-due", "--now", "2026-11-26T09:00")  # two working days left for each FOI
    foi_notices = [m for m in notices_since(seen) if "foi" in m.get_body(("plain",)).get_content()]
    [notice] = foi_notices  # one for the three, not three
    body = notice.get_body(("plain",)).get_content()
    assert str(notice["Subject"]) == "Deadlines for jordan: 3 issues near or past their date"
    for ref in fois:  # each issue on its own line, with its own state
        assert sum(1 for line in body.splitlines() if line.lstrip("-* ").startswith(ref) and
                   "2 working days left" in line) == 1, body
    assert body.count("statutory deadline, 20 working days, FOI Act 2000 s.10(1)") == 3

    seen = len(outbox_files(p))
    p.ok("jobs", "run-due", "--now", "2026-11-26T15:00")  # the same day again: nothing new
    assert [m for m in notices_since(seen) if "foi" in m.get_body(("plain",)).get_content()] == []

    seen = len(outbox_files(p))
    p.ok("jobs", "run-due", "--now", "2026-12-02T09:00")  # past the date: still one notice, all overdue
    [late] = [m for m in notices_since(seen) if "foi" in m.get_body(("plain",)).get_content()]
    assert str(late["Subject"]) == "Deadlines for jordan: 3 issues near or past their date (3 overdue)"
    late_body = late.get_body(("plain",)).get_content()
    assert late_body.count(": overdue; status") == 3
    # a date already passed is not "needed before then": the notice says the answer is needed now
    assert "needed now" in late_body and "before then" not in late_body
    notices = [m.get_body(("plain",)).get_content() for m in foi_notices]
    assert "needed before then" in notices[0] and "needed now" not in notices[0]
