"""Seed 004's two stages: a complaint taken to stage 2 is reviewed by someone other than the officer who dealt
with stage 1, and the routing reason says so."""

from __future__ import annotations

from .helpers import deliver, make_project, unrestricted_register

HEAD = "From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\n"


def mail(n: int, subject: str, text: str, day: int) -> bytes:
    return (HEAD + f"Subject: {subject}\r\nDate: Mon, {day} Nov 2026 08:00:00 +0000\r\n"
                   f"Message-ID: <stage{n}@example.org>\r\n\r\n{text}\r\n").encode()


def test_stage_two_goes_to_someone_other_than_the_stage_one_officer(tmp_path, db_url):
    p = make_project(tmp_path / "p", db_url, register=unrestricted_register(tmp_path))
    deliver(p.maildir, mail(1, "Formal complaint", "I want to make a formal complaint: my bins were missed three "
                                                   "weeks running and nobody from the collection team replied.", 2))
    p.ok("poll", "--once", "--now", "2026-11-02T10:00")
    (first,) = p.ok("issues", "list", "--json").json()
    assert first["category"] == "complaint"
    stage_one = first["officer"]
    assert stage_one
    deliver(p.maildir, mail(2, "Not satisfied", "I am not satisfied with the answer and want to escalate my "
                                                "complaint about the bin collections to stage 2.", 23))
    p.ok("poll", "--once", "--now", "2026-11-23T10:00")
    second = next(i for i in p.ok("issues", "list", "--json").json() if i["ref"] != first["ref"])
    shown = p.ok("issues", "show", second["ref"], "--json").json()
    assert shown["category"] == "complaint" and shown["category_rule"] == "complaint-escalation", shown
    assert second["officer"] and second["officer"] != stage_one
    assert "stage 2 complaint" in shown["routing_reason"] and stage_one in shown["routing_reason"]
