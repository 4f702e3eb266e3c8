"""One mail, several requests: lists, paragraphs and unrelated sentences become separate requests, each with a title."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from spocmail import resources
from spocmail.errors import ConfigError
from spocmail.rules import _fold, _plain, _read

TITLE_LENGTH = 100  # officer request subjects and response items show a title whole, so it is cut here, between words

# How a list item begins. Each family is one style of marker; only the family of the
# first marker splits the list, so "(a)" sub-items stay inside item "1.".
_MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("number", re.compile(r"^\s*(?:\d{1,2}[.)]|\(\d{1,2}\)|Q\d{1,2}[.):])\s+", re.IGNORECASE)),
    ("letter", re.compile(r"^\s*(?:\([a-z]{1,4}\)|[a-z]\))\s+", re.IGNORECASE)),
    ("bullet", re.compile(r"^\s*[-*•·–—]\s+")),
)

# Words that make a paragraph a request of its own (besides a question mark).
_REQUEST_CUE = re.compile(
    r"\b(?:please|kindly|could\s+you|can\s+you|would\s+you|will\s+you|i\s+would\s+like|i'd\s+like|"
    r"i\s+want|i\s+wish|i\s+request|i\s+am\s+requesting|i'm\s+requesting|i\s+need|i\s+ask|"
    r"i\s+would\s+be\s+grateful|i'd\s+be\s+grateful|i\s+am\s+writing\s+to\s+(?:ask|request|report|complain)|"
    r"(?:want|like|need|wish)\s+to\s+(?:know|ask|request|report|complain|see|have))\b|\?",
    re.IGNORECASE)
# Every match of _REQUEST_CUE other than "?" contains one of these words, as the folded text spells it
# (rules._fold: every character that re.IGNORECASE matches to an ASCII letter folds to that letter):
# please, kindly, "you" (could/can/would/will you), like, want, wish, request(ing), need, ask, grateful,
# writing. A text with neither "?" nor any of them cannot match, so the regex need not scan it.
_CUE_WORDS = ("please", "kindly", "you", "like", "want", "wish", "request", "need", "ask", "grateful", "writing")
_GREETING = re.compile(r"^\s*(?:dear\b|hello\b|hi\b|good\s+(?:morning|afternoon|evening)\b|to\s+whom\s+it\s+may\s+concern)",
                       re.IGNORECASE)
_SIGN_OFF = re.compile(r"^\s*(?:(?:kind|best|warm|many)?\s*regards\b|yours\s+(?:sincerely|faithfully|truly)\b|"
                       r"thanks\b|many\s+thanks\b|thank\s+you\b|cheers\b|best\s+wishes\b|best\b\W*$|sent\s+from\s+my\b|"
                       r"i\s+look\s+forward\b|looking\s+forward\b|i\s+await\b)", re.IGNORECASE | re.MULTILINE)
_SIGNATURE_DELIMITER = re.compile(r"^--\s*$")
_WORD = re.compile(r"[^\W_]+(?:['’/-][^\W_]+)*")
# Our own markers never belong in a title: "[SPOC-2026-0002 #sL-gQ…]" is a reply token.
TOKEN_TAG = re.compile(r"\[\s*SPOC-\d{4}-\d{3,6}\s+#[^\]\s]*\]\s*", re.IGNORECASE)


# --------------------------------------------------------------------------- the data: rules/split.toml


@dataclass(frozen=True)
class SplitRules:
    """How sentences of one paragraph are told apart (rules/split.toml)."""

    min_topic_words: int
    abbreviations: frozenset[str]
    joins_previous: tuple[re.Pattern[str], ...]
    courtesy: tuple[re.Pattern[str], ...]
    suffixes: tuple[str, ...]
    stopwords: frozenset[str]
    path: Path


def _strings(path: Path, data: Mapping[str, Any], key: str) -> list[str]:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{path}: [sentences] {key}: expected a list of non-empty strings")
    return [v.strip() for v in value]


def split_rules_from_dict(data: Mapping[str, Any], path: Path) -> SplitRules:
    unknown = sorted(set(data) - {"sentences"})
    if unknown:
        raise ConfigError(f"{path}: {unknown[0]}: unknown key; expected only [sentences]")
    s = data.get("sentences")
    if not isinstance(s, dict):
        raise ConfigError(f"{path}: [sentences]: missing; expected a table with min_topic_words, abbreviations, "
                          f"joins_previous, courtesy, suffixes and stopwords")
    keys = ("min_topic_words", "abbreviations", "joins_previous", "courtesy", "suffixes", "stopwords")
    extra = sorted(set(s) - set(keys))
    if extra:
        raise ConfigError(f"{path}: [sentences] {extra[0]}: unknown key; expected only {', '.join(keys)}")
    n = s.get("min_topic_words")
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 20:
        raise ConfigError(f"{path}: [sentences] min_topic_words = {n!r}: expected a whole number from 1 to 20")
    courtesy = []
    for i, p in enumerate(_strings(path, s, "courtesy"), 1):
        try:
            compiled = re.compile(p, re.IGNORECASE)
        except re.error as exc:
            raise ConfigError(f"{path}: [sentences] courtesy: pattern #{i} {p!r} is not a valid regular "
                              f"expression ({exc}); write it in single quotes so backslashes stay") from None
        if compiled.search(""):
            raise ConfigError(f"{path}: [sentences] courtesy: pattern #{i} {p!r} matches an empty text, so every "
                              f"sentence would be a courtesy; expected a pattern that needs words")
        courtesy.append(compiled)
    joins = tuple(re.compile(r"^\W*" + r"\s+".join(map(re.escape, w.lower().split())) + r"\b", re.IGNORECASE)
                  for w in _strings(path, s, "joins_previous"))
    suffixes = tuple(sorted({x.lower() for x in _strings(path, s, "suffixes")}, key=len, reverse=True))
    return SplitRules(min_topic_words=n,
                      abbreviations=frozenset(a.lower().rstrip(".") for a in _strings(path, s, "abbreviations")),
                      joins_previous=joins, courtesy=tuple(courtesy), suffixes=suffixes,
                      stopwords=frozenset(w.lower() for w in _strings(path, s, "stopwords")), path=path)


def load_split(path: str | Path | None = None) -> SplitRules:
    """Read and check rules/split.toml (or PATH); a fault raises ConfigError naming the file and the key."""
    return _load_split(Path(path) if path is not None else resources.rules_file("split.toml"))


@lru_cache(maxsize=8)
def _load_split(path: Path) -> SplitRules:
    return split_rules_from_dict(_read(path, "splitting rules"), path)


# --------------------------------------------------------------------------- lines and paragraphs


def _marker(line: str) -> tuple[str, int] | None:
    for family, regex in _MARKERS:
        m = regex.match(line)
        if m:
            return family, m.end()
    return None


def _paragraphs(lines: list[str]) -> list[str]:
    paras, cur = [], []
    for line in lines:
        if line.strip():
            cur.append(line.rstrip())
        elif cur:
            paras.append("\n".join(cur))
            cur = []
    if cur:
        paras.append("\n".join(cur))
    return paras


def _cue(text: str) -> bool:
    """bool(_REQUEST_CUE.search(_plain(text))), without the scan when the text cannot match (see _CUE_WORDS)."""
    if "?" in text:
        return True
    folded = _fold(text)
    for word in _CUE_WORDS:
        if word in folded:
            return _REQUEST_CUE.search(_plain(text)) is not None
    return False


def _may_ask(text: str) -> bool:
    """False when no part of the text can be a request: no "?" and none of _CUE_WORDS anywhere in it.

    Words are letters, which no joining of lines or collapsing of white space creates, so then no
    paragraph or sentence taken from the text is a request (_cue) either.
    """
    if "?" in text:
        return True
    folded = _fold(text)
    return any(word in folded for word in _CUE_WORDS)


def _is_request(paragraph: str) -> bool:
    return _cue(paragraph)


def _requests(paragraphs: list[str]) -> list[bool]:
    """_is_request of each paragraph, each asked once (none when the whole text cannot ask: _may_ask)."""
    if not _may_ask("\n".join(paragraphs)):
        return [False] * len(paragraphs)
    return [_cue(p) for p in paragraphs]


def _is_sign_off(paragraph: str) -> bool:
    # A short closing ("Kind regards", "Thank you for your help.") that asks nothing.
    return bool(_SIGN_OFF.match(paragraph)) and len(paragraph.split()) <= 15 and "?" not in paragraph


def _body_lines(text: str) -> list[str]:
    """The lines that carry the mail: without a first-line greeting and without a signature."""
    lines = _plain(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for n, line in enumerate(lines):
        if _SIGNATURE_DELIMITER.match(line):
            lines = lines[:n]
            break
    first = next((n for n, line in enumerate(lines) if line.strip()), None)
    if first is not None and _GREETING.match(lines[first]) and "?" not in lines[first] and (
            lines[first].rstrip().endswith(",") or len(lines[first].split()) <= 4):
        del lines[first]
    return lines


def _drop_closing(paragraphs: list[str], asks: list[bool] | None = None) -> list[str]:
    """The closing: the first sign-off after which nothing asks anything, and all that follows it (the signature).

    "Thank you for your reply." at the top of a mail that goes on to ask things is not a closing.
    `asks` (_requests(paragraphs)), when given, saves asking each paragraph again.
    """
    return paragraphs[:_closing_at(paragraphs, asks)]


def _closing_at(paragraphs: list[str], asks: list[bool] | None = None) -> int:
    """Where _drop_closing cuts (len(paragraphs) when it keeps them all); one pass, not one per sign-off."""
    offs = [n for n, p in enumerate(paragraphs) if _is_sign_off(p)]
    if not offs:
        return len(paragraphs)
    # The first sign-off with no request after it: after the last paragraph that asks (sought from the end,
    # back to the first sign-off), or the first sign-off when none after it asks.
    last_ask = -1
    for n in range(len(paragraphs) - 1, offs[0], -1):
        if asks[n] if asks is not None else _is_request(paragraphs[n]):
            last_ask = n
            break
    for n in offs:
        if last_ask <= n:
            return n
    return len(paragraphs)


# --------------------------------------------------------------------------- sentences of one paragraph


_SENTENCE_BREAK = re.compile(r"[.!?]+[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")


def sentences(text: str, rules: SplitRules) -> list[str]:
    """The sentences of a paragraph, its lines joined: a full stop after "No" or "Mr" ends none."""
    return list(_sentences(text, rules))


def _sentences(text: str, rules: SplitRules):
    """sentences(), one at a time: a title needs only those up to the first that asks."""
    flat = " ".join(text.split())
    start = 0
    for m in _SENTENCE_BREAK.finditer(flat):
        if flat[m.start()] == ".":
            before = flat[start:m.start() + 1]
            last = before.rstrip(".!?").rsplit(" ", 1)[-1].lower()
            if last in rules.abbreviations or (len(last) == 1 and last.isalpha()):
                continue
        yield flat[start:m.end()].strip()
        start = m.end()
    if flat[start:].strip():
        yield flat[start:].strip()


def _asks(sentence: str, rules: SplitRules) -> bool:
    plain = _plain(sentence).strip()
    return _cue(plain) and not any(c.search(plain) for c in rules.courtesy)


def _stem(word: str, rules: SplitRules) -> str:
    for suffix in rules.suffixes:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[:-len(suffix)]
    return word


def topic_words(text: str, rules: SplitRules) -> set[str]:
    """The words that say what a sentence is about: no function words, no words of asking, no bare numbers."""
    out = set()
    for w in _WORD.findall(_plain(text).lower()):
        w = w.replace("’", "'")
        if w in rules.stopwords or w.isdigit() or sum(ch.isalpha() for ch in w) < 3 and not any(
                ch.isdigit() for ch in w):
            continue
        out.add(_stem(w, rules))
    return out


def split_sentences(paragraph: str, rules: SplitRules | None = None) -> list[str]:
    """A paragraph's unrelated requests, each with the sentences that explain it; the paragraph when it asks one thing.

    A sentence that asks nothing belongs to the request after it (its explanation), or to the
    last one when it comes after every request. A request that shares a topic word with the
    one before, has too few topic words to stand alone, or begins "And ..." stays with it.
    """
    rules = rules or load_split()
    said = sentences(paragraph, rules)
    asks = [_asks(s, rules) for s in said]
    if sum(asks) < 2:
        return [paragraph]
    segments: list[list[str]] = []
    pending: list[str] = []
    for s, a in zip(said, asks):
        if a:
            segments.append([*pending, s])
            pending = []
        else:
            pending.append(s)
    segments[-1].extend(pending)
    merged: list[list[str]] = [segments[0]]
    for seg in segments[1:]:
        own = topic_words(" ".join(seg), rules)
        before = topic_words(" ".join(merged[-1]), rules)
        leans = any(j.search(_plain(seg[0])) for j in rules.joins_previous)
        if leans or len(own) < rules.min_topic_words or own & before:
            merged[-1].extend(seg)
        else:
            merged.append(seg)
    if len(merged) < 2:
        return [paragraph]
    return [" ".join(seg) for seg in merged]


# --------------------------------------------------------------------------- the requests of one mail


@dataclass(frozen=True)
class Request:
    """One request of a mail: its whole text (with the context it needs) and the words that are the request itself."""

    text: str
    core: str
    lead_in: str = ""  # the words that introduce a list ("Under the FOI Act please provide:")

    @property
    def title(self) -> str:
        return title_of(self.core, self.lead_in)


def split_requests(text: str) -> list[str]:
    """The separate requests in a mail that asks several things; one item when it asks one thing.

    A numbered ("1.", "2)", "(3)"), lettered ("(a)", "b)") or bulleted list of two or more items
    gives one request per item. The words before the list (after the greeting) belong to every
    item: "Under the FOI Act please provide: 1. ... 2. ..." becomes two requests that each say
    "Under the FOI Act please provide:". Words after the list that are not a request of their own
    ("for each of the last three years") also belong to every item; paragraphs before or after the
    list that ask something of their own are requests of their own.

    Without a list, paragraphs that each ask something (a question mark, "please", "could you",
    "I would like", ...) are separate requests when there are two or more. A paragraph that asks
    nothing is context: before the first request it is the background of every request; between
    requests it belongs to the request that follows it; after the last, to the last. Greetings,
    sign-offs and signatures belong to none. Inside one paragraph, sentences that ask about
    different things are separate requests too (`split_sentences`, rules/split.toml).
    """
    return [r.text for r in split_mail(text)]


def split_mail(text: str, rules: SplitRules | None = None) -> list[Request]:
    """As `split_requests`, keeping for each request the words that are the request itself (for its title)."""
    lines = _body_lines(text or "")
    if not any(line.strip() for line in lines):
        return []
    rules = rules or load_split()
    # The list family is that of the first marker, if at least two lines carry it.
    family = None
    for line in lines:
        mk = _marker(line)
        if mk:
            family = mk[0]
            break
    starts = [n for n, line in enumerate(lines) if (mk := _marker(line)) and mk[0] == family] if family else []
    if len(starts) >= 2:
        return _split_list(lines, family, starts, rules)
    return _split_paragraphs(lines, rules)


def _own(paragraph: str, rules: SplitRules) -> list[Request]:
    return [Request(s.strip(), s.strip()) for s in split_sentences(paragraph.strip(), rules)]


def _split_list(lines: list[str], family: str, starts: list[int], rules: SplitRules) -> list[Request]:
    before = _paragraphs(lines[:starts[0]])
    items: list[list[str]] = []
    n = starts[0]
    after_from = len(lines)
    while n < len(lines):
        line = lines[n]
        mk = _marker(line)
        if mk and mk[0] == family:
            items.append([line[mk[1]:].strip()])
        elif not line.strip():
            items[-1].append("")
        else:
            # A line after a blank that is not indented ends the list: it is a new paragraph.
            # (unless another item of the list is still to come: then it is this item's note).
            blank_before = n > 0 and not lines[n - 1].strip()
            if blank_before and not line[:1].isspace() and n > starts[-1]:
                after_from = n
                break
            items[-1].append(line.strip())
        n += 1
    after = _paragraphs(lines[after_from:])
    after_asks = _requests(after)
    cut = _closing_at(after, after_asks)
    after, after_asks = after[:cut], after_asks[:cut]

    # The paragraph right before the list introduces it; earlier ones ask for themselves or give context.
    lead_in = before[-1:] if before else []
    before_asks = _requests(before[:-1])
    own_before = [p for p, asks in zip(before[:-1], before_asks) if asks]
    context = [p for p, asks in zip(before[:-1], before_asks) if not asks] + lead_in
    own_after = [p for p, asks in zip(after, after_asks) if asks]
    trailing = [p for p, asks in zip(after, after_asks) if not asks]

    requests = [r for p in own_before for r in _own(p, rules)]
    for item in items:
        body = "\n".join(item).strip()
        if body:
            requests.append(Request("\n".join([*context, body, *trailing]).strip(), body,
                                    lead_in=lead_in[0].strip() if lead_in else ""))
    requests.extend(r for p in own_after for r in _own(p, rules))
    return requests


def _split_paragraphs(lines: list[str], rules: SplitRules) -> list[Request]:
    paragraphs = _paragraphs(lines)
    asks = _requests(paragraphs)
    cut = _closing_at(paragraphs, asks)
    paragraphs, asks = paragraphs[:cut], asks[:cut]
    if not paragraphs:
        return []
    asking = [n for n, a in enumerate(asks) if a]
    if not asking:
        whole = "\n\n".join(paragraphs).strip()
        return [Request(whole, whole)]
    background = paragraphs[:asking[0]]
    groups: list[tuple[list[str], str]] = []  # (context before, the asking paragraph)
    pending: list[str] = []
    for n, p in enumerate(paragraphs[asking[0]:], asking[0]):
        if asks[n]:
            groups.append(([*background, *pending], p))
            pending = []
        else:
            pending.append(p)
    requests: list[Request] = []
    for g, (context, asking_paragraph) in enumerate(groups):
        parts = split_sentences(asking_paragraph, rules)
        tail = pending if g == len(groups) - 1 else []
        if len(groups) == 1 and len(parts) == 1:
            whole = "\n\n".join(paragraphs).strip()  # one request: the mail as written
            return [Request(whole, asking_paragraph.strip())]
        for k, part in enumerate(parts):
            ctx = context if k == 0 else list(background)
            after = tail if k == len(parts) - 1 else []
            requests.append(Request("\n\n".join([*ctx, part, *after]).strip(), part.strip()))
    return requests


# --------------------------------------------------------------------------- titles


_REPLY_PREFIXES = re.compile(r"^\s*((re|fw|fwd|aw|wg|tr|rv|sv)\s*:\s*)+", re.I)


def clean_subject(subject: str) -> str:
    """A subject without reply and forward prefixes and without our own reply tokens."""
    subject = TOKEN_TAG.sub("", subject or "")
    subject = _REPLY_PREFIXES.sub("", subject)
    return " ".join(TOKEN_TAG.sub("", subject).split())


def shorten(text: str, limit: int = TITLE_LENGTH) -> str:
    """At most `limit` characters, cut between words with an ellipsis, never in the middle of one."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rstrip()
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–") + "…"


def title_of(core: str, lead_in: str = "", rules: SplitRules | None = None) -> str:
    """The request in a few words: its first sentence that asks, as the customer wrote it.

    A list item that does not stand alone ("the cost of the new offices") keeps the words that
    introduce the list in front of it.
    """
    rules = rules or load_split()
    text = TOKEN_TAG.sub("", " ".join((core or "").split())).strip()
    if not text:
        return ""
    said: list[str] = []  # the sentences up to the first that asks (all of them when none does)
    at = 0
    may_ask = _may_ask(text)  # when no sentence can ask, the title is the first
    for s in _sentences(text, rules):
        said.append(s)
        if not may_ask:
            break
        if _asks(s, rules):
            at = len(said) - 1
            break
    said = said or [text]
    title = said[at].rstrip(" ;,")
    if at > 0 and len(topic_words(title, rules)) < rules.min_topic_words:
        # "When will it be fixed?" says little without the sentence before it, which names the subject
        title = f"{said[at - 1]} {title}"
    if lead_in and title[:1].islower():
        title = f"{' '.join(lead_in.split())} {title}"
    return shorten(title)
