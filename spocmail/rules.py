"""Load rules/classify.toml and rules/route.toml and apply them: classification and routing, each decision with its reason."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from spocmail import resources
from spocmail.errors import ConfigError

RULES_DIR = resources.packaged("rules")  # the shipped copies; a council's own are found through resources

# Deadlines exist for these kinds (rules/deadlines.toml); a category maps to one of them or to none.
STATUTORY_KINDS = ("foi", "eir", "sar", "complaint")

# Other parts of spocmail name these categories, so a council's file must keep them.
REQUIRED_CATEGORIES = ("foi", "eir", "sar", "complaint", "service-request", "general-enquiry", "no-response")

AUTOMATIC_REPLY_RULE = "automatic-reply"
NO_RULE_MATCHED = "no-rule-matched"

# Routing steps that are not rules in route.toml, named so the SPOC can ask "why?" of each.
ROUTE_HANDLES = "register-handles"
ROUTE_KEYWORDS = "register-keywords"
ROUTE_SPOC = "spoc-fallback"

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_ID_EXPECTED = "an id of lower-case letters, digits and hyphens, such as \"foi-act-mention\""

# Curly quotes and non-breaking spaces become their plain forms before matching, one
# character for one, so that "don’t" meets a rule written "don't" and offsets still line up.
_PLAIN = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " ",
                        "\u2013": "-", "\u2011": "-"})


def _plain(text: str) -> str:
    # An ASCII text has none of these characters; otherwise one str.replace per character, each a C scan,
    # is some hundred times faster than str.translate (a dict lookup per character) and gives the same text.
    if text.isascii():
        return text
    for curly, plain in _PLAIN_PAIRS:
        if curly in text:
            text = text.replace(curly, plain)
    return text


_PLAIN_PAIRS = tuple((chr(k), v) for k, v in _PLAIN.items())


def _quoted(options: Iterable[str]) -> str:
    return ", ".join(f'"{o}"' for o in options)


# --------------------------------------------------------------------------- matching


@lru_cache(maxsize=4096)
def phrase_regex(phrase: str) -> re.Pattern[str]:
    """A phrase as a whole-word, case-insensitive regex; a space or hyphen in it matches any run of either."""
    words = [re.escape(w) for w in re.split(r"[\s\-]+", phrase.strip()) if w]
    return re.compile(r"(?<!\w)" + r"[\s\-]+".join(words) + r"(?!\w)", re.IGNORECASE)


def phrase_in(phrase: str, text: str) -> bool:
    """Whether phrase_regex(phrase) finds the phrase in the text; skips the scan when a word of it is absent."""
    runs = _phrase_runs(phrase)
    if runs is None:
        return phrase_regex(phrase).search(text) is not None
    folded, words = _analysed(text)
    if not words.issuperset(runs):
        return False
    anchor = _phrase_anchor(phrase)
    if anchor is None:
        return phrase_regex(phrase).search(text) is not None
    regex = phrase_regex(phrase)
    at = anchor.search(folded)
    while at is not None:
        pos = at.start()
        if regex.match(text, pos) is not None:
            return True
        at = anchor.search(folded, pos + 1)
    return False


@dataclass(frozen=True)
class Hit:
    """One thing found in a text: the phrase or pattern that found it and where."""

    term: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Matcher:
    """Phrases and patterns, with the exceptions that silence a match in the same sentence."""

    phrases: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    unless_patterns: tuple[str, ...] = ()
    # The compiled terms with their pre-checks, made once per matcher on first use (see _plan).
    _compiled: tuple | None = field(default=None, init=False, repr=False, compare=False, hash=False)

    @property
    def empty(self) -> bool:
        return not self.phrases and not self.patterns

    def _terms(self) -> Iterable[tuple[str, re.Pattern[str]]]:
        for p in self.phrases:
            yield p, phrase_regex(p)
        for p in self.patterns:
            yield p, _pattern(p)

    def _plan(self) -> tuple:
        """(term, regex, words, anchor, clauses) for each term, in order; computed once. anchor is the function
        (_phrase_anchor, _pattern_anchor) that gives the term's anchor regex, or None."""
        plan = self._compiled
        if plan is None:
            out = []
            for n, (term, regex) in enumerate(self._terms()):
                if n < len(self.phrases):
                    words = _phrase_runs(term)
                    # the anchors are compiled when a text first gets past the word pre-check, not all at start
                    out.append((term, regex, words, _phrase_anchor if words is not None else None, ()))
                else:
                    # each literal with whether it is all word characters (see hits)
                    out.append((term, regex, None, _pattern_anchor, tuple(tuple((c, _WORD_RUN.fullmatch(c) is not None)
                                                                     for c in sorted(clause))
                                                               for clause in _required(term))))
            plan = tuple(out)
            object.__setattr__(self, "_compiled", plan)
        return plan

    def _silenced(self, text: str, start: int, end: int) -> bool:
        if not self.unless and not self.unless_patterns:
            return False
        sentence = text[_sentence_start(text, start):_sentence_end(text, end)]
        return any(phrase_regex(u).search(sentence) for u in self.unless) or \
            any(_pattern(u).search(sentence) for u in self.unless_patterns)

    def hits(self, text: str) -> list[Hit]:
        """Every term found (its first occurrence that no exception silences), in the order the terms are listed.

        Before a regex scans the text, a cheap check skips a term that cannot match: a phrase
        whose words are not all among the text's words, a pattern whose literal parts are absent
        (_required). A phrase's regex is then tried only where its anchor matches (_phrase_anchor). The result
        is the plain scan's, term for term (tests/test_rules_precheck.py compares them).
        """
        found = []
        folded, words = _analysed(text)
        joined = None
        for term, regex, runs, anchor_of, clauses in self._plan():
            if runs is not None:
                if not words.issuperset(runs):
                    continue  # a word of the phrase is absent, so its regex cannot match
                anchor = anchor_of(term) if anchor_of is not None else None
                if anchor is not None:  # every match begins where the anchor matches the folded text
                    self._first_at(term, regex, anchor, text, folded, found)
                    continue
            elif clauses:
                # A literal of word characters only lies inside one word of the text wherever it occurs, so
                # it occurs in the text when it occurs in the text's distinct words (joined by a non-word
                # character): a far shorter string to search than the text. Others are looked for in the text.
                if joined is None:
                    joined = _joined(words)
                if not all(any(c in joined if whole else c in folded for c, whole in clause) for clause in clauses):
                    continue  # a literal the pattern needs is absent
            if runs is None and anchor_of is not None:  # a pattern (a phrase here has no anchor)
                anchor = anchor_of(term)
                if anchor is not None:  # every match of the pattern begins where its anchor matches
                    self._first_at(term, regex, anchor, text, folded, found)
                    continue
            for m in regex.finditer(text):
                if m.end() > m.start() and not self._silenced(text, m.start(), m.end()):
                    found.append(Hit(term, m.start(), m.end(), m.group(0)))
                    break
        return found

    def _first_at(self, term: str, regex, anchor, text: str, folded: str, found: list[Hit]) -> None:
        """The term's first match not silenced, tried only where its anchor matches the folded text."""
        at = anchor.search(folded)
        while at is not None:
            pos = at.start()
            m = regex.match(text, pos)
            if m is None:
                at = anchor.search(folded, pos + 1)
            elif m.end() > m.start() and not self._silenced(text, m.start(), m.end()):
                found.append(Hit(term, m.start(), m.end(), m.group(0)))
                return
            else:
                at = anchor.search(folded, max(m.end(), pos + 1))

    def first(self, text: str) -> Hit | None:
        """The earliest hit in the text; at the same place, the longest (the most specific phrase)."""
        hits = self.hits(text)
        return min(hits, key=lambda h: (h.start, -(h.end - h.start))) if hits else None


# Under re.IGNORECASE these match an ASCII letter that their lower() does not give (U+0130 lowers to
# two characters); mapped first, the folded text keeps every offset and every ASCII letter a regex sees.
_FOLD_EXTRA = {0x130: "i", 0x131: "i", 0x17F: "s"}
_WORD_RUN = re.compile(r"\w+")


def _fold(text: str) -> str:
    """The text folded for the pre-checks: same length and offsets, ASCII letters lower-cased."""
    return (text if text.isascii() else text.translate(_FOLD_EXTRA)).lower()


# ASCII: the characters that are not word characters (\w), each made a space, so that str.split() gives the
# runs of word characters (_WORD_RUN.findall) at a fraction of the cost of the regex.
_ASCII_NON_WORD = bytes(c if chr(c).isalnum() or c == 0x5F else 0x20 for c in range(128)) + bytes(range(128, 256))


def _word_runs(folded: str) -> list[str]:
    """_WORD_RUN.findall(folded)."""
    if folded.isascii():
        return folded.encode("ascii").translate(_ASCII_NON_WORD).decode("ascii").split()
    return _WORD_RUN.findall(folded)


def _analyse(text: str) -> tuple[str, frozenset[str]]:
    folded = _fold(text)
    return folded, frozenset(_word_runs(folded))


_ANALYSED: dict[str, tuple[str, frozenset[str]]] = {}  # the last few texts analysed, oldest first
_BODIES: dict[str, tuple[str, frozenset[str]]] = {}  # the same for the texts under a subject (_haystack)
_KEEP = 8


def _remember(cache: dict, key, value) -> None:
    """Keep value under key, and only the _KEEP newest entries (safe from several threads: list() of a dict
    of str/frozenset keys, whose hashes are kept, runs no Python code; pop() of a key gone is nothing)."""
    cache[key] = value
    if len(cache) > _KEEP:
        for old in list(cache)[:-_KEEP]:
            cache.pop(old, None)


def _analysed(text: str) -> tuple[str, frozenset[str]]:
    """The text folded for the pre-checks (same length and offsets; ASCII letters lower-cased), and its words.

    Computed once per text: classification and routing ask about the same haystack many times.
    """
    got = _ANALYSED.get(text)
    if got is None:
        got = _analyse(text)
        _remember(_ANALYSED, text, got)
    return got


_JOINED: dict[frozenset[str], str] = {}


def _joined(words: frozenset[str]) -> str:
    """The words joined by a NUL (not a word character), for the pattern pre-checks in Matcher.hits."""
    got = _JOINED.get(words)
    if got is None:
        got = "\0".join(words)
        _remember(_JOINED, words, got)
    return got


def _folded(text: str) -> str:
    return _analysed(text)[0]


@lru_cache(maxsize=4096)
def _phrase_words(phrase: str) -> tuple[str, ...] | None:
    """The words phrase_regex(phrase) must find literally, lowercased; None (no pre-check) for non-ASCII words."""
    words = tuple(w.lower() for w in re.split(r"[\s\-]+", phrase.strip()) if w)
    return words if all(w.isascii() for w in words) else None


@lru_cache(maxsize=4096)
def _phrase_anchor(phrase: str) -> re.Pattern[str] | None:
    """Where in the folded text (_analysed) phrase_regex(phrase) can match: the phrase's words, lower-case,
    as phrase_regex joins them, matched case-sensitively. None (no anchor) for a phrase _phrase_words skips.

    Every character the case-insensitive regex matches to an ASCII letter folds to that letter, and folding
    keeps word characters, white space and offsets (tests/test_rules_precheck.py), so every match of the
    phrase begins where this matches. Its first word comes first and the look-behind after it, so the engine
    searches for that word as a literal string instead of trying the pattern at every character; the
    phrase regex itself then decides, at those places only.
    """
    words = _phrase_words(phrase)
    if not words:
        return None
    first = re.escape(words[0])
    rest = "".join(r"[\s\-]+" + re.escape(w) for w in words[1:])
    return re.compile(first + r"(?<!\w" + first + ")" + rest + r"(?!\w)")


@lru_cache(maxsize=4096)
def _phrase_runs(phrase: str) -> frozenset[str] | None:
    """The runs of word characters of the phrase's words: each is a whole word of any text the phrase matches.

    Every run is bounded in the phrase by a non-word character, a space or hyphen, or the phrase's
    own (?<!\\w)/(?!\\w), so it is a maximal run of word characters in the text too.
    """
    words = _phrase_words(phrase)
    if words is None:
        return None
    return frozenset(r for w in words for r in _WORD_RUN.findall(w))


@lru_cache(maxsize=4096)
def _pattern_anchor(pattern: str) -> re.Pattern[str] | None:
    """Where in the folded text (_analysed) a pattern can begin to match, when its parse tree says so; else None.

    When every match must begin, after zero-width assertions only, with one of a few ASCII literal strings
    (through groups, alternatives and repeats of at least one), those strings lower-cased, matched
    case-sensitively, find every place a match can begin: each character the case-insensitive pattern
    matches to an ASCII character folds to it, at the same offset. A literal that follows a \\b and begins
    with a word character must also not follow one. The engine searches for the literals' first characters
    (a character set it skips to) instead of trying the pattern at every character; the pattern itself then
    decides at those places, which gives the matches finditer gives (each begins with a literal, so none is
    empty). Anything else (a class first, an optional first part, a back-reference): None, scan as written.
    """
    try:
        from re import _constants as C
        from re import _parser as P

        repeats = {C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", C.MAX_REPEAT)}
        atomic = getattr(C, "ATOMIC_GROUP", None)

        def starts(items: list, boundary: bool) -> set[tuple[bool, str]] | None:
            i = 0
            while i < len(items) and items[i][0] in (C.AT, C.ASSERT, C.ASSERT_NOT):  # zero-width: same place
                if items[i][0] is C.AT and items[i][1] is C.AT_BOUNDARY:
                    boundary = True
                i += 1
            if i == len(items):
                return None
            op, av = items[i]
            if op is C.LITERAL:
                run = []
                while i < len(items) and items[i][0] is C.LITERAL and chr(items[i][1]).isascii():
                    run.append(chr(items[i][1]).lower())
                    i += 1
                return {(boundary, "".join(run))} if run else None
            if op is C.SUBPATTERN:
                return starts(list(av[-1]), boundary)
            if op is atomic:
                return starts(list(av), boundary)
            if op in repeats:
                return starts(list(av[2]), boundary) if av[0] >= 1 else None
            if op is C.BRANCH:
                out: set[tuple[bool, str]] = set()
                for alt in av[1]:
                    got = starts(list(alt), boundary)
                    if not got:
                        return None
                    out |= got
                return out
            return None

        found = starts(list(P.parse(pattern, re.IGNORECASE)), False)
        if not found:
            return None
        parts = []
        for boundary, literal in sorted(found, key=lambda f: (-len(f[1]), f)):
            lit = re.escape(literal)
            word = _WORD_RUN.match(literal[0]) is not None
            parts.append(lit + (r"(?<!\w" + lit + ")" if boundary and word else ""))
        return re.compile("|".join(parts))
    except Exception:  # an unforeseen construct: no anchor, the regex scans the whole text
        return None


def _required(pattern: str) -> tuple[frozenset[str], ...]:
    """What a text must contain for the pattern to match: clauses of literal strings (lower-case ASCII),
    at least one of each clause found in the folded text. () when nothing is known (no pre-check).

    Read from the pattern's parse tree, conservatively: only literals every match must contain.
    """
    try:
        from re import _constants as C
        from re import _parser as P

        tree = P.parse(pattern, re.IGNORECASE)
        repeats = {C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", C.MAX_REPEAT)}
        atomic = getattr(C, "ATOMIC_GROUP", None)

        def seq(items) -> list[frozenset[str]]:
            clauses: list[frozenset[str]] = []
            run: list[str] = []

            def flush() -> None:
                if run:
                    clauses.append(frozenset(["".join(run)]))
                    run.clear()

            for op, av in items:
                if op is C.LITERAL and chr(av).isascii():
                    run.append(chr(av).lower())
                    continue
                flush()
                if op is C.SUBPATTERN:
                    clauses += seq(av[-1])
                elif op is atomic:
                    clauses += seq(av)
                elif op in repeats:
                    if av[0] >= 1:
                        clauses += seq(av[2])
                elif op is C.BRANCH:
                    options: set[str] = set()
                    for alt in av[1]:
                        got = seq(alt)
                        if not got:
                            options = set()
                            break
                        options |= max(got, key=lambda c: min(len(x) for x in c))
                    if options:
                        clauses.append(frozenset(options))
                # anything else (a class, a boundary, a look-around, a back-reference) requires nothing known
            flush()
            return clauses

        return tuple(dict.fromkeys(seq(tree)))
    except Exception:  # an unforeseen construct: no pre-check, the regex alone decides
        return ()


@lru_cache(maxsize=4096)
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_SENTENCE_END = re.compile(r"[.!?\n]")


def _sentence_start(text: str, pos: int) -> int:
    for i in range(pos - 1, -1, -1):
        if text[i] in ".!?\n":
            return i + 1
    return 0


def _sentence_end(text: str, pos: int) -> int:
    m = _SENTENCE_END.search(text, pos)
    return m.end() if m else len(text)


def snippet(text: str, start: int, end: int, width: int = 40) -> str:
    """The match with some words either side, whitespace collapsed: "…under the Freedom of Information Act, please…"."""
    a, b = max(0, start - width), min(len(text), end + width)
    left, right = text[a:start], text[end:b]
    if a > 0:  # do not start in the middle of a word
        m = re.search(r"\s", left)
        left = left[m.end():] if m else ""
    if b < len(text):
        m = None
        for m in re.finditer(r"\s", right):
            pass
        right = right[:m.start()] if m else ""
    body = " ".join((left + text[start:end] + right).split())
    return ("…" if a > 0 else "") + body + ("…" if b < len(text) else "")


def _haystack(subject: str, text: str) -> str:
    """The subject and the text as the rules read them, analysed ahead (_analysed) from the two halves.

    Classification (under the subject) and routing (under the title) read the same request text: its half
    of the analysis is made once. Both halves join exactly: _plain and _fold map each character alone
    (a line end stops lower()'s final-sigma rule looking across), and no word runs across a line end.
    """
    head, body = _plain(subject or ""), _plain(text or "")
    hay = f"{head}\n{body}"
    if hay not in _ANALYSED:
        below = _BODIES.get(body)
        if below is None:
            below = _analyse(body)
            _remember(_BODIES, body, below)
        above = _analyse(head)
        _remember(_ANALYSED, hay, (f"{above[0]}\n{below[0]}", above[1] | below[1]))
    return hay


# --------------------------------------------------------------------------- loading, validated


class _Table:
    """One table of a rules file, for error messages that name the file, the rule and the field."""

    def __init__(self, path: Path, kind: str, index: int, data: Any):
        self.path, self.kind, self.index = path, kind, index
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: [[{kind}]] #{index}: expected a table of fields")
        self.data = data
        rid = data.get("id")
        self.label = f"[[{kind}]] #{index}" + (f" (id {rid!r})" if isinstance(rid, str) else "")

    def fail(self, key: str, expected: str, problem: str | None = None) -> None:
        if problem is not None:
            raise ConfigError(f"{self.path}: {self.label}: field {key!r}: {problem}; expected {expected}")
        if key in self.data:
            raise ConfigError(f"{self.path}: {self.label}: field {key!r} = {self.data[key]!r}: expected {expected}")
        raise ConfigError(f"{self.path}: {self.label}: field {key!r}: missing; expected {expected}")

    def ident(self, key: str = "id") -> str:
        value = self.data.get(key)
        if not isinstance(value, str) or not _ID.match(value):
            self.fail(key, _ID_EXPECTED)
        return value

    def text(self, key: str, expected: str, required: bool = True) -> str:
        value = self.data.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.fail(key, expected)
        return value.strip()

    def choice(self, key: str, options: Sequence[str], required: bool = True) -> str | None:
        value = self.data.get(key)
        if value is None and not required:
            return None
        if value not in options:
            self.fail(key, f"one of {_quoted(options)}")
        return value

    def strings(self, key: str, expected: str = "a list of non-empty strings") -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(key, expected)
        return tuple(v.strip() for v in value)

    def regexes(self, key: str) -> tuple[str, ...]:
        values = self.strings(key, "a list of Python regular expressions (strings)")
        for n, v in enumerate(values, 1):
            try:
                compiled = re.compile(v, re.IGNORECASE)
            except re.error as exc:
                self.fail(key, "a valid Python regular expression (in single quotes, so backslashes stay)",
                          f"pattern #{n} {v!r} is not a valid regular expression ({exc})")
            if compiled.match(""):
                self.fail(key, "a pattern that needs at least one character to match",
                          f"pattern #{n} {v!r} matches an empty text, so it would match every mail")
        return values

    def integer(self, key: str, low: int, high: int, required: bool = True) -> int | None:
        value = self.data.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.fail(key, f"a whole number from {low} to {high}")
        return value

    def done(self, allowed: Iterable[str]) -> None:
        allowed = tuple(allowed)
        unknown = [k for k in self.data if k not in allowed]
        if unknown:
            self.fail(unknown[0], f"only the fields {_quoted(allowed)}", "unknown field")


def _read(path: Path, what: str) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such {what} file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the {what} ({exc.strerror})") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def _array(path: Path, data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise ConfigError(f"{path}: {key}: expected [[{key}]] tables (an array of tables)")
    return value


def _display(path: Path) -> str:
    """How a rules file is named in a reason: "rules/route.toml"."""
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


# --------------------------------------------------------------------------- classification rules


@dataclass(frozen=True)
class Category:
    id: str
    title: str
    statutory_kind: str | None


@dataclass(frozen=True)
class ClassifyRule:
    id: str
    category: str
    weight: int
    description: str
    matcher: Matcher
    max_words: int | None = None


@dataclass(frozen=True)
class Override:
    """Changes the winning category when its phrases are found (EIR over FOI, for one)."""

    id: str
    applies_to: tuple[str, ...]
    category: str
    description: str
    matcher: Matcher


@dataclass(frozen=True)
class ClassifyRules:
    path: Path
    categories: tuple[Category, ...]
    rules: tuple[ClassifyRule, ...]
    overrides: tuple[Override, ...]
    default_category: str
    default_description: str

    def category(self, cid: str) -> Category:
        for c in self.categories:
            if c.id == cid:
                return c
        raise KeyError(cid)

    def rule(self, rid: str) -> ClassifyRule | Override:
        for r in (*self.rules, *self.overrides):
            if r.id == rid:
                return r
        raise KeyError(rid)


_CLASSIFY_KEYS = ("category", "rule", "override", "default")
_MATCH_KEYS = ("phrases", "patterns", "unless", "unless_patterns")


def _matcher(t: _Table, required: bool = True) -> Matcher:
    m = Matcher(phrases=t.strings("phrases"), patterns=t.regexes("patterns"),
                unless=t.strings("unless"), unless_patterns=t.regexes("unless_patterns"))
    if required and m.empty:
        t.fail("phrases", "at least one phrase in `phrases` or one regular expression in `patterns`")
    return m


def classify_rules_from_dict(data: Mapping[str, Any], path: Path) -> ClassifyRules:
    unknown = [k for k in data if k not in _CLASSIFY_KEYS]
    if unknown:
        raise ConfigError(f"{path}: {unknown[0]}: unknown key; expected only [[category]], [[rule]], "
                          f"[[override]] and [default]")
    categories: list[Category] = []
    for i, d in enumerate(_array(path, data, "category"), 1):
        t = _Table(path, "category", i, d)
        cid = t.ident()
        if any(c.id == cid for c in categories):
            t.fail("id", "a category id used once", f"duplicate: category {cid!r} is already defined")
        categories.append(Category(cid, t.text("title", "a non-empty title saying what the category is"),
                                   t.choice("statutory_kind", STATUTORY_KINDS, required=False)))
        t.done(("id", "title", "statutory_kind", "description"))
    known = tuple(c.id for c in categories)
    missing = [c for c in REQUIRED_CATEGORIES if c not in known]
    if missing:
        raise ConfigError(f"{path}: [[category]] {missing[0]!r}: missing; spocmail relies on the categories "
                          f"{_quoted(REQUIRED_CATEGORIES)}, so each needs a [[category]] table")

    ids: dict[str, str] = {}

    def unique(t: _Table, rid: str) -> None:
        if rid in ids:
            t.fail("id", "an id used once in the file", f"duplicate: {rid!r} is already the id of {ids[rid]}")
        ids[rid] = f"[[{t.kind}]] #{t.index}"

    rules: list[ClassifyRule] = []
    for i, d in enumerate(_array(path, data, "rule"), 1):
        t = _Table(path, "rule", i, d)
        rid = t.ident()
        unique(t, rid)
        rules.append(ClassifyRule(
            id=rid, category=t.choice("category", known),
            weight=t.integer("weight", 1, 1000),
            description=t.text("description", "a sentence saying what the rule recognises"),
            matcher=_matcher(t), max_words=t.integer("max_words", 1, 100000, required=False)))
        t.done(("id", "category", "weight", "description", "max_words", *_MATCH_KEYS))
    auto = [r for r in rules if r.id == AUTOMATIC_REPLY_RULE]
    if not auto or auto[0].category != "no-response":
        raise ConfigError(f"{path}: [[rule]] {AUTOMATIC_REPLY_RULE!r}: missing; expected a rule with that id "
                          f"and category \"no-response\" (mails marked as automatic replies are filed by it)")

    overrides: list[Override] = []
    for i, d in enumerate(_array(path, data, "override"), 1):
        t = _Table(path, "override", i, d)
        oid = t.ident()
        unique(t, oid)
        applies = t.strings("applies_to", f"a list of categories among {_quoted(known)}")
        if not applies:
            t.fail("applies_to", f"a non-empty list of categories among {_quoted(known)}")
        for a in applies:
            if a not in known:
                t.fail("applies_to", f"categories among {_quoted(known)}", f"unknown category {a!r}")
        overrides.append(Override(oid, applies, t.choice("category", known),
                                  t.text("description", "a sentence giving the reason for the override"),
                                  _matcher(t)))
        t.done(("id", "applies_to", "category", "description", *_MATCH_KEYS))

    default = data.get("default", {})
    t = _Table(path, "default", 1, default)
    t.label = "[default]"
    default_category = t.choice("category", known)
    default_description = t.text("description", "a sentence saying why the default applies", required=False)
    t.done(("category", "description"))
    return ClassifyRules(path, tuple(categories), tuple(rules), tuple(overrides), default_category,
                         default_description)


def load_classify(path: str | Path | None = None) -> ClassifyRules:
    """Read and check rules/classify.toml (or PATH); a fault raises ConfigError naming file, rule and field."""
    path = Path(path) if path is not None else resources.rules_file("classify.toml")
    return classify_rules_from_dict(_read(path, "classification rules"), path)


# --------------------------------------------------------------------------- classification


@dataclass(frozen=True)
class Alternative:
    """Another category whose rules fired, weaker than the one chosen."""

    category: str
    score: int
    rule: str
    evidence: str


@dataclass(frozen=True)
class Classification:
    category: str
    statutory_kind: str | None
    rule: str
    evidence: str
    score: int
    alternatives: tuple[Alternative, ...] = ()
    reason: str = ""


def classify(subject: str, text: str, rules: ClassifyRules, *, auto_reply: bool = False) -> Classification:
    """What kind of request this is, which rule said so, and the words it saw.

    The strongest rule that fires decides. A tie between categories goes to the one with
    more rules fired, then to the category listed first in classify.toml (statutory kinds
    first). Then the first override that applies may change the category (EIR over FOI).
    """
    if auto_reply:
        auto = rules.rule(AUTOMATIC_REPLY_RULE)
        return Classification("no-response", rules.category("no-response").statutory_kind, auto.id,
                              "marked as an automatic reply by its headers", auto.weight, (),
                              f"an automatic reply: {auto.description}")
    hay = _haystack(subject, text)
    fired: dict[str, list[tuple[ClassifyRule, Hit]]] = {}
    for r in rules.rules:
        # more than max_words words: split() stops after max_words cuts, so a long text is not cut whole
        if r.max_words is not None and len((text or "").split(None, r.max_words)) > r.max_words:
            continue
        hit = r.matcher.first(hay)
        if hit is not None:
            fired.setdefault(r.category, []).append((r, hit))
    if not fired:
        cat = rules.category(rules.default_category)
        return Classification(cat.id, cat.statutory_kind, NO_RULE_MATCHED, "", 0, (),
                              rules.default_description or "no rule matched")

    order = {c.id: n for n, c in enumerate(rules.categories)}
    rule_order = {r.id: n for n, r in enumerate(rules.rules)}

    def strongest(entries: list[tuple[ClassifyRule, Hit]]) -> tuple[ClassifyRule, Hit]:
        return min(entries, key=lambda e: (-e[0].weight, rule_order[e[0].id]))

    ranked = sorted(fired, key=lambda c: (-strongest(fired[c])[0].weight, -len(fired[c]), order[c]))
    alternatives = []
    for c in ranked:
        r, h = strongest(fired[c])
        alternatives.append(Alternative(c, r.weight, r.id, snippet(hay, h.start, h.end)))
    best, others = alternatives[0], alternatives[1:]
    tie = ""
    if others and others[0].score == best.score:
        tie = (f"; tied at {best.score} with {others[0].category} (rule {others[0].rule}), "
               + ("more of its rules fired" if len(fired[best.category]) > len(fired[others[0].category])
                  else "listed first in classify.toml"))
    reason = f"rule {best.rule} (weight {best.score}): {best.evidence!r}{tie}"

    for ov in rules.overrides:
        if best.category not in ov.applies_to:
            continue
        hit = ov.matcher.first(hay)
        if hit is None:
            continue
        cat = rules.category(ov.category)
        evidence = snippet(hay, hit.start, hit.end)
        reason = (f"{rules.category(best.category).title} by {reason}; but it is about {hit.text!r}, "
                  f"so {cat.title} (rule {ov.id}): {ov.description}")
        alts = tuple(a for a in alternatives if a.category != cat.id)
        return Classification(cat.id, cat.statutory_kind, ov.id, evidence, best.score, alts, reason)

    cat = rules.category(best.category)
    return Classification(cat.id, cat.statutory_kind, best.rule, best.evidence, best.score, tuple(others),
                          f"{cat.title}: {reason}")


# --------------------------------------------------------------------------- routing rules


@dataclass(frozen=True)
class RouteRule:
    id: str
    description: str
    reason: str
    categories: tuple[str, ...]
    matcher: Matcher
    role: str | None = None
    departments: tuple[str, ...] = ()


@dataclass(frozen=True)
class RouteRules:
    path: Path
    roles: Mapping[str, str]
    rules: tuple[RouteRule, ...]

    @property
    def source(self) -> str:
        return _display(self.path)


def route_rules_from_dict(data: Mapping[str, Any], path: Path) -> RouteRules:
    unknown = [k for k in data if k not in ("roles", "rule")]
    if unknown:
        raise ConfigError(f"{path}: {unknown[0]}: unknown key; expected only [roles] and [[rule]]")
    roles = data.get("roles", {})
    if not isinstance(roles, dict):
        raise ConfigError(f"{path}: [roles]: expected a table of role = \"officer-id\"")
    for role, officer in roles.items():
        if not isinstance(officer, str) or not officer.strip():
            raise ConfigError(f"{path}: [roles] {role} = {officer!r}: expected the officer id in the register "
                              f"that takes this role, such as \"legal\"")
    roles = {r: o.strip() for r, o in roles.items()}

    rules: list[RouteRule] = []
    seen: dict[str, int] = {}
    for i, d in enumerate(_array(path, data, "rule"), 1):
        t = _Table(path, "rule", i, d)
        rid = t.ident()
        if rid in seen:
            t.fail("id", "an id used once in the file", f"duplicate: {rid!r} is already the id of [[rule]] #{seen[rid]}")
        seen[rid] = i
        categories = t.strings("categories", "a list of category ids, such as [\"foi\", \"eir\"]")
        matcher = _matcher(t, required=False)
        if not categories and matcher.empty:
            t.fail("phrases", "at least one of `categories`, `phrases` or `patterns`, or the rule would match every issue")
        role = t.data.get("role")
        dept = t.data.get("department")
        if (role is None) == (dept is None):
            t.fail("role", "exactly one of `role` (a name under [roles]) or `department` (a department name)",
                   "both given" if role is not None else "neither `role` nor `department` given")
        departments: tuple[str, ...] = ()
        if role is not None and role not in roles:
            t.fail("role", f"a role named under [roles]: {_quoted(roles) or '(none defined)'}")
        if dept is not None:
            if isinstance(dept, str) and dept.strip():
                departments = (dept.strip(),)
            elif isinstance(dept, list) and dept and all(isinstance(x, str) and x.strip() for x in dept):
                departments = tuple(x.strip() for x in dept)
            else:
                t.fail("department", "a department name, or a non-empty list of names tried in turn")
        rules.append(RouteRule(
            id=rid, description=t.text("description", "a sentence saying why the rule exists"),
            reason=t.text("reason", "a few words the SPOC reads as the reason, such as \"legal matter\""),
            categories=categories, matcher=matcher, role=role, departments=departments))
        t.done(("id", "description", "reason", "categories", "role", "department", *_MATCH_KEYS))
    return RouteRules(path, roles, tuple(rules))


def load_route(path: str | Path | None = None) -> RouteRules:
    """Read and check rules/route.toml (or PATH); a fault raises ConfigError naming file, rule and field."""
    path = Path(path) if path is not None else resources.rules_file("route.toml")
    return route_rules_from_dict(_read(path, "routing rules"), path)


# --------------------------------------------------------------------------- routing


@dataclass(frozen=True)
class OfficerInfo:
    """What routing needs to know of an officer in the register."""

    id: str
    name: str
    email: str
    department: str = ""
    keywords: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    cover: str | None = None
    # (from, to) inclusive; a third element (the register's reason) is allowed and ignored
    absences: tuple[tuple[date, ...], ...] = ()


@dataclass(frozen=True)
class Routing:
    officer_id: str
    reason: str
    rule: str
    covered_for: str | None = None
    chain: list[str] = field(default_factory=list)


def absence_on(officer: OfficerInfo | None, on: date) -> tuple[date, date] | None:
    """The absence (from, to) that covers the day, or None when the officer is in."""
    if officer is None:
        return None
    for a in officer.absences:
        if a[0] <= on <= a[1]:
            return a[0], a[1]
    return None


def _span(a: tuple[date, date]) -> str:
    return f"{a[0].isoformat()}..{a[1].isoformat()}"


def _in_department(officer: OfficerInfo, name: str) -> bool:
    dept, name = officer.department.strip().lower(), name.strip().lower()
    return dept == name or (dept.startswith(name) and not dept[len(name)].isalnum())


def route(category: str, subject: str, text: str, officers: Sequence[OfficerInfo], rules: RouteRules, *,
          on: date, spoc_id: str, deputy_id: str | None) -> Routing:
    """Who answers the issue, why, and who covers for them if they are away on the day.

    Order (CONTRACT.md): an officer who `handles` the category; the officer whose keywords match
    best (most distinct keywords; a tie goes to the first in the register); the rules of
    route.toml in file order; the SPOC. Absence then follows cover, then the SPOC, then the deputy.
    """
    by_id = {o.id: o for o in officers}
    hay = _haystack(subject, text)
    category = (category or "").lower()
    notes: list[str] = []

    def settle(officer_id: str, reason: str, rule: str) -> Routing:
        return _settle(officer_id, reason, rule, by_id, on, spoc_id, deputy_id, notes)

    # 1. The register: who handles this category.
    for o in officers:
        if category and category in (h.lower() for h in o.handles):
            return settle(o.id, f"handles {category} (register)", ROUTE_HANDLES)

    # 2. The register: whose keywords match best.
    scored = []
    for n, o in enumerate(officers):
        hits = list(dict.fromkeys(k.lower() for k in o.keywords if k.strip() and phrase_in(k, hay)))
        if hits:
            scored.append((len(hits), n, o, hits))
    if scored:
        top = max(s[0] for s in scored)
        tied = [s for s in scored if s[0] == top]
        count, _, o, hits = tied[0]
        reason = f"keywords {', '.join(hits)} (register)"
        if len(tied) > 1:
            others = ", ".join(s[2].name for s in tied[1:])
            reason += (f"; tied with {others} on {top} keyword{'s' if top != 1 else ''}, "
                       f"{o.name} is first in register order")
        return settle(o.id, reason, ROUTE_KEYWORDS)

    # 3. The rules of route.toml, first match wins.
    for r in rules.rules:
        if r.categories and category not in r.categories:
            continue
        found = r.matcher.hits(hay)
        if not r.matcher.empty and not found:
            continue
        what = ", ".join(f"'{' '.join(h.text.lower().split())}'" for h in found) if found else category
        base = f"{r.reason}: {what} ({rules.source} rule {r.id})"
        if r.role is not None:
            officer_id = rules.roles[r.role]
            if officer_id not in by_id:
                notes.append(f"{rules.source} rule {r.id} matched, but role {r.role} names officer "
                             f"{officer_id!r}, who is not in the register")
                continue
            return settle(officer_id, base, r.id)
        members: list[OfficerInfo] = []
        for d in r.departments:
            members = [o for o in officers if _in_department(o, d)]
            if members:
                break
        if not members:
            notes.append(f"{rules.source} rule {r.id} matched, but no officer in the register is in "
                         f"{' or '.join(r.departments)}")
            continue
        present = [o for o in members if absence_on(o, on) is None]
        chosen = present[0] if present else members[0]
        base += f"; department {chosen.department}"
        skipped = [o for o in members[:members.index(chosen)]]
        if skipped:
            base += "; " + "; ".join(f"{o.name} is absent {_span(absence_on(o, on))}" for o in skipped) \
                    + f", so {chosen.name}"
        return settle(chosen.id, base, r.id)

    # 4. The SPOC.
    return settle(spoc_id, f"no officer in the register and no rule in {rules.source} matches; the SPOC answers it",
                  ROUTE_SPOC)


def _settle(officer_id: str, reason: str, rule: str, by_id: Mapping[str, OfficerInfo], on: date,
            spoc_id: str, deputy_id: str | None, notes: list[str]) -> Routing:
    """Apply absence: the chosen officer, else their cover (and the cover's cover), else the SPOC, else the deputy."""
    if notes:
        reason += " (" + "; ".join(notes) + ")"

    def name(oid: str) -> str:
        o = by_id.get(oid)
        return o.name if o else oid

    chain = [officer_id]
    away = absence_on(by_id.get(officer_id), on)
    if away is None:
        return Routing(officer_id, reason, rule, None, chain)

    parts = [f"{name(officer_id)} is absent {_span(away)}"]
    if officer_id != spoc_id:
        current = by_id.get(officer_id)
        while current is not None:
            nxt = current.cover
            if not nxt:
                parts.append(f"{current.name} has no cover")
                break
            if nxt in chain:
                parts.append(f"the cover of {current.name} leads back to {name(nxt)} (a loop in the register)")
                break
            if nxt not in by_id:
                parts.append(f"the cover of {current.name}, {nxt!r}, is not in the register")
                break
            chain.append(nxt)
            cover_away = absence_on(by_id[nxt], on)
            if cover_away is None:
                parts.append(f"covered by {name(nxt)}")
                return Routing(nxt, f"{reason}; {'; '.join(parts)}", rule, officer_id, chain)
            parts.append(f"{name(nxt)} (cover) is absent {_span(cover_away)}")
            current = by_id[nxt]
        # No cover is in: the SPOC owns every issue in the end.
        spoc_away = absence_on(by_id.get(spoc_id), on)
        if spoc_id not in chain:
            chain.append(spoc_id)
        if spoc_away is None:
            parts.append(f"no cover is in, so the SPOC {name(spoc_id)}")
            return Routing(spoc_id, f"{reason}; {'; '.join(parts)}", rule, officer_id, chain)
        parts.append(f"no cover is in, and the SPOC {name(spoc_id)} is absent {_span(spoc_away)}")
    # The SPOC is away: the deputy of the arrangement.
    if deputy_id:
        if deputy_id not in chain:
            chain.append(deputy_id)
        deputy_away = absence_on(by_id.get(deputy_id), on)
        if deputy_away is None:
            parts.append(f"the deputy {name(deputy_id)} covers")
            return Routing(deputy_id, f"{reason}; {'; '.join(parts)}", rule, officer_id, chain)
        parts.append(f"the deputy {name(deputy_id)} is absent {_span(deputy_away)} too")
    else:
        parts.append("no deputy is named")
    # Nobody is in: it stays with the SPOC, whose mailbox it is, rather than nobody.
    if chain[-1] != spoc_id:
        chain.append(spoc_id)
    parts.append(f"left with the SPOC {name(spoc_id)} until someone returns")
    return Routing(spoc_id, f"{reason}; {'; '.join(parts)}", rule, officer_id, chain)


# --------------------------------------------------------------------------- identification weights

IDENTIFY_KINDS = ("forwarded-name", "display-name", "display-name-partial", "name-in-text", "phone", "postcode",
                  "postal-address", "issue-reference", "thread", "suggested-address")


@dataclass(frozen=True)
class IdentifyRules:
    """How much each kind of evidence weighs when matching a mail to a customer (rules/identify.toml)."""

    weights: Mapping[str, float]
    ambiguity_margin: float
    path: Path


def identify_rules_from_dict(data: Mapping[str, Any], path: Path) -> IdentifyRules:
    unknown = sorted(set(data) - {"weights", "ambiguity_margin"})
    if unknown:
        raise ConfigError(f"{path}: {unknown[0]}: unknown key; expected [weights] and ambiguity_margin")
    margin = data.get("ambiguity_margin", 0.05)
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not 0 <= margin < 1:
        raise ConfigError(f"{path}: ambiguity_margin = {margin!r}: expected a number from 0 up to 1")
    weights = data.get("weights")
    if not isinstance(weights, dict):
        raise ConfigError(f"{path}: [weights]: expected a table of evidence kinds and their weights")
    for kind, w in weights.items():
        if kind not in IDENTIFY_KINDS:
            raise ConfigError(f"{path}: [weights] {kind}: unknown kind of evidence; expected one of "
                              f"{_quoted(IDENTIFY_KINDS)}")
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not 0 < w < 1:
            raise ConfigError(f"{path}: [weights] {kind} = {w!r}: expected a number between 0 and 1")
    missing = [k for k in IDENTIFY_KINDS if k not in weights]
    if missing:
        raise ConfigError(f"{path}: [weights] {missing[0]}: missing; every kind of evidence needs a weight "
                          f"between 0 and 1")
    out = {kind: float(weights[kind]) for kind in IDENTIFY_KINDS}
    return IdentifyRules(weights=out, ambiguity_margin=float(margin), path=path)


def load_identify(path: str | Path | None = None) -> IdentifyRules:
    """Read and check rules/identify.toml (or PATH); a fault raises ConfigError naming the file and the key."""
    path = Path(path) if path is not None else resources.rules_file("identify.toml")
    return _load_identify(path, _stamp(path))


@lru_cache(maxsize=8)
def _load_identify(path: Path, _stamp: tuple) -> IdentifyRules:
    return identify_rules_from_dict(_read(path, "identification weights"), path)


_stamp = resources.stamp


# --------------------------------------------------------------------------- officers' replies


@dataclass(frozen=True)
class AnswerRules:
    """How an officer's reply is read (rules/answers.toml): phrases that mean "not for me"."""

    decline: tuple[re.Pattern, ...]
    path: Path


def answer_rules_from_dict(data: Mapping[str, Any], path: Path) -> AnswerRules:
    unknown = sorted(set(data) - {"decline"})
    if unknown:
        raise ConfigError(f"{path}: {unknown[0]}: unknown key; expected only the table [decline]")
    decline = data.get("decline")
    if not isinstance(decline, dict):
        raise ConfigError(f"{path}: [decline]: missing; expected a table with phrases = [...], the regular "
                          f"expressions that mark a reply as \"not for me\"")
    unknown = sorted(set(decline) - {"phrases"})
    if unknown:
        raise ConfigError(f"{path}: [decline] {unknown[0]}: unknown key; expected only phrases")
    phrases = decline.get("phrases")
    if not isinstance(phrases, list) or not phrases or not all(isinstance(p, str) and p for p in phrases):
        raise ConfigError(f"{path}: [decline] phrases = {phrases!r}: expected a list of regular expressions "
                          f"(non-empty strings)")
    out = []
    for n, p in enumerate(phrases, 1):
        try:
            compiled = re.compile(p, re.I)
        except re.error as exc:
            raise ConfigError(f"{path}: [decline] phrases #{n} = {p!r}: expected a regular expression ({exc})") \
                from None
        if compiled.search(""):
            raise ConfigError(f"{path}: [decline] phrases #{n} = {p!r} matches an empty text, so every answer "
                              f"would be taken as 'not for me'; expected a pattern that needs words")
        out.append(compiled)
    return AnswerRules(decline=tuple(out), path=path)


def load_answers(path: str | Path | None = None) -> AnswerRules:
    """Read and check rules/answers.toml (or PATH); a fault raises ConfigError naming the file and the key."""
    path = Path(path) if path is not None else resources.rules_file("answers.toml")
    return _load_answers(path, _stamp(path))


@lru_cache(maxsize=8)
def _load_answers(path: Path, _stamp: tuple) -> AnswerRules:
    return answer_rules_from_dict(_read(path, "answer rules"), path)
