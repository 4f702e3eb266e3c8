"""Read an Outlook item (.msg) attached to a mail, with extract-msg, into plain values.

Outlook users forward mail by dragging it into a new message, which attaches it as a .msg
(application/vnd.ms-outlook). We read its sender, recipients, date, subject, body and its
own attachments (nested .msg and files) and treat it like an attached mail.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from .addresses import block_address, block_addresses, is_email
from .dates import aware, parse_loose_date
from .model import Address


@dataclass
class MsgItem:
    sender: Address
    address_hidden: bool
    to: list[Address]
    cc: list[Address]
    subject: str | None
    date: datetime | None
    date_text: str | None
    body: str
    html: str | None
    message_id: str | None
    files: list[tuple[str | None, str, bytes]] = field(default_factory=list)  # (filename, content type, data)
    items: list["MsgItem"] = field(default_factory=list)  # nested Outlook items
    emls: list[bytes] = field(default_factory=list)  # nested internet mails
    defects: list[str] = field(default_factory=list)


def _quiet() -> None:
    # extract-msg logs every oddity it meets at WARNING; a mail reader must not spray the daemon's log
    for name in ("extract_msg", "olefile", "RTFDE"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        for enc in ("utf-8", "cp1252"):
            try:
                return value.decode(enc)
            except UnicodeDecodeError:
                continue
        return value.decode("latin-1")
    return str(value)


def read_msg(data: bytes, depth: int = 0) -> MsgItem | None:
    """The Outlook item in `data`, or None when it cannot be read at all."""
    _quiet()
    try:
        import extract_msg
        from extract_msg.enums import AttachmentType, ErrorBehavior
    except Exception:  # pragma: no cover - extract-msg is a declared dependency
        return None
    try:
        msg = extract_msg.openMsg(data, delayAttachments=False, errorBehavior=ErrorBehavior.SUPPRESS_ALL)
    except Exception:
        try:
            msg = extract_msg.openMsg(data, delayAttachments=True, errorBehavior=ErrorBehavior.SUPPRESS_ALL)
        except Exception:
            return None
    try:
        return _item(msg, depth, AttachmentType)
    except Exception as exc:
        return MsgItem(Address(None, None), False, [], [], None, None, None, "", None, None,
                       defects=[f"msg-unreadable: {type(exc).__name__}: {exc}"])
    finally:
        try:
            msg.close()
        except Exception:
            pass


def _get(obj, name: str):
    try:
        return getattr(obj, name)
    except Exception:
        return None


def _item(msg, depth: int, AttachmentType) -> MsgItem:
    defects: list[str] = []
    sender_text = _text(_get(msg, "sender")) or ""
    sender, hidden = block_address(sender_text)
    if sender.email and not is_email(sender.email):
        sender = Address(sender.name, None)
    if not sender.email:
        # extract-msg shows only the name when no transport headers were kept: read the MAPI
        # properties ourselves. SMTP addresses only; an Exchange "EX" address is an X.500 path.
        for stream in ("5D01", "0C1F", "5D02", "0065"):
            try:
                value = msg.getStringStream("__substg1.0_" + stream)
            except Exception:
                value = None
            if value and is_email(str(value).strip()):
                sender = Address(sender.name, str(value).strip())
                break
        if not sender.name:
            try:
                name = msg.getStringStream("__substg1.0_0C1A") or msg.getStringStream("__substg1.0_0042")
            except Exception:
                name = None
            if name:
                sender = Address(str(name).strip(), sender.email)
    # Exchange-internal senders carry an X.500 path instead of an address: never guess one
    hidden = not sender.email and bool(sender.name)
    date_value = _get(msg, "date") or _get(msg, "receivedTime")
    date = None
    date_text = None
    if isinstance(date_value, datetime):
        date = aware(date_value)
        date_text = date_value.isoformat()
    elif date_value:
        date_text = str(date_value)
        date = parse_loose_date(date_text)
    body = _text(_get(msg, "body")) or ""
    html = _text(_get(msg, "htmlBody"))
    item = MsgItem(
        sender=sender,
        address_hidden=hidden,
        to=block_addresses(_text(_get(msg, "to")) or ""),
        cc=block_addresses(_text(_get(msg, "cc")) or ""),
        subject=_text(_get(msg, "subject")),
        date=date,
        date_text=date_text,
        body=body.replace("\r\n", "\n"),
        html=html,
        message_id=_text(_get(msg, "messageId")),
        defects=defects,
    )
    for att in _get(msg, "attachments") or []:
        kind = _get(att, "type")
        data = _get(att, "data")
        name = _text(_get(att, "longFilename")) or _text(_get(att, "shortFilename")) or _text(_get(att, "name"))
        if kind == AttachmentType.MSG and data is not None and not isinstance(data, (bytes, bytearray)):
            if depth < 8:
                try:
                    item.items.append(_item(data, depth + 1, AttachmentType))
                except Exception as exc:
                    defects.append(f"msg-unreadable: nested item: {type(exc).__name__}")
            continue
        if isinstance(data, (bytes, bytearray)):
            ctype = _text(_get(att, "mimetype")) or "application/octet-stream"
            if name and name.lower().endswith(".msg") and depth < 8:
                nested = read_msg(bytes(data), depth + 1)
                if nested is not None:
                    item.items.append(nested)
                    continue
            if name and name.lower().endswith(".eml"):
                item.emls.append(bytes(data))
            item.files.append((name, ctype, bytes(data)))
    return item
