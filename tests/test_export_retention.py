"""Personal data, through the CLI on SQLite and PostgreSQL: the subject access export, corrections, and
retention, after which nothing personal about the customer is left in the database or the storage folders,
the annual figures are unchanged, the audit log still verifies and other customers are untouched."""

from __future__ import annotations

import json
import zipfile

import pytest
from sqlalchemy import JSON, LargeBinary, String, Text, create_engine, select

from spocmail.db import Base

from tests.evidence_data import JORDAN_TEXTS, SECRET_WORD, build, lifecycle

ENDED = "2026-11-27T10:00:00+00:00"
BEFORE_EXPIRY = "2027-05-26T10:00"  # six months after the end is 27 May 2027
AFTER_EXPIRY = "2027-05-28T10:00"
JORDAN_PERSONAL = ["Jordan Example", "jordan@example.org", "01234 567890", "07700 900123", "1 High Street",
                   SECRET_WORD, JORDAN_TEXTS["foi"][30:70], JORDAN_TEXTS["complaint"][10:60],
                   "1.2 million pounds", "Jordan Example says it is unfair", "contact back to normal"]
RILEY_PERSONAL = ["Riley Sample", "riley@example.net", "4 Mill Lane"]


@pytest.fixture
def ended(tmp_path, db_url):
    p = build(tmp_path, db_url)
    p.ok("correct", "jordan", "--issue", "SPOC-2026-0003", "--text", "The committee date we gave was wrong: it "
         "is 9 December.", "--now", "2026-11-25T10:00")
    lifecycle(db_url, [(ENDED, "jordan", "arrangement.ended", {"reason": "contact back to normal"})])
    return p, db_url


def found_in_database(db_url: str, needles: list[str]) -> list[str]:
    """Every text, JSON and binary column of every table, searched for each needle."""
    engine = create_engine(db_url)
    hits = []
    try:
        with engine.connect() as conn:
            for table in Base.metadata.sorted_tables:
                cols = [c for c in table.columns if isinstance(c.type, (String, Text, JSON, LargeBinary))
                        or type(c.type).__name__ in ("JSON",)]
                if not cols:
                    continue
                for row in conn.execute(select(*cols)):
                    for col, value in zip(cols, row):
                        if value is None:
                            continue
                        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else \
                            value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                        hits += [f"{table.name}.{col.name}: {n}" for n in needles if n.lower() in text.lower()]
    finally:
        engine.dispose()
    return hits


def found_in_files(root, needles: list[str]) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and not path.name.startswith("spocmail.db") and path.suffix not in (".sqlite", ".db") \
                and path.name != "register.toml":
            text = path.read_bytes().decode("utf-8", "replace").lower()
            hits += [f"{path.relative_to(root)}: {n}" for n in needles if n.lower() in text]
    return hits


def test_export_holds_everything_about_the_customer_with_an_index(ended, tmp_path):
    p, _ = ended
    out = tmp_path / "sar" / "jordan.zip"
    doc = p.ok("export", "jordan", "--out", out, "--json", "--now", "2026-11-30T10:00").json()
    assert doc["issues"] == 5 and doc["corrections"] == 1
    z = zipfile.ZipFile(out)
    names = z.namelist()
    assert names[:2] == ["index.html", "index.json"]
    index = json.loads(z.read("index.json"))
    assert set(index["files"]) == set(names) - {"index.json", "index.html"}
    assert index["counts"]["mails"] == doc["mails"] == len([n for n in names if n.startswith("mail/")])
    # the raw mail, byte for byte: Jordan's own words, the forward, what the council sent them
    raw = b"".join(z.read(n) for n in names if n.startswith("mail/"))
    assert SECRET_WORD.encode() in raw and b"Sent: 04 November 2026 07:30" in raw
    assert b"1.2 million pounds" in raw
    issues = json.loads(z.read("issues.json"))
    assert [i["category"] for i in issues] == ["foi", "sar", "general-enquiry", "service-request", "complaint"]
    assert issues[0]["answers"][0]["text"] == "The council spent 1.2 million pounds on agency staff in 2025."
    register = json.loads(z.read("register.json"))
    assert register["name"] == "Jordan Example" and register["arrangement"]["spoc"] == "spoc-officer"
    audit = json.loads(z.read("audit.json"))
    assert {"issue.filed", "arrangement.started", "appeal.recorded", "outbox.sent"} <= {e["action"] for e in audit}
    appeal = next(e for e in audit if e["action"] == "appeal.recorded")
    assert appeal["detail"]["reason"] == "Jordan Example says it is unfair"  # the personal part, put back
    [correction] = json.loads(z.read("corrections.json"))
    assert correction["subject_id"] == "SPOC-2026-0003" and "9 December" in correction["detail"]["text"]
    html = z.read("index.html").decode()
    assert "Jordan Example" in html and "9 December" in html and "SPOC-2026-0005" in html
    # nothing of Riley's
    assert not any(n.lower().encode() in raw.lower() for n in RILEY_PERSONAL)
    assert p.ok("audit", "verify", "--json").json()["ok"]
    assert p.run("export", "nobody", "--out", tmp_path / "x.zip", "--json").code == 2


def test_a_correction_is_appended_not_written_over(ended):
    p, _ = ended
    shown = p.ok("audit", "show", "--customer", "jordan", "--json").json()
    assert [e["detail"]["text"] for e in shown if e["action"] == "record.corrected"] == [
        "The committee date we gave was wrong: it is 9 December."]
    issue = p.ok("issues", "show", "SPOC-2026-0003", "--json").json()
    assert issue["title"].startswith("When will the planning committee")  # the record itself is as it was
    assert [c["text"] for c in issue["corrections"]] == ["The committee date we gave was wrong: it is 9 December."]
    assert "CORRECTION" in p.ok("issues", "show", "SPOC-2026-0003").out
    assert p.ok("issues", "show", "SPOC-2026-0001", "--json").json()["corrections"] == []
    empty = p.run("correct", "jordan", "--text", "  ", "--json")
    assert empty.code == 2 and "--text" in empty.json()["error"]
    bad = p.run("correct", "jordan", "--issue", "SPOC-2026-0006", "--text", "x", "--json")
    assert bad.code == 2 and "SPOC-2026-0006" in bad.json()["error"]  # Riley's issue, not Jordan's


def test_retention_deletes_everything_personal_and_keeps_the_counts(ended):
    p, db_url = ended
    annual = p.ok("report", "annual", "--year", "2026", "--json", "--now", AFTER_EXPIRY).json()
    riley_before = p.ok("issues", "list", "--customer", "riley", "--json").json()
    assert found_in_database(db_url, JORDAN_PERSONAL) and found_in_files(p.dir, JORDAN_PERSONAL[:6])

    # not yet: six months after the end have not passed
    early = p.ok("retention", "run", "--json", "--now", BEFORE_EXPIRY).json()
    assert early["deleted"] == {} and early["customers"] == []
    # a dry run says what would go, and deletes nothing
    dry = p.ok("retention", "run", "--dry-run", "--json", "--now", AFTER_EXPIRY).json()
    assert dry["dry_run"] and dry["deleted"]["customers"] == 1 and dry["deleted"]["issues"] == 5
    assert len(p.ok("issues", "list", "--customer", "jordan", "--json").json()) == 5
    assert found_in_database(db_url, ["Jordan Example"])

    done = p.ok("retention", "run", "--json", "--now", AFTER_EXPIRY).json()
    assert done["deleted"] == dry["deleted"]
    assert done["deleted"]["issues"] == 5 and done["deleted"]["customers"] == 1
    assert done["deleted"]["mails"] > 10 and done["deleted"]["mail_files"] > 10
    assert done["customers"] == [{"customer": "jordan", "ended": ENDED, "issues": 5, "whole_record": True}]

    assert found_in_database(db_url, JORDAN_PERSONAL) == []
    assert found_in_files(p.dir, JORDAN_PERSONAL) == []
    assert p.ok("report", "annual", "--year", "2026", "--json", "--now", AFTER_EXPIRY).json() == annual
    verify = p.ok("audit", "verify", "--json").json()
    assert verify["ok"] and verify["problems"] == []
    # Riley is untouched, down to their mail
    assert p.ok("issues", "list", "--customer", "riley", "--json").json() == riley_before
    assert len(found_in_database(db_url, RILEY_PERSONAL)) >= 3
    assert p.run("register", "show", "jordan", "--json").code == 2
    # the run is on record, and running again finds nothing more
    shown = p.ok("audit", "show", "--json").json()
    erased = [e for e in shown if e["action"] == "retention.erased"]
    assert len(erased) == 1 and erased[0]["detail"]["deleted"] == done["deleted"]
    assert p.ok("retention", "run", "--json", "--now", "2027-06-30T10:00").json()["deleted"] == {}


def test_a_complaint_is_kept_for_its_own_time(ended):
    p, db_url = ended
    cfg = p.config.read_text() + "[retention]\ndefault_months = 6\ncomplaint_months = 72\n"
    p.config.write_text(cfg)
    done = p.ok("retention", "run", "--json", "--now", AFTER_EXPIRY).json()
    assert done["customers"] == [{"customer": "jordan", "ended": ENDED, "issues": 4, "whole_record": False}]
    left = p.ok("issues", "list", "--customer", "jordan", "--json").json()
    assert [i["category"] for i in left] == ["complaint"]
    assert found_in_database(db_url, [SECRET_WORD, "1.2 million pounds"]) == []  # the FOI's mail went
    assert found_in_database(db_url, [JORDAN_TEXTS["complaint"][10:60]])  # the complaint's stayed
    assert p.ok("audit", "verify", "--json").json()["ok"]
    # six years on, the rest goes
    later = p.ok("retention", "run", "--json", "--now", "2032-11-28T10:00").json()
    assert later["deleted"]["issues"] == 1 and later["deleted"]["customers"] == 1
    assert found_in_database(db_url, JORDAN_PERSONAL) == []
    assert p.ok("audit", "verify", "--json").json()["ok"]


def test_retention_runs_daily_from_jobs_run_due(ended):
    p, db_url = ended
    done = p.ok("jobs", "run-due", "--json", "--now", AFTER_EXPIRY).json()
    assert done["retention"]["customers"] == 1
    assert p.ok("jobs", "run-due", "--json", "--now", "2027-05-28T11:00").json()["retention"] == {}
    assert found_in_database(db_url, JORDAN_PERSONAL) == []


@pytest.mark.parametrize("text, key", [
    ("default_months = 0", "default_months"), ("complaint_months = \"six\"", "complaint_months"),
    ("forever_months = 3", "forever_months")])
def test_bad_retention_config_names_file_and_key(ended, text, key):
    p, _ = ended
    p.config.write_text(p.config.read_text() + f"[retention]\n{text}\n")
    bad = p.run("retention", "run", "--json", "--now", AFTER_EXPIRY)
    assert bad.code == 2 and "config.toml" in bad.json()["error"] and f"[retention] {key}" in bad.json()["error"]


def test_an_arrangement_reinstated_after_its_end_is_not_deleted(ended):
    p, db_url = ended
    lifecycle(db_url, [("2026-12-10T10:00:00+00:00", "jordan", "arrangement.reinstated", {})])
    done = p.ok("retention", "run", "--json", "--now", AFTER_EXPIRY).json()
    assert done["deleted"] == {} and done["customers"] == []
    assert len(p.ok("issues", "list", "--customer", "jordan", "--json").json()) == 5
    # ended again later: the six months run from the latest end
    lifecycle(db_url, [("2027-01-15T10:00:00+00:00", "jordan", "arrangement.ended", {})])
    assert p.ok("retention", "run", "--json", "--now", "2027-07-14T10:00").json()["customers"] == []
    assert p.ok("retention", "run", "--json", "--now", "2027-07-15T12:00").json()["deleted"]["customers"] == 1


def test_months_are_calendar_months_ending_on_the_months_last_day():
    from datetime import datetime, timezone

    from spocmail.retention import add_months

    utc = timezone.utc
    assert add_months(datetime(2026, 8, 31, 9, tzinfo=utc), 6) == datetime(2027, 2, 28, 9, tzinfo=utc)
    assert add_months(datetime(2026, 11, 27, tzinfo=utc), 72) == datetime(2032, 11, 27, tzinfo=utc)
