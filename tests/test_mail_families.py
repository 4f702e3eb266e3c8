"""Issue 15: forward and reply families by client and language, and the look-alikes that must be kept.

Each case is a short body written for the family it names (not copied from a fixture); the corpus in
tests/mail/ measures the same families on whole mails.
"""

from __future__ import annotations

import pytest

from spocmail.mail.forwards import inline_forwards
from spocmail.mail.replies import reply_parts

JANE = ("Jane Doe", "jane@example.org")


def forwarded(body: str, subject: str = "Fwd: Bins") -> list[tuple[str | None, str | None]]:
    found, _ = inline_forwards(body, subject)
    return [(f.from_.name, f.from_.email) for f in found]


def reply(body: str) -> str:
    return " ".join(reply_parts(body)[0].split())


FORWARDS = {
    "yahoo_en": "FYI\n\n----- Forwarded Message -----\nFrom: Jane Doe <jane@example.org>\nTo: SPOC <spoc@council.gov.uk>\nSent: Wednesday, January 14, 2026, 10:30:00 AM GMT\nSubject: Bins\n\nHello\n",
    "yahoo_en_one_line": "FYI\n\n----- Forwarded Message ----- From: Jane Doe <jane@example.org>To: SPOC <spoc@council.gov.uk>Sent: Wednesday, January 14, 2026, 10:30:00 AM GMTSubject: Bins\n\nHello\n",
    "yahoo_de": "----- Weitergeleitete Nachricht -----\nVon: Jane Doe <jane@example.org>\nAn: SPOC <spoc@council.gov.uk>\nGesendet: Mittwoch, 14. Januar 2026, 10:30:00 MEZ\nBetreff: Müll\n\nHallo\n",
    "yahoo_es": "----- Mensaje reenviado -----\nDe: Jane Doe <jane@example.org>\nPara: SPOC <spoc@council.gov.uk>\nEnviado: miércoles, 14 de enero de 2026 10:30:00 CET\nAsunto: Basura\n\nHola\n",
    "yahoo_fr": "----- Message transféré -----\nDe : Jane Doe <jane@example.org>\nÀ : SPOC <spoc@council.gov.uk>\nEnvoyé : mercredi 14 janvier 2026 à 10:30:00 UTC+1\nObjet : Poubelles\n\nBonjour\n",
    "yahoo_it": "----- Messaggio inoltrato -----\nDa: Jane Doe <jane@example.org>\nA: SPOC <spoc@council.gov.uk>\nInviato: mercoledì 14 gennaio 2026, 10:30:00 CET\nOggetto: Rifiuti\n\nCiao\n",
    "outlook2019_en": "FYI\n\nOn Wednesday, January 14, 2026 10:30 AM, \"Jane Doe\" <jane@example.org> wrote:\n\nHello, the bins were missed.\n",
    "outlook2019_de": "Am 14.01.2026 um 10:30 schrieb \"Jane Doe\" <jane@example.org>:\n\nHallo\n",
    "outlook2019_ru": "14.01.2026 10:30 пользователь \"Jane Doe\" <jane@example.org> написал:\n\nЗдравствуйте\n",
    "gmail_ro": "---------- Mesaj redirecționat ---------\nDe la: Jane Doe <jane@example.org>\nDate: mie., 14 ian. 2026 la 10:30\nSubject: Bins\nTo: <spoc@council.gov.uk>\n\nBună ziua\n",
    "hubspot_ja": "---------- 転送メッセージ ----------\n送信元: Jane Doe <jane@example.org>\n日付: 2026年1月14日 10:30\n件名: ごみ\n宛先: spoc@council.gov.uk\n\nこんにちは\n",
    "mailru_html_text": "-------- Пересылаемое сообщение --------\nСреда, 14 января 2026, 10:30 +03:00 от Jane Doe <jane@example.org>:\n\nЗдравствуйте\n",
    "aol": "-----Original Message-----\nFrom: Jane Doe <jane@example.org>\nTo: spoc@council.gov.uk\nSent: Wed, Jan 14, 2026 10:30 am\nSubject: Bins\n\nHello\n",
    "zoho": "============ Forwarded message ============\nFrom: Jane Doe <jane@example.org>\nTo: <spoc@council.gov.uk>\nDate: Wed, 14 Jan 2026 10:30:00 +0000\nSubject: Bins\n============ Forwarded message ============\n\nHello\n",
    "protonmail": "------- Forwarded Message -------\nFrom: Jane Doe <jane@example.org>\nDate: On Wednesday, January 14th, 2026 at 10:30\nSubject: Bins\nTo: spoc@council.gov.uk\n\nHello\n",
    "fastmail": "----- Original message -----\nFrom: Jane Doe <jane@example.org>\nTo: spoc@council.gov.uk\nSubject: Bins\nDate: Wednesday, January 14, 2026 10:30 AM\n\nHello\n",
    "crm_star_rule": "**********************************\nFrom: Jane Doe <jane@example.org>\nSent: 14 January 2026 10:30\nTo: spoc@council.gov.uk\nSubject: Bins\n\nHello\n",
    "pl": "Od: Jane Doe <jane@example.org>\nWysłano: środa, 14 stycznia 2026 10:30\nDo: spoc@council.gov.uk\nTemat: Śmieci\n",
    "cs": "Od: Jane Doe <jane@example.org>\nOdesláno: středa 14. ledna 2026 10:30\nKomu: spoc@council.gov.uk\nPředmět: Odpad\n",
    "hu": "Feladó: Jane Doe <jane@example.org>\nElküldve: 2026. január 14. 10:30\nCímzett: spoc@council.gov.uk\nTárgy: Szemét\n",
    "ru": "От: Jane Doe <jane@example.org>\nОтправлено: 14 января 2026 г. 10:30\nКому: spoc@council.gov.uk\nТема: Мусор\n",
    "uk": "Від: Jane Doe <jane@example.org>\nНадіслано: 14 січня 2026 р. 10:30\nКому: spoc@council.gov.uk\nТема: Сміття\n",
    "ja": "差出人: Jane Doe <jane@example.org>\n送信日時: 2026年1月14日 10:30\n宛先: spoc@council.gov.uk\n件名: ごみ\n",
    "zh": "发件人: Jane Doe <jane@example.org>\n发送时间: 2026年1月14日 10:30\n收件人: spoc@council.gov.uk\n主题: 垃圾\n",
    "ko": "보낸 사람: Jane Doe <jane@example.org>\n보낸 날짜: 2026년 1월 14일 수요일 오전 10:30\n받는 사람: spoc@council.gov.uk\n제목: 쓰레기\n",
    "ar": "من: Jane Doe <jane@example.org>\nتاريخ الإرسال: 14 يناير 2026 10:30\nإلى: spoc@council.gov.uk\nالموضوع: القمامة\n",
    "tr": "Kimden: Jane Doe <jane@example.org>\nGönderildi: 14 Ocak 2026 Çarşamba 10:30\nKime: spoc@council.gov.uk\nKonu: Çöp\n",
    "el": "Από: Jane Doe <jane@example.org>\nΣτάλθηκε: Τετάρτη, 14 Ιανουαρίου 2026 10:30\nΠρος: spoc@council.gov.uk\nΘέμα: Σκουπίδια\n",
    "pt": "De: Jane Doe <jane@example.org>\nEnviado: quarta-feira, 14 de janeiro de 2026 10:30\nPara: spoc@council.gov.uk\nAssunto: Lixo\n",
    "sv": "Från: Jane Doe <jane@example.org>\nSkickat: den 14 januari 2026 10:30\nTill: spoc@council.gov.uk\nÄmne: Sopor\n",
    "no": "Fra: Jane Doe <jane@example.org>\nSendt: onsdag 14. januar 2026 10:30\nTil: spoc@council.gov.uk\nEmne: Søppel\n",
    "da": "Fra: Jane Doe <jane@example.org>\nSendt: 14. januar 2026 10:30\nTil: spoc@council.gov.uk\nEmne: Affald\n",
    "fi": "Lähettäjä: Jane Doe <jane@example.org>\nLähetetty: keskiviikko 14. tammikuuta 2026 10.30\nVastaanottaja: spoc@council.gov.uk\nAihe: Jätteet\n",
    "nl": "Van: Jane Doe <jane@example.org>\nVerzonden: woensdag 14 januari 2026 10:30\nAan: spoc@council.gov.uk\nOnderwerp: Afval\n",
    "cy": "Oddi wrth: Jane Doe <jane@example.org>\nAnfonwyd: Dydd Mercher, 14 Ionawr 2026 10:30\nAt: spoc@council.gov.uk\nPwnc: Sbwriel\n",
}


@pytest.mark.parametrize("family", sorted(FORWARDS))
def test_forward_family_gives_the_original_sender(family: str):
    assert forwarded(FORWARDS[family])[:1] == [JANE], family


@pytest.mark.parametrize("subject", ["Fwd: Bins", "WG: Bins", "TR: Bins", "VL: Bins", "Пересл.: Bins", "İLT: Bins", "转发: Bins"])
def test_outlook2019_attribution_under_localised_forward_subjects(subject: str):
    body = "On Wednesday, January 14, 2026 10:30 AM, \"Jane Doe\" <jane@example.org> wrote:\n\nHello\n"
    assert forwarded(body, subject) == [JANE]


def test_outlook2019_attribution_is_a_forward_only_under_a_forward_subject():
    body = "Thanks, noted.\n\nOn Wednesday, January 14, 2026 10:30 AM, \"Jane Doe\" <jane@example.org> wrote:\n\n> Hello\n"
    assert forwarded(body, subject="RE: Bins") == []
    assert forwarded(body, subject="Bins") == []


REPLIES = {
    # sign-off and the writer's name on its own line
    "signoff_name_en": ("The skip goes on Friday.\n\nThanks,\nDan\n\nOn Wed, 14 Jan 2026 at 10:15, SPOC <spoc@council.gov.uk> wrote:\n> Can you?\n", "The skip goes on Friday."),
    "signoff_name_sv": ("Vi tömmer kärlet på fredag.\n\nMed vänliga hälsningar\nAnna Svensson\n", "Vi tömmer kärlet på fredag."),
    "signoff_name_da": ("Det ordner vi fredag.\n\nMed venlig hilsen\nJens Hansen\n", "Det ordner vi fredag."),
    "signoff_name_no": ("Vi fikser det fredag.\n\nMed vennlig hilsen\nOla Nordmann\n", "Vi fikser det fredag."),
    "signoff_name_dash": ("Done on Friday.\n\nCheers\n-Dan\n", "Done on Friday."),
    "signoff_name_dash_alone": ("Done on Friday.\n\n-Abhishek Kona\n", "Done on Friday."),
    "signoff_name_sv_non_ascii": ("Klart.\n\nMed vänlig hälsning\nÖrjan Åkesson\n", "Klart."),
    "signoff_name_no_with_title": ("Fikset.\n\nVennlig hilsen\n\nØystein Nilsen\nSaksbehandler\nTlf: 22 33 44 55\n", "Fikset."),
    # localised attribution lines
    "attrib_de_gmail": ("Erledigt.\n\nAm Mi., 14. Jan. 2026 um 10:15 Uhr schrieb SPOC <spoc@council.gov.uk>:\n> Frage\n", "Erledigt."),
    "attrib_ru_gmail": ("Готово.\n\nср, 14 янв. 2026 г. в 10:15, SPOC <spoc@council.gov.uk>:\n> Вопрос\n", "Готово."),
    "attrib_ru_android": ("Готово.\n\n14 янв. 2026 г. 10:15 пользователь SPOC <spoc@council.gov.uk> написал:\n> Вопрос\n", "Готово."),
    "attrib_da_gmail": ("Klaret.\n\nDen ons. 14. jan. 2026 kl. 10.15 skrev SPOC <spoc@council.gov.uk>:\n> Spørgsmål\n", "Klaret."),
    "attrib_nl_gmail": ("Gedaan.\n\nOp wo 14 jan. 2026 om 10:15 schreef SPOC <spoc@council.gov.uk>:\n> Vraag\n", "Gedaan."),
    "attrib_sv_inbox": ("Klart.\n\nDen 14 jan. 2026 10:15 skrev SPOC <spoc@council.gov.uk>:\n> Fråga\n", "Klart."),
    "attrib_ja_gmail": ("済みました。\n\n2026年1月14日(水) 10:15 SPOC <spoc@council.gov.uk>:\n> 質問\n", "済みました。"),
    "attrib_zh_gmail": ("已完成。\n\nSPOC <spoc@council.gov.uk> 于2026年1月14日周三 10:15写道：\n> 问题\n", "已完成。"),
    "attrib_pl_gmail": ("Zrobione.\n\nśr., 14 sty 2026 o 10:15 SPOC <spoc@council.gov.uk> napisał(a):\n> Pytanie\n", "Zrobione."),
    "attrib_nl_apple": ("Klaar.\n\nOp 17-feb.-2026, om 13:18 heeft SPOC <spoc@council.gov.uk> het volgende geschreven:\n\n> Vraag\n", "Klaar."),
    "attrib_iso_date_no_verb": ("Done.\n\n2026-03-18 16:04 GMT+00:00 SPOC <spoc@council.gov.uk>:\n\n> Question\n", "Done."),
    "attrib_fr_outlook_unquoted": ("C'est fait.\n\nLe 14 janv. 2026 à 10:15, SPOC <spoc@council.gov.uk> a écrit :\nQuestion\n", "C'est fait."),
    # Outlook's rules drawn with dashes or stars, and localised header blocks
    "rule_dashes": ("Approved.\n\n--------------------------------\nFrom: SPOC <spoc@council.gov.uk>\nSent: 14 January 2026 10:15\nTo: Alex\nSubject: Request\n\nPlease\n", "Approved."),
    "rule_stars": ("Approved.\n\n********************************\nFrom: SPOC <spoc@council.gov.uk>\nSent: 14 January 2026 10:15\nTo: Alex\nSubject: Request\n\nPlease\n", "Approved."),
    "original_message_stars": ("Approved.\n\n***** Original Message *****\nFrom: SPOC <spoc@council.gov.uk>\nSent: 14 January 2026 10:15\nSubject: Request\n\nPlease\n", "Approved."),
    "outlook_ru_block": ("Готово.\n\nОт: SPOC <spoc@council.gov.uk>\nОтправлено: 14 января 2026 г. 10:15\nКому: Alex\nТема: Запрос\n\nВопрос\n", "Готово."),
    # device taglines, stacked and localised
    "tagline_stacked": ("On my way there now.\n\nSent from my iPhone\nGet Outlook for iOS\n", "On my way there now."),
    "tagline_de": ("Mache ich.\n\nVon meinem iPhone gesendet\n", "Mache ich."),
    "tagline_ja": ("了解です。\n\niPhoneから送信\n", "了解です。"),
    "tagline_sv": ("Ok.\n\nSkickat från min iPhone\n", "Ok."),
    "tagline_ru": ("Хорошо.\n\nОтправлено с iPhone\n", "Хорошо."),
    # mailing-list footers
    "list_footer_mailman": ("The meeting moves to Thursday.\n\n_______________________________________________\nPlanning mailing list\nplanning@lists.example.org\nhttps://lists.example.org/mailman/listinfo/planning\n", "The meeting moves to Thursday."),
    "list_footer_under_dash_name": ("Is there a way to empty the bucket?\n\n-Abhishek Kona\n\n\n_______________________________________________\nriak-users mailing list\nriak-users@lists.example.org\nhttp://lists.example.org/mailman/listinfo/riak-users\n", "Is there a way to empty the bucket?"),
    "list_footer_google_groups": ("Agreed.\n\n--\nYou received this message because you are subscribed to the Google Groups \"Ward\" group.\nTo unsubscribe from this group and stop receiving emails from it, send an email to ward+unsubscribe@googlegroups.com.\n", "Agreed."),
}


@pytest.mark.parametrize("family", sorted(REPLIES))
def test_reply_family_gives_only_the_new_text(family: str):
    body, want = REPLIES[family]
    assert reply(body) == want, family


# text that only looks like a sign-off, an attribution or a signature is kept
KEEP = {
    "just_thanks_dan": ("Thanks, Dan", "Thanks, Dan"),
    "just_thanks_dan_two_lines": ("Thanks,\nDan\n", "Thanks, Dan"),
    "on_monday_i_will": ("On Monday I will visit the site and report back:\nthe skip, the fence and the gate.\n", "On Monday I will visit the site and report back: the skip, the fence and the gate."),
    "dash_item_not_a_name": ("Done.\n\n- the fence\n", "Done. - the fence"),
    "sent_from_my_desk_sentence": ("Here is another email\n\nSent from my desk, is much easier then my mobile phone.\n", "Here is another email Sent from my desk, is much easier then my mobile phone."),
    "on_your_host_you_can_run": ("On your remote host you can run:\n\n    telnet 127.0.0.1 52698\n\nThat should connect.\n", "On your remote host you can run: telnet 127.0.0.1 52698 That should connect."),
    "on_monday_colon": ("On Monday I will check these:\n\n1. the skip\n2. the fence\n", "On Monday I will check these: 1. the skip 2. the fence"),
    "new_paragraph_after_signature": (
        "The fence is ours.\n\nKind regards,\nDan\n\nPS: I have just heard the gate is ours too, so we will fix both on Monday.\n",
        "The fence is ours. Kind regards, Dan PS: I have just heard the gate is ours too, so we will fix both on Monday.",
    ),
}


@pytest.mark.parametrize("case", sorted(KEEP))
def test_look_alikes_are_kept(case: str):
    body, want = KEEP[case]
    assert reply(body) == want, case


# charsets: undeclared 8-bit text (bench/bench_parse.py --charsets measured the choice)
def test_undeclared_western_text_keeps_the_cp1252_reading():
    from spocmail.mail.charsets import decode_bytes

    text = "Café opposite Siân’s house – the “bins” weren’t emptied."
    assert decode_bytes(text.encode("cp1252"), None) == text


def test_undeclared_cyrillic_and_japanese_text_is_guessed_not_read_as_cp1252():
    from spocmail.mail.charsets import decode_bytes

    for text, codec in (("Здравствуйте, мусор у дома не вывозили уже три недели, помогите пожалуйста.", "cp1251"),
                        ("こんにちは。家の前のごみが三週間も回収されていません。よろしくお願いします。", "shift_jis")):
        defects: list[str] = []
        assert decode_bytes(text.encode(codec), None, defects) == text
        assert any(d.startswith("charset-guessed") for d in defects)
