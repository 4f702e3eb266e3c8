"""Headers, bodies, attachments and defects of one mail; broken mail is read as far as it goes."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone

from spocmail.mail import Address, Attachment, Forwarded, ParsedMail, parse_mail

BASIC = (
    b"From: =?utf-8?Q?Ren=C3=A9e_O=27Brien?= <renee@example.org>\r\n"
    b"To: \"Single Point, Contact\" <spoc@council.gov.uk>, Bob <bob@council.gov.uk>\r\n"
    b"Cc: jane@example.org\r\n"
    b"Reply-To: Renee <renee.home@example.org>\r\n"
    b"Subject: =?iso-8859-1?Q?Caf=E9_licence?=\r\n"
    b"Date: Wed, 14 Jan 2026 10:15:00 +0000\r\n"
    b"Message-ID: <m1@example.org>\r\n"
    b"In-Reply-To: <m0@council.gov.uk>\r\n"
    b"References: <a@x> <m0@council.gov.uk>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
    b"Hello\r\n"
)


def test_headers_are_decoded():
    mail = parse_mail(BASIC)
    assert mail.message_id == "<m1@example.org>"
    assert mail.date == datetime(2026, 1, 14, 10, 15, tzinfo=timezone.utc)
    assert mail.subject == "Café licence"
    assert mail.from_ == Address("Renée O'Brien", "renee@example.org")
    assert mail.to == [Address("Single Point, Contact", "spoc@council.gov.uk"), Address("Bob", "bob@council.gov.uk")]
    assert mail.cc == [Address(None, "jane@example.org")]
    assert mail.reply_to == [Address("Renee", "renee.home@example.org")]
    assert mail.in_reply_to == "<m0@council.gov.uk>"
    assert mail.references == ["<a@x>", "<m0@council.gov.uk>"]
    assert mail.defects == []
    assert mail.header("subject") == "Café licence"


def test_to_json_has_the_contract_keys():
    data = parse_mail(BASIC).to_json()
    for key in ("message_id", "date", "subject", "from", "to", "cc", "auto_reply", "forwarded", "reply_text", "attachments", "defects"):
        assert key in data
    assert data["date"] == "2026-01-14T10:15:00+00:00"
    assert data["from"] == {"name": "Renée O'Brien", "email": "renee@example.org"}
    json.dumps(data)


def test_naive_date_is_read_as_europe_london():
    raw = BASIC.replace(b"Wed, 14 Jan 2026 10:15:00 +0000", b"Tue, 12 May 2026 00:30:00 -0000")
    mail = parse_mail(raw)
    assert mail.date.utcoffset() == timedelta(hours=1)  # BST
    assert mail.date.hour == 0


def test_eight_bit_headers_are_decoded():
    raw = BASIC.replace(b"=?iso-8859-1?Q?Caf=E9_licence?=", "Café licence".encode("utf-8"))
    raw = raw.replace(b"=?utf-8?Q?Ren=C3=A9e_O=27Brien?=", "Renée".encode("latin-1"))
    mail = parse_mail(raw)
    assert mail.subject == "Café licence"
    assert mail.from_.name == "Renée"


def test_unknown_charset_is_decoded_best_effort_and_noted():
    raw = BASIC.replace(b"charset=utf-8", b"charset=x-klingon").replace(b"Hello", "Héllo".encode("latin-1"))
    mail = parse_mail(raw)
    assert mail.body_text == "Héllo"
    assert any("unknown-charset" in d for d in mail.defects)


def test_missing_and_duplicated_headers_are_defects():
    raw = BASIC.replace(b"Message-ID: <m1@example.org>\r\n", b"").replace(b"Subject:", b"Subject: one\r\nSubject:")
    mail = parse_mail(raw)
    assert "missing-header: Message-ID" in mail.defects
    assert any(d.startswith("duplicate-header: Subject") for d in mail.defects)
    assert mail.subject == "one"


def test_garbage_never_raises():
    for raw in (b"", b"\x00\xff\xfe", b"no headers at all, just text", b"From: <<<\r\nDate: yesterday\r\n\r\n",
                b"Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/plain\r\n\r\nhi",
                b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!notbase64",
                b"From: a@b\r\n" * 3 + b"\r\n" + b"x" * 10000):
        mail = parse_mail(raw)
        assert isinstance(mail, ParsedMail)
        assert mail.defects, raw[:40]


def test_unterminated_multipart_is_read_and_noted():
    raw = (
        b"From: a@example.org\r\nDate: Wed, 14 Jan 2026 10:15:00 +0000\r\nMessage-ID: <x@y>\r\n"
        b"Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/plain\r\n\r\nhello there\r\n"
    )
    mail = parse_mail(raw)
    assert mail.body_text.strip() == "hello there"
    assert any("close-boundary" in d for d in mail.defects)


def test_html_only_mail_is_converted_keeping_lines():
    raw = BASIC.replace(b"text/plain", b"text/html").replace(
        b"Hello\r\n", b"<html><head><style>p{color:red}</style></head><body><p class=MsoNormal>Line one</p>"
        b"<p class=MsoNormal>Line&nbsp;two</p></body></html>\r\n"
    )
    assert parse_mail(raw).body_text == "Line one\nLine two"


def test_alternative_prefers_plain_text():
    raw = BASIC.replace(b"Content-Type: text/plain; charset=utf-8\r\n\r\nHello\r\n", (
        b"Content-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n--alt\r\nContent-Type: text/plain\r\n\r\n"
        b"Plain version\r\n--alt\r\nContent-Type: text/html\r\n\r\n<p>HTML version</p>\r\n--alt--\r\n"
    ))
    mail = parse_mail(raw)
    assert mail.body_text == "Plain version"
    assert "HTML" not in mail.body_text


def test_attachments_are_listed_with_hash_and_payload():
    pdf = b"%PDF-1.4 fake"
    import base64

    raw = BASIC.replace(b"Content-Type: text/plain; charset=utf-8\r\n\r\nHello\r\n", (
        b"Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\nContent-Type: text/plain\r\n\r\nSee attached\r\n"
        b"--m\r\nContent-Type: application/pdf; name=\"plan.pdf\"\r\nContent-Disposition: attachment; filename=\"plan.pdf\"\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.b64encode(pdf) + b"\r\n--m--\r\n"
    ))
    mail = parse_mail(raw)
    assert len(mail.attachments) == 1
    att = mail.attachments[0]
    assert isinstance(att, Attachment)
    assert (att.filename, att.content_type, att.size) == ("plan.pdf", "application/pdf", len(pdf))
    assert att.sha256 == hashlib.sha256(pdf).hexdigest()
    assert att.payload == pdf
    assert "payload" not in att.to_json()


def test_rfc2231_and_encoded_filenames():
    raw = BASIC.replace(b"Content-Type: text/plain; charset=utf-8\r\n\r\nHello\r\n", (
        b"Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\nContent-Type: text/plain\r\n\r\nx\r\n"
        b"--m\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename*=utf-8''caf%C3%A9.txt\r\n\r\nabc\r\n"
        b"--m\r\nContent-Type: application/octet-stream; name=\"=?utf-8?Q?r=C3=A9sum=C3=A9.doc?=\"\r\n\r\nabc\r\n--m--\r\n"
    ))
    assert [a.filename for a in parse_mail(raw).attachments] == ["café.txt", "résumé.doc"]


def test_format_flowed_is_unwrapped():
    raw = BASIC.replace(b"charset=utf-8", b"charset=utf-8; format=flowed").replace(
        b"Hello\r\n", b"This line is \r\nsoft wrapped.\r\n\r\n> quoted \r\n> on two\r\n"
    )
    assert parse_mail(raw).body_text == "This line is soft wrapped.\n\n> quoted on two"


def test_outlook_msg_attachment_is_read_like_an_attached_mail(monkeypatch):
    from spocmail.mail import parse as parse_module
    from spocmail.mail.msg import MsgItem

    def fake_read(data, depth=0):
        assert data == b"MSGDATA"
        return MsgItem(Address("Jane Doe", "jane@example.org"), False, [], [], "Bins",
                       datetime(2026, 1, 14, 10, 15, tzinfo=timezone.utc), "x", "Bins again", None, None)

    monkeypatch.setattr(parse_module, "read_msg", fake_read)
    raw = BASIC.replace(b"Content-Type: text/plain; charset=utf-8\r\n\r\nHello\r\n", (
        b"Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\nContent-Type: text/plain\r\n\r\nSee attached\r\n"
        b"--m\r\nContent-Type: application/vnd.ms-outlook; name=\"Bins.msg\"\r\nContent-Disposition: attachment\r\n\r\nMSGDATA\r\n--m--\r\n"
    ))
    mail = parse_mail(raw)
    assert [(f.via, f.from_.email, f.subject) for f in mail.forwarded] == [("msg", "jane@example.org", "Bins")]
    assert mail.attachments[0].filename == "Bins.msg"


def test_unreadable_msg_attachment_is_a_defect_not_an_error():
    raw = BASIC.replace(b"Content-Type: text/plain; charset=utf-8\r\n\r\nHello\r\n", (
        b"Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\nContent-Type: text/plain\r\n\r\nx\r\n"
        b"--m\r\nContent-Type: application/octet-stream; name=\"Bins.msg\"\r\n\r\nnot an ole file\r\n--m--\r\n"
    ))
    mail = parse_mail(raw)
    assert any(d.startswith("msg-unreadable") for d in mail.defects)


def test_dataclasses_are_frozen_and_exported():
    mail = parse_mail(BASIC)
    try:
        mail.subject = "x"  # type: ignore[misc]
    except Exception:
        pass
    else:
        raise AssertionError("ParsedMail should be frozen")
    assert Forwarded(Address(None, None)).via == "inline"


# An Outlook item made with aspose-email-foss (pure-Python MSG writer): "FW: Bins not collected"
# from an Exchange sender (X.500 address, so hidden), carrying notes.txt and Jane Doe's
# original as an embedded item. gzip + base64 keeps it small.
_OUTLOOK_ITEM = (
    "H4sIAAAAAAACA+1cXWxURRQ+d7e0dPtLgUKLbZe/0gJud9vCUqBlf7rbLra7S3dbQAUsUAEtLdLyZ4zBGIhPPvhg9MGgYOKbgScT"
    "Ywi+GJ/UBx98wP/EGI2JD0Y0kdYzs7O3s9d298zuXTbEzmZ677lzZ747Z86c+c7cm37x+bLv3rlV/z0YUg9YYWa2FIqlaxrmiqRQ"
    "DdAkrs3Mzs6yS3bMs4vpoUohiMIgOCAMkzANY6CagrAfduLI++AUTMAUnk3wluxwDI/j+BvDM9by8Xnrxwbj0Z1tke7AAX+/N9wX"
    "GPD6Ym2RYV22e3sHQ+FQLD7kjYdGAva+ochw1N4SPNgb8kX6g+0dsWjvQLy1zR/uHgr4Q9FQIByPMckX8VH78NKWpndv36iue2sC"
    "vtaq4ha06ss+fPqj2IsYnMaeTcNJvC8AB/BvG0Sgm5/7oR+8qLk+lAbwzId3s9LhecrteNaLmg6hHML74jCEV+J4PsJL+1BmNaN4"
    "3oJaPYh3h7DFCLYRhHbowDpRvDaAdVoRxY/tdGOdAJ6xMQzhWRjLYnoZq5tZBfP1UyUldJJ9eti1mav9a9rdK/fjnRdX/TWyfN+X"
    "H3z284ddNd/+pqbDRfvN3n4L7X8W509u8yfK7xjFmmNYZxzrnMAjs4NTeM2BfMWWVn/Xl378q71iX+9LP9365MePXngxl7GwGI4s"
    "WWEV51CakJugnss1evn2FI7VBG4uO4Tsga5EeYsrfv/KXc2i7eLyoSSW5uXyD3p9H5dX6PJxLhfr8hg/v6nLZ1LwLNpzXK7V5bry"
    "1Pbry+X2LVpDufw8TdBYnorXVC7jeaC4Uu6PFUq4vEy/v6FSfh7kmNVMbtbxypzFCfrJUxnUOmX9WqGiM4FdJORv9jD5WhjykqYm"
    "T4/ZJyanx6ZsWdV3oK1exJxtmhC8bSrLlnKtv/lq/9V7K6y2ogI9P6vLarWhHY+jH2BeJJtkBTu3uzJdXltZnFL+R1WxNLetcK9K"
    "Lrdof3O5SJc1t9xeE1i5bNPlIrc8j6ywxJ3qJ0rcqfPMxuVSvbzCnTrPK93yvKUmLUf7zzV+yNbvp6zfe73hgCdwwDsYHQg4IkN9"
    "is8wH3/ai7Y0wdeUXnwe1q8Y9jOOvQV4RpR5uO2NIvM4w5/XgXeexfVHJf0XR5G/6E+VXcq1L7mOH+O/PTeuv7lrwvfqofGX71Sf"
    "v/38qeD/aPxytN/Cj7+Rf9thN15hVx1oF8mrHm4X5xDrGF4Zx7ITKJ/H4zl4Fnqyfv5c7W8QLmGdo3orF7DGWT6eC7dnRz2dEGtN"
    "gmGynLQEtfRK2duN9tcP29+7AK/9vtaTNUvRFvDn2fLPZiP//OWfGz0S/6w18M8RA/+sMfBPm4F/rjPwz+YM/HPEwD9rDPyz1sA/"
    "bQb+OYdXxNf1vUY+KvqX5KOagY82G/ho3CQ+em1065lcOSg1/p/zFarzM4/xd47+K9eecP+LsbojNhiK93v8keGwPzTg6IuMOIYf"
    "ewD4c/N0ZblsNxbtTwOfnOXySf1+cKbOW82ZygctztR5YOVyu8FuG/XymS65nB6/nMa+nzDNf6u2R/H/6drMtf5pHrtM8RVhDKOQ"
    "s/A01tuBelTTZDL+AEP8oWUZf1RAIv5ge/xamvij3hB/LDHEHw5DvOEwxBuNsJge5jSE1p6w+wDOgGm030tK9WthiZZ8l1SpUO/y"
    "6sTxCP4mOO8cw5l4HKXznIFNoTSJJS60OGeadlowgkjiW7PoP8OfQs98FP9O4xxO4B3BzH7tmF38uOD+B/PMUqJgzkj3pcfvIOFb"
    "xLw3H7+zoP13gVccg2nxNem9M3Xcqwn4HciFKfjMZy5V0D973q0kfF9e9G+R9mvT4Xdy7Mz4JYr6L5L2k9Pjt5P0z9ahcgX9L5Xi"
    "h3T427n9Z8ZX1X+ptE6nx99Gwrcp6p/d/z4B3y28QCb8Mkh8F0LFryDav5tof6r6r5TixYXx/XjeRcIvFbybil9Fsn8/2f+p9n85"
    "yf4Zfi+p/1WK9reC5H8YfoDU/2rRJyp+LWn++TluPvS/ijT/AkL/mfFrFPVfT5h/LjH3KfjLRJ+o+Gswb8iA38GR87P+PWJY/88g"
    "35zEv4x3TiPvZBEdlYc6EX+lov4bMN/U5vBHEXUa/x7D6H5+3COwXhqPxC+RdiP/Zfa8VvTLPP4bxF9XXvS/gTD/EtyL5v9XK+p/"
    "o/ReLj1+B8n+64RNU/GbBQfJjJ8f/rGJ4P8T+DT+W5/YFyX3v4WM782L/bVK71HT49P8b4Oi/W0m95+2/rE9GLuC/rdI+4Rm+D9V"
    "/bO15yvIzf+5JP+XxPY9JP7PqeT/nNwOF8bXtHVi7B0m73/ki3+6TI6/NyjOv3YC/1CJvzcKn0bF7yDFH/T4W1X/ndL7NDPi702K"
    "+t9OHH9q/N0sfAoV301Yf1Xib1X97xD+2qz4e7Oi/ruI9k+Nv9l68qiC/neaHH+r6n8Xyf7p8XermNNU/G6S/dPjb9X+95D1T+Mf"
    "bYr2t4c0/+jxt1P4dCq+hzT/Annj317M/SbG/y7hU6n4fsL8V4n/Vfvfy987mRf/dyraX9Dk+H+bWFOo+Oz7rjtS/H+Wv2s+hU+g"
    "Gv0zXzrHf3ebzn+358X/hEn7b0H+o+DvUBz/CMx9R5He/lwk++8SawoVfx8p/ku+fzR//g2R9h+c5P2PnWJNoeLHRAxUqP0/9u1W"
    "Y0b8Luw1bf3rFmsaFX/Y0P8HHX8z7vOGiftf68WaRsU/WOD9r8cxrzZx/8sj1jQq/hOE/XeV/SfV/j9JxqfZP+MTAYX+H5L2qgth"
    "/4cxfwrmJVV8s1Mu+OxbjBnx7Qw7sm8Z2Pv0EqmM5TLxjl2+xjjUMrGWJa+tlM7ZHKsz1GG5UewX28V7C7Z/tX6e++bLLM5k+1xt"
    "C9y/LU07uxco80nXA9I54+ghSHwrzL4FHQD2vfhceTQN1n4sO5Cm/AiWPYV5VNxTqMRoKPsexCo4mTz+S8U+uU28L0mOf6V4hy2P"
    "/3Kxp7xSxJarhI+tE+8b14g53yDW3qQe7i/+C4aCpn8B4TNuMQBEAAA="
)


def _msg_mail() -> bytes:
    import base64
    import gzip

    data = gzip.decompress(base64.b64decode(_OUTLOOK_ITEM))
    return BASIC.replace(b"Content-Type: text/plain; charset=utf-8\r\n\r\nHello\r\n", (
        b"Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\nContent-Type: text/plain\r\n\r\nSee attached\r\n"
        b"--m\r\nContent-Type: application/vnd.ms-outlook; name=\"FW Bins.msg\"\r\nContent-Disposition: attachment\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(data) + b"--m--\r\n"
    ))


def test_real_outlook_item_and_its_embedded_item_are_forwards():
    mail = parse_mail(_msg_mail())
    outer, inner = mail.forwarded
    assert outer.via == "msg" and inner.via == "msg"
    assert (outer.from_.name, outer.from_.email, outer.address_hidden) == ("Bob Smith", None, True)
    assert outer.subject == "FW: Bins not collected"
    assert outer.date == datetime(2026, 1, 15, 9, 0, tzinfo=timezone.utc)
    assert outer.body == "Please log this."
    assert (inner.from_.name, inner.from_.email, inner.address_hidden) == ("Jane Doe", "jane@example.org", False)
    assert inner.body == "My bins were not collected again.\n\nJane"
    assert inner.to == [Address("Bob Smith", "bob.smith@council.gov.uk")]
    assert [a.filename for a in mail.attachments] == ["FW Bins.msg"]


def test_nul_bytes_bare_cr_and_empty_body_are_defects():
    mail = parse_mail(BASIC.replace(b"Hello\r\n", b"one\x00\rtwo\r"))
    assert any(d.startswith("nul-bytes") for d in mail.defects)
    assert any(d.startswith("bare-cr") for d in mail.defects)
    assert "\x00" not in mail.body_text
    empty = parse_mail(BASIC.replace(b"Hello\r\n", b""))
    assert any(d.startswith("empty-body") for d in empty.defects)


def test_mangled_forward_block_is_repaired_and_noted():
    raw = BASIC.replace(b"Hello\r\n", (
        b"See below\r\n\r\n> ---------- Forwarded message ---------\r\n> From: Jordan Example <jordan@exa\r\n"
        b"mple.org> Date: Wed, 14 Jan 2026 at 10:15\r\n>>> Subject: Bins\r\n>\r\n> The bins.\r\n"
    )).replace(b"Subject: =?iso-8859-1?Q?Caf=E9_licence?=", b"Subject: Fwd: Bins")
    mail = parse_mail(raw)
    (fw,) = mail.forwarded
    assert fw.from_ == Address("Jordan Example", "jordan@example.org")
    assert fw.date == datetime(2026, 1, 14, 10, 15, tzinfo=timezone.utc)
    assert any(d.startswith("forward-block:") for d in mail.defects)
