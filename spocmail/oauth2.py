"""App-only OAuth2 tokens for IMAP and SMTP (SASL XOAUTH2): fetched with the client-credentials grant,
cached, and renewed before they expire.

Providers ([oauth2] provider):
- "generic": a POST of grant_type=client_credentials to token_url (any RFC 6749 token endpoint).
- "microsoft": Entra ID, https://login.microsoftonline.com/TENANT/oauth2/v2.0/token, with the scope
  https://outlook.office365.com/.default. With msal installed it is used (and is needed for
  certificate_file); a client secret alone works without it, as the same POST msal makes.
- "google": a service account with domain-wide delegation (google-auth), impersonating the mailbox.
token_url overrides each provider's endpoint (a loopback stand-in in the tests).
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Callable

from spocmail.config import OAuth2Config
from spocmail.errors import MailboxError

DEFAULT_SCOPES = {
    "microsoft": "https://outlook.office365.com/.default",
    "google": "https://mail.google.com/",
    "generic": "",
}
MICROSOFT_AUTHORITY = "https://login.microsoftonline.com"


class OAuth2Error(MailboxError):
    """No token could be had. `key` names the [oauth2] key most likely at fault; `temporary`: worth retrying."""

    def __init__(self, message: str, *, key: str | None = None, temporary: bool = True):
        super().__init__(message)
        self.key = key
        self.temporary = temporary


class OAuth2LoginRefused(MailboxError):
    """The server refused a token we were given (revoked, wrong mailbox, no permission): retried with back-off."""


@dataclass
class Token:
    value: str
    expires_at: float  # time.monotonic() seconds
    lifetime: float

    def fresh(self, now: float) -> bool:
        # Renew once three quarters of the lifetime has gone, and never closer than 5 minutes to the end
        # for long-lived tokens: a login started with the token must not meet its expiry.
        margin = min(300.0, self.lifetime / 4)
        return now < self.expires_at - margin


def xoauth2(user: str, token: str) -> str:
    """The SASL XOAUTH2 initial response (unencoded): user=...^Aauth=Bearer ...^A^A."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


class TokenProvider:
    """One provider's tokens, cached in memory and shared by IMAP and SMTP in one process."""

    def __init__(self, config: OAuth2Config, subject: str = "", clock: Callable[[], float] = time.monotonic):
        self.config = config
        self.subject = subject  # google: the mailbox impersonated
        self.scope = config.scope or DEFAULT_SCOPES.get(config.provider, "")
        self._clock = clock
        self._token: Token | None = None
        self._lock = threading.Lock()
        self.fetched = 0  # tokens fetched by this provider (for tests and logs)

    @property
    def where(self) -> str:
        return str(self.config.source_file) if self.config.source_file else "config"

    @property
    def token_url(self) -> str:
        c = self.config
        if c.token_url:
            return c.token_url
        if c.provider == "microsoft":
            return f"{MICROSOFT_AUTHORITY}/{c.tenant_id}/oauth2/v2.0/token"
        if c.provider == "google":
            return "https://oauth2.googleapis.com/token"
        return ""

    def token(self) -> str:
        """A token valid for a while yet: the cached one, else a new one."""
        with self._lock:
            now = self._clock()
            if self._token is None or not self._token.fresh(now):
                self._token = self._fetch()
                self.fetched += 1
            return self._token.value

    def invalidate(self) -> None:
        """Forget the cached token (the server refused it: revoked, or the grant changed)."""
        with self._lock:
            self._token = None

    # -- per provider -----------------------------------------------------------------------------

    def _fetch(self) -> Token:
        provider = self.config.provider
        if provider == "google":
            return self._google()
        if provider == "microsoft":
            try:
                import msal  # noqa: F401
            except ImportError:
                if self.config.certificate_file:
                    raise OAuth2Error(f"{self.where}: [oauth2] certificate_file: signing in with a certificate needs "
                                      f"the msal library; install it (pip install msal) or use a client secret",
                                      key="certificate_file", temporary=False) from None
            else:
                url = self.config.token_url
                if not url or (url.startswith("https://") and url.endswith("/oauth2/v2.0/token")):
                    return self._msal()
        return self._client_credentials()

    def _client_credentials(self) -> Token:
        form = {"grant_type": "client_credentials", "client_id": self.config.client_id,
                "client_secret": self.config.client_secret()}
        if self.scope:
            form["scope"] = self.scope
        body = urllib.parse.urlencode(form).encode()
        request = urllib.request.Request(self.token_url, data=body, method="POST",
                                         headers={"Content-Type": "application/x-www-form-urlencoded",
                                                  "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout_seconds) as response:
                payload = _json(response.read())
        except urllib.error.HTTPError as exc:
            payload = _json(exc.read())
            raise self._refusal(exc.code, payload) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise OAuth2Error(f"{self.where}: [oauth2] token_url: cannot reach the token endpoint {self.token_url} "
                              f"({reason}); check the URL and the network", key="token_url") from None
        return self._token_from(payload)

    def _msal(self) -> Token:
        import msal

        c = self.config
        if c.certificate_file:
            credential = _certificate_credential(c)
        else:
            credential = c.client_secret()
        authority = f"{MICROSOFT_AUTHORITY}/{c.tenant_id}"
        extra = {}
        if c.token_url:  # another cloud, or a stand-in: the authority the token URL implies
            authority = c.token_url[: -len("/oauth2/v2.0/token")]
            extra = {"validate_authority": False, "instance_discovery": False}
        try:
            app = msal.ConfidentialClientApplication(c.client_id, client_credential=credential,
                                                     authority=authority, timeout=c.timeout_seconds, **extra)
            result = app.acquire_token_for_client(scopes=[self.scope])
        except ValueError as exc:
            raise OAuth2Error(f"{self.where}: [oauth2] tenant_id = {c.tenant_id!r}: Entra ID did not accept the "
                              f"tenant ({exc}); use the directory (tenant) id of the council's tenant",
                              key="tenant_id", temporary=False) from None
        except Exception as exc:  # noqa: BLE001 - msal surfaces network trouble as requests' errors
            raise OAuth2Error(f"{self.where}: [oauth2]: cannot reach Entra ID ({exc.__class__.__name__}: {exc})",
                              key="token_url") from None
        if "access_token" not in result:
            raise self._refusal(400, result)
        return self._token_from(result)

    def _google(self) -> Token:
        c = self.config
        try:
            from google.auth.transport.requests import Request
            from google.oauth2 import service_account
        except ImportError:
            raise OAuth2Error(f"{self.where}: [oauth2] provider = \"google\" needs the google-auth library; "
                              f"install it (pip install google-auth requests)", key="provider",
                              temporary=False) from None
        try:
            info = json.loads(c.service_account_file.read_text(encoding="utf-8"))
            if c.token_url:
                info["token_uri"] = c.token_url
            creds = service_account.Credentials.from_service_account_info(
                info, scopes=[self.scope], subject=self.subject or None)
        except (OSError, ValueError, KeyError) as exc:
            raise OAuth2Error(f"{self.where}: [oauth2] service_account_file = '{c.service_account_file}': not a "
                              f"service account key ({exc}); download the JSON key of the service account",
                              key="service_account_file", temporary=False) from None
        from google.auth import exceptions as gexc

        try:
            creds.refresh(Request())
        except gexc.RefreshError as exc:
            detail = str(exc)
            key = "service_account_file"
            hint = ("check domain-wide delegation of the service account's client id for scope "
                    f"{self.scope} in the Workspace admin console, and that {self.subject} exists")
            raise OAuth2Error(f"{self.where}: [oauth2] {key}: Google refused the token: {detail}; {hint}",
                              key=key, temporary=False) from None
        except gexc.TransportError as exc:
            raise OAuth2Error(f"{self.where}: [oauth2] token_url: cannot reach Google's token endpoint ({exc})",
                              key="token_url") from None
        lifetime = 3600.0
        if creds.expiry is not None:
            from datetime import datetime, timezone

            lifetime = max(1.0, (creds.expiry.replace(tzinfo=timezone.utc)
                                 - datetime.now(timezone.utc)).total_seconds())
        return Token(creds.token, self._clock() + lifetime, lifetime)

    # -- answers ----------------------------------------------------------------------------------

    def _token_from(self, payload: dict) -> Token:
        value = payload.get("access_token")
        if not isinstance(value, str) or not value:
            raise OAuth2Error(f"{self.where}: [oauth2] token_url: the endpoint {self.token_url} answered without an "
                              f"access_token; is it a token endpoint?", key="token_url")
        try:
            lifetime = float(payload.get("expires_in", 3600))
        except (TypeError, ValueError):
            lifetime = 3600.0
        lifetime = max(1.0, lifetime)
        return Token(value, self._clock() + lifetime, lifetime)

    def _refusal(self, status: int, payload: dict) -> OAuth2Error:
        """Name the key at fault from the OAuth2 error (and Entra ID's AADSTS codes)."""
        error = str(payload.get("error") or f"HTTP {status}")
        description = (str(payload.get("error_description") or "").splitlines() or [""])[0]
        text = f"{error}" + (f": {description}" if description else "")
        c = self.config
        codes = [str(x) for x in payload.get("error_codes", [])] if isinstance(payload.get("error_codes"), list) else []
        aad = " ".join(codes) + " " + description
        if "90002" in aad or "tenant" in aad.lower() and "not found" in aad.lower():
            key, fix = "tenant_id", "use the directory (tenant) id of the council's Entra ID tenant"
        elif "700016" in aad or error == "unauthorized_client":
            key, fix = "client_id", "use the application (client) id of the registered app"
        elif "7000215" in aad or "7000222" in aad or error == "invalid_client":
            key = "client_secret_file" if c.client_secret_file and not c.client_secret_env else "client_secret_env"
            if c.certificate_file:
                key = "certificate_file"
            fix = ("check client_id and the secret: a new client secret from the app registration "
                   "(an expired secret gives this too)")
        elif error == "invalid_scope":
            key, fix = "scope", f"the app has no permission for scope {self.scope!r}"
        elif status == 404:
            key, fix = "token_url", "the URL is not a token endpoint"
        else:
            key, fix = "client_id", "check client_id, the secret and the app's permissions"
        return OAuth2Error(f"{self.where}: [oauth2] {key}: the token endpoint refused the grant ({text}); {fix}",
                           key=key, temporary=status >= 500)


def _certificate_credential(c: OAuth2Config) -> dict:
    pem = c.certificate_file.read_text(encoding="utf-8")
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes

        cert = x509.load_pem_x509_certificate(pem.encode())
        thumbprint = cert.fingerprint(hashes.SHA1()).hex()  # noqa: S303 - the thumbprint Entra ID asks for
    except Exception as exc:  # noqa: BLE001
        raise OAuth2Error(f"[oauth2] certificate_file = '{c.certificate_file}': expected one PEM file with the "
                          f"private key and the certificate ({exc})", key="certificate_file", temporary=False) from None
    return {"private_key": pem, "thumbprint": thumbprint}


def _json(raw: bytes) -> dict:
    try:
        value = json.loads(raw.decode("utf-8", "replace") or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def provider_for(config, subject: str = "") -> TokenProvider:  # a private cache (tests)
    """The one provider of a Config (so IMAP and SMTP share its cache)."""
    return TokenProvider(config.oauth2, subject=subject or config.mailbox.username or config.spoc.address)


def encoded(user: str, token: str) -> str:
    return base64.b64encode(xoauth2(user, token).encode()).decode()


_SHARED: dict[tuple, TokenProvider] = {}
_SHARED_LOCK = threading.Lock()


def shared_provider(config) -> TokenProvider:
    """One provider per [oauth2] table in this process: IMAP, SMTP and every reconnect share its token cache."""
    subject = config.mailbox.username if config.mailbox.auth == "oauth2" else (config.smtp.username
                                                                                or config.spoc.address)
    key = (config.oauth2, subject)
    with _SHARED_LOCK:
        provider = _SHARED.get(key)
        if provider is None:
            provider = _SHARED[key] = TokenProvider(config.oauth2, subject=subject)
        return provider


def graph_provider(config) -> TokenProvider:
    """Tokens for Microsoft Graph ([smtp] kind = "graph"): the same app and cache key as the others, but
    the Graph scope ([smtp] graph_scope), so a token for IMAP is never offered to Graph or back."""
    key = (config.oauth2, "graph", config.smtp.graph_scope)
    with _SHARED_LOCK:
        provider = _SHARED.get(key)
        if provider is None:
            provider = _SHARED[key] = TokenProvider(config.oauth2, subject=config.smtp.user or config.spoc.address)
            provider.scope = config.smtp.graph_scope
        return provider
