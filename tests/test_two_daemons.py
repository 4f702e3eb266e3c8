"""Two `spocmail run` processes on one PostgreSQL database and one IMAP mailbox work as one: each mail is
stored once and filed once (repeats join their issue however the two interleave), each outgoing mail is sent
once, and neither crashes on the other's work. Two simultaneous approvals of one weekly draft send it once."""

from __future__ import annotations

import email
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from spocmail.db import Database
from spocmail.db.issues import Issue, OfficerRequest
from spocmail.db.mail import MailLocation, Message
from spocmail.db.outbox import OutboxMail

from .helpers import make_project, unrestricted_register
from .servers import DovecotServer, SmtpSink

PASSWORD_ENV = "SPOCMAIL_TEST_IMAP_PASSWORD"
NOW = "2026-11-30T10:00"
REQUESTS, REPEATS = 200, 10


STREETS = ["Mill Road", "Station Lane", "Church Street", "Orchard Close", "Victoria Avenue", "Bridge End",
           "Kingsway", "Elm Grove", "Market Square", "Hawthorn Drive", "Quarry Hill", "Riverside Walk",
           "Beacon Rise", "Foundry Yard", "Willow Crescent", "Abbey Gardens", "Tanners Row", "Nightingale Way",
           "Castle Mews", "Old Forge Lane"]
PROBLEMS = ["a pothole that has cracked a tyre", "a streetlight that stays dark all night",
            "fly-tipped mattresses blocking the pavement", "a blocked gully flooding the road",
            "graffiti sprayed across the bus shelter", "an overflowing litter bin attracting rats",
            "a fallen tree branch over the footpath", "broken glass in the children's play area",
            "a missing drain cover by the crossing", "weeds growing through the new paving"]


def request(i: int, copy: int = 0) -> bytes:
    street, problem = STREETS[i % len(STREETS)], PROBLEMS[i // len(STREETS)]
    return (f"From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\n"
            f"Subject: {problem.split(' ')[1].capitalize()} on {street}\r\n"
            f"Date: Mon, 30 Nov 2026 08:{i % 60:02d}:00 +0000\r\nMessage-ID: <two-{i}-{copy}@example.org>\r\n\r\n"
            f"Please deal with {problem} on {street}, near house {i + 1}.\r\n").encode()


def project_for(tmp_path: Path, db_url: str, imap: DovecotServer, smtp: SmtpSink, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, imap.password)
    mailbox = (f'[mailbox]\nkind = "imap"\nhost = "{imap.host}"\nport = {imap.port}\nsecurity = "none"\n'
               f'username = "{imap.user}"\npassword_env = "{PASSWORD_ENV}"\npoll_seconds = 1\n'
               f'batch_size = 20\ntimeout_seconds = 10\n')
    p = make_project(tmp_path / "p", db_url, mailbox=mailbox, register=unrestricted_register(tmp_path))
    p.config.write_text(p.config.read_text().replace(
        '[smtp]\nkind = "file"\ndir = "outbox"\n',
        f'[smtp]\nkind = "smtp"\nhost = "{smtp.host}"\nport = {smtp.port}\nsecurity = "none"\n'
        'max_per_address_per_hour = 0\n'  # 200 requests in a minute is the point here, not a flood to stop
        '[officers]\ndigest_after = 0\n'))  # nor a digest: every request goes on its own, to be counted
    return p


def start(p, name: str) -> tuple[subprocess.Popen, Path]:
    log = p.dir / f"{name}.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "spocmail", "--config", str(p.config), "--now", NOW, "run",
                             "--jobs-every", "1"], env=env, stdout=subprocess.DEVNULL, stderr=open(log, "wb"))
    return proc, log


def filed_once(db: Database, mails: int, requests: int) -> list[OutboxMail]:
    """Every mail stored once with one location, each request one issue (repeats joined) with one officer
    request; the outbox rows, for the caller to judge."""
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Message).where(Message.direction == "in")) == mails
        assert s.scalar(select(func.count()).select_from(MailLocation)) == mails
        assert s.scalar(select(func.count()).select_from(Issue)) == requests  # repeats joined, not doubled
        assert s.scalar(select(func.sum(Issue.contacts))) == mails
        assert s.scalar(select(func.count()).select_from(OfficerRequest)) == requests
        return s.scalars(select(OutboxMail)).all()


def test_two_daemons_on_one_database_and_mailbox_work_as_one(tmp_path: Path, postgres_server, imap: DovecotServer,
                                                              smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch):
    db_url = postgres_server.url_for(postgres_server.create_database())
    p = project_for(tmp_path, db_url, imap, smtp, monkeypatch)
    mails = []
    for i in range(REQUESTS):
        mails.append(request(i))
        if i % (REQUESTS // REPEATS) == 0:
            mails.append(request(i, copy=1))  # the same request again, right behind it: the race to file
    daemons = [start(p, "a"), start(p, "b")]
    time.sleep(2.0)  # both up, idle in IDLE on the same INBOX
    imap.append_many(mails)
    db = Database(db_url)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            with db.session() as s:
                done = s.scalar(select(func.count()).select_from(Message).where(Message.state == "done",
                                                                                Message.direction == "in"))
                queued = s.scalar(select(func.count()).select_from(OutboxMail)
                                  .where(OutboxMail.state.in_(("queued", "sending"))))
            if done >= len(mails) and queued == 0 and not imap.list_folder("INBOX"):
                break
            for proc, log in daemons:
                assert proc.poll() is None, log.read_text()[-3000:]
            time.sleep(0.5)
        else:
            raise AssertionError(f"not done in time: {done} of {len(mails)} handled")
    finally:
        codes = []
        for proc, _log in daemons:
            proc.send_signal(2)
        for proc, _log in daemons:
            try:
                codes.append(proc.wait(timeout=30))
            except subprocess.TimeoutExpired:
                proc.kill()
                codes.append("killed")
    logs = {log.name: log.read_text() for _p, log in daemons}
    assert codes == [0, 0], {k: v[-3000:] for k, v in logs.items()}
    for name, text in logs.items():
        assert "Traceback" not in text and "UniqueViolation" not in text, (name, text[-3000:])
        assert "pipeline.failed" not in text and "deadlock" not in text, (name, text[-3000:])  # no retries needed
    rows = filed_once(db, len(mails), REQUESTS)
    db.dispose()
    assert all(r.state == "sent" and r.attempts == 1 for r in rows), Counter((r.state, r.attempts) for r in rows)
    arrived = Counter(email.message_from_bytes(m.content)["Message-ID"] for m in smtp.messages)
    assert sum(arrived.values()) == len(rows) and max(arrived.values()) == 1  # each mail went once
    kinds = Counter(r.kind for r in rows)
    assert kinds["officer_request"] == REQUESTS, kinds
    # both took part (otherwise this proves nothing about two daemons)
    shares = {name: text.count("event=pipeline.done") for name, text in logs.items()}
    assert sum(shares.values()) == len(mails) and min(shares.values()) >= 10, shares


def test_two_simultaneous_approvals_send_the_weekly_response_once(tmp_path: Path, postgres_server,
                                                                   monkeypatch: pytest.MonkeyPatch):
    db_url = postgres_server.url_for(postgres_server.create_database())
    p = make_project(tmp_path / "p", db_url)
    from .helpers import deliver

    deliver(p.maildir, request(1))
    p.ok("poll", "--once", "--now", "2026-11-30T10:00")
    p.ok("weekly", "preview", "jordan", "--now", "2026-12-04T11:00")
    env = {**os.environ, "SPOCMAIL_CONFIG": str(p.config)}
    cmd = [sys.executable, "-m", "spocmail", "--now", "2026-12-04T12:00", "weekly", "send", "jordan", "--approve",
           "--json"]
    for _round in range(3):
        procs = [subprocess.Popen(cmd, env=env, cwd=p.dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for _ in range(2)]
        outs = [(proc.wait(timeout=60), *proc.communicate()) for proc in procs]
        for code, out, err in outs:
            assert code == 0 and b"Traceback" not in err, err.decode()[-2000:]
    db = Database(db_url)
    with db.session() as s:
        weekly = s.scalars(select(OutboxMail).where(OutboxMail.kind == "weekly")).all()
    db.dispose()
    assert len(weekly) == 1, [w.message_id for w in weekly]
