"""Whose mail is it, end to end through a real Dovecot: each mail ends up where a SPOC would put it."""

from sqlalchemy import select

from spocmail.db import Database
from spocmail.db.decisions import Identification
from spocmail.db.mail import Message
from tests.test_intake_imap import imap_project


def mail(sender: str, subject: str, body: str, extra: str = "") -> bytes:
    return (f"From: {sender}\r\nTo: spoc@council.example\r\nSubject: {subject}\r\n{extra}"
            f"Date: Tue, 24 Nov 2026 09:00:00 +0000\r\nMessage-ID: <{abs(hash(body))}@x.example>\r\n\r\n"
            f"{body}\r\n").encode()


def test_known_address_officer_forward_member_forward_and_out_of_office(tmp_path, imap, db_url, monkeypatch):
    project = imap_project(tmp_path, imap, db_url, monkeypatch)
    imap.append(mail("Jordan Example <jordan@example.org>", "Bins", "Why was my bin missed again?"))
    imap.append(mail("Alex Jones <alex.jones@council.example>", "FW: Extension",
                     "FYI\r\n\r\n________________________________\r\nFrom: Jordan Example <jordan@example.org>\r\n"
                     "Sent: 23 November 2026 07:55\r\nTo: Alex Jones <alex.jones@council.example>\r\n"
                     "Subject: Extension\r\n\r\nWhy was the extension at No. 3 approved?"))
    imap.append(mail("Cllr Pat Smith <pat.smith@council.example>", "Fwd: Noise",
                     "Please handle.\r\n\r\n---------- Forwarded message ---------\r\n"
                     "From: Jordan Example <j.example1962@mailbox.example>\r\nDate: Mon, 23 Nov 2026 at 22:10\r\n"
                     "Subject: Noise\r\nTo: <pat.smith@council.example>\r\n\r\nLorries at 5am again. "
                     "Ring me on 01234 567890."))
    imap.append(mail("Sam Patel <sam.patel@council.example>", "Automatic reply: Noise", "I am away until Monday.",
                     extra="Auto-Submitted: auto-replied\r\n"))
    counts = project.ok("poll", "--once", "--json").json()
    assert (counts["stored"], counts["filed"], counts["triage"]) == (4, 3, 0)

    database = Database(db_url)
    with database.session() as s:
        rows = s.execute(select(Message.subject, Identification.role, Identification.customer_id,
                                Identification.decision, Identification.suggest_address)
                         .join(Identification, Identification.message_pk == Message.id)
                         .order_by(Message.id)).all()
    database.dispose()
    assert [tuple(r) for r in rows] == [
        ("Bins", "customer", "jordan", "filed", None),
        ("FW: Extension", "officer", "jordan", "filed", None),
        ("Fwd: Noise", "member", "jordan", "provisional", "j.example1962@mailbox.example"),
        ("Automatic reply: Noise", "officer", None, "not-a-request", None),
    ]
    addresses = {a["email"]: a["status"] for a in project.ok("register", "show", "jordan", "--json").json()["addresses"]}
    assert addresses == {"jordan@example.org": "confirmed", "j.example1962@mailbox.example": "suggested"}
    # the out-of-office became no issue; the three contacts did
    assert len(project.ok("issues", "list", "--json").json()) == 3


def _counts(db_url: str) -> dict[str, int]:
    from sqlalchemy import func

    from spocmail.db.audit import AuditEntry
    from spocmail.db.issues import Issue, IssueMessage
    from spocmail.db.outbox import OutboxMail

    database = Database(db_url)
    with database.session() as s:
        counts = {t.__name__: s.scalar(select(func.count()).select_from(t))
                  for t in (Message, Identification, AuditEntry, Issue, IssueMessage, OutboxMail)}
    database.dispose()
    return counts


def test_identify_runs_intakes_own_steps_without_writing_and_intake_agrees(tmp_path, imap, smtp, db_url,
                                                                          monkeypatch):
    from datetime import datetime, timezone

    from tests.test_officers_e2e import officer_reply, project_for, requests_by_officer

    project = project_for(tmp_path, imap, smtp, db_url, monkeypatch)
    imap.append(mail("Jordan Example <jordan@example.org>", "Planning",
                     "When will the planning committee decide application 26/0123/FUL?"),
                date=datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc))
    project.ok("poll", "--once", "--now", "2026-11-24T09:05")
    [issue] = project.ok("issues", "list", "--json").json()
    request = requests_by_officer(smtp)["alex.jones@council.example"]
    answer = officer_reply(request, "Alex Jones <alex.jones@council.example>", "The committee meets on 9 December.")
    followup = (f"From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\n"
                f"Subject: RE: {request['Subject']}\r\nDate: Tue, 24 Nov 2026 11:00:00 +0000\r\n"
                f"Message-ID: <jordan-again@example.org>\r\nIn-Reply-To: {request['Message-ID']}\r\n\r\n"
                f"Also, the site notice was taken down last week.\r\n").encode()
    (tmp_path / "answer.eml").write_bytes(answer)
    (tmp_path / "followup.eml").write_bytes(followup)

    before = _counts(db_url)
    said = {name: project.ok("identify", tmp_path / f"{name}.eml", "--json").json() for name in ("answer", "followup")}
    assert _counts(db_url) == before  # the same steps, nothing written
    a, f = said["answer"], said["followup"]
    assert (a["role"], a["customer"], a["decision"]) == ("officer", "jordan", "not-a-request")
    assert a["step"] == "officer answer"
    assert [e["kind"] for e in a["evidence"]] == ["answer"] and issue["ref"] in a["evidence"][0]["detail"]
    assert (f["role"], f["customer"], f["decision"], f["step"]) == ("customer", "jordan", "filed", "file and route")
    assert f["follow_up_of"] == [issue["ref"]]

    imap.append(answer, date=datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc))
    imap.append(followup, date=datetime(2026, 11, 24, 11, 0, tzinfo=timezone.utc))
    counts = project.ok("poll", "--once", "--json", "--now", "2026-11-24T11:05").json()
    assert (counts["answers"], counts["filed"], counts["triage"]) == (1, 1, 0)
    database = Database(db_url)
    with database.session() as s:
        rows = s.execute(select(Message.message_id, Identification.role, Identification.customer_id,
                                Identification.decision)
                         .join(Identification, Identification.message_pk == Message.id)
                         .order_by(Message.id)).all()
    database.dispose()
    recorded = {mid: (role, customer, decision) for mid, role, customer, decision in rows}
    assert recorded[str(email_id(answer))] == (a["role"], a["customer"], a["decision"])
    assert recorded["<jordan-again@example.org>"] == (f["role"], f["customer"], f["decision"])
    shown = project.ok("issues", "show", issue["ref"], "--json").json()
    assert [x["text"] for x in shown["answers"]] == ["The committee meets on 9 December."]
    assert len(project.ok("issues", "list", "--json").json()) == 1


def email_id(raw: bytes) -> str:
    import email
    from email import policy

    return str(email.message_from_bytes(raw, policy=policy.default)["Message-ID"]).strip()


def test_a_bad_answers_file_stops_the_poll_with_exit_2_before_any_mail_is_set_aside(tmp_path, imap, db_url,
                                                                                   monkeypatch):
    from datetime import datetime, timezone

    from tests.test_intake_imap import imap_project

    project = imap_project(tmp_path, imap, db_url, monkeypatch)
    rules = project.dir / "rules"  # the council's own copy, named by [rules] dir
    rules.mkdir()
    (rules / "answers.toml").write_text('[decline]\nphrases = ["not (for me"]\n')
    project.config.write_text(project.config.read_text() + '\n[rules]\ndir = "rules"\n')
    imap.append(mail("Jordan Example <jordan@example.org>", "Bins", "Why was my bin missed again?"),
                date=datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc))
    for _ in range(3):  # never three failures that set the mail aside: the council's file is at fault
        result = project.run("poll", "--once", "--json", "--now", "2026-11-24T09:05")
        assert result.code == 2
        assert "answers.toml" in result.err and "[decline] phrases #1" in result.err
    (rules / "answers.toml").unlink()  # the council's copy gone: the shipped one is read and the mail goes through
    assert project.ok("quarantine", "--json").json() == []  # nothing was set aside while the file was bad
    counts = project.ok("poll", "--once", "--json", "--now", "2026-11-24T09:10").json()
    assert (counts["stored"], counts["filed"]) == (1, 1)
