"""A large mail is read, fetched and stored without being held several times over, and nothing it says changes.

The memory figure itself is bench/suite.py's (`--only memory`); these tests prove the streamed paths give
exactly what the whole-mail paths gave: the same parse, the same envelope, the same bytes stored.
"""

from __future__ import annotations

import base64
import hashlib
import random
from datetime import datetime, timezone

from spocmail import db as dbmod
from spocmail.db import Database
from spocmail.db.mail import Message
from spocmail.intake import store
from spocmail.intake.imap import ImapMailbox
from spocmail.mail import bigparts
from spocmail.mail.parse import _parse, parse_mail

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def b64(data: bytes) -> str:
    return base64.encodebytes(data).replace(b"\n", b"\r\n").decode()


def big_mail(*bodies: tuple[str, str]) -> bytes:
    parts = "".join(f"--b1\r\nContent-Type: {ctype}\r\nContent-Disposition: attachment; filename=\"f{k}\"\r\n"
                    f"Content-Transfer-Encoding: base64\r\n\r\n{body}" for k, (ctype, body) in enumerate(bodies))
    return ("From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\nSubject: Scans\r\n"
            "Date: Mon, 23 Nov 2026 08:00:00 +0000\r\nMessage-ID: <big-1@example.org>\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n'
            "Please find my scans attached.\r\n" + parts + "--b1--\r\n").encode()


def test_large_attachments_read_outside_the_parser_give_the_same_parse_and_payloads():
    rng = random.Random(10)
    pdf, png, odd = rng.randbytes(600_000), rng.randbytes(400_001), rng.randbytes(300_002)
    raw = big_mail(("application/pdf", b64(pdf)), ("image/png", b64(png)), ("application/octet-stream", b64(odd)))
    small, regions = bigparts.cut(raw)
    assert len(regions) == 3 and len(small) < 2000  # the parser sees a small mail
    streamed, whole = parse_mail(raw), _parse(raw, 0, cut=False)
    assert streamed.to_json() == whole.to_json()
    assert [a.payload for a in streamed.attachments] == [pdf, png, odd] == [a.payload for a in whole.attachments]
    assert streamed.attachments[0].sha256 == hashlib.sha256(pdf).hexdigest()


def test_a_large_body_the_parser_would_read_differently_is_left_to_it():
    rng = random.Random(11)
    data = rng.randbytes(400_000)
    body = b64(data)
    broken = body[:1000] + "=" + body[1000:]  # padding in the middle: the parser reports it, so we do not cut
    text = "QUJD\r\n" * 60_000  # a text/* part stays with the parser whatever its encoding
    raw = big_mail(("application/pdf", broken), ("text/plain; charset=utf-8", text), ("application/pdf", body))
    _, regions = bigparts.cut(raw)
    assert len(regions) == 1
    assert parse_mail(raw).to_json() == _parse(raw, 0, cut=False).to_json()
    assert parse_mail(raw).attachments[-1].payload == data


def test_the_envelope_read_from_the_header_section_is_the_envelope_of_the_whole_mail():
    raw = big_mail(("application/pdf", b64(random.Random(12).randbytes(300_000))))
    raw = raw.replace(b"Please find", b"From: someone@else.example\r\nSubject: not a header\r\n\r\nPlease find")
    assert store.read_envelope(raw) == store.read_envelope(raw + b"\r\n")
    head_only = raw[:raw.index(b"\r\n\r\n") + 4]
    got = store.read_envelope(raw)
    assert got == store.read_envelope(head_only)
    assert (got.subject, got.from_email, got.message_id) == ("Scans", "jordan@example.org", "<big-1@example.org>")


def test_a_large_mail_is_fetched_in_ranges_and_stored_byte_for_byte(imap, db_url, monkeypatch):
    import spocmail.intake.imap as imap_mod

    monkeypatch.setattr(imap_mod, "LARGE_MAIL", 50_000)
    monkeypatch.setattr(imap_mod, "FETCH_RANGE", 65_536)
    monkeypatch.setattr(store, "STREAM_RAW", 100_000)
    rng = random.Random(13)
    big = big_mail(("application/pdf", b64(rng.randbytes(700_000))))
    small = big_mail(("application/pdf", b64(rng.randbytes(2_000)))).replace(b"<big-1@", b"<small-1@")
    exact = big_mail(("application/pdf", b64(rng.randbytes(65_536 * 3 // 4 * 4)))).replace(b"<big-1@", b"<big-2@")
    imap.append_many([small, big, exact, small.replace(b"<small-1@", b"<small-2@")])
    box = ImapMailbox(host=imap.host, port=imap.port, security="none", username=imap.user, password=imap.password,
                      timeout=10)
    try:
        fetched = list(box.fetch_new(batch_size=3))
    finally:
        box.close()
    assert [m.raw for m in fetched] == [small, big, exact, small.replace(b"<small-1@", b"<small-2@")]
    dbmod.upgrade(db_url)
    database = Database(db_url)
    try:
        pks = []
        for mail in fetched:
            with database.session() as session:
                pks.append(store.store_fetched(session, mail, NOW).message_pk)
        with database.session() as session:
            for pk, mail in zip(pks, fetched):
                row = session.get(Message, pk)
                assert row.raw == mail.raw and row.sha256 == hashlib.sha256(mail.raw).hexdigest()
                assert row.size == len(mail.raw) and row.subject == "Scans"
    finally:
        database.dispose()
