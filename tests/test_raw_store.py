"""The raw mail in its own table (message_raw), on SQLite and PostgreSQL: a mail larger than a slice is
written and read back byte for byte, `audit verify` hashes it a slice at a time and still sees a change,
and migration 0013_raw moves the bytes of a 0012 database (and back)."""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, inspect, select, text, update

from spocmail import db as dbmod
from spocmail import record
from spocmail.db import Database, rawstore
from spocmail.db.mail import Message, MessageRaw
from spocmail.intake import FetchedMail, store

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
SLICE = 65_536


def raw_mail(n_body: int, seed: int) -> bytes:
    body = random.Random(seed).randbytes(n_body // 2).hex().encode()[:n_body]
    return (f"From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\nSubject: Scans {seed}\r\n"
            f"Date: Mon, 23 Nov 2026 08:00:00 +0000\r\nMessage-ID: <raw-{seed}@example.org>\r\n\r\n").encode() + body


@pytest.fixture
def database(db_url):
    dbmod.upgrade(db_url)
    database = Database(db_url)
    yield database
    database.dispose()


def stored(database: Database, raws: list[bytes]) -> list[int]:
    pks = []
    for k, raw in enumerate(raws):
        with database.session() as s:
            pks.append(store.store_fetched(s, FetchedMail("maildir:/x", None, f"u{k}", NOW, raw), NOW).message_pk)
    return pks


def test_mails_larger_than_a_slice_are_read_back_byte_for_byte(database, monkeypatch):
    monkeypatch.setattr(rawstore, "RAW_SLICE", SLICE)
    monkeypatch.setattr(store, "STREAM_RAW", 50_000)  # SQLite: written a slice at a time too
    raws = [raw_mail(n, k) for k, n in enumerate((100, SLICE - 200, SLICE * 3, SLICE * 5 + 17))]
    raws.append(raws[0][:160] + b"\x00\r\n\xff" * (SLICE // 2))  # NUL and 8-bit bytes kept as they are
    pks = stored(database, raws)
    assert max(len(r) for r in raws) > 5 * SLICE
    with database.session() as s:
        for pk, raw in zip(pks, raws):
            got = s.get(Message, pk).raw
            assert type(got) is bytes and got == raw
            assert rawstore.read_raw(s, pk) == raw
            assert b"".join(rawstore.iter_slices(s, pk)) == raw
            assert rawstore.sha256_of(s, pk) == (hashlib.sha256(raw).hexdigest(), len(raw))
            assert s.get(Message, pk).size == len(raw)


def test_a_mail_exactly_a_slice_and_one_byte_over_it(database, monkeypatch):
    monkeypatch.setattr(rawstore, "RAW_SLICE", SLICE)
    head = raw_mail(0, 7)
    raws = [head + b"a" * (SLICE - len(head)), head.replace(b"raw-7", b"raw-8") + b"b" * (SLICE + 1 - len(head))]
    pks = stored(database, raws)
    with database.session() as s:
        assert [len(s.get(Message, pk).raw) for pk in pks] == [SLICE, SLICE + 1]
        assert [s.get(Message, pk).raw for pk in pks] == raws


def test_a_mail_over_the_real_slice_size(database):
    raw = raw_mail(2 * rawstore.RAW_SLICE + 3, 9)
    [pk] = stored(database, [raw])
    with database.session() as s:
        assert s.get(Message, pk).raw == raw


def test_updating_a_mail_row_leaves_its_bytes_alone_and_deleting_it_takes_them(database):
    raw = raw_mail(300_000, 3)
    [pk] = stored(database, [raw])
    with database.session() as s:
        s.execute(update(Message).where(Message.id == pk).values(state="done"))
    with database.session() as s:
        assert s.get(Message, pk).raw == raw
        s.delete(s.get(Message, pk))  # the ORM does not load the bytes to delete them: the database does
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(MessageRaw)) == 0


def test_verify_hashes_large_mails_in_slices_and_sees_a_change_or_a_loss(database, monkeypatch):
    monkeypatch.setattr(rawstore, "RAW_SLICE", SLICE)
    raws = [raw_mail(200, 1), raw_mail(SLICE * 4, 2), raw_mail(SLICE * 2, 3)]
    small, large, lost = stored(database, raws)
    with database.session() as s:
        doc = record.verify(s)
    assert doc["ok"] and doc["mails_checked"] == 3, doc
    changed = bytearray(raws[1])
    changed[SLICE * 3 + 5] ^= 1  # one bit, in the fourth slice
    with database.session() as s:
        s.execute(update(MessageRaw).where(MessageRaw.message_pk == large).values(raw=bytes(changed)))
        s.execute(MessageRaw.__table__.delete().where(MessageRaw.message_pk == lost))
    with database.session() as s:
        doc = record.verify(s)
    assert not doc["ok"]
    problems = {p["id"]: p["problem"] for p in doc["problems"]}
    assert set(problems) == {large, lost}
    assert "no longer match its SHA-256" in problems[large]
    assert "missing" in problems[lost]


def test_migration_0013_moves_the_bytes_of_a_0012_database_and_back(db_url):
    dbmod.upgrade(db_url, "0012_send")
    raws = [raw_mail(100, 1), raw_mail(3 << 20, 2), b"\x00\xff\r\n" * 1000]
    engine = dbmod.make_engine(db_url)
    with engine.begin() as conn:
        for k, raw in enumerate(raws, start=1):
            conn.execute(text(
                "INSERT INTO messages (id, direction, sha256, raw, size, message_id_reused, \"references\", subject, "
                "\"to\", cc, stored_at, auto_reply, channel, state, defects, attempts) VALUES (:id, 'in', :sha, "
                ":raw, :size, :f, '[]', 's', '[]', '[]', :at, :f, 'email', 'done', '[]', 0)"),
                {"id": k, "sha": hashlib.sha256(raw).hexdigest(), "raw": raw, "size": len(raw), "f": False,
                 "at": NOW})
    dbmod.upgrade(db_url)
    database = Database(db_url)
    try:
        with database.session() as s:
            assert [s.get(Message, k).raw for k in (1, 2, 3)] == raws
            assert record.verify(s)["ok"]
        assert "raw" not in {c["name"] for c in inspect(engine).get_columns("messages")}
    finally:
        database.dispose()
    dbmod.downgrade(db_url, "0012_send")
    with engine.connect() as conn:
        back = [bytes(r) for (r,) in conn.execute(text("SELECT raw FROM messages ORDER BY id"))]
    assert back == raws
    dbmod.upgrade(db_url)
    engine.dispose()
