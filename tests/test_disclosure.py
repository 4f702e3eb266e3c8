"""Who may see what (issue 9 item 7): copy rules per category, a SAR to the data subject alone, contact details
kept from members. Through a real Dovecot and aiosmtpd, on SQLite and PostgreSQL."""

from __future__ import annotations

import email
from email import policy

import pytest

from tests.helpers import make_project
from tests.test_weekly_cycle import FORWARDED_FOI, World, reply

CUSTOMER = ["jordan@example.org"]
CONTACT = ["07700 900123", "07700900123", "01234 567890", "CB23 6EA", "1 High Street", "jordan@example.org"]
MEMBER, LEGAL, INFO = "pat.smith@council.example", "jo.okafor@council.example", "foi@council.example"

SAR = ("From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\nSubject: My data\r\n"
       "Date: Mon, 23 Nov 2026 08:12:00 +0000\r\nMessage-ID: <sar@example.org>\r\n\r\n"
       "This is a subject access request under the UK GDPR: please send me a copy of all the personal data "
       "the council holds about me.\r\n\r\nJordan Example\r\n1 High Street, Cambourne CB23 6EA\r\n"
       "Tel 07700 900123\r\n").encode()
LEGAL_Q = ("From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\nSubject: Access road\r\n"
           "Date: Mon, 23 Nov 2026 08:20:00 +0000\r\nMessage-ID: <legal@example.org>\r\n\r\n"
           "My solicitor says the council could seek an injunction over the access road behind my house. "
           "What is the council's legal position? You can ring me on 07700 900123.\r\n").encode()


@pytest.fixture
def world(request, tmp_path, db_url, monkeypatch):
    return World("servers", tmp_path, db_url, monkeypatch, request)


def _raw(m: email.message.EmailMessage) -> str:
    """The headers and every decoded text part: what a recipient can read."""
    heads = "".join(f"{k}: {v}\n" for k, v in m.items())
    return heads + "\n".join(part.get_content() for part in m.walk() if part.get_content_maintype() == "text")


def _request_for(world, ref: str) -> email.message.EmailMessage:
    return next(m for _r, m in world.sent() if ref in str(m["Subject"]) and "#" in str(m["Subject"]))


def test_a_sar_answer_with_its_pdf_reaches_the_data_subject_alone(world):
    p = world.project
    world.deliver(SAR)
    world.deliver(LEGAL_Q)
    p.ok("poll", "--once", "--now", "2026-11-23T09:00")
    issues = p.ok("issues", "list", "--json").json()
    sar = next(i for i in issues if i["category"] == "sar")
    legal = next(i for i in issues if i["officer"] == "legal")
    world.deliver(reply(_request_for(world, sar["ref"]), "Information Team <foi@council.example>",
                        "Here is all the personal data we hold about Jordan: SAR-SECRET-LINE.",
                        attachment=b"%PDF-1.4 personal data"))
    world.deliver(reply(_request_for(world, legal["ref"]), "Jo Okafor <jo.okafor@council.example>",
                        "The council has no plan to seek an injunction. I will ring Jordan on 07700 900123 "
                        "or write to 1 High Street, Cambourne CB23 6EA."))
    assert p.ok("poll", "--once", "--json", "--now", "2026-11-24T10:30").json()["answers"] == 2
    p.ok("issues", "approve", sar["ref"], "--now", "2026-11-24T11:00")
    p.ok("issues", "approve", legal["ref"], "--now", "2026-11-24T11:00")

    preview = p.ok("weekly", "preview", "jordan", "--json", "--now", "2026-11-27T12:05").json()
    assert "SAR-SECRET-LINE" not in preview["body_text"]  # the consolidated response holds no SAR text
    assert [s["to"] for s in preview["separate"]] == [["Jordan Example <jordan@example.org>"]]
    assert preview["separate"][0]["copies"] == [] and preview["separate"][0]["cc"] == []
    p.ok("jobs", "run-due", "--now", "2026-11-27T12:00")  # the draft: the SPOC sees every mail it will send
    [draft] = world.sent_to("spoc@council.example", "[DRAFT for approval]")
    shown = [a.get_content() for a in draft.iter_attachments() if a.get_content_type() == "message/rfc822"]
    assert len(shown) == 2  # the SAR answer on its own, and the one copy (legal officer and member)
    assert [list(m.iter_attachments())[0].get_filename() for m in shown if "SAR-SECRET-LINE" in _raw(m)] \
        == ["agency-spend-2025.pdf"]
    p.ok("poll", "--once", "--now", "2026-11-27T12:05")  # the draft in the mailbox is not taken for new mail
    assert len(p.ok("issues", "list", "--json").json()) == 2
    assert p.ok("triage", "--json").json() == []
    before = len(world.sent())
    p.ok("weekly", "send", "jordan", "--approve", "--now", "2026-11-27T12:10")
    sent = world.sent()[before:]

    with_sar = [(r, m) for r, m in sent if "SAR-SECRET-LINE" in _raw(m) or
                any(a.get_filename() == "agency-spend-2025.pdf" for a in m.iter_attachments())]
    assert len(with_sar) == 1
    rcpts, sar_mail = with_sar[0]
    assert rcpts == CUSTOMER and sar_mail["Cc"] is None
    assert [a.get_filename() for a in sar_mail.iter_attachments()] == ["agency-spend-2025.pdf"]
    assert "sent to you alone" in sar_mail.get_body(("plain",)).get_content()

    weekly = [m for r, m in sent if "weekly response" in str(m["Subject"])]
    assert len(weekly) == 1 and weekly[0]["Cc"] is None
    assert "07700 900123" in _raw(weekly[0])  # the customer reads the officer's whole answer
    assert "Sent to you separately" in weekly[0].get_body(("plain",)).get_content()
    assert not list(weekly[0].iter_attachments())

    # the legal officer and the member are copied on what they may see, and never on the SAR
    to_member = [m for r, m in sent if MEMBER in r]
    to_legal = [m for r, m in sent if LEGAL in r]
    assert to_legal and "no plan to seek an injunction" in to_legal[0].get_body(("plain",)).get_content()
    for m in to_member + to_legal:
        body = _raw(m)
        assert sar["ref"] not in body and "SAR-SECRET-LINE" not in body and "personal data we hold" not in body
        assert not list(m.iter_attachments())
        assert all(detail not in body for detail in CONTACT), body
    assert to_member and world.sent_to("jordan@example.org", "weekly response")  # the member had a copy


def test_a_single_issue_foi_response_copies_no_member(world):
    p = world.project
    world.deliver(FORWARDED_FOI)
    p.ok("poll", "--once", "--now", "2026-11-23T09:00")
    foi = next(i for i in p.ok("issues", "list", "--json").json() if i["statutory_kind"] == "foi")
    world.deliver(reply(_request_for(world, foi["ref"]), "Information Team <foi@council.example>",
                        "The council spent £1.2m on agency staff in 2025. Ring 07700 900123 if unclear."))
    p.ok("poll", "--once", "--now", "2026-11-24T10:30")
    p.ok("issues", "approve", foi["ref"], "--now", "2026-11-24T11:00")
    before = len(world.sent())
    done = p.ok("jobs", "run-due", "--json", "--now", "2026-11-24T11:30").json()
    assert [s["issue"] for s in done["single_issue"]] == [foi["ref"]]
    sent = world.sent()[before:]
    single = [(r, m) for r, m in sent if f"response to {foi['ref']}" in str(m["Subject"])]
    assert [r for r, _m in single] == [CUSTOMER] and single[0][1]["Cc"] is None
    assert not [m for r, m in sent if MEMBER in r]  # rules/copy.toml: foi members = false
    copies = [m for r, m in sent if INFO in r]  # the routed officer is copied, without the customer's details
    assert len(copies) == 1 and "£1.2m" in copies[0].get_body(("plain",)).get_content()
    assert all(detail not in _raw(copies[0]) for detail in CONTACT)


def test_a_bad_copy_rules_file_stops_spocmail_naming_the_key(tmp_path):
    own = tmp_path / "own-rules"
    own.mkdir()
    (own / "copy.toml").write_text(
        (__import__("spocmail.resources", fromlist=["x"]).rules_file("copy.toml")).read_text()
        .replace("[categories.complaint]\n", "[categories.complaint]\nmember = true\n", 1))
    p = make_project(tmp_path / "p", f"sqlite:///{tmp_path}/db.sqlite", register=None)
    p.config.write_text(p.config.read_text() + f'\n[rules]\ndir = "{own}"\n')
    r = p.run("issues", "list", "--json")
    assert r.code == 2
    assert "copy.toml" in r.err and "[categories.complaint] member" in r.err and "unknown key" in r.err
    assert r.json()["exit"] == 2 and "[categories.complaint] member" in r.json()["error"]
    (own / "copy.toml").write_text((own / "copy.toml").read_text().replace("member = true\n", "")
                                   .replace("[categories.sar]\nmembers = false", "[categories.sar]\nmembers = true"))
    r = p.run("issues", "list")
    assert r.code == 2 and "[categories.sar] members = True" in r.err and "alone" in r.err


def test_a_councils_own_copy_rules_are_honoured(tmp_path, db_url, monkeypatch, request):
    from spocmail import resources

    w = World("embedded", tmp_path, db_url, monkeypatch, request)
    own = tmp_path / "own-rules"
    own.mkdir()
    (own / "copy.toml").write_text(resources.rules_file("copy.toml").read_text().replace(
        "[categories.foi]\n# The answer is a disclosure to the world, but who asked is personal data.\nmembers = false",
        "[categories.foi]\nmembers = true"))
    p = w.project
    p.config.write_text(p.config.read_text() + f'\n[rules]\ndir = "{own}"\n')
    w.deliver(FORWARDED_FOI)
    p.ok("poll", "--once", "--now", "2026-11-23T09:00")
    foi = next(i for i in p.ok("issues", "list", "--json").json() if i["statutory_kind"] == "foi")
    w.deliver(reply(_request_for(w, foi["ref"]), "Information Team <foi@council.example>",
                    "The council spent £1.2m on agency staff in 2025. Ring 07700 900123 if unclear."))
    p.ok("poll", "--once", "--now", "2026-11-24T10:30")
    p.ok("issues", "approve", foi["ref"], "--now", "2026-11-24T11:00")
    p.ok("jobs", "run-due", "--now", "2026-11-24T11:30")
    to_member = w.sent_to(MEMBER)
    assert len(to_member) == 1 and "£1.2m" in _raw(to_member[0])
    assert all(detail not in _raw(to_member[0]) for detail in CONTACT)
