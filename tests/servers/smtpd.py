"""An aiosmtpd sink on loopback that keeps every envelope it accepts and can be told to refuse the next one."""

from __future__ import annotations

import ssl
import threading
import time
from dataclasses import dataclass

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from .install import ServerStartError, free_port

HOST = "127.0.0.1"
USER = "spoc"
PASSWORD = "smtp-test-password"


@dataclass(frozen=True)
class CapturedMail:
    """One accepted envelope: exactly what the client sent, after SMTP dot-unstuffing."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes  # raw message bytes, CRLF line endings as sent
    peer: tuple = ()
    login: str | None = None  # the AUTH user, if the client authenticated
    tls: bool = False  # whether the session ran over STARTTLS


@dataclass
class _Failure:
    stage: str  # "RCPT" or "DATA"
    code: int
    text: str
    times: int


class _Handler:
    def __init__(self, sink: "SmtpSink"):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refusal = self.sink._take_failure("RCPT")
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        refusal = self.sink._take_failure("DATA")
        if refusal:
            return refusal
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        self.sink._capture(
            CapturedMail(
                mail_from=envelope.mail_from,
                rcpt_tos=tuple(envelope.rcpt_tos),
                content=bytes(envelope.original_content),
                peer=tuple(session.peer) if session.peer else (),
                login=login,
                tls=session.ssl is not None,
            )
        )
        return "250 Message accepted for delivery"

class _OAuthHandler(_Handler):
    """Also AUTH XOAUTH2: the bearer token must be one the OAuthServer issued and still holds valid."""

    async def auth_XOAUTH2(self, server, args):
        import base64

        if len(args) > 1:
            blob = args[1]
        else:
            blob = await server.challenge_auth("", encode_to_b64=False)
            if not isinstance(blob, bytes):
                return AuthResult(success=False, handled=False)
            blob = blob.decode()
        try:
            fields = dict(part.split("=", 1) for part in base64.b64decode(blob).decode().split("\x01") if "=" in part)
        except Exception:  # noqa: BLE001
            await server.push("501 5.5.2 Can't decode XOAUTH2")
            return AuthResult(success=False, handled=True)
        user, bearer = fields.get("user", ""), fields.get("auth", "")
        token = bearer[len("Bearer "):] if bearer.startswith("Bearer ") else ""
        self.sink.xoauth2_attempts += 1
        if user != self.sink.user or not self.sink.oauth.is_valid(token):
            await server.push("535 5.7.8 Authentication unsuccessful (token invalid or expired)")
            return AuthResult(success=False, handled=True)
        return AuthResult(success=True, auth_data=LoginPassword(user.encode(), b""))

class SmtpSink:
    """aiosmtpd in a thread on 127.0.0.1 and a free port.

    With tls=True the server offers STARTTLS (trustme certificates; `client_ssl_context()` trusts
    them) and AUTH PLAIN/LOGIN for `user`/`password`, both required before MAIL.
    """

    def __init__(self, *, tls: bool = False, oauth=None, user: str = USER):
        self.oauth = oauth  # an OAuthServer: AUTH XOAUTH2 required (no TLS: loopback tests only)
        self.xoauth2_attempts = 0
        self.host = HOST
        self.port = 0
        self.tls = tls
        self.user = user
        self.password = PASSWORD
        self.ca = None
        self._messages: list[CapturedMail] = []
        self._failures: list[_Failure] = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._controller: Controller | None = None

    def start(self) -> "SmtpSink":
        kwargs: dict = {}
        if self.tls:
            import trustme

            self.ca = trustme.CA()
            server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self.ca.issue_cert(HOST, "localhost").configure_cert(server_ctx)
            kwargs.update(
                tls_context=server_ctx,
                require_starttls=True,
                authenticator=self._authenticate,
                auth_required=True,
                auth_require_tls=True,
            )
        if self.oauth is not None:
            kwargs.update(authenticator=self._authenticate, auth_required=True, auth_require_tls=False)
        handler = _OAuthHandler(self) if self.oauth is not None else _Handler(self)
        last_error: Exception | None = None
        for _ in range(5):  # the port picked may be taken by someone else before we bind it
            self.port = free_port(HOST)
            controller = Controller(handler, hostname=HOST, port=self.port, ready_timeout=10, **kwargs)
            try:
                controller.start()
            except Exception as exc:  # noqa: BLE001 - report whatever aiosmtpd raised
                last_error = exc
                continue
            self._controller = controller
            return self
        raise ServerStartError(f"aiosmtpd could not start on {HOST}: {last_error!r}")

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop(no_assert=True)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode() == self.user and auth_data.password.decode() == self.password
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    def client_ssl_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context()
        if self.ca is not None:
            self.ca.configure_trust(ctx)
        return ctx

    # -- what tests use ---------------------------------------------------------------------------

    @property
    def messages(self) -> list[CapturedMail]:
        """A snapshot of everything accepted so far, in arrival order."""
        with self._lock:
            return list(self._messages)

    def clear(self) -> None:
        """Forget captured mail and any pending failures."""
        with self._lock:
            self._messages.clear()
            self._failures.clear()

    def fail_next(self, code: int = 451, text: str = "4.3.0 Try again later", *, stage: str = "DATA", times: int = 1) -> None:
        """Refuse the next `times` RCPT or DATA commands with `code text`; later ones succeed again."""
        stage = stage.upper()
        if stage not in ("RCPT", "DATA"):
            raise ValueError(f"stage must be 'RCPT' or 'DATA', not {stage!r}")
        with self._lock:
            self._failures.append(_Failure(stage, code, text, times))

    def wait_for(self, count: int, timeout: float = 5.0) -> list[CapturedMail]:
        """Block until at least `count` messages have arrived (or the timeout passes); return them all."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self._messages) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._arrived.wait(remaining)
            return list(self._messages)

    def _take_failure(self, stage: str) -> str | None:
        with self._lock:
            for failure in self._failures:
                if failure.stage == stage:
                    failure.times -= 1
                    if failure.times <= 0:
                        self._failures.remove(failure)
                    return f"{failure.code} {failure.text}"
        return None

    def _capture(self, mail: CapturedMail) -> None:
        with self._arrived:
            self._messages.append(mail)
            self._arrived.notify_all()
