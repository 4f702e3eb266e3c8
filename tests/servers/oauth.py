"""A loopback OAuth2 authorisation server: client-credentials token endpoint and RFC 7662 introspection.

Tokens are random strings with a short lifetime (`lifetime` seconds, by the real clock: they are
durations, not dates). Dovecot's oauth2 passdb asks `/introspect` (POST token=...), the SMTP sink
asks `is_valid()`. `/TENANT/oauth2/v2.0/token` answers like Entra ID for the one known tenant
(AADSTS90002 for another), so the Microsoft flow is exercised too.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOST = "127.0.0.1"
CLIENT_ID = "spocmail-test-client"
CLIENT_SECRET = "oauth-test-secret"
TENANT = "00000000-0000-0000-0000-0000000000aa"


class OAuthServer:
    def __init__(self, *, lifetime: float = 3600.0, username: str = "spoc", tls: bool = False):
        self.tls = tls  # https with a trustme CA (msal insists on an https authority): `ca_path`
        self.ca = None
        self.ca_path = None
        self.service_accounts: dict[str, str] = {}  # google: client_email -> public key PEM
        self.delegated: set[str] = set()  # google: the mailboxes domain-wide delegation lets it impersonate
        self.lifetime = lifetime
        self.username = username
        self.clients = {CLIENT_ID: CLIENT_SECRET}
        self.certificates: dict[str, str] = {}  # microsoft: client id -> the uploaded certificate's public key PEM
        self.tenant = TENANT
        self._tokens: dict[str, float] = {}  # token -> expiry (time.monotonic)
        self._lock = threading.Lock()
        self.issued = 0
        self.introspections = 0
        self.requests: list[dict] = []  # the token requests' forms, in order
        self._httpd: ThreadingHTTPServer | None = None
        self.port = 0

    # -- life cycle

    def start(self) -> "OAuthServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                path = urllib.parse.urlsplit(self.path).path
                status, body = server._discovery(path)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in urllib.parse.parse_qs(self.rfile.read(length).decode()).items()}
                path = urllib.parse.urlsplit(self.path).path
                status, body = server._answer(path, form)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._httpd = ThreadingHTTPServer((HOST, 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        if self.tls:
            import ssl
            import tempfile

            import trustme

            self.ca = trustme.CA()
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self.ca.issue_cert(HOST, "localhost").configure_cert(ctx)
            self._httpd.socket = ctx.wrap_socket(self._httpd.socket, server_side=True)
            fd, self.ca_path = tempfile.mkstemp(prefix="spocmail-oauth-ca-", suffix=".pem")
            import os

            os.close(fd)
            self.ca.cert_pem.write_to_path(self.ca_path)
        threading.Thread(target=self._httpd.serve_forever, name="oauth-server", daemon=True).start()
        return self

    def stop(self) -> None:
        if self.ca_path:
            import os

            os.unlink(self.ca_path)
            self.ca_path = None
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{HOST}:{self.port}"

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    @property
    def microsoft_token_url(self) -> str:
        return f"{self.url}/{self.tenant}/oauth2/v2.0/token"

    @property
    def introspection_url(self) -> str:
        return f"{self.url}/introspect"

    # -- what tests use

    def reset(self) -> None:
        with self._lock:
            self._tokens.clear()
            self.clients = {CLIENT_ID: CLIENT_SECRET}
            self.certificates = {}
            self.issued = 0
            self.introspections = 0
            self.requests.clear()
        self.lifetime = 3600.0

    def revoke_all(self) -> None:
        """Every token issued so far stops working (a revoked grant)."""
        with self._lock:
            self._tokens.clear()

    def is_valid(self, token: str) -> bool:
        with self._lock:
            expiry = self._tokens.get(token)
        return expiry is not None and time.monotonic() < expiry

    # -- the endpoints

    def _discovery(self, path: str) -> tuple[int, dict]:
        """Entra ID's OpenID metadata per tenant, which msal reads to find the token endpoint."""
        parts = path.strip("/").split("/")
        if len(parts) >= 2 and parts[-2:] == [".well-known", "openid-configuration"]:
            tenant = parts[0]
            if tenant != self.tenant:
                return 400, {"error": "invalid_tenant", "error_codes": [90002],
                             "error_description": f"AADSTS90002: Tenant '{tenant}' not found."}
            base = f"{self.url}/{tenant}"
            return 200, {"token_endpoint": f"{base}/oauth2/v2.0/token",
                         "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                         "issuer": f"{base}/v2.0", "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode"}
        return 404, {"error": "not_found"}

    def _google(self, form: dict) -> tuple[int, dict]:
        """Google's token endpoint for a service account: a signed JWT assertion (RS256), `sub` the mailbox."""
        import jwt

        assertion = form.get("assertion", "")
        try:
            issuer = jwt.decode(assertion, options={"verify_signature": False})["iss"]
            key = self.service_accounts[issuer]
            claims = jwt.decode(assertion, key, algorithms=["RS256"], options={"verify_aud": False})
        except (KeyError, jwt.PyJWTError) as exc:
            return 400, {"error": "invalid_grant", "error_description": f"Invalid JWT Signature. ({exc})"}
        if claims.get("sub") not in self.delegated or claims.get("scope") != "https://mail.google.com/":
            return 401, {"error": "unauthorized_client",
                         "error_description": "Client is unauthorized to retrieve access tokens using this method, "
                                              "or client not authorized for any of the scopes requested."}
        return 200, self._issue()

    def _certificate(self, client: str, assertion: str) -> tuple[int, dict]:
        """Entra ID's certificate credential: a JWT signed with the app's key, `iss`/`sub` the client id."""
        import jwt

        key = self.certificates.get(client)
        try:
            if key is None:
                raise jwt.InvalidSignatureError("no certificate uploaded for the app")
            claims = jwt.decode(assertion, key, algorithms=["RS256", "PS256"], options={"verify_aud": False})
        except jwt.PyJWTError as exc:
            return 401, {"error": "invalid_client", "error_codes": [700027],
                         "error_description": f"AADSTS700027: Client assertion failed signature validation. ({exc})"}
        if claims.get("iss") != client or claims.get("sub") != client:
            return 401, {"error": "invalid_client", "error_codes": [700023],
                         "error_description": "AADSTS700023: Client assertion audience claim does not match."}
        return 200, self._issue()

    def _issue(self) -> dict:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = time.monotonic() + self.lifetime
            self.issued += 1
        return {"access_token": token, "token_type": "Bearer", "expires_in": self.lifetime}

    def _answer(self, path: str, form: dict) -> tuple[int, dict]:
        if path == "/introspect":
            with self._lock:
                self.introspections += 1
            if self.is_valid(form.get("token", "")):
                return 200, {"active": "true", "username": self.username, "scope": "imap smtp"}
            return 200, {"active": "false"}
        microsoft = path.endswith("/oauth2/v2.0/token")
        if path != "/token" and not microsoft:
            return 404, {"error": "not_found"}
        with self._lock:
            self.requests.append(dict(form))
        if form.get("grant_type") == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return self._google(form)
        if microsoft and path.split("/")[1] != self.tenant:
            return 400, {"error": "invalid_request", "error_codes": [90002],
                         "error_description": f"AADSTS90002: Tenant '{path.split('/')[1]}' not found."}
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        client = form.get("client_id", "")
        if client not in self.clients:
            if microsoft:
                return 400, {"error": "unauthorized_client", "error_codes": [700016],
                             "error_description": f"AADSTS700016: Application with identifier '{client}' was not found"}
            return 401, {"error": "invalid_client", "error_description": "unknown client"}
        if form.get("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            return self._certificate(client, form.get("client_assertion", ""))
        if self.clients[client] != form.get("client_secret"):
            if microsoft:
                return 401, {"error": "invalid_client", "error_codes": [7000215],
                             "error_description": "AADSTS7000215: Invalid client secret provided."}
            return 401, {"error": "invalid_client", "error_description": "bad client secret"}
        return 200, self._issue()
