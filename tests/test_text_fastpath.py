"""The fast text path changes no result: splitting, classification, routing, hashes and references, side by side
with the straightforward implementations they replace.

split.py asks `_REQUEST_CUE` of a paragraph only when the folded text holds "?" or a word every match needs
(_cue, and _may_ask for a whole text), and finds the closing in one pass (_closing_at); rules.py leaves an ASCII text as it is in _plain,
splits ASCII words with a byte table, and analyses a haystack from its two halves; filing.py scans for issue
references only in a text that holds "spoc-" and normalises ASCII with a byte table. The references kept here
are the plain versions, swapped in with monkeypatch; both run over every mail of tests/mail, some of the
benchmark's mail, texts built by bench/textpath.py to trip the splitter, and texts built to trip the folding.
"""

from __future__ import annotations

import hashlib
import random
import re
import sys
from datetime import date
from pathlib import Path

import pytest

from spocmail import filing, rules as rulesmod, split as splitmod
from spocmail.mail import parse_mail
from spocmail.rules import classify, load_classify, load_route, route

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

import textpath  # noqa: E402  (bench/textpath.py: the fuzz texts and the register's officers)

TRICKY = [
    "Could\u00a0you tell me? no", "COULD YOU SEND IT", "I\u2019d like the file.", "i\u2019D LIKE the file",
    "Plea\u017fe send the report.", "\u212aindly advise.", "\u0130 want to know.", "\u0131 need the bins.",
    "I w\u0130sh to request it", "I am\n\n  writing to complain", "i  am   requesting", "I'm requesting",
    "I would be grateful", "I\u2019d be grateful", "want\tto see", "we need to have it", "no cue here at all",
    "you", "your", "askew", "likewise", "needless", "yourself please", "\u2028please", "x\u2029I ask",
    "SPOC-2026-0001", "\u017fpoc-2026-0001", "Spoc-\uff12\uff10\uff12\uff16-\uff10\uff10\uff11", "xspoc-2026-0001",
    "Thank you.\n\nKind regards\n\nJo", "Kind regards\n\nPlease also check the lights.\n\nThanks", "",
    "Dear Sir,\n\n1. bins\n2. lights?\n\nThanks\n\nJo", "Best\n\nBest\n\nWhy?\n\nCheers",
    "caf\u00e9 na\u00efve \u201cquoted\u201d \u2013 dash \u2011 nb\u00a0sp",
]


def _reference_cue(text: str) -> bool:
    return bool(splitmod._REQUEST_CUE.search(_reference_plain(text)))


def _reference_closing_at(paragraphs, asks=None) -> int:
    for n, p in enumerate(paragraphs):
        if splitmod._is_sign_off(p) and not any(_reference_cue(q) for q in paragraphs[n + 1:]):
            return n
    return len(paragraphs)


_PLAIN_TABLE = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " ",
                              "\u2013": "-", "\u2011": "-"})


def _reference_plain(text: str) -> str:
    return text.translate(_PLAIN_TABLE)


def _reference_haystack(subject: str, text: str) -> str:
    return _reference_plain(f"{subject or ''}\n{text or ''}")


def _reference_refs(text: str) -> set[str]:
    return {r.upper() for r in filing._REF.findall(text)}


def _reference_normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _plainly(monkeypatch) -> None:
    monkeypatch.setattr(splitmod, "_cue", _reference_cue)
    monkeypatch.setattr(splitmod, "_may_ask", lambda text: True)
    monkeypatch.setattr(splitmod, "_closing_at", _reference_closing_at)
    monkeypatch.setattr(splitmod, "_plain", _reference_plain)
    monkeypatch.setattr(rulesmod, "_plain", _reference_plain)
    monkeypatch.setattr(rulesmod, "_haystack", _reference_haystack)
    monkeypatch.setattr(rulesmod, "_word_runs", rulesmod._WORD_RUN.findall)
    monkeypatch.setattr(rulesmod, "_ANALYSED", {})
    monkeypatch.setattr(rulesmod, "_BODIES", {})
    monkeypatch.setattr(filing, "_refs", _reference_refs)
    monkeypatch.setattr(filing, "normalise", _reference_normalise)


@pytest.fixture(scope="module")
def texts() -> list[tuple[str, str]]:
    out = []
    for path in sorted((REPO / "tests" / "mail").rglob("*")):
        if path.suffix not in (".eml", ".msg"):
            continue
        mail = parse_mail(path.read_bytes())
        for text in dict.fromkeys([mail.reply_text, mail.body_text, *(f.body for f in mail.forwarded)]):
            if text:
                out.append((mail.subject or "", text))
    assert len(out) > 300
    for raw, _ in textpath.mailgen.mails(4, textpath.mailgen.utc(2026, 11, 23, 7)):
        mail = parse_mail(raw)
        out.append((mail.subject or "", mail.body_text))
    rng = random.Random(3)
    out += [("Question", textpath.fuzz_text(rng)) for _ in range(600)]
    return out + [("", t) for t in TRICKY]


def _everything(texts):
    crules, rrules, officers = load_classify(), load_route(), textpath.officers()
    out = []
    for subject, text in texts:
        parts = splitmod.split_mail(text)
        out.append([(r.text, r.core, r.lead_in, r.title) for r in parts])
        out.append([splitmod._is_request(p) for p in splitmod._paragraphs(text.split("\n"))])
        out.append((sorted(filing._refs(text)), sorted(filing._refs(subject)), filing.content_hash(text)))
        for r in parts[:3] or [splitmod.Request(text, text)]:
            c = classify(subject, r.text, crules)
            out.append(c)
            out.append(route(c.category, r.title, r.text, officers, rrules, on=date(2026, 11, 23),
                             spoc_id="spoc-officer", deputy_id="spoc-deputy"))
    return out


def test_splitting_classification_routing_hashes_and_references_are_those_of_the_plain_code(texts, monkeypatch):
    fast = _everything(texts)
    _plainly(monkeypatch)
    assert _everything(texts) == fast
    assert sum(1 for row in fast if isinstance(row, list) and len(row) > 1 and isinstance(row[0], tuple)) > 100


@pytest.mark.parametrize("text", TRICKY)
def test_each_fast_check_agrees_with_its_regex(text):
    assert splitmod._cue(text) == _reference_cue(text)
    assert rulesmod._plain(text) == _reference_plain(text)
    assert filing._refs(text) == _reference_refs(text)
    assert filing.normalise(text) == _reference_normalise(text)
    from spocmail.restrictions import _norm

    assert _norm(text) == _reference_normalise(text)
    folded = rulesmod._fold(text)
    assert rulesmod._word_runs(folded) == rulesmod._WORD_RUN.findall(folded)
    for subject in ("", "Re: \u03a3\u039f\u03a3", "\u0130stanbul \u212a", text):
        hay = rulesmod._haystack(subject, text)
        assert hay == _reference_haystack(subject, text)
        assert rulesmod._analysed(hay) == rulesmod._analyse(hay)


def test_every_ascii_character_splits_words_and_normalises_as_the_regex_does():
    every = "".join(chr(c) for c in range(128)) * 2 + " a_b1 C-d\x1cE\x1f"
    assert rulesmod._word_runs(every.lower()) == rulesmod._WORD_RUN.findall(every.lower())
    assert filing.normalise(every) == _reference_normalise(every)
    from spocmail.restrictions import _norm

    assert _norm(every) == _reference_normalise(every) and _norm(None) == ""
    assert hashlib.sha256(filing.normalise(every).encode()).hexdigest() == filing.content_hash(every)


def test_every_character_that_ignorecase_matches_to_a_cue_letter_folds_to_it():
    """_cue and _refs look for ASCII words in the folded text: no character the regex engine matches to one of
    their letters may fold to anything else (the long s, the dotted and dotless i, the Kelvin sign)."""
    everything_else = "".join(chr(c) for c in range(0x80, sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    folded = rulesmod._fold(everything_else)
    assert len(folded) == len(everything_else)
    for a in set("".join(splitmod._CUE_WORDS) + "spoc"):
        for m in re.finditer(re.escape(a), everything_else, re.IGNORECASE):
            assert folded[m.start()] == a, hex(ord(m.group()))
    for a in "spoc":  # _refs folds only the long s, then lower-cases
        for m in re.finditer(a, everything_else, re.IGNORECASE):
            assert m.group().replace("\u017f", "s").lower() == a, hex(ord(m.group()))


def test_the_mime_structure_events_are_those_of_the_line_start_pattern():
    """limits.structure finds its events after a line end (a literal the engine searches for) and at the start."""
    from spocmail import limits

    raws = [p.read_bytes() for p in sorted((REPO / "tests" / "mail").rglob("*")) if p.suffix in (".eml", ".msg")]
    raws += [raw for raw, _ in textpath.mailgen.mails(20, textpath.mailgen.utc(2026, 11, 23, 7))]
    rng = random.Random(5)
    pieces = [b'Content-Type: multipart/mixed; boundary="b"', b"content-type:text/plain", b"--b", b"--b--", b"\r\n",
              b"\n", b"\r", b" boundary=x", b'\t; boundary="y"', b"--x--", b"--y", b"CONTENT-TYPE: Multipart/alt;",
              b"abc", b"-", b"--", b"\n\t", b" ", b"--b  \r"]
    raws += [b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 40))) for _ in range(2000)]
    for raw in raws:
        assert [m.groupdict() for m in limits._events(raw)] == [m.groupdict() for m in limits._EVENTS.finditer(raw)]


@pytest.mark.parametrize("pattern, text", [
    (r"\b(?:my|me|myself)\b[^.]{0,20}\bfile\b", "Some time ago me and my file. Myself: MY FILE"),
    (r"\b'?tis\b", "x 'tis and 'TIS and tis"),
    (r"\bcourt\b", "escourt courtyard COURT c\u2c62urt"),
    (r"(?<=the )council", "the council, the COUNCIL"),
    (r"(?:ab)+c", "xababc abc"),
    (r"a{0,2}bc", "bc aabc"),
    (r"^dear\b", "Dear sir\ndear"),
    (r"\bpleas\u017fe\b|\bplease\b", "PLEA\u017fE now, please"),
    (r"\b\u212aelvin|kelvin", "\u212aELVIN kelvin"),
    (r"(?:\bi\s+sue|we\s+sue)\b", "\u0130 SUE and we  sue"),
    (r"\b(?:(?:will|shall)\s+|going\s+to\s+)sue\b", "Going to sue, shall sue"),
    (r"(?-i:Court)\s+case", "court case, Court case"),
    (r"\?", "what? yes?"),
])
def test_a_patterns_anchor_never_skips_a_match(pattern, text):
    """Matcher.hits with the anchor gives what a scan with finditer gives, silenced matches included."""
    for unless in ((), ("and",), ("sue",), ("now",)):
        for hay in (text, f"x\n{text}", f"{text} {text}", text.upper(), text.lower()):
            m = rulesmod.Matcher(patterns=(pattern,), unless=unless)
            plain = []
            for found in re.compile(pattern, re.IGNORECASE).finditer(hay):
                if found.end() > found.start() and not m._silenced(hay, found.start(), found.end()):
                    plain.append(rulesmod.Hit(pattern, found.start(), found.end(), found.group(0)))
                    break
            assert m.hits(hay) == plain, (pattern, hay, unless)
