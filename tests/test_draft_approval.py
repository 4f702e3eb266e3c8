"""Approval is of one exact draft (issue 9 item 4), through Dovecot and aiosmtpd on SQLite and PostgreSQL.

The SPOC is shown a draft with an identity (version and content hash); approving it sends exactly that
draft; mail that arrived after it was compiled waits for the next draft; a superseded or unknown draft
sends nothing; only a first line that is exactly "Approve" (Approved, Send) from the SPOC or deputy
approves by mail, and anything else is kept as a comment.
"""

from __future__ import annotations

import email
import re

import pytest
from sqlalchemy import select

from spocmail.db import Database
from spocmail.db.drafts import ResponseDraft
from tests.test_weekly_cycle import World

CUSTOMER = "jordan@example.org"
SPOC = "Morgan Reed <morgan.reed@council.example>"
DEPUTY = "Chris Lane <chris.lane@council.example>"
TWO = ("From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\nSubject: Two things\r\n"
       "Date: Mon, 23 Nov 2026 08:12:00 +0000\r\nMessage-ID: <two@example.org>\r\n\r\n"
       "1. When will the planning committee decide application 26/0123/FUL?\r\n\r\n"
       "2. My green bin was missed again on Friday, please collect it.\r\n").encode()
LATE = ("From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\nSubject: Another thing\r\n"
        "Date: Fri, 27 Nov 2026 12:05:00 +0000\r\nMessage-ID: <late@example.org>\r\n\r\n"
        "The streetlight outside 14 Elm Road has been out for a week, please repair it.\r\n").encode()


@pytest.fixture
def world(request, tmp_path, db_url, monkeypatch):
    return World("servers", tmp_path, db_url, monkeypatch, request)


def weekly_to_customer(world) -> list[email.message.EmailMessage]:
    return world.sent_to(CUSTOMER, "weekly response")


def draft_mails(world) -> list[email.message.EmailMessage]:
    return [m for _r, m in world.sent() if str(m["Subject"]).startswith("[DRAFT for approval]")]


def text(msg: email.message.EmailMessage) -> str:
    """The plain-text body as sent (the wire's CRLF read as newlines)."""
    return msg.get_body(("plain",)).get_content().replace("\r\n", "\n")


def reply_to(draft: email.message.EmailMessage, sender: str, body: str, n: int, date: str) -> bytes:
    msg = email.message.EmailMessage()
    msg["From"], msg["To"] = sender, "spoc@council.example"
    msg["Subject"] = f"RE: {draft['Subject']}"
    msg["Date"] = date
    msg["Message-ID"] = f"<approval-{n}@council.example>"
    msg["In-Reply-To"] = msg["References"] = draft["Message-ID"]
    msg.set_content(f"{body}\n\n-----Original Message-----\nFrom: Single Point of Contact\n\n{text(draft)[:200]}")
    return bytes(msg)


def two_items_drafted_at_noon(world) -> tuple[dict, email.message.EmailMessage]:
    """Two issues filed on Monday; Friday 12:00 the draft goes to the SPOC; 12:01 the preview is that draft."""
    p = world.project
    world.deliver(TWO)
    p.ok("poll", "--once", "--now", "2026-11-23T09:00")
    done = p.ok("jobs", "run-due", "--json", "--now", "2026-11-27T12:00").json()
    assert [w["status"] for w in done["weekly"]] == ["awaiting approval"]
    [draft] = draft_mails(world)
    preview = p.ok("weekly", "preview", "jordan", "--json", "--now", "2026-11-27T12:01").json()
    assert len(preview["items"]) == 2
    assert preview["draft"] == str(draft["X-Spocmail-Draft"]) == done["weekly"][0]["draft"]
    return preview, draft


def test_approving_sends_exactly_the_draft_and_later_mail_waits_for_the_next(world):
    p = world.project
    preview, draft = two_items_drafted_at_noon(world)
    assert re.fullmatch(r"2026-W48-v1-[0-9a-f]{12}", preview["draft"])
    shown_refs = {i["ref"] for i in preview["items"]}

    world.deliver(LATE)  # 12:05: a new request after the draft was compiled
    p.ok("poll", "--once", "--now", "2026-11-27T12:05")
    late_ref = next(i["ref"] for i in p.ok("issues", "list", "--json").json() if i["ref"] not in shown_refs)

    p.ok("weekly", "send", "jordan", "--approve", "--now", "2026-11-27T12:10")
    [sent] = weekly_to_customer(world)
    body = text(sent)
    # the customer's mail is the draft the SPOC was shown, to the character: the draft mail's own copy
    # below its header block, and the preview's body_text
    assert text(draft).split("=" * 72 + "\n\n", 1)[1] == body
    assert body.rstrip("\n") == preview["body_text"].rstrip("\n")
    assert late_ref not in body and "streetlight" not in body.lower() and "Elm Road" not in body
    assert set(str(sent["X-Spocmail-Issues"]).split(", ")) == shown_refs
    assert str(sent["Subject"]) == preview["subject"]
    assert [a.addr_spec for a in sent["To"].addresses] == [CUSTOMER]

    # the same draft again: refused, and nothing more reaches the customer
    again = p.ok("weekly", "send", "jordan", "--approve", "--draft", preview["draft"], "--json",
                 "--now", "2026-11-27T12:20").json()
    assert again["status"] == "already sent" and preview["draft"] in again["detail"]
    assert len(weekly_to_customer(world)) == 1

    # the late request is in the next draft, as new
    nxt = p.ok("weekly", "preview", "jordan", "--json", "--now", "2026-12-04T11:00").json()
    assert {i["ref"]: i["state"] for i in nxt["items"]}[late_ref] == "new"
    assert nxt["draft"] != preview["draft"] and nxt["draft"].startswith("2026-W49-v1-")


def test_a_superseded_or_unknown_draft_sends_nothing(world):
    p = world.project
    preview, draft = two_items_drafted_at_noon(world)
    world.deliver(LATE)
    p.ok("poll", "--once", "--now", "2026-11-27T12:05")
    newer = p.ok("weekly", "preview", "jordan", "--json", "--now", "2026-11-27T12:06").json()
    assert len(newer["items"]) == 3 and newer["draft"].startswith("2026-W48-v2-")

    stale = p.run("weekly", "send", "jordan", "--approve", "--draft", preview["draft"], "--json",
                  "--now", "2026-11-27T12:10")
    assert stale.code == 2 and "superseded" in stale.err and newer["draft"] in stale.err
    assert stale.json()["exit"] == 2
    unknown = p.run("weekly", "send", "jordan", "--approve", "--draft", "2026-W48-v9-000000000000",
                    "--now", "2026-11-27T12:10")
    assert unknown.code == 2 and "no such draft" in unknown.err
    assert p.run("weekly", "send", "jordan", "--draft", newer["draft"], "--now", "2026-11-27T12:10").code == 2

    # the SPOC answers the old draft mail "Approve": the newer draft is not sent in its place
    world.deliver(reply_to(draft, SPOC, "Approve", 1, "Fri, 27 Nov 2026 12:12:00 +0000"))
    p.ok("poll", "--once", "--now", "2026-11-27T12:12")
    assert weekly_to_customer(world) == []
    notice = world.sent_to("morgan.reed@council.example", "sent nothing")
    assert len(notice) == 1 and newer["draft"] in text(notice[0])

    p.ok("weekly", "send", "jordan", "--approve", "--draft", newer["draft"], "--now", "2026-11-27T12:15")
    [sent] = weekly_to_customer(world)
    assert text(sent).rstrip("\n") == newer["body_text"].rstrip("\n") and "Elm Road" in text(sent)


def test_the_draft_mail_is_marked_shows_who_it_goes_to_and_how_to_approve(world):
    preview, draft = two_items_drafted_at_noon(world)
    ident = preview["draft"]
    recipients = next(r for r, m in world.sent() if m["Message-ID"] == draft["Message-ID"])
    assert recipients == ["spoc@council.example"]  # the draft goes to the SPOC only
    assert str(draft["Subject"]) == f"[DRAFT for approval] {preview['subject']}"
    body = text(draft)
    assert body.startswith("DRAFT FOR APPROVAL: NOT YET SENT TO THE CUSTOMER")
    assert f"Draft:    {ident}" in body
    assert "To:       Jordan Example <jordan@example.org>" in body
    assert "Cc:       " in body and "Cllr Pat Smith <pat.smith@council.example>" in body
    assert 'reply to this mail with "Approve" as the first line' in body
    assert f"spocmail weekly send jordan --approve --draft {ident}" in body
    assert ident in draft.get_body(("html",)).get_content()
    assert body != preview["body_text"] and body.endswith(preview["body_text"].rstrip("\n") + "\n")
    # the text output of preview shows the identity too
    out = world.project.ok("weekly", "preview", "jordan", "--now", "2026-11-27T12:02").out
    assert out.startswith(f"Draft: {ident}")


BAD_REPLIES = [
    (SPOC, "Approved? No."),
    (SPOC, "Yes, but not until legal have checked it."),
    (DEPUTY, "Approve once the FOI line is fixed"),
    (DEPUTY, "Not approved."),
    ("Alex Jones <alex.jones@council.example>", "Approve"),  # an officer who is neither SPOC nor deputy
]


def test_only_an_exact_approval_from_the_spoc_or_deputy_sends(world, db_url):
    p = world.project
    preview, draft = two_items_drafted_at_noon(world)
    for n, (sender, body) in enumerate(BAD_REPLIES):
        world.deliver(reply_to(draft, sender, body, n, f"Fri, 27 Nov 2026 12:{10 + n}:00 +0000"))
        p.ok("poll", "--once", "--now", f"2026-11-27T12:{10 + n}:30")
        assert weekly_to_customer(world) == [], body
    database = Database(db_url)
    try:
        with database.session() as session:
            row = session.scalars(select(ResponseDraft).where(ResponseDraft.ident == preview["draft"])).one()
            comments, status = row.comments, row.status
    finally:
        database.dispose()
    # the SPOC's and deputy's replies are kept as comments; the officer's is not theirs to give
    assert [c["text"] for c in comments] == [b for _s, b in BAD_REPLIES[:4]] and status == "current"
    assert p.ok("issues", "list", "--json").json().__len__() == 2  # no reply became a request

    world.deliver(reply_to(draft, DEPUTY, "approved!", 9, "Fri, 27 Nov 2026 12:30:00 +0000"))
    p.ok("poll", "--once", "--now", "2026-11-27T12:30:30")
    [sent] = weekly_to_customer(world)
    assert text(sent).rstrip("\n") == preview["body_text"].rstrip("\n")
    world.deliver(reply_to(draft, SPOC, "Send", 10, "Fri, 27 Nov 2026 12:40:00 +0000"))
    p.ok("poll", "--once", "--now", "2026-11-27T12:40:30")
    assert len(weekly_to_customer(world)) == 1  # approved twice, sent once


def test_an_answer_changed_after_the_draft_makes_it_out_of_date(world):
    p = world.project
    world.deliver(TWO)
    p.ok("poll", "--once", "--now", "2026-11-23T09:00")
    ref = p.ok("issues", "list", "--json").json()[0]["ref"]
    p.ok("issues", "answer", ref, "--text", "The committee decides on 9 December.", "--now", "2026-11-24T10:00")
    p.ok("issues", "approve", ref, "--now", "2026-11-24T10:01")
    shown = p.ok("weekly", "preview", "jordan", "--json", "--now", "2026-11-27T12:00").json()
    assert "9 December" in shown["body_text"]
    p.ok("issues", "answer", ref, "--text", "The committee decides on 16 December.", "--now", "2026-11-27T12:02")
    p.ok("issues", "approve", ref, "--now", "2026-11-27T12:03")
    stale = p.run("weekly", "send", "jordan", "--approve", "--now", "2026-11-27T12:05")
    assert stale.code == 2 and "out of date" in stale.err and weekly_to_customer(world) == []
    fresh = p.ok("weekly", "preview", "jordan", "--json", "--now", "2026-11-27T12:06").json()
    assert fresh["draft"].startswith("2026-W48-v2-") and "16 December" in fresh["body_text"]
    p.ok("weekly", "send", "jordan", "--approve", "--now", "2026-11-27T12:07")
    [sent] = weekly_to_customer(world)
    assert "16 December" in text(sent) and "9 December" not in text(sent)
