"""A large pass parses its mails on a second core, ahead of the steps (spocmail/parseahead.py), and that
changes nothing but the time: every result is what the steps would have parsed themselves, each issue is
filed as it would be without the helper, a helper that dies part way leaves the steps to parse the rest,
and no helper process outlives its pass."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import hashlib
import os
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from spocmail import config as config_mod
from spocmail import filing, parseahead, pipeline
from spocmail.clock import Clock
from spocmail.db import Database
from spocmail.db.decisions import Identification
from spocmail.db.issues import Issue
from spocmail.db.mail import Message
from spocmail.db.outbox import OutboxMail
from spocmail.intake.poll import open_mailbox
from spocmail.mail import parse_mail
from tests.helpers import deliver, make_project

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)
CORPUS = Path(__file__).parent / "mail"
forks = pytest.mark.skipif(not parseahead.available(), reason="parsing ahead needs fork and two cores")


def corpus() -> list[tuple[str, bytes]]:
    """Every mail of the test corpus: forwards, replies, auto-replies, Outlook items, broken mail."""
    raws = [p.read_bytes() for p in sorted(CORPUS.rglob("*.eml"))]
    assert len(raws) > 200
    return [(hashlib.sha256(r).hexdigest(), r) for r in raws]


def wait_for(ahead: parseahead.ParseAhead, count: int, seconds: float = 120) -> None:
    end = time.monotonic() + seconds
    while ahead.received < count and time.monotonic() < end:
        time.sleep(0.05)


@forks
def test_every_result_is_what_the_steps_would_parse(tmp_path):
    mails = corpus()
    ahead = parseahead.ParseAhead()
    assert ahead.start(mails, at_least=20)
    try:
        wait_for(ahead, len({sha for sha, _ in mails}))
        compared = 0
        for sha, raw in mails:
            got, prepared = ahead.take(sha)
            if got is None:  # the same bytes twice in the corpus: taken once
                continue
            assert prepared is None  # started without classify rules: parsing only
            mine = parse_mail(raw)
            assert got == mine, sha
            assert got.body_html == mine.body_html and got.headers == mine.headers
            assert [a.payload for a in got.attachments] == [a.payload for a in mine.attachments]
            compared += 1
        assert compared >= len(mails) - 5
        assert ahead.take(mails[0][0]) == (None, None)  # each result is given once
    finally:
        ahead.stop()


@forks
def test_a_small_pass_or_a_council_that_said_never_starts_no_helper():
    mails = corpus()[:19]
    ahead = parseahead.ParseAhead()
    assert not ahead.start(mails, at_least=20)
    assert not ahead.start(corpus(), at_least=0)  # [limits] parse_ahead_from = 0
    assert ahead.take(mails[0][0]) == (None, None) and not ahead.running


@forks
def test_the_helper_ends_with_its_pass():
    ahead = parseahead.ParseAhead()
    mails = corpus() * 3  # more than it parses before the pass is over
    assert ahead.start(mails, at_least=20)
    proc = ahead._proc
    ahead.stop()
    assert not proc.is_alive() and not ahead.running
    with pytest.raises(ProcessLookupError):
        os.kill(proc.pid, 0)  # reaped, not left a zombie


STREETS = ["Acacia Avenue", "Birch Road", "Cedar Lane", "Damson Close", "Elm Grove", "Fir Tree Walk"]
ASKS = ["When will the bins in {s} next be collected?",
        "Under the Freedom of Information Act, how much was spent resurfacing {s} last year?",
        "The streetlight outside number 4, {s}, has been out for a week.\r\n\r\n"
        "Also, who decided to close the footpath at the end of {s}?",
        "I want to complain about the way my call about {s} was handled."]


def request(n: int) -> bytes:
    street, ask = STREETS[n % len(STREETS)], ASKS[n % len(ASKS)]
    if n % 5 == 4:  # an officer forwards what the customer sent them: the forward's words are filed
        return (f"From: Chris Lane <chris.lane@council.example>\r\nTo: spoc@council.example\r\n"
                f"Subject: Fwd: {street} ({n})\r\nDate: Mon, 30 Nov 2026 09:{n % 60:02d}:00 +0000\r\n"
                f"Message-ID: <ahead-fwd{n}@council.example>\r\n\r\nFor the SPOC.\r\n\r\n"
                f"---------- Forwarded message ---------\r\nFrom: Jordan Example <jordan@example.org>\r\n"
                f"Date: Fri, 27 Nov 2026 16:{n % 60:02d}:00 +0000\r\nSubject: {street} ({n})\r\n"
                f"To: Chris Lane <chris.lane@council.example>\r\n\r\n{ask.format(s=street)} (ref {n})\r\n").encode()
    return (f"From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\n"
            f"Subject: {street} ({n})\r\nDate: Mon, 30 Nov 2026 08:{n % 60:02d}:00 +0000\r\n"
            f"Message-ID: <ahead{n}@example.org>\r\n\r\n{ask.format(s=street)} (ref {n})\r\n\r\nJordan\r\n").encode()


def filed(tmp_path: Path, db_url: str, name: str, ahead_from: int, monkeypatch=None, helper=None) -> tuple:
    project = make_project(tmp_path / name, db_url, extra=f"[limits]\nparse_ahead_from = {ahead_from}\n")
    for n in range(30):
        deliver(project.maildir, request(n))
    config = config_mod.load(project.config)
    db = Database(config.database.url)
    started: list[parseahead.ParseAhead] = []
    real_start = parseahead.ParseAhead.start
    classified: list[str] = []
    real_classify = filing.classify
    if monkeypatch is not None:
        def counted(subject, text, rules, **kw):  # in this process only: the helper's calls are its own
            classified.append(text)
            return real_classify(subject, text, rules, **kw)
        monkeypatch.setattr(filing, "classify", counted)
        def start(self, mails, at_least, classify_rules=None):
            started.append(self)
            return real_start(self, mails, at_least, classify_rules)
        monkeypatch.setattr(parseahead.ParseAhead, "start", start)
        if helper is not None:
            monkeypatch.setattr(parseahead, "_helper", helper)
    try:
        counts = pipeline.poll_once(config, db, open_mailbox(config), Clock(NOW))
        with db.session() as s:
            issues = sorted((i.title, i.category, i.statutory_kind, i.due, i.officer_id, i.request_text)
                            for i in s.scalars(select(Issue)))
            decisions = sorted((m.message_id, d.role, d.customer_id, d.decision)
                               for d, m in s.execute(select(Identification, Message)
                                                     .join(Message, Message.id == Identification.message_pk)))
            for row in s.scalars(select(OutboxMail).where(OutboxMail.kind == "officer_request")):
                mail = email.message_from_bytes(row.raw, policy=email.policy.default)
                text = mail.get_body(("plain",)).get_content()
                where = next(line for line in text.splitlines() if line.startswith("Location: "))
                # what the officer reads: the issue, its title in the subject, and where (token left out)
                decisions.append((mail["X-Spocmail-Issue"], str(mail["Subject"]).split("] ", 1)[1], where))
    finally:
        db.dispose()
    return counts, issues, decisions, started, classified


@pytest.fixture
def urls(request, tmp_path, db_url):
    """Two empty databases of the same kind: the pass without the helper, and with it."""
    if db_url.startswith("sqlite"):
        yield db_url, f"sqlite:///{tmp_path}/second.db"
        return
    server = request.getfixturevalue("postgres_server")
    name = server.create_database()
    try:
        yield db_url, server.url_for(name)
    finally:
        server.drop_database(name)


@forks
def test_a_pass_files_the_same_with_and_without_the_helper(tmp_path, urls, monkeypatch):
    counts_off, issues_off, decisions_off, _, _ = filed(tmp_path, urls[0], "off", 0)
    counts_on, issues_on, decisions_on, started, classified = filed(tmp_path, urls[1], "on", 20, monkeypatch)
    assert started and started[0].taken >= 25  # the helper did the parsing: nearly every mail came from it
    assert len(classified) <= 5  # and the classifying: what the steps took from it, they did not redo
    assert sum(1 for d in decisions_on if d[2].startswith("Location: ") and d[2] != "Location: none named in "
               "the request") >= 10  # officer mails naming places were compared, not only "none named"
    assert (counts_on.stored, counts_on.filed) == (counts_off.stored, counts_off.filed) == (30, 30)
    assert len(issues_on) >= 30
    assert any(kind == "foi" and due is not None for _, _, kind, due, _, _ in issues_on)  # dates compared too
    assert issues_on == issues_off
    assert decisions_on == decisions_off


def _dies_after_five(conn, their_end, mails, classify_rules, parent):
    """A helper killed part way (out of memory, say): five results, then gone without a word."""
    import pickle

    from spocmail.mail import lexicon

    their_end.close()
    for sha, raw in mails[:5]:
        parsed = parse_mail(raw)
        conn.send_bytes(pickle.dumps((sha, parsed, filing.PreparedWords.of(parsed, classify_rules),
                                      lexicon.current_key())))
    os._exit(9)


@forks
def test_a_helper_that_dies_part_way_leaves_the_steps_to_parse_the_rest(tmp_path, urls, monkeypatch):
    _, issues_off, decisions_off, _, _ = filed(tmp_path, urls[0], "off", 0)
    counts, issues, decisions, started, classified = filed(tmp_path, urls[1], "dies", 20, monkeypatch,
                                                           _dies_after_five)
    assert len(classified) >= 25  # the 25 mails it never sent were classified here
    assert started[0].received == 5 and started[0]._proc is None  # stopped with the pass
    assert (counts.stored, counts.filed) == (30, 30)
    assert issues == issues_off and decisions == decisions_off


def test_prepared_words_are_the_same_as_filing_computes_and_are_used_only_under_their_rules():
    import copy

    from spocmail.rules import load_classify
    from spocmail.split import split_mail

    rules = load_classify()
    compared = 0
    for _, raw in corpus()[::3]:
        parsed = parse_mail(raw)
        prep = filing.PreparedWords.of(parsed, rules)
        for text, parts in prep.parts.items():
            assert parts == (split_mail(text) if text else [])
        for (subject, text, auto), c in prep.classified.items():
            assert c == filing.classify(subject, text, rules, auto_reply=auto)
            assert prep.hashes[text] == filing.content_hash(text)
            compared += 1
        for parts in prep.parts.values():
            for part in parts:
                assert prep.titles[(part.core, part.lead_in)] == part.title
    assert compared > 80
    prep = filing.PreparedWords.of(parse_mail(request(1)), rules)
    key = next(iter(prep.classified))
    marked = dataclasses.replace(prep.classified[key], rule="taken-from-the-helper")
    prep.classified[key] = marked
    assert filing._Words(prep, rules).classify(*key) is marked  # the same rules: taken, not redone
    other = copy.copy(rules)  # rules read again (the council changed classify.toml): computed afresh
    assert filing._Words(prep, other).classify(*key).rule != "taken-from-the-helper"
    part = next(p for parts in prep.parts.values() for p in parts)
    prep.titles[(part.core, part.lead_in)] = "title from the helper"
    assert filing._Words(prep, rules).title(part) == "title from the helper"
    assert filing._Words(prep, other).title(part) == part.title != "title from the helper"


KILLED_PARENT = """
import os, sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from spocmail import parseahead
from tests.test_parse_ahead import corpus

ahead = parseahead.ParseAhead()
assert ahead.start(corpus() * 20, at_least=20)  # far more than it parses in the time it has
print(ahead._proc.pid, flush=True)
time.sleep(30)  # never read: the helper's pipe fills and it waits on its send
"""


@forks
def test_a_helper_dies_with_a_daemon_killed_under_it(tmp_path):
    import signal
    import subprocess
    import sys

    repo = str(Path(__file__).resolve().parent.parent)
    daemon = subprocess.Popen([sys.executable, "-c", KILLED_PARENT, repo], stdout=subprocess.PIPE, text=True,
                              cwd=repo)
    try:
        helper = int(daemon.stdout.readline())
        time.sleep(1.0)
        os.kill(helper, 0)  # alive while its pass is
        daemon.send_signal(signal.SIGKILL)  # as the crash tests kill `spocmail run`
        daemon.wait(10)
        end = time.monotonic() + 5
        while time.monotonic() < end:
            try:
                os.kill(helper, 0)
            except ProcessLookupError:
                break
            if Path(f"/proc/{helper}/stat").read_text().split(") ")[1].startswith("Z"):
                break  # dead, waiting for init to reap it
            time.sleep(0.05)
        else:
            os.kill(helper, signal.SIGKILL)
            pytest.fail("the helper outlived its daemon, holding the daemon's inherited connections")
    finally:
        daemon.kill()


@forks
def test_stop_ends_the_helper_at_once_even_under_the_daemons_signal_handler():
    import signal

    heard = []
    previous = signal.signal(signal.SIGTERM, lambda *_: heard.append("stop requested"))  # as `spocmail run`
    try:
        for _ in range(5):  # stop as soon as started, as a SIGTERM during intake would
            ahead = parseahead.ParseAhead()
            assert ahead.start(corpus() * 5, at_least=20)
            proc = ahead._proc
            began = time.monotonic()
            ahead.stop()
            assert time.monotonic() - began < 2
            assert not proc.is_alive() and proc.exitcode in (0, -signal.SIGKILL)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert heard == []  # nothing reached this process's handler


@forks
def test_a_result_is_not_taken_once_mail_toml_has_changed(monkeypatch):
    from spocmail.mail import lexicon

    mails = corpus()[:25]
    ahead = parseahead.ParseAhead()
    assert ahead.start(mails, at_least=20)
    try:
        wait_for(ahead, 25)
        real = lexicon.current_key()
        monkeypatch.setattr(lexicon, "current_key", lambda: (*real[:-1], "changed"))  # the council edited it
        assert ahead.take(mails[0][0]) == (None, None)  # the steps parse it with the mail.toml now in force
        monkeypatch.setattr(lexicon, "current_key", lambda: real)
        assert ahead.take(mails[1][0])[0] == parse_mail(mails[1][1])
    finally:
        ahead.stop()


def test_a_new_issue_knows_each_request_sent_for_it_in_the_same_session(tmp_path, db_url):
    """A new issue starts with its list of requests known (empty), so sending reads nothing back; a second
    request in the same session must still count the first (its dedupe key, a reassignment's cancelling)."""
    from spocmail import officers
    from spocmail.db.issues import OfficerRequest
    from spocmail.db.outbox import OutboxMail
    from spocmail.intake.poll import intake

    project = make_project(tmp_path / "p", db_url)
    deliver(project.maildir, request(1))
    config = config_mod.load(project.config)
    db = Database(config.database.url)
    try:
        intake(db, open_mailbox(config), Clock(NOW))
        with db.session() as s:
            message = s.scalars(select(Message)).one()
            message.customer_id, message.sender_role = "jordan", "customer"
            s.flush()
            refs = pipeline.file_assigned(s, message.id, config, NOW)
            issue = s.scalars(select(Issue).where(Issue.ref == refs[0])).one()
            assert [r.officer_id for r in issue.requests] == [issue.officer_id]  # the first, without a re-read
            other = "housing" if issue.officer_id != "housing" else "waste"
            officers.send_request(s, issue, other, config, pipeline.Context.load(config).calendar, NOW)
            assert [r.officer_id for r in issue.requests][-1] == other and len(issue.requests) == 2
        with db.session() as s:
            assert s.scalar(select(func.count()).select_from(OfficerRequest)) == 2
            keys = sorted(k for k in s.scalars(select(OutboxMail.dedupe_key).where(OutboxMail.kind == "officer_request")))
            assert len(keys) == 2 and keys[0] != keys[1]  # two mails, not the second dropped as the first again
    finally:
        db.dispose()
