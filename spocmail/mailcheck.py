"""`spocmail mailbox check`: connect with the configured settings, authenticate, and say whether intake and
sending would work, before the first mail is missed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from spocmail.config import Config
from spocmail.errors import SpocmailError

CAPABILITIES = ("IDLE", "MOVE", "UIDPLUS", "CONDSTORE")


@dataclass
class Check:
    ok: bool = False
    detail: str = ""
    extra: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"ok": self.ok, "detail": self.detail, **self.extra}


def check_imap(config: Config, create_folders: bool = False) -> Check:
    mb = config.mailbox
    if mb.kind != "imap":
        from spocmail.intake.poll import open_mailbox

        try:
            open_mailbox(config)
        except SpocmailError as exc:
            return Check(False, str(exc), {"capabilities": {}, "folders": []})
        return Check(True, f"Maildir {mb.path} (no server to check)", {"capabilities": {}, "folders": []})
    from spocmail.intake.poll import open_mailbox

    mailbox = open_mailbox(config)
    mailbox.reconnect_tries = 0  # a check reports; it does not wait out an outage
    try:
        client = mailbox._run("login", lambda c: c)
        caps = {c: bool(client.has_capability(c)) for c in CAPABILITIES}
        folders = [name for _, _, name in client.list_folders()]
        missing = [f for f in (mb.folder, mb.processed_folder, mb.sent_folder) if f not in folders]
        created = []
        if create_folders:
            for name in missing:
                if name != mb.folder:
                    client.create_folder(name)
                    created.append(name)
        extra = {
            "capabilities": caps,
            "folders": folders,
            "folder": {"name": mb.folder, "exists": mb.folder in folders},
            "processed_folder": {"name": mb.processed_folder,
                                 "exists": mb.processed_folder in folders or mb.processed_folder in created},
            "sent_folder": {"name": mb.sent_folder, "exists": mb.sent_folder in folders or mb.sent_folder in created},
            "auth": mb.auth,
        }
        if mb.folder not in folders:
            return Check(False, f"logged in to {mailbox.account}, but the folder {mb.folder!r} ([mailbox] folder) "
                                f"does not exist", extra)
        notes = []
        for key in ("processed_folder", "sent_folder"):
            if not extra[key]["exists"]:
                notes.append(f"{key} {extra[key]['name']!r} is missing (spocmail creates it when first needed; "
                             f"--create-folders makes it now)")
        if not caps["IDLE"]:
            notes.append(f"no IDLE: intake polls every {mb.poll_seconds}s")
        if not caps["MOVE"]:
            notes.append("no MOVE: processed mail is flagged, not moved")
        detail = f"logged in to {mailbox.account} with {mb.auth}; {len(folders)} folders"
        if created:
            detail += f"; created {', '.join(created)}"
        return Check(True, "; ".join([detail, *notes]), extra)
    except SpocmailError as exc:
        return Check(False, str(exc), {"capabilities": {}, "folders": [], "auth": mb.auth})
    finally:
        mailbox.close()


def check_smtp(config: Config, send_test: str | None = None, now=None) -> Check:
    from spocmail.graph import GraphTransport
    from spocmail.transport import SmtpTransport, TransportError, transport_for

    smtp = config.smtp
    try:
        transport = transport_for(config)
    except SpocmailError as exc:
        return Check(False, str(exc), {"auth": smtp.auth})
    if isinstance(transport, GraphTransport):
        extra = {"auth": "oauth2", "kind": "graph", "sent_test": False}
        try:
            transport.tokens.token()
        except SpocmailError as exc:
            return Check(False, f"Graph {transport.base}: no token for scope {transport.tokens.scope}: {exc}", extra)
        detail = (f"a token for {transport.tokens.scope} was issued; mail goes by Graph sendMail as "
                  f"{transport.user} (Graph keeps the Sent Items copy)")
    elif not isinstance(transport, SmtpTransport):
        return Check(True, f"file transport: mail is written to {smtp.dir} (nothing is sent)", {"auth": smtp.auth})
    else:
        extra = {"auth": smtp.auth, "sent_test": False}
        try:
            asyncio.run(_login(transport))
        except TransportError as exc:
            return Check(False, str(exc), extra)
        detail = f"logged in to SMTP {transport.server} as {transport.username or '(no login)'} with {smtp.auth}"
    if not send_test:
        return Check(True, detail + "; nothing sent (give --send-test ADDRESS to send a test message)", extra)
    msg = EmailMessage()
    msg["From"] = config.spoc.address
    msg["To"] = send_test
    msg["Subject"] = "spocmail mailbox check: test message"
    msg["Message-ID"] = make_msgid(domain=config.spoc.address.rpartition("@")[2] or None)
    msg["Date"] = format_datetime(now)
    msg.set_content("This message was sent by `spocmail mailbox check --send-test`. No reply is needed.\n")
    try:
        refused = transport.send(msg.as_bytes(policy=msg.policy.clone(linesep="\r\n")), config.spoc.address,
                                 [send_test])
    except TransportError as exc:
        return Check(False, f"{detail}, but the test message was not sent: {exc}", extra)
    if refused:
        return Check(False, f"{detail}, but {send_test} was refused: {refused[send_test]}", extra)
    extra["sent_test"] = True
    return Check(True, detail + f"; sent a test message to {send_test}", extra)


async def _login(transport) -> None:
    """Connect, TLS, authenticate, QUIT: everything sending does short of a mail."""
    import aiosmtplib
    from aiosmtplib import SMTPAuthenticationError, SMTPException

    from spocmail.transport import TransportError, _describe

    client = aiosmtplib.SMTP(
        hostname=transport.host, port=transport.port, timeout=transport.timeout,
        use_tls=transport.security == "tls", start_tls=transport.security == "starttls",
        tls_context=transport.ssl_context,
        username=None if transport.token_provider else (transport.username or None),
        password=None if transport.token_provider else transport._password,
        local_hostname=transport.local_hostname,
    )
    try:
        await client.connect()
    except SMTPAuthenticationError as exc:
        raise TransportError(f"SMTP {transport.server} refused the login for {transport.username!r}: {exc.code} "
                             f"{exc.message}; check [smtp] username and the password", temporary=True) from None
    except (SMTPException, OSError, asyncio.TimeoutError) as exc:
        raise TransportError(f"cannot reach SMTP {transport.server} ({transport.security}): {_describe(exc)}",
                             temporary=True) from None
    if transport.token_provider is not None:
        await transport._xoauth2(client)
    try:
        await client.quit()
    except Exception:  # noqa: BLE001
        client.close()


def check(config: Config, send_test: str | None = None, create_folders: bool = False,
          now=None) -> tuple[dict, bool]:
    imap = check_imap(config, create_folders=create_folders)
    smtp = check_smtp(config, send_test=send_test, now=now)
    ok = imap.ok and smtp.ok
    return {"ok": ok, "imap": imap.to_json(), "smtp": smtp.to_json()}, ok
