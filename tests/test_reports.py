"""The evidence, from a realistic stretch of an arrangement built through the CLI: contact by week (JSON,
CSV, chart) and the anonymous annual figures, their numbers checked exactly."""

from __future__ import annotations

import csv
import io

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


def test_review_pack_is_printable_html_with_the_chart_timescales_and_restrictions(data, tmp_path):
    p, _ = data
    out = tmp_path / "pack" / "jordan.html"
    doc = p.ok("report", "review", "jordan", "--out", out, "--json", "--now", "2026-12-02T10:00").json()
    page = out.read_text()
    assert doc["bytes"] == len(page.encode()) and "@media print" in page and "@page" in page
    assert "<svg" in page and "2026-W47" in page  # the contact chart, embedded
    assert "7 contacts over 4 weeks; 5 new issues; 2 repeats" in " ".join(page.split())
    # each issue against its timescale: statutory for FOI and SAR, local targets for the rest
    assert "statutory deadline: 20 working days (FOI Act 2000 s.10(1))" in page
    assert "local target: 15 working days" in page and "local target: 10 working days" in page
    foi_row = page[page.index("<td>SPOC-2026-0001</td>"):].split("</tr>")[0]
    assert "Fri 6 Nov 2026" in foi_row and "on time" in foi_row and "<td class=n>4</td>" in foi_row
    complaint_row = page[page.index("<td>SPOC-2026-0005</td>"):].split("</tr>")[0]
    assert "Tue 1 Dec 2026" in complaint_row and "overdue" in complaint_row
    restrictions = page[page.index("3. Restrictions"):page.index("4. The arrangement")]
    assert "<td>issues_per_week</td><td class=n>2</td><td>Mon 5 Jan 2026, Mon 16 Nov 2026</td>" in restrictions
    assert "The council spent 1.2 million pounds" in page  # how it was answered
    assert "unfair" not in page  # the appeal's reasons stay out of the pack (need to know)
    bad = p.run("report", "review", "jordan", "--out", tmp_path / "x.pdf", "--json")
    assert bad.code == 2 and "--out" in bad.json()["error"]
    assert p.run("report", "review", "nobody", "--out", tmp_path / "n.html", "--json").code == 2


def test_a_channel_header_in_a_mail_from_outside_is_not_believed(data):
    from tests.evidence_data import JORDAN, mail
    from tests.helpers import deliver

    p, _ = data
    forged = mail(JORDAN, "Phone call", "When is the next planning committee meeting about the depot?",
                  "Tue, 24 Nov 2026 08:00:00 +0000", "forged@example.org").replace(
        b"Subject:", b"X-Spocmail-Channel: phone\r\nSubject:", 1)
    deliver(p.maildir, forged)
    p.ok("poll", "--once", "--now", "2026-11-24T09:00")
    weeks = p.ok("report", "contact", "jordan", "--breakdown", "--json", "--now", NOW).json()
    assert weeks[-1]["week"] == "2026-W48" and weeks[-1]["by_channel"] == {"email": 2}
