"""No one outside can speak for the council (issue 10 items 1 and 2), through Dovecot and aiosmtpd.

With `[security] trusted_authserv_id`, an officer's answer or the SPOC's approval counts only when the
council's own server saw DMARC (or DKIM aligned with From) pass; a forged one is kept and put to the
SPOC in triage. A reply to a closed issue's request is never an answer.
"""

from __future__ import annotations

import pytest

from spocmail import authres
from tests.test_draft_approval import SPOC, draft_mails, reply_to, two_items_drafted_at_noon, weekly_to_customer
from tests.test_draft_approval import world  # noqa: F401  (a fixture)
from tests.test_weekly_cycle import THREE, reply

MX = "mx.council.example"
FAIL = f"Authentication-Results: {MX}; spf=fail smtp.mailfrom=council.example; dkim=none; dmarc=fail\r\n".encode()
PASS = (f"Authentication-Results: {MX}; spf=pass smtp.mailfrom=council.example; "
        f"dkim=pass header.d=council.example; dmarc=pass header.from=council.example\r\n").encode()
ELSEWHERE = b"Authentication-Results: mx.attacker.example; dkim=pass header.d=council.example; dmarc=pass\r\n"


def _trusting(world) -> None:
    p = world.project
    p.config.write_text(p.config.read_text() + f'\n[security]\ntrusted_authserv_id = "{MX}"\n')


def _request_for(world, officer: str):
    return next(m for _r, m in world.sent() if "#" in str(m["Subject"]) and officer in str(m["To"]))


def test_a_forged_officer_answer_is_put_to_the_spoc_and_a_genuine_one_is_the_answer(world):
    p = world.project
    _trusting(world)
    world.deliver(THREE)
    p.ok("poll", "--once", "--now", "2026-11-23T09:00")
    request = _request_for(world, "alex.jones@council.example")
    answer = reply(request, "Alex Jones <alex.jones@council.example>", "The committee decides on 9 December.")
    world.deliver(FAIL + answer.replace(b"Message-ID: <", b"Message-ID: <forged-", 1))
    world.deliver(ELSEWHERE + answer.replace(b"Message-ID: <", b"Message-ID: <elsewhere-", 1))
    counts = p.ok("poll", "--once", "--json", "--now", "2026-11-24T10:30").json()
    assert counts["answers"] == 0 and counts["triage"] == 2
    waiting = p.ok("triage", "--json").json()
    assert len(waiting) == 2
    assert all("not accepted" in str(w) for w in waiting)  # the SPOC sees why
    ref = next(i for i in p.ok("issues", "list", "--json").json() if i["officer"] == "planning")["ref"]
    assert p.ok("issues", "show", ref, "--json").json()["answers"] == []

    world.deliver(PASS + answer)
    assert p.ok("poll", "--once", "--json", "--now", "2026-11-24T10:40").json()["answers"] == 1
    answers = p.ok("issues", "show", ref, "--json").json()["answers"]
    assert [a["text"] for a in answers] == ["The committee decides on 9 December."]


def test_a_reply_to_a_closed_issues_request_is_not_an_answer(world):
    p = world.project
    world.deliver(THREE)
    p.ok("poll", "--once", "--now", "2026-11-23T09:00")
    ref = next(i for i in p.ok("issues", "list", "--json").json() if i["officer"] == "planning")["ref"]
    p.ok("issues", "close", ref, "--now", "2026-11-23T12:00")
    world.deliver(reply(_request_for(world, "alex.jones@council.example"), "Alex Jones <alex.jones@council.example>",
                        "The committee decides on 9 December."))
    assert p.ok("poll", "--once", "--json", "--now", "2026-11-24T10:30").json()["answers"] == 0
    assert p.ok("issues", "show", ref, "--json").json()["answers"] == []


def test_a_forged_spoc_approval_sends_nothing_and_a_verified_one_sends(world):
    p = world.project
    _trusting(world)
    _preview, draft = two_items_drafted_at_noon(world)
    world.deliver(FAIL + reply_to(draft, SPOC, "Approve", 1, "Fri, 27 Nov 2026 12:05:00 +0000"))
    counts = p.ok("poll", "--once", "--json", "--now", "2026-11-27T12:06").json()
    assert weekly_to_customer(world) == [] and counts["triage"] == 1
    assert "approval-unverified" in str(p.ok("triage", "--json").json())
    world.deliver(PASS + reply_to(draft, SPOC, "Approve", 2, "Fri, 27 Nov 2026 12:10:00 +0000"))
    p.ok("poll", "--once", "--now", "2026-11-27T12:11")
    p.ok("outbox", "flush", "--now", "2026-11-27T12:12")
    assert len(weekly_to_customer(world)) == 1 and len(draft_mails(world)) == 1


@pytest.mark.parametrize("header, ok", [
    (PASS, True),
    (FAIL, False),
    (ELSEWHERE, False),
    (b"", False),
    (f"Authentication-Results: {MX}; dkim=pass header.d=mail.council.example; dmarc=none\r\n".encode(), True),
    (f"Authentication-Results: {MX}; dkim=pass header.d=evil.example; dmarc=none\r\n".encode(), False),
    (f"Authentication-Results: {MX} 1; dmarc=pass (p=reject) header.from=council.example\r\n".encode(), True),
])
def test_only_the_trusted_servers_pass_counts(header, ok):
    raw = header + b"From: a@council.example\r\nSubject: x\r\n\r\nbody\r\n"
    assert authres.check(raw, MX, "a@council.example").ok is ok
    assert authres.check(raw, None, "a@council.example").ok  # nothing trusted: sender and token decide


def test_an_answer_that_quotes_the_request_subject_never_hands_the_customer_the_token(world):
    p = world.project
    world.deliver(THREE)
    p.ok("poll", "--once", "--now", "2026-11-23T09:00")
    request = _request_for(world, "alex.jones@council.example")
    token = str(request["Subject"]).split("#", 1)[1].split("]", 1)[0]
    said = (f"Re your mail \"{request['Subject']}\": the committee decides on 9 December. "
            f"Reply to {request['Reply-To'].addresses[0].addr_spec} if needed.")
    world.deliver(reply(request, "Alex Jones <alex.jones@council.example>", said))
    assert p.ok("poll", "--once", "--json", "--now", "2026-11-24T10:30").json()["answers"] == 1
    ref = next(i for i in p.ok("issues", "list", "--json").json() if i["officer"] == "planning")["ref"]
    [answer] = p.ok("issues", "show", ref, "--json").json()["answers"]
    assert token not in answer["text"] and "9 December" in answer["text"] and ref in answer["text"]
    p.ok("issues", "approve", ref, "--now", "2026-11-24T11:00")
    preview = p.ok("weekly", "preview", "jordan", "--json", "--now", "2026-11-27T12:05").json()
    assert token not in preview["body_text"] and "9 December" in preview["body_text"]
