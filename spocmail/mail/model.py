"""What spocmail reads in one mail: plain frozen records with their JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class Address:
    """One mailbox: either part may be unknown (None); an address is never guessed."""

    name: str | None
    email: str | None

    def to_json(self) -> dict:
        return {"name": self.name, "email": self.email}

    def __str__(self) -> str:
        if self.name and self.email:
            return f"{self.name} <{self.email}>"
        return self.email or self.name or ""


@dataclass(frozen=True)
class Attachment:
    """A part of the mail that is not its body text; `payload` stays out of JSON and repr."""

    filename: str | None
    content_type: str
    size: int
    sha256: str
    disposition: str | None = None
    _payload: bytes = field(default=b"", repr=False, compare=False)
    # a large part is not kept decoded: `payload` decodes it again from the raw mail when asked
    _load: Callable[[], bytes] | None = field(default=None, repr=False, compare=False)

    @property
    def payload(self) -> bytes:
        return self._load() if self._load is not None else self._payload

    def to_json(self) -> dict:
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "size": self.size,
            "sha256": self.sha256,
            "disposition": self.disposition,
        }


@dataclass(frozen=True)
class Forwarded:
    """A message carried inside this one: an inline forward block, an attached mail or an Outlook item.

    `date` is timezone-aware or None; `date_text` keeps what the block said, so a person can
    check a date spocmail could not read. `address_hidden` is true when the block named the
    sender without an address (Outlook does this for people in its address book).
    """

    from_: Address
    date: datetime | None = None
    date_text: str | None = None
    subject: str | None = None
    body: str = ""
    to: list[Address] = field(default_factory=list)
    address_hidden: bool = False
    via: str = "inline"  # "inline" | "rfc822" | "msg"
    cc: list[Address] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "from": self.from_.to_json(),
            "date": _iso(self.date),
            "date_text": self.date_text,
            "subject": self.subject,
            "body": self.body,
            "to": [a.to_json() for a in self.to],
            "cc": [a.to_json() for a in self.cc],
            "address_hidden": self.address_hidden,
            "via": self.via,
        }


@dataclass(frozen=True)
class ParsedMail:
    """Everything read from one raw mail; `defects` says what was wrong with it (never an exception)."""

    message_id: str | None = None
    date: datetime | None = None
    date_text: str | None = None
    subject: str | None = None
    from_: Address = field(default_factory=lambda: Address(None, None))
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    reply_to: list[Address] = field(default_factory=list)
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    auto_reply: bool = False
    auto_reply_reason: str | None = None
    forwarded: list[Forwarded] = field(default_factory=list)
    body_text: str = ""
    body_html: str | None = field(default=None, repr=False)
    reply_text: str = ""
    signature: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list, repr=False)

    def header(self, name: str) -> str | None:
        """The first header of that name (case-insensitive), decoded; None when absent."""
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

    def to_json(self) -> dict:
        return {
            "message_id": self.message_id,
            "date": _iso(self.date),
            "subject": self.subject,
            "from": self.from_.to_json(),
            "to": [a.to_json() for a in self.to],
            "cc": [a.to_json() for a in self.cc],
            "reply_to": [a.to_json() for a in self.reply_to],
            "in_reply_to": self.in_reply_to,
            "references": list(self.references),
            "auto_reply": self.auto_reply,
            "auto_reply_reason": self.auto_reply_reason,
            "forwarded": [f.to_json() for f in self.forwarded],
            "reply_text": self.reply_text,
            "signature": self.signature,
            "body_text": self.body_text,
            "attachments": [a.to_json() for a in self.attachments],
            "defects": list(self.defects),
        }
