"""Intake from the embedded Maildir: stored once, acknowledged (new/ -> cur/) only after the commit."""

import subprocess
import sys

import pytest
from sqlalchemy import func, select

from spocmail.db import Database
from spocmail.db.mail import Message
from tests.helpers import deliver
from tests.helpers import make_project

CONTRACT_KEYS = {"fetched", "stored", "duplicates", "filed", "answers", "triage", "quarantined"}


def sample(n: int) -> bytes:
    return (f"From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\n"
            f"Subject: Question {n}\r\nDate: Mon, 23 Nov 2026 08:{n % 60:02d}:00 +0000\r\n"
            f"Message-ID: <q{n}@example.org>\r\n\r\nQuestion number {n}.\r\n").encode()


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path / "p", f"sqlite:///{tmp_path}/p/spocmail.db")


def count(project) -> int:
    database = Database(f"sqlite:///{project.dir}/spocmail.db")
    with database.session() as s:
        n = s.scalar(select(func.count()).select_from(Message).where(Message.direction == "in"))
    database.dispose()
    return n


def test_poll_once_twice_stores_each_mail_once(project):
    for n in range(30):
        deliver(project.maildir, sample(n))
    deliver(project.maildir, sample(0))  # the same mail delivered twice
    first = project.ok("poll", "--once", "--json").json()
    assert set(first) >= CONTRACT_KEYS
    assert (first["fetched"], first["stored"], first["duplicates"]) == (31, 30, 1)
    second = project.ok("poll", "--once", "--json").json()
    assert (second["fetched"], second["stored"]) == (0, 0)
    assert count(project) == 30
    assert not list((project.maildir / "new").iterdir())
    assert len(list((project.maildir / "cur").iterdir())) == 31


def test_mail_stays_in_new_when_the_commit_fails(project, monkeypatch):
    deliver(project.maildir, sample(1))
    import spocmail.intake.poll as poll

    def broken(*a, **k):
        raise RuntimeError("disk full")
    monkeypatch.setattr(poll, "store_fetched", broken)
    result = project.run("poll", "--once", "--json")
    assert result.code == 1 and "disk full" in result.err
    assert len(list((project.maildir / "new").iterdir())) == 1  # not acknowledged, not lost
    monkeypatch.undo()
    assert project.ok("poll", "--once", "--json").json()["stored"] == 1


def test_garbage_is_quarantined_and_does_not_stop_the_batch(project):
    deliver(project.maildir, sample(1))
    deliver(project.maildir, b"\x00\x00\x00")
    deliver(project.maildir, sample(2))
    counts = project.ok("poll", "--once", "--json").json()
    assert (counts["stored"], counts["quarantined"]) == (3, 1)


def test_poll_refuses_a_database_that_was_never_upgraded(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[database]\nurl = "sqlite:///fresh.db"\n[mailbox]\npath = "md"\n')
    from tests.helpers import spocmail
    result = spocmail("--config", cfg, "poll", "--once", "--json")
    assert result.code == 1 and "spocmail db upgrade" in result.err


def test_the_console_script_runs(project):
    deliver(project.maildir, sample(5))
    out = subprocess.run([sys.executable, "-m", "spocmail", "--config", str(project.config), "--now",
                          project.now, "poll", "--once", "--json"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    import json
    assert json.loads(out.stdout)["stored"] == 1


def test_mail_whose_processing_keeps_failing_is_set_aside_and_can_be_put_back(project, monkeypatch):
    deliver(project.maildir, sample(7))
    import spocmail.pipeline as pipeline

    def broken(*a, **k):
        raise RuntimeError("rules file unreadable")
    monkeypatch.setattr(pipeline, "identify", broken)
    for _ in range(3):  # stored once, then three tries at the later steps
        project.ok("poll", "--once")
    waiting = project.ok("quarantine", "--json").json()
    assert [(w["state"], w["attempts"]) for w in waiting] == [("failed", 3)]
    assert "rules file unreadable" in waiting[0]["reason"]
    monkeypatch.undo()
    project.ok("quarantine", "retry", str(waiting[0]["message"]))
    assert project.ok("poll", "--once", "--json").json()["filed"] == 1
    assert project.ok("quarantine", "--json").json() == []


def test_quarantined_mail_is_listed_with_its_reason(project):
    deliver(project.maildir, b"\x00\x01 garbage")
    project.ok("poll", "--once")
    rows = project.ok("quarantine", "--json").json()
    assert [r["state"] for r in rows] == ["quarantined"] and "header" in rows[0]["reason"]


def test_json_logs_are_one_event_per_line_naming_the_mail_and_issue(tmp_path):
    import json
    project = make_project(tmp_path / "j", f"sqlite:///{tmp_path}/j/db.sqlite",
                           extra='[logging]\nformat = "json"\nfile = "spocmail.log"\n')
    deliver(project.maildir, sample(3))
    project.ok("poll", "--once")
    events = [json.loads(line) for line in (project.dir / "spocmail.log").read_text().splitlines()]
    stored = [e for e in events if e.get("event") == "intake.stored"]
    filed = [e for e in events if e.get("event") == "filing.filed"]
    assert len(stored) == 1 and isinstance(stored[0]["mail"], int) and stored[0]["sha256"]
    assert filed and filed[0]["issue"].startswith("SPOC-") and filed[0]["mail"] == stored[0]["mail"]
    assert all({"ts", "level", "logger", "msg"} <= set(e) for e in events)
