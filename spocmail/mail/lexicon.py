"""The words mail clients print, by language and client, read from rules/mail.toml and compiled once.

forwards.py and replies.py build their patterns from this; a council adds a language or a client by
editing its copy of mail.toml (see the comments there). `load(path)` validates a file and is what
spocmail/ruleset.py runs at start; `current()` is what the parser reads, re-read when the file changes.
"""

from __future__ import annotations

import re
import time
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from spocmail import resources
from spocmail.errors import ConfigError

FIELDS = ("from", "date", "to", "cc", "subject", "skip")
_LISTS = {
    "forward": ("banners", "forward_word_patterns", "original_word_patterns", "forward_subject_prefixes",
                "reply_subject_prefixes", "attribution_patterns"),
    "reply": ("attribution_start_patterns", "attribution_verb_patterns", "tagline_patterns", "closers",
              "list_footer_patterns"),
}


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text.strip().lower()))


def _alt(words, escape: bool = True) -> str:
    items = sorted({norm(w) if escape else w for w in words if w.strip()}, key=len, reverse=True)
    return "|".join(re.escape(w).replace("\\ ", r"\s+") if escape else w for w in items)


@dataclass(frozen=True)
class Lexicon:
    key_of: dict[str, str]
    field_line: re.Pattern
    inline_split: re.Pattern  # before a field name inside a one-line block
    glued_split: re.Pattern  # before a capitalised field name glued to the previous value (Yahoo)
    apple: re.Pattern
    banners: frozenset  # the same, as normalised lines, for a lookup per line
    forward_words: re.Pattern
    original_words: re.Pattern
    forward_subject: re.Pattern
    reply_subject: re.Pattern
    forward_attribution: re.Pattern
    attrib_start: re.Pattern
    attrib_verb_end: re.Pattern
    attrib_whole: re.Pattern
    tagline: re.Pattern
    closer: re.Pattern
    closer_with_name: re.Pattern
    list_footer: re.Pattern


def _compile(path: Path, key: str, pattern: str, flags: int = re.IGNORECASE) -> re.Pattern:
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise ConfigError(f"{path}: [{key}] has a pattern that is not a valid regular expression ({exc}): "
                          "correct it (a literal dot or bracket needs a backslash)") from None


def _strings(path: Path, data: dict, section: str, key: str) -> list[str]:
    value = data.get(section, {}).get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: [{section}] {key} must be a list of strings")
    return value


def build(path: Path, data: dict) -> Lexicon:
    fw = data.get("forward", {})
    if not isinstance(fw, dict):
        raise ConfigError(f"{path}: [forward] must be a table")
    labels = fw.get("labels", {})
    if not isinstance(labels, dict):
        raise ConfigError(f"{path}: [forward.labels] must be a table of lists")
    for name in labels:
        if name not in FIELDS:
            raise ConfigError(f"{path}: [forward.labels] {name} is not a field; use one of {', '.join(FIELDS)}")
    for section, keys in _LISTS.items():
        for key in data.get(section, {}):
            if key != "labels" and key not in keys:
                raise ConfigError(f"{path}: [{section}] {key} is not a key spocmail reads; use one of {', '.join(keys)}")
    key_of: dict[str, str] = {}
    for name in FIELDS:
        value = labels.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{path}: [forward.labels] {name} must be a list of strings")
        for word in value:
            key_of.setdefault(norm(word).rstrip(":"), name)
    if not any(v == "from" for v in key_of.values()):
        raise ConfigError(f"{path}: [forward.labels] from is empty: list at least \"from\"")
    s = lambda sec, key: _strings(path, data, sec, key)  # noqa: E731
    key_alt = _alt(key_of)
    field_line = re.compile(r"^[\s*_]*(" + key_alt + r")[\s*_]*[:：][\s*_]*(.*)$", re.IGNORECASE)
    non_from = _alt(k for k, v in key_of.items() if v != "from" and len(k) > 1)
    inline_split = re.compile(r"\s+(?=(?:" + non_from + r")\s*[:：])", re.IGNORECASE)
    def capitalised(min_len: int) -> str:
        return "|".join(
            re.escape(k[0].upper() + k[1:]).replace("\\ ", r"\s") for k in sorted(key_of, key=len, reverse=True)
            if key_of[k] != "from" and len(k) >= min_len and k[0].lower() != k[0].upper()
        )
    # after an address any field; after other text only names of three letters or more ("GMTSubject:")
    glued_split = re.compile(r"(?<=[>\]])(?=(?:" + capitalised(1) + r")\s?:\s)|(?<=[^\s])(?=(?:" + capitalised(3) + r")\s?:\s)")
    for key in ("forward_word_patterns", "original_word_patterns", "attribution_patterns"):
        for p in s("forward", key):
            _compile(path, f"forward] {key}", p)
    for key in ("attribution_start_patterns", "attribution_verb_patterns", "tagline_patterns", "list_footer_patterns"):
        for p in s("reply", key):
            _compile(path, f"reply] {key}", p)
    apple = re.compile(r"^\s*(?:" + _alt(s("forward", "banners")) + r")\s*[:：]?\s*$", re.IGNORECASE)
    forward_words = _compile(path, "forward", "|".join(s("forward", "forward_word_patterns")) or "(?!)")
    original_words = _compile(path, "forward", "|".join(s("forward", "original_word_patterns")) or "(?!)")
    tag = r"^\s*(?:\[[^\]]*\]\s*|\*+\s*external\s*\*+\s*|external\s*:\s*)?"
    # "Fwd:", "WG:", "Пересл.:" (an abbreviation's dot), "RE[2]:"
    forward_subject = re.compile(tag + r"(?:" + _alt(s("forward", "forward_subject_prefixes")) + r")\.?\s*(?:\[\d+\])?\s*[:：]", re.IGNORECASE)
    reply_subject = re.compile(tag + r"(?:" + _alt(s("forward", "reply_subject_prefixes")) + r")\.?\s*(?:\[\d+\])?\s*[:：]", re.IGNORECASE)
    forward_attribution = _compile(path, "forward", "|".join(f"(?:{p})" for p in s("forward", "attribution_patterns")) or "(?!)")
    starts = "|".join(s("reply", "attribution_start_patterns")) or "(?!)"
    verbs = "|".join(sorted(s("reply", "attribution_verb_patterns"), key=len, reverse=True)) or "(?!)"
    attrib_start = _compile(path, "reply", r"^\s*(?:" + starts + r")(?:\b|(?<=\W))")
    attrib_verb_end = _compile(path, "reply", r"(?:" + verbs + r")\s*(?:\([^)]*\))?\s*[:：]\s*$")
    attrib_whole = _compile(
        path, "reply",
        r"^\s*(?:" + starts + r")(?:\b|(?<=\W)).{4,300}?(?:" + verbs + r")\s*(?:\([^)]*\))?\s*[:：]\s*$"
        # the writer after the verb: "Am ... schrieb Jane Doe <jane@x.org>:", "Den ... skrev Jane:"
        r"|^\s*(?:" + starts + r")\b.{4,200}?\b(?:schrieb|schreef|skrev|a scris|написал|написав|пише|έγραψε|كتب|escreveu|escribió)\b.{1,200}[:：]\s*$",
    )
    tagline = _compile(
        path, "reply",
        r"^\s*(?:" + "|".join(s("reply", "tagline_patterns")) + r")[.!。]?(?:\s*<[^>]*>|\s*\[[^\]]*\]|\s*\(\S+\))?\s*$",
    )
    closers = _alt(s("reply", "closers"))
    closer = re.compile(
        r"^\s*(?:" + closers + r")\s*[,.!]*(?:\s*[/|]\s*(?:" + closers + r")\s*[,.!]*)?\s*[,.!;:—–-]*\s*$", re.IGNORECASE
    )
    closer_with_name = re.compile(r"^\s*(?i:" + closers + r")\s*,\s*[A-ZÀ-ÞĀ-ſ][\w'’-]*(?:\s+[A-ZÀ-ÞĀ-ſ][\w'’-]*){0,3}\s*$")
    list_footer = _compile(path, "reply", r"^\s*(?:" + ("|".join(s("reply", "list_footer_patterns")) or "(?!)") + r")")
    banners = frozenset(norm(w).rstrip(":：").strip() for w in s("forward", "banners"))
    return Lexicon(key_of, field_line, inline_split, glued_split, apple, banners, forward_words, original_words,
                   forward_subject, reply_subject, forward_attribution, attrib_start, attrib_verb_end,
                   attrib_whole, tagline, closer, closer_with_name, list_footer)


def load(path: str | Path) -> Lexicon:
    """Read and validate a mail.toml; ConfigError (exit 2) names the file and the key at fault."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror}): restore it, or remove it to use spocmail's own") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: is not valid TOML ({exc}): correct it") from None
    return build(path, data)


_cache: dict[tuple, Lexicon] = {}
_last: list = [None, -1.0, None]  # (sources, when checked, lexicon)
RECHECK_SECONDS = 1.0  # the parser asks per line: look at the file's stamp at most this often


def current() -> Lexicon:
    """The lexicon in force: the council's mail.toml if it has one, else spocmail's; cached by file stamp."""
    sources, checked, lex = _last
    now = time.monotonic()
    if lex is not None and sources is resources._active and now - checked < RECHECK_SECONDS:
        return lex
    path = resources.rules_file("mail.toml")
    key = (str(path), *resources.stamp(path))
    lex = _cache.get(key)
    if lex is None:
        lex = load(path)
        _cache.clear()
        _cache[key] = lex
    _last[:] = [resources._active, now, lex]
    return lex


def current_key() -> tuple:
    """The file and stamp of the lexicon in force: two processes with the same key read mail alike."""
    current()
    return next(iter(_cache))
