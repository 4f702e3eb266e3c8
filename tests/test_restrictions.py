"""Restrictions as data, applied the same way every time and shown on the decision: a limit on the issues
considered (the excess carried to the next period, and the weekly response says so), a closed subject
(acknowledged and filed, never routed), contact outside the agreed channel (recorded); and statutory
requests (FOI, EIR, subject access) handled in spite of every restriction (seed 002 §9.2)."""

from __future__ import annotations

import email
from datetime import datetime, timezone
from email import policy

import pytest

from spocmail.restrictions import KINDS
from tests.helpers import REPO, deliver, make_project

EXAMPLE = 'restrictions = { issues_per_week = 10, subjects_closed = ["the 2024 bin collection complaint"] }'


def project(tmp_path, db_url, restrictions: str):
    p = make_project(tmp_path, db_url, register=None)
    reg = tmp_path / "reg.toml"
    reg.write_text((REPO / "examples" / "register.toml").read_text().replace(EXAMPLE, restrictions))
    p.ok("register", "import", reg)
    return p


def mail(when: datetime, text: str, subject: str = "Questions", sender: str = "Jordan Example <jordan@example.org>",
         ) -> bytes:
    return (f"From: {sender}\r\nTo: spoc@council.example\r\nSubject: {subject}\r\n"
            f"Date: {email.utils.format_datetime(when)}\r\nMessage-ID: <{abs(hash((when, text)))}@example.org>\r\n"
            f"\r\n{text}\r\n").encode()


def forwarded_by_officer(when: datetime, text: str) -> bytes:
    inner = (f"-----Original Message-----\r\nFrom: Jordan Example <jordan@example.org>\r\n"
             f"Sent: {email.utils.format_datetime(when)}\r\nTo: Alex Jones <alex.jones@council.example>\r\n"
             f"Subject: Request\r\n\r\n{text}\r\n")
    return mail(when, "Forwarding this to the SPOC as asked.\r\n\r\n" + inner, "FW: Request",
                "Alex Jones <alex.jones@council.example>")


def outbox(p):
    return [email.message_from_bytes(f.read_bytes(), policy=policy.default)
            for f in sorted((p.dir / "outbox").glob("*.eml"))]


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 12, day, hour, 0, tzinfo=timezone.utc)


def poll(p, when: datetime, raw: bytes) -> None:
    deliver(p.maildir, raw, when=when)
    p.ok("poll", "--once", "--now", when.replace(minute=5).isoformat())


def issues(p):
    return p.ok("issues", "list", "--customer", "jordan", "--json").json()


def test_an_issue_limit_carries_the_excess_to_next_week_and_the_weekly_response_says_so(tmp_path, db_url):
    p = project(tmp_path, db_url, "restrictions = { issues_per_week = 2 }")
    poll(p, at(7), mail(at(7), "1. When will the planning committee decide application 26/0123/FUL?\r\n"
                               "2. My green bin was missed on Friday, please collect it.\r\n"
                               "3. When will the pothole outside 4 Mill Road be repaired?"))
    rows = issues(p)
    assert len(rows) == 3
    routed, carried = rows[:2], rows[2]
    assert all(r["status"] == "awaiting" and r["officer"] for r in routed)
    assert carried["status"] == "open" and carried["officer"] is None and carried["deferred_until"] == "2026-12-14"
    [applied] = carried["restrictions"]
    assert applied["kind"] == "issues_per_week" and "limit of 2" in applied["detail"]
    assert p.ok("issues", "show", carried["ref"], "--json").json()["restrictions"] == carried["restrictions"]
    requests = [m for m in outbox(p) if "Please answer by" in str(m["Subject"])]
    assert len(requests) == 2 and not any(carried["ref"] in str(m["Subject"]) for m in requests)

    preview = p.ok("weekly", "preview", "jordan", "--json", "--now", "2026-12-11T12:00").json()
    item = next(i for i in preview["items"] if i["ref"] == carried["ref"])
    assert "carried forward" in item["text"] and "Monday 14 December 2026" in item["text"]

    due = p.ok("jobs", "run-due", "--json", "--now", "2026-12-14T09:00").json()
    assert due["carried_over"] == [carried["ref"]]
    now_routed = next(r for r in issues(p) if r["ref"] == carried["ref"])
    assert now_routed["status"] == "awaiting" and now_routed["officer"]
    # a fourth issue this new week still fits (the carried one took one of the two places)
    poll(p, at(14, 10), mail(at(14, 10), "When will the library on Station Road reopen?", "Library"))
    assert issues(p)[-1]["deferred_until"] is None
    poll(p, at(14, 11), mail(at(14, 11), "Why was the street light on Elm Close not repaired?", "Light"))
    assert issues(p)[-1]["deferred_until"] == "2026-12-21"
    kinds = [e["detail"].get("kind") for e in p.ok("audit", "show", "--customer", "jordan", "--json").json()
             if e["action"] == "restriction.applied"]
    assert kinds == ["issues_per_week", "issues_per_week"]


def test_a_closed_subject_is_acknowledged_and_filed_not_routed(tmp_path, db_url):
    p = project(tmp_path, db_url, EXAMPLE)
    poll(p, at(7), mail(at(7), "I am writing again about the 2024 bin collection complaint, which was never put "
                               "right. What will you do about it?", "Bins again"))
    [issue] = issues(p)
    assert issue["status"] == "closed" and issue["officer"] is None
    assert issue["restrictions"][0]["kind"] == "subjects_closed"
    mails = outbox(p)
    assert not any("Please answer by" in str(m["Subject"]) for m in mails)  # no officer is asked
    [ack] = [m for m in mails if "jordan@example.org" in str(m["To"])]
    text = ack.get_body(("plain",)).get_content()
    assert "will not correspond further on the 2024 bin collection complaint" in text and issue["ref"] in text
    assert "weekly response" not in text
    p.ok("jobs", "run-due", "--now", "2026-12-07T10:00")  # the usual acknowledgement does not come as well
    assert len([m for m in outbox(p) if "jordan@example.org" in str(m["To"])]) == 1


def test_mail_forwarded_by_another_officer_is_recorded_as_outside_the_agreed_channel(tmp_path, db_url):
    p = project(tmp_path, db_url, 'restrictions = { channel = "spoc-mailbox" }')
    poll(p, at(7), forwarded_by_officer(at(7, 8), "My green bin was missed on Friday, please collect it."))
    [issue] = issues(p)
    assert issue["officer"] == "waste"  # still handled
    [applied] = issue["restrictions"]
    assert applied["kind"] == "channel" and "alex.jones@council.example" in applied["detail"]


RESTRICTED = {
    "issues_per_week": "restrictions = { issues_per_week = 1 }",
    "issues_per_month": "restrictions = { issues_per_month = 1 }",
    "subjects_closed": 'restrictions = { subjects_closed = ["planning application", "personal data"] }',
    "channel": 'restrictions = { channel = "spoc-mailbox" }',
    "phone": 'restrictions = { phone = "no telephone calls" }',
    "premises": 'restrictions = { premises = "no visits to the council offices" }',
    "named_staff": 'restrictions = { named_staff = "contact with the SPOC only" }',
}


@pytest.mark.parametrize("kind", KINDS)
def test_foi_and_subject_access_are_handled_in_spite_of_every_restriction(tmp_path, db_url, kind):
    p = project(tmp_path, db_url, RESTRICTED[kind])
    poll(p, at(7), mail(at(7), "My green bin was missed on Friday, please collect it.", "Bin"))  # uses the limit
    foi = ("Under the Freedom of Information Act 2000, please provide the number of complaints the council received "
           "about each planning application decided in 2025.")
    sar = ("This is a subject access request: please send me a copy of all the personal data the council holds "
           "about me.")
    if kind == "channel":  # forwarded by another officer: outside the agreed channel, and still answered
        poll(p, at(7, 10), forwarded_by_officer(at(7, 9), foi))
        poll(p, at(7, 11), forwarded_by_officer(at(7, 9, ), sar + " "))
    else:
        poll(p, at(7, 10), mail(at(7, 10), foi, "FOI request"))
        poll(p, at(7, 11), mail(at(7, 11), sar, "Subject access request"))
    statutory = [i for i in issues(p) if i["statutory_kind"]]
    assert sorted(i["statutory_kind"] for i in statutory) in (["foi", "sar"], ["eir", "sar"])
    for i in statutory:
        assert i["status"] == "awaiting" and i["officer"] == "information-team", i
        assert i["deferred_until"] is None and i["due"] is not None
        assert all(r["kind"] == "channel" for r in i["restrictions"])  # recorded, never applied against it
