"""Bounded work per mail: a mail too big, too deep, with too many parts or too much text is set aside with
the reason before it costs minutes, so the mail behind it is not held up; a mail asking hundreds of things
becomes one issue for the SPOC to split; SIGTERM stops the daemon between mails at any load."""

from __future__ import annotations

import email
import email.policy
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from spocmail.config import LimitsConfig
from spocmail.limits import raw_reason, structure

from .helpers import REPO, deliver, make_project, unrestricted_register

HEAD = ("From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\n"
        "Date: Mon, 30 Nov 2026 09:00:00 +0000\r\n")
FOI = (HEAD + "Subject: FOI request\r\nMessage-ID: <foi-behind@example.org>\r\n\r\n"
       "Under the Freedom of Information Act please tell me how much the council spent on road gritting "
       "in 2025.\r\n").encode()


def nested(depth: int) -> bytes:
    inner = b"From: a@example.org\r\nSubject: inner\r\n\r\nhello\r\n"
    for i in range(depth):
        inner = (f"{HEAD}Subject: Fwd {i}\r\nMIME-Version: 1.0\r\nMessage-ID: <n{depth}-{i}@example.org>\r\n"
                 f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\nContent-Type: text/plain\r\n\r\n'
                 f"see attached\r\n--b{i}\r\nContent-Type: message/rfc822\r\n\r\n").encode() + inner + \
            f"\r\n--b{i}--\r\n".encode()
    return inner


def long_text(chars: int, mid: str = "long") -> bytes:
    line = "I have been keeping a diary of every bin collection on our street since the start of the year and "
    body = (line * (chars // len(line) + 1))[:chars]
    return (HEAD + f"Subject: My diary\r\nMessage-ID: <{mid}@example.org>\r\n\r\n{body}\r\n").encode()


def many_questions(n: int) -> bytes:
    body = "\r\n\r\n".join(f"{i}. Why has the streetlight outside number {i} on Mill Road been broken since March?"
                           for i in range(1, n + 1))
    return (HEAD + f"Subject: Streetlights\r\nMessage-ID: <many-{n}@example.org>\r\n\r\n{body}\r\n").encode()


def test_structure_counts_parts_and_depth_from_the_bytes():
    assert structure(nested(300)) == (900, 300)
    assert structure(nested(1)) == (3, 1)
    assert structure(FOI) == (0, 0)
    # a boundary closed early ends everything opened inside it
    flat = (b'Content-Type: multipart/mixed; boundary="a"\r\n\r\n--a\r\nContent-Type: multipart/alternative;\r\n'
            b' boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--a--\r\n'
            b'Content-Type: multipart/mixed; boundary="c"\r\n\r\n--c--\r\n')
    assert structure(flat) == (4, 2)


def test_every_corpus_mail_is_within_the_default_limits():
    mails = sorted((REPO / "tests" / "mail").glob("*/*.eml"))
    assert len(mails) > 150
    over = {m.name: raw_reason(m.read_bytes(), LimitsConfig()) for m in mails}
    assert {k: v for k, v in over.items() if v} == {}


def limited(tmp_path: Path, **limits) -> "object":
    extra = "[limits]\n" + "".join(f"{k} = {v}\n" for k, v in limits.items())
    # the example arrangement's own restrictions (ten issues a week) would hold requests back: not the point here,
    # nor is the officers' daily digest ([officers] digest_after): each request is counted as its own mail
    extra += "[officers]\ndigest_after = 0\n"
    return make_project(tmp_path / "p", f"sqlite:///{tmp_path}/db.sqlite", extra=extra,
                        register=unrestricted_register(tmp_path))


def test_mail_past_a_limit_is_set_aside_with_the_reason_and_the_next_is_filed(tmp_path: Path):
    p = limited(tmp_path, max_depth=20, max_text_chars=50_000, max_mail_bytes=400_000)
    deliver(p.maildir, nested(200))
    deliver(p.maildir, long_text(60_000))
    deliver(p.maildir, long_text(500_000, "huge"))
    deliver(p.maildir, FOI)
    p.ok("poll", "--once", "--now", "2026-11-30T10:00")
    aside = {r["message"]: r for r in p.ok("quarantine", "--json").json()}
    reasons = sorted(r["reason"] for r in aside.values())
    assert len(aside) == 3 and all(r["state"] == "quarantined" for r in aside.values()), aside
    assert any("[limits] max_depth = 20" in r and "200 deep" in r for r in reasons), reasons
    assert any("[limits] max_text_chars = 50,000" in r for r in reasons), reasons
    assert any("[limits] max_mail_bytes = 400,000" in r for r in reasons), reasons
    issues = p.ok("issues", "list", "--json").json()
    assert [i["category"] for i in issues] == ["foi"], issues  # the request behind them was not held up
    # Kept raw: the SPOC reads it and lets it through; it is then filed like any mail.
    text_mail = next(pk for pk, r in aside.items() if "max_text_chars" in r["reason"])
    p.ok("quarantine", "retry", str(text_mail), "--no-limits", "--now", "2026-11-30T10:05")
    p.ok("poll", "--once", "--now", "2026-11-30T10:06")
    assert text_mail not in {r["message"] for r in p.ok("quarantine", "--json").json()}
    assert len(p.ok("issues", "list", "--json").json()) == 2
    log = p.ok("audit", "show", "--json").json()
    assert [e["action"] for e in log].count("mail.set_aside") == 3


def test_a_mail_asking_hundreds_of_things_is_one_issue_for_the_spoc_to_split(tmp_path: Path):
    p = limited(tmp_path, max_issues_per_mail=25)
    deliver(p.maildir, many_questions(24))
    deliver(p.maildir, many_questions(300))
    p.ok("poll", "--once", "--now", "2026-11-30T10:00")
    issues = p.ok("issues", "list", "--json").json()
    assert len(issues) == 24 + 1, len(issues)
    notices = [email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
               for f in (p.dir / "outbox").glob("*.eml")]
    too_many = [n for n in notices if "too many separate things" in str(n["Subject"])]
    assert len(too_many) == 1
    body = too_many[0].get_body(("plain",)).get_content()
    assert "300 separate requests" in body and "issues split" in body
    requests = [n for n in notices if "Please answer by" in str(n["Subject"])]
    assert len(requests) == 25  # officer requests: one per issue, not 324


def test_bad_limits_exit_2_naming_the_key(tmp_path: Path):
    p = make_project(tmp_path / "p", f"sqlite:///{tmp_path}/db.sqlite", register=None)
    p.config.write_text(p.config.read_text() + "[limits]\nmax_depth = 0\n")
    result = p.run("poll", "--once")
    assert result.code == 2 and "[limits] max_depth" in result.err and "config.toml" in result.err


def test_sigterm_stops_the_daemon_between_mails_at_any_load(tmp_path: Path):
    p = make_project(tmp_path / "p", f"sqlite:///{tmp_path}/db.sqlite")
    n = 150
    for i in range(n):
        deliver(p.maildir, (HEAD + f"Subject: Pothole {i}\r\nMessage-ID: <load-{i}@example.org>\r\n\r\n"
                                   f"There is a pothole outside number {i} Mill Road. Please fill it.\r\n").encode())
    env = {**os.environ, "SPOCMAIL_CONFIG": str(p.config)}
    proc = subprocess.Popen([sys.executable, "-m", "spocmail", "--now", "2026-11-30T10:00", "run"], cwd=p.dir,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(list((p.maildir / "cur").iterdir())) < 10:
            time.sleep(0.05)  # until it is well into the backlog
        assert len(list((p.maildir / "cur").iterdir())) >= 10, "the daemon never started on the backlog"
        asked = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        took = time.monotonic() - asked
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, proc.stderr.read().decode()[-2000:]
    assert took < 5.0, f"took {took:.1f} s to stop"
    stored = len(list((p.maildir / "cur").iterdir()))
    print(f"SIGTERM to exit: {took:.2f} s, {stored} of {n} mails taken from the Maildir")  # for the record (-s)
    assert stored < n, "it finished the whole backlog: the test did not stop it under load"
    # Nothing lost, nothing twice: the next pass takes the rest, and every mail is one issue.
    p.ok("poll", "--once", "--now", "2026-11-30T10:30")
    issues = p.ok("issues", "list", "--json").json()
    assert len(issues) == n and len({i["title"] for i in issues}) == n
