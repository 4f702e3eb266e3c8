"""Three weeks of SPOC work replayed with --now: weekly responses, carried-forward items, a single-issue FOI.

Runs twice: on the embedded defaults (Maildir and file outbox) and through a real Dovecot and aiosmtpd.
"""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import pytest

from tests.helpers import deliver
from tests.helpers import make_project
from tests.test_intake_imap import PASSWORD_ENV

THREE = ("From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\nSubject: Three things\r\n"
         "Date: Mon, 23 Nov 2026 08:12:00 +0000\r\nMessage-ID: <three@example.org>\r\n\r\n"
         "1. When will the planning committee decide application 26/0123/FUL?\r\n"
         "2. My green bin was missed again on Friday, please collect it.\r\n"
         "3. Under the Freedom of Information Act, please provide copies of all tree survey reports for "
         "Jubilee Park since 2024.\r\n").encode()

# An FOI request the customer sent straight to a planning officer on Friday 30 October, forwarded late.
FORWARDED_FOI = ("From: Alex Jones <alex.jones@council.example>\r\nTo: spoc@council.example\r\n"
                 "Subject: FW: Information request\r\nDate: Mon, 23 Nov 2026 08:40:00 +0000\r\n"
                 "Message-ID: <fwd-foi@council.example>\r\n\r\nSorry, this was sitting in my inbox.\r\n\r\n"
                 "________________________________\r\nFrom: Jordan Example <jordan@example.org>\r\n"
                 "Sent: 30 October 2026 16:05\r\nTo: Alex Jones <alex.jones@council.example>\r\n"
                 "Subject: Information request\r\n\r\nUnder the Freedom of Information Act 2000, how much did "
                 "the council spend on agency staff in 2025?\r\n").encode()


class World:
    """Where mail arrives and where sent mail can be read back: Maildir + file outbox, or Dovecot + aiosmtpd."""

    def __init__(self, kind, tmp_path, db_url, monkeypatch, request):
        self.kind = kind
        if kind == "embedded":
            self.project = make_project(tmp_path / "p", db_url)
            self.outbox = self.project.dir / "outbox"
        else:
            self.imap = request.getfixturevalue("imap")
            self.smtp = request.getfixturevalue("smtp")
            monkeypatch.setenv(PASSWORD_ENV, self.imap.password)
            mailbox = (f'[mailbox]\nkind = "imap"\nhost = "{self.imap.host}"\nport = {self.imap.port}\n'
                       f'security = "none"\nusername = "{self.imap.user}"\npassword_env = "{PASSWORD_ENV}"\n')
            self.project = make_project(tmp_path / "p", db_url, mailbox=mailbox)
            cfg = self.project.config.read_text().replace(
                '[smtp]\nkind = "file"\ndir = "outbox"\n',
                f'[smtp]\nkind = "smtp"\nhost = "{self.smtp.host}"\nport = {self.smtp.port}\nsecurity = "none"\n')
            self.project.config.write_text(cfg)

    def deliver(self, raw: bytes) -> None:
        if self.kind == "embedded":
            deliver(self.project.maildir, raw)
        else:
            self.imap.append(raw)

    def sent(self) -> list[tuple[list[str], email.message.EmailMessage]]:
        """Every mail sent so far, with its envelope recipients, in the order sent."""
        if self.kind == "embedded":
            out = []
            for path in sorted(Path(self.outbox).glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
                msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
                rcpts = [a.addr_spec for h in ("To", "Cc") for a in (msg[h].addresses if msg[h] else ())]
                out.append((rcpts, msg))
            return out
        return [(list(m.rcpt_tos), email.message_from_bytes(m.content, policy=policy.default))
                for m in self.smtp.messages]

    def sent_to(self, address: str, subject_has: str = "") -> list[email.message.EmailMessage]:
        return [m for rcpts, m in self.sent() if address in rcpts and subject_has in str(m["Subject"])]

    def sent_copies(self) -> int:
        if self.kind == "embedded":
            return len(list((self.project.maildir / ".Sent" / "cur").glob("*")))
        return len(self.imap.list_folder("Sent"))


def reply(request: email.message.EmailMessage, sender: str, answer: str, attachment: bytes | None = None) -> bytes:
    quoted = request.get_body(("plain",)).get_content()
    msg = email.message.EmailMessage()
    msg["From"] = sender
    msg["To"] = str(request["Reply-To"])
    msg["Subject"] = f"RE: {request['Subject']}"
    msg["Date"] = "Tue, 24 Nov 2026 10:00:00 +0000"
    msg["Message-ID"] = f"<r{abs(hash((sender, answer)))}@council.example>"
    msg["In-Reply-To"] = request["Message-ID"]
    msg["References"] = request["Message-ID"]
    msg.set_content(f"{answer}\n\nRegards\n\n-----Original Message-----\nFrom: Single Point of Contact "
                    f"<spoc@council.example>\nSubject: {request['Subject']}\n\n{quoted}")
    if attachment:
        msg.add_attachment(attachment, maintype="application", subtype="pdf", filename="agency-spend-2025.pdf")
    return bytes(msg)


@pytest.fixture(params=["embedded", "servers"])
def world(request, tmp_path, db_url, monkeypatch):
    return World(request.param, tmp_path, db_url, monkeypatch, request)


def test_three_weeks_of_weekly_responses(world):
    p = world.project
    world.deliver(THREE)
    world.deliver(FORWARDED_FOI)
    p.ok("poll", "--once", "--now", "2026-11-23T09:00")
    issues = {i["ref"]: i for i in p.ok("issues", "list", "--json").json()}
    foi = next(i for i in issues.values() if i["statutory_kind"] == "foi")
    assert foi["received_at"].startswith("2026-10-30") and foi["due"] == "2026-11-27"  # the original's date counts
    planning = next(i for i in issues.values() if i["category"] == "general-enquiry")
    waste = next(i for i in issues.values() if i["category"] == "service-request")
    eir = next(i for i in issues.values() if i["statutory_kind"] == "eir")

    # one acknowledgement for the day, with RFC 3834 headers, naming every new reference
    acks = world.sent_to("jordan@example.org", "we have received your mail")
    assert len(acks) == 1 and acks[0]["Auto-Submitted"] == "auto-replied"
    assert all(ref in str(acks[0]["Subject"]) for ref in issues)

    # Tuesday: the planning officer and the information team answer; the SPOC approves both
    requests = {m["To"].addresses[0].addr_spec: m for _r, m in world.sent() if "#" in str(m["Subject"])}
    world.deliver(reply(requests["alex.jones@council.example"], "Alex Jones <alex.jones@council.example>",
                        "The committee decides 26/0123/FUL on 9 December."))
    foi_request = next(m for _r, m in world.sent() if foi["ref"] in str(m["Subject"]) and "#" in str(m["Subject"]))
    world.deliver(reply(foi_request, "Information Team <foi@council.example>",
                        "The council spent £1.2m on agency staff in 2025.", attachment=b"%PDF-1.4 list"))
    assert p.ok("poll", "--once", "--json", "--now", "2026-11-24T10:30").json()["answers"] == 2
    p.ok("issues", "approve", planning["ref"], "--now", "2026-11-24T11:00")
    p.ok("issues", "approve", foi["ref"], "--now", "2026-11-24T11:00")

    # the FOI is due Friday 27th; Friday's weekly send is too late by the margin: it goes now, on its own
    done = p.ok("jobs", "run-due", "--json", "--now", "2026-11-24T11:30").json()
    assert [s["issue"] for s in done["single_issue"]] == [foi["ref"]]
    single = world.sent_to("jordan@example.org", f"response to {foi['ref']}")
    assert len(single) == 1
    assert "£1.2m on agency staff" in single[0].get_body(("plain",)).get_content()
    assert [a.get_filename() for a in single[0].iter_attachments()] == ["agency-spend-2025.pdf"]

    # Friday 12:00: the draft goes to the SPOC, nothing to the customer until approved
    done = p.ok("jobs", "run-due", "--json", "--now", "2026-11-27T12:00").json()
    assert [w["status"] for w in done["weekly"]] == ["awaiting approval"]
    assert world.sent_to("jordan@example.org", "weekly response") == []
    assert len(world.sent_to("spoc@council.example", "[DRAFT for approval]")) == 1
    preview = p.ok("weekly", "preview", "jordan", "--json", "--now", "2026-11-27T12:05").json()
    states = {i["ref"]: i["state"] for i in preview["items"]}
    assert states == {planning["ref"]: "answered", foi["ref"]: "answered", waste["ref"]: "new", eir["ref"]: "new"}
    assert preview["to"] == ["Jordan Example <jordan@example.org>"]
    assert "Alex Jones <alex.jones@council.example>" in preview["cc"]
    assert "Cllr Pat Smith <pat.smith@council.example>" in preview["cc"]
    assert "9 December" in preview["body_text"] and "separate response" in preview["body_text"]

    p.ok("weekly", "send", "jordan", "--approve", "--now", "2026-11-27T12:10")
    week1 = world.sent_to("jordan@example.org", "weekly response")
    assert len(week1) == 1
    assert week1[0]["Reply-To"].addresses[0].addr_spec == "spoc@council.example"
    assert week1[0].get_content_type() == "multipart/alternative"
    # a second send for the same week does nothing to the customer, and says so
    again = p.ok("weekly", "send", "jordan", "--approve", "--json", "--now", "2026-11-27T12:20").json()
    assert again["status"] == "already sent"
    p.ok("jobs", "run-due", "--now", "2026-11-27T12:30")
    assert len(world.sent_to("jordan@example.org", "weekly response")) == 1

    # week 2: waste answers on Monday; the EIR is still with the information team and is carried forward
    waste_request = next(m for _r, m in world.sent() if waste["ref"] in str(m["Subject"]) and "#" in str(m["Subject"]))
    world.deliver(reply(waste_request, "Dee Walker <dee.walker@council.example>", "Your bin was collected on 30 November."))
    p.ok("poll", "--once", "--now", "2026-11-30T10:00")
    p.ok("issues", "approve", waste["ref"], "--now", "2026-11-30T11:00")
    p.ok("jobs", "run-due", "--now", "2026-12-04T12:00")
    preview = p.ok("weekly", "preview", "jordan", "--json", "--now", "2026-12-04T12:05").json()
    states = {i["ref"]: i for i in preview["items"]}
    assert set(states) == {waste["ref"], eir["ref"]}
    assert states[waste["ref"]]["state"] == "answered"
    assert states[eir["ref"]]["state"] == "pending"
    assert "Awaiting information from Information Governance" in states[eir["ref"]]["text"]
    assert "this will be included in a following response" in states[eir["ref"]]["text"]
    assert preview["cc"] == ["Dee Walker <dee.walker@council.example>", "Cllr Pat Smith <pat.smith@council.example>"]
    p.ok("weekly", "send", "jordan", "--approve", "--now", "2026-12-04T12:10")
    week2 = world.sent_to("jordan@example.org", "weekly response")[-1]
    assert week2["In-Reply-To"] == week1[0]["Message-ID"]  # threaded to the previous weekly response

    # week 3: nothing answered; the EIR is carried forward again, with its statutory due date
    p.ok("jobs", "run-due", "--now", "2026-12-11T12:00")
    preview = p.ok("weekly", "preview", "jordan", "--json", "--now", "2026-12-11T12:01").json()
    assert [(i["ref"], i["state"]) for i in preview["items"]] == [(eir["ref"], "pending")]
    assert "Tuesday 22 December 2026" in preview["items"][0]["text"]

    # every mail sent is in the record and in the Sent folder
    assert world.sent_copies() == len(world.sent())


def test_a_weekly_send_missed_while_the_daemon_was_down_runs_once(tmp_path, db_url):
    p = make_project(tmp_path / "p", db_url)
    reg = (p.dir / "register.toml")
    reg.write_text(reg.read_text().replace('weekly = { day = "FRI", time = "12:00" }',
                                           'weekly = { day = "FRI", time = "12:00" }\nauto_send = true'))
    p.ok("register", "import", reg)
    deliver(p.maildir, THREE)
    p.ok("poll", "--once", "--now", "2026-11-23T09:00")
    # down from Friday 11:00 until 15:30: the 12:00 send runs once when it is back, never twice
    assert p.ok("jobs", "run-due", "--json", "--now", "2026-11-27T11:00").json()["weekly"] == []
    first = p.ok("jobs", "run-due", "--json", "--now", "2026-11-27T15:30").json()["weekly"]
    second = p.ok("jobs", "run-due", "--json", "--now", "2026-11-27T15:31").json()["weekly"]
    assert [w["status"] for w in first] == ["queued"] and second == []
    sent = [m for m in (p.dir / "outbox").glob("*.eml")
            if "weekly response" in str(email.message_from_bytes(m.read_bytes(), policy=policy.default)["Subject"])]
    assert len(sent) == 1


def test_a_bank_holiday_moves_the_weekly_send_to_the_day_before(tmp_path):
    p = make_project(tmp_path / "p", f"sqlite:///{tmp_path}/p/db.sqlite")
    deliver(p.maildir, THREE)
    p.ok("poll", "--once", "--now", "2026-12-21T09:00")
    # Christmas Day 2026 is a Friday: the weekly send moves to Thursday 24 December
    assert p.ok("jobs", "run-due", "--json", "--now", "2026-12-24T11:59").json()["weekly"] == []
    done = p.ok("jobs", "run-due", "--json", "--now", "2026-12-24T12:00").json()["weekly"]
    assert [(w["period"], w["status"]) for w in done] == [("2026-W52", "awaiting approval")]


def approval_reply(draft: email.message.EmailMessage, sender: str, text: str) -> bytes:
    msg = email.message.EmailMessage()
    msg["From"], msg["To"] = sender, "spoc@council.example"
    msg["Subject"] = f"RE: {draft['Subject']}"
    msg["Message-ID"] = f"<approve{abs(hash((sender, text)))}@council.example>"
    msg["In-Reply-To"] = msg["References"] = draft["Message-ID"]
    msg.set_content(f"{text}\n\n-----Original Message-----\nFrom: Single Point of Contact\n\n...")
    return bytes(msg)


def test_an_approval_reply_from_the_spoc_sends_the_weekly_response_and_others_cannot(tmp_path):
    p = make_project(tmp_path / "p", f"sqlite:///{tmp_path}/p/db.sqlite")
    deliver(p.maildir, THREE)
    p.ok("poll", "--once", "--now", "2026-11-23T09:00")
    p.ok("jobs", "run-due", "--now", "2026-11-27T12:00")
    sent = lambda: [email.message_from_bytes(f.read_bytes(), policy=policy.default)  # noqa: E731
                    for f in sorted((p.dir / "outbox").glob("*.eml"))]
    draft = next(m for m in sent() if str(m["Subject"]).startswith("[DRAFT for approval]"))
    to_customer = lambda: [m for m in sent() if "weekly response" in str(m["Subject"])  # noqa: E731
                           and "jordan@example.org" in str(m["To"])]
    # an officer who is neither SPOC nor deputy cannot approve; nor can "looks fine?" from the SPOC
    deliver(p.maildir, approval_reply(draft, "Alex Jones <alex.jones@council.example>", "Approved"))
    deliver(p.maildir, approval_reply(draft, "Morgan Reed <morgan.reed@council.example>", "Looks fine?"))
    p.ok("poll", "--once", "--now", "2026-11-27T12:30")
    assert to_customer() == []
    deliver(p.maildir, approval_reply(draft, "Chris Lane <chris.lane@council.example>", "Approved."))
    p.ok("poll", "--once", "--now", "2026-11-27T12:40")
    assert len(to_customer()) == 1
    deliver(p.maildir, approval_reply(draft, "Morgan Reed <morgan.reed@council.example>", "Approve"))
    p.ok("poll", "--once", "--now", "2026-11-27T12:50")
    assert len(to_customer()) == 1  # approved twice, sent once


def test_a_response_that_cannot_be_addressed_is_not_sent_and_the_spoc_is_told(tmp_path):
    p = make_project(tmp_path / "p", f"sqlite:///{tmp_path}/p/db.sqlite")
    deliver(p.maildir, THREE)
    p.ok("poll", "--once", "--now", "2026-11-23T09:00")
    p.ok("address", "reject", "jordan", "jordan@example.org")  # no confirmed address left
    done = p.ok("jobs", "run-due", "--json", "--now", "2026-11-27T12:00").json()
    assert [w["status"] for w in done["weekly"]] == ["failed"]
    assert "no confirmed address" in done["weekly"][0]["error"]
    subjects = [str(email.message_from_bytes(f.read_bytes(), policy=policy.default)["Subject"]).strip()
                for f in (p.dir / "outbox").glob("*.eml")]
    assert any(s.startswith("The weekly response to jordan could not be built") for s in subjects)
    assert not any("weekly response" in s and not s.startswith("The weekly") for s in subjects)
    result = p.run("weekly", "send", "jordan", "--approve", "--now", "2026-11-27T12:30")
    assert result.code == 1 and "address confirm jordan" in result.err


def test_the_daemons_scheduler_sends_a_missed_weekly_response_once_after_a_restart(tmp_path, imap, smtp, db_url,
                                                                                 monkeypatch):
    import os
    import signal
    import subprocess
    import sys
    import time

    world = World("servers", tmp_path, db_url, monkeypatch, type("R", (), {"getfixturevalue": lambda s, n: {
        "imap": imap, "smtp": smtp}[n]})())
    p = world.project
    reg = p.dir / "register.toml"
    reg.write_text(reg.read_text().replace('weekly = { day = "FRI", time = "12:00" }',
                                           'weekly = { day = "FRI", time = "12:00" }\nauto_send = true'))
    p.ok("register", "import", reg)
    world.deliver(THREE)
    p.ok("poll", "--once", "--now", "2026-11-23T09:00")
    env = {**os.environ, PASSWORD_ENV: imap.password}

    def daemon_at(now: str) -> None:
        log = p.dir / f"daemon-{now[-5:].replace(':', '')}.log"
        proc = subprocess.Popen([sys.executable, "-m", "spocmail", "--config", str(p.config), "--now", now, "run",
                                 "--jobs-every", "0.5"], env=env, stderr=open(log, "wb"))
        deadline = time.monotonic() + 20
        while "scheduled jobs run" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.2)  # a few more ticks: none may send again
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0, log.read_text()

    daemon_at("2026-11-27T11:00")  # before the send time: nothing
    assert world.sent_to("jordan@example.org", "weekly response") == []
    daemon_at("2026-11-27T15:30")  # down over 12:00, back at 15:30: sent once
    daemon_at("2026-11-27T15:45")  # restarted again: not sent again
    assert len(world.sent_to("jordan@example.org", "weekly response")) == 1


def test_documents_past_the_size_limit_are_named_to_follow_and_the_spoc_is_told(tmp_path):
    p = make_project(tmp_path / "p", f"sqlite:///{tmp_path}/p/db.sqlite",
                     extra="[weekly]\nmax_attachment_bytes = 10\n")
    deliver(p.maildir, THREE)
    p.ok("poll", "--once", "--now", "2026-11-23T09:00")
    sent = lambda: [email.message_from_bytes(f.read_bytes(), policy=policy.default)  # noqa: E731
                    for f in (p.dir / "outbox").glob("*.eml")]
    request = next(m for m in sent() if "#" in str(m["Subject"]) and "alex.jones" in str(m["To"]))
    deliver(p.maildir, reply(request, "Alex Jones <alex.jones@council.example>", "The committee report is attached.",
                             attachment=b"%PDF-1.4 far more than ten bytes of committee report"))
    p.ok("poll", "--once", "--now", "2026-11-24T10:00")
    ref = next(i["ref"] for i in p.ok("issues", "list", "--json").json() if i["officer"] == "planning")
    p.ok("issues", "approve", ref, "--now", "2026-11-24T10:05")
    p.ok("weekly", "send", "jordan", "--approve", "--now", "2026-11-27T12:00")
    weekly = next(m for m in sent() if "weekly response" in str(m["Subject"]) and "jordan@" in str(m["To"]))
    assert list(weekly.iter_attachments()) == []
    assert "Documents that will follow separately: agency-spend-2025.pdf" in weekly.get_body(("plain",)).get_content()
    notices = [m for m in sent() if str(m["Subject"]).strip().startswith("Documents too large")]
    assert len(notices) == 1 and "morgan.reed@council.example" in str(notices[0]["To"])
