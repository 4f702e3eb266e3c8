"""Bounded work per mail ([limits]): a mail too big, too deep, with too many parts or too much text is set
aside with the reason before spocmail spends minutes on it, so it never holds up the mail behind it.

The structure is measured on the raw bytes in one linear pass (no parsing): MIME parts are counted by
their Content-Type headers, and depth is the deepest stack of open multipart boundaries. A mail set
aside is kept raw, listed by `spocmail quarantine` with the reason, and the SPOC may let it through
anyway with `spocmail quarantine retry ID --no-limits`.
"""

from __future__ import annotations

import re

from spocmail.config import LimitsConfig

WAIVED = "limits waived"  # the quarantine_reason a SPOC's `retry --no-limits` leaves: check no more

_EVENT = (rb"(?:content-type:[ \t]*(?P<ctype>[^;\r\n]*)(?P<params>[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)"
          rb"|--(?P<boundary>[^\r\n]+?)[ \t]*\r?$)")
_EVENTS = re.compile(rb"^" + _EVENT, re.IGNORECASE | re.MULTILINE)
# The same events after a line end: the engine looks for the "\n" as a literal (memchr) instead of trying "^"
# at every byte. A match never ends just past a "\n", so none is lost to the one before it.
_EVENTS_AFTER_LF = re.compile(rb"\n" + _EVENT, re.IGNORECASE | re.MULTILINE)


def _events(raw: bytes):
    """_EVENTS.finditer(raw): the match at the start, then each one after a line end."""
    start = 0
    first = _EVENTS.match(raw)
    if first is not None:
        yield first
        start = first.end()
    yield from _EVENTS_AFTER_LF.finditer(raw, start)
_BOUNDARY = re.compile(rb'boundary[ \t]*=[ \t]*(?:"([^"]+)"|([^\s;"]+))', re.IGNORECASE)


def structure(raw: bytes) -> tuple[int, int]:
    """(parts, depth) of a mail, read from its bytes in one pass."""
    parts = depth = 0
    stack: list[bytes] = []
    for m in _events(raw):
        if m.group("ctype") is not None:
            parts += 1
            if m.group("ctype").strip().lower().startswith(b"multipart/"):
                b = _BOUNDARY.search(m.group("params"))
                if b:
                    stack.append(b.group(1) or b.group(2))
                    depth = max(depth, len(stack))
            continue
        line = m.group("boundary")
        if line.endswith(b"--") and line[:-2] in stack:  # the close of a boundary: it and all inside end
            while stack and stack.pop() != line[:-2]:
                pass
    return parts, depth


def raw_reason(raw: bytes, limits: LimitsConfig) -> str | None:
    """Why this mail is past a limit before it is read, or None."""
    if len(raw) > limits.max_mail_bytes:
        return (f"limit: the mail is {len(raw):,} bytes, more than [limits] max_mail_bytes = "
                f"{limits.max_mail_bytes:,}")
    parts, depth = structure(raw)
    if depth > limits.max_depth:
        return f"limit: parts nested {depth} deep, more than [limits] max_depth = {limits.max_depth}"
    if parts > limits.max_parts:
        return f"limit: {parts:,} MIME parts, more than [limits] max_parts = {limits.max_parts:,}"
    return None


def text_reason(text: str, limits: LimitsConfig) -> str | None:
    if len(text) > limits.max_text_chars:
        return (f"limit: {len(text):,} characters of text, more than [limits] max_text_chars = "
                f"{limits.max_text_chars:,}")
    return None


class LimitExceeded(Exception):
    """Raised inside a mail's handling: set it aside with this reason (not a failure to retry)."""
