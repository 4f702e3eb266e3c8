"""The evidence, from a realistic stretch of an arrangement built through the CLI: contact by week (JSON,
CSV, chart) and the anonymous annual figures, their numbers checked exactly."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.evidence_data import build

NOW = "2026-12-01T10:00"


@pytest.fixture
def data(tmp_path, db_url):
    return build(tmp_path, db_url), db_url


def test_contact_report_counts_each_week_and_keeps_the_contract_keys(data):
    p, _ = data
    weeks = p.ok("report", "contact", "jordan", "--json", "--now", NOW).json()
    assert weeks == [{"week": "2026-W45", "mails": 4, "new_issues": 4, "repeats": 0},
                     {"week": "2026-W46", "mails": 2, "new_issues": 1, "repeats": 1},
                     {"week": "2026-W48", "mails": 1, "new_issues": 0, "repeats": 1}]
    since = p.ok("report", "contact", "jordan", "--since", "2026-11-09", "--json", "--now", NOW).json()
    assert [w["week"] for w in since] == ["2026-W46", "2026-W48"]
    # as the record stood before the complaint came in
    before = p.ok("report", "contact", "jordan", "--json", "--now", "2026-11-06T12:00").json()
    assert before == [{"week": "2026-W45", "mails": 4, "new_issues": 4, "repeats": 0}]


def test_contact_report_by_channel_and_first_contact_as_json_csv_and_chart(data, tmp_path):
    p, _ = data
    out_csv, png, svg = tmp_path / "c.csv", tmp_path / "c.png", tmp_path / "c.svg"
    weeks = p.ok("report", "contact", "jordan", "--breakdown", "--csv", out_csv, "--chart", png, "--json",
                 "--now", NOW).json()
    assert weeks[0]["by_channel"] == {"email": 3, "email via officer": 1}
    assert weeks[0]["by_first_contact"] == {"planning": 1, "spoc": 3}
    assert weeks[1]["by_channel"] == {"email": 2} and weeks[2]["by_first_contact"] == {"spoc": 1}
    rows = list(csv.DictReader(io.StringIO(out_csv.read_text())))
    assert [r["week"] for r in rows] == ["2026-W45", "2026-W46", "2026-W48"]
    assert rows[0] == {"week": "2026-W45", "mails": "4", "new_issues": "4", "repeats": "0", "channel:email": "3",
                       "channel:email via officer": "1", "first_contact:planning": "1", "first_contact:spoc": "3"}
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    p.ok("report", "contact", "jordan", "--chart", svg, "--now", NOW)
    assert b"<svg" in svg.read_bytes()[:500] and b"2026-W47" in svg.read_bytes()  # a quiet week is shown
    bad = p.run("report", "contact", "jordan", "--chart", tmp_path / "c.gif", "--json", "--now", NOW)
    assert bad.code == 2 and "--chart" in bad.json()["error"] and ".png or .svg" in bad.json()["error"]


def test_annual_report_counts_the_year_and_publishes_timeliness(data):
    p, _ = data
    doc = p.ok("report", "annual", "--year", "2026", "--json", "--now", NOW).json()
    assert {k: doc[k] for k in ("arrangements_started", "reviewed", "ended", "appeals", "restrictions")} == {
        "arrangements_started": 2, "reviewed": 2, "ended": 0, "appeals": 1,
        "restrictions": {"issues_per_week": 2, "subjects_closed": 1}}  # the 2025 restriction is not this year's
    perf = doc["performance"]
    assert perf["foi"] == {"due": 1, "on_time": 1, "late": 0, "pending": 0, "on_time_share": 1.0}
    assert perf["sar"] == {"due": 1, "on_time": 1, "late": 0, "pending": 0, "on_time_share": 1.0}
    assert perf["eir"] == {"due": 0, "on_time": 0, "late": 0, "pending": 0, "on_time_share": None}
    # the complaint is due Tue 1 Dec (15 working days from 9 Nov): still to come on the day, late after it
    assert perf["complaint"] == {"due": 1, "on_time": 0, "late": 0, "pending": 1, "on_time_share": None}
    later = p.ok("report", "annual", "--year", "2026", "--json", "--now", "2026-12-02T10:00").json()
    assert later["performance"]["complaint"] == {"due": 1, "on_time": 0, "late": 1, "pending": 0,
                                                 "on_time_share": 0.0}
    assert p.ok("report", "annual", "--year", "2025", "--json", "--now", NOW).json()["restrictions"] == {
        "outside_year": 1}


def test_annual_report_holds_no_personal_data(data):
    p, _ = data
    text = p.ok("report", "annual", "--year", "2026", "--json", "--now", NOW).out.lower()
    for personal in ("jordan", "riley", "example", "@", "spoc-2026", "high street", "01234", "quillfeather"):
        assert personal not in text
    bad = p.run("report", "annual", "--year", "26", "--json")
    assert bad.code == 2 and "--year" in bad.json()["error"]
