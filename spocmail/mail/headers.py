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
