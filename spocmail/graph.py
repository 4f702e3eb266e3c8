"""Sending through Microsoft Graph (`[smtp] kind = "graph"`), for tenants that switch SMTP AUTH off.

One `POST {graph_url}/users/{user}/sendMail` per mail, with the exact MIME the outbox stored (base64,
`Content-Type: text/plain`), under the same app-only token as IMAP but for the Graph scope
(`https://graph.microsoft.com/.default`; the app needs the `Mail.Send` application permission,
scoped to the shared mailbox by an application access policy). Graph keeps its own copy in the
mailbox's Sent Items, so no IMAP copy is made.

At most once, as with SMTP: a request that never reached Graph (no connection, a refused or expired
token, throttling) is retried later; one whose answer never came (a timeout or a broken connection
after the mail was handed over, a 500, 502 or 504) is *uncertain* and goes to the SPOC, never resent
blindly.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import http.client
import json
import socket
import ssl
import urllib.parse
from email.utils import getaddresses

from spocmail import logs
from spocmail.transport import DeliveryUncertain, Refused, TransportError

log = logs.get("graph")

GRAPH_URL = "https://graph.microsoft.com/v1.0"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
# Graph takes at most 4 MB in one sendMail request; base64 makes the MIME a third larger.
MAX_MIME_BYTES = 3 * 1024 * 1024 - 64 * 1024


class GraphTransport:
    """Hands each mail to Graph's sendMail for the shared mailbox `user`."""

    def __init__(self, graph_url: str, user: str, token_provider, timeout: float = 30.0,
                 ssl_context: ssl.SSLContext | None = None):
        self.base = graph_url.rstrip("/")
        self.user = user
        self.tokens = token_provider
        self.timeout = timeout
        self.ssl_context = ssl_context
        parts = urllib.parse.urlsplit(self.base)
        self._scheme, self._host, self._port = parts.scheme, parts.hostname or "", parts.port
        self._path = f"{parts.path}/users/{urllib.parse.quote(user, safe='@')}/sendMail"

    @property
    def server(self) -> str:
        return f"Graph {self.base}"

    def __repr__(self) -> str:
        return f"GraphTransport({self.base!r}, user={self.user!r})"

    def send(self, raw: bytes, mail_from: str, recipients: list[str]) -> Refused:
        if len(raw) > MAX_MIME_BYTES:
            raise TransportError(f"{self.server}: the mail is {len(raw):,} bytes; Graph's sendMail takes about "
                                 f"{MAX_MIME_BYTES:,} at most, so it cannot go this way (send its attachments "
                                 f"separately, or use [smtp] kind = \"smtp\")", temporary=False)
        body = base64.b64encode(with_envelope(raw, recipients))
        status, payload, retry_after = self._post(body, self.tokens.token())
        if status == 401:  # the token was refused: forget it and try once with a new one (nothing was sent)
            self.tokens.invalidate()
            status, payload, retry_after = self._post(body, self.tokens.token())
        if status == 202:
            return {}
        code, message = _error(payload)
        what = f"{self.server}: sendMail for {self.user} answered {status} {code}: {message}"
        if status == 401:
            raise TransportError(f"{what}; the token was refused twice: check that the app has the Mail.Send "
                                 f"application permission with admin consent", temporary=True, code=status,
                                 affects_all=True)
        if status == 403:
            raise TransportError(f"{what}; grant the app Mail.Send (application) and allow it this mailbox in "
                                 f"the application access policy", temporary=True, code=status, affects_all=True)
        if status == 404:
            raise TransportError(f"{what}; check [smtp] user: the shared mailbox's address as Graph knows it",
                                 temporary=True, code=status, affects_all=True)
        if status in (429, 503):
            wait = f" (Graph asks to wait {retry_after} s)" if retry_after else ""
            raise TransportError(f"{what}: throttled, not sent{wait}", temporary=True, code=status, affects_all=True)
        if status >= 500:
            raise DeliveryUncertain(f"{what}: Graph may or may not have sent it")
        raise TransportError(what, temporary=False, code=status)

    def _post(self, body: bytes, token: str) -> tuple[int, dict, str | None]:
        if self._scheme == "https":
            conn = http.client.HTTPSConnection(self._host, self._port, timeout=self.timeout,
                                               context=self.ssl_context or ssl.create_default_context())
        else:
            conn = http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)
        try:
            try:
                conn.connect()
            except (OSError, ssl.SSLError) as exc:
                raise TransportError(f"{self.server}: cannot connect ({exc.__class__.__name__}: {exc}); "
                                     f"nothing was sent", temporary=True, affects_all=True) from None
            try:
                conn.request("POST", self._path, body=body, headers={
                    "Authorization": f"Bearer {token}", "Content-Type": "text/plain",
                    "Content-Length": str(len(body))})
            except (OSError, ssl.SSLError) as exc:  # Graph acts only on a whole request: nothing was sent
                raise TransportError(f"{self.server}: the connection broke before the mail was handed over "
                                     f"({exc.__class__.__name__}: {exc}); nothing was sent",
                                     temporary=True, affects_all=True) from None
            try:
                response = conn.getresponse()
                data = response.read()
            except (OSError, socket.timeout, http.client.HTTPException, ssl.SSLError) as exc:
                raise DeliveryUncertain(f"{self.server}: no answer after the mail was handed over "
                                        f"({exc.__class__.__name__}: {exc}); Graph may or may not have sent it") \
                    from None
            try:
                payload = json.loads(data.decode("utf-8", "replace")) if data else {}
            except ValueError:
                payload = {}
            return response.status, payload if isinstance(payload, dict) else {}, response.getheader("Retry-After")
        finally:
            conn.close()


def with_envelope(raw: bytes, recipients: list[str]) -> bytes:
    """Graph reads the recipients from the MIME headers: the outbox's envelope recipients that the
    headers do not show (a Bcc, removed when the mail was queued) are added as a Bcc header, which
    Graph honours and does not deliver. A header recipient outside the envelope is refused, since
    Graph would send to them and the outbox never meant it to."""
    head, sep, rest = raw.partition(b"\r\n\r\n")
    if not sep:
        head, sep, rest = raw.partition(b"\n\n")
    headers = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(head + b"\r\n\r\n", headersonly=True)
    shown = [a.lower() for _n, a in getaddresses([str(v) for k in ("To", "Cc", "Bcc")
                                                   for v in (headers.get_all(k) or [])]) if a]
    wanted = [r.lower() for r in recipients]
    extra = [a for a in shown if a not in wanted]
    if extra:
        raise TransportError(f"Graph would send to {', '.join(sorted(set(extra)))}, who are in the mail's headers "
                             f"but not among its recipients; not sent", temporary=False)
    hidden = [r for r in recipients if r.lower() not in shown]
    if not hidden:
        return raw
    eol = b"\r\n" if b"\r\n" in head else b"\n"
    return head + eol + b"Bcc: " + ", ".join(hidden).encode("ascii", "replace") + sep + rest


def _error(payload: dict) -> tuple[str, str]:
    err = payload.get("error") if isinstance(payload.get("error"), dict) else {}
    lines = str(err.get("message") or "").splitlines()
    return str(err.get("code") or ""), lines[0] if lines else ""
