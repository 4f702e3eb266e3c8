"""A throwaway Dovecot IMAP server on loopback: its own config, mail, log and port, gone after the tests."""

from __future__ import annotations

import atexit
import contextlib
import grp
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Iterable

import imapclient

from .install import ServerStartError, ensure_installed, find_binary, free_port, log_tail, stop_pidfile_processes

HOST = "127.0.0.1"
USER = "spoc"
PASSWORD = "spoc-test-password"
START_TIMEOUT = 15.0


def find_dovecot() -> str | None:
    path = find_binary("dovecot")
    # A dovecot without its imap service cannot serve us (dovecot-core alone).
    if path and not any(Path(d, "imap").exists() for d in ("/usr/lib/dovecot", "/usr/libexec/dovecot")):
        return None
    return path


def ensure_dovecot() -> str:
    """The dovecot binary; apt-installs dovecot-imapd (without starting the system service) when missing."""
    return ensure_installed(
        find_dovecot,
        ["dovecot-imapd"],
        "Dovecot (dovecot with its imap service)",
        # Debian's package would start a system-wide Dovecot on 0.0.0.0:143; policy-rc.d forbids
        # that, and this stops it if some init system started it anyway.
        after_install=lambda: stop_pidfile_processes(["/run/dovecot/master.pid", "/var/run/dovecot/master.pid"]),
    )


class DovecotServer:
    """One running Dovecot with one user, `spoc`, whose mail is kept in a temporary Maildir.

    tls=True adds STARTTLS on `port` (plaintext login then refused before STARTTLS) and
    implicit TLS on `tls_port`, with certificates from a trustme CA (`client_ssl_context()` trusts it).
    drop_capabilities removes post-login capabilities (e.g. "MOVE", "IDLE") from what Dovecot offers.
    """

    def __init__(self, *, tls: bool = False, drop_capabilities: Iterable[str] = (), name: str = "dovecot",
                 oauth2_introspection_url: str | None = None):
        self.name = name
        # With an introspection URL, Dovecot also takes SASL XOAUTH2/OAUTHBEARER logins and asks that
        # endpoint (RFC 7662, POST) whether the token is active and whose it is; passwords still work.
        self.oauth2_introspection_url = oauth2_introspection_url
        self.tls = tls
        self.drop_capabilities = tuple(c.upper() for c in drop_capabilities)
        self.host = HOST
        self.user = USER
        self.password = PASSWORD
        self.port = 0
        self.tls_port: int | None = None
        self.ca = None
        self.root = Path()
        self.capabilities: tuple[str, ...] = ()
        self._proc: subprocess.Popen | None = None
        self._helper: imapclient.IMAPClient | None = None
        self._helper_lock = threading.RLock()
        self._binary = ""
        self._doveadm = ""

    # -- life cycle -------------------------------------------------------------------------------

    def start(self) -> "DovecotServer":
        self._binary = ensure_dovecot()
        self._doveadm = find_binary("doveadm") or str(Path(self._binary).with_name("doveadm"))
        self.root = Path(tempfile.mkdtemp(prefix=f"spocmail-{self.name}-"))
        # Dovecot's login and mail processes run unprivileged and must traverse this dir.
        self.root.chmod(0o755)
        if self.tls:
            self._make_certificates()
        atexit.register(self.stop)
        try:
            for attempt in range(1, 4):
                # Ports are chosen by binding port 0 and letting go: another process may grab one first.
                self.port = free_port(HOST)
                self.tls_port = free_port(HOST) if self.tls else None
                self._write_config(capabilities=None)
                self._spawn()
                try:
                    self._wait_for_banner(self.port, tls=False)
                    if self.tls_port:
                        self._wait_for_banner(self.tls_port, tls=True)
                    break
                except ServerStartError:
                    if attempt == 3 or "Address already in use" not in self.log():
                        raise
                    _kill_group(self._proc)
                    self.log_path.unlink(missing_ok=True)
            caps = self._probe_capabilities()
            if self.drop_capabilities:
                # imap_capability replaces the whole list, so derive it from what this Dovecot offers.
                kept = [c for c in caps if c.upper().split("=")[0] not in self.drop_capabilities and c.upper() not in self.drop_capabilities]
                self._write_config(capabilities=kept)
                self._restart()
                caps = self._probe_capabilities()
                still = [c for c in caps if c.upper() in self.drop_capabilities]
                if still:
                    raise ServerStartError(f"{self.name}: capabilities {still} still offered after dropping them")
            self.capabilities = tuple(caps)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Kill the whole process group for certain and remove the temporary directory."""
        self._close_helper()
        proc, self._proc = self._proc, None
        if proc is not None:
            _kill_group(proc)
        if self.root != Path() and self.root.exists():
            shutil.rmtree(self.root, ignore_errors=True)

    def _spawn(self) -> None:
        log = open(self.root / "dovecot.stdout", "ab")
        try:
            # -F: stay in the foreground so we own it; a session of its own so killpg reaches every child.
            self._proc = subprocess.Popen(
                [self._binary, "-F", "-c", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()

    def _restart(self) -> None:
        """Stop and start on the same ports (drops every client connection)."""
        self._close_helper()
        if self._proc is not None:
            _kill_group(self._proc)
        self._spawn()
        self._wait_for_banner(self.port, tls=False)
        if self.tls_port:
            self._wait_for_banner(self.tls_port, tls=True)

    @property
    def config_path(self) -> Path:
        return self.root / "dovecot.conf"

    @property
    def log_path(self) -> Path:
        return self.root / "dovecot.log"

    def log(self) -> str:
        return log_tail(self.log_path) + "\n" + log_tail(self.root / "dovecot.stdout", 2000)

    def _wait_for_banner(self, port: int, *, tls: bool) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self._proc is None or self._proc.poll() is not None:
                code = None if self._proc is None else self._proc.returncode
                raise ServerStartError(f"{self.name} exited (status {code}) before greeting; its log:\n{self.log()}")
            try:
                with socket.create_connection((HOST, port), timeout=2) as raw:
                    sock = self.client_ssl_context().wrap_socket(raw, server_hostname=HOST) if tls else raw
                    banner = sock.recv(512)
                    if banner.startswith(b"* OK"):
                        return
                    last_error = RuntimeError(f"unexpected banner {banner!r}")
            except OSError as exc:
                last_error = exc
            time.sleep(0.05)
        raise ServerStartError(
            f"{self.name} did not greet on {HOST}:{port} within {START_TIMEOUT}s ({last_error}); its log:\n{self.log()}"
        )

    def _probe_capabilities(self) -> list[str]:
        with self.connect() as client:
            return [c.decode() for c in client.capabilities()]

    # -- configuration ----------------------------------------------------------------------------

    def _mail_owner(self) -> tuple[int, int, str]:
        if os.geteuid() == 0:
            # Mail belongs to an unprivileged account that exists on every Debian system.
            user = pwd.getpwnam("nobody")
            return user.pw_uid, grp.getgrnam("nogroup").gr_gid if _has_group("nogroup") else user.pw_gid, "root"
        me = pwd.getpwuid(os.geteuid())
        return me.pw_uid, me.pw_gid, me.pw_name

    def _make_certificates(self) -> None:
        import trustme

        self.ca = trustme.CA()
        cert = self.ca.issue_cert(HOST, "localhost")
        tls_dir = self.root / "tls"
        tls_dir.mkdir(mode=0o700)
        cert.cert_chain_pems[0].write_to_path(str(tls_dir / "cert.pem"))
        for extra in cert.cert_chain_pems[1:]:
            extra.write_to_path(str(tls_dir / "cert.pem"), append=True)
        cert.private_key_pem.write_to_path(str(tls_dir / "key.pem"))
        self.ca.cert_pem.write_to_path(str(tls_dir / "ca.pem"))

    @property
    def ca_path(self) -> Path | None:
        return self.root / "tls" / "ca.pem" if self.tls else None

    def client_ssl_context(self) -> ssl.SSLContext:
        """A verifying client context that trusts this server's test CA."""
        ctx = ssl.create_default_context()
        if self.ca is not None:
            self.ca.configure_trust(ctx)
        return ctx

    def _write_config(self, capabilities: list[str] | None) -> None:
        root = self.root
        uid, gid, internal = self._mail_owner()
        for sub in ("run", "state"):
            (root / sub).mkdir(exist_ok=True)
        for sub in ("mail", "home"):
            (root / sub).mkdir(exist_ok=True)
            os.chown(root / sub, uid, gid)
        (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{root}/home/{USER}::\n")
        (root / "passwd").chmod(0o644)
        unprivileged = ""
        if os.geteuid() != 0:
            unprivileged = f"default_internal_user = {internal}\ndefault_login_user = {internal}\n"
        if self.tls:
            dh = "ssl_dh = </usr/share/dovecot/dh.pem\n" if Path("/usr/share/dovecot/dh.pem").exists() else ""
            tls = (
                "ssl = yes\n"
                f"ssl_cert = <{root}/tls/cert.pem\n"
                f"ssl_key = <{root}/tls/key.pem\n"
                f"{dh}"
                "disable_plaintext_auth = yes\n"
            )
            imaps_port = self.tls_port
        else:
            tls = "ssl = no\ndisable_plaintext_auth = no\n"
            imaps_port = 0
        caps = f"imap_capability = {' '.join(capabilities)}\n" if capabilities is not None else ""
        mechanisms = "plain login"
        oauth2_passdb = ""
        if self.oauth2_introspection_url:
            (root / "dovecot-oauth2.conf.ext").write_text(
                f"introspection_url = {self.oauth2_introspection_url}\n"
                "introspection_mode = post\n"
                "username_attribute = username\n"
                "active_attribute = active\n"
                "active_value = true\n"
            )
            mechanisms = "plain login xoauth2 oauthbearer"
            oauth2_passdb = f"passdb {{\n  driver = oauth2\n  args = {root}/dovecot-oauth2.conf.ext\n}}\n"
        self.config_path.write_text(
            f"""# spocmail test server ({self.name}); generated, thrown away after the tests
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = {HOST}
{unprivileged}login_greeting = spocmail test dovecot ready
{tls}auth_mechanisms = {mechanisms}
auth_verbose = yes
# A refused login is answered without Dovecot's default 2s pause. (Later logins from the same
# IP are still slowed by anvil's auth penalty: test refused logins on a `fresh_dovecot`.)
auth_failure_delay = 0
first_valid_uid = {min(uid, 500) if uid else 0}
first_valid_gid = 0
mail_location = maildir:{root}/mail/%u
mail_fsync = never
{caps}namespace inbox {{
  inbox = yes
  separator = /
}}
{oauth2_passdb}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = {HOST}
    port = {self.port}
  }}
  inet_listener imaps {{
    address = {HOST}
    port = {imaps_port}
  }}
}}
"""
        )

    # -- helpers for tests ------------------------------------------------------------------------

    def connect(self, *, login: bool = True, timeout: float = 10.0) -> imapclient.IMAPClient:
        """A new imapclient connection as `spoc` (STARTTLS first on the TLS server)."""
        client = imapclient.IMAPClient(self.host, self.port, ssl=False, timeout=timeout)
        client.normalise_times = False
        if self.tls:
            client.starttls(self.client_ssl_context())
        if login:
            client.login(self.user, self.password)
        return client

    @contextlib.contextmanager
    def _client(self):
        """The shared helper connection, reconnected once if a kick or restart dropped it."""
        with self._helper_lock:
            for attempt in (1, 2):
                if self._helper is None:
                    self._helper = self.connect()
                try:
                    self._helper.noop()
                except (imapclient.exceptions.IMAPClientAbortError, OSError):
                    self._close_helper(logout=False)
                    if attempt == 2:
                        raise
                    continue
                break
            yield self._helper

    def _close_helper(self, logout: bool = True) -> None:
        helper, self._helper = self._helper, None
        if helper is None:
            return
        with contextlib.suppress(Exception):
            if logout:
                helper.logout()
            else:
                helper.shutdown()
        with contextlib.suppress(Exception):
            helper.shutdown()

    def append(self, raw: bytes, folder: str = "INBOX", flags: Iterable = (), date: datetime | None = None) -> int:
        """IMAP APPEND `raw` to `folder` (created if missing); returns the new UID.

        The internal date is `date`, else the mail's own Date header (else a fixed instant): never the
        machine's date, so no test's outcome depends on the day it runs."""
        if date is None:
            date = _arrival_of(raw)
        with self._client() as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            response = client.append(folder, raw, flags=tuple(flags), msg_time=date)
        return _appenduid(response)

    def append_many(self, raws: Iterable[bytes], folder: str = "INBOX",
                    date: datetime | None = None) -> list[int]:
        return [self.append(raw, folder, date=date) for raw in raws]

    def list_folder(self, folder: str = "INBOX") -> list[bytes]:
        """The raw messages in `folder`, in UID order (empty if the folder does not exist)."""
        return [raw for _, raw, _ in self.messages(folder)]

    def messages(self, folder: str = "INBOX") -> list[tuple[int, bytes, tuple[bytes, ...]]]:
        """(uid, raw, flags) of every message in `folder`, in UID order; fetching does not set \\Seen."""
        with self._client() as client:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            try:
                uids = sorted(client.search("ALL"))
                if not uids:
                    return []
                data = client.fetch(uids, ["BODY.PEEK[]", "FLAGS"])
                return [(uid, data[uid][b"BODY[]"], tuple(data[uid][b"FLAGS"])) for uid in uids if uid in data]
            finally:
                client.unselect_folder()

    def folders(self) -> list[str]:
        with self._client() as client:
            return [name for _, _, name in client.list_folders()]

    def uidvalidity(self, folder: str = "INBOX") -> int:
        with self._client() as client:
            return int(client.folder_status(folder, ["UIDVALIDITY"])[b"UIDVALIDITY"])

    def reset(self) -> None:
        """Every folder but INBOX deleted, INBOX emptied (UIDs go on increasing; UIDVALIDITY is kept)."""
        with self._client() as client:
            names = [name for _, _, name in client.list_folders()]
            for name in sorted((n for n in names if n.upper() != "INBOX"), key=lambda n: n.count("/"), reverse=True):
                with contextlib.suppress(imapclient.exceptions.IMAPClientError):
                    client.delete_folder(name)
            client.select_folder("INBOX")
            uids = client.search("ALL")
            if uids:
                client.delete_messages(uids, silent=True)
                client.expunge()
            client.unselect_folder()

    def kick(self) -> None:
        """Drop every client connection of `spoc` (the server says BYE and closes them)."""
        self._close_helper(logout=False)
        proc = subprocess.run(
            [self._doveadm, "-c", str(self.config_path), "kick", self.user],
            capture_output=True,
            text=True,
            timeout=20,
        )
        # Exit status 68 ("no user matched") is fine: nobody was connected.
        if proc.returncode not in (0, 68):
            raise RuntimeError(f"doveadm kick failed ({proc.returncode}): {proc.stdout}{proc.stderr}\n{self.log()}")

    def restart(self) -> None:
        """Stop Dovecot and start it again on the same port: every connection is cut."""
        self._restart()

    def new_uidvalidity(self, folder: str = "INBOX") -> int:
        """Give `folder` a new UIDVALIDITY (its messages stay) and return it; clients are kicked."""
        old = self.uidvalidity(folder)
        new = old + 1
        self.kick()
        proc = subprocess.run(
            [self._doveadm, "-c", str(self.config_path), "mailbox", "update", "-u", self.user, "--uid-validity", str(new), folder],
            capture_output=True,
            text=True,
            timeout=20,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"doveadm mailbox update failed ({proc.returncode}): {proc.stdout}{proc.stderr}\n{self.log()}")
        got = self.uidvalidity(folder)
        if got == old:
            raise RuntimeError(f"UIDVALIDITY of {folder} still {old} after doveadm mailbox update")
        return got


def _appenduid(response: bytes) -> int:
    # b'[APPENDUID 1700000000 5] Append completed.'
    text = response.decode(errors="replace") if isinstance(response, bytes) else str(response)
    if "APPENDUID" in text:
        return int(text.split("APPENDUID", 1)[1].split("]", 1)[0].split()[1])
    return 0


def _has_group(name: str) -> bool:
    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


def _kill_group(proc: subprocess.Popen, grace: float = 5.0) -> None:
    try:
        pgid = os.getpgid(proc.pid)
    except ProcessLookupError:
        pgid = proc.pid
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, sig)
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        # The master is gone; make sure no child of its group lingers.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
        return


def _arrival_of(raw: bytes) -> datetime:
    """The Date header of `raw` (aware, in a sane year), else 2026-01-05 09:00 UTC."""
    import email
    import email.policy
    import email.utils
    from datetime import timezone

    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    msg = email.message_from_bytes(head + b"\r\n\r\n", policy=email.policy.compat32)
    try:
        when = email.utils.parsedate_to_datetime(msg["Date"]) if msg["Date"] else None
    except (TypeError, ValueError, IndexError, OverflowError):
        when = None
    if when is None or when.tzinfo is None or not 1990 <= when.year <= 2100:
        return datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    return when
