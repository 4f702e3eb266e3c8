"""The fuzzing run (bench/fuzz.py) in its small form, and one regression test per family of fault it found.

The full run (`bench/fuzz.py --mails 20000 --imap 500`) is in README "Fuzzing the intake"; here 500 mails
with a fixed seed go through a Maildir and 40 through a real Dovecot, each through `spocmail poll --once`.
"""

from __future__ import annotations

import email
import sys
import time
from email import policy

import pytest

from spocmail.mail import headers
from spocmail.outbox import _wire
from tests.helpers import REPO, deliver, make_project

sys.path.insert(0, str(REPO / "bench"))
import fuzz  # noqa: E402


@pytest.mark.slow
def test_500_fuzzed_mails_and_40_through_dovecot_none_crashes_every_one_is_accounted_for(tmp_path):
    result = {"maildir": fuzz.run_maildir(500, 7, tmp_path, batch=250),
              "imap": fuzz.run_imap(40, 7, tmp_path)}
    assert fuzz.verdict(result) == [], result
    m = result["maildir"]
    assert m["stored"] == m["distinct"] and m["missing"] == 0 and not m["nonzero_exits"]
    assert sum(v for k, v in m["outcomes"].items() if k != "crashed") == m["distinct"]
    assert "crashed" not in m["outcomes"] and not any(k.startswith("limbo") for k in m["outcomes"])
    assert m["outcomes"].get("quarantined", 0) > 0 and m["outcomes"].get("filed", 0) > 0
    assert set(m["mutations"]) == {f.__name__[2:] for f in fuzz.MUTATIONS}  # every mutation was tried
    i = result["imap"]
    assert i["exit"] == 0 and i["stored"] > 0 and "crashed" not in i["outcomes"]


def test_the_cases_are_the_same_for_the_same_seed():
    first = [raw for _, _, raw in fuzz.cases(30, 3)]
    assert first == [raw for _, _, raw in fuzz.cases(30, 3)]
    assert first != [raw for _, _, raw in fuzz.cases(30, 4)]


# ---- family 1: a recipient lost (or a header that no longer parses) when a list had an encoded name

@pytest.mark.parametrize("names", [
    ["éééééééééé", "", ""],  # Python folded the comma before a bare address into "=?utf-8?q?=2C?="
    ["0\U00010000", "0\x80", ""],
    ["", "", "", "", ": \x80"],  # a name decoded back into ":" made the header a broken group
    ["Brontë, Zoë", "Jones, Alex", "Ågren \"AJ\" Åsa"],
])
def test_every_recipient_survives_the_wire_whatever_the_names(names):
    people = [(n, f"person{k}@council.example") for k, n in enumerate(names)]
    msg = email.message.EmailMessage()
    msg["From"] = headers.address(names[0], "spoc@council.example")
    msg["To"] = headers.addresses([f"{n} <{a}>" if n else a for n, a in people])
    msg["Cc"] = ", ".join(headers.address(n, a) for n, a in people)
    msg["Subject"] = headers.clean("Ω " * 60)
    msg.set_content("x")
    raw = msg.as_bytes(policy=_wire(msg))
    back = email.message_from_bytes(raw, policy=policy.default)
    for name in ("To", "Cc"):
        assert [(a.display_name, a.addr_spec) for a in back[name].addresses] == \
            [(headers.clean(n, 200), a) for n, a in people], raw
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))


# ---- family 2: a mail citing thousands of References held up the whole pass (one query per id)

def test_a_reply_with_5000_references_is_threaded_at_once(tmp_path, db_url):
    p = make_project(tmp_path / "p", db_url)
    first = (b"From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\nSubject: Bins\r\n"
             b"Date: Mon, 23 Nov 2026 08:12:00 +0000\r\nMessage-ID: <first@example.org>\r\n\r\n"
             b"My green bin was missed again on Friday, please collect it.\r\n")
    deliver(p.maildir, first)
    p.ok("poll", "--once", "--now", "2026-11-23T09:00")
    (issue,) = p.ok("issues", "list", "--json").json()
    refs = b" ".join([b"<first@example.org>"] + [b"<r%d@elsewhere.example>" % i for i in range(5000)])
    reply = (b"From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\nSubject: more\r\n"
             b"Date: Mon, 23 Nov 2026 10:12:00 +0000\r\nMessage-ID: <second@example.org>\r\n"
             b"In-Reply-To: <r4999@elsewhere.example>\r\nReferences: " + refs + b"\r\n\r\n"
             b"Any news on this? Nobody has been.\r\n")
    deliver(p.maildir, reply)
    started = time.monotonic()
    counts = p.ok("poll", "--once", "--json", "--now", "2026-11-23T10:30").json()
    assert time.monotonic() - started < 30
    assert (counts["stored"], counts["filed"], counts["quarantined"]) == (1, 1, 0), counts
    assert [i["ref"] for i in p.ok("issues", "list", "--json").json()] == [issue["ref"]]  # joined, not new


# ---- family 3: a long word with no "?" after it took minutes in the question-mark rule (quadratic regex)

def test_a_160_kb_word_is_classified_at_once():
    from spocmail.rules import classify, load_classify

    rules = load_classify()
    started = time.monotonic()
    got = classify("Planning", "committee\n&\nX-Giant: " + "x" * 160_000 + "\nWhen is it decided?", rules)
    assert time.monotonic() - started < 10
    assert got.category == "general-enquiry"  # the question mark still counts
    assert classify("Bins", "when is the collection " + "y" * 50_000 + " due?", rules).category
