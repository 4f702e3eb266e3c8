"""The SPOC's commands for the outbox: a mail left mid-send by a crash is shown, and sent again only on their word."""

from sqlalchemy import update

from spocmail.db import Database
from spocmail.db.outbox import OutboxMail
from tests.helpers import deliver
from tests.helpers import make_project
from tests.test_weekly_cycle import THREE


def test_an_uncertain_mail_waits_for_the_spoc_and_is_resent_only_when_released(tmp_path):
    p = make_project(tmp_path / "p", f"sqlite:///{tmp_path}/p/db.sqlite")
    deliver(p.maildir, THREE)
    p.ok("poll", "--once", "--now", "2026-11-23T09:00")
    sent = p.ok("outbox", "list", "--state", "sent", "--json").json()
    victim = sent[0]["id"]
    database = Database(f"sqlite:///{tmp_path}/p/db.sqlite")
    with database.session() as s:  # as if the daemon died during the SMTP conversation
        s.execute(update(OutboxMail).where(OutboxMail.id == victim).values(state="sending"))
    database.dispose()
    files_before = len(list((p.dir / "outbox").glob("*.eml")))
    p.ok("outbox", "flush", "--now", "2026-11-23T10:00")
    uncertain = p.ok("outbox", "list", "--state", "uncertain", "--json").json()
    assert [r["id"] for r in uncertain] == [victim]
    p.ok("outbox", "flush", "--now", "2026-11-23T11:00")
    assert [r["id"] for r in p.ok("outbox", "list", "--state", "uncertain", "--json").json()] == [victim]
    p.ok("outbox", "release", str(victim), "--as", "resend", "--now", "2026-11-23T11:05")
    result = p.ok("outbox", "flush", "--json", "--now", "2026-11-23T11:06").json()
    assert result["sent"] == 1
    assert len(list((p.dir / "outbox").glob("*.eml"))) == files_before  # the file transport rewrote the same mail


def test_release_needs_a_decision(tmp_path):
    p = make_project(tmp_path / "p", f"sqlite:///{tmp_path}/p/db.sqlite")
    result = p.run("outbox", "release", "1")
    assert result.code == 2 and "--as" in result.err
