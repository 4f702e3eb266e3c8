"""Forwarded messages: the original sender, date and subject are recovered from every client's block."""

from __future__ import annotations

from datetime import datetime, timezone

from spocmail.mail import parse_mail


def eml(body: str, subject: str = "FW: Bins", headers: str = "", ctype: str = 'text/plain; charset="utf-8"') -> bytes:
    head = (
        "From: Cllr Bob Smith <bob.smith@council.gov.uk>\r\n"
        "To: SPOC <spoc@council.gov.uk>\r\n"
        f"Subject: {subject}\r\n"
        "Date: Thu, 15 Jan 2026 09:00:00 +0000\r\n"
        "Message-ID: <fw-test@council.gov.uk>\r\n"
        "MIME-Version: 1.0\r\n"
        f"{headers}"
        f"Content-Type: {ctype}\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    )
    return head.encode() + body.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def only(mail):
    assert len(mail.forwarded) == 1, mail.forwarded
    return mail.forwarded[0]


def test_outlook_desktop_forward_recovers_original_sender():
    mail = parse_mail(eml(
        "Please log this.\n\n________________________________\n"
        "From: Jane Doe <jane@example.org>\nSent: 14 January 2026 10:15\n"
        "To: Bob Smith <bob.smith@council.gov.uk>\nSubject: Bins not collected\n\n"
        "My bins were not collected.\n"
    ))
    fw = only(mail)
    assert (fw.from_.name, fw.from_.email) == ("Jane Doe", "jane@example.org")
    assert fw.date == datetime(2026, 1, 14, 10, 15, tzinfo=timezone.utc)
    assert fw.subject == "Bins not collected"
    assert fw.body == "My bins were not collected."
    assert mail.reply_text == "Please log this."


def test_outlook_mailto_form_and_hidden_address():
    mail = parse_mail(eml(
        "-----Original Message-----\nFrom: Jane Doe [mailto:jane@example.org]\n"
        "Sent: Wednesday, January 14, 2026 3:15 PM\nTo: Bob\nSubject: Bins\n\nHello\n"
    ))
    fw = only(mail)
    assert fw.from_.email == "jane@example.org" and fw.from_.name == "Jane Doe"
    assert fw.date.hour == 15
    hidden = only(parse_mail(eml(
        "________________________________\nFrom: Jane Doe\nSent: 14 January 2026 10:15\nTo: Bob Smith\nSubject: Bins\n\nHello\n"
    )))
    assert hidden.from_.email is None and hidden.from_.name == "Jane Doe"
    assert hidden.address_hidden is True


def test_outlook_french_forward_recovers_original_sender():
    fw = only(parse_mail(eml(
        "Voir ci-dessous.\n\n________________________________\n"
        "De : Marie Dupont <marie@exemple.fr>\nEnvoyé : mercredi 14 janvier 2026 10:15\n"
        "À : Bob Smith <bob.smith@council.gov.uk>\nObjet : Poubelles\n\nBonjour\n",
        subject="TR: Poubelles",
    )))
    assert fw.from_.email == "marie@exemple.fr"
    assert fw.date == datetime(2026, 1, 14, 10, 15, tzinfo=timezone.utc)
    assert fw.subject == "Poubelles"


def test_outlook_german_forward_recovers_original_sender():
    fw = only(parse_mail(eml(
        "Von: Hans Müller <hans@beispiel.de>\nGesendet: Mittwoch, 14. Januar 2026 10:15\n"
        "An: Bob Smith\nBetreff: Mülltonnen\n\nHallo\n",
        subject="WG: Mülltonnen",
    )))
    assert (fw.from_.name, fw.from_.email) == ("Hans Müller", "hans@beispiel.de")
    assert fw.date.day == 14 and fw.date.month == 1


def test_localised_outlook_blocks_in_every_supported_language():
    cases = {
        "es": ("De: Ana <ana@ej.es>\nEnviado: miércoles, 14 de enero de 2026 10:15\nPara: Bob\nAsunto: Basura\n", "ana@ej.es"),
        "it": ("Da: Luca <luca@es.it>\nInviato: mercoledì 14 gennaio 2026 10:15\nA: Bob\nOggetto: Rifiuti\n", "luca@es.it"),
        "nl": ("Van: Piet <piet@vb.nl>\nVerzonden: woensdag 14 januari 2026 10:15\nAan: Bob\nOnderwerp: Afval\n", "piet@vb.nl"),
        "pt": ("De: João <joao@ex.pt>\nEnviada: quarta-feira, 14 de janeiro de 2026 10:15\nPara: Bob\nAssunto: Lixo\n", "joao@ex.pt"),
        "pl": ("Od: Jan <jan@pr.pl>\nWysłane: środa, 14 stycznia 2026 10:15\nDo: Bob\nTemat: Śmieci\n", "jan@pr.pl"),
        "cy": ("Oddi wrth: Dafydd <dafydd@eg.cymru>\nAnfonwyd: Dydd Mercher, 14 Ionawr 2026 10:15\nAt: Bob\nPwnc: Biniau\n", "dafydd@eg.cymru"),
    }
    for lang, (block, addr) in cases.items():
        fw = only(parse_mail(eml("Note\n\n________________________________\n" + block + "\nBody\n")))
        assert fw.from_.email == addr, lang
        assert fw.date == datetime(2026, 1, 14, 10, 15, tzinfo=timezone.utc), lang


def test_gmail_forward_with_at_in_date_and_bold_name():
    fw = only(parse_mail(eml(
        "FYI\n\n---------- Forwarded message ---------\nFrom: *Jane Doe* <jane@example.org>\n"
        "Date: Wed, 14 Jan 2026 at 10:15\nSubject: Bins\nTo: <bob.smith@council.gov.uk>\n\n\nHello\n",
        subject="Fwd: Bins",
    )))
    assert (fw.from_.name, fw.from_.email) == ("Jane Doe", "jane@example.org")
    assert fw.date == datetime(2026, 1, 14, 10, 15, tzinfo=timezone.utc)


def test_gmail_german_banner_and_wrapped_from_line():
    fw = only(parse_mail(eml(
        "---------- Weitergeleitete Nachricht ---------\nVon: Jane Doe <\njane@example.org>\n"
        "Date: Mi., 14. Jan. 2026 um 10:15 Uhr\nSubject: Bins\nTo: Bob <bob@council.gov.uk>\n\nHallo\n",
        subject="Fwd: Bins",
    )))
    assert fw.from_.email == "jane@example.org"
    assert fw.date.day == 14


def test_apple_mail_forward_with_quoted_header_block():
    fw = only(parse_mail(eml(
        "Sent from my iPhone\n\nBegin forwarded message:\n\n> From: Jane Doe <jane@example.org>\n"
        "> Date: 14 January 2026 at 10:15:32 GMT\n> To: Bob <bob@council.gov.uk>\n> Subject: Bins\n>\n> Hello there\n"
    )))
    assert fw.from_.email == "jane@example.org"
    assert fw.body == "Hello there"
    assert fw.date.second == 32


def test_thunderbird_forward_with_subject_first_and_tabs():
    fw = only(parse_mail(eml(
        "\n-------- Forwarded Message --------\nSubject: \tBins\nDate: \tWed, 14 Jan 2026 10:15:00 +0000\n"
        "From: \tJane Doe <jane@example.org>\nTo: \tbob@council.gov.uk\n\nHello\n"
    )))
    assert fw.from_.email == "jane@example.org" and fw.subject == "Bins"


def test_android_samsung_forward_reads_uk_day_first_date():
    fw = only(parse_mail(eml(
        "\n\n-------- Original message --------\nFrom: Jane Doe <jane@example.org> \n"
        "Date: 03/02/2026 10:15 (GMT+00:00) \nTo: bob@council.gov.uk \nSubject: Bins \n\nHello\n"
    )))
    assert fw.date == datetime(2026, 2, 3, 10, 15, tzinfo=timezone.utc)


def test_yahoo_forward():
    fw = only(parse_mail(eml(
        "----- Forwarded Message -----\nFrom: Jane Doe <jane@example.org>\nTo: Bob <bob@council.gov.uk>\n"
        "Sent: Wednesday, 14 January 2026, 10:15:00 GMT\nSubject: Bins\n\nHello\n"
    )))
    assert fw.from_.email == "jane@example.org"


def test_forward_of_forward_lists_outermost_first():
    mail = parse_mail(eml(
        "See below\n\n________________________________\nFrom: Officer <officer@council.gov.uk>\n"
        "Sent: 14 January 2026 12:00\nTo: Bob\nSubject: FW: Bins\n\nFor info\n\n"
        "________________________________\nFrom: Jane Doe <jane@example.org>\nSent: 14 January 2026 10:15\n"
        "To: Officer\nSubject: Bins\n\nOriginal text\n"
    ))
    assert [f.from_.email for f in mail.forwarded] == ["officer@council.gov.uk", "jane@example.org"]
    assert mail.forwarded[-1].body == "Original text"


def test_one_line_header_block_is_split_into_fields():
    fw = only(parse_mail(eml(
        "From: Jane Doe <jane@example.org> Sent: Wednesday, January 14, 2026 10:15 AM To: Bob <bob@x.org> Subject: Bins\n\nHi\n"
    )))
    assert fw.from_.email == "jane@example.org" and fw.subject == "Bins"


def test_reply_history_is_not_a_forward():
    mail = parse_mail(eml(
        "Thanks, done.\n\n________________________________\nFrom: SPOC <spoc@council.gov.uk>\n"
        "Sent: 14 January 2026 10:15\nTo: Officer\nSubject: Request\n\nPlease answer\n",
        subject="RE: Request",
    ))
    assert mail.forwarded == []
    assert mail.reply_text == "Thanks, done."


def test_forward_attached_as_rfc822_is_parsed_recursively():
    inner = (
        "From: Jane Doe <jane@example.org>\r\nTo: bob@council.gov.uk\r\nSubject: Bins\r\n"
        "Date: Wed, 14 Jan 2026 10:15:00 +0000\r\nMessage-ID: <inner@x>\r\n\r\nInner body\r\n"
    )
    body = (
        "--b1\r\nContent-Type: text/plain\r\n\r\nSee attached\r\n"
        "--b1\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"Bins.eml\"\r\n\r\n"
        + inner + "--b1--\r\n"
    )
    mail = parse_mail(eml(body, ctype='multipart/mixed; boundary="b1"'))
    fw = only(mail)
    assert fw.via == "rfc822" and fw.from_.email == "jane@example.org"
    assert fw.body.strip() == "Inner body"
    assert [a.filename for a in mail.attachments] == ["Bins.eml"]
    assert mail.reply_text == "See attached"


def test_html_only_outlook_web_forward_survives_conversion():
    html = (
        "<html><body><div>Please see below</div><hr style=\"display:inline-block;width:98%\">"
        "<div id=\"divRplyFwdMsg\" dir=\"ltr\"><font face=\"Calibri\"><b>From:</b> Jane Doe &lt;jane@example.org&gt;<br>"
        "<b>Sent:</b> Wednesday, January 14, 2026 10:15 AM<br><b>To:</b> Bob &lt;bob@council.gov.uk&gt;<br>"
        "<b>Subject:</b> Bins</font><div>&nbsp;</div></div><div>Bins again</div></body></html>"
    )
    mail = parse_mail(eml(html, ctype='text/html; charset="utf-8"'))
    fw = only(mail)
    assert fw.from_.email == "jane@example.org"
    assert fw.body == "Bins again"
    assert mail.reply_text == "Please see below"
