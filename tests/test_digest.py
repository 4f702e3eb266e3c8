"""Floods (issue 10): beyond [officers] digest_after requests and reminders a London day, one officer gets ONE digest
that day, listing each held issue with its own reply address, and an answer to an item files against that issue.
Through real Dovecot and aiosmtpd, the clock driven with --now."""

from __future__ import annotations

import email
import re
from datetime import datetime, timezone
from email import policy

from sqlalchemy import select

from spocmail.db import Database
from spocmail.db.digest import OfficerMailing
from tests.helpers import make_project, unrestricted_register
from tests.test_intake_imap import PASSWORD_ENV

STREETS = ["Mill Road", "Station Lane", "Church Street", "Orchard Close", "Victoria Avenue", "Bridge End",
           "Kingsway", "Elm Grove", "Market Square", "Hawthorn Drive", "Quarry Hill", "Riverside Walk"]
WORDS = ["extension", "dormer", "garage", "fence", "annexe"]


def planning_request(i: int, day: int = 30, month: str = "Nov") -> bytes:
    street, what = STREETS[i % len(STREETS)], WORDS[i // len(STREETS) % len(WORDS)]
    return (f"From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\n"
            f"Subject: Planning application {26000 + i} for the {what} at {i + 1} {street}\r\n"
            f"Date: Mon, {day} {month} 2026 08:{i % 60:02d}:00 +0000\r\n"
            f"Message-ID: <digest-{day}-{i}@example.org>\r\n\r\n"
            f"When will the planning committee decide application 26/{26000 + i}/FUL, the {what} at "
            f"{i + 1} {street}? Number {i}.\r\n").encode()


def project_for(tmp_path, imap, smtp, db_url, monkeypatch, digest_after: int = 10):
    monkeypatch.setenv(PASSWORD_ENV, imap.password)
    mailbox = (f'[mailbox]\nkind = "imap"\nhost = "{imap.host}"\nport = {imap.port}\nsecurity = "none"\n'
               f'username = "{imap.user}"\npassword_env = "{PASSWORD_ENV}"\n')
    project = make_project(tmp_path / "p", db_url, mailbox=mailbox, register=unrestricted_register(tmp_path),
                           extra=f'[officers]\ndigest_after = {digest_after}\ndigest_time = "16:00"\n')
    project.config.write_text(project.config.read_text().replace(
        '[smtp]\nkind = "file"\ndir = "outbox"\n',
        f'[smtp]\nkind = "smtp"\nhost = "{smtp.host}"\nport = {smtp.port}\nsecurity = "none"\n'
        'max_per_address_per_hour = 0\n'))
    return project


def to_alex(smtp) -> list[email.message.EmailMessage]:
    out = []
    for m in smtp.messages:
        if "alex.jones@council.example" in m.rcpt_tos:
            out.append(email.message_from_bytes(m.content, policy=policy.default))
    return out


def digests(smtp) -> list[email.message.EmailMessage]:
    return [m for m in to_alex(smtp) if m["X-Spocmail-Digest"]]


def singles(smtp) -> list[email.message.EmailMessage]:
    return [m for m in to_alex(smtp) if not m["X-Spocmail-Digest"] and "#" in str(m["Subject"])]


def test_sixty_requests_in_a_day_are_ten_mails_and_one_digest_and_an_answer_to_an_item_files(
        tmp_path, imap, smtp, db_url, monkeypatch):
    project = project_for(tmp_path, imap, smtp, db_url, monkeypatch)
    for i in range(60):
        imap.append(planning_request(i), date=datetime(2026, 11, 30, 8, i % 60, tzinfo=timezone.utc))
    counts = project.ok("poll", "--once", "--json", "--now", "2026-11-30T09:00").json()
    assert counts["filed"] == 60, counts
    issues = project.ok("issues", "list", "--json").json()
    planning = [i for i in issues if i["officer"] == "planning"]
    assert len(planning) == 60, [(i["ref"], i["officer"]) for i in issues]
    assert len(singles(smtp)) == 10 and digests(smtp) == []  # the rest wait for the day's digest

    # before the digest time: nothing more; at it: one digest listing the fifty others, each once
    project.ok("jobs", "run-due", "--now", "2026-11-30T15:00")
    assert digests(smtp) == []
    project.ok("jobs", "run-due", "--now", "2026-11-30T16:05")
    project.ok("jobs", "run-due", "--now", "2026-11-30T18:00")  # at most one a day
    [digest] = digests(smtp)
    assert len(singles(smtp)) == 10
    text = digest.get_body(("plain",)).get_content().replace("\r\n", "\n")
    single_refs = {re.search(r"\[(SPOC-\d{4}-\d+) #", str(m["Subject"])).group(1) for m in singles(smtp)}
    listed = re.findall(r"^Reference: (SPOC-\d{4}-\d+):", text, re.M)
    assert len(listed) == 50 and len(set(listed)) == 50
    assert set(listed) | single_refs == {i["ref"] for i in planning} and not set(listed) & single_refs
    tokens = re.findall(r"To answer: write to spoc\+([\w-]+)@council\.example", text)
    assert len(set(tokens)) == 50
    assert "#" not in str(digest["Subject"])  # no token speaks for the whole digest

    # the officer answers the 7th item of the digest: it files as that issue's answer, and only that one
    ref, token = listed[6], tokens[6]
    subject = re.search(rf"with the subject (Re: \[{ref} #{re.escape(token)}\][^\n]*)", text).group(1)
    reply = (f"From: Alex Jones <alex.jones@council.example>\r\nTo: Single Point of Contact "
             f"<spoc+{token}@council.example>\r\nSubject: {subject}\r\n"
             f"Date: Tue, 1 Dec 2026 09:30:00 +0000\r\nMessage-ID: <digest-answer@council.example>\r\n"
             f"In-Reply-To: {digest['Message-ID']}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
             f"The committee decides it on 14 January.\r\n\r\nAlex Jones\r\n").encode()
    imap.append(reply, date=datetime(2026, 12, 1, 9, 30, tzinfo=timezone.utc))
    counts = project.ok("poll", "--once", "--json", "--now", "2026-12-01T09:31").json()
    assert counts["answers"] == 1, counts
    shown = project.ok("issues", "show", ref, "--json").json()
    [answer] = shown["answers"]
    assert answer["text"].startswith("The committee decides it on 14 January.") and answer["officer"] == "planning"
    assert shown["status"] == "answered"
    others = [project.ok("issues", "show", r, "--json").json() for r in (listed[5], listed[7])]
    assert all(o["answers"] == [] for o in others)

    # the next day counts afresh: its first requests go one by one again
    for i in range(3):
        imap.append(planning_request(100 + i, day=1, month="Dec"),
                    date=datetime(2026, 12, 1, 10, i, tzinfo=timezone.utc))
    project.ok("poll", "--once", "--json", "--now", "2026-12-01T10:30")
    assert len(singles(smtp)) == 13 and len(digests(smtp)) == 1


def test_reminders_beyond_the_number_join_the_digest_and_nothing_is_listed_twice(
        tmp_path, imap, smtp, db_url, monkeypatch):
    project = project_for(tmp_path, imap, smtp, db_url, monkeypatch, digest_after=2)
    for i in range(4):
        imap.append(planning_request(i), date=datetime(2026, 11, 30, 8, i, tzinfo=timezone.utc))
    project.ok("poll", "--once", "--json", "--now", "2026-11-30T09:00")
    assert len(singles(smtp)) == 2
    project.ok("jobs", "run-due", "--now", "2026-11-30T16:05")
    assert len(digests(smtp)) == 1
    # days later, every request is reminded on the same day: two go one by one, the other two join that day's digest
    for day in ("2026-12-01", "2026-12-02", "2026-12-03"):
        project.ok("jobs", "run-due", "--now", f"{day}T08:00")
        project.ok("jobs", "run-due", "--now", f"{day}T16:05")
    reminders = [m for m in to_alex(smtp) if "Reminder" in str(m["Subject"])]
    later = digests(smtp)[1:]
    assert len(reminders) == 2 and len(later) == 1, [str(m["Subject"]) for m in to_alex(smtp)]
    text = later[0].get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.count("REMINDER: the SPOC is still waiting") == 2
    db = Database(project.config.read_text().split('url = "')[1].split('"')[0])
    try:
        with db.session() as s:
            rows = s.scalars(select(OfficerMailing)).all()
            assert len(rows) == 8 and sum(r.held for r in rows) == 4
            assert all(r.digest_outbox_id for r in rows if r.held)  # every held item went in a digest
    finally:
        db.dispose()


def test_each_customers_held_requests_go_in_their_own_digest(tmp_path, imap, smtp, db_url, monkeypatch):
    """A digest is filed with every issue it lists, so it lists one customer's requests: a subject access
    export or a retention run for one customer never carries another's words."""
    from tests.helpers import SECOND_CUSTOMER

    project = project_for(tmp_path, imap, smtp, db_url, monkeypatch, digest_after=4)
    register = project.dir / "register.toml"
    register.write_text(register.read_text() + SECOND_CUSTOMER)
    project.ok("register", "import", str(register))
    for i in range(8):
        imap.append(planning_request(i), date=datetime(2026, 11, 30, 8, i, tzinfo=timezone.utc))
        riley = planning_request(50 + i).replace(b"Jordan Example <jordan@example.org>",
                                                 b"Riley Sample <riley@example.net>")
        imap.append(riley, date=datetime(2026, 11, 30, 8, 30 + i, tzinfo=timezone.utc))
    counts = project.ok("poll", "--once", "--json", "--now", "2026-11-30T09:00").json()
    assert counts["filed"] == 16, counts
    project.ok("jobs", "run-due", "--now", "2026-11-30T16:05")
    found = digests(smtp)
    assert len(found) == 2, [str(m["Subject"]) for m in found]
    listed = {}
    for digest in found:
        text = digest.get_body(("plain",)).get_content()
        about = "Riley" if "Riley Sample" in str(digest["Subject"]) else "Jordan"
        assert ("Jordan" in text) != ("Riley" in text), text  # one customer's words only
        assert about in text
        listed[about] = set(re.findall(r"^Reference: (SPOC-\d{4}-\d+):", text.replace("\r\n", "\n"), re.M))
    assert len(listed["Jordan"]) + len(listed["Riley"]) == 12 and not listed["Jordan"] & listed["Riley"]


def test_two_daemons_count_an_officers_day_one_after_the_other_on_postgresql(postgres):
    """The cap count is not a race: while one daemon's transaction has counted a day, another daemon's count waits
    for it to commit (and so sees its row). Re-entrant within one transaction (a mail routed to two officers),
    and another day does not wait."""
    import threading
    from datetime import date

    from spocmail import digest

    db = Database(postgres)
    try:
        day = date(2026, 11, 30)
        first = db.sessions()
        digest.lock_officer_day(first, "planning", day)
        digest.lock_officer_day(first, "housing", day)  # same transaction, second officer: no self-wait
        done: dict[str, int] = {}

        def second(officer: str, on: date) -> None:
            with db.session() as s:
                digest.lock_officer_day(s, officer, on)
                done[officer] = 1

        tomorrow = threading.Thread(target=second, args=("waste", date(2026, 12, 1)))
        tomorrow.start()
        tomorrow.join(5)
        assert done == {"waste": 1}
        same = threading.Thread(target=second, args=("planning", day))
        same.start()
        same.join(1.0)
        assert "planning" not in done  # waits while the first transaction is open
        first.commit()
        same.join(5)
        assert done.get("planning") == 1
        first.close()
    finally:
        db.dispose()
