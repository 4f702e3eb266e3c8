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


def test_the_council_can_narrow_the_holidays_to_its_own_nation(tmp_path):
    cfg = tmp_path / "config.toml"
    # St Patrick's Day (Tue 17 Mar 2026) stops the UK-wide clock but not England and Wales's
    cfg.write_text('[council]\nholidays = "england-and-wales"\n')
    narrowed = spocmail("--config", cfg, "deadline", "--kind", "foi", "--received", "2026-03-02", "--json")
    cfg.write_text('[council]\nholidays = "uk"\n')
    uk = spocmail("--config", cfg, "deadline", "--kind", "foi", "--received", "2026-03-02", "--json")
    assert narrowed.json()["due"] == "2026-03-30" and uk.json()["due"] == "2026-03-31"
