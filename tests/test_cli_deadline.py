"""`spocmail deadline` as CONTRACT.md describes it: one JSON document, dates as YYYY-MM-DD."""

import pytest

from tests.helpers import spocmail


@pytest.mark.parametrize("kind, received, pauses, due", [
    ("foi", "2026-01-14T09:00", [], "2026-02-11"),
    ("foi", "2026-08-28T16:45+01:00", [], "2026-09-28"),
    ("eir-extended", "2026-01-14", [], "2026-03-11"),
    ("foi", "2026-10-02T10:00", ["2026-10-05", "2026-10-12"], "2026-11-09"),
    ("sar", "2026-08-31T10:00", [], "2026-09-30"),
    ("sar", "2026-01-30T10:00", [], "2026-03-02"),
    ("complaint", "2026-10-02T10:00", [], "2026-10-23"),
])
def test_domain_vectors_through_the_cli(kind, received, pauses, due, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no config.toml here: the built-in defaults apply
    args = ["deadline", "--kind", kind, "--received", received, "--json"]
    if pauses:
        args += ["--pause", *pauses]
    result = spocmail(*args)
    assert result.code == 0, result.err
    doc = result.json()
    assert doc["kind"] == kind and doc["due"] == due
    assert doc["received"] == received[:10]


def test_late_evening_utc_in_summer_is_the_next_london_day(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    doc = spocmail("deadline", "--kind", "foi", "--received", "2026-05-12T23:30:00+00:00", "--json").json()
    assert doc["received"] == "2026-05-13"


def test_a_pause_that_ends_before_it_starts_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = spocmail("deadline", "--kind", "sar", "--received", "2026-10-02", "--pause", "2026-10-05",
                      "2026-10-01", "--json")
    assert result.code == 2 and "--pause" in result.err


NATIONS = ("england-and-wales", "scotland", "northern-ireland", "uk")

# Every example in DOMAIN.md "Working days and the statutory clock". None crosses a holiday of only
# one nation, so each is the same for every council, whatever its `[council] holidays`.
DOMAIN_EXAMPLES = [
    ("foi", "2026-01-14", [], "2026-02-11"),
    ("foi", "2026-08-28", [], "2026-09-28"),          # 31 Aug: not a Scottish holiday, but FOI is UK-wide
    ("eir-extended", "2026-01-14", [], "2026-03-11"),
    ("foi", "2026-10-02", ["2026-10-05", "2026-10-12"], "2026-11-09"),
    ("sar", "2026-08-31", [], "2026-09-30"),
    ("sar", "2026-01-30", [], "2026-03-02"),
    ("complaint", "2026-10-02", [], "2026-10-23"),
    ("foi", "2026-11-02", [], "2026-12-01"),          # St Andrew's Day stops every council's FOI clock
]


def council(tmp_path, holidays: str):
    cfg = tmp_path / f"{holidays}.toml"
    cfg.write_text(f'[council]\nholidays = "{holidays}"\n')
    return cfg


def deadline_json(cfg, kind, received, pauses=()):
    args = ["--config", cfg, "deadline", "--kind", kind, "--received", received, "--json"]
    if pauses:
        args += ["--pause", *pauses]
    result = spocmail(*args)
    assert result.code == 0, result.err
    return result.json()


@pytest.mark.parametrize("holidays", NATIONS)
@pytest.mark.parametrize("kind, received, pauses, due", DOMAIN_EXAMPLES)
def test_every_domain_example_for_a_council_of_every_nation(kind, received, pauses, due, holidays, tmp_path):
    doc = deadline_json(council(tmp_path, holidays), kind, received, pauses)
    assert doc["due"] == due
    assert doc["council_holidays"] == holidays
    # FOI and EIR count every nation's holidays; the rest count the council's own
    assert doc["calendar"] == ("uk" if kind in ("foi", "eir", "eir-extended") else holidays)


# Subject access moves off a non-working day by the council's own holidays; local targets count them.
@pytest.mark.parametrize("kind, received, due_by_nation", [
    # one month from Tue 17 Feb 2026 is Tue 17 Mar, St Patrick's Day (Northern Ireland)
    ("sar", "2026-02-17T10:00", {"england-and-wales": "2026-03-17", "scotland": "2026-03-17",
                                 "northern-ireland": "2026-03-18", "uk": "2026-03-18"}),
    # one month from Fri 30 Oct 2026 is Mon 30 Nov, St Andrew's Day (Scotland)
    ("sar", "2026-10-30T10:00", {"england-and-wales": "2026-11-30", "scotland": "2026-12-01",
                                 "northern-ireland": "2026-11-30", "uk": "2026-12-01"}),
    # 15 working days from Mon 9 Mar 2026 cross St Patrick's Day
    ("complaint", "2026-03-09T10:00", {"england-and-wales": "2026-03-30", "scotland": "2026-03-30",
                                       "northern-ireland": "2026-03-31", "uk": "2026-03-31"}),
])
@pytest.mark.parametrize("holidays", NATIONS)
def test_subject_access_and_local_targets_use_the_councils_own_nation(kind, received, due_by_nation, holidays,
                                                                     tmp_path):
    doc = deadline_json(council(tmp_path, holidays), kind, received)
    assert doc["due"] == due_by_nation[holidays]
    assert doc["calendar"] == holidays


@pytest.mark.parametrize("holidays", NATIONS)
def test_no_council_setting_narrows_the_foi_clock(holidays, tmp_path):
    # St Patrick's Day (Tue 17 Mar 2026) stops the FOI clock of an English or Scottish council too
    doc = deadline_json(council(tmp_path, holidays), "foi", "2026-03-02")
    assert doc["due"] == "2026-03-31" and doc["calendar"] == "uk"
    assert "2026-03-17" in [s["date"] for s in doc["skipped"]]


def test_the_report_says_statutory_deadline_or_local_target(tmp_path):
    cfg = council(tmp_path, "england-and-wales")
    assert deadline_json(cfg, "sar", "2026-02-17")["label"] == "statutory deadline"
    complaint = deadline_json(cfg, "complaint", "2026-02-17")
    assert complaint["label"] == "local target" and complaint["statutory"] is False
