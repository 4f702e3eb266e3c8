"""Load and validate config.toml into frozen dataclasses; every error names the file, the key and the fix."""

from __future__ import annotations

import ipaddress
import os
import re
import socket
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from spocmail import resources
from spocmail.errors import ConfigError

HOLIDAY_REGIONS = ("uk", "england-and-wales", "scotland", "northern-ireland")
SECURITY = ("tls", "starttls", "none")
AUTH = ("password", "oauth2")
OAUTH2_PROVIDERS = ("microsoft", "google", "generic")


@dataclass(frozen=True)
class CouncilConfig:
    """[council]: the council's name, time zone, bank-holiday region, staff mail domains and contact details."""
    name: str = "Example District Council"
    timezone: str = "Europe/London"
    holidays: str = "uk"
    staff_domains: tuple[str, ...] = ()
    address: str = ""  # the council's postal address, in every signature (seed 004's charter)
    phone: str = ""  # the SPOC's telephone number, likewise


@dataclass(frozen=True)
class SpocConfig:
    """[spoc]: the shared mailbox's address and the name it signs with."""
    address: str = "spoc@council.example"
    name: str = "Single Point of Contact"


@dataclass(frozen=True)
class DatabaseConfig:
    """[database]: a sqlite:/// or postgresql+psycopg:// URL."""
    url: str = "sqlite:///var/spocmail.db"


@dataclass(frozen=True)
class StorageConfig:
    """[storage]: the folder that keeps every mail as it arrived."""
    dir: Path = Path("var/mail")


@dataclass(frozen=True)
class LimitsConfig:
    """Bounded work per mail: a mail past one of these is set aside with the reason (or, for the number of
    requests, filed as one issue for the SPOC to split) so it cannot hold up the mail behind it."""

    max_mail_bytes: int = 50 * 1024 * 1024
    max_depth: int = 20  # multiparts and attached messages inside each other
    max_parts: int = 500
    max_text_chars: int = 1_000_000
    max_issues_per_mail: int = 25
    # mails worked in one transaction (each in its own savepoint), committed at the latest after batch_seconds
    batch_mails: int = 25
    batch_seconds: int = 2
    # a pass of at least this many new mails parses them on a second core, ahead of the steps; 0: never
    parse_ahead_from: int = 20


@dataclass(frozen=True)
class MailboxConfig:
    """[mailbox]: where mail comes from (a Maildir or an IMAP server) and how to log in."""
    kind: str = "maildir"
    host: str = "127.0.0.1"
    port: int = 993
    security: str = "tls"
    username: str = ""
    password_env: str | None = None
    password_file: Path | None = None
    folder: str = "INBOX"
    processed_folder: str = "Processed"
    sent_folder: str = "Sent"
    poll_seconds: int = 60
    batch_size: int = 50
    timeout_seconds: int = 30
    path: Path = Path("var/maildir")
    create: bool = False  # kind = "maildir": create `path` when it is missing (else a mistyped path is an error)
    auth: str = "password"  # or "oauth2": log in with SASL XOAUTH2 and a token from [oauth2]
    # where the IMAP password was supposed to come from, for error messages
    source_file: Path | None = None

    def password(self) -> str:
        return _read_secret("mailbox", self.password_env, self.password_file, self.source_file)


@dataclass(frozen=True)
class SmtpConfig:
    """[smtp]: where mail goes (a folder of files or an SMTP server) and how to log in."""
    kind: str = "file"
    host: str = "127.0.0.1"
    port: int = 587
    security: str = "starttls"
    username: str = ""
    password_env: str | None = None
    password_file: Path | None = None
    timeout_seconds: int = 30
    dir: Path = Path("var/outbox")
    auth: str = "password"  # or "oauth2": AUTH XOAUTH2 with a token from [oauth2]
    graph_url: str = "https://graph.microsoft.com/v1.0"  # kind = "graph": Microsoft Graph sendMail
    user: str = ""  # kind = "graph": the shared mailbox that sends ("" : [spoc] address)
    graph_scope: str = "https://graph.microsoft.com/.default"
    max_per_address_per_hour: int = 100  # no address gets more mails than this in an hour (0: no limit)
    source_file: Path | None = None

    def password(self) -> str | None:
        if not self.username or self.auth == "oauth2":
            return None
        return _read_secret("smtp", self.password_env, self.password_file, self.source_file)


@dataclass(frozen=True)
class OAuth2Config:
    """Where the app-only (client-credentials) tokens for [mailbox] and [smtp] auth = "oauth2" come from."""

    provider: str = ""  # "" : no [oauth2] table
    tenant_id: str = ""
    client_id: str = ""
    client_secret_env: str | None = None
    client_secret_file: Path | None = None
    certificate_file: Path | None = None
    service_account_file: Path | None = None
    token_url: str | None = None
    scope: str | None = None
    timeout_seconds: int = 30
    source_file: Path | None = None

    def client_secret(self) -> str:
        where = str(self.source_file) if self.source_file else "config"
        if self.client_secret_env:
            value = os.environ.get(self.client_secret_env)
            if not value:
                raise ConfigError(
                    f"{where}: [oauth2] client_secret_env = {self.client_secret_env!r}: the environment variable "
                    f"{self.client_secret_env} is not set; export it with the app's client secret, "
                    f"or name a file with client_secret_file")
            return value
        if self.client_secret_file:
            try:
                return self.client_secret_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(
                    f"{where}: [oauth2] client_secret_file = '{self.client_secret_file}': cannot read it "
                    f"({exc.strerror}); create the file with the client secret, readable by spocmail") from None
        raise ConfigError(f"{where}: [oauth2] client_secret_env: expected client_secret_env or client_secret_file")


@dataclass(frozen=True)
class WeeklyConfig:
    """[weekly]: the weekly response and its attachments, single-issue margins, deadline warnings and reminders."""
    empty_week: str = "note"
    max_attachment_bytes: int = 10 * 1024 * 1024
    single_issue_margin_days: int = 2
    deadline_warning_days: int = 3
    reminder_days_before: int = 1


@dataclass(frozen=True)
class OfficersConfig:
    """[officers]: when one officer's requests and reminders are held for one daily digest."""
    # requests and reminders to one officer in one London day beyond this many are held for one digest (0: never)
    digest_after: int = 10
    digest_time: str = "16:00"  # London time the day's digest goes


@dataclass(frozen=True)
class IdentifyConfig:
    """[identify]: the least score at which a customer match is taken provisionally (below it, the SPOC is asked)."""
    threshold: float = 0.5


@dataclass(frozen=True)
class RulesConfig:
    """[rules]: the council's own rules folder, or the packaged rules."""
    dir: Path | None = None  # None: the rules packaged with spocmail


@dataclass(frozen=True)
class TemplatesConfig:
    """[templates]: the council's own templates folder, or the packaged templates."""
    dir: Path | None = None  # None: the templates packaged with spocmail


@dataclass(frozen=True)
class SecurityConfig:
    """[security]: which mail server's authentication results are believed."""
    # whose Authentication-Results headers are believed (RFC 8601): the council's own inbound server.
    # Set, an officer's answer or a SPOC approval counts only when that server saw DMARC (or DKIM aligned
    # with the From domain) pass; unset, none are believed and only the sender and the token decide.
    trusted_authserv_id: str | None = None


# The kinds of record retention can keep for their own time: an issue's category, or "default" for the rest.
RETENTION_KINDS = ("foi", "eir", "sar", "complaint", "service-request", "general-enquiry", "no-response")


@dataclass(frozen=True)
class RetentionConfig:
    """[retention]: how long records are kept after an arrangement ends, per kind of record."""
    default_months: int = 6  # after the arrangement ends (seed 001)
    months: tuple[tuple[str, int], ...] = ()  # (kind, months) where a kind keeps its own time (seed 004)

    def months_for(self, kind: str | None) -> int:
        return dict(self.months).get(kind or "", self.default_months)


@dataclass(frozen=True)
class WebConfig:
    """[web]: the SPOC's web page (spocmail/web). Cookies are Secure unless secure_cookies = false (plain-HTTP
    loopback only). A reverse proxy's identity header is believed only from the trusted_proxies addresses."""

    enabled: bool = False  # also serve it inside `spocmail run`
    host: str = "127.0.0.1"
    port: int = 8025
    secure_cookies: bool = True
    session_minutes: int = 480
    login_attempts: int = 5  # failed logins per user and address in login_window_seconds before refusal
    login_window_seconds: int = 900
    trusted_proxies: tuple[str, ...] = ()  # addresses or networks ("10.0.0.5", "10.0.0.0/24")
    proxy_user_header: str | None = None  # e.g. "X-Remote-User": the user name (or officer email) it carries


@dataclass(frozen=True)
class LoggingConfig:
    """[logging]: text or JSON lines, the level, and a file (else standard error)."""
    format: str = "text"
    level: str = "INFO"
    file: Path | None = None


@dataclass(frozen=True)
class Config:
    """The whole config.toml, one frozen section a table."""
    path: Path | None = None
    council: CouncilConfig = field(default_factory=CouncilConfig)
    spoc: SpocConfig = field(default_factory=SpocConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    mailbox: MailboxConfig = field(default_factory=MailboxConfig)
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    oauth2: OAuth2Config = field(default_factory=OAuth2Config)
    identify: IdentifyConfig = field(default_factory=IdentifyConfig)
    weekly: WeeklyConfig = field(default_factory=WeeklyConfig)
    officers: OfficersConfig = field(default_factory=OfficersConfig)
    rules: RulesConfig = field(default_factory=RulesConfig)
    templates: TemplatesConfig = field(default_factory=TemplatesConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    security: SecurityConfig = field(default_factory=SecurityConfig)
    web: WebConfig = field(default_factory=WebConfig)
    retention: RetentionConfig = field(default_factory=RetentionConfig)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.council.timezone)


# ---------------------------------------------------------------- validation helpers


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and names that resolve only to them (e.g. localhost)."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    if host == "localhost":
        return True
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(i[4][0]).is_loopback for i in infos)


def _read_secret(section: str, env: str | None, file: Path | None, source: Path | None) -> str:
    where = str(source) if source else "config"
    if env:
        value = os.environ.get(env)
        if value is None:
            raise ConfigError(
                f"{where}: [{section}] password_env = {env!r}: the environment variable {env} is not set; "
                f"export it with the password, or name a file with password_file"
            )
        return value
    if file:
        try:
            return file.read_text(encoding="utf-8").strip("\r\n")
        except OSError as exc:
            raise ConfigError(
                f"{where}: [{section}] password_file = '{file}': cannot read it ({exc.strerror}); "
                f"create the file with the password, readable by spocmail"
            ) from None
    raise ConfigError(
        f"{where}: [{section}] has a username but no password source: "
        f"set password_env (an environment variable) or password_file (a file holding the password)"
    )


class _Reader:
    """Reads one [section], checking types and refusing unknown keys."""

    def __init__(self, path: Path | None, section: str, data: Any):
        self.path = path
        self.section = section
        if not isinstance(data, dict):
            self.fail_section("a table")
        self.data = dict(data)
        self.seen: set[str] = set()

    @property
    def where(self) -> str:
        return str(self.path) if self.path else "config"

    def fail_section(self, expected: str) -> None:
        raise ConfigError(f"{self.where}: [{self.section}] must be {expected}")

    def fail(self, key: str, expected: str) -> None:
        value = self.data.get(key)
        raise ConfigError(f"{self.where}: [{self.section}] {key} = {value!r}: expected {expected}")

    def get(self, key: str, default: Any, kind: type | tuple, expected: str) -> Any:
        self.seen.add(key)
        if key not in self.data:
            return default
        value = self.data[key]
        if isinstance(value, bool) and kind in (int, float):
            self.fail(key, expected)
        if not isinstance(value, kind):
            self.fail(key, expected)
        return value

    def text(self, key: str, default: str | None, check: Callable[[str], bool] | None = None,
             expected: str = "a string") -> Any:
        value = self.get(key, default, str, expected)
        if value is not None and check is not None and not check(value):
            self.fail(key, expected)
        return value

    def choice(self, key: str, default: str, options: tuple[str, ...]) -> str:
        expected = "one of " + ", ".join(f'"{o}"' for o in options)
        return self.text(key, default, lambda v: v in options, expected)

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        expected = f"a whole number from {low} to {high}"
        value = self.get(key, default, int, expected)
        if not low <= value <= high:
            self.fail(key, expected)
        return value

    def strings(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self.get(key, list(default), list, "a list of strings")
        if not all(isinstance(v, str) and v for v in value):
            self.fail(key, "a list of non-empty strings")
        return tuple(value)

    def path_(self, key: str, default: Path | None) -> Path | None:
        value = self.text(key, None if default is None else str(default))
        if value is None:
            return None
        p = Path(value).expanduser()
        if not p.is_absolute() and self.path is not None:
            p = self.path.parent / p
        return p

    def folder(self, key: str, what: str) -> Path | None:
        """An optional folder that must exist: the council's own copies of something spocmail ships."""
        p = self.path_(key, None)
        if p is not None and not p.is_dir():
            raise ConfigError(f"{self.where}: [{self.section}] {key} = {self.data[key]!r}: no such folder ({p}); "
                              f"expected a folder with the council's own {what} (`spocmail init DIR` writes "
                              f"one), or remove the key to use the {what} packaged with spocmail")
        return p

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.seen)
        if unknown:
            raise ConfigError(
                f"{self.where}: [{self.section}] {unknown[0]}: unknown key; "
                f"the keys of [{self.section}] are documented in {resources.packaged('config.example.toml')}"
            )


def _timezone_ok(value: str) -> bool:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _email_ok(value: str) -> bool:
    local, _, domain = value.partition("@")
    return bool(local) and "." in domain and " " not in value


def _resolve_sqlite(url: str, base: Path | None) -> str:
    """Relative SQLite paths are relative to the config file, like every other path."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or base is None:
        return url
    rest = url[len(prefix):]
    if rest.startswith("/") or rest.startswith(":memory:") or rest == "":
        return url
    return prefix + str((base.parent / rest).resolve())


# ---------------------------------------------------------------- loading


def from_dict(data: dict[str, Any], path: Path | None = None) -> Config:
    """Validate a parsed TOML document; `path` is used in messages and to resolve relative paths."""
    where = str(path) if path else "config"
    known = {f.name for f in fields(Config)} - {"path"}
    for section in data:
        if section not in known:
            raise ConfigError(f"{where}: [{section}]: unknown section; expected one of "
                              + ", ".join(sorted(known)))

    r = _Reader(path, "council", data.get("council", {}))
    council = CouncilConfig(
        name=r.text("name", CouncilConfig.name),
        timezone=r.text("timezone", "Europe/London", _timezone_ok, "an IANA time zone such as \"Europe/London\""),
        holidays=r.choice("holidays", "uk", HOLIDAY_REGIONS),
        staff_domains=tuple(d.lower() for d in r.strings("staff_domains", ())),
        address=" ".join(r.text("address", "", expected="the council's postal address as a string").split()),
        phone=r.text("phone", "", lambda v: all(c.isdigit() or c in " +()-" for c in v),
                     "a telephone number such as \"01234 567890\""),
    )
    r.done()

    r = _Reader(path, "spoc", data.get("spoc", {}))
    spoc = SpocConfig(
        address=r.text("address", SpocConfig.address, _email_ok, "an email address such as \"spoc@council.example\"").lower(),
        name=r.text("name", SpocConfig.name),
    )
    r.done()

    r = _Reader(path, "database", data.get("database", {}))
    url = r.text("url", DatabaseConfig.url,
                 lambda v: v.startswith(("sqlite:", "postgresql")),
                 "a sqlite:///PATH or postgresql+psycopg://USER@HOST/DB URL")
    database = DatabaseConfig(url=_resolve_sqlite(url, path))
    r.done()

    r = _Reader(path, "storage", data.get("storage", {}))
    storage = StorageConfig(dir=r.path_("dir", StorageConfig.dir))
    r.done()

    r = _Reader(path, "limits", data.get("limits", {}))
    limits = LimitsConfig(
        max_mail_bytes=r.integer("max_mail_bytes", LimitsConfig.max_mail_bytes, 1024, 2**40),
        max_depth=r.integer("max_depth", LimitsConfig.max_depth, 1, 1000),
        max_parts=r.integer("max_parts", LimitsConfig.max_parts, 1, 1_000_000),
        max_text_chars=r.integer("max_text_chars", LimitsConfig.max_text_chars, 1000, 2**31),
        max_issues_per_mail=r.integer("max_issues_per_mail", LimitsConfig.max_issues_per_mail, 1, 10_000),
        batch_mails=r.integer("batch_mails", LimitsConfig.batch_mails, 1, 1000),
        batch_seconds=r.integer("batch_seconds", LimitsConfig.batch_seconds, 1, 600),
        parse_ahead_from=r.integer("parse_ahead_from", LimitsConfig.parse_ahead_from, 0, 1_000_000),
    )
    r.done()

    r = _Reader(path, "mailbox", data.get("mailbox", {}))
    kind = r.choice("kind", "maildir", ("imap", "maildir"))
    mailbox = MailboxConfig(
        kind=kind,
        host=r.text("host", "127.0.0.1"),
        port=r.integer("port", 993, 1, 65535),
        security=r.choice("security", "tls", SECURITY),
        username=r.text("username", ""),
        password_env=r.text("password_env", None),
        password_file=r.path_("password_file", None),
        folder=r.text("folder", "INBOX"),
        processed_folder=r.text("processed_folder", "Processed"),
        sent_folder=r.text("sent_folder", "Sent"),
        poll_seconds=r.integer("poll_seconds", 60, 1, 86400),
        batch_size=r.integer("batch_size", 50, 1, 5000),
        timeout_seconds=r.integer("timeout_seconds", 30, 1, 3600),
        path=r.path_("path", MailboxConfig.path),
        create=r.get("create", False, bool, "true or false"),
        auth=r.choice("auth", "password", AUTH),
        source_file=path,
    )
    if "password" in r.data:
        raise ConfigError(f"{where}: [mailbox] password: passwords are never kept in the config; "
                          f"use password_env (an environment variable) or password_file")
    r.done()
    if kind == "imap":
        if not mailbox.username:
            raise ConfigError(f"{where}: [mailbox] username: expected the IMAP account name when kind = \"imap\"")
        if mailbox.security == "none" and not is_loopback(mailbox.host):
            raise ConfigError(f"{where}: [mailbox] security = \"none\": refused for host {mailbox.host!r}, "
                              f"which is not loopback; use \"tls\" or \"starttls\"")
        if mailbox.auth == "password" and not (mailbox.password_env or mailbox.password_file):
            raise ConfigError(f"{where}: [mailbox] password_env: expected password_env or password_file "
                              f"when kind = \"imap\"")

    r = _Reader(path, "smtp", data.get("smtp", {}))
    skind = r.choice("kind", "file", ("smtp", "file", "graph"))
    smtp = SmtpConfig(
        kind=skind,
        host=r.text("host", "127.0.0.1"),
        port=r.integer("port", 587, 1, 65535),
        security=r.choice("security", "starttls", SECURITY),
        username=r.text("username", ""),
        password_env=r.text("password_env", None),
        password_file=r.path_("password_file", None),
        timeout_seconds=r.integer("timeout_seconds", 30, 1, 3600),
        dir=r.path_("dir", SmtpConfig.dir),
        auth=r.choice("auth", "password", AUTH),
        graph_url=r.text("graph_url", SmtpConfig.graph_url, lambda v: v.startswith(("https://", "http://")),
                         "an http(s):// URL of Microsoft Graph, e.g. https://graph.microsoft.com/v1.0"),
        user=r.text("user", ""),
        graph_scope=r.text("graph_scope", SmtpConfig.graph_scope),
        max_per_address_per_hour=r.integer("max_per_address_per_hour", SmtpConfig.max_per_address_per_hour, 0,
                                           100_000),
        source_file=path,
    )
    if skind == "graph":
        from urllib.parse import urlsplit

        if smtp.graph_url.startswith("http://") and not is_loopback(urlsplit(smtp.graph_url).hostname or ""):
            raise ConfigError(f"{where}: [smtp] graph_url = {smtp.graph_url!r}: plain http is refused for a host "
                              f"that is not loopback (the token would cross the network in clear); use https://")
    if "password" in r.data:
        raise ConfigError(f"{where}: [smtp] password: passwords are never kept in the config; "
                          f"use password_env (an environment variable) or password_file")
    r.done()
    if skind == "smtp" and smtp.security == "none" and not is_loopback(smtp.host):
        raise ConfigError(f"{where}: [smtp] security = \"none\": refused for host {smtp.host!r}, "
                          f"which is not loopback; use \"tls\" or \"starttls\"")

    oauth2 = _oauth2(path, data, mailbox, smtp)

    r = _Reader(path, "identify", data.get("identify", {}))
    threshold = r.get("threshold", 0.5, (int, float), "a number from 0.0 to 1.0")
    if not 0.0 <= threshold <= 1.0:
        r.fail("threshold", "a number from 0.0 to 1.0")
    identify = IdentifyConfig(threshold=float(threshold))
    r.done()

    r = _Reader(path, "weekly", data.get("weekly", {}))
    weekly = WeeklyConfig(
        empty_week=r.choice("empty_week", "note", ("note", "skip")),
        max_attachment_bytes=r.integer("max_attachment_bytes", WeeklyConfig.max_attachment_bytes, 0, 2**31),
        single_issue_margin_days=r.integer("single_issue_margin_days", 2, 0, 20),
        deadline_warning_days=r.integer("deadline_warning_days", 3, 0, 20),
        reminder_days_before=r.integer("reminder_days_before", 1, 0, 20),
    )
    r.done()

    r = _Reader(path, "officers", data.get("officers", {}))
    officers_ = OfficersConfig(
        digest_after=r.integer("digest_after", OfficersConfig.digest_after, 0, 10000),
        digest_time=r.text("digest_time", OfficersConfig.digest_time,
                           lambda v: bool(re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", v)), '"HH:MM", e.g. "16:00"'),
    )
    r.done()

    r = _Reader(path, "rules", data.get("rules", {}))
    rules = RulesConfig(dir=r.folder("dir", "rules files"))
    r.done()

    r = _Reader(path, "templates", data.get("templates", {}))
    templates = TemplatesConfig(dir=r.folder("dir", "mail templates"))
    r.done()

    r = _Reader(path, "security", data.get("security", {}))
    trusted = r.text("trusted_authserv_id", None, lambda v: bool(v.strip()) and " " not in v.strip() and ";" not in v,
                     "the host name your inbound mail server writes first in Authentication-Results, such as "
                     "\"mx.council.example\"")
    security = SecurityConfig(trusted_authserv_id=trusted.strip().lower() if trusted else None)
    r.done()

    web = _web(path, data.get("web", {}))

    r = _Reader(path, "logging", data.get("logging", {}))
    logging_ = LoggingConfig(
        format=r.choice("format", "text", ("text", "json")),
        level=r.choice("level", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
        file=r.path_("file", None),
    )
    r.done()

    r = _Reader(path, "retention", data.get("retention", {}))
    retention = RetentionConfig(
        default_months=r.integer("default_months", 6, 1, 1200),
        months=tuple((kind, r.integer(f"{kind.replace('-', '_')}_months", 0, 1, 1200))
                     for kind in RETENTION_KINDS if f"{kind.replace('-', '_')}_months" in r.data),
    )
    r.done()

    return Config(path=path, council=council, spoc=spoc, database=database, storage=storage, limits=limits,
                  mailbox=mailbox, smtp=smtp, oauth2=oauth2, identify=identify, weekly=weekly, officers=officers_, rules=rules,
                  templates=templates, logging=logging_, security=security, web=web, retention=retention)


def _web(path: Path | None, data: Any) -> WebConfig:
    r = _Reader(path, "web", data)

    def network_ok(value: str) -> bool:
        try:
            ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            return False
        return True

    proxies = r.strings("trusted_proxies", ())
    for value in proxies:
        if not network_ok(value):
            r.fail("trusted_proxies", "a list of IP addresses or networks such as [\"10.0.0.5\", \"10.0.1.0/24\"]")
    header = r.text("proxy_user_header", None, lambda v: bool(re.fullmatch(r"[A-Za-z0-9-]+", v)),
                    "an HTTP header name such as \"X-Remote-User\"")
    web = WebConfig(
        enabled=r.get("enabled", False, bool, "true or false"),
        host=r.text("host", WebConfig.host),
        port=r.integer("port", WebConfig.port, 1, 65535),
        secure_cookies=r.get("secure_cookies", True, bool, "true or false"),
        session_minutes=r.integer("session_minutes", WebConfig.session_minutes, 5, 10080),
        login_attempts=r.integer("login_attempts", WebConfig.login_attempts, 1, 1000),
        login_window_seconds=r.integer("login_window_seconds", WebConfig.login_window_seconds, 1, 86400),
        trusted_proxies=tuple(v.strip() for v in proxies),
        proxy_user_header=header,
    )
    r.done()
    if header and not proxies:
        raise ConfigError(f"{r.where}: [web] proxy_user_header = {header!r}: expected trusted_proxies too (the "
                          f"addresses of the reverse proxy); the header is never believed from anyone else")
    if not web.secure_cookies and not is_loopback(web.host):
        raise ConfigError(f"{r.where}: [web] secure_cookies = false: refused for host {web.host!r}, which is not "
                          f"loopback; cookies without Secure are only for plain-HTTP tests on 127.0.0.1")
    return web


def _oauth2(path: Path | None, data: dict[str, Any], mailbox: MailboxConfig, smtp: SmtpConfig) -> OAuth2Config:
    """[oauth2]: required (with a provider) as soon as [mailbox] or [smtp] says auth = "oauth2"."""
    where = str(path) if path else "config"
    users = [s for s, on in (("mailbox", mailbox.kind == "imap" and mailbox.auth == "oauth2"),
                             ("smtp", smtp.kind == "smtp" and smtp.auth == "oauth2"),
                             ("smtp", smtp.kind == "graph")) if on]
    if "oauth2" not in data:
        if users:
            said = 'kind = "graph"' if smtp.kind == "graph" and users == ["smtp"] else 'auth = "oauth2"'
            raise ConfigError(f'{where}: [{users[0]}] {said}: there is no [oauth2] table; add one with '
                              f'provider ("microsoft", "google" or "generic"), client_id and the secret\'s source')
        return OAuth2Config(source_file=path)
    r = _Reader(path, "oauth2", data["oauth2"])
    provider = r.choice("provider", "", OAUTH2_PROVIDERS)
    if not provider:
        raise ConfigError(f'{where}: [oauth2] provider: missing; expected one of "microsoft", "google", "generic"')
    token_url = r.text("token_url", None, lambda v: v.startswith(("https://", "http://")),
                       "an http(s):// URL of the token endpoint")
    cfg = OAuth2Config(
        provider=provider,
        tenant_id=r.text("tenant_id", ""),
        client_id=r.text("client_id", ""),
        client_secret_env=r.text("client_secret_env", None),
        client_secret_file=r.path_("client_secret_file", None),
        certificate_file=r.path_("certificate_file", None),
        service_account_file=r.path_("service_account_file", None),
        token_url=token_url,
        scope=r.text("scope", None),
        timeout_seconds=r.integer("timeout_seconds", 30, 1, 600),
        source_file=path,
    )
    if "client_secret" in r.data:
        raise ConfigError(f"{where}: [oauth2] client_secret: secrets are never kept in the config; "
                          f"use client_secret_env (an environment variable) or client_secret_file")
    r.done()
    if token_url and token_url.startswith("http://"):
        from urllib.parse import urlsplit

        host = urlsplit(token_url).hostname or ""
        if not is_loopback(host):
            raise ConfigError(f"{where}: [oauth2] token_url = {token_url!r}: plain http is refused for a host that "
                              f"is not loopback (the client secret would cross the network in clear); use https://")
    secret = cfg.client_secret_env or cfg.client_secret_file
    if smtp.kind == "graph" and provider == "google":
        raise ConfigError(f'{where}: [smtp] kind = "graph": Microsoft Graph takes Entra ID tokens, not Google\'s; '
                          f'use [oauth2] provider = "microsoft" (or kind = "smtp" for Google Workspace)')
    if provider == "google":
        if not cfg.service_account_file:
            raise ConfigError(f"{where}: [oauth2] service_account_file: expected the service account's JSON key "
                              f"file when provider = \"google\"")
    else:
        if not cfg.client_id:
            raise ConfigError(f"{where}: [oauth2] client_id: expected the application (client) id when "
                              f"provider = \"{provider}\"")
        if provider == "microsoft" and not cfg.tenant_id:
            raise ConfigError(f"{where}: [oauth2] tenant_id: expected the Entra ID tenant (directory) id when "
                              f"provider = \"microsoft\"")
        if provider == "generic" and not token_url:
            raise ConfigError(f"{where}: [oauth2] token_url: expected the token endpoint's URL when "
                              f"provider = \"generic\"")
        if not secret and not (provider == "microsoft" and cfg.certificate_file):
            also = ", or certificate_file" if provider == "microsoft" else ""
            raise ConfigError(f"{where}: [oauth2] client_secret_env: expected client_secret_env or "
                              f"client_secret_file{also}")
    for key in ("certificate_file", "service_account_file", "client_secret_file"):
        p = getattr(cfg, key)
        if p is not None and not p.is_file():
            raise ConfigError(f"{where}: [oauth2] {key} = '{r.data[key]}': no such file ({p})")
    return cfg


def load(path: Path) -> Config:
    """Read and validate one config file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file; write a starting one with `spocmail init DIR` and "
                          f"pass --config DIR/config.toml (or set $SPOCMAIL_CONFIG), or run from DIR") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return from_dict(data, path.resolve())


def locate(explicit: str | None) -> Path:
    """--config, then $SPOCMAIL_CONFIG, then ./config.toml (CONTRACT.md)."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("SPOCMAIL_CONFIG")
    if env:
        return Path(env)
    return Path("config.toml")
