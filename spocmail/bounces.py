"""A bounce of spocmail's own mail is matched to what bounced and put to the SPOC.

A delivery report (RFC 3464 multipart/report, or a server's plain "Undeliverable" with the original
quoted) names the mail it returns: by the Message-ID in its attached original (message/rfc822 or
text/rfc822-headers), else any Message-ID of ours quoted in its text. An officer request that
bounces means the officer's address is wrong and the issue waits for nobody; the SPOC must know.
"""

from __future__ import annotations

import email
import re
from dataclasses import dataclass
from email import policy

from sqlalchemy import select
from sqlalchemy.orm import Session

from spocmail.db.outbox import OutboxMail

_MSGID = re.compile(r"<[^<>\s@]+@[^<>\s]+>")
_STATUS = re.compile(r"^(?:Status|Diagnostic-Code|Final-Recipient)\s*:\s*(.+)$", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Bounce:
    mail: OutboxMail
    details: list[str]


def _candidates(raw: bytes) -> list[str]:
    msg = email.message_from_bytes(raw, policy=policy.compat32)
    ids: list[str] = []
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            value = inner.get("Message-ID") if inner is not None else None
            if value is None:
                text = part.get_payload(decode=True) or b""
                found = re.search(rb"^Message-ID:\s*(<[^>]+>)", text, re.IGNORECASE | re.MULTILINE)
                value = found.group(1).decode("ascii", "replace") if found else None
            if value:
                ids.append(str(value).strip())
    if not ids:  # a plain-text bounce that quotes the original
        ids = _MSGID.findall(raw.decode("utf-8", "replace"))
    own = str(msg.get("Message-ID") or "").strip()
    return [i for i in ids if i != own]


def match(session: Session, raw: bytes) -> Bounce | None:
    """The outbox mail this delivery report returns, if it returns one of ours."""
    ids = _candidates(raw)
    if not ids:
        return None
    row = session.scalars(select(OutboxMail).where(OutboxMail.message_id.in_(ids[:50]))
                          .order_by(OutboxMail.id.desc())).first()
    if row is None:
        return None
    text = raw.decode("utf-8", "replace")
    details = [" ".join(v.split())[:200] for v in _STATUS.findall(text)][:6]
    return Bounce(row, details)
