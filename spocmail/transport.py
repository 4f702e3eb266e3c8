"""How a mail leaves: a small Transport protocol, a file transport (the embedded default) and SMTP via aiosmtplib."""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import os
import re
import ssl
import tempfile
import time
from contextlib import contextmanager
from datetime import timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Coroutine, Iterator, Protocol, TypeVar

from spocmail.config import SECURITY, Config, is_loopback
from spocmail.errors import ConfigError, SpocmailError

T = TypeVar("T")

Refused = dict[str, tuple[int, str]]


class TransportError(SpocmailError):
    """The mail was not handed over. `temporary`: try again later (4xx, connection trouble);
    otherwise the server refused it for good (5xx). `affects_all`: the server itself could not be
    used (unreachable, TLS or login refused), so the other queued mails would fail the same way.
    """

    def __init__(self, message: str, *, temporary: bool, code: int | None = None, affects_all: bool = False):
        super().__init__(message)
        self.temporary = temporary
        self.permanent = not temporary
        self.code = code
        self.affects_all = affects_all


class _EnvelopeBroken(TransportError):
    """The connection broke during MAIL or RCPT: certainly nothing handed over (a TransportError like any other)."""


# A kept SMTP connection unused for longer than this is checked with NOOP before the next mail; between mails
# sent one after another it is not (a connection that went anyway is found at MAIL and opened again).
NOOP_AFTER = 2.0


class DeliveryUncertain(TransportError):
    """The conversation broke after the mail's data was handed over: the server may have it.

    Never retried by itself; the outbox puts it to the SPOC.
    """

    def __init__(self, message: str):
        super().__init__(message, temporary=False)


class Transport(Protocol):
    """Where mail is handed over. One call per mail; what a retry needs to be safe is in the arguments."""

    def send(self, raw: bytes, mail_from: str, recipients: list[str]) -> Refused:
        """Hand `raw` over for `recipients`; return the recipients refused (empty: all accepted).

        Raises TransportError when nothing was handed over, DeliveryUncertain when that is unknown.
        """


# ---------------------------------------------------------------- file


_UNSAFE = re.compile(r"[^A-Za-z0-9._@+=-]+")


class FileTransport:
    """Writes each mail as `<date>-<message-id>.eml` in a folder: the embedded default, and a record of
    what would have gone. The name comes from the mail itself, so sending the same mail again
    replaces its file rather than adding a second one."""

    def __init__(self, dir: Path):
        self.dir = Path(dir)

    def filename(self, raw: bytes) -> str:
        headers = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(raw, headersonly=True)
        message_id = (headers.get("Message-ID") or "").strip().strip("<>")
        if not message_id:
            raise TransportError("the mail has no Message-ID, so the file transport cannot name it",
                                 temporary=False)
        stamp = "00000000T000000Z"
        try:
            stamp = parsedate_to_datetime(headers.get("Date")).astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        except (TypeError, ValueError, IndexError):
            pass
        return f"{stamp}-{_UNSAFE.sub('_', message_id)[:180]}.eml"

    def send(self, raw: bytes, mail_from: str, recipients: list[str]) -> Refused:
        name = self.filename(raw)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".eml", dir=self.dir)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(raw)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.dir / name)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
        except OSError as exc:
            raise TransportError(f"cannot write {self.dir / name}: {exc.strerror or exc}; "
                                 f"check [smtp] dir = '{self.dir}'", temporary=True, affects_all=True) from None
        return {}


# ---------------------------------------------------------------- SMTP


def _run(coro: Coroutine[object, object, T]) -> T:
    """The one bridge from our synchronous core into aiosmtplib: a fresh event loop per call."""
    return asyncio.run(coro)


class SmtpTransport:
    """Submits mail over SMTP: implicit TLS, STARTTLS, or (loopback only) none; one connection per mail."""

    def __init__(self, host: str, port: int, security: str = "starttls", username: str = "",
                 password: str | None = None, timeout: float = 30.0, ssl_context: ssl.SSLContext | None = None,
                 local_hostname: str | None = None, token_provider=None):
        if security not in SECURITY:
            raise ConfigError(f'[smtp] security = "{security}": expected one of '
                              + ", ".join(f'"{s}"' for s in SECURITY))
        if security == "none" and not is_loopback(host):
            # Never connect: the mail (and any password) would cross the network in clear.
            raise ConfigError(f'[smtp] security = "none": refused for host {host!r}, which is not loopback; '
                              f'use "tls" or "starttls"')
        self.host = host
        self.port = int(port)
        self.security = security
        self.username = username
        self._password = password
        self.timeout = timeout
        self.ssl_context = ssl_context
        # The name we give in EHLO; None lets aiosmtplib ask the system (socket.getfqdn).
        self.local_hostname = local_hostname
        # [smtp] auth = "oauth2": AUTH XOAUTH2 with a fresh token from spocmail.oauth2 on every connection.
        self.token_provider = token_provider

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"

    def __repr__(self) -> str:
        return f"SmtpTransport({self.server!r}, security={self.security!r})"

    _runner: asyncio.Runner | None = None
    _client = None  # the connection a session keeps between mails
    _used_at = 0.0  # time.monotonic() when it last carried a mail

    @contextmanager
    def session(self) -> Iterator["SmtpTransport"]:
        """One event loop and one SMTP connection for every send inside (outbox.flush): connected at the first
        send, checked with NOOP before each later one, and dropped after any failure (the next send connects
        afresh), so what a failure means for a mail is exactly as with a connection per mail."""
        if self._runner is not None:
            yield self
            return
        self._runner = asyncio.Runner()
        try:
            yield self
        finally:
            client, self._client = self._client, None
            try:
                if client is not None and client.is_connected:
                    self._runner.run(_quietly(client.quit()))
            finally:
                self._runner.close()
                self._runner = None

    def send(self, raw: bytes, mail_from: str, recipients: list[str]) -> Refused:
        if not recipients:
            raise TransportError("the mail has no recipients", temporary=False)
        if self._runner is not None:
            return self._runner.run(self._send_kept(raw, mail_from, list(recipients)))
        return _run(self._send(raw, mail_from, list(recipients)))

    async def _send_kept(self, raw: bytes, mail_from: str, recipients: list[str]) -> Refused:
        from aiosmtplib import SMTPException

        client, self._client = self._client, None
        reused = client is not None
        if client is not None:
            try:
                if not client.is_connected:
                    raise OSError("closed")
                if time.monotonic() - self._used_at > NOOP_AFTER:  # idle a while: is it still there?
                    await client.noop()
            except (SMTPException, OSError, asyncio.TimeoutError):
                if client.is_connected:
                    client.close()
                client, reused = None, False
        if client is None:
            client = await self._connect()
        try:
            try:
                refused = await self._transaction(client, raw, mail_from, recipients, keep=True)
            except _EnvelopeBroken:
                if not reused:
                    raise
                # The kept connection had gone (the server timed it out) before any data: nothing was handed
                # over, so the mail goes over a fresh connection, as it would have with a connection per mail.
                if client.is_connected:
                    client.close()
                client = await self._connect()
                refused = await self._transaction(client, raw, mail_from, recipients, keep=True)
        except BaseException:
            if client.is_connected:
                client.close()
            raise
        self._client, self._used_at = client, time.monotonic()
        return refused

    async def _send(self, raw: bytes, mail_from: str, recipients: list[str]) -> Refused:
        client = await self._connect()
        try:
            return await self._transaction(client, raw, mail_from, recipients)
        finally:
            if client.is_connected:
                client.close()

    async def _connect(self):
        import aiosmtplib
        from aiosmtplib import SMTPAuthenticationError, SMTPException, SMTPResponseException

        client = aiosmtplib.SMTP(
            hostname=self.host, port=self.port, timeout=self.timeout,
            use_tls=self.security == "tls", start_tls=self.security == "starttls",
            tls_context=self.ssl_context, username=None if self.token_provider else (self.username or None),
            password=self._password if self.username and not self.token_provider else None,
            local_hostname=self.local_hostname,
        )
        # 1. connect, TLS, login: a failure here concerns the server, not this mail.
        try:
            await client.connect()
        except SMTPAuthenticationError as exc:
            raise TransportError(f"SMTP {self.server} refused the login for {self.username!r}: "
                                 f"{exc.code} {exc.message}; check [smtp] username and the password",
                                 temporary=True, code=exc.code, affects_all=True) from None
        except ssl.SSLCertVerificationError as exc:
            raise TransportError(f"SMTP {self.server}: the server's certificate is not trusted "
                                 f"({exc.verify_message}); check [smtp] host", temporary=True,
                                 affects_all=True) from None
        except SMTPResponseException as exc:
            raise TransportError(f"SMTP {self.server} refused the connection: {exc.code} {exc.message}",
                                 temporary=True, code=exc.code, affects_all=True) from None
        except (SMTPException, OSError, asyncio.TimeoutError) as exc:
            raise TransportError(f"cannot reach SMTP {self.server} ({self.security}): {_describe(exc)}",
                                 temporary=True, affects_all=True) from None

        if self.token_provider is not None:
            await self._xoauth2(client)
        return client

    async def _xoauth2(self, client) -> None:
        """AUTH XOAUTH2 (a JSON error challenge, 334, is answered with an empty line to get the verdict)."""
        from aiosmtplib import SMTPException

        from spocmail.oauth2 import OAuth2Error, encoded

        try:
            token = self.token_provider.token()
        except OAuth2Error as exc:
            client.close()
            raise TransportError(str(exc), temporary=True, affects_all=True) from None
        try:
            if client.last_ehlo_response is None:
                await client.ehlo()
            if "xoauth2" not in [m.lower() for m in client.server_auth_methods]:
                client.close()
                raise TransportError(f"SMTP {self.server} does not offer AUTH XOAUTH2 (it offers "
                                     f"{', '.join(client.server_auth_methods) or 'no AUTH'}); check [smtp] host, "
                                     f"port and security, or set [smtp] auth = \"password\"",
                                     temporary=True, affects_all=True)
            response = await client.execute_command(b"AUTH", b"XOAUTH2", encoded(self.username, token).encode())
            if response.code == 334:
                response = await client.execute_command(b"")
        except (SMTPException, OSError, asyncio.TimeoutError) as exc:
            client.close()
            raise TransportError(f"cannot authenticate to SMTP {self.server}: {_describe(exc)}",
                                 temporary=True, affects_all=True) from None
        if response.code != 235:
            client.close()
            self.token_provider.invalidate()  # the next try asks for a new token
            raise TransportError(
                f"SMTP {self.server} refused the OAuth2 token for {self.username!r}: {response.code} "
                f"{response.message}; check [smtp] username is the mailbox's address and the app may send as it "
                f"(Microsoft: SMTP.SendAsApp, SMTP AUTH enabled for the mailbox; Google: domain-wide delegation "
                f"for https://mail.google.com/)", temporary=True, code=response.code, affects_all=True)

    async def _transaction(self, client, raw: bytes, mail_from: str, recipients: list[str],
                           keep: bool = False) -> Refused:
        from aiosmtplib import SMTPDataError, SMTPException, SMTPRecipientRefused, SMTPResponseException

        # 2. the envelope: nothing is handed over yet, so every failure here is certain.
        try:
            options = []
            if client.supports_extension("size"):
                options.append(f"SIZE={len(_crlf(raw))}")
            if client.supports_extension("8bitmime") and not raw.isascii():
                options.append("BODY=8BITMIME")
            await client.mail(mail_from, options=options)
            refused: Refused = {}
            for rcpt in recipients:
                try:
                    await client.rcpt(rcpt)
                except SMTPRecipientRefused as exc:
                    refused[rcpt] = (exc.code, exc.message)
        except SMTPResponseException as exc:
            raise _refusal(f"SMTP {self.server} refused the envelope from {mail_from}", exc) from None
        except (SMTPException, OSError, asyncio.TimeoutError) as exc:
            raise _EnvelopeBroken(f"SMTP {self.server}: the connection broke before the mail was handed over "
                                  f"({_describe(exc)})", temporary=True) from None
        if len(refused) == len(recipients):
            await _quietly(client.rset())
            codes = sorted({code for code, _ in refused.values()})
            detail = "; ".join(f"{r}: {c} {m}" for r, (c, m) in refused.items())
            raise TransportError(f"SMTP {self.server} refused every recipient: {detail}",
                                 temporary=any(400 <= c < 500 for c in codes), code=codes[0])

        # 3. the data: a reply is certain either way; a broken conversation is not.
        try:
            await client.data(raw)
        except SMTPDataError as exc:
            raise _refusal(f"SMTP {self.server} did not accept the mail", exc) from None
        except (SMTPException, OSError, asyncio.TimeoutError) as exc:
            raise DeliveryUncertain(f"SMTP {self.server}: the connection broke while the mail was being handed "
                                    f"over ({_describe(exc)}); the server may or may not have it") from None
        if not keep:
            await _quietly(client.quit())
        return refused


def _refusal(what: str, exc) -> TransportError:
    code = getattr(exc, "code", None)
    return TransportError(f"{what}: {code} {getattr(exc, 'message', exc)}",
                          temporary=code is None or 400 <= code < 500 or code < 200, code=code)


def _describe(exc: BaseException) -> str:
    text = str(exc) or exc.__class__.__name__
    return f"{exc.__class__.__name__}: {text}" if text != exc.__class__.__name__ else text


def _crlf(raw: bytes) -> bytes:
    return re.sub(rb"\r\n|\r|\n", b"\r\n", raw)


async def _quietly(coro) -> None:
    """QUIT and RSET after the outcome is known: their failure changes nothing."""
    try:
        await coro
    except Exception:  # noqa: BLE001
        pass


def transport_for(config: Config) -> Transport:
    """The transport [smtp] asks for."""
    smtp = config.smtp
    if smtp.kind == "file":
        return FileTransport(smtp.dir)
    if smtp.kind == "smtp" and smtp.auth == "oauth2":
        from spocmail.oauth2 import shared_provider

        return SmtpTransport(smtp.host, smtp.port, smtp.security, smtp.username or config.spoc.address, None,
                             smtp.timeout_seconds, token_provider=shared_provider(config))
    if smtp.kind == "smtp":
        return SmtpTransport(smtp.host, smtp.port, smtp.security, smtp.username, smtp.password(),
                             smtp.timeout_seconds)
    if smtp.kind == "graph":
        from spocmail.graph import GraphTransport
        from spocmail.oauth2 import graph_provider

        return GraphTransport(smtp.graph_url, graph_user(config), graph_provider(config), smtp.timeout_seconds)
    raise ConfigError(f'[smtp] kind = "{smtp.kind}": expected "smtp", "graph" or "file"')


def graph_user(config: Config) -> str:
    """The mailbox Graph sends as: [smtp] user, else the SPOC mailbox's address."""
    return config.smtp.user or config.spoc.address
