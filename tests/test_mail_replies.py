"""reply_text: the officer's new words, without quoted history and without the signature."""

from __future__ import annotations

from spocmail.mail import parse_mail
from spocmail.mail.replies import reply_parts


def eml(body: str, subject: str = "RE: Request 123", ctype: str = 'text/plain; charset="utf-8"') -> bytes:
    head = (
        "From: Alex Jones <alex.jones@council.gov.uk>\r\nTo: SPOC <spoc@council.gov.uk>\r\n"
        f"Subject: {subject}\r\nDate: Thu, 15 Jan 2026 09:00:00 +0000\r\nMessage-ID: <r@council.gov.uk>\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: {ctype}\r\n\r\n"
    )
    return head.encode() + body.replace("\n", "\r\n").encode("utf-8")


def reply(body: str) -> str:
    return reply_parts(body)[0]


def test_gmail_attribution_and_quote_are_dropped():
    assert reply("The skip will be collected on Friday.\n\nOn Wed, 14 Jan 2026 at 10:15, SPOC <spoc@council.gov.uk> wrote:\n> Can you answer?\n> Thanks\n") == (
        "The skip will be collected on Friday."
    )


def test_gmail_attribution_wrapped_over_two_lines():
    assert reply("Done.\n\nOn Wed, 14 Jan 2026 at 10:15, Single Point of Contact <\nspoc@council.gov.uk> wrote:\n\n> Can you answer?\n") == "Done."


def test_localised_attributions_are_dropped():
    for line in (
        "Am Mi., 14. Jan. 2026 um 10:15 Uhr schrieb SPOC <spoc@council.gov.uk>:",
        "Le mer. 14 janv. 2026 à 10:15, SPOC <spoc@council.gov.uk> a écrit :",
        "El mié, 14 ene 2026 a las 10:15, SPOC (<spoc@council.gov.uk>) escribió:",
        "Il giorno mer 14 gen 2026 alle ore 10:15 SPOC <spoc@council.gov.uk> ha scritto:",
        "Op wo 14 jan. 2026 om 10:15 schreef SPOC <spoc@council.gov.uk>:",
        "On 14 Jan 2026, at 10:15, SPOC <spoc@council.gov.uk> wrote:",
    ):
        assert reply(f"Answer here.\n\n{line}\n\n> question\n") == "Answer here.", line


def test_outlook_header_block_starts_history():
    assert reply(
        "Yes, approved.\n\nAlex\n\nFrom: SPOC <spoc@council.gov.uk>\nSent: 14 January 2026 10:15\n"
        "To: Alex Jones <alex.jones@council.gov.uk>\nSubject: Request 123\n\nPlease answer.\n"
    ).startswith("Yes, approved.")


def test_original_message_banner_starts_history():
    assert reply("Fine.\n\n-----Original Message-----\nFrom: SPOC\nSent: 14 January 2026\nTo: Alex\nSubject: x\n\nq\n") == "Fine."


def test_inline_answers_between_quoted_blocks_are_kept():
    text = (
        "On Wed, 14 Jan 2026 at 10:15, SPOC <spoc@council.gov.uk> wrote:\n"
        "> 1. When will the bins be collected?\n\nOn Friday.\n\n"
        "> 2. Who is the case officer?\n\nSam Green.\n"
    )
    assert " ".join(reply(text).split()) == "On Friday. Sam Green."


def test_dash_dash_signature_is_removed():
    text, sig = reply_parts("Collected today.\n\n-- \nAlex Jones\nWaste Team\n")
    assert text == "Collected today."
    assert sig.startswith("--")


def test_phone_footer_is_removed():
    assert reply("Will do.\n\nSent from my iPhone\n") == "Will do."
    assert reply("Will do.\n\nGet Outlook for Android\n") == "Will do."


def test_closer_and_council_signature_block_are_removed():
    text = (
        "The application was approved on 12 January.\n\nKind regards\n\nAlex Jones\nPlanning Officer\n"
        "Planning Services | Example District Council\nTel: 01234 567890\nwww.example.gov.uk\n"
    )
    assert reply(text) == "The application was approved on 12 January."


def test_council_signature_without_closer_is_removed():
    text = (
        "The application was approved on 12 January.\n\nAlex Jones\nSenior Planning Officer\n"
        "Example District Council\nT: 01234 567890 | M: 07700 900123\n"
    )
    assert reply(text) == "The application was approved on 12 January."


def test_confidentiality_disclaimer_is_removed():
    text = (
        "Noted, thanks.\n\nThis email and any attachments are confidential and intended solely for the addressee. "
        "If you are not the intended recipient please delete it.\n"
    )
    assert reply(text) == "Noted, thanks."


def test_plain_sentence_with_thanks_is_not_a_signature():
    assert reply("Thanks for your patience, the bins are fixed now.") == "Thanks for your patience, the bins are fixed now."


def test_forward_reply_text_is_the_forwarders_note():
    mail = parse_mail(eml(
        "Please log this for Mrs Doe.\n\n________________________________\nFrom: Jane Doe <jane@example.org>\n"
        "Sent: 14 January 2026 10:15\nTo: Alex\nSubject: Bins\n\nMy bins...\n",
        subject="FW: Bins",
    ))
    assert mail.reply_text == "Please log this for Mrs Doe."


def test_html_only_gmail_reply_drops_blockquote():
    html = (
        '<div dir="ltr">Collected this morning.</div><br><div class="gmail_quote"><div class="gmail_attr">'
        "On Wed, 14 Jan 2026 at 10:15, SPOC &lt;spoc@council.gov.uk&gt; wrote:<br></div>"
        '<blockquote class="gmail_quote">Has the skip gone?</blockquote></div>'
    )
    mail = parse_mail(eml(html, ctype='text/html; charset="utf-8"'))
    assert mail.reply_text == "Collected this morning."


def test_pipe_separated_signature_and_sign_off_name_are_removed():
    text = (
        "Logged, thanks.\n\nPriya\n\nPriya Shah | Environmental Health Officer | Environmental Health & Licensing\n"
        "Example District Council | Council Offices, High Street, Cambourne, CB23 6EA\nT: 01234 567892\n"
    )
    assert reply(text) == "Logged, thanks."


def test_bilingual_closer_and_welsh_signature_are_removed():
    text = "Diolch, wedi'i gofnodi.\n\nCofion / Regards,\nSiân\n\nCllr Siân Llŷr\nCynghorydd Ward y Felin | Councillor for Felin Ward\n"
    assert reply(text) == "Diolch, wedi'i gofnodi."


def test_short_last_line_of_the_message_is_kept_without_a_signature_below():
    assert reply("Can you call me on Monday\n\nThanks") == "Can you call me on Monday"
    assert reply("The bins go out on Monday") == "The bins go out on Monday"


def test_header_lines_pasted_into_the_answer_are_kept():
    text = (
        "It was this one:\n\nFrom: Jordan Example\nDate: 3 December 2025\nSubject: Noise again\n\n"
        "and I replied on 5 December.\n\nOn Mon, 14 Sept 2026 at 09:00, SPOC <spoc@council.gov.uk> wrote:\n> Dear Priya\n"
    )
    assert " ".join(reply(text).split()) == (
        "It was this one: From: Jordan Example Date: 3 December 2025 Subject: Noise again and I replied on 5 December."
    )


def test_answers_tagged_with_the_officers_name_inside_unquoted_history_are_kept():
    text = (
        "See my answers below.\n\nFrom: SPOC <spoc@council.gov.uk>\nSent: 6 July 2026 09:00\nTo: Alex Jones\n"
        "Subject: Request\n\n1. Validated?\n[Alex Jones] Yes.\n2. Target date?\n[AJ] 31 July 2026.\n[Someone Else] No.\n"
    )
    text_out, _sig = reply_parts(text, "Jones, Alex")
    assert text_out == "See my answers below.\n\n[Alex Jones] Yes.\n\n[AJ] 31 July 2026."
