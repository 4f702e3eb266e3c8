"""A record that shows tampering: the hash-chained audit log, stored mail checked against its SHA-256,
the append-only guard on SQLite and PostgreSQL, and `audit show`. On both backends, through the real CLI."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from spocmail import db as dbmod
from spocmail.db import Database, audit
from tests.helpers import SECOND_CUSTOMER as RILEY
from tests.helpers import deliver, make_project


FOI = (b"From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\n"
       b"Subject: Freedom of Information request\r\nDate: Mon, 23 Nov 2026 08:12:00 +0000\r\n"
       b"Message-ID: <audit-foi@example.org>\r\n\r\nUnder the Freedom of Information Act, please provide copies of "
       b"all tree survey reports for Jubilee Park since 2024.\r\n\r\nJordan Example\r\n")


def project_with_record(tmp_path, db_url):
    """A project whose record holds register entries, an incoming mail, its issue and outgoing mail."""
    project = make_project(tmp_path / "p", db_url)
    (project.dir / "riley.toml").write_text(RILEY)
    project.ok("register", "import", project.dir / "riley.toml", "--now", "2026-11-20T09:00:00+00:00")
    deliver(project.maildir, FOI)
    project.ok("poll", "--once", "--now", "2026-11-23T08:15:00+00:00")
    return project


def tamper(db_url: str, *statements: str) -> None:
    """Run SQL as someone bypassing the guard: SQLite drops the triggers first, PostgreSQL's superuser
    switches triggers off for its session (session_replication_role = replica)."""
    engine = create_engine(db_url)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_delete"))
        else:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        for sql in statements:
            conn.execute(text(sql))
    engine.dispose()


def scalar(db_url: str, sql: str):
    engine = create_engine(db_url)
    with engine.connect() as conn:
        value = conn.execute(text(sql)).scalar()
    engine.dispose()
    return value


def verify(project):
    result = project.run("audit", "verify", "--json")
    return result.code, result.json()


def test_a_clean_record_verifies(tmp_path, db_url):
    project = project_with_record(tmp_path, db_url)
    code, doc = verify(project)
    assert (code, doc["ok"], doc["problems"]) == (0, True, [])
    assert doc["audit_entries"] >= 5 and doc["mails_checked"] >= 1
    assert doc["head"]["id"] == doc["audit_entries"] and len(doc["head"]["hash"]) == 64


def test_a_changed_entry_is_named(tmp_path, db_url):
    project = project_with_record(tmp_path, db_url)
    tamper(db_url, "UPDATE audit_log SET detail = '{\"source\": \"forged\"}' WHERE id = 3")
    code, doc = verify(project)
    assert code == 1 and doc["ok"] is False
    assert [(p["table"], p["id"]) for p in doc["problems"]] == [("audit_log", 3)]
    assert "changed since it was written" in doc["problems"][0]["problem"]
    text_out = project.run("audit", "verify")
    assert text_out.code == 1 and "audit_log row 3: changed" in text_out.out


def test_a_changed_actor_with_a_recomputed_hash_still_breaks_the_next_link(tmp_path, db_url):
    project = project_with_record(tmp_path, db_url)
    engine = create_engine(db_url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT id, at, actor, action, subject_type, subject_id, detail, prev_hash "
                                "FROM audit_log WHERE id = 2")).one()
    engine.dispose()
    detail = row.detail if isinstance(row.detail, dict) else json.loads(row.detail)
    at = row.at if isinstance(row.at, datetime) else datetime.fromisoformat(row.at)
    forged = audit.entry_hash(row.prev_hash, 2, at, "mallory", row.action, row.subject_type, row.subject_id, detail)
    tamper(db_url, f"UPDATE audit_log SET actor = 'mallory', hash = '{forged}' WHERE id = 2")
    code, doc = verify(project)
    assert code == 1
    assert [(p["table"], p["id"]) for p in doc["problems"]] == [("audit_log", 3)]
    assert "not chained to row 2" in doc["problems"][0]["problem"]


def test_a_deleted_middle_entry_is_detected(tmp_path, db_url):
    project = project_with_record(tmp_path, db_url)
    tamper(db_url, "DELETE FROM audit_log WHERE id = 4")
    code, doc = verify(project)
    assert code == 1
    assert [(p["table"], p["id"]) for p in doc["problems"]] == [("audit_log", 5)]
    assert "rows 4..4 are missing" in doc["problems"][0]["problem"]


def test_changed_mail_bytes_are_reported(tmp_path, db_url):
    project = project_with_record(tmp_path, db_url)
    mid = scalar(db_url, "SELECT min(id) FROM messages WHERE direction = 'in'")
    tamper(db_url, f"UPDATE message_raw SET raw = {'X' if db_url.startswith('sqlite') else ''}'00' WHERE message_pk = {mid}")
    code, doc = verify(project)
    assert code == 1
    assert [(p["table"], p["id"]) for p in doc["problems"]] == [("messages", mid)]
    assert "no longer match its SHA-256" in doc["problems"][0]["problem"]


def test_changed_outgoing_mail_is_reported(tmp_path, db_url):
    project = project_with_record(tmp_path, db_url)
    oid = scalar(db_url, "SELECT min(id) FROM outbox")
    assert oid is not None, "the FOI request should have queued an officer request"
    tamper(db_url, f"UPDATE outbox SET raw = {'X' if db_url.startswith('sqlite') else ''}'00' WHERE id = {oid}")
    code, doc = verify(project)
    assert code == 1 and [(p["table"], p["id"]) for p in doc["problems"]] == [("outbox", oid)]


def test_the_guard_refuses_update_delete_and_truncate(tmp_path, db_url):
    project = project_with_record(tmp_path, db_url)
    engine = create_engine(db_url)
    statements = ["UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log WHERE id = 1"]
    if engine.dialect.name == "postgresql":
        statements.append("TRUNCATE audit_log")
    for sql in statements:
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text(sql))
    engine.dispose()
    assert verify(project)[0] == 0


def test_db_upgrade_restores_a_dropped_guard(tmp_path, db_url):
    project = project_with_record(tmp_path, db_url)
    engine = create_engine(db_url)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER audit_log_no_delete"))
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
        else:
            conn.execute(text("DROP TRIGGER audit_log_no_truncate ON audit_log"))
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
    result = project.ok("db", "upgrade")
    assert "restored the audit_log guard" in result.err
    again = project.ok("db", "upgrade")
    assert "restored" not in again.err
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_log"))
    engine.dispose()
    shown = project.ok("audit", "show", "--json").json()
    assert shown[-1]["action"] == "audit.guard_restored"
    assert verify(project)[0] == 0


def test_show_lists_oldest_first_and_filters_by_customer(tmp_path, db_url):
    project = project_with_record(tmp_path, db_url)
    rows = project.ok("audit", "show", "--json").json()
    ats = [r["at"] for r in rows]
    assert ats == sorted(ats) and rows[0]["action"].startswith("register.")
    assert {"id", "at", "actor", "action", "subject_type", "subject_id", "detail"} <= set(rows[0])
    jordan = project.ok("audit", "show", "--customer", "jordan", "--json").json()
    riley = project.ok("audit", "show", "--customer", "riley", "--json").json()
    assert any(r["action"] == "issue.filed" for r in jordan)
    assert not any(r["action"] == "issue.filed" for r in riley)
    assert [(r["action"], r["subject_type"], r["subject_id"]) for r in riley] == [
        ("register.customer.created", "customer", "riley"), ("arrangement.started", "customer", "riley")]
    assert all(r["subject_id"] != "riley" for r in jordan)
    missing = project.run("audit", "show", "--customer", "nobody", "--json")
    assert missing.code == 2 and "nobody" in missing.json()["error"]
    assert "register." in project.ok("audit", "show").out


def test_concurrent_writers_do_not_fork_the_chain(tmp_path, db_url):
    project = make_project(tmp_path / "p", db_url)
    database = Database(db_url)
    start = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)
    errors = []

    def writer(n: int) -> None:
        try:
            for i in range(25):
                with database.session() as s:
                    audit.record(s, at=start + timedelta(seconds=i), actor=f"writer-{n}", action="test.append",
                                 subject_type="test", subject_id=f"{n}-{i}", i=i)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    database.dispose()
    assert errors == []
    code, doc = verify(project)
    assert code == 0, doc["problems"]
    assert scalar(db_url, "SELECT count(*) FROM audit_log WHERE action = 'test.append'") == 100


def test_the_migration_chains_existing_entries(tmp_path, db_url):
    dbmod.upgrade(db_url, "0005")
    engine = create_engine(db_url)
    with engine.begin() as conn:
        for i in range(3):
            conn.execute(text("INSERT INTO audit_log (at, actor, action, subject_type, subject_id, detail) "
                              "VALUES (:at, 'spoc', 'old.entry', 'customer', 'jordan', :d)"),
                         {"at": datetime(2026, 1, 1 + i, tzinfo=timezone.utc), "d": '{"n": %d}' % i})
    engine.dispose()
    project = make_project(tmp_path / "p", db_url)  # db upgrade to head, then the register import appends
    code, doc = verify(project)
    assert code == 0 and doc["problems"] == []
    assert scalar(db_url, "SELECT count(*) FROM audit_log WHERE hash IS NULL") == 0
    assert scalar(db_url, "SELECT prev_hash FROM audit_log WHERE id = 1") == audit.GENESIS


def test_the_application_role_can_append_but_not_truncate_or_drop(tmp_path, postgres_server):
    import psycopg

    name = postgres_server.create_database()
    owner_url = postgres_server.url_for(name)
    role = f"spocapp_{uuid.uuid4().hex[:8]}"
    try:
        project = make_project(tmp_path / "p", owner_url)
        grants = project.ok("db", "grants", role).out
        assert "GRANT SELECT, INSERT ON audit_log" in grants
        with psycopg.connect(postgres_server.conninfo(name), autocommit=True) as conn:
            conn.execute(f"CREATE ROLE {role} LOGIN")
            conn.execute(grants)
        app_url = owner_url.replace(f"{postgres_server.user}@", f"{role}@", 1)
        app_project = make_project(tmp_path / "app", app_url, register=None)
        (app_project.dir / "riley.toml").write_text(RILEY)
        app_project.ok("register", "import", app_project.dir / "riley.toml")  # appends as the app role
        engine = create_engine(app_url)
        for sql in ("TRUNCATE audit_log", "DROP TABLE audit_log", "DELETE FROM audit_log",
                    "UPDATE audit_log SET actor = 'x'", "ALTER TABLE audit_log DISABLE TRIGGER ALL",
                    "DROP TRIGGER audit_log_no_truncate ON audit_log"):
            with pytest.raises(DBAPIError, match="permission denied|must be owner"):
                with engine.begin() as conn:
                    conn.execute(text(sql))
        engine.dispose()
        code, doc = verify(app_project)
        assert code == 0 and doc["audit_entries"] >= 2
    finally:
        with psycopg.connect(postgres_server.conninfo(name), autocommit=True) as conn:
            conn.execute(f"DROP OWNED BY {role}") if _role_exists(conn, role) else None
        postgres_server.drop_database(name)
        with psycopg.connect(postgres_server.conninfo(), autocommit=True) as conn:
            conn.execute(f"DROP ROLE IF EXISTS {role}")


def _role_exists(conn, role: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is not None


def test_an_entry_in_a_rolled_back_savepoint_goes_with_it(tmp_path, db_url):
    project = make_project(tmp_path / "p", db_url, register=None)
    database = Database(db_url)
    now = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)
    with database.session() as s:
        audit.record(s, at=now, actor="t", action="test.kept", subject_type="test", subject_id="1")
        try:
            with s.begin_nested():
                audit.record(s, at=now, actor="t", action="test.undone", subject_type="test", subject_id="2")
                raise RuntimeError("the change inside the savepoint failed")
        except RuntimeError:
            pass
        with s.begin_nested():
            audit.record(s, at=now, actor="t", action="test.released", subject_type="test", subject_id="3")
    with pytest.raises(RuntimeError):
        with database.session() as s:
            audit.record(s, at=now, actor="t", action="test.rolled_back", subject_type="test", subject_id="4")
            raise RuntimeError("the whole unit of work failed")
    database.dispose()
    actions = [r["action"] for r in project.ok("audit", "show", "--json").json()]
    assert actions == ["test.kept", "test.released"]
    assert verify(project)[0] == 0


def test_the_append_lock_is_taken_at_commit_so_two_writers_cannot_deadlock(tmp_path, db_url):
    """T1 audits and then needs a row T2 holds; T2 holds the row and then audits. Were the append lock
    taken when the entry is recorded, each would wait for the other."""
    project = make_project(tmp_path / "p", db_url)
    database = Database(db_url)
    now = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)
    t1_recorded, t2_updated = threading.Event(), threading.Event()
    errors = []
    touch = text("UPDATE customers SET name = name WHERE id = 'jordan'")

    def t1() -> None:
        try:
            with database.session() as s:
                s.execute(text("SELECT 1"))
                audit.record(s, at=now, actor="t1", action="test.t1", subject_type="customer", subject_id="jordan")
                t1_recorded.set()
                assert t2_updated.wait(10)
                s.execute(touch)  # waits for T2's row lock
        except Exception as exc:
            errors.append(exc)

    def t2() -> None:
        try:
            assert t1_recorded.wait(10)
            with database.session() as s:
                s.execute(touch)
                t2_updated.set()
                audit.record(s, at=now, actor="t2", action="test.t2", subject_type="customer", subject_id="jordan")
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=t1), threading.Thread(target=t2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    database.dispose()
    assert errors == []
    actions = [r["action"] for r in project.ok("audit", "show", "--json").json()]
    assert [a for a in actions if a.startswith("test.")] == ["test.t2", "test.t1"]
    assert verify(project)[0] == 0
