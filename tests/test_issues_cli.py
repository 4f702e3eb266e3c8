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


def arrives(project, raw: bytes) -> None:
    """Delivered at the instant its Date header gives, so no test reads the machine's clock."""
    from email.utils import parsedate_to_datetime

    when = parsedate_to_datetime(raw.split(b"Date: ", 1)[1].split(b"\r\n", 1)[0].decode())
    deliver(project.maildir, raw, when=when)


@pytest.fixture
def p(tmp_path, db_url):
    project = make_project(tmp_path / "p", db_url)
    arrives(project, ONE)
    arrives(project, TWO)
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
    # filtered to the merged one, the list still names the issue it went into, though that one is not listed
    only = p.ok("issues", "list", "--status", "merged", "--customer", first["customer"], "--json").json()
    assert [(i["ref"], i["merged_into"]) for i in only] == [(second["ref"], first["ref"])]
    assert only[0] == merged[second["ref"]]

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


def statutory(n: int, when: str, body: str) -> bytes:
    return (f"From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\nSubject: Request {n}\r\n"
            f"Date: {when}\r\nMessage-ID: <statutory-{n}@example.org>\r\n\r\n{body}\r\n").encode()


def by_kind(project) -> dict[str, dict]:
    return {i["statutory_kind"]: i for i in refs(project)}


@pytest.fixture
def clocks(tmp_path, db_url):
    """An FOI received Fri 2 Oct 2026, an EIR received Wed 14 Jan 2026, a subject access request received Fri 30 Jan 2026."""
    project = make_project(tmp_path / "c", db_url)
    arrives(project, statutory(1, "Wed, 14 Jan 2026 10:00:00 +0000", "Under the Environmental Information "
                                       "Regulations, please send me the air quality readings for Mill Road."))
    project.ok("poll", "--once", "--now", "2026-01-14T12:00")
    arrives(project, statutory(2, "Fri, 30 Jan 2026 10:00:00 +0000", "This is a subject access request: "
                                       "please send me a copy of all the personal data you hold about me."))
    project.ok("poll", "--once", "--now", "2026-01-30T12:00")
    arrives(project, statutory(3, "Fri, 02 Oct 2026 10:00:00 +0100", "Under the Freedom of Information Act, "
                                       "please provide the council's contracts for office cleaning since 2024."))
    project.ok("poll", "--once", "--now", "2026-10-02T12:00")
    kinds = by_kind(project)
    assert {k: i["due"] for k, i in kinds.items()} == {"eir": "2026-02-11", "sar": "2026-03-02", "foi": "2026-10-30"}
    return project


def test_a_clarification_asked_stops_the_foi_clock_and_its_arrival_restarts_it(clocks, db_url):
    foi = by_kind(clocks)["foi"]["ref"]
    out = clocks.ok("issues", "clarify", foi, "--asked", "2026-10-05T09:00", "--now", "2026-10-05T09:00").out
    assert "stopped" in out and by_kind(clocks)["foi"]["due"] is None
    again = clocks.run("issues", "clarify", foi, "--asked", "2026-10-06T09:00", "--now", "2026-10-06T09:00")
    assert again.code == 2 and "already asked" in again.err and "--received" in again.err
    early = clocks.run("issues", "clarify", foi, "--received", "2026-10-04T09:00")
    assert early.code == 2 and "--received 2026-10-04" in early.err
    # DOMAIN.md: FOI received 2 Oct 2026, clarification asked 5 Oct, received 12 Oct: due 9 Nov 2026
    out = clocks.ok("issues", "clarify", foi, "--received", "2026-10-12T16:00", "--now", "2026-10-12T16:05").out
    assert "due 2026-11-09" in out and "was 2026-10-30" in out
    shown = clocks.ok("issues", "show", foi, "--json").json()
    assert shown["due"] == "2026-11-09" and shown["pauses"] == [["2026-10-05", "2026-10-12"]]
    # a clarification that simply arrives, unasked, counts from its own day (here: now, 16 Oct)
    clocks.ok("issues", "clarify", foi, "--now", "2026-10-16T10:00")
    assert by_kind(clocks)["foi"]["due"] == "2026-11-13"
    assert clocks.run("issues", "clarify", foi, "--received", "yesterday").code == 2
    assert clocks.run("issues", "clarify", "SPOC-1999-0001").code == 2
    database = Database(db_url)
    with database.session() as s:
        entries = [a for a in s.scalars(select(AuditEntry).where(AuditEntry.subject_id == foi)
                                        .order_by(AuditEntry.id))]
    database.dispose()
    clarified = [a.detail for a in entries if a.action == "issue.clarified"]
    assert [a.action for a in entries if a.action.startswith("issue.clar")] == [
        "issue.clarification_asked", "issue.clarified", "issue.clarified"]
    assert (clarified[0]["before"], clarified[0]["after"], clarified[0]["pause"]) == (
        "2026-10-30", "2026-11-09", ["2026-10-05", "2026-10-12"])


def test_lawful_extensions_move_the_due_date_and_only_for_their_own_kind(clocks, db_url):
    kinds = by_kind(clocks)
    # DOMAIN.md: EIR extended as complex and voluminous, received 14 Jan 2026: the 40th working day, 11 Mar 2026
    out = clocks.ok("issues", "extend", kinds["eir"]["ref"], "--kind", "eir-extended", "--reason",
                    "complex and voluminous", "--now", "2026-01-20T09:00").out
    assert "due 2026-03-11" in out and "was 2026-02-11" in out
    # a subject access request extended by two further months: three months from 30 Jan 2026
    clocks.ok("issues", "extend", kinds["sar"]["ref"], "--kind", "sar-extended", "--now", "2026-02-02T09:00")
    assert {k: i["due"] for k, i in by_kind(clocks).items()} == {"eir": "2026-03-11", "sar": "2026-04-30",
                                                                   "foi": "2026-10-30"}
    twice = clocks.ok("issues", "extend", kinds["sar"]["ref"], "--kind", "sar-extended")
    assert "already extended" in twice.out and by_kind(clocks)["sar"]["due"] == "2026-04-30"
    wrong = clocks.run("issues", "extend", kinds["foi"]["ref"], "--kind", "eir-extended")
    assert wrong.code == 2 and "foi request" in wrong.err and by_kind(clocks)["foi"]["due"] == "2026-10-30"
    assert clocks.run("issues", "extend", kinds["foi"]["ref"], "--kind", "foi-extended").code == 2
    assert clocks.run("issues", "extend", kinds["foi"]["ref"]).code == 2  # --kind is required
    database = Database(db_url)
    with database.session() as s:
        extended = [a.detail for a in s.scalars(select(AuditEntry).where(AuditEntry.action == "issue.extended"))]
    database.dispose()
    assert sorted((d["kind"], d["before"], d["after"]) for d in extended) == [
        ("eir-extended", "2026-02-11", "2026-03-11"), ("sar-extended", "2026-03-02", "2026-04-30")]
    assert any(d["reason"] == "complex and voluminous" for d in extended)


def test_an_internal_note_is_kept_with_the_issue_and_never_reaches_the_customer(p, db_url):
    ref = refs(p)[0]["ref"]
    p.ok("issues", "note", ref, "--text", "Rang the customer: upset about the benches, wants a call back.",
         "--by", "morgan", "--now", "2026-11-23T11:00")
    shown = p.ok("issues", "show", ref, "--json").json()
    assert [(n["text"], n["by"]) for n in shown["notes"]] == [
        ("Rang the customer: upset about the benches, wants a call back.", "morgan")]
    preview = p.ok("weekly", "preview", "jordan", "--json", "--now", "2026-11-27T09:00").json()
    assert "call back" not in preview["body_text"] and "upset" not in preview["body_text"]
    empty = p.run("issues", "note", ref, "--text", "  ")
    assert empty.code == 2 and "empty" in empty.err
    assert p.run("issues", "note", ref).code == 2  # --text is required
    database = Database(db_url)
    with database.session() as s:
        assert [a.subject_id for a in s.scalars(select(AuditEntry).where(AuditEntry.action == "issue.note"))] == [ref]
    database.dispose()


def test_a_follow_up_that_asks_is_a_contact_and_one_that_clarifies_restarts_the_clock(clocks):
    foi = by_kind(clocks)["foi"]["ref"]
    arrives(clocks, statutory(4, "Mon, 05 Oct 2026 09:00:00 +0100",
                                      f"About {foi}: could you clarify when I will hear back?"))
    clocks.ok("poll", "--once", "--now", "2026-10-05T10:00")
    issue = by_kind(clocks)["foi"]
    assert (issue["due"], issue["contacts"], len(refs(clocks))) == ("2026-10-30", 2, 3)  # a question moves nothing
    arrives(clocks, statutory(5, "Mon, 12 Oct 2026 09:00:00 +0100",
                                      f"About {foi}: to clarify, I only want the contracts signed in 2025."))
    clocks.ok("poll", "--once", "--now", "2026-10-12T10:00")
    issue = by_kind(clocks)["foi"]
    assert (issue["due"], issue["contacts"], len(refs(clocks))) == ("2026-11-09", 3, 3)
