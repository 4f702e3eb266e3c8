"""No mail fails on its own bytes (issue 10 item 4): a customer's words and a register's names reach the
headers spocmail writes, and every one of them is made safe in one place (spocmail/mail/headers.py)."""

from __future__ import annotations

import base64
import email
from email.message import EmailMessage
from email import policy

import pytest

from spocmail.mail import headers
from tests.helpers import REPO, deliver, make_project


def _raw(subject: bytes, body: bytes, n: int) -> bytes:
    return (b"From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\nSubject: " + subject +
            b"\r\nDate: Mon, 23 Nov 2026 08:1" + str(n).encode() + b":00 +0000\r\nMessage-ID: <hostile" +
            str(n).encode() + b"@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + b"\r\n")


NUL_SUBJECT = b"=?utf-8?B?" + base64.b64encode("Planning\x00 committee".encode()) + b"?="
HOSTILE = [
    _raw(b"Planning\rcommittee", b"When will the planning committee decide application 26/0123/FUL?", 1),
    _raw(NUL_SUBJECT, b"", 2),
    _raw(b"Question", "=?shift_jis?B?k/qW?= 5€ when will the planning application be decided?".encode(), 3),
]


@pytest.fixture
def project(tmp_path, db_url):
    reg = tmp_path / "register.toml"
    reg.write_text((REPO / "examples" / "register.toml").read_text().replace('name = "Alex Jones"',
                                                                             'name = "Jones, Alex"'))
    return make_project(tmp_path / "p", db_url, register=reg)


def _outbox(project) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted((project.dir / "outbox").glob("*.eml"))]


def test_hostile_subjects_bodies_and_names_are_filed_and_every_header_sent_is_clean(project):
    for raw in HOSTILE:
        deliver(project.maildir, raw)
    counts = project.ok("poll", "--once", "--json", "--now", "2026-11-23T09:00").json()
    assert (counts["stored"], counts["filed"], counts["quarantined"]) == (3, 3, 0), counts
    assert project.ok("quarantine", "--json").json() == []
    issues = project.ok("issues", "list", "--json").json()
    assert len(issues) >= 3
    sent = _outbox(project)
    requests = [m for m in sent if "#" in str(m["Subject"])]
    assert requests
    for m in sent:
        for name in ("Subject", "To", "Cc", "From", "Reply-To"):
            value = str(m[name] or "")
            assert not any(c in value for c in "\x00\r\n"), (name, value)
    planning = [m for m in requests if "alex.jones@council.example" in str(m["To"])]
    assert planning, [str(m["To"]) for m in requests]
    for m in planning:  # "Jones, Alex" is one person, not two recipients
        assert [(a.display_name, a.addr_spec) for a in m["To"].addresses] == [("Jones, Alex",
                                                                              "alex.jones@council.example")]


@pytest.mark.parametrize("value, expected", [
    ("bare\rcr", "bare cr"),
    ("nul\x00here", "nul here"),
    ("=?shift_jis?B?k/qW?= 5€", "= ?shift_jis?B?k/qW?= 5€"),
    ("line\r\nbreak\u2028sep", "line break sep"),
])
def test_clean_makes_any_text_a_header_can_carry(value, expected):
    assert headers.clean(value) == expected
    msg = email.message.EmailMessage()
    msg["Subject"] = headers.clean(value)
    msg.set_content("x")
    assert msg.as_bytes(policy=policy.SMTP)  # the email package accepts and folds it


def test_a_long_title_is_cut_at_a_word():
    out = headers.clean("word " * 400)
    assert len(out) <= headers.MAX_HEADER + 1 and out.endswith("word…")


def test_a_display_name_with_a_comma_stays_one_recipient():
    msg = email.message.EmailMessage()
    msg["To"] = headers.addresses(["Jones, Alex <alex@council.example>", "Pat <pat@council.example>",
                                   "bare@council.example"])
    assert [a.addr_spec for a in msg["To"].addresses] == ["alex@council.example", "pat@council.example",
                                                        "bare@council.example"]


def _plain(n: int, date: bytes = b"Mon, 23 Nov 2026 08:12:00 +0000") -> bytes:
    return (b"From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\nSubject: Bins " +
            str(n).encode() + b"\r\nDate: " + date + b"\r\nMessage-ID: <odd" + str(n).encode() +
            b"@example.org>\r\n\r\nWhy was my green bin missed again on street " + str(n).encode() + b"?\r\n")


def _deep(levels: int) -> bytes:
    body = b"Content-Type: text/plain\r\n\r\nWhy was my green bin missed again on the deep street?\r\n"
    for i in range(levels):
        body = (b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i)) + body + b"\r\n--b%d--\r\n" % i
    return (b"From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\nSubject: Deep\r\n"
            b"Date: Mon, 23 Nov 2026 08:12:00 +0000\r\nMessage-ID: <deep@example.org>\r\nMIME-Version: 1.0\r\n" + body)


def test_odd_but_readable_mail_from_the_customer_is_filed_as_theirs_not_quarantined_or_triaged(project):
    odd = [b"\xef\xbb\xbf" + _plain(1), b"\r\n" + _plain(2), _plain(3, b"Mon, 23 Nov 20260000000000000000000 08:12 +0000"),
           _deep(1000)]
    for raw in odd:
        deliver(project.maildir, raw)
    counts = project.ok("poll", "--once", "--json", "--now", "2026-11-23T09:00").json()
    # 1,000 levels of nesting is past [limits] max_depth: set aside with the reason, not lost to triage
    assert (counts["stored"], counts["filed"], counts["triage"], counts["quarantined"]) == (4, 3, 0, 1), counts
    (deep,) = project.ok("quarantine", "--json").json()
    assert "max_depth" in deep["reason"] and deep["from"] == "jordan@example.org"
    project.ok("quarantine", "retry", str(deep["message"]), "--no-limits", "--now", "2026-11-23T09:05")
    counts = project.ok("poll", "--once", "--json", "--now", "2026-11-23T09:06").json()
    assert (counts["filed"], counts["triage"]) == (1, 0), counts  # read anyway, it is the customer's
    issues = project.ok("issues", "list", "--customer", "jordan", "--json").json()
    assert len(issues) == 4
    words = " ".join(m.get_body(("plain",)).get_content() for m in _outbox(project) if "#" in str(m["Subject"]))
    assert "deep street" in words and "--b99" not in words and "boundary=" not in words


def test_a_list_post_with_the_customers_from_is_not_a_request(project):
    raw = (b"From: Jordan Example <jordan@example.org>\r\nTo: residents@lists.example.org\r\n"
           b"Cc: spoc@council.example\r\nSubject: [residents] Bins again\r\nDate: Mon, 23 Nov 2026 08:12:00 +0000\r\n"
           b"Message-ID: <list1@example.org>\r\nList-Id: Residents <residents.lists.example.org>\r\n"
           b"List-Unsubscribe: <mailto:leave@lists.example.org>\r\n\r\nWhy was my green bin missed again?\r\n")
    deliver(project.maildir, raw)
    counts = project.ok("poll", "--once", "--json", "--now", "2026-11-23T09:00").json()
    assert (counts["stored"], counts["filed"], counts["triage"]) == (1, 0, 0), counts
    assert project.ok("issues", "list", "--json").json() == []
    decision = project.ok("identify", str(_save(project, raw)), "--json").json()
    assert decision["decision"] == "not-a-request" and decision["customer"] == "jordan"
    assert any(e["kind"] == "list-mail" for e in decision["evidence"])


def _save(project, raw: bytes):
    path = project.dir / "list.eml"
    path.write_bytes(raw)
    return path


@pytest.mark.parametrize("stored, written", [
    ("<abc@example.org>", "<abc@example.org>"),
    ("<abc\r\n def@example.org>", "<abcdef@example.org>"),  # one id, folded
    ("<a\u2028b@example.org>", "<ab@example.org>"),  # a line separator Python's email would refuse
    ("<a\x1cb@example.org>", "<ab@example.org>"),
    ("abc@example.org", None),  # not an id: left out of the thread rather than sent broken
    ("<a> <b>", None),
    ("", None),
])
def test_a_stored_message_id_is_written_back_only_as_one_clean_id(stored, written):
    from spocmail import letters
    from spocmail.mail.headers import msg_id

    assert msg_id(stored) == written
    chain = letters.references([stored, "<ok@example.org>"], "<last@example.org>")
    assert chain == [x for x in (written, "<ok@example.org>", "<last@example.org>") if x]
    msg = EmailMessage()
    msg["References"] = " ".join(chain)  # Python's email refuses a value with a line break in it
