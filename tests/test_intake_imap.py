"""Intake from a real Dovecot through the CLI and the daemon: every mail stored exactly once, byte for byte."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from spocmail.db import Database
from spocmail.db.mail import Message, MessageRaw
from tests.helpers import make_project

PASSWORD_ENV = "SPOCMAIL_TEST_IMAP_PASSWORD"


def sample(n: int) -> bytes:
    return (f"From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\n"
            f"Subject: Question {n}\r\nDate: Mon, 23 Nov 2026 08:{n % 60:02d}:00 +0000\r\n"
            f"Message-ID: <imap-{n}@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Transfer-Encoding: 8bit\r\n\r\nThanks \u2014 no reply needed for note {n}.\r\n").encode()


def imap_project(tmp_path, server, db_url, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, server.password)
    mailbox = (f'[mailbox]\nkind = "imap"\nhost = "{server.host}"\nport = {server.port}\nsecurity = "none"\n'
               f'username = "{server.user}"\npassword_env = "{PASSWORD_ENV}"\npoll_seconds = 5\n'
               f'batch_size = 37\ntimeout_seconds = 10\n')
    return make_project(tmp_path / "p", db_url, mailbox=mailbox)


def stored(db_url: str) -> list[bytes]:
    database = Database(db_url)
    with database.session() as s:
        raws = list(s.scalars(select(MessageRaw.raw).join(Message, Message.id == MessageRaw.message_pk)
                              .where(Message.direction == "in").order_by(Message.id)))
    database.dispose()
    return raws


def test_200_mails_polled_twice_are_stored_exactly_once_and_unchanged(tmp_path, imap, db_url, monkeypatch):
    project = imap_project(tmp_path, imap, db_url, monkeypatch)
    sent = [sample(n) for n in range(200)]
    imap.append_many(sent)
    first = project.ok("poll", "--once", "--json").json()
    second = project.ok("poll", "--once", "--json").json()
    assert (first["fetched"], first["stored"], first["duplicates"]) == (200, 200, 0)
    assert (second["fetched"], second["stored"]) == (0, 0)
    assert sorted(stored(db_url)) == sorted(sent)  # byte for byte
    assert imap.list_folder("INBOX") == [] and len(imap.list_folder("Processed")) == 200


def test_a_changed_uidvalidity_causes_no_duplicates(tmp_path, imap, db_url, monkeypatch):
    project = imap_project(tmp_path, imap, db_url, monkeypatch)
    imap.append_many([sample(n) for n in range(5)])
    # the server loses our MOVE (as after a crash between commit and acknowledge) and rebuilds its index
    import spocmail.intake.imap as imap_mod
    monkeypatch.setattr(imap_mod.ImapMailbox, "mark_processed", lambda self, mail: None)
    monkeypatch.setattr(imap_mod.ImapMailbox, "mark_processed_many", lambda self, mails: None)
    assert project.ok("poll", "--once", "--json").json()["stored"] == 5
    monkeypatch.undo()
    monkeypatch.setenv(PASSWORD_ENV, imap.password)
    imap.new_uidvalidity("INBOX")
    again = project.ok("poll", "--once", "--json").json()
    assert (again["fetched"], again["stored"], again["duplicates"]) == (5, 0, 5)
    assert len(stored(db_url)) == 5
    assert imap.list_folder("INBOX") == []


def test_a_refused_login_names_the_account_not_the_password(tmp_path, fresh_dovecot, monkeypatch):
    project = imap_project(tmp_path, fresh_dovecot, f"sqlite:///{tmp_path}/x.db", monkeypatch)
    monkeypatch.setenv(PASSWORD_ENV, "wrong-secret-xyz")
    result = project.run("poll", "--once", "--json")
    assert result.code == 1
    assert "spoc@" in result.err and "wrong-secret-xyz" not in result.err + result.out


class Daemon:
    """`spocmail run` as a real process, stopped with SIGTERM."""

    def __init__(self, project, env):
        self.log = project.dir / "daemon.log"
        self.proc = subprocess.Popen([sys.executable, "-m", "spocmail", "--config", str(project.config), "--now",
                                      project.now, "run", "--jobs-every", "0"], env=env, stdout=subprocess.PIPE,
                                     stderr=open(self.log, "wb"))

    def wait_for_log(self, text: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log.read_text(errors="replace"):
                return
            assert self.proc.poll() is None, self.log.read_text()
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not logged in {timeout}s:\n{self.log.read_text()}")

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=20)


def wait_stored(db_url: str, count: int, timeout: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if len(stored(db_url)) >= count:
            return time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError(f"{count} mails not stored within {timeout}s (have {len(stored(db_url))})")


@pytest.fixture
def daemon_env(monkeypatch):
    def make(server):
        return {**os.environ, PASSWORD_ENV: server.password, "PYTHONUNBUFFERED": "1"}
    return make


def test_mail_appended_while_the_daemon_idles_is_stored_within_two_seconds(tmp_path, imap, db_url, monkeypatch,
                                                                           daemon_env):
    project = imap_project(tmp_path, imap, db_url, monkeypatch)
    daemon = Daemon(project, daemon_env(imap))
    try:
        daemon.wait_for_log("poll finished")
        time.sleep(0.3)  # now inside IDLE
        imap.append(sample(1))
        assert wait_stored(db_url, 1, timeout=5) < 2.0
    finally:
        code = daemon.stop()
    assert code == 0
    assert "daemon stopped" in daemon.log.read_text()


def test_mail_arriving_during_a_pass_is_fetched_straight_after_it(tmp_path, imap, db_url, monkeypatch, daemon_env):
    """IDLE starts after the pass: what arrived while the pass worked must not wait for poll_seconds (5 here)."""
    project = imap_project(tmp_path, imap, db_url, monkeypatch)
    imap.append_many([sample(n) for n in range(40)])
    daemon = Daemon(project, daemon_env(imap))
    try:
        # the pass has searched the folder: what comes now is for the next. Its first mail's log line, not
        # its first stored row: a batch's rows are committed together, 37 of the 40 here, near the pass's end
        daemon.wait_for_log("event=intake.stored")
        imap.append(sample(99))
        daemon.wait_for_log("poll finished")
        assert wait_stored(db_url, 41, timeout=15) < 3.0
    finally:
        assert daemon.stop() == 0


def test_the_daemon_recovers_a_dropped_connection(tmp_path, imap, monkeypatch, daemon_env):
    db_url = f"sqlite:///{tmp_path}/d.db"
    project = imap_project(tmp_path, imap, db_url, monkeypatch)
    daemon = Daemon(project, daemon_env(imap))
    try:
        daemon.wait_for_log("poll finished")
        imap.kick()
        time.sleep(0.3)
        imap.append(sample(2))
        wait_stored(db_url, 1, timeout=15)
    finally:
        assert daemon.stop() == 0
