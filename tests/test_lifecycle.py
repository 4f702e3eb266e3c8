"""A year of an arrangement, replayed with --now through the CLI and real servers: introduction, review reminders
before and after the date, the review and its letter, an appeal and its deadline, notice that ends the arrangement
by itself, and the customer's mail after the end handled normally (seeds 000 and 001)."""

from __future__ import annotations

import email
from datetime import datetime, timezone
from email import policy

from sqlalchemy import select

from spocmail.db import Database
from spocmail.db.audit import AuditEntry
from tests.helpers import REPO, make_project
from tests.test_officers_e2e import project_for

START = "start = 2026-12-07\n"


def year_register(path, review: str | None = None, restrictions: str | None = None) -> None:
    text = (REPO / "examples" / "register.toml").read_text()
    text = text.replace("start = 2026-01-05\n", START).replace("review = 2026-07-05\n", review or "")
    if restrictions is not None:
        text = text.replace('restrictions = { issues_per_week = 10, subjects_closed = ["the 2024 bin collection '
                            'complaint"] }', restrictions)
    path.write_text(text)


def parsed(raw: bytes):
    return email.message_from_bytes(raw, policy=policy.default)


def sent_since(smtp, n: int):
    return [(list(m.rcpt_tos), parsed(m.content)) for m in smtp.messages[n:]]


def body(msg) -> str:
    return msg.get_body(("plain",)).get_content()


def notices(mails, words: str):
    return [m for to, m in mails if words in str(m["Subject"])]


def customer_mail(when: datetime, text: str, subject: str = "Question") -> bytes:
    return (f"From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\nSubject: {subject}\r\n"
            f"Date: {email.utils.format_datetime(when)}\r\nMessage-ID: <{abs(hash((when, text)))}@example.org>\r\n"
            f"\r\n{text}\r\n").encode()


def test_a_year_of_an_arrangement(tmp_path, imap, smtp, db_url, monkeypatch):
    p = project_for(tmp_path, imap, smtp, db_url, monkeypatch)
    year_register(p.dir / "register.toml")
    p.ok("register", "import", p.dir / "register.toml")
    # no review date in the file: six months from the start (seed 000)
    shown = p.ok("arrangement", "show", "jordan", "--json", "--now", "2026-12-07T09:00").json()
    # the example customer existed already (imported with make_project): the file's new start is taken,
    # and without a review date the default follows it
    assert shown["start"] == "2026-12-07" and shown["review"] == "2027-06-07" and shown["status"] == "active"

    # the introduction: a letter for the SPOC to approve, and a staff notice at once
    n = len(smtp.messages)
    intro = p.ok("arrangement", "introduce", "jordan", "--json", "--now", "2026-12-07T09:00").json()
    staff = sent_since(smtp, n)
    assert len(staff) == 1 and "jordan@example.org" not in staff[0][0]
    assert {"morgan.reed@council.example", "chris.lane@council.example", "pat.smith@council.example"} <= set(staff[0][0])
    text = body(staff[0][1])
    assert "forward" in text and "spoc@council.example" in text and "Morgan Reed" in text
    assert "bin collection" not in text and "restrict" not in text.lower()  # never the reasons or restrictions
    assert intro["letter_draft"].startswith("intro-")
    assert not any("jordan@example.org" in m.rcpt_tos for m in smtp.messages)  # nothing to the customer unapproved
    drafts = p.ok("arrangement", "letter", "jordan", "--json", "--now", "2026-12-07T09:05").json()
    assert [d["draft"] for d in drafts] == [intro["letter_draft"]]
    n = len(smtp.messages)
    p.ok("arrangement", "letter", "jordan", "--approve", "--draft", intro["letter_draft"], "--now", "2026-12-07T09:10")
    [(to, letter)] = sent_since(smtp, n)
    assert to == ["jordan@example.org"]
    words = body(letter)
    for must in ("Morgan Reed", "spoc@council.example", "Method of contact: email", "10 new issues",
                 "Monday 7 June 2027", "6 months", "right to appeal", "28 days"):
        assert must in words, must
    assert letter.get_body(("plain",)).get_content().replace("\r\n", "\n") == drafts[0]["body_text"]  # exactly what the SPOC saw
    again = p.ok("arrangement", "letter", "jordan", "--approve", "--draft", intro["letter_draft"], "--json",
                 "--now", "2026-12-07T09:11").json()
    assert again["status"] == "already sent" and len(smtp.messages) == n + 1

    # review reminders: ahead of the date once, then every working day once it is due
    n = len(smtp.messages)
    p.ok("jobs", "run-due", "--now", "2027-05-20T09:00")  # 18 days ahead: not yet
    assert not notices(sent_since(smtp, n), "review")
    p.ok("jobs", "run-due", "--now", "2027-05-25T09:00")
    p.ok("jobs", "run-due", "--now", "2027-05-26T09:00")
    ahead = notices(sent_since(smtp, n), "Arrangement review due 7 June 2027")
    assert len(ahead) == 1 and "morgan.reed@council.example" in str(ahead[0]["To"])
    n = len(smtp.messages)
    for day in ("2027-06-07T09:00", "2027-06-07T15:00", "2027-06-08T09:00", "2027-06-12T09:00", "2027-06-14T09:00"):
        p.ok("jobs", "run-due", "--now", day)
    due = notices(sent_since(smtp, n), "Arrangement review")
    # Mon 7 (once, though run twice), Tue 8, not Sat 12, Mon 14
    assert [str(m["Subject"]).split(" (")[0] for m in due] == [
        "Arrangement review due today", "Arrangement review overdue by 1 days", "Arrangement review overdue by 7 days"]

    # the review: 3 to 12 months allowed; it continues, and the letter waits for approval
    bad = p.run("arrangement", "review", "jordan", "--next", "2028-09-01", "--json", "--now", "2027-06-15T10:00")
    assert bad.code == 2 and "--next" in bad.json()["error"] and "3 to 12 months" in bad.json()["error"]
    reviewed = p.ok("arrangement", "review", "jordan", "--months", "3", "--outcome", "Contact remains high.",
                    "--json", "--now", "2027-06-15T10:00").json()
    assert reviewed["review"] == "2027-09-15" and reviewed["letter_draft"].startswith("review-")
    n = len(smtp.messages)
    p.ok("jobs", "run-due", "--now", "2027-06-16T09:00")
    assert not notices(sent_since(smtp, n), "Arrangement review")  # reviewed: the reminders stop
    # importing the register file again does not undo the review
    p.ok("register", "import", p.dir / "register.toml", "--now", "2027-06-16T10:00")
    assert p.ok("register", "show", "jordan", "--json").json()["review"] == "2027-09-15"

    # an appeal against the review: within 28 days; decided within 5 working days; reminded
    appeal = p.ok("arrangement", "appeal", "jordan", "--received", "2027-06-20T18:00", "--json",
                  "--now", "2027-06-21T09:00").json()
    assert appeal["decision"] == "reviewed" and appeal["late"] is False and appeal["window_until"] == "2027-07-13"
    assert appeal["received_on"] == "2027-06-20" and appeal["due"] == "2027-06-25"  # received Sunday: Mon..Fri
    n = len(smtp.messages)
    p.ok("jobs", "run-due", "--now", "2027-06-22T09:00")  # three working days left: no reminder
    p.ok("jobs", "run-due", "--now", "2027-06-24T09:00")
    p.ok("jobs", "run-due", "--now", "2027-06-28T09:00")
    reminders = notices(sent_since(smtp, n), "Appeal decision")
    assert [str(m["Subject"]).split(" (")[0] for m in reminders] == ["Appeal decision due tomorrow",
                                                                     "Appeal decision overdue"]
    decided = p.ok("arrangement", "appeal-decision", "jordan", "--outcome", "dismissed", "--text",
                   "The arrangement remains in place.", "--json", "--now", "2027-06-28T11:00").json()
    assert decided["on_time"] is False and decided["letter_draft"].startswith("appeal-")
    letters = p.ok("arrangement", "letter", "jordan", "--json", "--now", "2027-06-28T11:01").json()
    appeal_letter = next(d for d in letters if d["letter"] == "appeal")
    assert "not upheld" in appeal_letter["body_text"] and "The arrangement remains in place." in appeal_letter["body_text"]
    late = p.ok("arrangement", "appeal", "jordan", "--received", "2027-07-20T10:00", "--json",
                "--now", "2027-07-20T11:00").json()
    assert late["late"] is True  # kept all the same, and said to be late

    # notice: two weeks, then the arrangement ends by itself
    short = p.run("arrangement", "notice", "jordan", "--days", "7", "--now", "2027-09-01T10:00")
    assert short.code == 2
    n = len(smtp.messages)
    given = p.ok("arrangement", "notice", "jordan", "--json", "--now", "2027-09-01T10:00").json()
    assert given["ends_on"] == "2027-09-15" and given["status"] == "ending"
    [(to, staff)] = sent_since(smtp, n)
    assert "Wednesday 15 September 2027" in body(staff) and "pat.smith@council.example" in to
    early = p.run("arrangement", "end", "jordan", "--now", "2027-09-10T10:00")
    assert early.code == 2 and "2027-09-15" in early.err
    p.ok("jobs", "run-due", "--now", "2027-09-14T09:00")
    assert p.ok("arrangement", "show", "jordan", "--json").json()["status"] == "ending"
    n = len(smtp.messages)
    done = p.ok("jobs", "run-due", "--json", "--now", "2027-09-15T08:00").json()
    assert done["lifecycle"]["ended"] == ["jordan"]
    assert notices(sent_since(smtp, n), "has ended")
    assert p.ok("arrangement", "show", "jordan", "--json").json()["status"] == "ended"

    # mail after the end: filed (never lost), flagged for the SPOC, passed to the service, no weekly promise
    n = len(smtp.messages)
    when = datetime(2027, 9, 20, 9, 0, tzinfo=timezone.utc)
    imap.append(customer_mail(when, "My green bin was not collected on Friday, please collect it."), date=when)
    p.ok("poll", "--once", "--now", "2027-09-20T10:05")
    [issue] = [i for i in p.ok("issues", "list", "--customer", "jordan", "--json").json()]
    assert issue["officer"] == "waste" and issue["status"] == "closed"
    out = sent_since(smtp, n)
    to_waste = [m for to, m in out if "dee.walker@council.example" in to]
    assert len(to_waste) == 1 and "answer directly" in str(to_waste[0]["Subject"])
    assert "#" not in str(to_waste[0]["Subject"])  # no reply token: the answer does not come back through the SPOC
    assert "green bin" in body(to_waste[0])
    assert notices(out, "handled normally")
    [ack] = [m for to, m in out if to == ["jordan@example.org"]]
    assert "weekly" not in body(ack).lower() and "reply to you directly" in body(ack)
    assert p.run("weekly", "preview", "jordan", "--json", "--now", "2027-09-24T12:00").code == 2
    weekly = p.ok("jobs", "run-due", "--json", "--now", "2027-09-24T12:30").json()
    assert weekly["weekly"] == []

    database = Database(db_url)
    with database.session() as s:
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.subject_id == "jordan")
                                 .where(AuditEntry.action.like("arrangement.%") | AuditEntry.action.like("appeal.%"))
                                 .order_by(AuditEntry.id)))
    database.dispose()
    assert [e.action for e in entries] == ["arrangement.started", "arrangement.reviewed", "appeal.recorded",
                                          "appeal.decided", "appeal.recorded", "arrangement.notice",
                                          "arrangement.ended"]
    for e in entries:  # ids, dates and kinds: nothing personal
        flat = str(e.detail)
        assert "Jordan" not in flat and "remains" not in flat and "@" not in flat
    assert p.ok("audit", "verify", "--json").json()["ok"] is True


def test_suspension_and_reinstatement(tmp_path, db_url):
    p = make_project(tmp_path, db_url)
    suspended = p.ok("arrangement", "suspend", "jordan", "--json", "--now", "2026-12-02T10:00").json()
    assert p.ok("arrangement", "show", "jordan", "--json").json()["status"] == "suspended"
    refused = p.run("weekly", "preview", "jordan", "--json", "--now", "2026-12-04T12:00")
    assert refused.code == 2 and "suspended" in refused.json()["error"]
    assert p.run("arrangement", "suspend", "jordan").code == 2  # already suspended
    back = p.ok("arrangement", "reinstate", "jordan", "--json", "--now", "2026-12-09T10:00").json()
    assert back["status"] == "active" and back["review"] == "2027-06-09"  # the old review date had passed
    # the suspension letter, never approved, is out of date now: approving it sends nothing
    stale = p.run("arrangement", "letter", "jordan", "--approve", "--draft", suspended["letter_draft"], "--json")
    assert stale.code == 2 and "superseded" in stale.json()["error"]
    [waiting] = p.ok("arrangement", "letter", "jordan", "--json").json()
    assert waiting["draft"] == back["letter_draft"] and "in place again" in waiting["body_text"]
    p.ok("weekly", "preview", "jordan", "--json", "--now", "2026-12-11T12:00")
    actions = [e["action"] for e in p.ok("audit", "show", "--customer", "jordan", "--json").json()]
    assert "arrangement.suspended" in actions and "arrangement.reinstated" in actions


def test_the_register_requires_a_review_date_in_range_and_defaults_it(tmp_path, db_url):
    p = make_project(tmp_path, db_url, register=None)
    reg = tmp_path / "reg.toml"
    year_register(reg, review="review = 2027-01-07\n")  # one month after the start
    bad = p.run("register", "import", reg, "--json")
    assert bad.code == 2
    err = bad.json()["error"]
    assert str(reg) in err and "'review'" in err and "3 to 12 months" in err and "2027-03-07" in err
    year_register(reg, review="review = 2027-12-08\n")  # over 12 months
    assert p.run("register", "import", reg).code == 2
    year_register(reg, restrictions='restrictions = { issues_a_day = 3 }')
    bad = p.run("register", "import", reg, "--json")
    assert bad.code == 2 and "'restrictions'" in bad.json()["error"] and "issues_a_day" in bad.json()["error"]
    year_register(reg, restrictions='restrictions = { issues_per_week = 0 }')
    assert p.run("register", "import", reg).code == 2
    year_register(reg)
    p.ok("register", "import", reg)
    assert p.ok("register", "show", "jordan", "--json").json()["review"] == "2027-06-07"


def test_the_customer_is_told_when_their_spoc_is_away_and_who_covers(tmp_path, db_url):
    p = make_project(tmp_path, db_url, register=None)
    reg = tmp_path / "reg.toml"
    text = (REPO / "examples" / "register.toml").read_text().replace(
        'department = "Customer Services"\n',
        'department = "Customer Services"\nabsences = [{ from = 2026-12-14, to = 2026-12-18 }]\n', 1)
    reg.write_text(text)
    p.ok("register", "import", reg)
    p.ok("jobs", "run-due", "--now", "2026-12-08T09:00")  # four working days ahead: not yet
    assert not [f for f in (tmp_path / "outbox").glob("*.eml") if "away" in str(parsed(f.read_bytes())["Subject"])]
    p.ok("jobs", "run-due", "--now", "2026-12-10T09:00")
    p.ok("jobs", "run-due", "--now", "2026-12-14T09:00")
    mails = [parsed(f.read_bytes()) for f in (tmp_path / "outbox").glob("*.eml")]
    cover = [m for m in mails if "away" in str(m["Subject"])]
    assert len(cover) == 1 and "jordan@example.org" in str(cover[0]["To"])
    words = body(cover[0])
    assert "Chris Lane covers" in words and "Monday 14 December 2026" in words and "Monday 21 December 2026" in words
