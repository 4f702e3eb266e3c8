"""Contacts not made by mail: a letter, a telephone call or a visit, logged by hand into the same record.

Seed 000 allows the telephone only at the SPOC's discretion for a customer whose disability requires it, and
verbal EIR requests through the call centre; seed 001 keeps physical letters in the register too. Each contact
is stored as a mail (a synthetic one, marked with its channel, the scan attached when there is one) so that it
is filed and routed by the same steps as any mail, and its statutory clock runs from the day it was received,
not the day it was typed in.
"""

from __future__ import annotations

import mimetypes
import secrets
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from sqlalchemy.orm import Session

from spocmail import logs
from spocmail.config import Config
from spocmail.db import audit
from spocmail.db.mail import Message
from spocmail.errors import ConfigError
from spocmail.intake import FetchedMail
from spocmail.intake.store import store_fetched
from spocmail.lifecycle import arrangement_of

log = logs.get("contacts")
CHANNELS = ("letter", "phone", "in-person")
WHAT = {"letter": "Letter received", "phone": "Telephone call", "in-person": "Visit in person"}


def synthetic_mail(customer, channel: str, received: datetime, text: str, actor: str, now: datetime,
                   scan: Path | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"{customer.name} ({channel}, logged by {actor}) <logged-{channel}@spocmail.invalid>"
    msg["To"] = "spoc@spocmail.invalid"
    msg["Subject"] = f"{WHAT[channel]}: {text.strip().splitlines()[0][:80]}"
    msg["Date"] = format_datetime(received)
    msg["Message-ID"] = f"<logged.{secrets.token_hex(8)}@spocmail.invalid>"
    msg["X-Spocmail-Channel"] = channel
    msg["X-Spocmail-Logged"] = f"{now.isoformat()} by {actor}"
    msg.set_content(text.strip() + "\n")
    if scan is not None:
        ctype = mimetypes.guess_type(scan.name)[0] or "application/octet-stream"
        maintype, _, subtype = ctype.partition("/")
        msg.add_attachment(scan.read_bytes(), maintype=maintype, subtype=subtype, filename=scan.name)
    return msg.as_bytes()


def log_contact(session: Session, customer_id: str, config: Config, now: datetime, *, channel: str,
                received: datetime, text: str, actor: str, scan: Path | None = None) -> dict:
    """Store the contact as a mail of the customer's, then file and route it like one."""
    from spocmail.pipeline import file_assigned

    arr = arrangement_of(session, customer_id)
    if channel not in CHANNELS:
        raise ConfigError(f"--channel {channel!r}: expected one of {', '.join(CHANNELS)}")
    if not (text or "").strip():
        raise ConfigError("--text: empty; expected what the customer wrote or said")
    if received > now:
        raise ConfigError(f"--received {received.isoformat()}: after now ({now.isoformat()}); expected when the "
                          f"contact reached the council")
    if scan is not None and not scan.is_file():
        raise ConfigError(f"--file {scan}: no such file; expected the scan of the letter")
    raw = synthetic_mail(arr.customer, channel, received, text, actor, now, scan)
    stored = store_fetched(session, FetchedMail(source=f"logged:{channel}", uidvalidity=None,
                                                uid=secrets.token_hex(8), internaldate=received, raw=raw), now)
    message = session.get(Message, stored.message_pk)
    message.channel, message.sender_role, message.customer_id = channel, "customer", customer_id
    audit.record(session, at=now, actor=actor, action="contact.logged", subject_type="message",
                 subject_id=str(message.id), customer=customer_id, channel=channel,
                 received=received.isoformat(), scan=bool(scan))
    refs = file_assigned(session, message.id, config, now)
    message.state = "done"
    log.info("contact logged", extra={"event": "contacts.logged", "mail": message.id, "channel": channel})
    return {"message": message.id, "refs": refs, "customer": customer_id, "channel": channel,
            "received": received.isoformat()}
