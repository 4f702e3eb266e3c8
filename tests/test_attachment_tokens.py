"""Tokens never leave in attached files (issue 10): an officer's answer that attaches the request (as .txt, as
an attached mail, as a PDF) reaches the customer with no reply token in any part, and what cannot be cleaned
is held back and put to the SPOC. Through the real weekly cycle: Dovecot + aiosmtpd, and the embedded form."""

from __future__ import annotations

import base64
import email
import re
import zlib
from email import policy

import pytest

from spocmail import attachtokens
from tests.test_weekly_cycle import THREE, World

TOKEN = re.compile(r"#([A-Za-z0-9_-]{8,64})\]")


@pytest.fixture(params=["servers", "embedded"])
def world(request, tmp_path, db_url, monkeypatch):
    return World(request.param, tmp_path, db_url, monkeypatch, request)


def _pdf_with(text: bytes) -> bytes:
    stream = zlib.compress(b"BT /F1 12 Tf 72 712 Td (" + text + b") Tj ET")
    return (b"%PDF-1.4\n1 0 obj << /Length " + str(len(stream)).encode() + b" /Filter /FlateDecode >>\nstream\n" + stream +
            b"\nendstream\nendobj\n%%EOF\n")


def _answer_with_files(request: email.message.EmailMessage, token: str) -> bytes:
    msg = email.message.EmailMessage()
    msg["From"] = "Alex Jones <alex.jones@council.example>"
    msg["To"] = str(request["Reply-To"])
    msg["Subject"] = f"RE: {request['Subject']}"
    msg["Date"] = "Tue, 24 Nov 2026 10:00:00 +0000"
    msg["Message-ID"] = "<answer-with-files@council.example>"
    msg["In-Reply-To"] = request["Message-ID"]
    msg.set_content("The committee decides 26/0123/FUL on 9 December. Your request is attached.")
    notes = (f"Request: {request['Subject']}\nReply to: {request['Reply-To']}\nToken {token} for the record.\n"
             "Committee: 9 December.\n")
    msg.add_attachment(notes.encode(), maintype="text", subtype="plain", filename="notes.txt")
    msg.add_attachment(request)  # the request itself, attached as message/rfc822
    # the request again, as a file named .eml whose body is base64: bytes alone cannot be cleaned
    copy = (b"Subject: The request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64"
            b"\r\n\r\n" + base64.encodebytes(f"{request['Subject']}\n{request['Reply-To']}\n".encode()))
    msg.add_attachment(copy, maintype="application", subtype="octet-stream", filename="request-copy.eml")
    msg.add_attachment(_pdf_with(b"Ref " + token.encode()), maintype="application", subtype="pdf",
                       filename="printed-request.pdf")
    msg.add_attachment(_pdf_with(b"Committee minutes"), maintype="application", subtype="pdf",
                       filename="minutes.pdf")
    return bytes(msg)


def _everything_in(msg: email.message.Message) -> bytes:
    """Every header and every decoded part of a mail, attached mails opened too."""
    out = [str(k).encode() + b": " + str(v).encode("utf-8", "replace") for k, v in msg.items()]
    for part in msg.walk():
        out += [str(k).encode() + b": " + str(v).encode("utf-8", "replace") for k, v in part.items()]
        if part.is_multipart():
            continue
        data = part.get_payload(decode=True) or b""
        out.append(data)
        if data[:5] == b"%PDF-":
            out += [zlib.decompress(m) for m in re.findall(rb"stream\n(.*?)\nendstream", data, re.S)]
        if (part.get_filename() or "").endswith(".eml"):
            out.append(_everything_in(email.message_from_bytes(data, policy=policy.default)))
    return b"\n".join(out)


@pytest.mark.slow
def test_no_token_reaches_the_customer_in_any_attached_file_and_the_spoc_hears_of_what_was_held(world):
    p = world.project
    world.deliver(THREE)
    p.ok("poll", "--once", "--now", "2026-11-23T09:00")
    requests = {m["To"].addresses[0].addr_spec: m for _r, m in world.sent() if "#" in str(m["Subject"])}
    request = requests["alex.jones@council.example"]
    token = TOKEN.search(str(request["Subject"]))[1]
    world.deliver(_answer_with_files(request, token))
    assert p.ok("poll", "--once", "--json", "--now", "2026-11-24T10:30").json()["answers"] == 1
    planning = next(i for i in p.ok("issues", "list", "--json").json() if i["category"] == "general-enquiry")
    p.ok("issues", "approve", planning["ref"], "--now", "2026-11-24T11:00")
    p.ok("jobs", "run-due", "--now", "2026-11-27T12:00")
    p.ok("weekly", "send", "jordan", "--approve", "--now", "2026-11-27T12:10")

    (weekly,) = world.sent_to("jordan@example.org", "weekly response")
    seen = _everything_in(weekly)
    assert b"9 December" in seen
    assert token.encode() not in seen and token.encode("utf-16-le") not in seen
    assert not re.search(rb"\+[A-Za-z0-9_-]{8,64}@", seen) and b"#" + token.encode() not in seen
    names = [a.get_filename() for a in weekly.iter_attachments()]
    # cleaned or clean, documents still go: the note and the minutes; attached mails are held for the SPOC
    assert names == ["notes.txt", "minutes.pdf"], names
    assert "printed-request.pdf" not in names and "request-copy.eml" not in names
    notes = next(a for a in weekly.iter_attachments() if a.get_filename() == "notes.txt").get_content()
    assert "Committee: 9 December." in notes and planning["ref"] in notes

    # the SPOC is told which files were held back, and why
    held = [m for _r, m in world.sent() if str(m["Subject"]).startswith("Documents held back")
            and "morgan.reed@council.example" in str(m["To"])]  # the customer's SPOC (and deputy)
    assert held, [str(m["Subject"]) for _r, m in world.sent()]
    body = held[0].get_body(("plain",)).get_content()
    assert "printed-request.pdf" in body and "request-copy.eml" in body and "reply token" in body
    assert "document-2" in body and "mail attached" in body  # the request attached as a mail, unnamed
    assert token not in _everything_in(held[0]).decode("utf-8", "replace")


@pytest.mark.parametrize("name, ctype, data, sent", [
    ("a.txt", "text/plain", b"see [SPOC-2026-0001 #abcdefgh1234] and spoc+abcdefgh1234@council.example", True),
    ("a.csv", "application/octet-stream", b"ref,token\nSPOC-2026-0001,abcdefgh1234\n", True),
    ("a.html", "text/html", b"<p>[SPOC-2026-0001 #abcdefgh1234]</p>", True),
    ("a.txt", "text/plain", "token abcdefgh1234".encode("utf-16"), False),  # UTF-16: cannot be cut as bytes
    ("a.eml", "message/rfc822", b"Subject: =?utf-8?b?" + base64.b64encode(b"[SPOC-2026-0001 #abcdefgh1234]")
     + b"?=\r\n\r\nhello\r\n", False),  # encoded word: seen only once decoded
    ("a.eml", "message/rfc822", b"Content-Transfer-Encoding: base64\r\n\r\n" +
     base64.b64encode(b"token abcdefgh1234 in the body") + b"\r\n", False),
    ("a.eml", "message/rfc822", b"Subject: minutes\r\n\r\nno token here\r\n", False),  # a mail: always held
    ("a.docx", "application/octet-stream", None, False),
    ("a.pdf", "application/pdf", b"%PDF-1.4 plain", True),
])
def test_scrub_takes_tokens_out_or_holds_the_file(name, ctype, data, sent):
    import io
    import zipfile

    if data is None:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("word/document.xml", "<w:t>Ref abcdefgh1234</w:t>")
        data = buf.getvalue()
    out = attachtokens.scrub(name, ctype, data, {"abcdefgh1234"})
    assert (out is not None) == sent
    if out is not None:
        assert b"abcdefgh1234" not in out
