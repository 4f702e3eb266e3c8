"""A crash between the sends and their batched copy to Sent (spocmail.outbox.copy_missing): the mails stay
sent, never resent, and the next flush makes each missing copy in the real Dovecot's Sent folder once,
finding by Message-ID a copy the crashed process had made before it died."""

from __future__ import annotations

import email
import subprocess
import sys
import textwrap
from datetime import timedelta

import pytest

from spocmail import outbox
from spocmail.clock import Clock
from spocmail.intake.imap import ImapMailbox
from tests.test_outbox import NOW, database, queue, row, weekly  # noqa: F401  (fixture)

KILLER = textwrap.dedent("""
    import os, sys
    from datetime import datetime, timezone
    from spocmail import db as dbmod, outbox
    from spocmail.clock import Clock
    from spocmail.intake.imap import ImapMailbox
    from spocmail.transport import SmtpTransport

    url, smtp_host, smtp_port, imap_host, imap_port, user, password, when = sys.argv[1:9]
    database = dbmod.Database(url)
    box = ImapMailbox(host=imap_host, port=int(imap_port), security="none", username=user, password=password,
                      timeout=10.0)

    def copies(raws):  # the batched copy, after the mails went: die before it, or after the APPEND
        if when == "after":
            box.append_many("Sent", raws, flags=["\\\\Seen"])
        os._exit(9)  # as SIGKILL: no finally, no commit

    outbox.flush(database, SmtpTransport(smtp_host, int(smtp_port), "none", timeout=10),
                 Clock(datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc)),
                 sent_copy=lambda raw: box.append("Sent", raw), sent_copies=copies)
""")


def _ids_in_sent(imap) -> list[str]:
    return [email.message_from_bytes(raw)["Message-ID"] for raw in imap.list_folder("Sent")]


@pytest.mark.parametrize("when", ["before", "after"])
def test_copies_a_crash_left_unmade_are_made_once_and_nothing_is_resent(database, smtp, imap, db_url, when):
    ids = [queue(database, weekly(n)) for n in range(4)]
    done = subprocess.run([sys.executable, "-c", KILLER, db_url, smtp.host, str(smtp.port), imap.host,
                           str(imap.port), imap.user, imap.password, when], capture_output=True, timeout=120)
    assert done.returncode == 9, done.stderr.decode()[-2000:]
    assert len(smtp.messages) == 4
    # the first three were recorded sent (in the commit claiming the next); the last one's record died too
    assert [row(database, i).state for i in ids] == ["sent", "sent", "sent", "sending"]
    assert all(row(database, i).sent_copy_at is None for i in ids)
    already = _ids_in_sent(imap)
    assert len(already) == (4 if when == "after" else 0)

    box = ImapMailbox(host=imap.host, port=imap.port, security="none", username=imap.user,
                      password=imap.password, timeout=10.0)
    try:
        def checked(raw: bytes) -> None:  # exactly what spocmail.sending hands it
            box.append("Sent", raw, flags=["\\Seen"], maybe_stored=True)

        # too soon: a live flush of another daemon may still be copying its batch
        assert outbox.copy_missing(database, checked, Clock(NOW + timedelta(minutes=5))) == 0
        assert _ids_in_sent(imap) == already
        later = Clock(NOW + timedelta(minutes=31))
        assert outbox.copy_missing(database, checked, later) == 3
        assert outbox.copy_missing(database, checked, Clock(NOW + timedelta(minutes=32))) == 0  # once
    finally:
        box.close()
    in_sent = _ids_in_sent(imap)
    sent_ids = [row(database, i).message_id for i in ids[:3]]
    for mid in sent_ids:
        assert in_sent.count(mid) == 1, (mid, in_sent)  # made once, or found where the crash had made it
    for i in ids[:3]:
        mail = row(database, i)
        assert mail.state == "sent" and mail.sent_copy_at is not None and mail.sent_copy_error is None
    # nothing was sent again: the catch-up copies, it never sends
    assert len(smtp.messages) == 4
    assert row(database, ids[3]).state == "sending"  # the uncertain one is the next flush's, for the SPOC


def test_a_copy_that_fails_is_recorded_and_not_tried_again(database, smtp):
    from tests.test_outbox import smtp_to

    ids = [queue(database, weekly(n)) for n in range(2)]
    result = outbox.flush(database, smtp_to(smtp), Clock(NOW), sent_copy=lambda raw: None)
    assert result.sent == 2
    with database.session() as s:  # as a crash leaves them: sent, no copy recorded
        from sqlalchemy import update

        from spocmail.db.outbox import OutboxMail
        s.execute(update(OutboxMail).values(sent_copy_at=None, sent_copy_error=None))
    tries = []

    def refused(raw: bytes) -> None:
        tries.append(raw)
        raise OSError("Sent is over quota")

    later = Clock(NOW + timedelta(hours=1))
    assert outbox.copy_missing(database, refused, later) == 0
    assert len(tries) == 2
    for i in ids:
        assert "over quota" in row(database, i).sent_copy_error  # shown by `outbox list`
    assert outbox.copy_missing(database, refused, later) == 0 and len(tries) == 2


@pytest.mark.parametrize("appended", [False, True], ids=["died-before-append", "died-after-append"])
def test_a_late_copy_a_crash_interrupted_is_claimed_again_later_and_made_once(database, smtp, imap, appended):
    from sqlalchemy import update

    from spocmail.db.outbox import OutboxMail
    from tests.test_outbox import smtp_to

    ids = [queue(database, weekly(n)) for n in range(2)]
    assert outbox.flush(database, smtp_to(smtp), Clock(NOW), sent_copy=lambda raw: None).sent == 2
    with database.session() as s:  # as the crash between the sends and their copies leaves them
        s.execute(update(OutboxMail).values(sent_copy_at=None, sent_copy_error=None))
    box = ImapMailbox(host=imap.host, port=imap.port, security="none", username=imap.user,
                      password=imap.password, timeout=10.0)
    try:
        def killed(raw: bytes) -> None:  # the late copy's own process dies, the first mail claimed
            if appended:
                box.append("Sent", raw, flags=["\\Seen"])
            raise SystemExit(9)

        def checked(raw: bytes) -> None:
            box.append("Sent", raw, flags=["\\Seen"], maybe_stored=True)

        first = NOW + timedelta(minutes=31)
        with pytest.raises(SystemExit):
            outbox.copy_missing(database, killed, Clock(first))
        assert row(database, ids[0]).sent_copy_error.startswith(outbox.LATE_COPY_MARK)  # shown by `outbox list`
        # soon after, the mark is another process's copy in progress: left alone; the unclaimed one is made
        assert outbox.copy_missing(database, checked, Clock(first + timedelta(minutes=10))) == 1
        assert row(database, ids[0]).sent_copy_error.startswith(outbox.LATE_COPY_MARK)
        # no copy takes half an hour: the mark's process is gone, the copy is claimed again and made
        assert outbox.copy_missing(database, checked, Clock(first + timedelta(minutes=31))) == 1
        assert outbox.copy_missing(database, checked, Clock(first + timedelta(hours=2))) == 0  # once
    finally:
        box.close()
    in_sent = _ids_in_sent(imap)
    for i in ids:
        mail = row(database, i)
        assert mail.sent_copy_at is not None and mail.sent_copy_error is None
        assert in_sent.count(mail.message_id) == 1, (mail.message_id, in_sent)
    assert len(smtp.messages) == 2  # nothing sent again


def test_the_flush_of_a_poll_makes_the_missing_copies(tmp_path, db_url, imap, smtp, monkeypatch):
    """The wiring: spocmail.sending's flush (as `poll` and the daemon run it) catches up on IMAP."""
    from sqlalchemy import update

    from spocmail import config as config_mod
    from spocmail.db import Database
    from spocmail.db.outbox import OutboxMail
    from spocmail.sending import flush_outbox
    from tests.test_intake_imap import imap_project

    project = imap_project(tmp_path, imap, db_url, monkeypatch)
    text = project.config.read_text(encoding="utf-8")
    assert '[smtp]\nkind = "file"\ndir = "outbox"\n' in text
    project.config.write_text(text.replace('[smtp]\nkind = "file"\ndir = "outbox"\n', f'[smtp]\nkind = "smtp"\nhost = '
                                           f'"{smtp.host}"\nport = {smtp.port}\nsecurity = "none"\n'), encoding="utf-8")
    config = config_mod.load(project.config)
    db = Database(config.database.url)
    try:
        ids = [queue(db, weekly(n)) for n in range(3)]
        assert flush_outbox(config, db, Clock(NOW))["sent"] == 3
        assert len(_ids_in_sent(imap)) == 3
        imap.reset()  # as if the copies had never been made, and the crash had left them unrecorded
        with db.session() as s:
            s.execute(update(OutboxMail).values(sent_copy_at=None, sent_copy_error=None))
        flush_outbox(config, db, Clock(NOW + timedelta(minutes=10)))
        assert _ids_in_sent(imap) == []  # not yet: it could be a live batch of another daemon
        flush_outbox(config, db, Clock(NOW + timedelta(minutes=45)))
        assert sorted(_ids_in_sent(imap)) == sorted(row(db, i).message_id for i in ids)
        assert len(smtp.messages) == 3  # copied, never resent
    finally:
        db.dispose()
