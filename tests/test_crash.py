"""`spocmail run` killed with SIGKILL at random moments while it works through a backlog loses no mail,
files none twice and sends none twice: after the last restart every mail is stored once, every request is
one issue with one officer request, and every outgoing mail reached the SMTP server at most once (a mail
cut off mid-send is "uncertain" and put to the SPOC, never resent)."""

from __future__ import annotations

import email
import random
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from spocmail.db import Database
from spocmail.db.mail import Message
from spocmail.db.outbox import OutboxMail

from .servers import DovecotServer, SmtpSink
from .test_two_daemons import filed_once, project_for, request, start

REQUESTS, REPEATS, KILLS = 80, 8, 10


def _last_event(log: Path) -> str:
    """The event the daemon logged last before it was killed: where in its work the kill fell."""
    for line in reversed(log.read_text(errors="replace").splitlines()):
        for word in line.split():
            if word.startswith("event="):
                return word[len("event="):]
    return "(start-up)"


WORK = ("intake.stored", "filing.filed", "pipeline.done", "outbox.sent")


def _work_done(log: Path) -> int:
    text = log.read_text(errors="replace")
    return sum(text.count(f"event={e} ") + text.count(f"event={e}\n") for e in WORK)


def _idle_again(log: Path) -> bool:
    """The daemon did some work and then went back to waiting for mail: kill now or never mid-work."""
    text = log.read_text(errors="replace")
    last = max(text.rfind(f"event={e}") for e in WORK)
    return last >= 0 and text.find("event=intake.poll", last) >= 0


def test_sigkill_at_random_moments_loses_nothing_and_sends_nothing_twice(tmp_path: Path, db_url: str,
                                                                         imap: DovecotServer, smtp: SmtpSink,
                                                                         monkeypatch: pytest.MonkeyPatch):
    p = project_for(tmp_path, db_url, imap, smtp, monkeypatch)
    mails = []
    for i in range(REQUESTS):
        mails.append(request(i))
        if i % (REQUESTS // REPEATS) == 0:
            mails.append(request(i, copy=1))
    rng = random.Random(14)
    db = Database(db_url)
    kill_points = Counter()
    chunk = -(-len(mails) // KILLS)
    try:
        for k in range(KILLS):
            imap.append_many(mails[k * chunk:(k + 1) * chunk])  # fresh work for each life of the daemon
            proc, log = start(p, f"killed-{k}")
            # Kill after a random number of steps of work (storing, filing, sending), not after a random time:
            # a faster daemon would finish a life's few mails inside any fixed delay and be killed idle.
            target = rng.randint(1, 3 * chunk)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and _work_done(log) < target and not _idle_again(log):
                assert proc.poll() is None, log.read_text()[-3000:]
                time.sleep(0.005)
            time.sleep(rng.uniform(0.0, 0.02))
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            kill_points[_last_event(log)] += 1
        proc, log = start(p, "last")
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            with db.session() as s:
                done = s.scalar(select(func.count()).select_from(Message).where(Message.state == "done",
                                                                                Message.direction == "in"))
                queued = s.scalar(select(func.count()).select_from(OutboxMail)
                                  .where(OutboxMail.state == "queued"))
            polled = "event=intake.poll " in log.read_text(errors="replace")  # the last daemon did a pass
            if polled and done >= len(mails) and queued == 0 and not imap.list_folder("INBOX"):
                break
            assert proc.poll() is None, log.read_text()[-3000:]
            time.sleep(0.5)
        else:
            with db.session() as s:
                states = s.execute(select(Message.direction, Message.state, func.count())
                                   .group_by(Message.direction, Message.state)).all()
            raise AssertionError(f"not done after the last restart: {done} of {len(mails)} handled; {states}; "
                                 f"kills at {dict(kill_points)}")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0, log.read_text()[-3000:]
        rows = filed_once(db, len(mails), REQUESTS)
    finally:
        db.dispose()
    states = Counter(r.state for r in rows)
    assert set(states) <= {"sent", "uncertain"}, states  # nothing left behind, nothing failed
    assert sum(1 for r in rows if r.kind == "officer_request") == REQUESTS
    arrived = Counter(email.message_from_bytes(m.content)["Message-ID"] for m in smtp.messages)
    assert max(arrived.values()) == 1, [m for m, n in arrived.items() if n > 1]  # never sent twice
    sent_ids = {r.message_id for r in rows if r.state == "sent"}
    assert sent_ids <= set(arrived), sent_ids - set(arrived)  # "sent" means the server has it
    assert set(arrived) <= {r.message_id for r in rows}
    # the kills fell in the work, not while idle (otherwise this proves little)
    busy = sum(n for point, n in kill_points.items() if point not in ("intake.poll", "schedule.run_due"))
    assert busy >= KILLS // 2, kill_points
    print(f"kill points: {dict(kill_points)}; outbox: {dict(states)}")
