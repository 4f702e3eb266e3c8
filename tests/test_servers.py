"""The test servers are real: what goes in through one protocol comes back out through it unchanged."""

from __future__ import annotations

import smtplib
import socket
from datetime import datetime, timedelta, timezone

import imapclient
import pytest
import sqlalchemy

RAW = (
    b"From: Jordan Example <jordan@example.org>\r\n"
    b"To: spoc@council.example\r\n"
    b"Subject: Bins not collected\r\n"
    b"Message-ID: <servers-1@example.org>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"The bins on Stra\xc3\x9fe Road were missed again \xe2\x80\x94 third time.\r\n"
    b".leading dot line\r\n"
)


def test_dovecot_gives_back_appended_mail_byte_for_byte(imap):
    when = datetime(2026, 1, 5, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    uid = imap.append(RAW, flags=[b"\\Flagged"], date=when)
    assert uid > 0
    assert imap.list_folder("INBOX") == [RAW]
    (_, _, flags), = imap.messages("INBOX")
    assert b"\\Flagged" in flags and b"\\Seen" not in flags
    with imap.connect() as client:
        client.select_folder("INBOX", readonly=True)
        internal = client.fetch([uid], ["INTERNALDATE"])[uid][b"INTERNALDATE"]
    assert internal == when


def test_dovecot_listens_on_loopback_only(dovecot):
    with open(dovecot.config_path) as conf:
        text = conf.read()
    assert "listen = 127.0.0.1" in text
    with socket.create_connection((dovecot.host, dovecot.port), timeout=5) as sock:
        assert sock.getpeername()[0] == "127.0.0.1"
        assert sock.recv(100).startswith(b"* OK")


def test_dovecot_reset_empties_every_folder(imap):
    imap.append(RAW, folder="Processed")
    imap.append(RAW)
    imap.reset()
    assert imap.folders() == ["INBOX"]
    assert imap.list_folder("INBOX") == []


def test_dovecot_kick_drops_open_connections(imap):
    client = imap.connect()
    client.select_folder("INBOX")
    imap.kick()
    with pytest.raises((imapclient.exceptions.IMAPClientAbortError, OSError)):
        client.noop()
    client.shutdown()
    imap.append(RAW)  # the helpers reconnect by themselves
    assert imap.list_folder() == [RAW]


def test_dovecot_new_uidvalidity_keeps_the_mail(imap):
    imap.append(RAW)
    before = imap.uidvalidity("INBOX")
    after = imap.new_uidvalidity("INBOX")
    assert after != before
    assert imap.list_folder("INBOX") == [RAW]


def test_dovecot_without_move_does_not_offer_it(imap_nomove):
    with imap_nomove.connect() as client:
        assert not client.has_capability("MOVE")
        assert client.has_capability("IDLE")


def test_dovecot_tls_offers_starttls_and_implicit_tls(imap_tls):
    with imapclient.IMAPClient(imap_tls.host, imap_tls.port, ssl=False, timeout=10) as client:
        assert client.has_capability("STARTTLS")
        client.starttls(imap_tls.client_ssl_context())
        client.login(imap_tls.user, imap_tls.password)
    ctx = imap_tls.client_ssl_context()
    with imapclient.IMAPClient(imap_tls.host, imap_tls.tls_port, ssl=True, ssl_context=ctx, timeout=10) as client:
        client.login(imap_tls.user, imap_tls.password)
        assert client.folder_exists("INBOX")


def test_smtp_sink_captures_what_smtplib_sends(smtp):
    with smtplib.SMTP(smtp.host, smtp.port, timeout=10) as client:
        refused = client.sendmail("spoc@council.example", ["a@example.org", "b@example.org"], RAW)
    assert refused == {}
    (mail,) = smtp.messages
    assert mail.mail_from == "spoc@council.example"
    assert mail.rcpt_tos == ("a@example.org", "b@example.org")
    assert mail.content == RAW  # dot-stuffing undone, CRLF and 8-bit kept


def test_smtp_sink_fail_next_refuses_data_once(smtp):
    smtp.fail_next(451, "4.3.0 Try again later")
    with smtplib.SMTP(smtp.host, smtp.port, timeout=10) as client:
        with pytest.raises(smtplib.SMTPDataError) as refused:
            client.sendmail("spoc@council.example", ["a@example.org"], RAW)
        assert refused.value.smtp_code == 451
        client.rset()
        assert client.sendmail("spoc@council.example", ["a@example.org"], RAW) == {}
    assert len(smtp.messages) == 1


def test_smtp_sink_fail_next_can_refuse_a_recipient(smtp):
    smtp.fail_next(550, "5.1.1 No such user", stage="RCPT")
    with smtplib.SMTP(smtp.host, smtp.port, timeout=10) as client:
        refused = client.sendmail("spoc@council.example", ["gone@example.org", "here@example.org"], RAW)
    assert refused == {"gone@example.org": (550, b"5.1.1 No such user")}
    assert smtp.messages[0].rcpt_tos == ("here@example.org",)


def test_smtp_sink_tls_requires_starttls_and_auth(smtp_tls):
    with smtplib.SMTP(smtp_tls.host, smtp_tls.port, timeout=10) as client:
        with pytest.raises(smtplib.SMTPException):
            client.sendmail("spoc@council.example", ["a@example.org"], RAW)
    with smtplib.SMTP(smtp_tls.host, smtp_tls.port, timeout=10) as client:
        client.starttls(context=smtp_tls.client_ssl_context())
        client.login(smtp_tls.user, smtp_tls.password)
        client.sendmail("spoc@council.example", ["a@example.org"], RAW)
    (mail,) = smtp_tls.messages
    assert mail.tls and mail.login == smtp_tls.user


def test_postgres_answers_through_sqlalchemy(postgres):
    assert postgres.startswith("postgresql+psycopg://postgres@127.0.0.1:")
    engine = sqlalchemy.create_engine(postgres)
    try:
        with engine.connect() as conn:
            assert conn.execute(sqlalchemy.text("select 1")).scalar() == 1
            assert conn.execute(sqlalchemy.text("show listen_addresses")).scalar() == "127.0.0.1"
    finally:
        engine.dispose()


def test_db_url_is_an_empty_database_of_each_backend(db_url, request):
    backend = request.node.callspec.id
    assert db_url.startswith({"sqlite": "sqlite:///", "postgresql": "postgresql+psycopg://"}[backend])
    engine = sqlalchemy.create_engine(db_url)
    try:
        with engine.begin() as conn:
            assert sqlalchemy.inspect(conn).get_table_names() == []
            conn.execute(sqlalchemy.text("create table t (x integer)"))
            conn.execute(sqlalchemy.text("insert into t values (41)"))
        with engine.connect() as conn:
            assert conn.execute(sqlalchemy.text("select x + 1 from t")).scalar() == 42
    finally:
        engine.dispose()
