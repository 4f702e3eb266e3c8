"""What an officer's request carries: who the customer is and where the matter is, never why the SPOC
arrangement exists (need to know, seed 001 s.4.1); the places come from rules/locations.toml."""

from __future__ import annotations

import email
from datetime import datetime, timezone
from email import policy

import pytest

from spocmail.errors import ConfigError
from spocmail.locations import DEFAULT_PATH, load, location_for, places_named
from tests.test_officers_e2e import project_for

THREE = (
    "From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\nSubject: Three things\r\n"
    "Date: Mon, 23 Nov 2026 08:12:00 +0000\r\nMessage-ID: <three-places@example.org>\r\n\r\n"
    "1. When will the planning committee decide application 26/0123/FUL for 12 Mill Lane, CB23 6EB?\r\n"
    "2. My green bin was missed again on Friday, please collect it.\r\n"
    "3. Under the Freedom of Information Act, please provide copies of all tree survey reports for "
    "Jubilee Park since 2024.\r\n").encode()

# What the register holds about the arrangement and the customer that an officer does not need.
NEVER_IN_A_REQUEST = ("restriction", "issues_per_week", "10 issues", "2024 bin collection complaint",
                      "subjects_closed", "01234 567890", "07700 900123", "jordan@example.org", "persistent",
                      "vexatious", "unreasonable")


def test_each_request_names_the_customer_and_the_place_and_nothing_of_the_arrangement(tmp_path, imap, smtp,
                                                                                      db_url, monkeypatch):
    p = project_for(tmp_path, imap, smtp, db_url, monkeypatch)
    imap.append(THREE, date=datetime(2026, 11, 23, 8, 12, tzinfo=timezone.utc))
    p.ok("poll", "--once", "--now", "2026-11-23T08:15")
    requests = {}
    for m in smtp.messages:
        msg = email.message_from_bytes(m.content, policy=policy.default)
        if msg["X-Spocmail-Issue"]:
            requests[m.rcpt_tos[0]] = msg
    assert set(requests) == {"alex.jones@council.example", "dee.walker@council.example", "foi@council.example"}
    expected = {
        "alex.jones@council.example": "Location: 12 Mill Lane; CB23 6EB",  # named in the question
        # a missed bin is at the customer's home: the register's postal address, said to be that
        "dee.walker@council.example": "Location: 1 High Street, Cambourne CB23 6EA (the customer's address; "
                                      "the request names no other place)",
        "foi@council.example": "Location: Jubilee Park",
    }
    for officer, location in expected.items():
        text = requests[officer].get_body(("plain",)).get_content()
        html = requests[officer].get_body(("html",)).get_content()
        assert "Customer: Jordan Example" in text, officer
        assert location in text, officer
        assert "<th align=\"left\">Customer</th><td>Jordan Example</td>" in html
        assert location.removeprefix("Location: ").replace("'", "&#39;") in html
        for word in NEVER_IN_A_REQUEST:
            assert word not in text.lower() and word not in html.lower(), (officer, word)


@pytest.mark.parametrize("text, places", [
    ("Why were the trees on Mill Lane cut down?", ("Mill Lane",)),
    ("The bin at 12 Mill Lane, Cambourne cb23 6ea was missed", ("12 Mill Lane", "CB23 6EA")),
    ("Mill Road Cemetery is overgrown and Park Road is flooded near The Green.",
     ("Mill Road Cemetery", "Park Road", "The Green")),
    ("On Station Road the lights are out. St. John's Road too.", ("Station Road", "St. John's Road")),
    ("Please provide copies of all tree survey reports for Jubilee Park since 2024.", ("Jubilee Park",)),
    ("When will the planning committee decide application 26/0123/FUL?", ()),
    ("My green bin was missed again on Friday. On Park days it is worse.", ()),  # no place: common words
    ("Under the Freedom of Information Act 2000, how much was spent?", ()),
])
def test_places_named_in_a_request(text, places):
    assert places_named(text) == places


def test_a_council_names_its_own_places_and_which_categories_happen_at_home(tmp_path):
    path = tmp_path / "locations.toml"
    path.write_text(DEFAULT_PATH.read_text().replace("names = []", 'names = ["The Fen"]')
                    .replace('categories = ["service-request"]', 'categories = ["service-request", "complaint"]'))
    rules = load(path)
    assert places_named("Flooding on the fen again", rules) == ("The Fen",)
    assert location_for("It took weeks.", "complaint", "1 High Street", rules).startswith("1 High Street (")
    assert location_for("It took weeks.", "general-enquiry", "1 High Street", rules) == "none named in the request"


@pytest.mark.parametrize("old, new, message", [
    ('[streets]\nwords = [', '[streets]\nwordz = [', "[streets] wordz: unknown key"),
    ("names = []", 'names = "The Fen"', "[sites] names = 'The Fen': expected a list of non-empty strings"),
    ('"Road", ', '"road", ', "'road': expected a capitalised word"),
    ("[home]", "[homes]", "[homes]: unknown section"),
])
def test_a_bad_locations_file_names_the_file_and_the_key(tmp_path, old, new, message):
    path = tmp_path / "locations.toml"
    text = DEFAULT_PATH.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ConfigError) as err:
        load(path)
    assert str(path) in str(err.value) and message in str(err.value)


def _whole_text(pattern, text, probe):
    """How places_named scanned before: the pattern over the whole text, every line read."""
    return pattern.finditer(text)


MULTILINE = [
    "Station Road\nCB23 6EA\r\n12 Mill Lane, and Jubilee Park",  # line ends of both kinds
    "CB23 6EA first, then 4 Park Road\n\n\nthen cb1 2ab and The Green",  # the order across lines
    "Mill\nLane is not one place; Mill Lane is\n",  # a line end inside a would-be place
    "CB23\n6EA is no postcode\tbut CB23\t6EA is",  # nor inside a postcode
    "\n\nOn\tStation Road\t3 High Street\n",  # tabs, blank lines first
    "Zoë's café on Ærø Road; 10 Market Square\nSE1 7PB",  # non-ASCII letters beside the words
    "a Road that is not\nRoadside Park\nNo suffix at all here 1234",
    "12 Mill Lane" * 3 + "\n" + "Mill Lane, Mill Lane",
]


def test_places_read_line_by_line_are_those_the_whole_text_gives(monkeypatch):
    """places_named reads only the lines that can hold a place or a postcode: it must name exactly the places,
    in the same order, that scanning the whole text named, over generated mail and awkward line ends. It fails
    if a line's matches are given the wrong place in the text (the order of the places named)."""
    from spocmail import locations
    from tests.test_rules_precheck import _texts  # the fixture mail's families, the demo's and generated mail

    texts = list(MULTILINE) + [f"{subject}\n{body}" for subject, body in _texts()]
    rules = locations.default_rules()
    by_line = [places_named(t, rules) for t in texts]
    monkeypatch.setattr(locations, "_line_matches", _whole_text)
    whole = [places_named(t, rules) for t in texts]
    assert by_line == whole
    assert sum(map(len, whole)) > 40  # the corpus names places in plenty, so the comparison says something
    assert whole[1] == ("CB23 6EA", "4 Park Road", "CB1 2AB", "The Green")


@pytest.mark.parametrize("streets, sites, text", [
    ([], [], "I live at 12 Mill Lane by the Town Hall"),  # no street or site word at all
    (["Lane", "Car\nPark"], ["Hall"], "Tesco Car\nPark, then Mill Lane"),  # a word across a line end
])
def test_rules_that_cannot_be_read_line_by_line_are_read_over_the_whole_text(monkeypatch, streets, sites, text):
    """A council's rules may name no street or site word, or one across a line end: lines cannot then be
    told apart by their words, and the places named are those the whole text's scan names."""
    import tomllib

    from spocmail import locations

    data = tomllib.loads(DEFAULT_PATH.read_text())
    data["streets"]["words"], data["sites"]["words"] = streets, sites
    rules = locations.rules_from_dict(data)
    assert rules._suffix is None
    got = places_named(text, rules)
    monkeypatch.setattr(locations, "_line_matches", _whole_text)
    assert got == places_named(text, rules) and got
