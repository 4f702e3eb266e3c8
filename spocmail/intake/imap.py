"""The SPOC's IMAP mailbox: fetch unprocessed mail unread, acknowledge it by moving or flagging, IDLE for wake-ups."""

from __future__ import annotations

import email.parser
import email.policy
import imaplib
import io
import ipaddress
import logging
import ssl
import time
from datetime import datetime, timezone
from typing import Callable, Iterable, Iterator, TypeVar
from urllib.parse import quote

import imapclient
from imapclient.exceptions import IMAPClientError, LoginError

from spocmail.errors import ConfigError, MailboxAuthError, MailboxError
from spocmail.intake import FetchedMail

PROCESSED_KEYWORD = "$SpocmailProcessed"
LARGE_MAIL = 8 << 20  # bytes: a mail larger than this is fetched in ranges
FETCH_RANGE = 4 << 20
_LARGE = "spocmail-large"
SECURITY_CHOICES = ("tls", "starttls", "none")

T = TypeVar("T")


class _ServerSaidBye(Exception):
    """The server announced it is closing the connection (untagged BYE seen during IDLE)."""


# What a dropped connection looks like from imapclient: imaplib's abort (EOF, BYE, protocol
# confusion; IMAPClientAbortError is the same class), any socket or TLS error, a timeout.
_DROPPED = (imaplib.IMAP4.abort, OSError, EOFError, _ServerSaidBye)


def _body(item: dict) -> bytes | None:
    """The (partial) BODY[] of a FETCH response item, whatever its origin suffix (BODY[]<0>)."""
    return next((v for k, v in item.items() if isinstance(k, bytes) and k.startswith(b"BODY[]")), None)


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and the name localhost (no DNS is asked)."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ImapMailbox:
    """One folder of one IMAP account, read by UID under its UIDVALIDITY.

    Nothing is marked read by fetching (BODY.PEEK). A mail is acknowledged only by
    `mark_processed`, after its row is committed: moved to `processed_folder` where the
    server offers MOVE, else flagged \\Seen and $SpocmailProcessed so fetch_new skips it.
    A dropped connection is re-opened with back-off inside each call; a refused login is not retried.
    """

    def __init__(
        self,
        *,
        host: str,
        port: int,
        security: str = "tls",
        username: str,
        password: str = "",
        token_provider=None,
        folder: str = "INBOX",
        processed_folder: str = "Processed",
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        idle_renew_seconds: float = 540,
        poll_seconds: float = 60,
        logger: logging.Logger | logging.LoggerAdapter | None = None,
        reconnect_tries: int = 5,
        reconnect_delay: float = 0.5,
        reconnect_max_delay: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if security not in SECURITY_CHOICES:
            raise ConfigError(
                f'[mailbox] security = "{security}": expected one of "tls", "starttls", "none"'
            )
        if security == "none" and not is_loopback(host):
            # Never connect: the first thing we would send is the password, in clear.
            raise ConfigError(
                f'[mailbox] security = "none" sends the password unencrypted, so it is only allowed '
                f'for a loopback host, not host = "{host}": use security = "tls" or "starttls"'
            )
        self.host = host
        self.port = int(port)
        self.security = security
        self.username = username
        self._password = password
        # With a token provider (spocmail.oauth2), each connection logs in with SASL XOAUTH2 and a token
        # that is fresh at that moment, so a reconnect after a long IDLE re-authenticates with a new one.
        self.token_provider = token_provider
        self.folder = folder
        self.processed_folder = processed_folder
        self.timeout = timeout
        self.ssl_context = ssl_context
        self.idle_renew_seconds = idle_renew_seconds
        self.poll_seconds = poll_seconds
        self.log = logger or logging.getLogger("spocmail.intake.imap")
        self.reconnect_tries = max(0, int(reconnect_tries))
        self.reconnect_delay = reconnect_delay
        self.reconnect_max_delay = reconnect_max_delay
        self._sleep = sleep

        self.uidvalidity: int | None = None  # of `folder`, as of the last SELECT
        self._client: imapclient.IMAPClient | None = None
        self._selected = False  # `folder` is selected on the current connection
        self._known_folders: set[str] = set()
        self._searched: tuple[int, int] | None = None  # (UIDVALIDITY, highest UID) of the last fetch_new's SEARCH

    # -- identity ---------------------------------------------------------------------------------

    @property
    def account(self) -> str:
        """user@host:port, for messages and logs (never the password)."""
        return f"{self.username}@{self._host_for_url}:{self.port}"

    @property
    def source(self) -> str:
        return f"imap://{quote(self.username, safe='')}@{self._host_for_url}:{self.port}/{quote(self.folder, safe='/')}"

    @property
    def _host_for_url(self) -> str:
        return f"[{self.host}]" if ":" in self.host and not self.host.startswith("[") else self.host

    def __repr__(self) -> str:
        return f"ImapMailbox({self.source!r}, security={self.security!r})"

    def __enter__(self) -> "ImapMailbox":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- the Mailbox protocol ---------------------------------------------------------------------

    def fetch_new(self, batch_size: int = 50) -> Iterator[FetchedMail]:
        """Yield every mail still in the folder and not yet processed, oldest UID first, `batch_size` per FETCH."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        uidvalidity, uids = self._run("search", self._search_unprocessed)
        # what this search saw: wait_for_mail asks only about what came after it
        self._searched = (uidvalidity, max(uids, default=self._searched[1] if self._searched
                                           and self._searched[0] == uidvalidity else 0))
        for start in range(0, len(uids), batch_size):
            chunk = uids[start : start + batch_size]
            fetched = self._run("fetch", lambda client: self._fetch_chunk(client, uidvalidity, chunk))
            if fetched is None:
                self.log.warning(
                    "UIDVALIDITY of %s changed during a fetch; the rest waits for the next fetch",
                    self.folder,
                    extra={"event": "imap.uidvalidity_changed", "account": self.account, "folder": self.folder,
                           "old_uidvalidity": uidvalidity, "uidvalidity": self.uidvalidity},
                )
                return
            for uid in chunk:
                item = fetched.get(uid)
                if item is None:  # expunged by someone else since the SEARCH
                    continue
                raw = item.get(b"BODY[]")
                if raw is None and item.get(_LARGE) is not None:
                    head = item.pop(_LARGE)
                    raw = self._run("fetch", lambda client: self._fetch_large(client, uidvalidity, uid, head))
                    del head
                if raw is None:
                    continue
                yield FetchedMail(
                    source=self.source,
                    uidvalidity=uidvalidity,
                    uid=str(uid),
                    internaldate=_aware(item.get(b"INTERNALDATE")),
                    raw=bytes(raw),
                )

    def mark_processed(self, mail: FetchedMail) -> None:
        """Move the mail to processed_folder (MOVE) or flag it processed; a no-op if already done."""
        self.mark_processed_many([mail])

    def mark_processed_many(self, mails: list[FetchedMail]) -> None:
        """`mark_processed` for mails whose rows are all committed: one UID MOVE (or STORE) for the lot."""
        by_validity: dict[int, list[int]] = {}
        for mail in mails:
            if mail.uidvalidity is None:
                self.log.warning(
                    "not acknowledging uid %s: it carries no UIDVALIDITY", mail.uid,
                    extra={"event": "imap.ack_skipped", "account": self.account, "uid": mail.uid},
                )
                continue
            by_validity.setdefault(mail.uidvalidity, []).append(int(mail.uid))
        for uidvalidity, uids in by_validity.items():
            self._acknowledge(uidvalidity, sorted(set(uids)))

    def _acknowledge(self, uidvalidity: int, uids: list[int]) -> None:
        def acknowledge(client: imapclient.IMAPClient) -> None:
            self._ensure_selected(client)
            if uidvalidity != self.uidvalidity:
                # The folder was recreated: these UIDs may now name different mail, or none.
                self.log.warning(
                    "not acknowledging uids %s: they belong to UIDVALIDITY %s but %s now has %s",
                    _uid_set(uids), uidvalidity, self.folder, self.uidvalidity,
                    extra={"event": "imap.ack_skipped", "account": self.account, "folder": self.folder,
                           "uids": _uid_set(uids), "mail_uidvalidity": uidvalidity, "uidvalidity": self.uidvalidity},
                )
                return
            if client.has_capability("MOVE"):
                self._move(client, uids)
                action = "moved"
            else:
                client.add_flags(uids, [b"\\Seen", PROCESSED_KEYWORD.encode()], silent=True)
                action = "flagged"
            self.log.debug(
                "uids %s %s", _uid_set(uids), action,
                extra={"event": f"imap.{action}", "account": self.account, "folder": self.folder,
                       "uids": _uid_set(uids), "uidvalidity": self.uidvalidity},
            )

        self._run("acknowledge", acknowledge)

    def wait_for_mail(self, timeout: float) -> bool:
        """IDLE for up to min(timeout, idle_renew_seconds); True if the server announced new mail.

        Without IDLE, sleep min(timeout, poll_seconds) and return False. Either way the caller
        then calls fetch_new: IDLE is only a wake-up. A connection lost while idling is
        re-opened and reported as True, since mail may have arrived meanwhile.
        """
        if timeout <= 0:
            return False

        def prepare(client: imapclient.IMAPClient) -> tuple[bool, bool]:
            self._ensure_selected(client)
            return self._arrived_since_search(client), bool(client.has_capability("IDLE"))

        arrived, can_idle = self._run("select", prepare)
        if arrived:  # came while the last pass was working: IDLE would only announce what is already there
            self.log.debug("new mail arrived during the pass", extra={
                "event": "imap.arrived_during_pass", "account": self.account, "folder": self.folder})
            return True
        if not can_idle:
            self._sleep(min(timeout, self.poll_seconds))
            return False
        client = self._client
        assert client is not None
        try:
            return self._idle(client, min(timeout, self.idle_renew_seconds))
        except _DROPPED as exc:
            self._drop("idle", exc)
            self._run("reconnect after idle", self._ensure_selected)
            return True
        except IMAPClientError as exc:
            self._drop("idle", exc)
            raise MailboxError(f"IMAP {self.account}: IDLE on {self.folder} failed: {self._scrub(exc)}") from None

    def append(
        self, folder: str, raw: bytes, flags: Iterable[str | bytes] = (), date: datetime | None = None,
        *, maybe_stored: bool = False,
    ) -> int | None:
        """APPEND raw to folder (created if missing), e.g. a copy of a sent mail; returns its UID if the server says.

        If the connection drops mid-APPEND the retry first looks for the mail's Message-ID in the
        folder, so a copy the server did store is not stored twice (`maybe_stored`: look first, even
        before the first try).
        """
        flags = tuple(flags)
        message_id = _message_id(raw)
        tried = maybe_stored

        def store(client: imapclient.IMAPClient) -> int | None:
            nonlocal tried
            self._ensure_folder(client, folder)
            if tried and message_id:
                client.select_folder(folder, readonly=True)
                self._selected = False
                found = client.search(["HEADER", "Message-ID", message_id])
                client.unselect_folder()
                if found:
                    return max(found)
            tried = True
            response = client.append(folder, raw, flags=flags, msg_time=date)
            return _appenduid(response)

        return self._run(f"append to {folder}", store)

    def append_many(self, folder: str, raws: list[bytes], flags: Iterable[str | bytes] = ()) -> None:
        """APPEND several mails to folder in one command (MULTIAPPEND, RFC 3502) where the server offers it.

        A server keeping the folder as a Maildir (Dovecot) brings its index up to date once per command: one
        APPEND per mail to a Sent folder holding a year of mail costs tens of milliseconds each, and that
        grows with the folder. MULTIAPPEND stores all of them or none. Without it, or when the connection
        drops mid-command, each mail is appended on its own, a copy the server did store found by its
        Message-ID first and not stored twice.
        """
        raws = list(raws)
        flags = tuple(flags)
        if len(raws) == 1:
            self.append(folder, raws[0], flags=flags)
            return
        if not raws:
            return
        maybe_stored = False
        try:
            client = self._connection()
            if client.has_capability("MULTIAPPEND"):
                self._ensure_folder(client, folder)
                client.multiappend(folder, [{"msg": raw, "flags": flags} for raw in raws])
                return
        except _DROPPED as exc:
            self._drop(f"append to {folder}", exc)
            maybe_stored = True
        except IMAPClientError as exc:
            raise MailboxError(f"IMAP {self.account}: append to {folder} failed: {self._scrub(exc)}") from None
        for raw in raws:
            self.append(folder, raw, flags=flags, maybe_stored=maybe_stored)

    def close(self) -> None:
        """Log out (or just close, if the connection is already broken)."""
        client, self._client = self._client, None
        self._selected = False
        if client is None:
            return
        try:
            client.logout()
        except Exception:  # noqa: BLE001 - a broken connection needs no goodbye
            try:
                client.shutdown()
            except Exception:  # noqa: BLE001
                pass

    # -- steps ------------------------------------------------------------------------------------

    def _search_unprocessed(self, client: imapclient.IMAPClient) -> tuple[int, list[int]]:
        self._select(client)  # a fresh SELECT: current UIDVALIDITY and message list
        uids = client.search(["UNDELETED", "UNKEYWORD", PROCESSED_KEYWORD])
        assert self.uidvalidity is not None
        return self.uidvalidity, sorted(int(u) for u in uids)

    def _arrived_since_search(self, client: imapclient.IMAPClient) -> bool:
        """A quick UID SEARCH: is there unprocessed mail with a UID above what the last fetch_new saw?

        Only mail newer than that search counts, so a mail left in the folder (its acknowledgement skipped)
        cannot make the daemon spin; a changed UIDVALIDITY counts as new mail."""
        if self._searched is None:
            return False
        uidvalidity, highest = self._searched
        if self.uidvalidity != uidvalidity:
            return True
        # NOOP first: the server brings this session's view up to date at a sync point, and a mail another
        # session appended since the pass's SEARCH is otherwise missed here and not announced by IDLE either
        client.noop()
        found = client.search(["UID", f"{highest + 1}:*", "UNDELETED", "UNKEYWORD", PROCESSED_KEYWORD])
        return any(int(uid) > highest for uid in found)  # N:* always matches the highest UID, even below N

    def _fetch_chunk(self, client: imapclient.IMAPClient, uidvalidity: int, chunk: list[int]) -> dict | None:
        self._ensure_selected(client)
        if self.uidvalidity != uidvalidity:
            return None
        # At most LARGE_MAIL bytes of each mail come in the batch; the rest of a larger one is fetched on its
        # own, in ranges, when its turn comes: imapclient holds a whole response three times over while it
        # reads it, and a batch would hold every large mail at once.
        fetched = client.fetch(chunk, [f"BODY.PEEK[]<0.{LARGE_MAIL}>", "RFC822.SIZE", "INTERNALDATE"])
        for item in fetched.values():
            head = _body(item)
            if head is None:
                continue
            if len(head) >= LARGE_MAIL and item.get(b"RFC822.SIZE", 0) > len(head):
                item[_LARGE] = head
            else:
                item[b"BODY[]"] = head
        return fetched

    def _fetch_large(self, client: imapclient.IMAPClient, uidvalidity: int, uid: int, head: bytes) -> bytes | None:
        """The rest of one mail after `head`, in ranges of FETCH_RANGE bytes, gathered without a second copy
        (None: gone meanwhile)."""
        self._ensure_selected(client)
        if self.uidvalidity != uidvalidity:
            return None
        out = io.BytesIO()
        out.write(head)
        while True:
            got = client.fetch([uid], [f"BODY.PEEK[]<{out.tell()}.{FETCH_RANGE}>"]).get(uid)
            if got is None:
                return None
            piece = _body(got)
            if not piece:
                break
            out.write(piece)
            if len(piece) < FETCH_RANGE:
                break
            del piece, got
        return out.getvalue()  # the buffer itself, not a copy

    def _move(self, client: imapclient.IMAPClient, uids: list[int]) -> None:
        self._ensure_folder(client, self.processed_folder)
        try:
            client.move(uids, self.processed_folder)
        except imaplib.IMAP4.abort:
            raise
        except IMAPClientError as exc:
            text = str(exc).upper()
            if len(uids) > 1 and ("EXPUNGEISSUED" in text or "NO LONGER EXIST" in text):
                # Some of the batch went meanwhile (another spocmail moved them): see the expunges, then
                # move the rest one by one, so one gone mail does not leave the others in the folder.
                client.noop()
                for uid in uids:
                    self._move(client, [uid])
                return
            if "EXPUNGEISSUED" in text or "NO LONGER EXIST" in text:
                # Gone from the folder already: another spocmail reading this mailbox stored and moved it
                # (its row is committed before it moves, so the mail is safe in the database).
                self.log.info("uids %s were already moved by another process", _uid_set(uids), extra={
                    "event": "imap.already_moved", "account": self.account, "folder": self.folder,
                    "uids": _uid_set(uids)})
                return
            if "TRYCREATE" not in text:
                raise
            # Someone deleted the folder since we made sure of it.
            self._known_folders.discard(self.processed_folder)
            self._ensure_folder(client, self.processed_folder)
            client.move(uids, self.processed_folder)

    def _idle(self, client: imapclient.IMAPClient, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        client.idle()
        idling = True
        woke = False
        try:
            while not woke:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                started = time.monotonic()
                responses = client.idle_check(timeout=remaining)
                try:
                    woke = _announces_mail(responses)
                except _ServerSaidBye:
                    idling = False  # no DONE: the server is closing, and waiting for its answer could hang
                    raise
                if woke or responses:
                    continue
                if time.monotonic() - started < min(remaining, 1.0) * 0.9:
                    # The socket was readable yet nothing came: EOF, or half a TLS record.
                    # End IDLE and ask: a dead connection fails here, a live one answers.
                    idling = False
                    _, more = client.idle_done()
                    _, noop = client.noop()
                    woke = _announces_mail(more) or _announces_mail(noop)
                    if not woke:
                        client.idle()
                        idling = True
        finally:
            if idling:
                _, more = client.idle_done()
                woke = woke or _announces_mail(more)
        return woke

    # -- connection -------------------------------------------------------------------------------

    def _run(self, what: str, step: Callable[[imapclient.IMAPClient], T]) -> T:
        """Run step on a live connection, re-opening it with back-off when it drops."""
        failures = 0
        delay = self.reconnect_delay
        while True:
            try:
                return step(self._connection())
            except _DROPPED as exc:
                failures += 1
                self._drop(what, exc)
                if failures > self.reconnect_tries:
                    raise MailboxError(
                        f"IMAP {self.account}: {what} failed and {self.reconnect_tries} reconnects did not help: "
                        f"{self._scrub(exc)}"
                    ) from None
                # The first retry is immediate: most drops are a server restart or idle timeout.
                wait = 0.0 if failures == 1 else delay
                if failures > 1:
                    delay = min(delay * 2, self.reconnect_max_delay)
                self.log.warning(
                    "IMAP connection lost during %s; reconnecting (attempt %s of %s) in %.1fs",
                    what, failures, self.reconnect_tries, wait,
                    extra={"event": "imap.reconnect", "account": self.account, "step": what,
                           "attempt": failures, "delay": wait, "error": self._scrub(exc)},
                )
                if wait:
                    self._sleep(wait)
            except MailboxError:
                raise
            except IMAPClientError as exc:
                raise MailboxError(f"IMAP {self.account}: {what} in {self.folder} failed: {self._scrub(exc)}") from None

    def _connection(self) -> imapclient.IMAPClient:
        if self._client is None:
            self._client = self._connect()
            self._selected = False
        return self._client

    def _connect(self) -> imapclient.IMAPClient:
        context = self.ssl_context or ssl.create_default_context()
        try:
            client = imapclient.IMAPClient(
                self.host,
                self.port,
                ssl=self.security == "tls",
                ssl_context=context if self.security == "tls" else None,
                timeout=self.timeout,
            )
        except ssl.SSLCertVerificationError as exc:
            raise self._certificate_error(exc) from None
        # imapclient would otherwise turn INTERNALDATE into naive local time.
        client.normalise_times = False
        try:
            if self.security == "starttls":
                if not client.has_capability("STARTTLS"):
                    raise MailboxError(
                        f'IMAP {self.account} does not offer STARTTLS: check [mailbox] port, or use security = "tls"'
                    )
                try:
                    client.starttls(context)
                except ssl.SSLCertVerificationError as exc:
                    raise self._certificate_error(exc) from None
            if self.token_provider is not None:
                self._oauth2_login(client)
            else:
                try:
                    client.login(self.username, self._password)
                except LoginError as exc:
                    raise MailboxAuthError(
                        f"IMAP {self.account} refused the login for {self.username}: {self._scrub(exc)}; "
                        f"check [mailbox] username and the password"
                    ) from None
        except BaseException:
            _shutdown(client)
            raise
        self.log.info(
            "connected to %s", self.account,
            extra={"event": "imap.connected", "account": self.account, "security": self.security},
        )
        return client

    def _oauth2_login(self, client: imapclient.IMAPClient) -> None:
        from spocmail.oauth2 import OAuth2LoginRefused

        token = self.token_provider.token()  # OAuth2Error (a MailboxError) names the [oauth2] key at fault
        try:
            client.oauth2_login(self.username, token)
        except LoginError as exc:
            # A revoked grant, a token for another mailbox, or no mailbox permission: the next try asks
            # for a new token; the daemon retries with back-off, never in a tight loop.
            self.token_provider.invalidate()
            raise OAuth2LoginRefused(
                f"IMAP {self.account} refused the OAuth2 token for {self.username}: {self._scrub(exc)}; "
                f"check [mailbox] username is the mailbox's address and that the app has IMAP access to it "
                f"(Microsoft: IMAP.AccessAsApp and a mailbox permission for its service principal; "
                f"Google: domain-wide delegation for https://mail.google.com/)"
            ) from None

    def _certificate_error(self, exc: ssl.SSLCertVerificationError) -> MailboxError:
        return MailboxError(
            f"IMAP {self.account}: the server's TLS certificate was not accepted "
            f"({exc.verify_message or exc}); check [mailbox] host matches the certificate"
        )

    def _drop(self, what: str, exc: BaseException) -> None:
        """Forget a broken connection without LOGOUT (it would only hang or fail again)."""
        client, self._client = self._client, None
        self._selected = False
        if client is not None:
            _shutdown(client)
        self.log.info(
            "dropped IMAP connection after %s: %s", what, self._scrub(exc),
            extra={"event": "imap.dropped", "account": self.account, "step": what, "error": self._scrub(exc)},
        )

    def _select(self, client: imapclient.IMAPClient) -> None:
        info = client.select_folder(self.folder)
        self._selected = True
        uidvalidity = int(info[b"UIDVALIDITY"])
        if self.uidvalidity is not None and uidvalidity != self.uidvalidity:
            self.log.warning(
                "UIDVALIDITY of %s changed from %s to %s: its UIDs start afresh",
                self.folder, self.uidvalidity, uidvalidity,
                extra={"event": "imap.uidvalidity_changed", "account": self.account, "folder": self.folder,
                       "old_uidvalidity": self.uidvalidity, "uidvalidity": uidvalidity},
            )
        self.uidvalidity = uidvalidity

    def _ensure_selected(self, client: imapclient.IMAPClient) -> None:
        if not self._selected:
            self._select(client)

    def _ensure_folder(self, client: imapclient.IMAPClient, folder: str) -> None:
        if folder in self._known_folders:
            return
        if not client.folder_exists(folder):
            try:
                client.create_folder(folder)
            except imaplib.IMAP4.abort:
                raise
            except IMAPClientError:
                if not client.folder_exists(folder):  # not merely created by someone else meanwhile
                    raise
            self.log.info(
                "created folder %s", folder,
                extra={"event": "imap.folder_created", "account": self.account, "folder": folder},
            )
        self._known_folders.add(folder)

    def _scrub(self, exc: object) -> str:
        text = str(exc)
        if self._password and self._password in text:
            text = text.replace(self._password, "********")
        return text


def _uid_set(uids: list[int]) -> str:
    """UIDs as an IMAP sequence set for logs: 3:7,9."""
    parts, start, prev = [], None, None
    for uid in sorted(uids):
        if start is None:
            start = prev = uid
        elif uid == prev + 1:
            prev = uid
        else:
            parts.append(f"{start}:{prev}" if prev != start else str(start))
            start = prev = uid
    if start is not None:
        parts.append(f"{start}:{prev}" if prev != start else str(start))
    return ",".join(parts)


def _shutdown(client: imapclient.IMAPClient) -> None:
    try:
        client.shutdown()
    except Exception:  # noqa: BLE001 - closing a dead socket may fail in many ways
        pass


def _announces_mail(responses: Iterable) -> bool:
    """True if untagged responses report new mail (EXISTS, or RECENT above 0); BYE means the server is leaving."""
    for response in responses or ():
        if not isinstance(response, tuple) or len(response) < 2:
            continue
        if response[0] == b"BYE":
            raise _ServerSaidBye(response[1] if len(response) > 1 else b"")
        if response[1] == b"EXISTS":
            return True
        if response[1] == b"RECENT" and isinstance(response[0], int) and response[0] > 0:
            return True
    return False


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        # Should not happen with normalise_times=False; a date without a zone is taken as UTC.
        return value.replace(tzinfo=timezone.utc)
    return value.replace(tzinfo=timezone(value.utcoffset()))


def _appenduid(response: bytes | str | None) -> int | None:
    """The UID from `[APPENDUID <uidvalidity> <uid>]` (UIDPLUS), if the server sent one."""
    text = response.decode(errors="replace") if isinstance(response, bytes) else str(response or "")
    if "APPENDUID" not in text.upper():
        return None
    try:
        return int(text.upper().split("APPENDUID", 1)[1].split("]", 1)[0].split()[1])
    except (IndexError, ValueError):
        return None


def _message_id(raw: bytes) -> str | None:
    headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    value = headers.get("Message-ID")
    return str(value).strip() if value else None
