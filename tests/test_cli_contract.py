"""The CLI contract (CONTRACT.md "Conventions") checked across commands: exit codes, JSON errors, --now.

With --json, every error (click's usage errors included) prints exactly one {"error", "exit"} document
on stdout and the message on stderr. Naming a customer, issue, message or officer that does not exist is
a usage error (exit 2) in every command. Every command that decides by the clock takes --now.
"""

from __future__ import annotations

import email
import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from email import policy

import click
import pytest

from spocmail.cli import cli
from spocmail.clock import LONDON
from spocmail.intake.maildir import deliver
from tests.helpers import make_project, spocmail
from tests.test_intake_imap import PASSWORD_ENV
from tests.test_officers_e2e import project_for

STRANGER = ("From: Someone <someone@elsewhere.example>\r\nTo: spoc@council.example\r\nSubject: Hello\r\n"
            "Date: Mon, 23 Nov 2026 08:01:00 +0000\r\nMessage-ID: <stranger@elsewhere.example>\r\n\r\n"
            "Who do I talk to about the allotments?\r\n").encode()
ASKED = ("From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\nSubject: Committee\r\n"
         "Date: Mon, 23 Nov 2026 08:00:00 +0000\r\nMessage-ID: <contract@example.org>\r\n\r\n"
         "When will the planning committee decide application 26/0123/FUL?\r\n").encode()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def p(request, tmp_path_factory):
    """One customer mail filed and routed, on each database; the cases below only read."""
    root = tmp_path_factory.mktemp(f"contract-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{root}/spocmail.db"
    else:
        server = request.getfixturevalue("postgres_server")
        name = server.create_database()
        request.addfinalizer(lambda: server.drop_database(name))
        url = server.url_for(name)
    project = make_project(root / "p", url)
    deliver(project.maildir, ASKED, when=datetime(2026, 11, 23, 8, 0, tzinfo=LONDON))
    deliver(project.maildir, STRANGER, when=datetime(2026, 11, 23, 8, 1, tzinfo=LONDON))
    project.ok("poll", "--once", "--now", "2026-11-23T08:05")
    [issue] = project.ok("issues", "list", "--json").json()
    [waiting] = project.ok("triage", "--json").json()
    project.ref, project.mail = issue["ref"], str(waiting["message"])  # a mail that waits for the SPOC
    return project


NOBODY, NO_ISSUE, NO_MAIL = "nobody", "SPOC-2099-0999", 999999
NOW = ("--now", "2026-11-24T09:00")

# (what is missing, the command naming it); {ref} is an issue that exists, {mail} a mail waiting in triage
NOT_FOUND = [
    ("customer", ["register", "show", NOBODY]),
    ("customer", ["issues", "list", "--customer", NOBODY]),
    ("customer", ["weekly", "preview", NOBODY, *NOW]),
    ("customer", ["weekly", "send", NOBODY, *NOW]),
    ("customer", ["weekly", "send", NOBODY, "--approve", *NOW]),
    ("customer", ["report", "contact", NOBODY, *NOW]),
    ("customer", ["triage", "assign", "{mail}", NOBODY, *NOW]),
    ("customer", ["address", "confirm", NOBODY, "someone@example.org", *NOW]),
    ("customer", ["address", "reject", NOBODY, "someone@example.org", *NOW]),
    ("issue", ["issues", "show", NO_ISSUE]),
    ("issue", ["issues", "approve", NO_ISSUE, *NOW]),
    ("issue", ["issues", "close", NO_ISSUE, *NOW]),
    ("issue", ["issues", "answer", NO_ISSUE, "--text", "An answer.", *NOW]),
    ("issue", ["issues", "categorise", NO_ISSUE, "--category", "foi", *NOW]),
    ("issue", ["issues", "assign", NO_ISSUE, "--officer", "planning", *NOW]),
    ("issue", ["issues", "split", NO_ISSUE, "--part", "one", "--part", "two", *NOW]),
    ("issue", ["issues", "merge", NO_ISSUE, "--into", "{ref}", *NOW]),
    ("issue", ["issues", "merge", "{ref}", "--into", NO_ISSUE, *NOW]),
    ("issue", ["issues", "send", NO_ISSUE, *NOW]),
    ("officer", ["issues", "assign", "{ref}", "--officer", NOBODY, *NOW]),
    ("mail", ["triage", "assign", str(NO_MAIL), "jordan", *NOW]),
    ("mail", ["quarantine", "retry", str(NO_MAIL), *NOW]),
    ("mail", ["outbox", "release", str(NO_MAIL), "--as", "sent", *NOW]),
    ("mail", ["outbox", "requeue", str(NO_MAIL), *NOW]),
]
NAMED = {"customer": NOBODY, "issue": NO_ISSUE, "mail": str(NO_MAIL), "officer": NOBODY}


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "text"])
@pytest.mark.parametrize("missing, args", NOT_FOUND, ids=[f"{m}:{' '.join(a[:2])}" for m, a in NOT_FOUND])
def test_naming_something_that_does_not_exist_is_exit_2(p, missing, args, as_json):
    args = [a.format(ref=p.ref, mail=p.mail) for a in args] + (["--json"] if as_json else [])
    result = p.run(*args)
    assert result.code == 2, (result.code, result.err)
    name = NAMED[missing]
    assert name in result.err or name.lower() in result.err, result.err
    if as_json:
        doc = json.loads(result.out)  # one document, nothing else
        assert set(doc) == {"error", "exit"} and doc["exit"] == 2
        assert name in doc["error"] or name.lower() in doc["error"]
        assert doc["error"] in result.err
    else:
        assert result.out == ""


# Usage and configuration errors, click's own included: (args, exit code, words the message must have)
USAGE = [
    (["weekly", "preview"], "Missing argument 'CUSTOMER'"),
    (["weekly", "preview", "jordan", "--now", "yesterday"], "--now"),
    (["issues", "list", "--bogus"], "No such option '--bogus'"),
    (["issues", "list", "--status", "pending"], "'pending' is not one of"),
    (["report", "contact", "jordan", "--since", "2026-13-01"], "--since"),
    (["deadline", "--kind", "foi", "--received", "soon"], "--received"),
    (["deadline", "--kind", "fio", "--received", "2026-11-02"], "--kind"),
    (["nonsense"], "No such command 'nonsense'"),
    (["outbox", "release", "seven", "--as", "sent"], "'seven' is not a valid integer"),
]


@pytest.mark.parametrize("args, says", USAGE, ids=[" ".join(a[:3]) for a, _ in USAGE])
def test_a_usage_error_under_json_prints_one_json_error_too(p, args, says):
    result = p.run(*args, "--json")
    assert result.code == 2
    assert says in result.err
    doc = json.loads(result.out)
    assert doc == {"error": doc["error"], "exit": 2} and says in doc["error"]


def test_a_configuration_error_under_json_names_the_file(tmp_path):
    result = spocmail("--config", tmp_path / "nowhere.toml", "issues", "list", "--json")
    assert result.code == 2 and json.loads(result.out)["exit"] == 2
    assert str(tmp_path / "nowhere.toml") in json.loads(result.out)["error"]
    cfg = tmp_path / "config.toml"
    cfg.write_text('[council]\nholidays = "wales"\n')
    result = spocmail("--config", cfg, "deadline", "--kind", "sar", "--received", "2026-02-17", "--json")
    doc = json.loads(result.out)
    assert result.code == 2 and doc["exit"] == 2 and "[council] holidays" in doc["error"]


def test_a_runtime_failure_under_json_is_exit_1_with_one_json_error(tmp_path):
    p = make_project(tmp_path / "p", f"sqlite:///{tmp_path}/p/db.sqlite", register=None)
    (tmp_path / "p" / "db.sqlite").unlink()  # a database nobody has created: `db upgrade` fixes it
    result = p.run("issues", "list", "--json")
    doc = json.loads(result.out)
    assert result.code == 1 and doc["exit"] == 1 and "spocmail db upgrade" in doc["error"]
    assert doc["error"] in result.err


# ------------------------------------------------------------------ --now wherever the clock decides

CLOCK_COMMANDS = [
    ["register", "import"], ["poll"], ["run"], ["triage", "assign"], ["address", "confirm"],
    ["address", "reject"], ["issues", "categorise"], ["issues", "close"], ["issues", "merge"],
    ["issues", "split"], ["issues", "assign"], ["issues", "answer"], ["issues", "approve"], ["issues", "send"],
    ["weekly", "preview"], ["weekly", "send"], ["jobs", "run-due"], ["report", "contact"], ["outbox", "flush"],
    ["outbox", "release"], ["outbox", "requeue"], ["quarantine", "retry"],
]


@pytest.mark.parametrize("path", CLOCK_COMMANDS, ids=[" ".join(c) for c in CLOCK_COMMANDS])
def test_every_command_that_decides_by_the_clock_takes_now(path):
    command = cli
    for name in path:
        command = command.commands[name]
    assert "--now" in [o for param in command.params if isinstance(param, click.Option) for o in param.opts]


# ------------------------------------------------------------------ report contact: the customer's own


def test_report_contact_counts_the_customers_own_contacts_as_they_stood_at_now(tmp_path, imap, smtp, db_url,
                                                                               monkeypatch):
    p = project_for(tmp_path, imap, smtp, db_url, monkeypatch)
    monday = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)
    imap.append(ASKED, date=monday)
    p.ok("poll", "--once", "--now", "2026-11-23T08:05")
    sent = next(m for m in smtp.messages if "alex.jones@council.example" in m.rcpt_tos)
    request = email.message_from_bytes(sent.content, policy=policy.default)

    def mail(headers: str, body: str, when: datetime) -> None:
        imap.append((headers + f"Date: {email.utils.format_datetime(when)}\r\n"
                     f"Message-ID: <{abs(hash(headers + body))}@example.test>\r\n\r\n{body}\r\n").encode(), date=when)

    tuesday = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)
    # the officer's answer, an out-of-office from the customer, and spocmail's own address: not contacts
    mail(f"From: Alex Jones <alex.jones@council.example>\r\nTo: {request['Reply-To']}\r\n"
         f"Subject: RE: {request['Subject']}\r\nIn-Reply-To: {request['Message-ID']}\r\n",
         "The committee decides it on 9 December.\r\n\r\nKind regards\r\n\r\nAlex Jones", tuesday)
    mail("From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\n"
         "Subject: Automatic reply: Committee\r\nAuto-Submitted: auto-replied\r\n", "I am away.", tuesday)
    mail("From: Single Point of Contact <spoc@council.example>\r\nTo: spoc@council.example\r\n"
         "Subject: Notes on Jordan Example\r\n", "Jordan Example, 1 High Street: to discuss.", tuesday)
    # a councillor forwards the customer's mail: that is the customer's contact
    mail("From: Cllr Pat Smith <pat.smith@council.example>\r\nTo: spoc@council.example\r\n"
         "Subject: Fwd: Bins\r\n", "Please deal with this.\r\n\r\n---------- Forwarded message ---------\r\n"
         "From: Jordan Example <jordan@example.org>\r\nDate: Mon, 23 Nov 2026 at 20:10\r\nSubject: Bins\r\n"
         "To: <pat.smith@council.example>\r\n\r\nMy green bin was missed again on Friday, please collect it.",
         tuesday)
    counts = p.ok("poll", "--once", "--json", "--now", "2026-11-24T10:05").json()
    assert counts["answers"] == 1

    now = p.ok("report", "contact", "jordan", "--json", "--now", "2026-11-24T12:00").json()
    assert now == [{"week": "2026-W48", "mails": 2, "new_issues": 2, "repeats": 0}]
    # replayed as of Monday noon, Tuesday's mail had not arrived
    monday_noon = p.ok("report", "contact", "jordan", "--json", "--now", "2026-11-23T12:00").json()
    assert monday_noon == [{"week": "2026-W48", "mails": 1, "new_issues": 1, "repeats": 0}]
    assert p.ok("report", "contact", "jordan", "--json", "--now", "2026-11-23T12:00",
                "--since", "2026-11-30").json() == []


# ------------------------------------------------------------------ a Maildir that is not there


def test_a_mistyped_maildir_path_is_a_configuration_error_and_is_not_created(tmp_path, db_url):
    p = make_project(tmp_path / "p", db_url)
    p.config.write_text(p.config.read_text().replace('path = "maildir"', 'path = "mialdir"'))
    result = p.run("poll", "--once", "--json", "--now", "2026-11-23T08:05")
    doc = json.loads(result.out)
    assert result.code == 2 and doc["exit"] == 2
    assert str(p.config) in doc["error"] and "[mailbox] path" in doc["error"] and "create = true" in doc["error"]
    assert not (p.dir / "mialdir").exists()
    # the daemon refuses it too, rather than polling an empty folder for ever
    proc = subprocess.run([sys.executable, "-m", "spocmail", "--config", str(p.config), "run", "--jobs-every", "0"],
                          capture_output=True, timeout=60, env={**os.environ, PASSWORD_ENV: ""})
    assert proc.returncode == 2 and b"[mailbox] path" in proc.stderr
    assert not (p.dir / "mialdir").exists()
    # a folder that exists but is no Maildir is refused the same way
    (p.dir / "mialdir").mkdir()
    assert p.run("poll", "--once", "--now", "2026-11-23T08:05").code == 2


def test_create_true_lets_spocmail_make_the_maildir(tmp_path, db_url):
    p = make_project(tmp_path / "p", db_url)
    p.config.write_text(p.config.read_text().replace('path = "maildir"', 'path = "new-maildir"\ncreate = true'))
    counts = p.ok("poll", "--once", "--json", "--now", "2026-11-23T08:05").json()
    assert counts["fetched"] == 0 and (p.dir / "new-maildir" / "new").is_dir()
    p.config.write_text(p.config.read_text().replace("create = true", 'create = "yes"'))
    result = p.run("poll", "--once", "--now", "2026-11-23T08:05")
    assert result.code == 2 and "[mailbox] create" in result.err and "true or false" in result.err
