"""No reply token leaves in a file attached to an answer (issue 10: "strip them from subjects, bodies and
attached files").

An officer may attach the request itself (as .eml, .txt or .html) or paste its subject into a text file; the
token in it would let the customer speak for that officer. A mail attached to an answer (message/*, .eml,
.mbox, .msg) is correspondence, not a document for the customer: it is always held back and named to the
SPOC. Other text-like files (text/*, .html, .csv, ...) are rewritten with every token taken out and checked
again: a file that still shows a token is held back. A file that cannot be rewritten (PDF, Word, a zip) is
looked into: its bytes as ASCII and UTF-16, a zip's members (docx, xlsx, odt) and a PDF's compressed
streams; if a token is found there, the file is held back and put to the SPOC, never sent. (A PDF whose
text is drawn as glyph numbers cannot be read this way.)
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib

from sqlalchemy import select
from sqlalchemy.orm import Session

TEXT_TYPES = ("text/", "message/")
TEXT_SUFFIXES = (".txt", ".eml", ".html", ".htm", ".csv", ".xml", ".json", ".md", ".ics", ".vcf", ".rtf",
                 ".tsv", ".log", ".mbox")
_TAG = re.compile(rb"\[\s*(SPOC-\d{4}-\d{3,6})[\s_]+#[A-Za-z0-9_-]*\]")
_PLUS = re.compile(rb"\+[A-Za-z0-9_-]{8,64}@")
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
MAX_INSPECT = 50 * 1024 * 1024  # bytes decompressed from one file at most while looking for tokens
HELD_REASON = ("it is a mail attached to the answer (internal correspondence, for the SPOC to read first), "
               "or it carries a reply token that cannot be taken out of this kind of file")


def tokens_for(session: Session, answers) -> set[str]:
    """Every token of a request for the issues of the customers these answers are for."""
    from spocmail.db.issues import Issue, OfficerRequest

    issue_ids = {a.issue_id for a in answers}
    if not issue_ids:
        return set()
    customers = set(session.scalars(select(Issue.customer_id).where(Issue.id.in_(issue_ids))))
    rows = session.scalars(select(OfficerRequest.token).join(Issue, Issue.id == OfficerRequest.issue_id)
                           .where(Issue.customer_id.in_(customers)))
    return {t for t in rows if t}


def _strip(data: bytes, tokens: set[str]) -> bytes:
    data = _TAG.sub(rb"\1", data)
    data = _PLUS.sub(b"@", data)
    for t in sorted(tokens, key=len, reverse=True):
        data = data.replace(t.encode("ascii", "ignore"), b"")
    return data


def _found(data: bytes, tokens: set[str]) -> bool:
    if _TAG.search(data) or _PLUS.search(data):
        return True
    for t in tokens:
        b = t.encode("ascii", "ignore")
        if b in data or t.encode("utf-16-le") in data or t.encode("utf-16-be") in data:
            return True
    return False


def _inside(data: bytes) -> list[bytes]:
    """What a binary file holds that a reader would see as text: zip members, PDF streams (bounded)."""
    out, budget = [], MAX_INSPECT
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                for info in z.infolist():
                    if info.file_size > budget:
                        out.append(b"\x00too-large")
                        break
                    budget -= info.file_size
                    out.append(z.read(info))
        except Exception:
            pass
    if data[:5] == b"%PDF-":
        for m in _STREAM.finditer(data):
            try:
                d = zlib.decompressobj()
                chunk = d.decompress(m.group(1), budget)
            except zlib.error:
                continue
            budget -= len(chunk)
            out.append(chunk)
            if budget <= 0:
                break
    return out


def is_text_like(filename: str | None, content_type: str) -> bool:
    return content_type.lower().startswith(TEXT_TYPES) or (filename or "").lower().endswith(TEXT_SUFFIXES)


def scrub(filename: str | None, content_type: str, payload: bytes, tokens: set[str]) -> bytes | None:
    """The file as it may go to the customer, tokens taken out; None when it must be held back."""
    if content_type.lower().startswith("message/") or (filename or "").lower().endswith((".eml", ".mbox", ".msg")):
        # A mail attached to an answer is correspondence (often the officer request itself, with its routing
        # and other officers' addresses), not a document for the customer: held for the SPOC, never sent.
        return None
    if is_text_like(filename, content_type):
        cleaned = _strip(payload, tokens)
        if _found(cleaned, tokens):
            return None
        return cleaned
    if _found(payload, tokens) or any(_found(v, tokens) for v in _inside(payload)):
        return None
    return payload
