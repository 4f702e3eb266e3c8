"""The phrase pre-check (skip a phrase whose words are absent) changes no result: old and new side by side.

Every matcher in the shipped rules files is run with and without the pre-check on every mail of the
corpus (tests/mail), on the benchmark's generated mail, and on texts built to trip a careless check
(case, hyphens, the dotless i and the long s that re.IGNORECASE matches to ASCII letters).
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from spocmail import rules as rulesmod
from spocmail.answers import load_answer_rules
from spocmail.filing import load_followups
from spocmail.mail import parse_mail
from spocmail.rules import Matcher, classify, load_classify, load_identify, load_route

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


def _texts() -> list[tuple[str, str]]:
    texts = []
    for path in sorted((REPO / "tests" / "mail").glob("*/*.eml")):
        mail = parse_mail(path.read_bytes())
        texts.append((mail.subject or "", mail.body_text or ""))
    sys.path.insert(0, str(REPO / "bench"))
    import mailgen

    for raw, _ in mailgen.mails(8, mailgen.utc(2026, 11, 23, 7)):
        mail = parse_mail(raw)
        texts.append((mail.subject or "", mail.body_text or ""))
    texts += [("FREEDOM OF INFORMATION", "Under the FREEDOM-OF-INFORMATION act please send the reports."),
              ("", "Under the Freedom of \u0131nformat\u0131on Act, plea\u017fe provide the \u017furvey."),
              ("Subject access", "I make a subject\u2011access request; my bin-collection was missed."),
              ("", "Environmental\u00a0Information Regulations: air quality, noise, pothole, damp, mould.")]
    return texts


@pytest.fixture(scope="module")
def everything():
    return load_classify(), load_route(), [m for m in _matchers([load_classify(), load_route(), load_identify(),
                                                                 load_answer_rules(), load_followups()])
                                           if not m.empty]


def _without_precheck(monkeypatch):
    monkeypatch.setattr(rulesmod, "_phrase_words", lambda phrase: None)


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
