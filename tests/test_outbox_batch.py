"""One commit per mail: a mail that went is recorded as sent in the commit that claims the next one. A process killed
in between (after the data, before that commit) leaves the mail "sending": the next flush puts it to the SPOC as
uncertain and never resends it; the mails before it stay sent, the mails after it are sent once."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import timedelta

from sqlalchemy import func, select

from spocmail import outbox
from spocmail.clock import Clock
from spocmail.db.audit import AuditEntry
from spocmail.db.outbox import OutboxMail
from tests.test_outbox import NOW, database, queue, row, smtp_to, weekly  # noqa: F401  (fixture)

KILLER = textwrap.dedent("""
    import os, sys
    from datetime import datetime, timezone
    from spocmail import db as dbmod, outbox
    from spocmail.clock import Clock
    from spocmail.transport import SmtpTransport

    url, host, port, kill_at = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    database = dbmod.Database(url)
    copies = []

    def sent_copy(raw):  # runs after the server took the mail, before it is recorded as sent
        copies.append(raw)
        if len(copies) == kill_at:
            os._exit(9)  # as SIGKILL: no finally, no commit

    outbox.flush(database, SmtpTransport(host, port, "none", timeout=10),
                 Clock(datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc)), sent_copy=sent_copy)
""")


def test_a_kill_after_the_data_and_before_the_settling_commit_leaves_it_uncertain_never_resent(database, smtp,
                                                                                               db_url):
    ids = [queue(database, weekly(n)) for n in range(5)]
    done = subprocess.run([sys.executable, "-c", KILLER, db_url, smtp.host, str(smtp.port), "3"],
                          capture_output=True, timeout=60)
    assert done.returncode == 9, done.stderr.decode()[-2000:]
    assert len(smtp.messages) == 3  # the third went, and then the process died
    states = [row(database, i).state for i in ids]
    assert states == ["sent", "sent", "sending", "queued", "queued"]

    result = outbox.flush(database, smtp_to(smtp), Clock(NOW + timedelta(minutes=15)))
    assert result.uncertain == 1 and result.sent == 2
    assert [row(database, i).state for i in ids] == ["sent", "sent", "uncertain", "sent", "sent"]
    assert outbox.flush(database, smtp_to(smtp), Clock(NOW + timedelta(days=1))).sent == 0
    arrived = [m.content for m in smtp.messages]
    assert len(arrived) == 5 and len(set(arrived)) == 5  # each once: the uncertain one was not sent again
    with database.session() as s:
        sent_audits = s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "outbox.sent"))
        assert sent_audits == 4


def test_a_flush_commits_once_per_mail_and_records_each_send_and_copy(database, smtp):
    ids = [queue(database, weekly(n)) for n in range(4)]
    copies = []
    commits = []
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    def count(session):
        commits.append(1)

    event.listen(Session, "after_commit", count)
    try:
        result = outbox.flush(database, smtp_to(smtp), Clock(NOW), sent_copy=copies.append)
    finally:
        event.remove(Session, "after_commit", count)
    assert result.sent == 4 and len(copies) == 4
    # a stale check, the due list, then one commit per claim (carrying the previous mail's settling) and one last
    assert len(commits) <= 2 + len(ids) + 1, len(commits)
    for i in ids:
        mail = row(database, i)
        assert mail.state == "sent" and mail.sent_at == NOW and mail.sent_copy_at == NOW
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMail).where(OutboxMail.state == "sent")) == 4
