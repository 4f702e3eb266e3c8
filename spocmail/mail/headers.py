"""Every header spocmail writes passes through here: one place that makes any text safe to send.

A customer's words reach our subjects (an issue's title) and a register's names reach our address
headers. Python's email package refuses CR, LF and (when folding) text that looks like an RFC 2047
encoded word next to non-ASCII, and a display name with a comma becomes two recipients. So:
`clean()` turns control characters into spaces, breaks encoded-word lookalikes ("=?" becomes "= ?")
and collapses whitespace; `address()` quotes the display name (formataddr) so "Jones, Alex" stays
one person; `addresses()` does that for a list of "Name <email>" strings written by our own code.
"""

from __future__ import annotations

import re
from email.utils import formataddr

CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u0085]")
ENCODED_WORD = re.compile(r"=\?")
ANGLE = re.compile(r"^\s*(?P<name>.*?)\s*<(?P<email>[^<>\s]+@[^<>\s]+)>\s*$", re.S)
MAX_HEADER = 900  # characters of one header value we write; a title longer than this is cut at a word


def clean(value: object, limit: int = MAX_HEADER) -> str:
    """Text that any header can carry: no CR, LF, NUL or other controls, no encoded-word lookalike."""
    text = CONTROL.sub(" ", str(value or ""))
    text = ENCODED_WORD.sub("= ?", text)
    text = " ".join(text.split())
    if len(text) > limit:
        cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
        text = cut + "…"
    return text


MSG_ID = re.compile(r"<[^<>\s]+>")
FOLD = re.compile(r"[\x00-\x20\x7f\u2028\u2029\u0085]")


def msg_id(value: object) -> str | None:
    """A Message-ID fit for In-Reply-To and References: folding and controls taken out of a stored id
    ("<abc\\r\\n def@x>" was one id folded), or None when what is left is not one "<...>" id."""
    text = FOLD.sub("", str(value or ""))
    return text if len(text) <= 250 and MSG_ID.fullmatch(text) else None


def address(name: str | None, email: str) -> str:
    """One mailbox, its display name quoted where it needs to be ("Jones, Alex" <alex@…>)."""
    email = clean(email, 320).replace(" ", "")
    return formataddr((clean(name, 200), email)) if name and clean(name, 200) else email


def addresses(items: list[str] | tuple[str, ...]) -> str:
    """A header value for a list whose every item is one address, as "Name <email>" or a bare email."""
    out = []
    for item in items:
        m = ANGLE.match(str(item))
        out.append(address(m["name"].strip('"'), m["email"]) if m else address(None, str(item)))
    return ", ".join(out)


ADDRESS_HEADERS = frozenset({"from", "to", "cc", "bcc", "reply-to", "sender"})


def fold_addresses(name: str, header, linesep: str = "\r\n") -> bytes | None:
    """An address header written on the wire one mailbox per line, each display name quoted or encoded on
    its own; None when the header is not a plain list of mailboxes (the caller folds it as usual).

    Python's folder, refolding a list after an encoded (non-ASCII) name, can put the comma between two
    recipients inside an encoded word ("=?utf-8?q?=2C?=") or decode a name into bare ":" or ","
    specials: a recipient is lost, or the header no longer parses. Written this way nothing is refolded.
    """
    from email.header import Header

    if name.lower() not in ADDRESS_HEADERS or not hasattr(header, "groups"):
        return None
    if any(g.display_name is not None for g in header.groups):
        return None  # a named group ("undisclosed-recipients:;"): left to the email package
    items = []
    for a in header.addresses:
        addr = a.addr_spec
        if not addr or not addr.isascii() or any(c in addr for c in "\r\n\x00"):
            return None
        shown = clean(a.display_name, 200)
        if not shown:
            items.append(addr)
        elif shown.isascii():
            items.append(formataddr((shown, addr)))
        else:  # RFC 2047, as one word where it fits a line (readers put a space between two words)
            words = Header(shown, "utf-8", maxlinelen=900).encode(linesep=linesep)
            items.append(f"{words}{linesep} <{addr}>")
    if not items:
        return None
    return (f"{name}: " + ("," + linesep + " ").join(items) + linesep).encode("ascii")
