"""Property-based tests (hypothesis) over parsing, identification, the header sanitiser and rendering (issue 10:
"no mail can fail on its own bytes").

The `ci` profile (the default here) is derandomized with fixed example counts, so the suite is deterministic
and these take well under a minute; `HYPOTHESIS_PROFILE=deep` tries many more examples with a random seed.
"""

from __future__ import annotations

import email
import os
import re
from datetime import date, datetime, timezone
from email import policy
from email.header import Header
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spocmail import templating
from spocmail.identify import CustomerInfo, RegisterView, identify
from spocmail.letters import Signature
from spocmail.mail import headers, parse_mail
from spocmail.mail.addresses import clean_name
from spocmail.outbox import _wire  # the policy every queued mail is written with

settings.register_profile("ci", derandomize=True, max_examples=60, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("deep", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# text a person could type: any letter, mark, number, punctuation, symbol or space (no controls, no surrogates)
TYPED = st.text(st.characters(whitelist_categories=("L", "M", "N", "P", "S", "Zs")), max_size=80)
NASTY = st.text(st.characters(blacklist_categories=("Cs",)), max_size=120) | st.sampled_from([
    "=?shift_jis?B?k/qW?= 5€", "a\rb", "a\x00b", "=?utf-8?B?AA==?=", "Jones, Alex", '"quoted" name', "x\u2028y",
    "a\r\nBcc: victim@example.org", "=?utf-8?q?=0D=0ABcc:_x@y?=", "\ufeffBOM", "trailing\\", "<angle@x>"])
CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u0085]")


def _visible(text: str) -> str:
    return " ".join(text.split())


# ------------------------------------------------------------------ parsing


@given(st.binary(max_size=3000))
def test_parse_never_raises_on_any_bytes(raw):
    mail = parse_mail(raw)
    assert isinstance(mail.body_text, str) and isinstance(mail.defects, list)
    mail.to_json()  # everything read is plain data


def _mail(subject: str, body: str, name: str, charset: str) -> bytes:
    msg = email.message.EmailMessage()
    msg["From"] = headers.address(name, "jordan@example.org")
    msg["To"] = "spoc@council.example"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 23 Nov 2026 08:12:00 +0000"
    msg["Message-ID"] = "<prop@example.org>"
    msg.set_content(body, charset=charset)
    return msg.as_bytes(policy=policy.SMTP)


@given(TYPED, TYPED, TYPED, st.sampled_from(["utf-8", "utf-8", "iso-8859-1"]))
def test_a_well_formed_mail_round_trips_its_subject_body_and_sender(subject, body, name, charset):
    try:
        raw = _mail(subject, body, name, charset)
    except (UnicodeEncodeError, ValueError):  # the body cannot be written in that charset: not our mail
        return
    mail = parse_mail(raw)
    assert _visible(mail.subject or "") == _visible(subject)
    assert _visible(body) in _visible(mail.body_text)
    assert mail.from_.email == "jordan@example.org"
    # the name as sent, read back as the reader tidies any name (quotes and stray punctuation peeled)
    assert (mail.from_.name or None) == clean_name(headers.clean(name, 200))


@st.composite
def structured(draw):
    """A mail built from random parts: random headers (some duplicated), random MIME tree, random charsets."""
    names = ["From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References", "Content-Type",
             "Content-Transfer-Encoding", "Reply-To", "X-Anything"]
    lines = [f"{draw(st.sampled_from(names))}: {draw(NASTY)}".encode("utf-8", "surrogateescape")
             for _ in range(draw(st.integers(0, 12)))]
    charset = draw(st.sampled_from([b"utf-8", b"shift_jis", b"utf-7", b"x-nothing", b"utf-16", b"cp500"]))
    body = draw(st.binary(max_size=400)) if draw(st.booleans()) else draw(NASTY).encode("utf-8", "replace")
    parts = b"Content-Type: text/plain; charset=" + charset + b"\r\n\r\n" + body
    for i in range(draw(st.integers(0, 4))):
        parts = (b'Content-Type: multipart/mixed; boundary="p%d"\r\n\r\n--p%d\r\n' % (i, i) + parts +
                 (b"\r\n--p%d--\r\n" % i if draw(st.booleans()) else b""))
    lead = draw(st.sampled_from([b"", b"\xef\xbb\xbf", b"\r\n"]))
    return lead + b"\r\n".join(lines) + b"\r\nMIME-Version: 1.0\r\n" + parts


@given(structured())
def test_parse_never_raises_on_structured_random_mail(raw):
    mail = parse_mail(raw)
    for a in mail.to + mail.cc + [mail.from_]:
        assert a.email is None or isinstance(a.email, str)
    assert isinstance(mail.subject or "", str)


# ------------------------------------------------------------------ headers built for outgoing mail


@given(NASTY)
def test_any_text_becomes_a_header_value_with_no_cr_lf_or_nul_that_reparses_to_the_same_text(value):
    clean = headers.clean(value)
    assert not CONTROL.search(clean)
    assert headers.clean(clean) == clean  # idempotent
    msg = email.message.EmailMessage()
    msg["Subject"] = clean
    msg["X-Spocmail-Issue"] = clean
    msg.set_content("x")
    raw = msg.as_bytes(policy=_wire(msg))
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert b"\x00" not in head and not re.search(rb"\r(?!\n)|(?<!\r)\n", head)
    assert not re.search(rb"^(bcc|cc|to):", head, re.I | re.M)  # nothing injected a header
    back = email.message_from_bytes(raw, policy=policy.default)
    assert _visible(str(back["Subject"])) == _visible(clean)
    assert _visible(parse_mail(raw).subject or "") == _visible(clean)


EMAILS = st.from_regex(r"\A[a-z][a-z0-9_+-]{0,15}@[a-z]([a-z0-9-]{0,8}[a-z0-9])?\.example\Z", fullmatch=True)


@given(NASTY, EMAILS)
def test_a_display_name_with_commas_or_quotes_stays_one_recipient(name, addr):
    for value in (headers.address(name, addr), headers.addresses([f"{name} <{addr}>"])):
        msg = email.message.EmailMessage()
        msg["To"] = value
        msg.set_content("x")
        raw = msg.as_bytes(policy=_wire(msg))
        back = email.message_from_bytes(raw, policy=policy.default)
        found = back["To"].addresses
        assert [a.addr_spec for a in found] == [addr], (value, found)
        parsed = parse_mail(raw)
        assert [a.email for a in parsed.to] == [addr]


@given(st.lists(st.tuples(NASTY, EMAILS), min_size=1, max_size=5))
def test_a_list_of_recipients_keeps_its_length(people):
    msg = email.message.EmailMessage()
    msg["To"] = headers.addresses([f"{n} <{a}>" for n, a in people])
    msg.set_content("x")
    raw = msg.as_bytes(policy=_wire(msg))
    back = email.message_from_bytes(raw, policy=policy.default)
    assert [a.addr_spec for a in back["To"].addresses] == [a for _, a in people]
    # "Name <email>" as our own code writes it: the name is what headers.address() would show
    assert [a.display_name for a in back["To"].addresses] == [headers.clean(n.strip().strip('"'), 200)
                                                              for n, _ in people]
    assert [a.email for a in parse_mail(raw).to] == [a for _, a in people]


# ------------------------------------------------------------------ identification

VIEW = RegisterView(spoc_address="spoc@council.example", staff_domains=("council.example",),
                    officers={"alex.jones@council.example": "planning"},
                    customers=(CustomerInfo("jordan", "Jordan Example", confirmed=("jordan@example.org",)),
                               CustomerInfo("riley", "Riley Sample", confirmed=("riley@example.net",))))


def _case(addr: str, flips: list[bool]) -> str:
    return "".join(c.upper() if f else c for c, f in zip(addr, flips + [False] * len(addr)))


@given(st.sampled_from(["jordan@example.org", "riley@example.net"]), st.lists(st.booleans(), max_size=30),
       NASTY, st.sampled_from(["plain", "quoted", "encoded-b", "encoded-q", "bare"]), TYPED)
def test_a_registered_sender_is_theirs_whatever_the_case_display_name_or_encoding(addr, flips, name, form, body):
    cased = _case(addr, flips)
    if form == "bare":
        sender = cased
    elif form == "plain":
        sender = headers.address(name, cased)
    elif form == "quoted":
        sender = f'"{headers.clean(name).replace(chr(92), "").replace(chr(34), "")}" <{cased}>'
    else:
        sender = (Header(headers.clean(name) or "x", "utf-8").encode() if form == "encoded-b" else
                  "=?utf-8?q?" + "".join(f"={b:02X}" for b in (headers.clean(name) or "x").encode()) + "?=")
        sender += f" <{cased}>"
    raw = (f"From: {sender}\r\nTo: spoc@council.example\r\nSubject: A question\r\n"
           f"Date: Mon, 23 Nov 2026 08:12:00 +0000\r\nMessage-ID: <id@x>\r\n"
           f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode("utf-8", "surrogateescape")
    ident = identify(parse_mail(raw), VIEW)
    expected = "jordan" if addr.startswith("jordan") else "riley"
    assert (ident.role, ident.customer, ident.decision) == ("customer", expected, "filed"), (sender, ident)


# ------------------------------------------------------------------ rendering

REFS = st.from_regex(r"\ASPOC-2026-0[0-9]{3}\Z", fullmatch=True)


def _sig():
    return Signature(officer="Morgan Reed", role="Single Point of Contact", council="Example District Council",
                     email="spoc@council.example")


@given(NASTY, NASTY, NASTY, REFS)
def test_an_officer_request_always_renders_and_carries_only_its_own_token(title, words, name, ref):
    token = "OwnTok3nForThisOne"
    officer = SimpleNamespace(name=name or "Officer", email="alex.jones@council.example", department="Planning")
    msg = templating.build(
        "officer_request", subject=f"[{ref} #{token}] Please answer by Thu 26 Nov: {title}",
        sender="Single Point of Contact <spoc@council.example>", to=[f"{name} <alex.jones@council.example>"],
        reply_to=f"Single Point of Contact <spoc+{token}@council.example>", headers={"X-Spocmail-Issue": ref},
        officer=officer, ref=ref, asked="an answer", received_on=date(2026, 11, 23),
        needed_by=date(2026, 11, 26), statutory_due=None, due_label="", words=words,
        customer_name=name, location="", covering_for=None, spoc_name="Single Point of Contact",
        council="Example District Council", sig=_sig())
    raw = msg.as_bytes(policy=_wire(msg))
    mail = parse_mail(raw)
    seen = (mail.subject or "") + (mail.body_text or "") + (mail.body_html or "") + str(msg["Reply-To"])
    assert token in mail.subject
    assert set(re.findall(r"#([A-Za-z0-9_-]{8,64})\]", seen)) <= {token}  # no token but its own
    assert set(re.findall(r"\+([A-Za-z0-9_-]{8,64})@", seen)) <= {token}
    for h in ("Subject", "To", "From", "Reply-To"):
        assert not CONTROL.search(str(msg[h]))


@given(st.lists(st.tuples(REFS, NASTY), min_size=1, max_size=4), NASTY)
def test_an_acknowledgement_always_renders_and_carries_no_token(items, customer_name):
    issues = [SimpleNamespace(ref=r, title=t, due=None,
                              statutory_kind=None, category="general-enquiry",
                              received_at=datetime(2026, 11, 23, 8, tzinfo=timezone.utc),
                              received_on=date(2026, 11, 23)) for r, t in items]
    customer = SimpleNamespace(name=customer_name or "Customer", id="jordan")
    text, html = templating.render("acknowledgement", customer=customer, issues=issues, sig=_sig(),
                                   send_at=datetime(2026, 11, 27, 12, tzinfo=timezone.utc),
                                   date_lines={i.ref: "" for i in issues}, late_any=False, council="Example District Council")
    assert not re.search(r"#[A-Za-z0-9_-]{8,64}\]|\+[A-Za-z0-9_-]{8,64}@", text + html)  # no reply token
    assert all(i.ref in text for i in issues)
