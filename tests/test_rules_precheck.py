"""The pre-checks of the matcher change no result: the fast matcher and a plain reference side by side.

The fast matcher skips a phrase whose words are absent, a pattern whose literal parts are absent, and
tries a phrase's regex only where its first word occurs. The reference kept here (_reference_hits) is
the straightforward one: every term's regex scans the whole text. Every matcher in the shipped rules
files, classification and routing are run both ways on every mail of the corpus (tests/mail/**), the
demo's mail, the benchmark's generated mail, and texts built to trip a careless check (case, hyphens,
the dotted and dotless i and the long s that re.IGNORECASE matches to ASCII letters, the Kelvin sign).
"""

from __future__ import annotations

import ast
import dataclasses
import re
import sys
import tomllib
from datetime import date
from pathlib import Path

import pytest

from spocmail import rules as rulesmod
from spocmail.answers import load_answer_rules
from spocmail.filing import load_followups
from spocmail.mail import parse_mail
from spocmail.rules import Hit, Matcher, OfficerInfo, classify, load_classify, load_identify, load_route, route

REPO = Path(__file__).resolve().parent.parent


def _matchers(obj, seen=None) -> list[Matcher]:
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    if isinstance(obj, Matcher):
        return [obj]
    out: list[Matcher] = []
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            out += _matchers(getattr(obj, f.name), seen)
    elif isinstance(obj, dict):
        for v in obj.values():
            out += _matchers(v, seen)
    elif isinstance(obj, (list, tuple, set, frozenset)):
        for v in obj:
            out += _matchers(v, seen)
    return out


def _demo_mail() -> list[tuple[str, str]]:
    """The (subject, body) of every mail the demo's month sends to the SPOC (spocmail/demo.py)."""
    tree = ast.parse((REPO / "spocmail" / "demo.py").read_text())
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("mail", "forward"):
            consts = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if len(consts) >= 2:
                out.append((consts[-2], consts[-1]))
    assert len(out) >= 8
    return out


TRICKY = [
    ("FREEDOM OF INFORMATION", "Under the FREEDOM-OF-INFORMATION act please send the reports."),
    ("", "Under the Freedom of \u0131nformat\u0131on Act, plea\u017fe provide the \u017furvey."),
    ("", "UNDER THE FREEDOM OF \u0130NFORMAT\u0130ON ACT, \u0130 ASK FOR THE RECORDS. PLEA\u017fE."),
    ("\u212aeep it", "The \u212aerb outside is broken; my bin was not collected. \u212anow that?"),
    ("Subject access", "I make a subject\u2011access request; my bin-collection was missed."),
    ("", "Environmental\u00a0Information Regulations: air quality, noise, pothole, damp, mould."),
    ("", "The street trees in the streets: a tree fell. Streetlight. treetop tree-surgeon."),
    ("", "I do not wish to complain. But this is a complaint about the bins. Complaint stage 2 please."),
    ("", "The treat this email as a formal complaint; please treat this e-mail as a complaint."),
    ("", "How many? how many parking fines were issued. How much was spent on the park?"),
    ("", "I'm not complaining. I don't want to make a complaint. I want to make a complaint!"),
    ("", "data protection act 2018 gives me rights to my data. GDPR: me, my file."),
    ("", "waste of money; waste of time; waste collection; the WASTE bins weren't emptied"),
    ("", "sue\nsue you\nwill sue\nto court\ngoing  to   sue\n(?)?"),
    ("", "\u00e9t\u00e9 caf\u00e9 na\u00efve \u00fcber \u2019s don\u2019t \u201ctree\u201d \u2014 e\u2011mail"),
    ("", ""),
    ("?", "?"),
]


def _texts() -> list[tuple[str, str]]:
    texts = []
    for path in sorted((REPO / "tests" / "mail").rglob("*")):
        if path.suffix not in (".eml", ".msg"):
            continue
        mail = parse_mail(path.read_bytes())
        texts.append((mail.subject or "", mail.body_text or ""))
        if mail.reply_text and mail.reply_text != mail.body_text:
            texts.append((mail.subject or "", mail.reply_text))
    assert len(texts) > 250  # forwards, replies, auto, broken and the independent u15 set
    texts += _demo_mail()
    sys.path.insert(0, str(REPO / "bench"))
    import mailgen

    for raw, _ in mailgen.mails(8, mailgen.utc(2026, 11, 23, 7)):
        mail = parse_mail(raw)
        texts.append((mail.subject or "", mail.body_text or ""))
    return texts + TRICKY


def _reference_hits(self: Matcher, text: str) -> list[Hit]:
    """The plain matcher: each term's regex scans the whole text; its first unsilenced match counts."""
    found = []
    for term, regex in self._terms():
        for m in regex.finditer(text):
            if m.end() > m.start() and not self._silenced(text, m.start(), m.end()):
                found.append(Hit(term, m.start(), m.end(), m.group(0)))
                break
    return found


def _reference_phrase_in(phrase: str, text: str) -> bool:
    return rulesmod.phrase_regex(phrase).search(text) is not None


def _officers() -> list[OfficerInfo]:
    reg = tomllib.loads((REPO / "examples" / "register.toml").read_text())
    return [OfficerInfo(id=o["id"], name=o.get("name", ""), email=o.get("email", ""),
                        department=o.get("department", ""), keywords=tuple(o.get("keywords", ())),
                        handles=tuple(o.get("handles", ()))) for o in reg.get("officer", [])]


@pytest.fixture(scope="module")
def everything():
    return load_classify(), load_route(), [m for m in _matchers([load_classify(), load_route(), load_identify(),
                                                                 load_answer_rules(), load_followups()])
                                           if not m.empty]


def _without_precheck(monkeypatch):
    monkeypatch.setattr(Matcher, "hits", _reference_hits)
    monkeypatch.setattr(rulesmod, "phrase_in", _reference_phrase_in)


def test_every_matcher_finds_the_same_hits_with_and_without_the_precheck(everything, monkeypatch):
    crules, _route, matchers = everything
    assert len(matchers) > 20  # classify, route, identify, answers and follow-ups
    texts = _texts()
    new = [[m.hits(f"{subject}\n{text}") for m in matchers] for subject, text in texts]
    _without_precheck(monkeypatch)
    old = [[m.hits(f"{subject}\n{text}") for m in matchers] for subject, text in texts]
    assert new == old


def test_classification_is_identical_with_and_without_the_precheck(everything, monkeypatch):
    crules, _route, _ = everything
    texts = _texts()
    new = [classify(subject, text, crules) for subject, text in texts]
    _without_precheck(monkeypatch)
    assert [classify(subject, text, crules) for subject, text in texts] == new


def test_routing_is_identical_with_and_without_the_precheck(everything, monkeypatch):
    crules, rrules, _ = everything
    texts = _texts()
    officers = _officers()
    assert any(o.keywords for o in officers)

    def both():
        out = []
        for subject, text in texts:
            category = classify(subject, text, crules).category
            for cat in (category, "general-enquiry", "service-request", "complaint"):
                for who in (officers, [o for o in officers if not o.handles], []):
                    out.append(route(cat, subject, text, who, rrules, on=date(2026, 11, 23),
                                     spoc_id="spoc-officer", deputy_id="spoc-deputy"))
        return out

    new = both()
    _without_precheck(monkeypatch)
    assert both() == new
    assert len({r.rule for r in new}) >= 3  # the register, route.toml's rules and the SPOC all decided some


def test_the_shipped_rules_meet_texts_where_each_check_matters(everything, monkeypatch):
    """A first word inside a longer word, a silenced first match before a good one, absent literals."""
    crules, _route, matchers = everything
    hits = [[m.hits(f"{s}\n{t}") for m in matchers] for s, t in TRICKY]
    assert any(hits_ for row in hits for hits_ in row)
    _without_precheck(monkeypatch)
    assert [[m.hits(f"{s}\n{t}") for m in matchers] for s, t in TRICKY] == hits


@pytest.mark.parametrize("pattern, text", [
    (r"\bcolou?r\b", "The COLOR and the colour"),
    (r"(?:bins?|waste)\s+(?:not|never)\s+collected", "Waste  never collected"),
    (r"\bab+c", "x ABBBC"),
    (r"a{2,3}b", "caaab"),
    (r"(?i:K)elvin", "\u212aELVIN"),
    (r"stra\u00dfe|street", "STREET"),
    (r"\bi\s+sue", "\u0130 SUE"),
    (r"(?-i:Court)", "court Court"),
    (r"x(?=yz)", "xyz"),
    (r"(a|b)\1", "bb"),
    (r"(?>ab|a)c", "abc"),
    (r"\x27s\b", "it's"),
])
def test_a_patterns_required_literals_never_skip_a_text_it_matches(pattern, text):
    compiled = re.compile(pattern, re.IGNORECASE)
    assert compiled.search(text)
    folded, _words = rulesmod._analysed(text)
    for clause in rulesmod._required(pattern):
        assert any(c in folded for c in clause), (pattern, clause)
    assert Matcher(patterns=(pattern,)).hits(text) == _reference_hits(Matcher(patterns=(pattern,)), text)


def test_the_folding_maps_every_character_that_ignorecase_matches_to_an_ascii_letter():
    """The pre-checks compare ASCII words with the folded text: no character the regex engine would
    match to an ASCII letter or digit may fold to anything else, and folding keeps every offset."""
    everything_else = "".join(chr(c) for c in range(0x80, sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    folded = rulesmod._analysed(everything_else)[0]
    assert len(folded) == len(everything_else)
    for a in "abcdefghijklmnopqrstuvwxyz0123456789_":
        for m in re.finditer(re.escape(a), everything_else, re.IGNORECASE):
            assert folded[m.start()] == a, hex(ord(m.group()))
    word = re.compile(r"\w")
    assert [bool(word.match(c)) for c in folded] == [bool(word.match(c)) for c in everything_else]
