"""Transports against real servers: what was handed over, what was refused, and what cannot be known."""

from __future__ import annotations

import socket
import ssl
import threading
from pathlib import Path

import pytest

from spocmail.config import from_dict
from spocmail.errors import ConfigError
from spocmail.transport import DeliveryUncertain, FileTransport, SmtpTransport, TransportError, transport_for

RAW = (b"From: SPOC <spoc@council.example>\r\n"
       b"To: Jordan Example <jordan@example.org>\r\n"
       b"Subject: Your weekly update\r\n"
       b"Date: Mon, 23 Nov 2026 09:30:00 +0000\r\n"
       b"Message-ID: <weekly.1@council.example>\r\n"
       b"Content-Type: text/plain; charset=utf-8\r\n"
       b"Content-Transfer-Encoding: 8bit\r\n"
       b"\r\n"
       b"Caf\xc3\xa9 opening hours.\r\n"
       b".\r\n"
       b"..a line that starts with dots\r\n")


def plain(server, **overrides) -> SmtpTransport:
    params = dict(host=server.host, port=server.port, security="none", timeout=10)
    params.update(overrides)
    return SmtpTransport(**params)


# -- file -----------------------------------------------------------------------------------------


def test_the_file_transport_writes_one_eml_named_for_the_mail(tmp_path):
    transport = FileTransport(tmp_path / "outbox")
    assert transport.send(RAW, "spoc@council.example", ["jordan@example.org"]) == {}
    files = sorted(p.name for p in (tmp_path / "outbox").iterdir())
    assert files == ["20261123T093000Z-weekly.1@council.example.eml"]  # no temporary file left beside it
    assert (tmp_path / "outbox" / files[0]).read_bytes() == RAW


def test_the_file_transport_sending_the_same_mail_again_leaves_one_file(tmp_path):
    transport = FileTransport(tmp_path)
    transport.send(RAW, "spoc@council.example", ["jordan@example.org"])
    transport.send(RAW, "spoc@council.example", ["jordan@example.org"])
    assert len(list(tmp_path.iterdir())) == 1


def test_the_file_transport_says_which_folder_it_cannot_write(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    with pytest.raises(TransportError, match=r"\[smtp\] dir") as failed:
        FileTransport(blocker).send(RAW, "spoc@council.example", ["jordan@example.org"])
    assert failed.value.temporary and failed.value.affects_all


# -- SMTP -----------------------------------------------------------------------------------------


def test_smtp_hands_over_the_bytes_and_the_envelope(smtp):
    refused = plain(smtp).send(RAW, "spoc@council.example", ["jordan@example.org", "boss@council.example"])
    assert refused == {}
    [got] = smtp.messages
    assert got.mail_from == "spoc@council.example"
    assert got.rcpt_tos == ("jordan@example.org", "boss@council.example")
    assert got.content == RAW  # dot-stuffing undone by the server, nothing else changed


def test_smtp_returns_the_recipients_the_server_refused(smtp):
    smtp.fail_next(550, "5.1.1 No such user", stage="RCPT")
    refused = plain(smtp).send(RAW, "spoc@council.example", ["nobody@example.org", "jordan@example.org"])
    assert refused == {"nobody@example.org": (550, "5.1.1 No such user")}
    assert smtp.messages[0].rcpt_tos == ("jordan@example.org",)


@pytest.mark.parametrize(("code", "temporary"), [(450, True), (550, False)])
def test_every_recipient_refused_is_an_error_that_says_whether_to_retry(smtp, code, temporary):
    smtp.fail_next(code, "mailbox unavailable", stage="RCPT")
    with pytest.raises(TransportError, match="refused every recipient") as failed:
        plain(smtp).send(RAW, "spoc@council.example", ["jordan@example.org"])
    assert failed.value.temporary is temporary and failed.value.code == code
    assert not isinstance(failed.value, DeliveryUncertain)
    assert smtp.messages == []


@pytest.mark.parametrize(("code", "temporary"), [(451, True), (554, False)])
def test_a_refused_data_is_temporary_for_4xx_and_permanent_for_5xx(smtp, code, temporary):
    smtp.fail_next(code, "not now" if temporary else "rejected as spam")
    with pytest.raises(TransportError) as failed:
        plain(smtp).send(RAW, "spoc@council.example", ["jordan@example.org"])
    assert failed.value.temporary is temporary and failed.value.permanent is not temporary
    assert failed.value.code == code and not failed.value.affects_all
    assert smtp.messages == []


def test_starttls_with_login(smtp_tls):
    transport = SmtpTransport(smtp_tls.host, smtp_tls.port, "starttls", smtp_tls.user, smtp_tls.password,
                              timeout=10, ssl_context=smtp_tls.client_ssl_context())
    assert transport.send(RAW, "spoc@council.example", ["jordan@example.org"]) == {}
    [got] = smtp_tls.messages
    assert got.tls and got.login == smtp_tls.user and got.content == RAW


def test_a_refused_login_concerns_the_server_not_the_mail(smtp_tls):
    transport = SmtpTransport(smtp_tls.host, smtp_tls.port, "starttls", smtp_tls.user, "wrong", timeout=10,
                              ssl_context=smtp_tls.client_ssl_context())
    with pytest.raises(TransportError, match=r"refused the login.*\[smtp\] username") as failed:
        transport.send(RAW, "spoc@council.example", ["jordan@example.org"])
    assert failed.value.temporary and failed.value.affects_all
    assert "wrong" not in str(failed.value)


def test_an_untrusted_certificate_is_refused(smtp_tls):
    transport = SmtpTransport(smtp_tls.host, smtp_tls.port, "starttls", smtp_tls.user, smtp_tls.password,
                              timeout=10, ssl_context=ssl.create_default_context())
    with pytest.raises(TransportError, match="not trusted") as failed:
        transport.send(RAW, "spoc@council.example", ["jordan@example.org"])
    assert failed.value.affects_all
    assert smtp_tls.messages == []


def test_starttls_demanded_of_a_server_without_it_sends_nothing(smtp):
    with pytest.raises(TransportError, match="STARTTLS") as failed:
        plain(smtp, security="starttls").send(RAW, "spoc@council.example", ["jordan@example.org"])
    assert failed.value.affects_all
    assert smtp.messages == []


class _Keep:
    def __init__(self):
        self.contents: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.contents.append(bytes(envelope.original_content))
        return "250 OK"


@pytest.fixture
def smtps():
    """aiosmtpd with implicit TLS (the `tls` setting, port 465 style): (host, port, handler, client context)."""
    import trustme
    from aiosmtpd.controller import Controller

    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = _Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=port, ssl_context=server_ctx, ready_timeout=10)
    controller.start()
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    yield "127.0.0.1", port, handler, client_ctx
    controller.stop(no_assert=True)


def test_implicit_tls(smtps):
    host, port, handler, client_ctx = smtps
    transport = SmtpTransport(host, port, "tls", timeout=10, ssl_context=client_ctx)
    assert transport.send(RAW, "spoc@council.example", ["jordan@example.org"]) == {}
    assert handler.contents == [RAW]


@pytest.mark.parametrize("host", ["192.0.2.10", "mail.council.example"])
def test_plain_smtp_to_a_host_that_is_not_loopback_is_refused_without_connecting(host, monkeypatch):
    def no_connecting(*args, **kwargs):
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(socket, "create_connection", no_connecting)
    with pytest.raises(ConfigError, match=r'\[smtp\] security = "none".*not loopback') as refused:
        SmtpTransport(host, 25, "none")
    assert host in str(refused.value) and refused.value.exit_code == 2


def test_an_unknown_security_is_a_config_error():
    with pytest.raises(ConfigError, match=r'\[smtp\] security = "ssl"'):
        SmtpTransport("127.0.0.1", 25, "ssl")


def test_an_unreachable_server_is_a_temporary_error_for_every_mail():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(TransportError, match="cannot reach SMTP") as failed:
        SmtpTransport("127.0.0.1", port, "none", timeout=5).send(RAW, "spoc@council.example", ["a@example.org"])
    assert failed.value.temporary and failed.value.affects_all


# -- a server that hangs up -----------------------------------------------------------------------


class HangingUpServer:
    """Speaks just enough SMTP, then drops the connection at a chosen point: after the data, or at RCPT."""

    def __init__(self, hang_up_at: str):
        self.hang_up_at = hang_up_at
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.received = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            f = conn.makefile("rb")
            conn.sendall(b"220 test ESMTP\r\n")
            while line := f.readline():
                verb = line[:4].upper()
                if verb == b"EHLO":
                    conn.sendall(b"250-test\r\n250 8BITMIME\r\n")
                elif verb == b"MAIL":
                    conn.sendall(b"250 OK\r\n")
                elif verb == b"RCPT":
                    if self.hang_up_at == "RCPT":
                        return
                    conn.sendall(b"250 OK\r\n")
                elif verb == b"DATA":
                    conn.sendall(b"354 go ahead\r\n")
                    while (data := f.readline()) != b".\r\n":
                        self.received += data
                    return  # the data is here; the client never hears so
                else:
                    conn.sendall(b"250 OK\r\n")

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def hanging_up(request):
    server = HangingUpServer(request.param)
    yield server
    server.close()


@pytest.mark.parametrize("hanging_up", ["DATA"], indirect=True)
def test_a_connection_cut_after_the_data_was_handed_over_is_uncertain(hanging_up):
    with pytest.raises(DeliveryUncertain, match="may or may not have it"):
        SmtpTransport("127.0.0.1", hanging_up.port, "none", timeout=5).send(
            RAW, "spoc@council.example", ["jordan@example.org"])
    assert b"weekly.1@council.example" in hanging_up.received


@pytest.mark.parametrize("hanging_up", ["RCPT"], indirect=True)
def test_a_connection_cut_before_the_data_is_temporary(hanging_up):
    with pytest.raises(TransportError, match="before the mail was handed over") as failed:
        SmtpTransport("127.0.0.1", hanging_up.port, "none", timeout=5).send(
            RAW, "spoc@council.example", ["jordan@example.org"])
    assert failed.value.temporary and not isinstance(failed.value, DeliveryUncertain)


# -- from the config ------------------------------------------------------------------------------


def test_transport_for_the_embedded_default_is_the_file_transport(tmp_path):
    config = from_dict({"smtp": {"kind": "file", "dir": "out"}}, tmp_path / "config.toml")
    transport = transport_for(config)
    assert isinstance(transport, FileTransport) and transport.dir == tmp_path / "out"


def test_transport_for_smtp_reads_the_password_from_its_source(tmp_path, monkeypatch, smtp_tls):
    monkeypatch.setenv("SPOCMAIL_TEST_SMTP_PASSWORD", smtp_tls.password)
    config = from_dict({"smtp": {"kind": "smtp", "host": smtp_tls.host, "port": smtp_tls.port,
                                 "security": "starttls", "username": smtp_tls.user,
                                 "password_env": "SPOCMAIL_TEST_SMTP_PASSWORD", "timeout_seconds": 7}},
                       tmp_path / "config.toml")
    transport = transport_for(config)
    assert isinstance(transport, SmtpTransport)
    assert (transport.host, transport.port, transport.security, transport.timeout) == \
        (smtp_tls.host, smtp_tls.port, "starttls", 7)
    transport.ssl_context = smtp_tls.client_ssl_context()
    transport.send(RAW, "spoc@council.example", ["jordan@example.org"])
    assert smtp_tls.messages[0].login == smtp_tls.user
