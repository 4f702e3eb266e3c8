"""The SPOC's edits to issues through the CLI: split, merge, categorise, close, answer, approve; all audited."""

import pytest
from sqlalchemy import select

from spocmail.db import Database
from spocmail.db.audit import AuditEntry
from tests.helpers import deliver
from tests.helpers import make_project

ONE = ("From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\nSubject: Park\r\n"
       "Date: Mon, 23 Nov 2026 08:00:00 +0000\r\nMessage-ID: <park@example.org>\r\n\r\n"
       "Why is the park gate locked at 6pm, and who decided to remove the benches?\r\n").encode()
TWO = ("From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\nSubject: Gate\r\n"
       "Date: Mon, 23 Nov 2026 09:00:00 +0000\r\nMessage-ID: <gate@example.org>\r\n\r\n"
       "The park gate is locked far too early, it was locked at 6pm again yesterday.\r\n").encode()


@pytest.fixture
def p(tmp_path, db_url):
    project = make_project(tmp_path / "p", db_url)
    deliver(project.maildir, ONE)
    deliver(project.maildir, TWO)
    project.ok("poll", "--once", "--now", "2026-11-23T10:00")
    return project


def refs(p) -> list[dict]:
    return p.ok("issues", "list", "--json").json()


def test_split_merge_categorise_close_and_approve(p, db_url):
    first, second = refs(p)
    out = p.ok("issues", "split", first["ref"], "--part", "Why is the park gate locked at 6pm?",
               "--part", "Who decided to remove the benches?", "--now", "2026-11-23T10:05").out
    issues = refs(p)
    assert len(issues) == 3 and issues[2]["ref"] in out
    assert issues[2]["received_at"] == issues[0]["received_at"]  # the split part keeps the receipt date

    p.ok("issues", "merge", second["ref"], "--into", first["ref"], "--now", "2026-11-23T10:10")
    merged = {i["ref"]: i for i in refs(p)}
    assert merged[second["ref"]]["status"] == "merged" and merged[second["ref"]]["merged_into"] == first["ref"]
    assert merged[first["ref"]]["contacts"] == 2

    p.ok("issues", "categorise", issues[2]["ref"], "--category", "foi", "--now", "2026-11-23T10:15")
    foi = {i["ref"]: i for i in refs(p)}[issues[2]["ref"]]
    assert (foi["category"], foi["statutory_kind"], foi["due"]) == ("foi", "foi", "2026-12-22")
    assert p.ok("issues", "show", issues[2]["ref"], "--json").json()["category_rule"] == "override"

    p.ok("issues", "answer", first["ref"], "--text", "The gate hours follow the park's winter timetable.",
         "--now", "2026-11-23T10:20")
    p.ok("issues", "approve", first["ref"], "--now", "2026-11-23T10:21")
    again = p.ok("issues", "approve", first["ref"], "--now", "2026-11-23T10:22")
    assert "already approved" in again.out
    assert {i["ref"]: i for i in refs(p)}[first["ref"]]["status"] == "approved"

    p.ok("issues", "close", issues[2]["ref"], "--reason", "withdrawn by the customer", "--now", "2026-11-23T10:30")
    assert {i["ref"]: i for i in refs(p)}[issues[2]["ref"]]["status"] == "closed"
    assert p.run("issues", "close", issues[2]["ref"]).code == 2  # already closed

    database = Database(db_url)
    with database.session() as s:
        actions = {a.action for a in s.scalars(select(AuditEntry))}
    database.dispose()
    assert {"issue.split", "issue.merged", "issue.recategorised", "answer.edited", "answer.approved",
            "issue.closed"} <= actions


def test_mistakes_say_what_was_expected(p):
    ref = refs(p)[0]["ref"]
    assert "expected one of" in p.run("issues", "categorise", ref, "--category", "moan").err
    assert "no issue 'SPOC-1999-0001'" in p.run("issues", "show", "SPOC-1999-0001", "--json").err
    result = p.run("issues", "split", ref, "--part", "only one")
    assert result.code == 2 and "at least two parts" in result.err
    result = p.run("issues", "answer", ref)
    assert result.code == 2 and "--text" in result.err
    assert p.run("issues", "list", "--status", "bogus").code == 2
