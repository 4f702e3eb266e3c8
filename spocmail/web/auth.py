"""Sessions, CSRF, the login rate limit, and the trusted reverse proxy's identity header.

A session is a row: the cookie carries 32 random bytes, the database only their SHA-256, so a copy of the
database signs nobody in and no signing secret has to be kept anywhere. Each session has its own CSRF token,
which every POST must carry in its form (compared in constant time). The cookie is HttpOnly, SameSite=Strict
and Secure (named with the __Host- prefix) unless [web] secure_cookies = false, allowed on loopback only.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import threading
import time
from collections import defaultdict, deque
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from spocmail.config import WebConfig
from spocmail.db.web import WebSession, WebUser


def cookie_name(web: WebConfig) -> str:
    return "__Host-spocmail" if web.secure_cookies else "spocmail"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(session: Session, user: WebUser, *, now: datetime, minutes: int, address: str) -> tuple[str, WebSession]:
    """A new session for USER: returns the cookie's token (shown once, never stored) and the row."""
    token = secrets.token_urlsafe(32)
    row = WebSession(token_hash=_digest(token), user_id=user.id, csrf=secrets.token_urlsafe(32), created_at=now,
                     expires_at=now + timedelta(minutes=minutes), address=address[:64])
    session.add(row)
    # sessions that ran out go when anyone signs in
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    session.flush()
    return token, row


def find_session(session: Session, token: str | None, now: datetime) -> tuple[WebSession, WebUser] | None:
    if not token or len(token) > 200:
        return None
    row = session.scalar(select(WebSession).where(WebSession.token_hash == _digest(token)))
    if row is None or row.expires_at <= now:
        return None
    user = session.get(WebUser, row.user_id)
    if user is None or user.disabled:
        return None
    return row, user


def close_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(WebSession).where(WebSession.token_hash == _digest(token)))


def csrf_ok(row: WebSession, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(row.csrf.encode(), str(submitted).encode())


class LoginLimiter:
    """At most `attempts` failed logins per (address, name) and 4x that per address in a sliding window.

    Kept in memory (monotonic time, not the replayable clock): a restart forgets it, which costs an attacker a
    restart of the council's server per handful of guesses."""

    def __init__(self, attempts: int, window_seconds: int):
        self.attempts, self.window = attempts, window_seconds
        self._failures: dict[tuple, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: tuple, now: float) -> deque:
        q = self._failures[key]
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def blocked(self, address: str, name: str) -> bool:
        now = time.monotonic()
        with self._lock:
            return (len(self._recent((address, name.lower()), now)) >= self.attempts
                    or len(self._recent((address,), now)) >= 4 * self.attempts)

    def failed(self, address: str, name: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent((address, name.lower()), now).append(now)
            self._recent((address,), now).append(now)

    def succeeded(self, address: str, name: str) -> None:
        with self._lock:
            self._failures.pop((address, name.lower()), None)


class ProxyTrust:
    """The identity header is believed only when the connection itself comes from a configured proxy."""

    def __init__(self, web: WebConfig):
        self.header = web.proxy_user_header.lower() if web.proxy_user_header else None
        self.networks = [ipaddress.ip_network(n, strict=False) for n in web.trusted_proxies]

    def trusted(self, peer: str | None) -> bool:
        if not peer or not self.networks:
            return False
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in n for n in self.networks)

    def identity(self, peer: str | None, headers) -> str | None:
        if self.header is None or not self.trusted(peer):
            return None
        value = headers.get(self.header)
        return value.strip() if value and value.strip() else None
