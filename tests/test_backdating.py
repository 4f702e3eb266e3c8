"""A customer cannot backdate a statutory request (issue 10 item 3): only an officer's or member's forward
says when the council first had a mail; a customer's hand-written "Forwarded message" block with an old
Date is received when it arrives."""

from __future__ import annotations

from tests.helpers import deliver, make_project


def _forward(sender: str, n: int) -> bytes:
    return (f"From: {sender}\r\nTo: spoc@council.example\r\nSubject: Fwd: Information request\r\n"
            f"Date: Mon, 23 Nov 2026 08:1{n}:00 +0000\r\nMessage-ID: <backdate{n}@example.org>\r\n\r\n"
            "See below.\r\n\r\n---------- Forwarded message ---------\r\n"
            "From: Jordan Example <jordan@example.org>\r\nDate: Mon, 1 Jun 2026 at 09:00\r\n"
            "Subject: Information request\r\nTo: Alex Jones <alex.jones@council.example>\r\n\r\n"
            f"Under the Freedom of Information Act 2000, how much did the council spend on consultants in 202{n}?\r\n"
            ).encode()


def test_a_customers_own_forward_is_received_when_it_arrives_and_an_officers_when_the_original_was(tmp_path, db_url):
    p = make_project(tmp_path / "p", db_url)
    deliver(p.maildir, _forward("Jordan Example <jordan@example.org>", 1))
    deliver(p.maildir, _forward("Alex Jones <alex.jones@council.example>", 2))
    p.ok("poll", "--once", "--now", "2026-11-23T09:00")
    issues = {i["request_text"][-5:] if "request_text" in i else i["ref"]: i
              for i in p.ok("issues", "list", "--json").json()}
    fois = sorted((i for i in issues.values() if i["statutory_kind"] == "foi"), key=lambda i: i["ref"])
    assert len(fois) == 2
    by_customer, by_officer = fois
    assert by_customer["received_at"].startswith("2026-11-23")  # when it arrived, not 1 June
    assert by_customer["due"] == "2026-12-22"  # 20 UK working days (St Andrew's Day, 30 Nov, does not count)
    assert by_officer["received_at"].startswith("2026-06-01")  # the officer's forward: the council had it then
    shown = p.ok("audit", "show", "--customer", "jordan", "--json").json()
    assert any(e["action"] == "received.claimed_date_ignored" for e in shown)
    # and the SPOC is told, once, which mail and which issue, with the date it claimed
    import email
    import email.policy

    notices = [email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
               for f in (p.dir / "outbox").glob("*.eml")]
    told = [n for n in notices if "claims an earlier date" in str(n["Subject"])]
    assert len(told) == 1 and "morgan.reed@council.example" in str(told[0]["To"])
    body = told[0].get_body(("plain",)).get_content()
    assert "Monday 1 June 2026" in body and by_customer["ref"] in body and by_officer["ref"] not in body
