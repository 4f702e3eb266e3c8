"""Contacts not made by mail (seed 000's footnote, seed 001): `spocmail log` files a letter, a telephone call or a
visit into the same record, routed like mail, with its statutory clock from the day it was received."""

from __future__ import annotations

import email
from email import policy

from sqlalchemy import select

from spocmail.db import Database
from spocmail.db.mail import Message
from tests.helpers import make_project


def test_a_letter_with_its_scan_is_filed_with_its_own_date_and_the_foi_clock_runs_from_it(tmp_path, db_url):
    p = make_project(tmp_path, db_url)
    scan = tmp_path / "letter-scan.pdf"
    scan.write_bytes(b"%PDF-1.4 a scanned letter\n")
    # a letter that arrived on Wed 14 Oct 2026 and is typed in a week later
    r = p.ok("log", "jordan", "--channel", "letter", "--received", "2026-10-14T11:00", "--text",
             "Under the Freedom of Information Act 2000, please provide the council's spending on consultants in "
             "2025.", "--file", scan, "--json", "--now", "2026-10-21T15:00").json()
    assert set(r) >= {"message", "refs"} and isinstance(r["message"], int) and len(r["refs"]) == 1
    issue = p.ok("issues", "show", r["refs"][0], "--json").json()
    assert issue["statutory_kind"] == "foi" and issue["received_on"] == "2026-10-14"
    assert issue["due"] == "2026-11-11"  # 20 working days from the letter's arrival, not from the typing
    assert issue["officer"] == "information-team" and issue["status"] == "awaiting"
    [origin] = [m for m in issue["messages"] if m["role"] == "origin"]
    assert origin["message"] == r["message"] and origin["channel"] == "letter"
    database = Database(db_url)
    with database.session() as s:
        stored = s.get(Message, r["message"])
        raw, channel, state = stored.raw, stored.channel, stored.state
    database.dispose()
    assert channel == "letter" and state == "done"
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["X-Spocmail-Channel"] == "letter"
    [att] = list(parsed.iter_attachments())
    assert att.get_filename() == "letter-scan.pdf" and att.get_payload(decode=True) == scan.read_bytes()
    # the officer is asked like for any mail
    requests = [email.message_from_bytes(f.read_bytes(), policy=policy.default)
                for f in (tmp_path / "outbox").glob("*.eml")]
    assert any(r["refs"][0] in str(m["Subject"]) and "foi@council.example" in str(m["To"]) for m in requests)
    assert p.ok("audit", "verify", "--json").json()["ok"] is True


def test_a_phone_call_with_a_verbal_eir_request_runs_from_the_day_of_the_call(tmp_path, db_url):
    p = make_project(tmp_path, db_url)
    r = p.ok("log", "jordan", "--channel", "phone", "--received", "2026-11-02T16:30", "--text",
             "Verbal request under the Environmental Information Regulations: the noise monitoring results for "
             "the Mill Road depot in 2026.", "--json", "--now", "2026-11-04T09:00").json()
    [ref] = r["refs"]
    issue = p.ok("issues", "show", ref, "--json").json()
    assert issue["statutory_kind"] == "eir" and issue["received_on"] == "2026-11-02"
    assert issue["due"] == "2026-12-01"  # St Andrew's Day stops the clock (DOMAIN.md's example)
    assert issue["messages"][0]["channel"] == "phone"
    # the call is part of the customer's record like any mail
    assert [i["ref"] for i in p.ok("issues", "list", "--customer", "jordan", "--json").json()] == [ref]


def test_a_logged_contact_is_checked_before_anything_is_stored(tmp_path, db_url):
    p = make_project(tmp_path, db_url)
    unknown = p.run("log", "nobody", "--channel", "letter", "--received", "2026-11-02T10:00", "--text", "x", "--json")
    assert unknown.code == 2 and "nobody" in unknown.json()["error"]
    future = p.run("log", "jordan", "--channel", "letter", "--received", "2026-12-09T10:00", "--text", "x",
                   "--json", "--now", "2026-12-02T10:00")
    assert future.code == 2 and "--received" in future.json()["error"]
    bad = p.run("log", "jordan", "--channel", "fax", "--received", "2026-11-02T10:00", "--text", "x")
    assert bad.code == 2
    missing = p.run("log", "jordan", "--channel", "letter", "--received", "2026-11-02T10:00", "--text", "x",
                    "--file", tmp_path / "nope.pdf", "--json")
    assert missing.code == 2 and "--file" in missing.json()["error"]
    assert p.ok("issues", "list", "--json").json() == []
