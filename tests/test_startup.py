"""Start-up (issue 14): `issues list` loads no mail parser, rules code or templating, yet a bad rules file still stops it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers import PROJECT_NOW, REPO, make_project

# Run `issues list --json` in a fresh interpreter and report the modules it loaded.
PROBE = """
import json, sys
from spocmail.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"exit": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""

HEAVY = ("spocmail.mail", "spocmail.mail.parse", "spocmail.rules", "spocmail.split", "spocmail.deadlines",
         "spocmail.templating", "jinja2", "mailparser", "imapclient", "aiosmtplib", "apscheduler", "holidays",
         # the list is one Core query: no ORM, no models, no Alembic, no PostgreSQL driver on SQLite
         "sqlalchemy.orm", "spocmail.db.base", "spocmail.db.issues", "spocmail.filing", "alembic", "psycopg")


def _probe(project, cache: Path) -> tuple[int, set[str], str]:
    env = dict(os.environ, SPOCMAIL_CHECK_CACHE=str(cache))
    proc = subprocess.run([sys.executable, "-c", PROBE, "--config", str(project.config), "--now", PROJECT_NOW,
                           "issues", "list", "--json"], capture_output=True, text=True, env=env, timeout=120)
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    return report["exit"], set(report["modules"]), proc.stderr


def test_issues_list_starts_without_the_intake_code_and_still_refuses_a_bad_rules_file(tmp_path):
    site = tmp_path / "site"
    (site / "rules").mkdir(parents=True)
    shutil.copy(REPO / "rules" / "classify.toml", site / "rules" / "classify.toml")
    project = make_project(site, f"sqlite:///{site / 'spocmail.db'}", extra='[rules]\ndir = "rules"\n')
    cache = tmp_path / "checked"
    assert _probe(project, cache)[0] in (0, None)  # the first start checks every file and remembers them
    code, modules, err = _probe(project, cache)
    assert code in (0, None), err
    assert not [m for m in HEAVY if m in modules], [m for m in HEAVY if m in modules]
    # a rules file broken since: the read path still validates it and exits 2 naming the file and the key
    bad = site / "rules" / "classify.toml"
    bad.write_text(bad.read_text(encoding="utf-8") + '\n[[rule]]\nid = "parking"\ncategory = "parking-fines"\n'
                   'weight = 5\n', encoding="utf-8")
    for cache_state in (cache, tmp_path / "cold"):
        code, _, err = _probe(project, cache_state)
        assert code == 2, err
        assert str(bad.resolve()) in err and "expected" in err, err


def test_the_listed_columns_are_the_issue_models_own():
    # issues list reads through a Core table of its own; it must name and type the columns as the model does
    from spocmail.db.issues import Issue
    from spocmail.issuelist import ISSUES

    model = Issue.__table__.c
    for col in ISSUES.c:
        assert col.name in model, col.name
        assert type(col.type)._type_affinity is type(model[col.name].type)._type_affinity, col.name
        assert type(col.type).__name__ == type(model[col.name].type).__name__, col.name
