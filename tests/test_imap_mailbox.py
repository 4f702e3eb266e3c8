"""The IMAP mailbox against a real Dovecot: what it fetches, how it acknowledges, how it waits and recovers."""

from __future__ import annotations

import logging
import socket
import threading
import time
from datetime import datetime, timedelta, timezone

import imapclient
import pytest

from spocmail.errors import ConfigError, MailboxAuthError, MailboxError
from spocmail.intake.imap import PROCESSED_KEYWORD, ImapMailbox


def make_mail(n: int, body: bytes = b"") -> bytes:
    return (
        b"From: Jordan Example <jordan@example.org>\r\n"
        b"To: spoc@council.example\r\n"
        b"Subject: =?utf-8?q?Stra=C3=9Fe_lights?= " + str(n).encode() + b"\r\n"
        b"Message-ID: <mail-" + str(n).encode() + b"@example.org>\r\n"
        b"Date: Mon, 05 Jan 2026 09:30:00 +0000\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n"
        b"\r\n"
        b"The street light outside number " + str(n).encode() + b" on Stra\xc3\x9fe Road is out \xe2\x80\x94 again.\r\n"
        b"\tIndented line with trailing space \r\n" + body
    )


@pytest.fixture
def open_mailbox():
    """Build ImapMailbox objects for a test server; all are closed after the test."""
    opened: list[ImapMailbox] = []

    def make(server, **overrides) -> ImapMailbox:
        params = dict(
            host=server.host,
            port=server.port,
            security="none",
            username=server.user,
            password=server.password,
            timeout=10.0,
        )
        params.update(overrides)
        mailbox = ImapMailbox(**params)
        opened.append(mailbox)
        return mailbox

    yield make
    for mailbox in opened:
        mailbox.close()


def events(caplog, name: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "event", None) == name]


# -- fetching -------------------------------------------------------------------------------------


def test_fetch_returns_the_mail_exactly_as_delivered(imap, open_mailbox):
    raw = make_mail(1, b"\xff\xfe raw 8-bit bytes, not UTF-8\r\n")
    arrived = datetime(2026, 1, 5, 9, 31, 7, tzinfo=timezone(timedelta(hours=-5)))
    uid = imap.append(raw, date=arrived)
    mailbox = open_mailbox(imap)

    (mail,) = list(mailbox.fetch_new())

    assert mail.raw == raw
    assert mail.uid == str(uid)
    assert mail.uidvalidity == imap.uidvalidity("INBOX") == mailbox.uidvalidity
    assert mail.internaldate == arrived  # the same instant; Maildir keeps no zone, so Dovecot answers in its own
    assert mail.internaldate.utcoffset() is not None
    assert mail.source == f"imap://spoc@127.0.0.1:{imap.port}/INBOX"
    assert imap.password not in mail.source


def test_fetch_leaves_mail_unread_and_in_place(imap, open_mailbox):
    imap.append(make_mail(1))
    mailbox = open_mailbox(imap)

    assert len(list(mailbox.fetch_new())) == 1
    assert len(list(mailbox.fetch_new())) == 1  # not acknowledged, so still new

    ((_, _, flags),) = imap.messages("INBOX")
    assert b"\\Seen" not in flags


def test_fetch_skips_mail_marked_deleted(imap, open_mailbox):
    imap.append(make_mail(1), flags=[b"\\Deleted"])
    imap.append(make_mail(2))
    mailbox = open_mailbox(imap)

    assert [m.raw for m in mailbox.fetch_new()] == [make_mail(2)]


def test_two_hundred_mails_come_back_in_batches_oldest_first(imap, open_mailbox, monkeypatch):
    raws = [make_mail(n) for n in range(205)]
    uids = imap.append_many(raws)
    mailbox = open_mailbox(imap)
    fetches: list[int] = []
    real_fetch = imapclient.IMAPClient.fetch

    def counting_fetch(client, messages, data, modifiers=None):
        fetches.append(len(messages))
        return real_fetch(client, messages, data, modifiers)

    monkeypatch.setattr(imapclient.IMAPClient, "fetch", counting_fetch)

    started = time.monotonic()
    mails = list(mailbox.fetch_new(batch_size=50))
    elapsed = time.monotonic() - started

    assert len(mails) == 205
    assert [m.raw for m in mails] == raws
    assert [int(m.uid) for m in mails] == sorted(uids)
    assert fetches == [50, 50, 50, 50, 5]
    assert elapsed < 10, f"fetching 205 mails took {elapsed:.2f}s"


# -- acknowledging --------------------------------------------------------------------------------


def test_mark_processed_moves_mail_to_processed(imap, open_mailbox):
    imap.append(make_mail(1))
    imap.append(make_mail(2))
    mailbox = open_mailbox(imap)

    first, second = mailbox.fetch_new()
    mailbox.mark_processed(first)

    assert imap.list_folder("INBOX") == [make_mail(2)]
    assert imap.list_folder("Processed") == [make_mail(1)]
    assert [m.raw for m in mailbox.fetch_new()] == [make_mail(2)]


def test_mark_processed_twice_is_harmless(imap, open_mailbox):
    imap.append(make_mail(1))
    mailbox = open_mailbox(imap)

    (mail,) = mailbox.fetch_new()
    mailbox.mark_processed(mail)
    mailbox.mark_processed(mail)

    assert imap.list_folder("INBOX") == []
    assert imap.list_folder("Processed") == [make_mail(1)]
    assert list(mailbox.fetch_new()) == []


def test_mark_processed_while_iterating_a_batch(imap, open_mailbox):
    imap.append_many([make_mail(n) for n in range(7)])
    mailbox = open_mailbox(imap)

    seen = []
    for mail in mailbox.fetch_new(batch_size=3):
        seen.append(mail.raw)
        mailbox.mark_processed(mail)

    assert seen == [make_mail(n) for n in range(7)]
    assert imap.list_folder("INBOX") == []
    assert len(imap.list_folder("Processed")) == 7


def test_without_move_mail_is_flagged_and_not_fetched_again(imap_nomove, open_mailbox):
    imap_nomove.append(make_mail(1))
    imap_nomove.append(make_mail(2))
    mailbox = open_mailbox(imap_nomove)

    mails = list(mailbox.fetch_new())
    assert len(mails) == 2
    for mail in mails:
        mailbox.mark_processed(mail)
    mailbox.mark_processed(mails[0])  # twice is harmless here too

    assert list(mailbox.fetch_new()) == []
    remaining = imap_nomove.messages("INBOX")
    assert [raw for _, raw, _ in remaining] == [make_mail(1), make_mail(2)]  # flagged, left in place
    for _, _, flags in remaining:
        assert b"\\Seen" in flags and PROCESSED_KEYWORD.encode() in flags
    assert "Processed" not in imap_nomove.folders()


def test_a_uid_from_an_old_uidvalidity_is_not_acknowledged(imap, open_mailbox, caplog):
    imap.append(make_mail(1))
    mailbox = open_mailbox(imap)
    (old,) = mailbox.fetch_new()

    new_uidvalidity = imap.new_uidvalidity("INBOX")
    imap.append(make_mail(2))
    mails = list(mailbox.fetch_new())

    assert [m.raw for m in mails] == [make_mail(1), make_mail(2)]
    assert {m.uidvalidity for m in mails} == {new_uidvalidity}
    assert old.uidvalidity != new_uidvalidity
    assert mailbox.uidvalidity == new_uidvalidity

    with caplog.at_level(logging.WARNING, logger="spocmail.intake.imap"):
        mailbox.mark_processed(old)
    assert imap.list_folder("INBOX") == [make_mail(1), make_mail(2)]  # nothing moved
    assert events(caplog, "imap.ack_skipped")


def test_append_creates_the_folder_and_stores_the_mail(imap, open_mailbox):
    mailbox = open_mailbox(imap)
    sent = make_mail(99)

    uid = mailbox.append("Sent", sent, flags=[b"\\Seen"], date=datetime(2026, 2, 2, 12, 0, tzinfo=timezone.utc))

    assert uid and uid > 0
    assert imap.list_folder("Sent") == [sent]
    ((_, _, flags),) = imap.messages("Sent")
    assert b"\\Seen" in flags
    assert list(mailbox.fetch_new()) == []  # the Sent copy is not intake


# -- waiting --------------------------------------------------------------------------------------


def test_idle_wakes_up_when_mail_arrives(imap, open_mailbox):
    mailbox = open_mailbox(imap)
    assert list(mailbox.fetch_new()) == []
    appended_at: list[float] = []

    def deliver():
        time.sleep(0.5)
        imap.append(make_mail(1))
        appended_at.append(time.monotonic())

    sender = threading.Thread(target=deliver)
    started = time.monotonic()
    sender.start()
    woke = mailbox.wait_for_mail(10)
    returned = time.monotonic()
    sender.join()

    assert woke is True
    assert returned - started < 2.0, f"wait_for_mail took {returned - started:.2f}s"
    latency = returned - appended_at[0]
    assert latency < 2.0, f"IDLE woke {latency:.3f}s after the mail arrived"
    assert [m.raw for m in mailbox.fetch_new()] == [make_mail(1)]


def test_mail_that_arrived_during_the_pass_wakes_the_wait_at_once(imap, open_mailbox):
    imap.append(make_mail(1))
    mailbox = open_mailbox(imap)
    (first,) = mailbox.fetch_new()
    imap.append(make_mail(2))  # arrives while the pass is storing and filing the first
    mailbox.mark_processed(first)
    started = time.monotonic()
    assert mailbox.wait_for_mail(30) is True
    assert time.monotonic() - started < 1.0  # not a poll interval, nor an IDLE that already missed it
    assert [m.raw for m in mailbox.fetch_new()] == [make_mail(2)]


def test_mail_left_unacknowledged_does_not_wake_the_wait(imap, open_mailbox):
    imap.append(make_mail(1))
    mailbox = open_mailbox(imap)
    assert len(list(mailbox.fetch_new())) == 1  # seen, not acknowledged: no reason to fetch again at once
    started = time.monotonic()
    assert mailbox.wait_for_mail(0.6) is False
    assert time.monotonic() - started >= 0.5


def test_a_batch_is_acknowledged_with_one_move_even_when_part_of_it_went_already(imap, open_mailbox):
    imap.append_many([make_mail(n) for n in range(6)])
    mailbox = open_mailbox(imap)
    other = open_mailbox(imap)
    mails = list(mailbox.fetch_new())
    other_mails = list(other.fetch_new())
    other.mark_processed(other_mails[2])  # another spocmail moved one of them meanwhile
    mailbox.mark_processed_many(mails)
    assert imap.list_folder("INBOX") == []
    assert sorted(imap.list_folder("Processed")) == sorted(make_mail(n) for n in range(6))
    mailbox.mark_processed_many(mails)  # twice is harmless
    assert len(imap.list_folder("Processed")) == 6


def test_idle_without_mail_times_out_false(imap, open_mailbox):
    mailbox = open_mailbox(imap)
    started = time.monotonic()
    assert mailbox.wait_for_mail(0.6) is False
    assert 0.5 <= time.monotonic() - started < 3


def test_idle_is_renewed_no_later_than_idle_renew_seconds(imap, open_mailbox):
    mailbox = open_mailbox(imap, idle_renew_seconds=0.4)
    started = time.monotonic()
    assert mailbox.wait_for_mail(30) is False
    assert time.monotonic() - started < 3


def test_without_idle_wait_is_a_poll_interval_sleep(imap_noidle, open_mailbox):
    naps: list[float] = []
    mailbox = open_mailbox(imap_noidle, poll_seconds=7, sleep=naps.append)
    assert mailbox.wait_for_mail(30) is False
    assert mailbox.wait_for_mail(3) is False
    assert naps == [7, 3]


# -- recovering -----------------------------------------------------------------------------------


def test_kicked_connection_is_recovered_on_the_next_fetch(imap, open_mailbox, caplog):
    imap.append(make_mail(1))
    mailbox = open_mailbox(imap)
    assert len(list(mailbox.fetch_new())) == 1

    imap.kick()
    imap.append(make_mail(2))
    with caplog.at_level(logging.INFO, logger="spocmail.intake.imap"):
        mails = list(mailbox.fetch_new())

    assert [m.raw for m in mails] == [make_mail(1), make_mail(2)]
    (reconnect,) = events(caplog, "imap.reconnect")
    assert reconnect.account == f"spoc@127.0.0.1:{imap.port}"
    assert reconnect.attempt == 1
    assert imap.password not in caplog.text


def test_connection_dropped_in_the_middle_of_a_fetch(imap, open_mailbox):
    imap.append_many([make_mail(n) for n in range(12)])
    mailbox = open_mailbox(imap)

    seen = []
    for mail in mailbox.fetch_new(batch_size=5):
        seen.append(mail)
        if len(seen) == 3:
            imap.kick()  # the next batch meets a dead connection
        if len(seen) == 7:
            imap.kick()  # and so does this acknowledgement
        mailbox.mark_processed(mail)

    assert [m.raw for m in seen] == [make_mail(n) for n in range(12)]
    assert len(imap.list_folder("Processed")) == 12
    assert imap.list_folder("INBOX") == []


def test_connection_dropped_while_idling_wakes_the_caller(imap, open_mailbox):
    mailbox = open_mailbox(imap)
    assert list(mailbox.fetch_new()) == []
    kicker = threading.Timer(0.4, imap.kick)
    kicker.start()
    started = time.monotonic()
    woke = mailbox.wait_for_mail(10)
    kicker.join()

    assert woke is True  # mail may have come while we were cut off: go and look
    assert time.monotonic() - started < 3
    imap.append(make_mail(1))
    assert [m.raw for m in mailbox.fetch_new()] == [make_mail(1)]


def test_server_restart_is_survived(imap, open_mailbox):
    imap.append(make_mail(1))
    mailbox = open_mailbox(imap)
    assert len(list(mailbox.fetch_new())) == 1
    imap.restart()
    assert len(list(mailbox.fetch_new())) == 1


def test_unreachable_server_backs_off_then_gives_up(open_mailbox, caplog):
    with socket.socket() as probe:  # a loopback port where nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    naps: list[float] = []

    class Nowhere:
        host, user, password = "127.0.0.1", "spoc", "secret-pw"

    Nowhere.port = port
    mailbox = open_mailbox(Nowhere, sleep=naps.append, reconnect_tries=5, reconnect_delay=0.5, reconnect_max_delay=3)

    with caplog.at_level(logging.WARNING, logger="spocmail.intake.imap"), pytest.raises(MailboxError) as failed:
        list(mailbox.fetch_new())

    assert naps == [0.5, 1.0, 2.0, 3.0]
    assert len(events(caplog, "imap.reconnect")) == 5
    assert f"spoc@127.0.0.1:{port}" in str(failed.value)
    assert not isinstance(failed.value, MailboxAuthError)


# -- refusing -------------------------------------------------------------------------------------


def test_wrong_password_is_an_auth_error_naming_the_account(fresh_dovecot, open_mailbox):
    imap = fresh_dovecot
    naps: list[float] = []
    mailbox = open_mailbox(imap, password="not-the-Pa55word", sleep=naps.append)

    with pytest.raises(MailboxAuthError) as refused:
        list(mailbox.fetch_new())

    message = str(refused.value)
    assert f"spoc@127.0.0.1:{imap.port}" in message
    assert "not-the-Pa55word" not in message
    assert "not-the-Pa55word" not in repr(refused.value.__cause__) + repr(refused.value.__context__)
    assert naps == []  # a refused login is not retried


def test_plaintext_to_a_remote_host_is_refused_before_connecting(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("must not connect")

    monkeypatch.setattr(socket, "create_connection", no_network)
    with pytest.raises(ConfigError) as refused:
        ImapMailbox(host="mail.council.example", port=143, security="none", username="spoc", password="pw")
    message = str(refused.value)
    assert "[mailbox] security" in message and "mail.council.example" in message
    assert refused.value.exit_code == 2


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1"])
def test_plaintext_is_allowed_on_loopback(host):
    ImapMailbox(host=host, port=143, security="none", username="spoc", password="pw")


def test_unknown_security_is_a_config_error():
    with pytest.raises(ConfigError, match=r'\[mailbox\] security = "bogus"'):
        ImapMailbox(host="127.0.0.1", port=143, security="bogus", username="spoc", password="pw")


def test_starttls_with_the_test_ca(imap_tls, open_mailbox):
    imap_tls.append(make_mail(1))
    mailbox = open_mailbox(imap_tls, security="starttls", ssl_context=imap_tls.client_ssl_context())

    (mail,) = mailbox.fetch_new()
    mailbox.mark_processed(mail)

    assert mail.raw == make_mail(1)
    assert imap_tls.list_folder("Processed") == [make_mail(1)]


def test_implicit_tls_with_the_test_ca(imap_tls, open_mailbox):
    imap_tls.append(make_mail(1))
    mailbox = open_mailbox(imap_tls, port=imap_tls.tls_port, security="tls", ssl_context=imap_tls.client_ssl_context())
    assert [m.raw for m in mailbox.fetch_new()] == [make_mail(1)]


def test_untrusted_certificate_is_refused_without_retrying(imap_tls, open_mailbox):
    naps: list[float] = []
    # The default context trusts the system CAs, not the test CA.
    mailbox = open_mailbox(imap_tls, security="starttls", sleep=naps.append)
    with pytest.raises(MailboxError, match="certificate") as refused:
        list(mailbox.fetch_new())
    assert not isinstance(refused.value, MailboxAuthError)
    assert naps == []


def test_idle_over_starttls_wakes_up_too(imap_tls, open_mailbox):
    mailbox = open_mailbox(imap_tls, security="starttls", ssl_context=imap_tls.client_ssl_context())
    assert list(mailbox.fetch_new()) == []
    sender = threading.Timer(0.3, imap_tls.append, args=(make_mail(1),))
    started = time.monotonic()
    sender.start()
    woke = mailbox.wait_for_mail(10)
    sender.join()
    assert woke is True
    assert time.monotonic() - started < 2.5


def test_append_retried_after_a_drop_does_not_store_twice(imap, open_mailbox, monkeypatch):
    mailbox = open_mailbox(imap)
    real_append = imapclient.IMAPClient.append
    calls: list[str] = []

    def append_then_lose_the_answer(client, folder, msg, flags=(), msg_time=None):
        calls.append(folder)
        response = real_append(client, folder, msg, flags, msg_time)
        if len(calls) == 1:
            client.shutdown()  # stored, but we never hear so
            raise imapclient.exceptions.IMAPClientAbortError("socket error: EOF")
        return response

    monkeypatch.setattr(imapclient.IMAPClient, "append", append_then_lose_the_answer)
    mailbox.append("Sent", make_mail(7))

    assert calls == ["Sent"]  # the retry found the stored copy by its Message-ID
    assert imap.list_folder("Sent") == [make_mail(7)]
