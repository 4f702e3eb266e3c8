"""Read one raw mail: headers, body text, attachments, forwards, reply text, auto-reply; never raises.

The stdlib parser (compat32 policy, the most forgiving) gives the MIME tree; everything it
reports as wrong, and everything we find wrong on top (missing or repeated headers, unknown
charsets, unreadable dates), goes into `defects` as short "kind: detail" strings.
"""

from __future__ import annotations

from dataclasses import replace

import base64
import binascii
import email
import hashlib
import quopri
import re
from email import policy
from email.message import Message

from . import autoreply, bigparts
from .addresses import header_addresses
from .charsets import decode_bytes, decode_header_text, unescape_8bit
from .dates import parse_header_date
from .forwards import inline_forwards
from .html import html_to_text
from .model import Address, Attachment, Forwarded, ParsedMail
from .msg import MsgItem, read_msg
from .replies import reply_parts

MAX_DEPTH = 8  # forwards of forwards attached inside each other
_SINGLE = ("from", "sender", "to", "cc", "subject", "date", "message-id", "reply-to", "in-reply-to", "references")
_REQUIRED = ("from", "date", "message-id")
_MSG_TYPES = {"application/vnd.ms-outlook", "application/x-msg", "application/msoutlook", "application/ms-outlook"}


def parse_mail(raw: bytes) -> ParsedMail:
    """Everything spocmail reads in one mail. Broken input is read as far as possible; see `defects`."""
    try:
        return _parse(raw, 0)
    except Exception as exc:  # a last resort: a reader bug must not lose the mail, nor its sender
        data = raw if isinstance(raw, (bytes, bytearray)) else str(raw).encode("utf-8", "surrogateescape")
        defect = f"parser-error: {type(exc).__name__}: {str(exc)[:200]}"
        try:  # the headers as they are, the body read as plain text: no structure left to fail on
            flat = _parse(_as_plain_text(bytes(data)), 0)
            return replace(flat, defects=[defect, *flat.defects])
        except Exception:
            return ParsedMail(body_text=decode_bytes(bytes(data), None), defects=[defect])


_STRUCTURE = re.compile(rb"^(?:content-type|content-transfer-encoding|mime-version)\s*:.*(?:\r?\n[ \t].*)*\r?\n",
                        re.IGNORECASE | re.MULTILINE)


def _as_plain_text(raw: bytes) -> bytes:
    """RAW with its MIME structure headers removed, so 1,000 nested parts read as one text part."""
    raw = raw.lstrip(b"\xef\xbb\xbf\r\n\t ")
    cut = re.search(rb"\r?\n\r?\n", raw)
    head, body = (raw[:cut.start() + 1], raw[cut.start():]) if cut else (raw, b"")
    text = b"\r\n".join(line for line in body.splitlines() if not _SCAFFOLD.match(line))  # boundaries and part headers
    return _STRUCTURE.sub(b"", head + b"\n").rstrip(b"\r\n") + b"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text


_SCAFFOLD = re.compile(rb"^\s*(?:--\S+\s*|content-[\w-]+\s*:.*|mime-version\s*:.*)$", re.IGNORECASE)


# ---------------------------------------------------------------------------- helpers


def _defect_name(d: object) -> str:
    name = type(d).__name__
    name = re.sub(r"Defect$", "", name)
    kebab = re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()
    return f"mime: {kebab}"


def _msgids(value: str) -> list[str]:
    ids = re.findall(r"<[^<>\s]+>", value or "")
    if not ids and value and value.strip():
        ids = [t for t in re.split(r"[\s,]+", value.strip()) if "@" in t]
    return ids


def _unflow(text: str, delsp: bool) -> str:
    """RFC 3676 format=flowed: join soft-broken lines, keeping quote depth and the signature delimiter."""
    out: list[str] = []
    current = None
    cur_depth = 0
    for line in text.split("\n"):
        m = re.match(r"^(>+)", line)
        depth = len(m.group(1)) if m else 0
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]  # space-stuffing
        if current is not None and depth == cur_depth:
            current += content
        else:
            if current is not None:
                out.append((">" * cur_depth + " " if cur_depth else "") + current)
            current = content
            cur_depth = depth
        if content.endswith(" ") and content != "-- ":
            if delsp:
                current = current[:-1]
            continue
        out.append((">" * cur_depth + " " if cur_depth else "") + current)
        current = None
    if current is not None:
        out.append((">" * cur_depth + " " if cur_depth else "") + current)
    return "\n".join(out)


def _filename(part: Message, defects: list[str]) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name is None:
        name = part.get_param("name", header="content-type")
        if isinstance(name, tuple):  # RFC 2231 triple
            try:
                name = email.utils.collapse_rfc2231_value(name)
            except Exception:
                name = str(name[2])
    if name is None:
        return None
    return decode_header_text(str(name), defects, "filename") or None


def _payload_bytes(part: Message, defects: list[str]) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:
        defects.append(f"bad-transfer-encoding: {type(exc).__name__}")
        data = None
    if data is None:
        payload = part.get_payload()
        if isinstance(payload, str):
            return payload.encode("utf-8", "surrogateescape")
        return b""
    return data


def _part_text(part: Message, defects: list[str]) -> str:
    data = _payload_bytes(part, defects)
    charset = part.get_content_charset()
    if charset is None and part.get_content_type() == "text/html":
        m = re.search(rb"<meta[^>]+charset\s*=\s*[\"']?([\w\-]+)", data[:4096], re.IGNORECASE)
        if m:
            charset = m.group(1).decode("ascii", "replace")
    text = decode_bytes(data, charset, defects, f"{part.get_content_type()} part")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if part.get_content_type() == "text/plain" and (part.get_param("format") or "").lower() == "flowed":
        text = _unflow(text, (part.get_param("delsp") or "").lower() == "yes")
    return text


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------------- body walk


class _Walk:
    def __init__(self, depth: int, regions: dict | None = None, used: set | None = None) -> None:
        self.depth = depth
        self.regions = regions or {}  # placeholder -> bigparts.Region: large bodies kept out of the parser
        self.used = used if used is not None else set()
        self.plain: list[str] = []
        self.html: list[str] = []
        self.attachments: list[Attachment] = []
        self.attached: list[tuple[str, object]] = []  # ("rfc822", bytes) | ("msg", bytes)
        self.defects: list[str] = []
        self.types: list[str] = []
        self.root: Message | None = None

    def visit(self, part: Message) -> None:
        ctype = part.get_content_type()
        self.types.append(ctype)
        for d in getattr(part, "defects", []) or []:
            name = _defect_name(d)
            if name not in self.defects:
                self.defects.append(name)
        if part.is_multipart() and ctype.startswith("multipart/"):
            children = part.get_payload()
            if not isinstance(children, list):
                return
            if ctype == "multipart/alternative":
                self._alternative(children)
            elif ctype in ("multipart/related", "multipart/signed") and children:
                self.visit(children[0])
                for child in children[1:]:
                    self._leaf_attachment(child) if not child.is_multipart() else self.visit(child)
            else:
                for child in children:
                    self.visit(child)
            return
        if ctype in ("message/rfc822", "message/global") or (part.is_multipart() and ctype.startswith("message/")):
            self._attached_mail(part)
            return
        self._leaf(part, root=part is self.root)

    def _alternative(self, children: list[Message]) -> None:
        plain = [c for c in children if c.get_content_type() == "text/plain" and not self._is_attachment(c)]
        html = [c for c in children if c.get_content_type() == "text/html" and not self._is_attachment(c)]
        nested = [c for c in children if c.is_multipart()]
        if plain:
            text = _part_text(plain[0], self.defects)
            if text.strip() or not (html or nested):
                # a stub plain part ("view this mail in a browser") loses to a real HTML part
                if html and len(text.strip()) < 40:
                    html_text = html_to_text(_part_text(html[0], self.defects))
                    if len(html_text.strip()) > 4 * max(1, len(text.strip())):
                        self.html.append(_part_text(html[0], self.defects))
                        return
                self.plain.append(text)
                return
        if nested:
            # e.g. alternative(text/plain, related(text/html, images)) with an empty plain part
            for c in nested:
                sub = _Walk(self.depth, self.regions, self.used)
                sub.visit(c)
                if sub.plain or sub.html:
                    self.plain.extend(sub.plain)
                    self.html.extend(sub.html)
                    self.attachments.extend(sub.attachments)
                    self.attached.extend(sub.attached)
                    self.defects.extend(d for d in sub.defects if d not in self.defects)
                    self.types.extend(sub.types)
                    return
        if html:
            self.html.append(_part_text(html[0], self.defects))
            return
        for c in children:
            self.visit(c)

    @staticmethod
    def _is_attachment(part: Message) -> bool:
        # A named part is a file even when marked inline (Apple Mail shows .txt files inline)
        disp = (part.get_content_disposition() or "").lower()
        if disp == "attachment":
            return True
        try:
            return part.get_filename() is not None
        except Exception:
            return False

    def _leaf(self, part: Message, root: bool = False) -> None:
        ctype = part.get_content_type()
        if ctype in ("text/plain", "text/html") and (root or not self._is_attachment(part)):
            text = _part_text(part, self.defects)
            (self.plain if ctype == "text/plain" else self.html).append(text)
            return
        self._leaf_attachment(part)

    def _leaf_attachment(self, part: Message) -> None:
        ctype = part.get_content_type()
        name = _filename(part, self.defects)
        disp = part.get_content_disposition()
        lower = (name or "").lower()
        region = bigparts.lookup(part.get_payload(), self.regions)
        if region is not None and ctype not in _MSG_TYPES and not lower.endswith((".msg", ".eml")):
            # a large file: its size and hash read a slice at a time, its bytes decoded again only if asked for
            self.used.add(part.get_payload().strip())
            size, sha = bigparts.decode_stream(region)
            self.attachments.append(Attachment(name, ctype, size, sha, disp, b"", region.decode))
            return
        data = region.decode() if region is not None else _payload_bytes(part, self.defects)
        if region is not None:
            self.used.add(part.get_payload().strip())
        self.attachments.append(Attachment(name, ctype, len(data), _sha(data), disp, data))
        if ctype in _MSG_TYPES or lower.endswith(".msg"):
            self.attached.append(("msg", data))
        elif lower.endswith(".eml") and ctype in ("application/octet-stream", "text/plain", "application/eml"):
            self.attached.append(("rfc822", data))

    def _attached_mail(self, part: Message) -> None:
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        data = b""
        cte = (part.get("Content-Transfer-Encoding") or "").strip().lower()
        if inner is not None:
            if cte in ("base64", "quoted-printable") and not inner.keys():
                body = inner.get_payload()
                raw = body.encode("ascii", "ignore") if isinstance(body, str) else b""
                try:
                    data = base64.b64decode(raw) if cte == "base64" else quopri.decodestring(raw)
                except (binascii.Error, ValueError):
                    data = raw
                self.defects.append("encoded-message-rfc822: an attached mail was transfer-encoded")
            else:
                try:
                    data = inner.as_bytes(policy=policy.compat32)
                except Exception:
                    data = inner.as_string().encode("utf-8", "surrogateescape")
        elif isinstance(payload, str):
            data = payload.encode("utf-8", "surrogateescape")
        name = _filename(part, self.defects)
        self.attachments.append(Attachment(name, part.get_content_type(), len(data), _sha(data), part.get_content_disposition(), data))
        self.attached.append(("rfc822", data))


# ---------------------------------------------------------------------------- the mail


def _headers(msg: Message, defects: list[str]) -> list[tuple[str, str]]:
    out = []
    for name, value in msg.raw_items() if hasattr(msg, "raw_items") else msg.items():
        name = unescape_8bit(str(name)).strip()
        value = str(value)
        if any("\udc80" <= ch <= "\udcff" for ch in value):
            note = f"8bit-header: {name} has raw 8-bit bytes (decoded as UTF-8, else cp1252)"
            if note not in defects:
                defects.append(note)
        out.append((name, decode_header_text(value, defects, name)))
    return out


def _raw_all(msg: Message, name: str) -> list[str]:
    """Header values as they came, 8-bit bytes kept as surrogates (the policy would mangle them)."""
    wanted = name.lower()
    items = msg.raw_items() if hasattr(msg, "raw_items") else msg.items()
    return [str(v) for k, v in items if str(k).strip().lower() == wanted]


def _first_raw(msg: Message, name: str) -> str | None:
    values = _raw_all(msg, name)
    return values[0] if values else None


def _parse(raw: bytes, depth: int, cut: bool = True) -> ParsedMail:
    defects: list[str] = []
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    raw = bytes(raw or b"")
    if not raw or raw.isspace():  # not raw.strip(): that would copy the whole mail
        return ParsedMail(defects=["empty: the mail has no content"])
    stripped = raw.lstrip(b"\xef\xbb\xbf\r\n\t ")
    if stripped is not raw and len(stripped) != len(raw):
        defects.append("leading-junk: blank lines or a byte-order mark before the headers")
    if b"\x00" in stripped:
        defects.append("nul-bytes: the mail contains NUL bytes (dropped from the text)")
    if re.search(rb"\r(?!\n)", stripped):
        defects.append("bare-cr: lone carriage returns used as line ends")
    small, regions = bigparts.cut(stripped) if cut else (stripped, {})
    msg = email.message_from_bytes(small, policy=policy.compat32)
    del small

    headers = _headers(msg, defects)
    if not headers:
        defects.append("no-headers: the mail starts with its body")
    counts: dict[str, int] = {}
    for name, _ in headers:
        counts[name.lower()] = counts.get(name.lower(), 0) + 1
    for name in _REQUIRED:
        if not counts.get(name):
            defects.append(f"missing-header: {name.title() if name != 'message-id' else 'Message-ID'}")
    for name in _SINGLE:
        if counts.get(name, 0) > 1:
            defects.append(f"duplicate-header: {name.title() if name != 'message-id' else 'Message-ID'} appears {counts[name]} times")

    # headers
    mid_raw = _first_raw(msg, "Message-ID")
    message_id = None
    if mid_raw is not None:
        ids = _msgids(decode_header_text(mid_raw))
        message_id = ids[0] if ids else (decode_header_text(mid_raw) or None)
        if not ids:
            defects.append("malformed-header: Message-ID")
    date_raw = _first_raw(msg, "Date")
    date_text = decode_header_text(date_raw) if date_raw is not None else None
    date = parse_header_date(date_text) if date_text else None
    if date_text is not None and date is None:
        defects.append(f"bad-date: {date_text[:60]!r}")
    elif date is not None and not re.search(r"[+-]\d{4}|\b(?:UT|UTC|GMT|[ECMP][SD]T|Z)\b", date_text or ""):
        defects.append("date-without-zone: read as Europe/London")
    elif date_text and re.search(r"-0000\b", date_text):
        defects.append("date-zone-unknown: -0000 read as Europe/London")
    subj_raw = _first_raw(msg, "Subject")
    subject = decode_header_text(subj_raw, defects, "Subject") if subj_raw is not None else None
    froms = header_addresses(_first_raw(msg, "From"), defects, "From")
    from_ = froms[0] if froms else Address(None, None)
    if _first_raw(msg, "From") is not None and not froms:
        defects.append("malformed-address: From is empty")
    to = [a for v in _raw_all(msg, "To") for a in header_addresses(v, defects, "To")]
    cc = [a for v in _raw_all(msg, "Cc") for a in header_addresses(v, defects, "Cc")]
    reply_to = header_addresses(_first_raw(msg, "Reply-To"), defects, "Reply-To")
    irt = _msgids(decode_header_text(_first_raw(msg, "In-Reply-To") or ""))
    refs = _msgids(decode_header_text(_first_raw(msg, "References") or ""))

    # body, attachments, attached mails
    walk = _Walk(depth, regions)
    for d in msg.defects:
        name = _defect_name(d)
        if name not in walk.defects:
            walk.defects.append(name)
    walk.root = msg
    try:
        walk.visit(msg)
    except RecursionError:
        defects.append("too-deep: MIME nesting too deep to read")
    if len(walk.used) != len(regions):  # a large body the walk did not read as a file: parse it as it is
        return _parse(raw, depth, cut=False)
    defects.extend(d for d in walk.defects if d not in defects)
    ctype = msg.get_content_type()
    if ctype.startswith("multipart/") and not msg.is_multipart():
        defects.append("mime: multipart-without-parts")
    if msg.get_content_maintype() == "multipart" and msg.get_param("boundary") is None:
        defects.append("mime: no-boundary")

    body_html = "\n".join(walk.html) if walk.html else None
    if walk.plain:
        body_text = "\n\n".join(t.strip("\n") for t in walk.plain)
    elif walk.html:
        body_text = "\n\n".join(html_to_text(h) for h in walk.html)
    else:
        body_text = ""
    body_text = body_text.replace("\x00", "")
    if not body_text.strip() and not walk.attachments:
        defects.append("empty-body: the mail has no text and no attachments")

    # forwards: inline blocks, then each attached mail followed by its own forwards
    forwarded: list[Forwarded] = []
    inline, _blocks = inline_forwards(body_text, subject if depth == 0 else None, defects)
    forwarded.extend(inline)
    if depth < MAX_DEPTH:
        for kind, data in walk.attached:
            if kind == "rfc822":
                inner = _parse(data, depth + 1)
                forwarded.append(_attached_forward(inner))
                forwarded.extend(inner.forwarded)
                defects.extend(f"attached mail: {d}" for d in inner.defects if not d.startswith("attached mail:"))
            else:
                item = read_msg(data)
                if item is None:
                    defects.append("msg-unreadable: an attached Outlook item could not be read")
                    continue
                forwarded.extend(_msg_forwards(item, depth + 1, defects))
    else:
        defects.append("too-deep: attached mails nested too deeply; inner ones not read")

    # the new text and the signature
    reply_text, signature = reply_parts(body_text, from_.name)

    auto, reason = autoreply.classify(headers, subject, walk.types, from_.email)

    return ParsedMail(
        message_id=message_id,
        date=date,
        date_text=date_text,
        subject=subject,
        from_=from_,
        to=to,
        cc=cc,
        reply_to=reply_to,
        in_reply_to=irt[0] if irt else None,
        references=refs,
        auto_reply=auto,
        auto_reply_reason=reason,
        forwarded=forwarded,
        body_text=body_text,
        body_html=body_html,
        reply_text=reply_text,
        signature=signature,
        attachments=walk.attachments,
        defects=defects,
        headers=headers,
    )


def _attached_forward(inner: ParsedMail) -> Forwarded:
    return Forwarded(
        from_=inner.from_,
        date=inner.date,
        date_text=inner.date_text,
        subject=inner.subject,
        body=inner.body_text,
        to=inner.to,
        cc=inner.cc,
        address_hidden=False,
        via="rfc822",
    )


def _msg_forwards(item: MsgItem, depth: int, defects: list[str]) -> list[Forwarded]:
    """An Outlook item as a forward, followed by the forwards inside it."""
    defects.extend(item.defects)
    body = item.body
    if not body.strip() and item.html:
        body = html_to_text(item.html)
    out = [
        Forwarded(
            from_=item.sender,
            date=item.date,
            date_text=item.date_text,
            subject=item.subject,
            body=body.strip(),
            to=item.to,
            cc=item.cc,
            address_hidden=item.address_hidden,
            via="msg",
        )
    ]
    inline, _ = inline_forwards(body, None, defects)
    out.extend(inline)
    if depth < MAX_DEPTH:
        for nested in item.items:
            out.extend(_msg_forwards(nested, depth + 1, defects))
        for data in item.emls:
            inner = _parse(data, depth + 1)
            out.append(_attached_forward(inner))
            out.extend(inner.forwarded)
    return out
