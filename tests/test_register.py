"""The register file: imported idempotently, shown as JSON, and errors that name the entry and the field."""

from pathlib import Path

import pytest
from sqlalchemy import select

from spocmail.db.audit import AuditEntry
from tests.helpers import REPO, make_project


@pytest.fixture
def project(tmp_path, db_url):
    return make_project(tmp_path / "p", db_url)


def test_example_register_imports_and_shows_the_arrangement(project):
    doc = project.ok("register", "show", "jordan", "--json").json()
    assert doc["id"] == "jordan" and doc["spoc"] == "spoc-officer" and doc["deputy"] == "spoc-deputy"
    assert doc["members"] == ["cllr-smith"]
    assert doc["start"] == "2026-01-05" and doc["review"] == "2026-07-05" and doc["status"] == "active"
    assert doc["addresses"] == [{"email": "jordan@example.org", "status": "confirmed",
                                 "source": f"register {project.dir / 'register.toml'}"}]
    assert doc["weekly"] == {"day": "FRI", "time": "12:00"}
    assert doc["restrictions"]["issues_per_week"] == 10


def test_import_is_idempotent(project):
    again = project.ok("register", "import", project.dir / "register.toml", "--json").json()
    assert sum(again["created"].values()) == 0 and sum(again["updated"].values()) == 0
    assert again["unchanged"] == {"officer": 8, "member": 2, "customer": 1}


def test_changing_an_entry_updates_it_and_audits_the_change(project, db_url):
    reg = project.dir / "register.toml"
    reg.write_text(reg.read_text().replace("review = 2026-07-05", "review = 2026-10-05")
                   .replace('members = ["cllr-smith"]', 'members = ["cllr-smith", "cllr-khan"]'))
    result = project.ok("register", "import", reg, "--json").json()
    assert result["updated"]["customer"] == 1 and result["created"]["customer"] == 0
    doc = project.ok("register", "show", "jordan", "--json").json()
    assert doc["review"] == "2026-10-05" and doc["members"] == ["cllr-khan", "cllr-smith"]
    from spocmail.db import Database
    database = Database(db_url)
    with database.session() as s:
        actions = [a.action for a in s.scalars(select(AuditEntry).where(AuditEntry.subject_id == "jordan"))]
    database.dispose()
    assert actions == ["register.customer.created", "arrangement.started", "register.customer.updated"]


def test_whole_register_lists_officers_with_absences_and_cover(project):
    doc = project.ok("register", "show", "--json").json()
    planning = next(o for o in doc["officers"] if o["id"] == "planning")
    assert planning["cover"] == "planning-2"
    assert planning["absences"] == [{"from": "2026-12-21", "to": "2027-01-01", "reason": "annual leave"}]
    assert [c["id"] for c in doc["customers"]] == ["jordan"]


BAD = [
    ('[[customer]]\nid = "x"\nname = "X"\naddresses = ["x@example.org"]\nspoc = "a"\nstart = "2026-01-05"\n',
     "[[customer]] #1 (id 'x'): field 'start'", "a date such as 2026-01-05"),
    ('[[officer]]\nid = "a"\nname = "A"\nemail = "not-email"\n',
     "[[officer]] #1 (id 'a'): field 'email'", "an email address"),
    ('[[officer]]\nid = "a"\nname = "A"\nemail = "a@council.example"\nteam = "x"\n',
     "[[officer]] #1 (id 'a'): unknown field 'team'", "expected one of"),
    ('[[customer]]\nid = "x"\nname = "X"\naddresses = ["x@example.org"]\nspoc = "nobody"\nstart = 2026-01-05\n',
     "[[customer]] (id 'x'): field 'spoc' = 'nobody'", "the id of an officer"),
    ('[[customer]]\nid = "x"\nname = "X"\naddresses = []\nspoc = "a"\nstart = 2026-01-05\n',
     "field 'addresses'", "at least one email address"),
    ('[[customer]]\nid = "x"\nname = "X"\naddresses = ["x@example.org"]\nspoc = "a"\nstart = 2026-01-05\n'
     'weekly = { day = "FRIDAY" }\n', "field 'weekly'", "day MON..SUN"),
]


@pytest.mark.parametrize("text, where, expected", BAD)
def test_a_bad_register_entry_names_the_entry_and_the_field(project, text, where, expected):
    bad = project.dir / "bad.toml"
    bad.write_text(text)
    result = project.run("register", "import", bad)
    assert result.code == 2
    assert where in result.err and expected in result.err and str(bad) in result.err


def test_a_failed_import_changes_nothing(project):
    bad = project.dir / "bad.toml"
    bad.write_text((REPO / "examples/register.toml").read_text().replace('name = "Jordan Example"',
                   'name = "Jordan Renamed"').replace('members = ["cllr-smith"]', 'members = ["cllr-nobody"]'))
    assert project.run("register", "import", bad).code == 2
    assert project.ok("register", "show", "jordan", "--json").json()["name"] == "Jordan Example"


def test_unknown_customer_is_a_clear_error(project):
    result = project.run("register", "show", "nobody", "--json")
    assert result.code == 2 and "no customer 'nobody'" in result.err
