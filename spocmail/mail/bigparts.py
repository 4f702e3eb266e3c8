"""Large base64 attachments kept out of the MIME parser, so a 50 MB mail is not held five times over.

The stdlib parser turns the whole mail into one text, splits it into lines and keeps every part's body
as a string; decoding the attachments then adds their bytes. For a mail with large attachments that is
several times its size. Before parsing, `cut` replaces the body of each large base64 part that is not
text, not a mail and not multipart with a short placeholder, and remembers where the body lies in the
raw bytes. The parser then reads a small mail; the walk finds the placeholder and `decode_stream` reads
the body from the raw bytes in slices, for its size and SHA-256, without keeping it decoded (the
attachment decodes it again when its payload is asked for).

A body is cut only when the parser would have read it exactly as we do: every line in the base64
alphabet (with `=` padding on the last one only), a whole number of quads, and ending at a line that is
one of the mail's declared boundaries. Anything else is left in place for the parser, as before.
"""

from __future__ import annotations

import binascii
import hashlib
import re
import secrets
from dataclasses import dataclass
from email import policy
from email.parser import BytesHeaderParser

MIN_CUT = 256 * 1024  # smaller bodies are left to the parser: the copies do not matter
SLICE = 1 << 20

_BOUNDARY = re.compile(rb'boundary[ \t]*=[ \t]*(?:"([^"\r\n]+)"|([^\s;"]+))', re.IGNORECASE)
_KEEP = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/\r\n"
_PREFIX = "SPOCMAIL-BIGPART-"


@dataclass(frozen=True)
class Region:
    raw: bytes
    start: int
    end: int

    def decode(self) -> bytes:
        return binascii.a2b_base64(memoryview(self.raw)[self.start:self.end])


def cut(raw: bytes) -> tuple[bytes, dict[str, Region]]:
    """(the mail with large base64 bodies replaced by placeholders, placeholder -> where its body lies)."""
    if len(raw) < MIN_CUT:
        return raw, {}
    boundaries = {m.group(1) or m.group(2) for m in _BOUNDARY.finditer(raw)}
    if not boundaries:
        return raw, {}
    marks = sorted({rb"--" + b for b in boundaries}, key=len, reverse=True)
    lines = re.compile(rb"^(?:" + b"|".join(re.escape(m) for m in marks) + rb")(?:--)?[ \t]*\r?$", re.MULTILINE)
    nonce = secrets.token_hex(6)
    pieces: list[bytes] = []
    regions: dict[str, Region] = {}
    pos = 0
    starts = list(lines.finditer(raw))
    for k, m in enumerate(starts[:-1]):
        if raw[m.end():m.end() + 1] not in (b"\n",) and raw[m.end():m.end() + 2] != b"\r\n":
            continue
        head_start = m.end() + (2 if raw[m.end():m.end() + 2] == b"\r\n" else 1)
        nxt = starts[k + 1].start()
        sep = re.compile(rb"\r?\n\r?\n").search(raw, head_start, min(nxt, head_start + 64 * 1024))
        if sep is None:
            continue
        body_start, body_end = sep.end(), nxt
        if body_end - body_start < MIN_CUT:
            continue
        head = BytesHeaderParser(policy=policy.compat32).parsebytes(raw[head_start:sep.start()] + b"\r\n")
        if head.defects or (head.get("Content-Transfer-Encoding") or "").strip().lower() != "base64":
            continue
        if head.get_content_maintype() in ("text", "multipart", "message"):
            continue
        if not _clean(raw, body_start, body_end):
            continue
        alphabet = body_end - body_start - raw.count(b"\n", body_start, body_end) - raw.count(b"\r", body_start, body_end)
        if alphabet % 4 or alphabet == 0:
            continue
        token = f"{_PREFIX}{nonce}-{len(regions)}"
        # the parser drops the line end before a boundary; keep one so the boundary stays a line of its own
        ending = b"\r\n" if raw[body_end - 2:body_end] == b"\r\n" else b"\n"
        pieces.append(raw[pos:body_start])
        pieces.append(token.encode("ascii") + ending)
        regions[token] = Region(raw, body_start, body_end)
        pos = body_end
    if not regions:
        return raw, {}
    pieces.append(raw[pos:])
    return b"".join(pieces), regions


def _clean(raw: bytes, start: int, end: int) -> bool:
    """Only the base64 alphabet and line ends, with at most two `=` at the very end (a slice at a time:
    a regular expression over a large body keeps a backtracking mark per line)."""
    eq = raw.find(b"=", start, end)
    if eq >= 0:
        if end - eq > 16 or raw[eq:end].translate(None, b"\r\n") not in (b"=", b"=="):
            return False
        end = eq
    for pos in range(start, end, SLICE):
        if raw[pos:min(end, pos + SLICE)].translate(None, _KEEP):
            return False
    return True


def lookup(payload: object, regions: dict[str, Region]) -> Region | None:
    if not regions or not isinstance(payload, str) or not payload.startswith(_PREFIX):
        return None
    return regions.get(payload.strip())


def decode_stream(region: Region) -> tuple[int, str]:
    """(decoded size, SHA-256) of a region, decoded a slice at a time."""
    sha = hashlib.sha256()
    size = 0
    carry = b""
    view = memoryview(region.raw)
    pos = region.start
    while pos < region.end:
        stop = min(region.end, pos + SLICE)
        if stop < region.end:
            nl = region.raw.find(b"\n", stop, region.end)
            stop = region.end if nl < 0 else nl + 1
        data = carry + bytes(view[pos:stop]).translate(None, b"\r\n")
        whole = len(data) // 4 * 4
        out = binascii.a2b_base64(data[:whole])
        carry = data[whole:]
        sha.update(out)
        size += len(out)
        pos = stop
    if carry:  # cannot happen for a region `cut` accepted (a whole number of quads)
        out = binascii.a2b_base64(carry)
        sha.update(out)
        size += len(out)
    return size, sha.hexdigest()
