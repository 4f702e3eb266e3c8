"""Auto-replies are recognised by their headers and subjects; a person's mail never is."""

from __future__ import annotations

from spocmail.mail import parse_mail


def eml(subject: str = "Bins", headers: str = "", ctype: str = "text/plain") -> bytes:
    return (
        "From: Jane Doe <jane@example.org>\r\nTo: spoc@council.gov.uk\r\n"
        f"Subject: {subject}\r\nDate: Wed, 14 Jan 2026 10:15:00 +0000\r\nMessage-ID: <a@b>\r\n{headers}"
        f"Content-Type: {ctype}\r\n\r\nI am away until Monday.\r\n"
    ).encode("utf-8")


def test_rfc3834_auto_submitted_is_auto():
    mail = parse_mail(eml(headers="Auto-Submitted: auto-replied\r\n"))
    assert mail.auto_reply and "Auto-Submitted" in mail.auto_reply_reason


def test_auto_submitted_no_is_a_person():
    assert not parse_mail(eml(headers="Auto-Submitted: no\r\n")).auto_reply


def test_x_autoreply_and_precedence_are_auto():
    assert parse_mail(eml(headers="X-Autoreply: yes\r\n")).auto_reply
    assert parse_mail(eml(headers="X-Autorespond: on\r\n")).auto_reply
    for p in ("bulk", "junk", "list", "auto_reply"):
        assert parse_mail(eml(headers=f"Precedence: {p}\r\n")).auto_reply, p


def test_x_auto_response_suppress_all_is_auto():
    # Exchange stamps "All" on what it generates itself
    assert parse_mail(eml(headers="X-Auto-Response-Suppress: All\r\n")).auto_reply


def test_partial_x_auto_response_suppress_is_not_auto_from_a_person():
    # Outlook puts partial values on meeting requests and voting mail: a person's request must not be dropped
    assert not parse_mail(eml(headers="X-Auto-Response-Suppress: DR, RN, NRN, OOF\r\n")).auto_reply


def test_partial_x_auto_response_suppress_from_a_noreply_sender_is_auto():
    raw = eml(headers="X-Auto-Response-Suppress: OOF, AutoReply\r\n").replace(b"jane@example.org", b"noreply@portal.example")
    assert parse_mail(raw).auto_reply


def test_null_return_path_is_auto():
    assert parse_mail(eml(headers="Return-Path: <>\r\n")).auto_reply


def test_delivery_report_is_auto():
    raw = eml(ctype='multipart/report; report-type=delivery-status; boundary="r"').replace(
        b"I am away until Monday.\r\n",
        b"--r\r\nContent-Type: text/plain\r\n\r\nDelivery failed\r\n--r\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.example.org\r\n\r\nFinal-Recipient: rfc822; x@y\r\nAction: failed\r\n--r--\r\n",
    )
    assert parse_mail(raw).auto_reply


def test_exchange_oof_marker_is_auto():
    assert parse_mail(eml(headers="X-MS-Exchange-Organization-AutoReply: OOF\r\n")).auto_reply
    assert parse_mail(eml(headers="X-MS-Exchange-Organization-MessageClass: IPM.Note.Rules.OofTemplate.Microsoft\r\n")).auto_reply


def test_out_of_office_subjects_in_every_language_are_auto():
    for s in ("Automatic reply: Bins", "Out of Office: Bins", "Autoreply: Bins", "Réponse automatique : Bins",
              "Automatische Antwort: Bins", "Respuesta automática: Bins", "Risposta automatica: Bins",
              "Automatisch antwoord: Bins", "Resposta automática: Bins", "Odpowiedź automatyczna: Bins",
              "Ateb awtomatig: Bins", "Undeliverable: Bins"):
        assert parse_mail(eml(subject=s)).auto_reply, s


def test_human_subject_mentioning_out_of_office_hours_is_not_auto():
    for s in ("Out of office hours noise from the pub", "Out of office hours: emergency number?",
              "RE: Automatic replies from your system", "Question about automatic reply settings", "Absence of street lights"):
        assert not parse_mail(eml(subject=s)).auto_reply, s
