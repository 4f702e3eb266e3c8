"""The council's data has one home: rules and templates are found through one loader, the council's copy first,
and every rules file is checked when spocmail starts, so a bad one stops it (exit 2) before it touches mail."""

import re
import shutil
import subprocess
import sys
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest

from spocmail import config, resources, ruleset
from spocmail.rules import load_answers
from spocmail.clock import LONDON
from spocmail.intake.maildir import deliver
from tests.helpers import REPO, make_project, spocmail

ARRIVED = datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)


def customer_mail() -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "Jordan Example <jordan@example.org>", "spoc@council.example", "Bins"
    msg["Date"], msg["Message-ID"] = format_datetime(ARRIVED), "<bins-1@example.org>"
    msg.set_content("My green bin was missed again on Friday, please collect it.")
    return bytes(msg)


def council(tmp_path: Path, *copied: str, templates: bool = False):
    """A project whose config reads the council's own rules folder (holding copies of COPIED)."""
    own = tmp_path / "site" / "rules"
    own.mkdir(parents=True)
    for name in copied:
        shutil.copy(REPO / "rules" / name, own / name)
    extra = '[rules]\ndir = "rules"\n'
    if templates:
        (tmp_path / "site" / "templates").mkdir()
        extra += '[templates]\ndir = "templates"\n'
    return make_project(tmp_path / "site", f"sqlite:///{tmp_path / 'site' / 'spocmail.db'}", extra=extra)


# --------------------------------------------------------------------------- what is shipped


def test_every_shipped_rules_file_has_a_check_that_runs_at_start():
    shipped = {p.name for p in (REPO / "rules").glob("*.toml")}
    assert set(resources.packaged_rule_names()) == shipped
    assert set(ruleset.LOADERS) == shipped
    assert ruleset.check(config.Config()) == {name: REPO / "rules" / name for name in shipped}


def test_in_a_checkout_the_packaged_copies_are_the_top_level_folders():
    assert resources.packaged("rules") == REPO / "rules"
    assert resources.packaged("templates") == REPO / "templates"
    assert resources.packaged("examples/register.toml").is_file()
    assert resources.packaged("config.example.toml").is_file()


# --------------------------------------------------------------------------- a broken rules file

# Each shipped file, broken as a council might break it, and what the message must name.
BROKEN = {
    "classify.toml": (lambda t: t + '\n[[rule]]\nid = "parking"\ncategory = "parking-fines"\nweight = 5\n'
                                    'description = "x"\nphrases = ["parking"]\n',
                      "field 'category' = 'parking-fines'"),
    "route.toml": (lambda t: t + '\n[[rule]]\nid = "parking"\ndescription = "x"\nreason = "x"\n'
                                 'phrases = ["parking"]\nrole = "parking-team"\n',
                   "field 'role' = 'parking-team'"),
    "identify.toml": (lambda t: re.sub(r"(?m)^phone = [0-9.]+", "phone = 2.0", t), "[weights] phone = 2.0"),
    "deadlines.toml": (lambda t: re.sub(r"(?m)^count = 20\b", 'count = "twenty"', t, count=1),
                       "count = 'twenty'"),
    "answers.toml": (lambda t: t.replace("[decline]\nphrases = [", '[decline]\nphrases = [\n  "(not for me",', 1),
                     "[decline] phrases #1 = '(not for me'"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_rules_file_stops_each_command_with_exit_2_naming_the_file_and_the_key(tmp_path, name):
    project = council(tmp_path, name)
    path = project.dir / "rules" / name
    breaks, named = BROKEN[name]
    broken = breaks(path.read_text(encoding="utf-8"))
    assert broken != path.read_text(encoding="utf-8"), "the breakage no longer applies to the shipped file"
    path.write_text(broken, encoding="utf-8")
    deliver(project.maildir, customer_mail(), when=ARRIVED)
    eml = tmp_path / "mail.eml"
    eml.write_bytes(customer_mail())
    for args in (("poll", "--once", "--now", "2026-11-23T09:05"), ("jobs", "run-due", "--now",
                 "2026-11-27T12:00"), ("identify", eml, "--json"), ("weekly", "preview", "jordan", "--json"),
                 ("deadline", "--kind", "foi", "--received", "2026-08-28T10:00", "--json")):
        result = project.run(*args)
        assert result.code == 2, (args, result.err)
        assert str(path.resolve()) in result.err and named in result.err and "expected" in result.err, result.err
    # the daemon too, in its own process (were it to start, the timeout would end the test, not hang it)
    daemon = subprocess.run([sys.executable, "-m", "spocmail", "--config", str(project.config), "run"],
                            capture_output=True, text=True, timeout=60)
    assert daemon.returncode == 2 and named in daemon.stderr, daemon.stderr
    # nothing was fetched: the mail waits in the Maildir for a fixed file, not set aside as failed
    assert len(list((project.maildir / "new").iterdir())) == 1
    shutil.copy(REPO / "rules" / name, path)
    assert project.ok("poll", "--once", "--json", "--now", "2026-11-23T09:05").json()["filed"] == 1


def test_a_misspelt_file_in_the_councils_rules_folder_is_refused(tmp_path):
    project = council(tmp_path)
    (project.dir / "rules" / "clasify.toml").write_text((REPO / "rules/classify.toml").read_text())
    result = project.run("poll", "--once")
    assert result.code == 2
    assert "clasify.toml: not a rules file spocmail reads" in result.err and "classify.toml" in result.err


@pytest.mark.parametrize("section", ["rules", "templates"])
def test_a_council_folder_that_does_not_exist_is_a_config_error_naming_the_key(tmp_path, section):
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[{section}]\ndir = "my-{section}"\n', encoding="utf-8")
    result = spocmail("--config", cfg, "deadline", "--kind", "foi", "--received", "2026-08-28T10:00")
    assert result.code == 2
    assert f"[{section}] dir = 'my-{section}': no such folder" in result.err and "spocmail init" in result.err


def test_a_broken_council_template_stops_at_start_naming_the_file_and_the_line(tmp_path):
    project = council(tmp_path, templates=True)
    (project.dir / "templates" / "weekly.txt.j2").write_text("Dear {{ customer.name }},\n{% if %}\n")
    result = project.run("poll", "--once")
    assert result.code == 2
    assert f"{project.dir / 'templates' / 'weekly.txt.j2'} line 2: template syntax" in result.err


# --------------------------------------------------------------------------- the council's copy is what is read


def test_the_councils_deadlines_file_decides_the_due_date(tmp_path):
    project = council(tmp_path, "deadlines.toml")
    path = project.dir / "rules" / "deadlines.toml"
    text = path.read_text(encoding="utf-8")
    complaint = text.index("[kinds.complaint]")
    path.write_text(text[:complaint] + re.sub(r"count = \d+", "count = 10", text[complaint:], count=1))
    args = ("deadline", "--kind", "complaint", "--received", "2026-10-02T10:00", "--json")
    assert project.ok(*args).json()["due"] == "2026-10-16"  # 10 working days after Fri 2 Oct
    assert spocmail(*args).json()["due"] != "2026-10-16"  # without the config: the shipped timescale
    # and a run leaves nothing behind in the process: the next one reads the shipped rules again
    assert resources.rules_file("deadlines.toml") == REPO / "rules" / "deadlines.toml"


def test_the_councils_decline_phrases_are_the_ones_a_reply_is_read_with(tmp_path):
    own = tmp_path / "rules"
    own.mkdir()
    (own / "answers.toml").write_text('[decline]\nphrases = ["\\\\bask (?:someone|somebody) else\\\\b"]\n')
    cfg = tmp_path / "config.toml"
    cfg.write_text('[rules]\ndir = "rules"\n', encoding="utf-8")
    resources.use_config(config.load(cfg))
    try:
        assert any(p.search("Please ask someone else, thanks") for p in load_answers().decline)
        assert not any(p.search("not my area") for p in load_answers().decline)
    finally:
        resources.use(None)
    assert any(p.search("not my area") for p in load_answers().decline)


def test_a_file_the_council_did_not_copy_is_read_from_the_package(tmp_path):
    project = council(tmp_path, "deadlines.toml")
    cfg = config.load(project.config)
    files = resources.rule_files(cfg)
    assert files["deadlines.toml"] == project.dir.resolve() / "rules" / "deadlines.toml"
    assert files["classify.toml"] == REPO / "rules" / "classify.toml"
    assert resources.template_dirs(cfg) == (REPO / "templates",)
    deliver(project.maildir, customer_mail(), when=ARRIVED)
    assert project.ok("poll", "--once", "--json", "--now", "2026-11-23T09:05").json()["filed"] == 1


def test_a_council_template_replaces_only_itself(tmp_path):
    project = council(tmp_path, templates=True)
    own = project.dir / "templates" / "officer_request.txt.j2"
    own.write_text("THE COUNCIL'S OWN REQUEST WORDING\n" + (REPO / "templates/officer_request.txt.j2").read_text())
    deliver(project.maildir, customer_mail(), when=ARRIVED)
    assert project.ok("poll", "--once", "--json", "--now", "2026-11-23T09:05").json()["filed"] == 1
    [request] = [p.read_text() for p in (project.dir / "outbox").glob("*.eml")
                 if "dee.walker@council.example" in p.read_text()]
    assert "THE COUNCIL'S OWN REQUEST WORDING" in request
    preview = project.ok("weekly", "preview", "jordan", "--json", "--now", "2026-11-27T11:00").json()
    assert "THE COUNCIL'S OWN" not in preview["body_text"] and "SPOC-2026-0001" in preview["body_text"]
