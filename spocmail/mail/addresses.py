"""Read mailboxes from headers and from the address lines clients print in forward blocks.

Never guess: a name shown without an address gives `Address(name, None)`.
"""

from __future__ import annotations

import re
from email.utils import getaddresses

from .charsets import decode_header_text
from .model import Address

EMAIL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)+")
_EMAIL_ONLY = re.compile(r"^" + EMAIL.pattern + r"$")


def is_email(text: str | None) -> bool:
    return bool(text) and bool(_EMAIL_ONLY.match(text.strip()))


def clean_name(name: str | None) -> str | None:
    """Strip the quoting, brackets and stray punctuation clients leave around a display name."""
    if not name:
        return None
    name = name.replace("\xa0", " ").replace("\u200b", "").replace("\ufeff", "")
    name = re.sub(r"\s+", " ", name).strip()
    # peel matching wrappers repeatedly: "'Jane Doe'", "\"Doe, Jane\"", "(Jane)"
    while True:
        before = name
        name = name.strip(" \t,;:")
        if len(name) >= 2 and name[0] == name[-1] and name[0] in "\"'":
            name = name[1:-1].strip()
        elif len(name) >= 2 and name[0] in "\"'" and name[0] not in name[1:]:
            name = name[1:].strip()
        elif len(name) >= 2 and name[-1] in "\"'" and name[-1] not in name[:-1]:
            name = name[:-1].strip()
        if name == before:
            break
    name = name.replace('\\"', '"')
    if not name or is_email(name) or not re.search(r"\w", name):
        return None
    return name


def header_addresses(value: str | None, defects: list[str] | None = None, where: str = "header") -> list[Address]:
    """Addresses in a From/To/Cc/Reply-To header, names decoded (RFC 2047 and raw 8-bit)."""
    if not value or not value.strip():
        return []
    raw = re.sub(r"\r?\n[ \t]*", " ", str(value)).strip()
    if re.match(r'^[^:@<>"]*:\s*;?\s*$', raw):
        return []  # an empty group: "undisclosed-recipients:;"
    if "@" not in raw:
        names = [clean_name(decode_header_text(p, defects, where)) for p in re.split(r"[;,]", raw)]
        if defects is not None:
            defects.append(f"malformed-address: {where} has a name but no address")
        return [Address(n, None) for n in names if n]
    try:
        pairs = getaddresses([raw])
    except Exception:
        pairs = []
    out: list[Address] = []
    bad = False
    for name, addr in pairs:
        name = decode_header_text(name, defects, where) if name else ""
        addr = (addr or "").strip()
        if addr and not is_email(addr):
            # getaddresses puts a bare name in the address slot: "To: Jane Doe"
            found = EMAIL.search(addr)
            if found:
                addr = found.group(0)
            else:
                name = f"{name} {addr}".strip() if name else decode_header_text(addr)
                addr = ""
                bad = True
        if not addr and not name:
            continue
        out.append(Address(clean_name(name), addr or None))
    if not out:
        # getaddresses gave up (unbalanced quotes, stray brackets): fall back to the block reader
        out = block_addresses(decode_header_text(raw, defects, where))
        bad = True
    if bad and defects is not None:
        defects.append(f"malformed-address: {where}")
    return out


def _dedupe_email_in_name(name: str, email: str) -> str:
    # Outlook's plain text: "jane@x.org<mailto:jane@x.org>" leaves the address as the name
    pattern = re.escape(email)
    name = re.sub(r"(?i)(mailto:)?" + pattern, " ", name)
    return name


def block_address(text: str) -> tuple[Address, bool]:
    """One mailbox as a client printed it; returns (address, address_hidden).

    Handles `Name <addr>`, `"Last, First" <addr>`, bare `addr`, `Name [mailto:addr]`,
    `addr<mailto:addr>`, `Name <mailto:addr>`, `Name (addr)`, `addr (Name)` and a bare name.
    """
    value = (text or "")[:1000].replace("\xa0", " ").replace("\u200b", "").strip()
    value = re.sub(r"\s+", " ", value)
    if not value:
        return Address(None, None), False
    found = None
    # the address the client marked as such: <...>, [mailto:...], (mailto:...)
    for m in re.finditer(r"[<\[(]\s*(?:mailto:)?\s*(" + EMAIL.pattern + r")\s*[>\])]", value, re.IGNORECASE):
        found = m
        break
    if found is None:
        m = EMAIL.search(value)
        if m:
            found = m
    if found is None:
        name = clean_name(re.sub(r"[<>\[\]]", " ", value))
        return Address(name, None), name is not None
    email = found.group(1) if found.re is not EMAIL else found.group(0)
    email = email.strip(".")
    name = value[: found.start()] + " " + value[found.end():]
    name = _dedupe_email_in_name(name, email)
    name = re.sub(r"[<>\[\]]|mailto:", " ", name, flags=re.IGNORECASE)
    name = re.sub(r"\(\s*\)", " ", name)
    if re.fullmatch(r"\s*\(([^()]*)\)\s*", name):  # "jane@x.org (Jane Doe)"
        name = name.strip()[1:-1]
    # Exchange shows some senders as "Jane Doe via Planning <...>" or "on behalf of": keep as written
    return Address(clean_name(name), email), False


def block_addresses(text: str) -> list[Address]:
    """A list of mailboxes from a To:/Cc: line in a forward block."""
    value = (text or "")[:20000].replace("\xa0", " ").strip()
    if not value:
        return []
    if ";" in value:
        pieces = [p for p in value.split(";")]
    elif EMAIL.search(value):
        # split after each address, so "Doe, Jane <j@x>, Bo <b@x>" keeps the comma in the name
        pieces = []
        start = 0
        pattern = re.compile(
            r"(?:[<\[(]\s*(?:mailto:)?\s*" + EMAIL.pattern + r"\s*[>\])]|" + EMAIL.pattern + r"(?:\s*[<\[]\s*mailto:[^>\]]*[>\]])?)",
            re.IGNORECASE,
        )
        for m in pattern.finditer(value):
            end = m.end()
            # a parenthesised name after a bare address belongs to it: "jane@x.org (Jane)"
            tail = re.match(r"\s*\([^)]*\)", value[end:])
            if tail:
                end += tail.end()
            pieces.append(value[start:end])
            start = end
        if value[start:].strip(" ,;"):
            pieces.append(value[start:])
    else:
        pieces = [value]
    out = []
    for piece in pieces:
        piece = piece.strip(" ,;")
        if not piece:
            continue
        addr, _hidden = block_address(piece)
        if addr.name or addr.email:
            out.append(addr)
    return out
