"""The outbox through a real SMTP sink on SQLite and PostgreSQL: queued first, sent at most once, never guessed."""

from __future__ import annotations

import hashlib
import logging
import threading
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.parser import BytesParser
from email import policy

import pytest
from sqlalchemy import select, update

from spocmail import db as dbmod
from spocmail import outbox
from spocmail.clock import Clock
from spocmail.db.audit import AuditEntry
from spocmail.db.mail import Message
from spocmail.db.outbox import OutboxMail
from spocmail.transport import DeliveryUncertain, FileTransport, SmtpTransport, TransportError

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc)


def weekly(n: int = 1, *, bcc: str | None = "deputy@council.example", to: str = "Jordan Example <jordan@example.org>",
           cc: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Single Point of Contact <spoc@council.example>"
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    if bcc:
        msg["Bcc"] = bcc
    msg["Subject"] = f"Your weekly update {n} \u2013 Stra\u00dfe Road"
    msg.set_content(f"Dear Jordan,\n\nUpdate {n}: the street light is fixed.\n.\nA line with a lone dot above.\n")
    return msg


@pytest.fixture
def database(db_url):
    dbmod.upgrade(db_url)
    database = dbmod.Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def sink(smtp):
    return smtp


def smtp_to(sink) -> SmtpTransport:
    return SmtpTransport(sink.host, sink.port, "none", timeout=10)


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def outbox_log():
    """Outbox events, caught on the outbox logger itself whatever logging setup did to propagation."""
    logger = logging.getLogger("spocmail.outbox")
    handler, level = Collect(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def events(log: Collect, name: str) -> list[logging.LogRecord]:
    return [r for r in log.records if getattr(r, "event", None) == name]


def queue(database, msg: EmailMessage | None = None, **kwargs) -> int:
    kwargs.setdefault("kind", "weekly")
    kwargs.setdefault("now", NOW)
    with database.session() as s:
        return outbox.queue(s, msg or weekly(), **kwargs).id


def row(database, outbox_id: int) -> OutboxMail:
    with database.session() as s:
        return s.get(OutboxMail, outbox_id)


def audits(database, action: str) -> list[AuditEntry]:
    with database.session() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


# -- queueing -------------------------------------------------------------------------------------


def test_queueing_stores_the_exact_bytes_with_message_id_and_date_from_now(database):
    oid = queue(database)
    mail = row(database, oid)
    assert mail.state == "queued" and mail.attempts == 0 and mail.queued_at == NOW
    parsed = BytesParser(policy=policy.default).parsebytes(mail.raw)
    assert parsed["Message-ID"] == mail.message_id
    assert mail.message_id.startswith("<20261123093000.") and mail.message_id.endswith("@council.example>")
    assert parsed["Date"] == "Mon, 23 Nov 2026 09:30:00 +0000"
    assert b"\r\n" in mail.raw and b"\n" not in mail.raw.replace(b"\r\n", b"")


def test_a_message_id_the_caller_chose_is_kept(database):
    msg = weekly()
    msg["Message-ID"] = "<chosen.1@council.example>"
    msg["Date"] = "Sun, 22 Nov 2026 18:00:00 +0000"
    mail = row(database, queue(database, msg))
    assert mail.message_id == "<chosen.1@council.example>"
    assert b"Date: Sun, 22 Nov 2026 18:00:00 +0000\r\n" in mail.raw
    assert msg["Bcc"] == "deputy@council.example"  # the caller's message is not changed


def test_bcc_is_in_the_envelope_and_not_in_the_bytes(database):
    mail = row(database, queue(database, weekly(cc="Ward Member <member@council.example>")))
    assert mail.recipients == ["jordan@example.org", "member@council.example", "deputy@council.example"]
    assert b"Bcc" not in mail.raw and b"deputy@" not in mail.raw
    assert mail.mail_from == "spoc@council.example"


def test_the_same_dedupe_key_queued_twice_is_one_mail(database, sink, outbox_log):
    first = queue(database, weekly(1), dedupe_key="weekly:jordan:2026-W48")
    second = queue(database, weekly(1), dedupe_key="weekly:jordan:2026-W48")
    assert first == second
    with database.session() as s:
        assert s.scalar(select(OutboxMail.id).where(OutboxMail.id != first)) is None
        assert len(list(s.scalars(select(Message).where(Message.direction == "out")))) == 1
    assert len(events(outbox_log, "outbox.duplicate")) == 1
    outbox.flush(database, smtp_to(sink), Clock(NOW))
    assert len(sink.messages) == 1


def test_an_answer_approved_twice_concurrently_is_queued_once(database):
    barrier = threading.Barrier(2)
    ids: list[int] = []
    errors: list[BaseException] = []

    def approve():
        try:
            with database.session() as s:
                barrier.wait(timeout=10)
                ids.append(outbox.queue(s, weekly(7), kind="single_issue", now=NOW, dedupe_key="answer:42").id)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=approve) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    assert len(ids) == 2 and ids[0] == ids[1]
    with database.session() as s:
        assert outbox.outbox_status(s)["queued"] == 1


def test_a_message_id_already_queued_for_another_mail_is_refused(database):
    msg = weekly()
    msg["Message-ID"] = "<same@council.example>"
    queue(database, msg)
    other = weekly(2)
    other["Message-ID"] = "<same@council.example>"
    with pytest.raises(outbox.OutboxError, match="already queued as outbox"):
        queue(database, other)


def test_a_mail_without_recipients_is_refused(database):
    msg = EmailMessage()
    msg["From"] = "spoc@council.example"
    msg.set_content("nobody")
    with pytest.raises(outbox.OutboxError, match="no recipient"):
        queue(database, msg)


def test_queueing_commits_with_the_callers_work_or_not_at_all(database):
    with pytest.raises(RuntimeError):
        with database.session() as s:
            outbox.queue(s, weekly(), kind="weekly", now=NOW)
            raise RuntimeError("the approval failed after queueing")
    with database.session() as s:
        assert s.scalar(select(OutboxMail.id)) is None
        assert s.scalar(select(Message.id)) is None


# -- sending --------------------------------------------------------------------------------------


def test_a_queued_mail_is_delivered_once_with_the_right_envelope(database, sink, outbox_log):
    oid = queue(database, related={"issues": [12]})
    result = outbox.flush(database, smtp_to(sink), Clock(NOW + timedelta(minutes=1)))
    assert (result.sent, result.failed, result.retried, result.uncertain) == (1, 0, 0, 0)
    [got] = sink.messages
    assert got.mail_from == "spoc@council.example"
    assert got.rcpt_tos == ("jordan@example.org", "deputy@council.example")
    assert b"Bcc" not in got.content and b"deputy@council.example" not in got.content
    mail = row(database, oid)
    assert mail.state == "sent" and mail.attempts == 1 and mail.sent_at == NOW + timedelta(minutes=1)
    assert mail.related == {"issues": [12]}
    [sent] = events(outbox_log, "outbox.sent")
    assert (sent.outbox, sent.message_id, sent.kind) == (oid, mail.message_id, "weekly")
    assert [a.subject_id for a in audits(database, "outbox.sent")] == [str(oid)]


def test_flushing_twice_sends_once(database, sink):
    queue(database)
    outbox.flush(database, smtp_to(sink), Clock(NOW))
    again = outbox.flush(database, smtp_to(sink), Clock(NOW + timedelta(hours=1)))
    assert again.sent == 0
    assert len(sink.messages) == 1


def test_the_record_holds_exactly_the_bytes_the_server_received(database, sink):
    oid = queue(database, weekly(cc="member@council.example"), related={"issues": [3]})
    outbox.flush(database, smtp_to(sink), Clock(NOW))
    [got] = sink.messages
    with database.session() as s:
        mail = s.get(OutboxMail, oid)
        record = s.get(Message, mail.record_pk)
        # aiosmtplib sends CRLF, which we already store: no normalisation is needed to compare
        assert record.raw == mail.raw == got.content
        assert record.sha256 == hashlib.sha256(got.content).hexdigest()
        assert record.direction == "out" and record.state == "done" and record.stored_at == NOW
        assert record.message_id == mail.message_id
        assert record.from_email == "spoc@council.example"
        assert record.to == ["jordan@example.org"] and record.cc == ["member@council.example"]
        assert record.subject == "Your weekly update 1 \u2013 Stra\u00dfe Road"
        assert record.date_header == NOW


def test_a_mail_is_not_sent_before_its_time(database, sink):
    oid = queue(database, not_before=NOW + timedelta(hours=2))
    assert outbox.flush(database, smtp_to(sink), Clock(NOW + timedelta(hours=1))).sent == 0
    assert sink.messages == [] and row(database, oid).state == "queued"
    assert outbox.flush(database, smtp_to(sink), Clock(NOW + timedelta(hours=2))).sent == 1


def test_mails_go_oldest_first_and_a_limit_is_kept(database, sink):
    ids = [queue(database, weekly(n)) for n in range(3)]
    assert outbox.flush(database, smtp_to(sink), Clock(NOW), limit=2).sent == 2
    sent = [BytesParser(policy=policy.default).parsebytes(m.content)["Message-ID"] for m in sink.messages]
    assert sent == [row(database, i).message_id for i in ids[:2]]


def test_a_temporary_refusal_is_retried_later_and_then_sent_once(database, sink, outbox_log):
    oid = queue(database)
    sink.fail_next(451, "4.7.1 Greylisted, try again later")
    first = outbox.flush(database, smtp_to(sink), Clock(NOW))
    assert first.retried == 1 and sink.messages == []
    mail = row(database, oid)
    assert mail.state == "queued" and mail.attempts == 1 and "451" in mail.last_error
    assert mail.retry_at == NOW + timedelta(minutes=2)
    assert outbox.flush(database, smtp_to(sink), Clock(NOW + timedelta(minutes=1))).sent == 0  # not yet
    assert outbox.flush(database, smtp_to(sink), Clock(NOW + timedelta(minutes=2))).sent == 1
    assert outbox.flush(database, smtp_to(sink), Clock(NOW + timedelta(minutes=30))).sent == 0
    assert len(sink.messages) == 1
    assert row(database, oid).attempts == 2
    assert len(events(outbox_log, "outbox.retry")) == 1


def test_temporary_refusals_give_up_after_five_attempts(database, sink):
    oid = queue(database)
    sink.fail_next(451, "4.3.0 try later", times=5)
    when = NOW
    for _ in range(5):
        outbox.flush(database, smtp_to(sink), Clock(when))
        when += timedelta(hours=2)
    mail = row(database, oid)
    assert mail.state == "failed" and mail.attempts == 5
    assert outbox.flush(database, smtp_to(sink), Clock(when)).sent == 0
    assert sink.messages == []
    assert len(audits(database, "outbox.failed")) == 1


def test_a_permanent_refusal_fails_and_is_not_retried(database, sink):
    oid = queue(database)
    sink.fail_next(550, "5.7.1 Rejected")
    assert outbox.flush(database, smtp_to(sink), Clock(NOW)).failed == 1
    assert outbox.flush(database, smtp_to(sink), Clock(NOW + timedelta(days=1))).sent == 0
    mail = row(database, oid)
    assert mail.state == "failed" and mail.attempts == 1 and "550 5.7.1 Rejected" in mail.last_error
    assert sink.messages == []


def test_partly_refused_recipients_are_recorded(database, sink, outbox_log):
    oid = queue(database, weekly(bcc=None, cc="gone@council.example"))
    sink.fail_next(550, "5.1.1 User unknown", stage="RCPT")  # the first RCPT: jordan
    result = outbox.flush(database, smtp_to(sink), Clock(NOW))
    assert result.sent == 1
    mail = row(database, oid)
    assert mail.state == "sent"
    assert mail.refused == {"jordan@example.org": [550, "5.1.1 User unknown"]}
    assert "jordan@example.org" in mail.last_error
    assert sink.messages[0].rcpt_tos == ("gone@council.example",)
    assert events(outbox_log, "outbox.sent")[0].levelno == logging.WARNING


def test_every_recipient_refused_for_good_is_a_failure(database, sink):
    oid = queue(database, weekly(bcc=None))
    sink.fail_next(550, "5.1.1 User unknown", stage="RCPT")
    assert outbox.flush(database, smtp_to(sink), Clock(NOW)).failed == 1
    assert row(database, oid).state == "failed" and sink.messages == []


def test_every_recipient_refused_for_now_is_retried(database, sink):
    oid = queue(database, weekly(bcc=None))
    sink.fail_next(450, "4.2.1 Mailbox busy", stage="RCPT")
    assert outbox.flush(database, smtp_to(sink), Clock(NOW)).retried == 1
    assert row(database, oid).state == "queued"
    assert outbox.flush(database, smtp_to(sink), Clock(NOW + timedelta(minutes=5))).sent == 1


def test_an_unreachable_server_stops_the_flush_and_uses_up_no_attempts(database, sink):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ids = [queue(database, weekly(n)) for n in range(3)]
    result = outbox.flush(database, SmtpTransport("127.0.0.1", port, "none", timeout=5), Clock(NOW))
    assert result.retried == 1 and result.stopped and "cannot reach" in result.stopped
    assert [row(database, i).attempts for i in ids] == [0, 0, 0]
    assert all(row(database, i).state == "queued" for i in ids)
    assert "cannot reach" in row(database, ids[0]).last_error
    assert outbox.flush(database, smtp_to(sink), Clock(NOW)).sent == 3


# -- never guess ----------------------------------------------------------------------------------


def crash_mid_send(database, oid: int, at: datetime) -> None:
    """What a process killed during the SMTP conversation leaves behind: the row claimed, never settled."""
    with database.session() as s:
        assert outbox.claim(s, oid, at)


def test_a_mail_found_sending_after_a_crash_is_not_resent(database, sink, outbox_log):
    oid = queue(database)
    crash_mid_send(database, oid, NOW)
    result = outbox.flush(database, smtp_to(sink), Clock(NOW + timedelta(minutes=15)))
    assert result.uncertain == 1 and result.sent == 0
    assert outbox.flush(database, smtp_to(sink), Clock(NOW + timedelta(days=1))).sent == 0
    assert sink.messages == []
    mail = row(database, oid)
    assert mail.state == "uncertain" and "stopped before it knew" in mail.last_error
    [warning] = events(outbox_log, "outbox.uncertain")
    assert warning.levelno == logging.WARNING and warning.outbox == oid
    [entry] = audits(database, "outbox.uncertain")
    assert entry.subject_id == str(oid) and entry.detail["message_id"] == mail.message_id


def test_a_mail_another_process_is_sending_right_now_is_left_alone(database, sink):
    oid = queue(database)
    crash_mid_send(database, oid, NOW)  # claimed a moment ago: that process may be mid-conversation
    result = outbox.flush(database, smtp_to(sink), Clock(NOW + timedelta(seconds=30)))
    assert result.uncertain == 0 and result.sent == 0
    assert row(database, oid).state == "sending"
    assert sink.messages == []


def test_a_mail_whose_sending_process_is_gone_is_uncertain_at_once(database, sink):
    import socket
    import subprocess
    import sys

    from spocmail import claims

    oid = queue(database)
    crash_mid_send(database, oid, NOW)
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    who = f"{socket.gethostname()}:{proc.pid}:{claims._start_time(proc.pid)}"
    proc.wait()  # the process that was sending it is gone (killed, or the machine restarted it)
    with database.session() as s:
        s.execute(update(OutboxMail).where(OutboxMail.id == oid).values(sending_by=who))
    result = outbox.flush(database, smtp_to(sink), Clock(NOW + timedelta(seconds=30)))
    assert result.uncertain == 1 and result.sent == 0 and sink.messages == []
    assert row(database, oid).state == "uncertain"


def test_a_connection_cut_while_handing_over_makes_the_mail_uncertain(database):
    class CutOff:
        def send(self, raw, mail_from, recipients):
            raise DeliveryUncertain("the connection broke after the data")

    oid = queue(database)
    assert outbox.flush(database, CutOff(), Clock(NOW)).uncertain == 1
    assert row(database, oid).state == "uncertain"
    assert audits(database, "outbox.uncertain")[0].detail["reason"] == "the connection broke after the data"


def test_an_unforeseen_error_while_sending_makes_the_mail_uncertain_and_stops(database):
    class Broken:
        def send(self, raw, mail_from, recipients):
            raise ValueError("a bug in a transport")

    first, second = queue(database, weekly(1)), queue(database, weekly(2))
    with pytest.raises(ValueError):
        outbox.flush(database, Broken(), Clock(NOW))
    assert row(database, first).state == "uncertain"
    assert row(database, second).state == "queued"


def test_the_spoc_can_send_an_uncertain_mail_again(database, sink):
    oid = queue(database)
    crash_mid_send(database, oid, NOW)
    outbox.flush(database, smtp_to(sink), Clock(NOW + timedelta(hours=1)))
    with database.session() as s:
        outbox.release_uncertain(s, oid, "resend", "alex.spoc", NOW + timedelta(hours=2))
    assert outbox.flush(database, smtp_to(sink), Clock(NOW + timedelta(hours=2))).sent == 1
    assert len(sink.messages) == 1 and row(database, oid).attempts == 2
    [entry] = audits(database, "outbox.released")
    assert entry.actor == "alex.spoc" and entry.detail["decision"] == "resend"


def test_the_spoc_can_say_an_uncertain_mail_went(database, sink):
    oid = queue(database)
    crash_mid_send(database, oid, NOW)
    outbox.flush(database, smtp_to(sink), Clock(NOW + timedelta(hours=1)))
    with database.session() as s:
        outbox.release_uncertain(s, oid, "sent", "alex.spoc", NOW + timedelta(hours=2))
    mail = row(database, oid)
    assert mail.state == "sent" and mail.sent_at == NOW
    assert outbox.flush(database, smtp_to(sink), Clock(NOW + timedelta(hours=3))).sent == 0
    assert sink.messages == []


def test_only_an_uncertain_mail_is_released(database):
    oid = queue(database)
    with database.session() as s, pytest.raises(outbox.OutboxError, match="not uncertain"):
        outbox.release_uncertain(s, oid, "resend", "alex.spoc", NOW)
    with database.session() as s, pytest.raises(outbox.OutboxError, match='"resend" or "sent"'):
        outbox.release_uncertain(s, oid, "maybe", "alex.spoc", NOW)


def test_a_failed_mail_can_be_queued_again_and_a_queued_one_cancelled(database, sink):
    failed = queue(database, weekly(1))
    sink.fail_next(550, "5.7.1 Rejected")
    outbox.flush(database, smtp_to(sink), Clock(NOW))
    cancelled = queue(database, weekly(2), not_before=NOW + timedelta(days=1))
    with database.session() as s:
        outbox.requeue_failed(s, failed, "alex.spoc", NOW)
        outbox.cancel(s, cancelled, "alex.spoc", NOW)
    assert outbox.flush(database, smtp_to(sink), Clock(NOW + timedelta(days=2))).sent == 1
    assert row(database, failed).state == "sent" and row(database, cancelled).state == "cancelled"
    assert len(sink.messages) == 1
    with database.session() as s, pytest.raises(outbox.OutboxError, match="only a queued, failed or uncertain"):
        outbox.cancel(s, failed, "alex.spoc", NOW)


# -- two processes --------------------------------------------------------------------------------


def test_two_claimers_racing_for_one_mail_send_it_once(database, sink):
    """Each claimer has its own session, as two daemons would; the database decides who sends."""
    ids = [queue(database, weekly(n)) for n in range(10)]
    for oid in ids:
        barrier = threading.Barrier(2)
        won: list[bool] = []

        def claimer():
            with database.session() as s:
                barrier.wait(timeout=10)
                won.append(outbox.claim(s, oid, NOW))

        threads = [threading.Thread(target=claimer) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(won) == [False, True], oid
        assert row(database, oid).attempts == 1


def test_two_daemons_flushing_at_once_send_each_mail_once(database, sink):
    ids = [queue(database, weekly(n)) for n in range(30)]
    results: list[outbox.FlushResult] = []
    barrier = threading.Barrier(2)

    def daemon():
        barrier.wait(timeout=10)
        results.append(outbox.flush(database, smtp_to(sink), Clock(NOW)))

    threads = [threading.Thread(target=daemon) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sum(r.sent for r in results) == 30
    assert sum(r.uncertain for r in results) == 0
    ids_received = [BytesParser(policy=policy.default).parsebytes(m.content)["Message-ID"] for m in sink.messages]
    assert sorted(ids_received) == sorted(row(database, i).message_id for i in ids)


# -- the copy in Sent -----------------------------------------------------------------------------


def test_the_sent_copy_reaches_the_mailboxs_sent_folder(database, sink, imap):
    from spocmail.intake.imap import ImapMailbox

    oid = queue(database)
    with ImapMailbox(host=imap.host, port=imap.port, security="none", username=imap.user,
                     password=imap.password, timeout=10) as mailbox:
        result = outbox.flush(database, smtp_to(sink), Clock(NOW),
                              sent_copy=lambda raw: mailbox.append("Sent", raw, flags=["\\Seen"]))
    assert result.sent == 1 and result.copy_failed == 0
    [(_, raw, flags)] = imap.messages("Sent")
    assert raw == row(database, oid).raw == sink.messages[0].content
    assert b"\\Seen" in flags
    assert row(database, oid).sent_copy_at == NOW


def test_sent_copies_go_in_batches_and_each_is_recorded(database, sink, imap, monkeypatch):
    """One MULTIAPPEND per batch (a large Maildir Sent folder is synced once, not once per mail); every copy
    lands once, and each row records its own copy, whether its "sent" was committed before the batch or with it."""
    import imapclient

    from spocmail.intake.imap import ImapMailbox

    monkeypatch.setattr(outbox, "COPY_BATCH", 3)
    ids = [queue(database, weekly(n), dedupe_key=f"batch-{n}") for n in range(7)]
    commands: list[int] = []
    real = imapclient.IMAPClient.multiappend

    def counted(client, folder, msgs):
        msgs = list(msgs)
        commands.append(len(msgs))
        return real(client, folder, msgs)

    monkeypatch.setattr(imapclient.IMAPClient, "multiappend", counted)
    with ImapMailbox(host=imap.host, port=imap.port, security="none", username=imap.user,
                     password=imap.password, timeout=10) as mailbox:
        result = outbox.flush(database, smtp_to(sink), Clock(NOW),
                              sent_copy=lambda raw: mailbox.append("Sent", raw, flags=["\\Seen"]),
                              sent_copies=lambda raws: mailbox.append_many("Sent", raws, flags=["\\Seen"]))
    assert result.sent == 7 and result.copy_failed == 0
    assert commands == [3, 3]  # the last mail alone: a plain APPEND
    copies = imap.messages("Sent")
    assert sorted(raw for _, raw, _ in copies) == sorted(row(database, i).raw for i in ids)
    assert all(b"\\Seen" in flags for _, _, flags in copies)
    assert all(row(database, i).state == "sent" and row(database, i).sent_copy_at == NOW for i in ids)


def test_a_failed_batch_of_copies_is_recorded_on_each_row(database, sink, outbox_log):
    ids = [queue(database, weekly(n), dedupe_key=f"fail-{n}") for n in range(2)]

    def broken(raws: list[bytes]) -> None:
        raise OSError("Sent folder unavailable")

    result = outbox.flush(database, smtp_to(sink), Clock(NOW), sent_copy=lambda raw: None, sent_copies=broken)
    assert result.sent == 2 and result.copy_failed == 2
    for i in ids:
        mail = row(database, i)
        assert mail.state == "sent" and mail.sent_copy_at is None and "Sent folder unavailable" in mail.sent_copy_error
    assert len(events(outbox_log, "outbox.sent_copy_failed")) == 1


def test_a_failed_copy_to_sent_does_not_undo_the_send(database, sink, outbox_log):
    oid = queue(database)

    def broken_copy(raw: bytes) -> None:
        raise OSError("Sent folder unavailable")

    result = outbox.flush(database, smtp_to(sink), Clock(NOW), sent_copy=broken_copy)
    assert result.sent == 1 and result.copy_failed == 1
    mail = row(database, oid)
    assert mail.state == "sent" and mail.sent_copy_at is None and "Sent folder unavailable" in mail.sent_copy_error
    assert len(events(outbox_log, "outbox.sent_copy_failed")) == 1
    assert outbox.flush(database, smtp_to(sink), Clock(NOW + timedelta(hours=1))).sent == 0
    assert len(sink.messages) == 1


def test_the_file_transport_receives_the_queued_mail(database, tmp_path):
    oid = queue(database)
    outbox.flush(database, FileTransport(tmp_path / "outbox"), Clock(NOW))
    [eml] = list((tmp_path / "outbox").iterdir())
    assert eml.suffix == ".eml" and eml.read_bytes() == row(database, oid).raw


# -- looking --------------------------------------------------------------------------------------


def test_status_and_list_show_each_mail_and_its_state(database, sink):
    sent = queue(database, weekly(1), dedupe_key="weekly:jordan:2026-W48")
    later = queue(database, weekly(2), kind="reminder", not_before=NOW + timedelta(days=1))
    outbox.flush(database, smtp_to(sink), Clock(NOW))
    with database.session() as s:
        assert outbox.outbox_status(s) == {"queued": 1, "sending": 0, "sent": 1, "failed": 0,
                                           "uncertain": 0, "cancelled": 0}
        everything = outbox.list_outbox(s)
        queued = outbox.list_outbox(s, state="queued")
        with pytest.raises(outbox.OutboxError, match="expected one of"):
            outbox.list_outbox(s, state="lost")
    assert [m["id"] for m in everything] == [sent, later]
    assert everything[0]["dedupe_key"] == "weekly:jordan:2026-W48" and everything[0]["state"] == "sent"
    assert everything[0]["subject"] == "Your weekly update 1 \u2013 Stra\u00dfe Road"
    assert [m["id"] for m in queued] == [later]
    assert queued[0]["kind"] == "reminder" and queued[0]["not_before"] == (NOW + timedelta(days=1)).isoformat()


# -- the hourly limit per address -----------------------------------------------------------------


def test_a_backlog_over_the_hourly_limit_is_spread_over_the_hours_it_needs(database, sink):
    """Ten mails to one address at three an hour: three now, then three at each hour, not all ten held back
    (and read again) at every flush until the last has gone."""
    ids = [queue(database, weekly(n, bcc=None), dedupe_key=f"rate-{n}") for n in range(10)]
    assert outbox.flush(database, smtp_to(sink), Clock(NOW), per_hour=3).deferred == 7
    waits = [row(database, i).not_before for i in ids]
    hour = timedelta(hours=1)
    assert waits == [None] * 3 + [NOW + hour] * 3 + [NOW + 2 * hour] * 3 + [NOW + 3 * hour]
    assert outbox.flush(database, smtp_to(sink), Clock(NOW + hour / 2), per_hour=3).as_dict()["deferred"] == 0
    for k in (1, 2, 3):
        result = outbox.flush(database, smtp_to(sink), Clock(NOW + k * hour), per_hour=3)
        assert result.deferred == 0 and result.sent == (3 if k < 3 else 1)
    assert len(sink.messages) == 10
