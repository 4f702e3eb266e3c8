"""No address gets more than [smtp] max_per_address_per_hour mails in an hour: the rest wait for room, and go."""

from __future__ import annotations

import email

from .helpers import deliver, make_project, unrestricted_register

QUESTIONS = ["Why was my green bin not collected on Monday?", "When will the missed recycling collection be made?",
             "Can I have a replacement bin lid for the broken one?", "Why are bins left on the pavement after collection?",
             "Who do I ask about fly-tipping behind the recycling bins?"]


def test_mail_to_one_address_beyond_the_hourly_limit_waits_for_room(tmp_path, db_url):
    p = make_project(tmp_path / "p", db_url, register=unrestricted_register(tmp_path),
                     extra="")
    p.config.write_text(p.config.read_text().replace('[smtp]\nkind = "file"\ndir = "outbox"\n',
                                                     '[smtp]\nkind = "file"\ndir = "outbox"\nmax_per_address_per_hour = 3\n'))
    body = "\r\n\r\n".join(f"{n}. {q}" for n, q in enumerate(QUESTIONS, 1))
    deliver(p.maildir, ("From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\nSubject: Bins\r\n"
                        "Date: Mon, 30 Nov 2026 08:00:00 +0000\r\nMessage-ID: <rate@example.org>\r\n\r\n"
                        f"{body}\r\n").encode())
    p.ok("poll", "--once", "--now", "2026-11-30T10:00")

    def to_waste() -> int:
        return sum("dee.walker@council.example" in str(email.message_from_bytes(f.read_bytes())["To"])
                   for f in (p.dir / "outbox").glob("*.eml"))

    queued = p.ok("outbox", "list", "--state", "queued", "--json").json()
    assert to_waste() == 3 and len(queued) == 2, queued  # five requests to one officer: three now
    assert all(q["not_before"].startswith("2026-11-30T11:00") for q in queued), queued
    assert p.ok("outbox", "flush", "--json", "--now", "2026-11-30T10:30").json()["deferred"] == 0
    assert to_waste() == 3  # still within the hour: nothing more
    p.ok("outbox", "flush", "--now", "2026-11-30T11:01")
    assert to_waste() == 5 and p.ok("outbox", "list", "--state", "queued", "--json").json() == []
