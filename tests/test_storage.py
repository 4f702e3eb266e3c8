"""Storage on SQLite and PostgreSQL: migrations, each mail stored once and unchanged, the audit log append-only."""

import hashlib
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from spocmail import db as dbmod
from spocmail.db import audit
from spocmail.db.mail import MailboxState, MailLocation, Message
from spocmail.errors import SpocmailError
from spocmail.intake import FetchedMail
from spocmail.intake.store import store_fetched

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc)


def mail(body: str = "Hello", uid: str = "1", uidvalidity: int | None = 7, msgid: str = "<a@example.org>",
         source: str = "imap://spoc@127.0.0.1:1/INBOX") -> FetchedMail:
    raw = (f"From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\n"
           f"Subject: Bins\r\nDate: Mon, 23 Nov 2026 08:00:00 +0000\r\nMessage-ID: {msgid}\r\n\r\n{body}\r\n")
    return FetchedMail(source, uidvalidity, uid, NOW, raw.encode())


@pytest.fixture
def database(db_url):
    dbmod.upgrade(db_url)
    database = dbmod.Database(db_url)
    yield database
    database.dispose()


def test_migrations_walk_down_and_up(db_url):
    dbmod.upgrade(db_url)
    engine = dbmod.make_engine(db_url)
    assert dbmod.current_revision(engine) == dbmod.head_revision()
    dbmod.downgrade(db_url, "base")
    assert dbmod.current_revision(engine) is None
    dbmod.upgrade(db_url)
    dbmod.upgrade(db_url)  # idempotent
    assert dbmod.current_revision(engine) == dbmod.head_revision()
    engine.dispose()


def test_a_database_not_at_head_is_refused_with_the_fix(db_url):
    engine = dbmod.make_engine(db_url)
    with pytest.raises(SpocmailError, match="spocmail db upgrade"):
        dbmod.require_head(engine)
    engine.dispose()


def test_raw_mail_is_stored_unchanged_with_its_sha256(database):
    fetched = mail(body="Caf\xe9 ok\r\n.\r\nline with trailing space ")
    with database.session() as s:
        result = store_fetched(s, fetched, NOW)
    with database.session() as s:
        row = s.get(Message, result.message_pk)
        assert row.raw == fetched.raw
        assert row.sha256 == hashlib.sha256(fetched.raw).hexdigest()
        assert row.from_email == "jordan@example.org" and row.subject == "Bins"
        assert row.stored_at == NOW and row.stored_at.tzinfo is not None
        assert row.date_header == datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)


def test_the_same_mail_fetched_twice_is_stored_once(database):
    with database.session() as s:
        first = store_fetched(s, mail(), NOW)
    with database.session() as s:
        again = store_fetched(s, mail(), NOW + timedelta(minutes=1))
    assert first.created and not again.created and again.via == "location"
    with database.session() as s:
        assert s.scalar(select(Message.id).where(Message.id != first.message_pk)) is None


def test_a_new_uidvalidity_causes_no_duplicate(database):
    with database.session() as s:
        first = store_fetched(s, mail(uid="5", uidvalidity=7), NOW)
    with database.session() as s:
        again = store_fetched(s, mail(uid="1", uidvalidity=99), NOW)
        state = s.get(MailboxState, mail().source)
        assert (state.uidvalidity, state.last_uid) == (99, 1)
    assert not again.created and again.via == "sha256" and again.message_pk == first.message_pk
    with database.session() as s:
        assert len(s.scalars(select(MailLocation)).all()) == 2
        assert len(s.scalars(select(Message)).all()) == 1


def test_a_different_mail_reusing_a_message_id_is_kept_and_flagged(database):
    with database.session() as s:
        store_fetched(s, mail(body="first", uid="1"), NOW)
    with database.session() as s:
        second = store_fetched(s, mail(body="second, different", uid="2"), NOW)
    assert second.created
    with database.session() as s:
        rows = s.scalars(select(Message).order_by(Message.id)).all()
        assert [r.message_id_reused for r in rows] == [False, True]
        assert rows[0].message_id == rows[1].message_id


def test_unparseable_mail_is_kept_raw_and_quarantined_with_the_reason(database):
    garbage = FetchedMail("maildir:/x", None, "k1", NOW, b"\x00\x01\xff not a mail at all")
    with database.session() as s:
        result = store_fetched(s, garbage, NOW)
    assert result.created and result.quarantined
    with database.session() as s:
        row = s.get(Message, result.message_pk)
        assert row.state == "quarantined" and row.raw == garbage.raw
        assert "header" in row.quarantine_reason


def test_broken_headers_are_defects_not_failures(database):
    raw = (b"From: \xe9\xe8 broken <x@\r\nSubject: one\r\nSubject: two\r\n"
           b"Date: not a date\r\n\r\nbody\r\n")
    with database.session() as s:
        result = store_fetched(s, FetchedMail("maildir:/x", None, "k2", NOW, raw), NOW)
    with database.session() as s:
        row = s.get(Message, result.message_pk)
        assert row.state == "stored"
        joined = " ".join(row.defects)
        assert "Subject: appears 2 times" in joined and "Date header unreadable" in joined


def test_sha256_is_unique_in_the_database_itself(database):
    with database.session() as s:
        store_fetched(s, mail(), NOW)
    with pytest.raises(IntegrityError):
        with database.session() as s:
            row = Message(direction="in", sha256=hashlib.sha256(mail().raw).hexdigest(), raw=b"x", size=1,
                          stored_at=NOW)
            s.add(row)


def test_audit_log_is_append_only(database):
    with database.session() as s:
        audit.record(s, at=NOW, actor="test", action="register.customer.created", subject_type="customer",
                     subject_id="jordan")
    for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            with database.session() as s:
                s.execute(text(statement))
    with database.session() as s:
        assert s.scalar(text("SELECT actor FROM audit_log")) == "test"


def test_instants_come_back_aware_and_in_utc(database):
    london = datetime(2026, 5, 13, 0, 30).astimezone(timezone(timedelta(hours=1)))
    with database.session() as s:
        result = store_fetched(s, FetchedMail("maildir:/x", None, "k3", london, mail().raw), london)
    with database.session() as s:
        row = s.get(Message, result.message_pk)
        assert row.internaldate == london and row.internaldate.utcoffset() == timedelta(0)


def test_naive_instants_are_refused(database):
    with pytest.raises(Exception, match="naive"):
        with database.session() as s:
            store_fetched(s, mail(), datetime(2026, 1, 1))


def test_a_commit_is_on_disk_before_it_returns(database):
    """The mailbox is told, and a mail is sent, only after the commit that records it: that order holds
    through a power cut only if the commit itself is durable. SQLite's WAL with synchronous=NORMAL may lose
    the last commits on a power cut (a mail moved out of the inbox but not stored; a mail sent whose
    sending was not recorded, so sent again): every connection must write with synchronous=FULL.
    On PostgreSQL a server set to synchronous_commit = off (as the test cluster is) is raised to on."""
    with database.session() as s:
        if s.get_bind().dialect.name == "sqlite":
            assert s.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
            assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        else:
            assert s.execute(text("SHOW synchronous_commit")).scalar() == "on"


def test_a_nul_in_any_value_written_is_made_a_space_and_nothing_else_changes(database):
    """PostgreSQL text and JSON cannot hold NUL: every value a flush writes loses its NULs, in plain text, in
    JSON lists and in JSON objects' keys and values; a value without one is written exactly as it was."""
    from spocmail.db.mail import Message

    with database.session() as s:
        m = Message(direction="in", sha256="a" * 64, size=1, subject="Planning\x00 committee",
                    to=["a\x00b@example.org", "clean@example.org"], references=["<r@x>"],
                    cc=[{"only\x00key": "v"}],  # each column alone: one NUL found cleans its whole value
                    defects=[{"kind": "x\x00y", "ok": ["1", "\x002"]}, "plain"],
                    stored_at=NOW)
        s.add(m)
        s.flush()
        pk = m.id
    with database.session() as s:
        m = s.get(Message, pk)
        assert m.subject == "Planning  committee"
        assert m.to == ["a b@example.org", "clean@example.org"]
        assert m.references == ["<r@x>"]
        assert m.cc == [{"only key": "v"}]
        assert m.defects == [{"kind": "x y", "ok": ["1", " 2"]}, "plain"]
        m.subject = "changed\x00 later"  # a change to a stored row is cleaned too
    with database.session() as s:
        assert s.get(Message, pk).subject == "changed  later"
