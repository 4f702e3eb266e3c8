"""Honest dates (issue 9 item 8): a late statutory item says it is late, with an apology, and never promises a
past date; a non-statutory item carries the council's local target from rules/deadlines.toml [targets]."""

from __future__ import annotations

import email
from email import policy

from tests.helpers import deliver, make_project

FOI = ("From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\nSubject: Spending\r\n"
       "Date: Fri, 15 Jan 2027 09:00:00 +0000\r\nMessage-ID: <foi-jan@example.org>\r\n\r\n"
       "Under the Freedom of Information Act 2000, how much did the council spend on consultants in 2026?\r\n"
       ).encode()
ENQUIRY = ("From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\nSubject: Committee\r\n"
           "Date: Mon, 23 Nov 2026 08:12:00 +0000\r\nMessage-ID: <enq@example.org>\r\n\r\n"
           "When will the planning committee decide application 26/0123/FUL?\r\n").encode()


def _project(tmp_path, db_url):
    return make_project(tmp_path / "p", db_url)


def test_a_late_foi_says_it_is_late_and_apologises(tmp_path, db_url):
    p = _project(tmp_path, db_url)
    deliver(p.maildir, FOI)
    p.ok("poll", "--once", "--now", "2027-01-15T10:00")
    foi = next(i for i in p.ok("issues", "list", "--json").json() if i["statutory_kind"] == "foi")
    assert foi["due"] == "2027-02-12"
    # before the due date it is a promise ...
    early = p.ok("weekly", "preview", "jordan", "--json", "--now", "2027-01-22T12:00").json()
    assert "will be answered by Friday 12 February 2027 at the latest" in early["body_text"]
    # ... on Friday 19 February it is late, and the response says so
    p.ok("weekly", "send", "jordan", "--approve", "--now", "2027-01-22T12:10")
    preview = p.ok("weekly", "preview", "jordan", "--json", "--now", "2027-02-19T12:00").json()
    item = next(i for i in preview["items"] if i["ref"] == foi["ref"])
    assert item["state"] == "pending"
    assert "it is late" in item["text"] and "apologise" in item["text"]
    assert "will write to you with the date" in item["text"]
    assert "at the latest" not in preview["body_text"]
    p.ok("weekly", "send", "jordan", "--approve", "--now", "2027-02-19T12:10")
    sent = [email.message_from_bytes(f.read_bytes(), policy=policy.default)
            for f in (p.dir / "outbox").glob("*.eml")]
    feb = [m for m in sent if "19 February 2027" in str(m["Subject"])]
    assert feb and all("at the latest" not in m.get_body(("plain",)).get_content() for m in feb)
    assert "it is late" in feb[0].get_body(("plain",)).get_content()


def test_an_enquiry_carries_its_local_target_date(tmp_path, db_url):
    p = _project(tmp_path, db_url)
    # the council's own working days: an English council does not stop for St Andrew's Day (30 November)
    p.config.write_text(p.config.read_text().replace("[council]\n", '[council]\nholidays = "england-and-wales"\n'))
    deliver(p.maildir, ENQUIRY)
    p.ok("poll", "--once", "--now", "2026-11-23T09:00")
    preview = p.ok("weekly", "preview", "jordan", "--json", "--now", "2026-11-27T12:00").json()
    [item] = preview["items"]
    # 10 of the council's working days from Monday 23 November 2026
    assert "The council expects to answer it by Monday 7 December 2026." in item["text"]
    p.ok("weekly", "send", "jordan", "--approve", "--now", "2026-11-27T12:10")
    late = p.ok("weekly", "preview", "jordan", "--json", "--now", "2026-12-11T12:00").json()
    [item] = late["items"]
    assert "expected to answer it by Monday 7 December 2026" in item["text"] and "apologise" in item["text"]


def test_a_bad_local_target_stops_spocmail_naming_the_key(tmp_path):
    from spocmail import resources

    own = tmp_path / "own-rules"
    own.mkdir()
    text = resources.rules_file("deadlines.toml").read_text()
    (own / "deadlines.toml").write_text(text.replace("general-enquiry = 10", "general-enquiry = 0"))
    p = make_project(tmp_path / "p", f"sqlite:///{tmp_path}/db.sqlite", register=None)
    p.config.write_text(p.config.read_text() + f'\n[rules]\ndir = "{own}"\n')
    r = p.run("issues", "list")
    assert r.code == 2 and "deadlines.toml" in r.err and "[targets] general-enquiry = 0" in r.err


def test_an_foi_answered_after_its_due_date_apologises(tmp_path, db_url):
    from tests.test_weekly_cycle import reply

    p = _project(tmp_path, db_url)
    deliver(p.maildir, FOI)
    p.ok("poll", "--once", "--now", "2027-01-15T10:00")
    foi = next(i for i in p.ok("issues", "list", "--json").json() if i["statutory_kind"] == "foi")
    request = next(email.message_from_bytes(f.read_bytes(), policy=policy.default)
                   for f in (p.dir / "outbox").glob("*.eml") if "#" in f.read_text(errors="replace").split("\n\n")[0]
                   and foi["ref"] in f.read_text(errors="replace"))
    deliver(p.maildir, reply(request, "Information Team <foi@council.example>", "The council spent £40,000."))
    p.ok("poll", "--once", "--now", "2027-02-16T10:00")
    p.ok("issues", "approve", foi["ref"], "--now", "2027-02-16T11:00")
    preview = p.ok("weekly", "preview", "jordan", "--json", "--now", "2027-02-19T12:00").json()
    assert "We are sorry that this answer is late." in preview["body_text"]
    assert "£40,000" in preview["body_text"] and "at the latest" not in preview["body_text"]


def test_an_acknowledgement_of_an_foi_already_past_its_date_says_it_is_late(tmp_path, db_url):
    # an FOI sent to an officer on 15 January, forwarded to the SPOC on 19 February: late on arrival
    p = _project(tmp_path, db_url)
    fwd = ("From: Alex Jones <alex.jones@council.example>\r\nTo: spoc@council.example\r\n"
           "Subject: FW: Spending\r\nDate: Fri, 19 Feb 2027 08:40:00 +0000\r\n"
           "Message-ID: <fwd-late@council.example>\r\n\r\nSorry, this was missed.\r\n\r\n"
           "________________________________\r\nFrom: Jordan Example <jordan@example.org>\r\n"
           "Sent: 15 January 2027 09:00\r\nTo: Alex Jones <alex.jones@council.example>\r\n"
           "Subject: Spending\r\n\r\nUnder the Freedom of Information Act 2000, how much did the council "
           "spend on consultants in 2026?\r\n").encode()
    deliver(p.maildir, fwd)
    p.ok("poll", "--once", "--now", "2027-02-19T09:00")
    acks = [email.message_from_bytes(f.read_bytes(), policy=policy.default) for f in (p.dir / "outbox").glob("*.eml")]
    ack = next(m for m in acks if "we have received your mail" in str(m["Subject"]))
    text = ack.get_body(("plain",)).get_content()
    assert "Friday 12 February 2027" in text and "it is late" in text and "apologise" in text
    assert "will be answered by Friday 12 February" not in text and "at the latest" not in text
    assert "answered within it" not in text  # no promise the council has already broken
