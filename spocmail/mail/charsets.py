"""Turn bytes and encoded header words into text, best effort, saying when a guess was made."""

from __future__ import annotations

import codecs
import re
from email.header import decode_header

# Labels that real clients write but Python does not know, or knows by another name.
_ALIASES = {
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "x-gbk": "gbk",
    "gb2312": "gb18030",  # a superset; mislabelled GBK mail is common
    "gbk": "gb18030",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "x-mac-ce": "mac_latin2",
    "windows-874": "cp874",
    "x-sjis": "shift_jis",
    "shift-jis": "shift_jis",
    "unicode-1-1-utf-7": "utf-7",
    "x-unicode20utf8": "utf-8",
    "utf8": "utf-8",
    "iso-8859-1": "cp1252",  # what "latin-1" mail really is: smart quotes at 0x91-0x94
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",  # 8-bit bytes labelled ascii are almost always Windows text
    "ascii": "cp1252",
    "ansi_x3.4-1968": "cp1252",
    "cp-850": "cp850",
    "x-user-defined": "cp1252",
    "default": "utf-8",
}


def codec_for(charset: str | None) -> str | None:
    """The Python codec name for a MIME charset label, or None when no codec is known."""
    if not charset:
        return None
    label = charset.strip().strip('"\'').lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except (LookupError, ValueError):
        return None


def decode_bytes(data: bytes, charset: str | None, defects: list[str] | None = None, where: str = "body") -> str:
    """Decode with the declared charset; unknown or wrong charsets fall back to UTF-8, then cp1252."""
    codec = codec_for(charset)
    if charset and codec is None and defects is not None:
        defects.append(f"unknown-charset: {where} declared {charset!r}; decoded as utf-8/latin-1")
    if codec is not None:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            if codec not in ("cp1252",):
                if defects is not None:
                    defects.append(f"charset-mismatch: {where} is not valid {charset}; decoded best-effort")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if codec is not None and not _ascii_label(charset):
        return data.decode(codec, errors="replace")
    if _mostly_8bit(data):
        guessed = _guess(data)
        if guessed is not None:
            if defects is not None:
                defects.append(f"charset-guessed: {where} read as {guessed[1]}")
            return guessed[0]
    # cp1252 leaves 5 bytes undefined; latin-1 maps every byte, so nothing is lost
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


_ASCII_LABELS = {"us-ascii", "ascii", "ansi_x3.4-1968", "x-user-defined", "default"}


def _ascii_label(charset: str | None) -> bool:
    return bool(charset) and charset.strip().strip('"\'').lower() in _ASCII_LABELS


def _mostly_8bit(data: bytes) -> bool:
    """Text whose letters are mostly 8-bit bytes is not a Western language (Cyrillic, Greek, Arabic, CJK).

    Western text in cp1252 has an accented letter here and there; there our own reading is right far
    more often than a statistical guess (bench/bench_parse.py --charsets), so only this case is guessed.
    """
    high = sum(1 for b in data if b >= 0x80)
    letters = high + sum(1 for b in data if 65 <= b <= 90 or 97 <= b <= 122)
    return high >= 4 and high / letters > 0.3


# what a guess may return: the 8-bit and multi-byte charsets of scripts cp1252 cannot show
_NON_WESTERN = {
    "cp1251", "windows_1251", "koi8_r", "koi8_u", "cp866", "iso8859_5", "mac_cyrillic", "cp1253", "windows_1253",
    "iso8859_7", "mac_greek", "cp1256", "windows_1256", "iso8859_6", "cp1255", "windows_1255", "iso8859_8",
    "shift_jis", "cp932", "euc_jp", "iso2022_jp", "euc_jis_2004", "euc_jisx0213", "shift_jis_2004", "shift_jisx0213", "gb18030", "gb2312", "gbk", "big5", "big5hkscs", "cp950",
    "euc_kr", "cp949", "johab", "tis_620", "cp874", "cp1258",
}


def _guess(data: bytes) -> tuple[str, str] | None:
    """charset-normalizer's reading of undeclared non-Western 8-bit text: (text, encoding), or None."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a dependency, but never let a body stop the mail being read
        return None
    try:
        best = from_bytes(data[:65536] if len(data) > 65536 else data).best()
    except Exception:  # pragma: no cover
        return None
    if best is None or best.encoding.lower().replace("-", "_") not in _NON_WESTERN:
        return None  # a Western guess is no better than our cp1252 reading
    try:
        return data.decode(best.encoding), best.encoding
    except (UnicodeDecodeError, LookupError):
        return None


def unescape_8bit(value: str) -> str:
    """Header text parsed from bytes carries raw 8-bit bytes as surrogates; decode them as UTF-8 or cp1252."""
    if value.isascii() or not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    raw = value.encode("utf-8", errors="surrogateescape")
    return decode_bytes(raw, None)


_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[qQbB]\?[^?]*\?=")


def decode_header_text(value: str | None, defects: list[str] | None = None, where: str = "header") -> str:
    """Decode RFC 2047 words and raw 8-bit bytes in one header value, unfolding it."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    value = unescape_8bit(value)
    value = re.sub(r"\r?\n[ \t]*", " ", value)
    if "=?" not in value or not _ENCODED_WORD.search(value):
        return value.strip()
    try:
        parts = decode_header(value)
    except Exception:  # the stdlib raises on some malformed words
        if defects is not None:
            defects.append(f"bad-encoded-word: {where}")
        return value.strip()
    out: list[str] = []
    for chunk, charset in parts:
        if isinstance(chunk, str):
            out.append(chunk)
            continue
        if charset is None:
            out.append(decode_bytes(chunk, None))
        else:
            out.append(decode_bytes(chunk, charset, defects, where))
    text = "".join(out)
    # Encoded words inside quotes leave quote marks around the decoded name: keep them, callers strip.
    return re.sub(r"\s+", " ", text).strip()
