"""Separate questions become separate requests, even in one paragraph; a question with its explanation stays one."""

from __future__ import annotations

import pytest

from spocmail.errors import ConfigError
from spocmail.filing import issue_title
from spocmail.resources import packaged
from spocmail.split import (load_split, split_mail, split_requests, split_rules_from_dict, title_of)


def test_one_paragraph_with_three_unrelated_questions_is_three_requests():
    text = ("Dear SPOC,\n\nWhen will the planning committee decide application 26/0123/FUL? My green bin was missed "
            "again on Friday, please collect it. Under the Freedom of Information Act, please provide copies of\n"
            "all tree survey reports for Jubilee Park since 2024.\n\nKind regards\nJordan")
    assert split_requests(text) == [
        "When will the planning committee decide application 26/0123/FUL?",
        "My green bin was missed again on Friday, please collect it.",
        "Under the Freedom of Information Act, please provide copies of all tree survey reports for Jubilee Park "
        "since 2024.",
    ]


def test_a_question_with_its_explanation_stays_one_request():
    text = "The street light outside 4 Elm Road has been out for three weeks. When will it be fixed?"
    assert split_requests(text) == [text]


def test_a_second_question_that_leans_on_the_first_stays_with_it():
    for text in ("The street light outside 4 Elm Road has been out for three weeks. When will it be fixed? "
                 "Who is responsible for repairing it?",
                 "Is it too much to ask that bins are collected on time? This is the third week running. "
                 "Please collect my bin.",
                 "Why has my council tax bill gone up? And if it is a mistake, will you refund the difference?"):
        assert len(split_requests(text)) == 1, text


def test_courtesies_are_not_requests_of_their_own():
    text = ("Why was my parking permit refused? Please reply as soon as possible. "
            "I would be grateful for an answer this week.")
    assert split_requests(text) == [text]


def test_explanation_goes_with_the_question_it_explains_and_the_mail_background_with_every_request():
    text = ("I live at 1 High Street.\n\n"
            "When does the library open on Sundays? The fence at the play area on Mill Lane is broken. "
            "Could you send someone to repair the fence?")
    assert split_requests(text) == [
        "I live at 1 High Street.\n\nWhen does the library open on Sundays?",
        "I live at 1 High Street.\n\nThe fence at the play area on Mill Lane is broken. Could you send someone to "
        "repair the fence?",
    ]


def test_abbreviations_do_not_end_a_sentence():
    text = "Mr. Jones at No. 3 says the hedge is his. Who owns the hedge on the boundary? When will you decide?"
    assert len(split_requests(text)) == 1


def test_titles_are_the_request_itself_cut_between_words():
    parts = split_mail("Please tell me:\n1. the cost of the new council offices;\n2. the number of staff in them.")
    assert [p.title for p in parts] == ["Please tell me: the cost of the new council offices",
                                        "Please tell me: the number of staff in them."]
    long = "Could you tell me " + "why the very long road " * 10 + "is closed?"
    title = title_of(long)
    assert len(title) <= 100 and title.endswith("…") and long.startswith(title[:-1])
    assert title_of("It is broken. When will it be fixed?") == "It is broken. When will it be fixed?"


def test_a_title_never_carries_a_reply_token_or_an_internal_subject():
    assert issue_title("", "RE: [SPOC-2026-0002 #sL-gQx81mZpQ] Please answer by Thu 15 Jan: bins") == "(no text)"
    assert issue_title("", "Reminder: [SPOC-2026-0002 #sL-gQx81mZpQ] answer needed by Thu 15 Jan") == "(no text)"
    assert issue_title("", "Fwd: About SPOC-2026-0002: bins on Mill Lane") == "About SPOC-2026-0002: bins on Mill Lane"
    assert issue_title(title_of("[SPOC-2026-0002 #sL-gQx81mZpQ] Why was my bin missed?")) == "Why was my bin missed?"
    assert issue_title("", "Re: Missed bin") == "Missed bin"


def test_the_shipped_split_rules_load():
    rules = load_split()
    assert rules.path == packaged("rules") / "split.toml" and rules.min_topic_words >= 1 and "the" in rules.stopwords


@pytest.mark.parametrize("data, fragment", [
    ({}, "[sentences]: missing"),
    ({"sentences": {"min_topic_words": 0}}, "min_topic_words = 0"),
    ({"sentences": {"min_topic_words": 3, "abbreviations": [], "joins_previous": [], "courtesy": ["(unclosed"],
                    "suffixes": [], "stopwords": []}}, "courtesy: pattern #1"),
    ({"sentences": {"min_topic_words": 3, "abbreviations": [], "joins_previous": [], "courtesy": [".*"],
                    "suffixes": [], "stopwords": []}}, "matches an empty text"),
    ({"sentences": {"min_topic_words": 3, "abbreviations": "mr", "joins_previous": [], "courtesy": [],
                    "suffixes": [], "stopwords": []}}, "abbreviations: expected a list"),
    ({"sentences": {"min_topic_words": 3, "bogus": 1}}, "bogus: unknown key"),
])
def test_a_bad_split_file_names_the_file_and_the_key(tmp_path, data, fragment):
    path = tmp_path / "split.toml"
    with pytest.raises(ConfigError) as err:
        split_rules_from_dict(data, path)
    assert str(path) in str(err.value) and fragment in str(err.value)
