#!/usr/bin/env python3
"""(Re)build the spocmail mail-fixture corpus deterministically.

    .venv/bin/python tests/mail/_build_corpus.py          # rewrite every fixture
    .venv/bin/python tests/mail/_build_corpus.py --check  # rebuild, then sanity-check

Every .eml is assembled byte by byte here (headers, MIME boundaries, transfer
encodings) rather than through ``email.generator`` so that the files carry the
quirks real clients produce: Outlook's ``_000_`` boundaries and trailing blanks
on header-block lines, Thunderbird's tabbed forward table and format=flowed,
Gmail's half-translated forward headers, iOS Mail's quoted attribution, etc.

Each fixture's expected answer is written next to it as JSON.  The answer is
written by hand in the fixture definition (not derived by parsing the output),
and ``--check`` verifies that the facts it names really are present in the
generated mail, so the corpus can be trusted as an independent yardstick.

The two genuine Outlook .msg attachments are produced with the pure-Python
MSG writer from the ``aspose-email-foss`` package (MIT).  That package is NOT a
project dependency: if it is importable the .msg files are regenerated into
``tests/mail/_msg/``; otherwise the committed copies there are reused, so the
corpus still rebuilds byte-for-byte without it.
"""
from __future__ import annotations

import base64
import hashlib
import html as htmlmod
import json
import random
import re
import sys
import textwrap
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.quoprimime import body_encode as _qp_body_encode
from email.utils import format_datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
CRLF = "\r\n"

# --------------------------------------------------------------------------
# deterministic randomness
# --------------------------------------------------------------------------


def rng(*seed: object) -> random.Random:
    h = hashlib.sha256("|".join(map(str, seed)).encode()).digest()
    return random.Random(int.from_bytes(h[:8], "big"))


def rhex(r: random.Random, n: int, upper: bool = True) -> str:
    s = "".join(r.choice("0123456789abcdef") for _ in range(n))
    return s.upper() if upper else s


def ruuid(r: random.Random, upper: bool = True) -> str:
    h = rhex(r, 32, upper)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def rb64(r: random.Random, n: int) -> str:
    alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+_-"
    return "".join(r.choice(alpha) for _ in range(n))


# --------------------------------------------------------------------------
# time
# --------------------------------------------------------------------------


def _tz(hours: float) -> timezone:
    return timezone(timedelta(hours=hours))


def uk(y, mo, d, h, mi, s=0) -> datetime:
    """Local UK wall-clock time in 2026 (GMT, or BST from 29 Mar to 25 Oct)."""
    naive = datetime(y, mo, d, h, mi, s)
    bst = datetime(2026, 3, 29, 2, 0) <= naive < datetime(2026, 10, 25, 2, 0)
    return naive.replace(tzinfo=_tz(1 if bst else 0))


def cet(y, mo, d, h, mi, s=0) -> datetime:
    naive = datetime(y, mo, d, h, mi, s)
    summer = datetime(2026, 3, 29, 2, 0) <= naive < datetime(2026, 10, 25, 3, 0)
    return naive.replace(tzinfo=_tz(2 if summer else 1))


def to_uk(dt: datetime) -> datetime:
    u = dt.astimezone(timezone.utc).replace(tzinfo=None)
    bst = datetime(2026, 3, 29, 1, 0) <= u < datetime(2026, 10, 25, 1, 0)
    return dt.astimezone(_tz(1 if bst else 0))


def to_cet(dt: datetime) -> datetime:
    u = dt.astimezone(timezone.utc).replace(tzinfo=None)
    summer = datetime(2026, 3, 29, 1, 0) <= u < datetime(2026, 10, 25, 1, 0)
    return dt.astimezone(_tz(2 if summer else 1))


def rfcdate(dt: datetime) -> str:
    return format_datetime(dt)


WD = {
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
    "de": ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"],
    "es": ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"],
    "it": ["lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"],
    "nl": ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"],
    "pt": ["segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado", "domingo"],
    "pl": ["poniedziałek", "wtorek", "środa", "czwartek", "piątek", "sobota", "niedziela"],
    "cy": ["Dydd Llun", "Dydd Mawrth", "Dydd Mercher", "Dydd Iau", "Dydd Gwener", "Dydd Sadwrn", "Dydd Sul"],
}
WDA = {  # abbreviated weekday as Gmail prints it
    "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    "fr": ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."],
    "de": ["Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."],
    "es": ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"],
    "it": ["lun", "mar", "mer", "gio", "ven", "sab", "dom"],
    "nl": ["ma", "di", "wo", "do", "vr", "za", "zo"],
    "pt": ["seg.", "ter.", "qua.", "qui.", "sex.", "sáb.", "dom."],
    "pl": ["pon.", "wt.", "śr.", "czw.", "pt.", "sob.", "niedz."],
}
MON = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"],
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"],
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"],
    "it": ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"],
    "nl": ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"],
    "pt": ["janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"],
    # Polish long dates use the genitive month
    "pl": ["stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września", "października", "listopada", "grudnia"],
    "cy": ["Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin", "Gorffennaf", "Awst", "Medi", "Hydref", "Tachwedd", "Rhagfyr"],
}
MONA = {
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec"],  # en-GB (CLDR)
    "en-us": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    "fr": ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."],
    "de": ["Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."],
    "es": ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"],
    "it": ["gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"],
    "nl": ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"],
    "pt": ["jan.", "fev.", "mar.", "abr.", "mai.", "jun.", "jul.", "ago.", "set.", "out.", "nov.", "dez."],
    "pl": ["sty", "lut", "mar", "kwi", "maj", "cze", "lip", "sie", "wrz", "paź", "lis", "gru"],
}


def hm(dt):
    return f"{dt.hour:02d}:{dt.minute:02d}"


def hms(dt):
    return f"{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}"


def ampm(dt, secs=False):
    h = dt.hour % 12 or 12
    s = f":{dt.second:02d}" if secs else ""
    return f"{h}:{dt.minute:02d}{s} {'AM' if dt.hour < 12 else 'PM'}"


def outlook_date(dt: datetime, lang: str = "en-gb", secs: bool = False) -> str:
    """The date line Outlook (desktop/OWA/mobile) writes into a header block."""
    wd, d, y, m = dt.weekday(), dt.day, dt.year, dt.month - 1
    t = hms(dt) if secs else hm(dt)
    if lang == "en-gb":
        return f"{d} {MON['en'][m]} {y} {t}"
    if lang == "en-gb-long":
        return f"{WD['en'][wd]}, {d} {MON['en'][m]} {y} {t}"
    if lang == "en-us":
        return f"{WD['en'][wd]}, {MON['en'][m]} {d}, {y} {ampm(dt, secs)}"
    if lang == "fr":
        return f"{WD['fr'][wd]} {d} {MON['fr'][m]} {y} {t}"
    if lang == "de":
        return f"{WD['de'][wd]}, {d}. {MON['de'][m]} {y} {t}"
    if lang == "es":
        return f"{WD['es'][wd]}, {d} de {MON['es'][m]} de {y} {t}"
    if lang == "it":
        return f"{WD['it'][wd]} {d} {MON['it'][m]} {y} {t}"
    if lang == "nl":
        return f"{WD['nl'][wd]} {d} {MON['nl'][m]} {y} {t}"
    if lang == "pt":
        return f"{WD['pt'][wd]}, {d} de {MON['pt'][m]} de {y} {t}"
    if lang == "pl":
        return f"{WD['pl'][wd]}, {d} {MON['pl'][m]} {y} {t}"
    if lang == "cy":
        return f"{WD['cy'][wd]}, {d} {MON['cy'][m]} {y} {t}"
    raise ValueError(lang)


def gmail_date(dt: datetime, lang: str = "en-gb") -> str:
    """The `Date:` value of a Gmail forward block."""
    wd, d, y, m = dt.weekday(), dt.day, dt.year, dt.month - 1
    t = hm(dt)
    if lang == "en-gb":
        return f"{WDA['en'][wd]}, {d} {MONA['en'][m]} {y} at {t}"
    if lang == "en-us":
        return f"{WDA['en'][wd]}, {MONA['en-us'][m]} {d}, {y} at {ampm(dt)}"
    if lang == "de":
        return f"{WDA['de'][wd]}, {d}. {MONA['de'][m]} {y} um {t} Uhr"
    if lang == "fr":
        return f"{WDA['fr'][wd]} {d} {MONA['fr'][m]} {y} à {t}"
    if lang == "es":
        return f"{WDA['es'][wd]}, {d} {MONA['es'][m]} {y} a las {t}"
    if lang == "it":
        return f"{WDA['it'][wd]} {d} {MONA['it'][m]} {y} alle ore {t}"
    if lang == "nl":
        return f"{WDA['nl'][wd]} {d} {MONA['nl'][m]} {y} om {t}"
    if lang == "pl":
        return f"{WDA['pl'][wd]}, {d} {MONA['pl'][m]} {y} o {t}"
    if lang == "pt":
        return f"{WDA['pt'][wd]}, {d} de {MONA['pt'][m]} de {y} às {t}"
    raise ValueError(lang)


def apple_date(dt: datetime, lang: str = "en-gb") -> str:
    d, y, m = dt.day, dt.year, dt.month - 1
    off = dt.utcoffset().total_seconds() / 3600
    if lang == "en-gb":
        zone = {0: "GMT", 1: "BST"}[off]
        return f"{d} {MON['en'][m]} {y} at {hms(dt)} {zone}"
    if lang == "en-us":
        zone = {0: "GMT", 1: "BST"}[off]
        return f"{MON['en'][m]} {d}, {y} at {ampm(dt, True)} {zone}"
    if lang == "de":
        zone = {1: "MEZ", 2: "MESZ", 0: "GMT"}[off]
        return f"{d}. {MON['de'][m]} {y} um {hms(dt)} {zone}"
    if lang == "fr":
        return f"{d} {MON['fr'][m]} {y} à {hms(dt)} UTC{int(off):+d}"
    raise ValueError(lang)


def ymd(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d")


# --------------------------------------------------------------------------
# people
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class P:
    name: str | None
    email: str | None


SPOC = P("SPOC", "spoc@council.example")
SPOC_LONG = P("Single Point of Contact Team", "spoc@council.example")
JORDAN = P("Jordan Example", "jordan@example.org")
JORDAN_1962 = P("Jordan Example", "j.example1962@mailbox.example")
JORDAN_WEB = P("Jordan Example", "jordan.e@webmail.example")
JORDAN_J = P("J Example", "j.example1962@mailbox.example")
ZOE = P("Zoë Brønner", "zoe.bronner@mailbox.example")
LUKASZ = P("Łukasz Żółć", "lukasz.zolc@webmail.example")
MAIREAD = P("Máiréad Ní Fhaoláin", "mairead.nf@mailbox.example")
ALEX = P("Alex Jones", "alex.jones@council.example")
SAM = P("Sam Patel", "sam.patel@council.example")
PRIYA = P("Priya Shah", "priya.shah@council.example")
TOM = P("Tom Hughes", "tom.hughes@council.example")
CHRIS = P("Chris Evans", "chris.evans@council.example")
FFION = P("Ffion Davies", "ffion.davies@council.example")
MEGAN = P("Megan Lloyd", "megan.lloyd@council.example")
DANIEL = P("Daniel O'Brien", "daniel.obrien@council.example")
KASIA = P("Katarzyna Nowak", "katarzyna.nowak@council.example")
RUI = P("Rui Costa", "rui.costa@council.example")
PAT = P("Cllr Pat Smith", "pat.smith@council.example")
PAT_PERSONAL = P("Pat Smith", "patsmith.ward3@mailbox.example")
SIAN = P("Cllr Siân Llŷr", "sian.llyr@council.example")
AHMED = P("Cllr Ahmed Rahman", "ahmed.rahman@council.example")
HELENE = P("Cllr Hélène Dubois", "helene.dubois@council.example")
LUCA = P("Cllr Luca Romano", "luca.romano@council.example")

COUNCIL = "South Example District Council"
COUNCIL_ADDR = "Council Offices, Cambourne Business Park, Cambourne, CB23 6EA"

DISCLAIMER = (
    "This email and any attachments are confidential and intended solely for the "
    "addressee. If you have received this email in error please notify the sender "
    "immediately and delete it. Any views or opinions expressed are those of the "
    "author and do not necessarily represent those of South Example District Council. "
    "Emails to and from the Council may be monitored and may be disclosed under the "
    "Freedom of Information Act 2000. Our privacy notice is at www.council.example/privacy"
)

SIGS = {
    "alex": f"Alex Jones\nSenior Planning Officer\nPlanning & Building Control\n{COUNCIL}\nTel: 01234 567890 | Mobile: 07700 900456\nwww.council.example/planning",
    "sam": f"Sam Patel\nHousing Options Officer\nHousing Services\n{COUNCIL}\n01234 567891",
    "priya": f"Priya Shah | Environmental Health Officer | Environmental Health & Licensing\n{COUNCIL} | {COUNCIL_ADDR}\nT: 01234 567892",
    "tom": f"Tom Hughes\nWaste & Recycling Team Leader\nEnvironmental Services\n{COUNCIL}\nDirect dial: 01234 567893",
    "chris": f"Chris Evans\nRevenues Officer (Council Tax)\nFinance & Revenues\n{COUNCIL}\n01234 567894",
    "ffion": f"Ffion Davies\nSwyddog Coed | Tree Officer\nCynllunio | Planning\n{COUNCIL}\nFfôn | Tel: 01234 567895",
    "megan": f"Megan Lloyd\nInformation Governance Officer\nLegal & Democratic Services\n{COUNCIL}\nfoi@council.example | 01234 567896",
    "daniel": f"Daniel O'Brien\nComplaints & Customer Feedback Officer\nCorporate Services\n{COUNCIL}\n01234 567897",
    "kasia": f"Katarzyna Nowak\nCustomer Services Adviser\n{COUNCIL}\n01234 567890",
    "rui": f"Rui Costa\nHighways Liaison Officer\nTransport & Highways\n{COUNCIL}\n01234 567898",
    "pat": "Cllr Pat Smith\nMill Ward\nSouth Example District Council\n07700 900123",
    "sian": "Cllr Siân Llŷr\nCynghorydd Ward y Felin | Councillor for Felin Ward",
    "ahmed": "Cllr Ahmed Rahman\nCabinet Member for Environment\n07700 900789",
    "helene": "Cllr Hélène Dubois\nOrchard Ward",
    "luca": "Cllr Luca Romano\nStation Ward",
}

CAUTION = (
    "CAUTION: This email originated from outside of the organisation. Do not click "
    "links or open attachments unless you recognise the sender and know the content is safe."
)


# --------------------------------------------------------------------------
# RFC 2047 / address formatting for *outer* MIME headers
# --------------------------------------------------------------------------


def q_word(s: str, charset: str = "utf-8", upper: bool = False) -> str:
    out = []
    for b in s.encode(charset):
        c = chr(b)
        if c == " ":
            out.append("_")
        elif c.isalnum() and b < 128:
            out.append(c)
        else:
            out.append(f"={b:02X}")
    cs = charset.upper() if upper else charset
    return f"=?{cs}?Q?{''.join(out)}?="


def b_word(s: str, charset: str = "utf-8") -> str:
    return f"=?{charset}?B?{base64.b64encode(s.encode(charset)).decode()}?="


def hdr_addr(p: P, enc: str = "q", quote_always: bool = False) -> str:
    """Address as it appears in an outer RFC 5322 header."""
    if p.name is None:
        return p.email
    name = p.name
    if any(ord(c) > 127 for c in name):
        word = q_word(name) if enc == "q" else (q_word(name, upper=True) if enc == "Q" else b_word(name))
        return f"{word} <{p.email}>"
    if quote_always or re.search(r"[,.;:@()<>\[\]\"']", name):
        name = '"' + name.replace('"', '\\"') + '"'
    return f"{name} <{p.email}>" if p.email else name


def hdr_subject(s: str, enc: str = "q") -> str:
    if all(ord(c) < 128 for c in s):
        return s
    return q_word(s) if enc == "q" else b_word(s)


def addrs(*ps: P, enc: str = "q") -> str:
    return ", ".join(hdr_addr(p, enc) for p in ps)


# --------------------------------------------------------------------------
# MIME assembly (byte-exact, CRLF)
# --------------------------------------------------------------------------


def crlf(s: str) -> str:
    return s.replace("\r\n", "\n").replace("\n", "\r\n")


def enc_body(text: str, cte: str, charset: str = "utf-8", eol: str = CRLF) -> bytes:
    text = text.replace("\r\n", "\n")
    if cte in ("7bit", "8bit", "binary"):
        return text.replace("\n", eol).encode(charset)
    if cte == "quoted-printable":
        raw = text.encode(charset).decode("latin-1")
        out = _qp_body_encode(raw, maxlinelen=76, eol=eol)
        if text.endswith("\n") and not out.endswith(eol):
            out += eol
        return out.encode("ascii")
    if cte == "base64":
        b = base64.encodebytes(text.replace("\n", "\r\n").encode(charset)).decode()
        return b.replace("\n", eol).encode("ascii")
    raise ValueError(cte)


@dataclass
class Part:
    headers: list  # list[tuple[str, str | bytes]]
    body: bytes


def leaf(ctype: str, text: str | None = None, *, charset: str | None = "utf-8", cte: str = "quoted-printable",
         params: str = "", headers: list | None = None, data: bytes | None = None, eol: str = CRLF,
         cte_header: bool = True) -> Part:
    ct = ctype
    if charset:
        ct += f"; charset={charset}" if not charset.startswith('"') else f"; charset={charset}"
    if params:
        ct += params
    hs = [("Content-Type", ct)]
    if cte_header and cte:
        hs.append(("Content-Transfer-Encoding", cte))
    hs += headers or []
    if data is None:
        data = enc_body(text, cte, (charset or "utf-8").strip('"'), eol)
    return Part(hs, data)


def multipart(subtype: str, parts: list, boundary: str, *, headers: list | None = None, preamble: str | None = None,
              params: str = "", quote_boundary: bool = True, close: bool = True, eol: str = CRLF) -> Part:
    b = f'"{boundary}"' if quote_boundary else boundary
    hs = [("Content-Type", f"multipart/{subtype}; boundary={b}{params}")] + (headers or [])
    out = b""
    if preamble is not None:
        out += preamble.replace("\n", eol).encode() + eol.encode()
    for p in parts:
        out += f"{eol}--{boundary}{eol}".encode() if out or preamble is not None else f"--{boundary}{eol}".encode()
        out += render_part(p, eol)
    if close:
        out += f"{eol}--{boundary}--{eol}".encode()
    return Part(hs, out)


def render_headers(hs: list, eol: str = CRLF) -> bytes:
    out = b""
    for k, v in hs:
        if isinstance(v, bytes):
            out += k.encode() + b": " + v + eol.encode()
        else:
            v = v.replace("\r\n", "\n").replace("\n", eol)
            out += f"{k}: {v}{eol}".encode("utf-8")
    return out


def render_part(p: Part, eol: str = CRLF) -> bytes:
    return render_headers(p.headers, eol) + eol.encode() + p.body


def message(top: list, body: Part, *, mime_version: str | None = "1.0", mv_after: str | None = None,
            eol: str = CRLF) -> bytes:
    """Top-level headers in the given order; the body part's own headers
    (Content-Type etc.) are inserted where a ('*', '') marker is, else at the end."""
    hs = []
    inserted = False
    for k, v in top:
        if k == "*":
            hs += body.headers
            inserted = True
        else:
            hs.append((k, v))
    if not inserted:
        hs += body.headers
    if mime_version and not any(k.lower() == "mime-version" for k, _ in hs):
        hs.append(("MIME-Version", mime_version))
    return render_headers(hs, eol) + eol.encode() + body.body


def fold(prefix_len: int, items: list[str], width: int = 76) -> str:
    """Fold a comma-separated list the way clients do (CRLF + one space)."""
    lines, cur = [], ""
    for i, it in enumerate(items):
        piece = it + ("," if i < len(items) - 1 else "")
        if cur and prefix_len + len(cur) + 1 + len(piece) > width:
            lines.append(cur)
            cur, prefix_len = piece, 1
        else:
            cur = f"{cur} {piece}" if cur else piece
    lines.append(cur)
    return "\n ".join(lines)


# --------------------------------------------------------------------------
# ids / boundaries per client family
# --------------------------------------------------------------------------


def ms_host(r):
    pre = r.choice(["LO2P265", "LO4P265", "CWLP265", "LO0P265", "CWXP265", "LO6P265"])
    return f"{pre}MB{r.randint(1000, 9999)}"


def mid_outlook(r, host=None):
    host = host or ms_host(r)
    return f"<{host}{rhex(r, 34)}@{host}.GBRP265.PROD.OUTLOOK.COM>"


def mid_gmail(r):
    return f"<CA{rb64(r, 2)}{rb64(r, 38)}{r.choice(['A', 'w', 'Q', 'g'])}@mail.gmail.com>"


def mid_apple(r, domain):
    return f"<{ruuid(r)}@{domain}>"


def mid_tb(r, domain):
    return f"<{ruuid(r, upper=False)}@{domain}>"


def mid_yahoo(r):
    return f"<{r.randint(10**8, 10**9 - 1)}.{r.randint(10**6, 10**7 - 1)}.{r.randint(1767000000000, 1799999999999)}@mail.yahoo.com>"


def mid_samsung(r):
    return f"<{rhex(r, 8, False)}.{rhex(r, 12, False)}@email.android.com>"


def thread_index(r):
    return "AQH" + rb64(r, 29).replace("-", "+").replace("_", "/") + "=="


def b_outlook(r, kind="000", host=None):
    host = host or ms_host(r)
    return f"_{kind}_{host}{rhex(r, 34)}{host}GBRP_"


def b_gmail(r):
    return "000000000000" + rhex(r, 16, False)


def b_apple(r, ios=False):
    return f"Apple-Mail-{ruuid(r)}" if ios else f"Apple-Mail=_{ruuid(r)}"


def b_tb(r):
    return "------------" + "".join(r.choice("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(24))


def b_yahoo(r):
    return f"----=_Part_{r.randint(100000, 9999999)}_{r.randint(10**8, 10**9)}.{r.randint(1767000000000, 1799999999999)}"


def b_samsung(r):
    return f"--_com.samsung.android.email_{r.randint(10**15, 10**16)}"


def received_o365(r, when: datetime, frm_host=None):
    a = frm_host or ms_host(r)
    b = ms_host(r)
    ip = f"2603:10a6:{r.randint(100, 999)}:{rhex(r, 3, False)}::{r.randint(10, 99)}"
    return (f"from {a}.GBRP265.PROD.OUTLOOK.COM ({ip}) by\n {b}.GBRP265.PROD.OUTLOOK.COM with HTTPS; "
            f"{rfcdate(when.astimezone(timezone.utc)).replace('-0000', '+0000')}")


def received_mx(r, when: datetime, helo: str, ip: str):
    return (f"from {helo} ({helo} [{ip}])\n by mx1.council.example (Postfix) with ESMTPS id {rhex(r, 11)}\n"
            f" for <spoc@council.example>; {rfcdate(when)}")


# --------------------------------------------------------------------------
# html helpers
# --------------------------------------------------------------------------


def esc(s: str) -> str:
    return htmlmod.escape(s, quote=False)


def esc_addr_links(s: str) -> str:
    """Escape and turn bare addresses into mailto links (as clients do)."""
    e = esc(s)
    return re.sub(r"([\w.+'-]+@[\w-]+(?:\.[\w-]+)+)", r'<a href="mailto:\1">\1</a>', e)


def body_of(doc: str) -> str:
    m = re.search(r"<body[^>]*>(.*)</body>", doc, re.S | re.I)
    return m.group(1) if m else doc


def text_to_divs(text: str) -> str:
    """Gmail / Apple style: one <div> per line, <div><br></div> for blanks."""
    out = []
    for line in text.split("\n"):
        out.append(f"<div>{esc_addr_links(line)}</div>" if line.strip() else "<div><br></div>")
    return "\n".join(out)


def text_to_mso(text: str) -> str:
    out = []
    for line in text.split("\n"):
        if line.strip():
            out.append(f'<p class="MsoNormal">{esc_addr_links(line)}<o:p></o:p></p>')
        else:
            out.append('<p class="MsoNormal"><o:p>&nbsp;</o:p></p>')
    return "\n".join(out)


def text_to_br(text: str) -> str:
    return "<br>\n".join(esc_addr_links(l) for l in text.split("\n"))


def text_to_p(text: str) -> str:
    paras = [p for p in re.split(r"\n\s*\n", text.strip("\n"))]
    return "\n".join(f"<p>{'<br>'.join(esc_addr_links(l) for l in p.split(chr(10)))}</p>" for p in paras)


MSO_HEAD = """<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta name="Generator" content="Microsoft Word 15 (filtered medium)">
<!--[if !mso]><style>v\\:* {behavior:url(#default#VML);}
o\\:* {behavior:url(#default#VML);}
w\\:* {behavior:url(#default#VML);}
.shape {behavior:url(#default#VML);}
</style><![endif]--><style><!--
/* Font Definitions */
@font-face
	{font-family:"Cambria Math";
	panose-1:2 4 5 3 5 4 6 3 2 4;}
@font-face
	{font-family:Calibri;
	panose-1:2 15 5 2 2 2 4 3 2 4;}
@font-face
	{font-family:Aptos;}
/* Style Definitions */
p.MsoNormal, li.MsoNormal, div.MsoNormal
	{margin:0cm;
	font-size:11.0pt;
	font-family:"Aptos",sans-serif;
	mso-ligatures:standardcontextual;
	mso-fareast-language:EN-US;}
a:link, span.MsoHyperlink
	{mso-style-priority:99;
	color:#467886;
	text-decoration:underline;}
span.EmailStyle20
	{mso-style-type:personal-compose;
	font-family:"Aptos",sans-serif;
	color:windowtext;}
.MsoChpDefault
	{mso-style-type:export-only;
	font-size:10.0pt;
	mso-ligatures:none;}
@page WordSection1
	{size:612.0pt 792.0pt;
	margin:72.0pt 72.0pt 72.0pt 72.0pt;}
div.WordSection1
	{page:WordSection1;}
--></style><!--[if gte mso 9]><xml>
<o:shapedefaults v:ext="edit" spidmax="1026" />
</xml><![endif]--><!--[if gte mso 9]><xml>
<o:shapelayout v:ext="edit">
<o:idmap v:ext="edit" data="1" />
</o:shapelayout></xml><![endif]-->
</head>
<body lang="EN-GB" link="#467886" vlink="#96607D" style="word-wrap:break-word">
<div class="WordSection1">
"""
MSO_TAIL = "\n</div>\n</body>\n</html>\n"

OWA_HEAD = """<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<style type="text/css" style="display:none;"> P {margin-top:0;margin-bottom:0;} </style>
</head>
<body dir="ltr">
"""
OWA_TAIL = "\n</body>\n</html>\n"

GMAIL_HEAD = '<div dir="ltr">'
GMAIL_TAIL = "</div>\n"

APPLE_HEAD = '<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head><body style="overflow-wrap: break-word; -webkit-nbsp-mode: space; line-break: after-white-space;">'
APPLE_TAIL = "</body></html>"

TB_HEAD = """<!DOCTYPE html>
<html>
  <head>
    <meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
  </head>
  <body>
"""
TB_TAIL = "\n  </body>\n</html>\n"


# --------------------------------------------------------------------------
# message model
# --------------------------------------------------------------------------


@dataclass
class Mail:
    sender: P
    to: list
    date: datetime
    subject: str
    text: str
    html: str | None = None          # html *fragment* (inside <body>) or None
    cc: list = field(default_factory=list)
    chain: list = field(default_factory=list)   # expected `forwarded` entries, outermost first
    key: str = ""                     # distinctive sentence of the innermost original
    attachments: list = field(default_factory=list)  # Parts carried along (rfc822 etc.)
    msgid: str = ""
    raw: bytes | None = None          # full RFC 5322 bytes once emitted


def entry(name, email, date, subject):
    return {"from": {"name": name, "email": email}, "date": date, "subject": subject}


def original(sender: P, to: list, date: datetime, subject: str, body: str, key: str, *, cc=None,
             html: str | None = None) -> Mail:
    body = textwrap.dedent(body).strip("\n") + "\n"
    assert key in body.replace("\n", " ") or key in body, (key, body)
    return Mail(sender, to, date, subject, body, html, cc or [], [], key)


def fmt_list(ps, f):
    return "; ".join(f(p) for p in ps)


def d_plain(p: P) -> str:          # Name <addr> | addr | Name
    if p.name and p.email:
        return f"{p.name} <{p.email}>"
    return p.name or p.email


def d_mailto(p: P) -> str:         # Outlook text rendering of an HTML link
    if p.name and p.email:
        return f"{p.name} <{p.email}<mailto:{p.email}>>"
    return f"{p.email}<mailto:{p.email}>" if p.email else p.name


def d_gmail(p: P) -> str:
    if p.name and p.email:
        return f"{p.name} <{p.email}>"
    return f"<{p.email}>"


def quote(text: str, prefix: str = "> ") -> str:
    out = []
    for line in text.rstrip("\n").split("\n"):
        if line.startswith(">"):
            out.append(">" + line if prefix.startswith(">") else prefix + line)
        else:
            out.append((prefix + line).rstrip() if not line.strip() else prefix + line)
    return "\n".join(out) + "\n"


def note_block(note: str, sig: str | None) -> str:
    s = note.strip("\n") + "\n"
    if sig:
        s += "\n" + sig.strip("\n") + "\n"
    return s


# ---- Outlook family -------------------------------------------------------

OL_LABELS = {
    "en": ("From:", "Sent:", "To:", "Cc:", "Subject:"),
    "fr": ("De\u00a0:", "Envoyé\u00a0:", "À\u00a0:", "Cc\u00a0:", "Objet\u00a0:"),
    "fr-owa": ("De :", "Envoyé :", "À :", "Cc :", "Objet :"),
    "de": ("Von:", "Gesendet:", "An:", "Cc:", "Betreff:"),
    "es": ("De:", "Enviado:", "Para:", "CC:", "Asunto:"),
    "es-legacy": ("De:", "Enviado el:", "Para:", "CC:", "Asunto:"),
    "it": ("Da:", "Inviato:", "A:", "Cc:", "Oggetto:"),
    "nl": ("Van:", "Verzonden:", "Aan:", "CC:", "Onderwerp:"),
    "pt": ("De:", "Enviada:", "Para:", "Cc:", "Assunto:"),
    "pt-br": ("De:", "Enviado em:", "Para:", "Cc:", "Assunto:"),
    "pl": ("Od:", "Wysłane:", "Do:", "DW:", "Temat:"),
    "pl-legacy": ("Od:", "Wysłano:", "Do:", "DW:", "Temat:"),
    "cy": ("Oddi wrth:", "Anfonwyd:", "At:", "Cc:", "Pwnc:"),
    "mac-en": ("From:", "Date:", "To:", "Cc:", "Subject:"),
    "mac-de": ("Von:", "Datum:", "An:", "Cc:", "Betreff:"),
}
LEGACY_SEP = {
    "en": "-----Original Message-----",
    "de": "-----Ursprüngliche Nachricht-----",
    "fr": "-----Message d'origine-----",
    "es-legacy": "-----Mensaje original-----",
    "it": "-----Messaggio originale-----",
    "nl": "-----Oorspronkelijk bericht-----",
    "pl-legacy": "-----Oryginalna wiadomość-----",
}
UNDERSCORES = "_" * 32


def ol_block(inner: Mail, labels: str, date_str: str, from_disp: str, to_disp: str, cc_disp: str | None,
             subject: str, extra: list, trailing: bool) -> list[tuple[str, str]]:
    lf, ls, lt, lc, lsub = OL_LABELS[labels]
    rows = [(lf, from_disp + (" " if trailing else "")), (ls, date_str), (lt, to_disp)]
    if cc_disp:
        rows.append((lc, cc_disp))
    rows.append((lsub, subject))
    rows += extra
    return rows


def fw_outlook(inner: Mail, note: str, sig: str | None, *, labels="en", datefmt="en-gb", sep="border",
               from_disp=None, to_disp=None, cc_disp=None, subject=None, extra=(), tzconv=to_uk,
               secs=False, mobile_tag: str | None = None, html_style="mso", caution=False,
               date_str=None) -> tuple[str, str]:
    """Outlook desktop (`border`), OWA/mobile (`underscore`) or legacy (`legacy`) forward."""
    shown = tzconv(inner.date)
    date_str = date_str or outlook_date(shown, datefmt, secs)
    mailto_text = html_style == "mso" and sep == "border"
    if from_disp is None:
        from_disp = (d_mailto if mailto_text else d_plain)(inner.sender)
        if sep == "legacy" and inner.sender.name and inner.sender.email:
            from_disp = f"{inner.sender.name} [mailto:{inner.sender.email}]"
    if to_disp is None:
        to_disp = fmt_list(inner.to, d_mailto if mailto_text else d_plain)
    if cc_disp is None and inner.cc:
        cc_disp = fmt_list(inner.cc, d_mailto if mailto_text else d_plain)
    subject = inner.subject if subject is None else subject
    rows = ol_block(inner, labels, date_str, from_disp, to_disp, cc_disp, subject, list(extra),
                    trailing=(sep in ("border", "legacy")))
    inner_text = inner.text
    if caution:
        inner_text = CAUTION + "\n\n" + inner_text
    t = note_block(note, sig)
    if mobile_tag:
        t += "\n" + mobile_tag + "\n"
    if sep == "border":
        t += "\n"
    elif sep == "underscore":
        t += UNDERSCORES + "\n"
    else:
        t += "\n" + LEGACY_SEP[labels] + "\n"
    t += "".join(f"{k} {v}\n" for k, v in rows) + "\n" + inner_text
    # ---- html
    inner_html = body_of(inner.html) if inner.html is not None else text_to_br(inner.text)
    if caution:
        inner_html = (f'<div style="background-color:#FFEB9C;border:1px solid #9C6500;padding:4px">'
                      f'<b>CAUTION:</b> {esc(CAUTION[9:])}</div>\n<br>\n' + inner_html)

    def hv(v):  # header value into html: the text form's "<mailto:..>" came from a link
        return esc_addr_links(re.sub(r"<mailto:[^>]*>", "", v))

    if html_style == "mso":
        h = text_to_mso(note_block(note, sig).rstrip("\n")) + '\n<p class="MsoNormal"><o:p>&nbsp;</o:p></p>\n'
        hrows = "<br>\n".join(f"<b>{esc(k)}</b> {hv(v.rstrip())}" for k, v in rows[1:])
        h += ('<div>\n<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">\n'
              f'<p class="MsoNormal"><b><span lang="EN-US">{esc(rows[0][0])}</span></b><span lang="EN-US"> '
              f'{esc_addr_links(re.sub(r"<mailto:[^>]*>", "", rows[0][1]).rstrip())}<br>\n{hrows}<o:p></o:p></span></p>\n'
              '</div>\n</div>\n<p class="MsoNormal"><o:p>&nbsp;</o:p></p>\n')
        h += inner_html
    else:  # owa / mobile
        h = f'<div class="elementToProof" style="font-family: Aptos, Aptos_EmbeddedFont, Aptos_MSFontService, Calibri, Helvetica, sans-serif; font-size: 12pt; color: rgb(0, 0, 0);">\n{text_to_br(note.strip())}</div>\n'
        if sig:
            h += f'<div id="Signature"><div style="font-family: Calibri, Arial, Helvetica, sans-serif; font-size: 12pt;">{text_to_br(sig.strip())}</div></div>\n'
        if mobile_tag:
            url = re.search(r"<(https://[^>]+)>", mobile_tag).group(1)
            label = re.sub(r"<https://[^>]+>", "", mobile_tag)
            h += f'<div dir="ltr"><br></div>\n<div id="ms-outlook-mobile-signature" dir="ltr"><a href="{url}">{esc(label)}</a></div>\n'
        hrows = "<br>\n".join(f"<b>{esc(k)}</b> {esc(v)}" for k, v in rows)
        h += ('<div id="appendonsend"></div>\n<hr style="display:inline-block;width:98%" tabindex="-1">\n'
              '<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000">'
              f'{hrows}</font>\n<div>&nbsp;</div>\n</div>\n')
        h += f"<div>{inner_html}</div>"
    return t, h


# ---- Gmail ---------------------------------------------------------------

GM_LABELS = {
    "en": ("---------- Forwarded message ---------", "From:", "Date:", "Subject:", "To:", "Cc:"),
    "de": ("---------- Weitergeleitete Nachricht ---------", "Von:", "Date:", "Subject:", "To:", "Cc:"),
    "fr": ("---------- Forwarded message ---------", "De :", "Date:", "Subject:", "To:", "Cc:"),
    "es": ("---------- Forwarded message ---------", "De:", "Date:", "Subject:", "To:", "Cc:"),
    "it": ("---------- Forwarded message ---------", "Da:", "Date:", "Subject:", "To:", "Cc:"),
    "nl": ("---------- Doorgestuurd bericht ---------", "Van:", "Date:", "Subject:", "To:", "Cc:"),
    "pl": ("---------- Forwarded message ---------", "Od:", "Date:", "Subject:", "To:", "Cc:"),
    "pt": ("---------- Forwarded message ---------", "De:", "Date:", "Subject:", "To:", "Cc:"),
}


def fw_gmail(inner: Mail, note: str, sig: str | None, *, labels="en", datefmt="en-gb", tzconv=to_uk,
             from_disp=None, to_disp=None, mobile=False) -> tuple[str, str]:
    head, lf, ld, ls, lt, lc = GM_LABELS[labels]
    shown = tzconv(inner.date)
    from_disp = from_disp or d_gmail(inner.sender)
    to_disp = to_disp or ", ".join(d_gmail(p) for p in inner.to)
    rows = [(lf, from_disp), (ld, gmail_date(shown, datefmt)), (ls, inner.subject), (lt, to_disp)]
    if inner.cc:
        rows.append((lc, ", ".join(d_gmail(p) for p in inner.cc)))
    t = note.strip("\n") + "\n"
    if sig:
        t += "\n-- \n" + sig.strip("\n") + "\n"
    t += "\n" + head + "\n" + "".join(f"{k} {v}\n" for k, v in rows) + "\n\n" + inner.text
    # html
    def gaddr(p):
        if p.name:
            return (f'<strong class="gmail_sendername" dir="auto">{esc(p.name)}</strong> <span dir="auto">&lt;'
                    f'<a href="mailto:{p.email}">{p.email}</a>&gt;</span>')
        return f'<span dir="auto">&lt;<a href="mailto:{p.email}">{p.email}</a>&gt;</span>'

    def gto(p):
        return (f'{esc(p.name)} &lt;<a href="mailto:{p.email}">{p.email}</a>&gt;' if p.name
                else f'&lt;<a href="mailto:{p.email}">{p.email}</a>&gt;')
    inner_html = body_of(inner.html) if inner.html is not None else text_to_divs(inner.text)
    h = GMAIL_HEAD + text_to_divs(note.strip("\n"))
    if sig:
        h += ('<br clear="all"><div><br></div><span class="gmail_signature_prefix">-- </span><br>'
              f'<div dir="ltr" class="gmail_signature" data-smartmail="gmail_signature"><div dir="ltr">{text_to_br(sig.strip())}</div></div>')
    h += ('<br><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">'
          f'{head}<br>{lf} {gaddr(inner.sender) if from_disp == d_gmail(inner.sender) else esc_addr_links(from_disp)}<br>'
          f'{ld} {esc(rows[1][1])}<br>{ls} {esc(inner.subject)}<br>{lt} {", ".join(gto(p) for p in inner.to)}<br>'
          + (f'{lc} {", ".join(gto(p) for p in inner.cc)}<br>' if inner.cc else "")
          + f'</div><br><br>{inner_html}</div>' + GMAIL_TAIL)
    return t, h


# ---- Apple Mail / iOS Mail -----------------------------------------------

AP_LABELS = {
    "en": ("Begin forwarded message:", "From:", "Subject:", "Date:", "To:", "Cc:", "Reply-To:"),
    "de": ("Anfang der weitergeleiteten Nachricht:", "Von:", "Betreff:", "Datum:", "An:", "Kopie:", "Antwort an:"),
    "fr": ("Début du message réexpédié :", "De:", "Objet:", "Date:", "À:", "Cc:", "Répondre à:"),
}


def fw_apple(inner: Mail, note: str, *, labels="en", datefmt="en-gb", tzconv=to_uk, ios=False,
             reply_to: P | None = None, sent_from="Sent from my iPhone") -> tuple[str, str]:
    head, lf, ls, ld, lt, lc, lr = AP_LABELS[labels]
    shown = tzconv(inner.date)
    frm, date_s = d_plain(inner.sender), apple_date(shown, datefmt)
    to = ", ".join(d_plain(p) for p in inner.to)
    if ios:
        rows = [(lf, frm), (ld, date_s), (lt, to)]
        if inner.cc:
            rows.append((lc, ", ".join(d_plain(p) for p in inner.cc)))
        rows.append((ls, inner.subject))
    else:
        rows = [(lf, frm), (ls, inner.subject), (ld, date_s), (lt, to)]
        if inner.cc:
            rows.append((lc, ", ".join(d_plain(p) for p in inner.cc)))
    if reply_to:
        rows.append((lr, d_plain(reply_to)))
    t = note.strip("\n") + "\n\n" if note.strip() else ""
    if ios:
        t += sent_from + "\n\n" + head + "\n\n"
        t += quote("".join(f"{k} {v}\n" for k, v in rows) + "\n" + "\ufeff" + inner.text)
    else:
        t += head + "\n\n" + "".join(f"{k} {v}\n" for k, v in rows) + "\n" + inner.text
    # html
    inner_html = body_of(inner.html) if inner.html is not None else text_to_divs(inner.text)
    font = "font-family: -apple-system, Helvetica Neue; font-size: 12px"
    hrows = "".join(
        f'<div style="margin-top: 0px; margin-right: 0px; margin-bottom: 0px; margin-left: 0px;">'
        f'<span style="{font}; color: rgba(0, 0, 0, 1.0);"><b>{esc(k)} </b></span>'
        f'<span style="{font};">{"<b>" + esc(v) + "</b>" if k == ls else esc_addr_links(v)}<br></span></div>'
        for k, v in rows)
    h = APPLE_HEAD
    if note.strip():
        h += text_to_divs(note.strip("\n"))
    if ios:
        h += f'<div dir="ltr"><br></div><div dir="ltr">{esc(sent_from)}</div>'
        h += (f'<div dir="ltr"><br><blockquote type="cite">{esc(head)}<br><br></blockquote></div>'
              f'<blockquote type="cite"><div dir="ltr">{hrows}<br>{inner_html}</div></blockquote>')
    else:
        h += (f'<div><br><blockquote type="cite"><div>{esc(head)}</div><br class="Apple-interchange-newline">'
              f'{hrows}<br><div>{inner_html}</div></blockquote></div><br>')
    h += APPLE_TAIL
    return t, h


# ---- Thunderbird -----------------------------------------------------------

TB_LABELS = {
    "en": ("-------- Forwarded Message --------", "Subject:", "Date:", "From:", "To:", "CC:"),
    "en-orig": ("-------- Original Message --------", "Subject:", "Date:", "From:", "To:", "CC:"),
    "de": ("-------- Weitergeleitete Nachricht --------", "Betreff:", "Datum:", "Von:", "An:", "Kopie (CC):"),
    "fr": ("-------- Message transféré --------", "Sujet :", "Date :", "De :", "Pour :", "Copie à :"),
}


def fw_tb(inner: Mail, note: str, sig: str | None, *, labels="en", date_str=None) -> tuple[str, str]:
    head, ls, ld, lf, lt, lc = TB_LABELS[labels]
    rows = [(ls, inner.subject), (ld, date_str or rfcdate(inner.date)), (lf, d_plain(inner.sender)),
            (lt, ", ".join(d_plain(p) for p in inner.to))]
    if inner.cc:
        rows.append((lc, ", ".join(d_plain(p) for p in inner.cc)))
    t = note.strip("\n") + "\n\n"
    if sig:
        t += "-- \n" + sig.strip("\n") + "\n\n"
    t += "\n" + head + "\n" + "".join(f"{k} \t{v}\n" for k, v in rows) + "\n\n\n" + inner.text
    inner_html = body_of(inner.html) if inner.html is not None else f'<pre class="moz-quote-pre" wrap="">{esc_addr_links(inner.text)}</pre>'
    trs = "".join(f'<tr>\n<th valign="BASELINE" nowrap="nowrap" align="RIGHT">{esc(k)} </th>\n<td>{esc_addr_links(v)}<br>\n</td>\n</tr>\n'
                  for k, v in rows)
    h = f"    <p>{text_to_br(note.strip())}</p>\n"
    if sig:
        h += f'    <pre class="moz-signature" cols="72">-- \n{esc(sig.strip())}</pre>\n'
    h += ('    <div class="moz-forward-container"><br>\n      <br>\n'
          f'      {esc(head)}\n      <table class="moz-email-headers-table" cellspacing="0" cellpadding="0" border="0">\n'
          f'        <tbody>\n{trs}        </tbody>\n      </table>\n      <br>\n      <br>\n      {inner_html}\n    </div>\n')
    return t, h


def flowed(text: str, width: int = 72) -> str:
    """RFC 3676 format=flowed encoding (soft breaks = trailing space, space-stuffing)."""
    out = []
    for line in text.split("\n"):
        if line == "-- ":
            out.append(line)
            continue
        m = re.match(r"^(>+ ?)?(.*)$", line)
        q, content = (m.group(1) or ""), m.group(2)
        qp_ = q.rstrip() + (" " if q else "")
        content = content.rstrip(" ")
        if not q and (content.startswith(" ") or content.startswith("From ") or content.startswith(">")):
            content = " " + content
        if len(qp_) + len(content) <= width:
            out.append(qp_ + content if content or not q else qp_.rstrip())
            continue
        words = content.split(" ")
        cur = ""
        pieces = []
        for w in words:
            if cur and len(qp_) + len(cur) + len(w) + 1 > width:
                pieces.append(cur + " ")
                cur = w
            else:
                cur = f"{cur} {w}" if cur else w
        pieces.append(cur)
        out += [qp_ + p for p in pieces]
    return "\n".join(out)


# ---- the rest of the forward-block zoo ------------------------------------


def fw_simple(inner: Mail, before: str, head: str | None, rows: list, *, sep=" ", after="\n",
              inner_text: str | None = None) -> str:
    t = before
    if head is not None:
        t += head + "\n"
    t += "".join(f"{k}{sep}{v}\n" for k, v in rows)
    return t + after + (inner.text if inner_text is None else inner_text)


def yahoo_date(dt):
    return f"{WD['en'][dt.weekday()]}, {MON['en'][dt.month - 1]} {dt.day}, {dt.year}, {ampm(dt, True)} {'GMT' if dt.utcoffset() == timedelta(0) else 'BST'}"


def fw_yahoo(inner: Mail, note: str, sig: str | None = None) -> tuple[str, str]:
    shown = to_uk(inner.date)
    rows = [("From:", d_plain(inner.sender)), ("To:", ", ".join(d_plain(p) for p in inner.to)),
            ("Sent:", yahoo_date(shown)), ("Subject:", inner.subject)]
    t = fw_simple(inner, note_block(note, sig) + "\n\n", "----- Forwarded Message -----", rows)
    inner_html = body_of(inner.html) if inner.html is not None else text_to_divs(inner.text)
    divs = "".join(f"<div><b>{esc(k)}</b> {esc_addr_links(v)}</div>" for k, v in rows)
    h = (f'<div class="ydp4a1b2c3yahoo-style-wrap" style="font-family:Helvetica Neue, Helvetica, Arial, sans-serif;font-size:13px;">'
         f'{text_to_divs(note_block(note, sig).strip())}<div><br></div><div><br></div>'
         f'<div id="yahoo_quoted_{int(hashlib.sha1(inner.key.encode()).hexdigest()[:8], 16):010d}" class="yahoo_quoted">'
         '<div style="font-family:\'Helvetica Neue\', Helvetica, Arial, sans-serif;font-size:13px;color:#26282a;">'
         f'<div>----- Forwarded Message ----- </div>{divs}<div><br></div><div><br></div>'
         f'<div dir="ltr">{inner_html}</div></div></div></div>')
    return t, h


def samsung_date(dt, lang="en", double=False):
    off = dt.utcoffset()
    hh = int(off.total_seconds() // 3600)
    sp = "  " if double else " "
    if lang == "de":
        return f"{dt.day:02d}.{dt.month:02d}.{dt.year % 100:02d}{sp}{hm(dt)}{sp}(GMT{hh:+03d}:00)"
    return f"{dt.day:02d}/{dt.month:02d}/{dt.year}{sp}{hm(dt)}{sp}(GMT{hh:+03d}:00)"


SS_LABELS = {
    "en": ("Sent from my Galaxy", "-------- Original message --------", "From:", "Date:", "To:", "Cc:", "Subject:"),
    "de": ("Von Samsung-Galaxy-Smartphone gesendet", "-------- Ursprüngliche Nachricht --------", "Von:", "Datum:", "An:", "Cc:", "Betreff:"),
}


def fw_samsung(inner: Mail, note: str, *, lang="en", tzconv=to_uk, double=False) -> tuple[str, str]:
    sent, head, lf, ld, lt, lc, ls = SS_LABELS[lang]
    shown = tzconv(inner.date)
    rows = [(lf, d_plain(inner.sender) + " "), (ld, samsung_date(shown, lang, double) + " "),
            (lt, ", ".join(d_plain(p) for p in inner.to) + " ")]
    if inner.cc:
        rows.append((lc, ", ".join(d_plain(p) for p in inner.cc) + " "))
    rows.append((ls, inner.subject + " "))
    t = fw_simple(inner, note.strip("\n") + "\n\n\n\n" + sent + "\n\n\n", head, rows)
    inner_html = body_of(inner.html) if inner.html is not None else text_to_divs(inner.text)
    divs = "".join(f"<div>{esc(k)} {esc(v)}</div>" for k, v in rows)
    h = (f'<div dir="auto">{text_to_br(note.strip())}</div><div dir="auto"><br></div><div dir="auto"><br></div>'
         f'<div id="composer_signature" dir="auto"><div style="font-size:85%;color:#575757" dir="auto">{esc(sent)}</div></div>'
         f'<div dir="auto"><br></div><div><br></div><div align="left" dir="auto" style="font-size:100%;color:#000000">'
         f'<div>{esc(head)}</div>{divs}<div><br></div></div>{inner_html}')
    return t, h


# --------------------------------------------------------------------------
# emitters: turn a Mail into the bytes a given client family sends
# --------------------------------------------------------------------------


def png_bytes(seed: str) -> bytes:
    import struct
    import zlib
    r = rng("png", seed)
    w, h = 24, 8
    raw = b"".join(b"\x00" + bytes(r.randrange(256) for _ in range(w * 3)) for _ in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def b64_part(ctype_line: str, data: bytes, headers: list) -> Part:
    body = base64.encodebytes(data).decode().replace("\n", CRLF).encode()
    return Part([("Content-Type", ctype_line)] + headers + [("Content-Transfer-Encoding", "base64")], body)


def rfc822_part(raw: bytes, *, filename: str | None, style: str = "outlook", when: datetime | None = None,
                r: random.Random | None = None) -> Part:
    cte = "7bit" if all(b < 128 for b in raw) else "8bit"
    if style == "outlook":
        hs = [("Content-Type", "message/rfc822")]
        disp = "attachment"
        if when is not None:
            ts = rfcdate(when.astimezone(timezone.utc)).replace("+0000", "GMT").replace("-0000", "GMT")
            disp += f';\n\tcreation-date="{ts}";\n\tmodification-date="{ts}"'
        hs.append(("Content-Disposition", disp))
    elif style == "gmail":
        hs = [("Content-Type", f'message/rfc822; name="{filename}"'),
              ("Content-Disposition", f'attachment; filename="{filename}"'),
              ("X-Attachment-Id", f"f_{rb64(r, 9).lower()}0"), ("Content-ID", f"<f_{rb64(r, 9).lower()}0>")]
    elif style == "apple":
        hs = [("Content-Disposition", f"attachment;\n\tfilename={filename}"),
              ("Content-Type", f"message/rfc822;\n\tname={filename}")]
        cte = None
    else:  # thunderbird
        hs = [("Content-Type", f'message/rfc822; charset=UTF-8; name="{filename}"'),
              ("Content-Disposition", f'attachment; filename="{filename}"')]
    if cte:
        hs.append(("Content-Transfer-Encoding", cte))
    return Part(hs, raw)


def alt_or_leaf(text, html, *, bnd, text_ct='text/plain; charset="utf-8"', html_ct='text/html; charset="utf-8"',
                text_cte="quoted-printable", html_cte="quoted-printable", text_charset="utf-8",
                html_charset="utf-8", eol=CRLF, alt_headers=None) -> Part:
    parts = []
    if text is not None:
        parts.append(Part([("Content-Type", text_ct)] + ([("Content-Transfer-Encoding", text_cte)] if text_cte else []),
                          enc_body(text, text_cte or "7bit", text_charset, eol)))
    if html is not None:
        parts.append(Part([("Content-Type", html_ct)] + ([("Content-Transfer-Encoding", html_cte)] if html_cte else []),
                          enc_body(html, html_cte or "7bit", html_charset, eol)))
    if len(parts) == 1:
        return parts[0]
    return multipart("alternative", parts, bnd, eol=eol, headers=alt_headers)


def needs_qp(s: str) -> bool:
    return any(ord(c) > 127 for c in s) or any(len(l) > 76 for l in s.split("\n"))


def strip_prefix(subject: str) -> str:
    return re.sub(r"^((re|fw|fwd|tr|wg|rv|i|pd|aw|enc|antw)\s?:\s*)+", "", subject, flags=re.I)


def emit_outlook(m: Mail, name: str, *, html_doc=True, text=True, html=True, image=False, atts=(),
                 lang_hdr="en-GB", received=True, x_mailer=None, cte="quoted-printable", html_wrap="mso",
                 extra=(), in_reply_to=None, enc="b", hdr_from=None) -> bytes:
    r = rng("emit", name)
    host = ms_host(r)
    m.msgid = m.msgid or mid_outlook(r, host)
    if html and html_wrap == "mso":
        hdoc = MSO_HEAD + m.html + MSO_TAIL
    elif html:
        hdoc = OWA_HEAD + m.html + OWA_TAIL
    else:
        hdoc = None
    if image and hdoc:
        cid = f"image001.png@01DC{rhex(r, 4)}.{rhex(r, 8)}"
        hdoc = hdoc.replace("\n</div>\n</body>",
                            f'\n<p class="MsoNormal"><img width="120" height="40" style="width:1.25in;height:.4166in" id="Picture_x0020_1" src="cid:{cid}" alt="South Example District Council logo"><o:p></o:p></p>\n</div>\n</body>', 1)
    hdrs = []
    if received:
        hdrs.append(("Received", received_o365(r, m.date + timedelta(seconds=2), host)))
    hdrs += [("From", hdr_from or hdr_addr(m.sender, enc))]
    hdrs.append(("To", fold(4, [hdr_addr(p, enc) for p in m.to])))
    if m.cc:
        hdrs.append(("CC", fold(4, [hdr_addr(p, enc) for p in m.cc])))
    hdrs += [("Subject", hdr_subject(m.subject, enc)), ("Thread-Topic", hdr_subject(strip_prefix(m.subject), enc)),
             ("Thread-Index", thread_index(r)), ("Date", rfcdate(m.date.astimezone(timezone.utc)).replace("-0000", "+0000")),
             ("Message-ID", m.msgid)]
    if in_reply_to:
        hdrs += [("References", in_reply_to), ("In-Reply-To", in_reply_to)]
    hdrs += [("Accept-Language", "en-GB, en-US"), ("Content-Language", lang_hdr),
             ("X-MS-Has-Attach", "yes" if (atts or image) else ""), ("X-MS-Exchange-Organization-SCL", "-1"),
             ("X-MS-TNEF-Correlator", "")]
    if x_mailer:
        hdrs.append(("X-Mailer", x_mailer))
    hdrs += list(extra)
    hdrs.append(("*", ""))
    hdrs.append(("MIME-Version", "1.0"))
    body = alt_or_leaf(m.text if text else None, hdoc, bnd=b_outlook(r, "000", host), text_cte=cte, html_cte=cte)
    if image and hdoc:
        img = b64_part('image/png; name="image001.png"', png_bytes(name),
                       [("Content-Description", "image001.png"),
                        ("Content-Disposition", f'inline; filename="image001.png"; size={len(png_bytes(name))};\n'
                         f'\tcreation-date="{rfcdate(m.date).replace("+0000", "GMT")}";\n\tmodification-date="{rfcdate(m.date).replace("+0000", "GMT")}"'),
                        ("Content-ID", f"<{cid}>")])
        body = multipart("related", [body, img], b_outlook(r, "004", host), params=';\n\ttype="multipart/alternative"' if text else ';\n\ttype="text/html"')
    if atts:
        body = multipart("mixed", [body] + list(atts), b_outlook(r, "006", host))
    m.raw = message(hdrs, body, mime_version=None)
    return m.raw


def emit_gmail(m: Mail, name: str, *, html_only=False, text_only=False, atts=(), in_reply_to=None,
               extra=(), x_mailer=None) -> bytes:
    r = rng("emit", name)
    m.msgid = m.msgid or mid_gmail(r)
    hdrs = [("MIME-Version", "1.0")]
    if in_reply_to:
        hdrs += [("References", in_reply_to), ("In-Reply-To", in_reply_to)]
    hdrs += [("From", hdr_addr(m.sender, "q")), ("Date", rfcdate(m.date)), ("Message-ID", m.msgid),
             ("Subject", hdr_subject(m.subject, "q")), ("To", fold(4, [hdr_addr(p) for p in m.to]))]
    if m.cc:
        hdrs.append(("Cc", fold(4, [hdr_addr(p) for p in m.cc])))
    hdrs += list(extra)
    hdrs.append(("*", ""))
    html_doc = None if text_only else m.html
    tcte = "quoted-printable" if needs_qp(m.text) else None
    hcte = "quoted-printable" if (html_doc and needs_qp(html_doc)) else None
    body = alt_or_leaf(None if html_only else m.text, html_doc, bnd=b_gmail(r), text_ct='text/plain; charset="UTF-8"',
                       html_ct='text/html; charset="UTF-8"', text_cte=tcte, html_cte=hcte)
    if atts:
        body = multipart("mixed", [body] + list(atts), b_gmail(r))
    m.raw = message(hdrs, body, mime_version=None)
    return m.raw


def emit_apple(m: Mail, name: str, *, ios=False, atts=(), html=True, in_reply_to=None, domain=None) -> bytes:
    r = rng("emit", name)
    domain = domain or m.sender.email.split("@")[1]
    m.msgid = m.msgid or mid_apple(r, domain)
    mv = "1.0 (1.0)" if ios else "1.0 (Mac OS X Mail 16.0 \\(3826.500.181.1.5\\))"
    xm = "iPhone Mail (22D82)" if ios else "Apple Mail (2.3826.500.181.1.5)"
    hdrs = [("From", hdr_addr(m.sender, "Q")), ("Content-Type", None), ("Mime-Version", mv),
            ("Subject", hdr_subject(m.subject, "q")), ("Date", rfcdate(m.date))]
    if in_reply_to:
        hdrs += [("References", in_reply_to), ("In-Reply-To", in_reply_to)]
    hdrs += [("Cc", fold(4, [hdr_addr(p, "Q") for p in m.cc]))] if m.cc else []
    hdrs += [("To", fold(4, [hdr_addr(p, "Q") for p in m.to])), ("Message-Id", m.msgid), ("X-Mailer", xm)]
    ab = b_apple(r, ios)
    tp = Part([("Content-Transfer-Encoding", "quoted-printable"), ("Content-Type", "text/plain;\n\tcharset=utf-8")],
              enc_body(m.text, "quoted-printable"))
    parts = [tp]
    if html:
        parts.append(Part([("Content-Transfer-Encoding", "quoted-printable"), ("Content-Type", "text/html;\n\tcharset=utf-8")],
                          enc_body(m.html, "quoted-printable")))
    body = multipart("alternative", parts, ab, quote_boundary=ios is False) if len(parts) > 1 else tp
    if atts:
        body = multipart("mixed", [body] + list(atts), b_apple(r, ios), quote_boundary=ios is False)
    ct = next(v for k, v in body.headers if k == "Content-Type").replace("; boundary=", ";\n\tboundary=")
    hdrs = [(k, ct if k == "Content-Type" else v) for k, v in hdrs]
    body.headers = [(k, v) for k, v in body.headers if k != "Content-Type"]
    m.raw = message(hdrs + [("*", "")], body, mime_version=None)
    return m.raw


def emit_tb(m: Mail, name: str, *, html=False, fl=True, atts=(), in_reply_to=None, fwd_id=None,
            lang="en-GB", domain=None, cte="8bit") -> bytes:
    r = rng("emit", name)
    domain = domain or m.sender.email.split("@")[1]
    m.msgid = m.msgid or mid_tb(r, domain)
    hdrs = [("Message-ID", m.msgid), ("Date", rfcdate(m.date)), ("MIME-Version", "1.0"),
            ("User-Agent", "Mozilla Thunderbird"), ("Subject", hdr_subject(m.subject, "q")),
            ("Content-Language", lang)]
    if in_reply_to:
        hdrs.append(("References", in_reply_to))
    hdrs += [("To", fold(4, [hdr_addr(p) for p in m.to]))]
    if m.cc:
        hdrs.append(("Cc", fold(4, [hdr_addr(p) for p in m.cc])))
    hdrs.append(("From", hdr_addr(m.sender)))
    if in_reply_to:
        hdrs.append(("In-Reply-To", in_reply_to))
    if fwd_id:
        hdrs.append(("X-Forwarded-Message-Id", fwd_id))
    text = flowed(m.text) if fl else m.text
    tct = "text/plain; charset=UTF-8" + ("; format=flowed" if fl else "")
    if html:
        body = alt_or_leaf(text, TB_HEAD + m.html + TB_TAIL, bnd=b_tb(r), text_ct=tct, html_ct="text/html; charset=UTF-8",
                           text_cte=cte, html_cte=cte)
        body.body = b"This is a multi-part message in MIME format.\r\n" + body.body
    else:
        body = Part([("Content-Type", tct), ("Content-Transfer-Encoding", cte)], enc_body(text, cte))
    if atts:
        body = multipart("mixed", [body] + list(atts), b_tb(r), preamble="This is a multi-part message in MIME format.")
    m.raw = message(hdrs + [("*", "")], body, mime_version=None)
    return m.raw


def emit_generic(m: Mail, name: str, *, family: str, text=True, html=True, atts=(), in_reply_to=None,
                 text_cte=None, html_cte="quoted-printable", extra=()) -> bytes:
    """Yahoo, Samsung Email, Gmail Android app, Zimbra, Roundcube, Windows Mail, Lotus Notes."""
    r = rng("emit", name)
    if family == "yahoo":
        m.msgid = m.msgid or mid_yahoo(r)
        bnd = b_yahoo(r)
        hdrs = [("Date", rfcdate(m.date.astimezone(timezone.utc)).replace("-0000", "+0000") + " (UTC)"),
                ("From", hdr_addr(m.sender)), ("Reply-To", hdr_addr(m.sender)), ("To", addrs(*m.to)),
                ("Message-ID", m.msgid), ("Subject", hdr_subject(m.subject))]
        if in_reply_to:
            hdrs += [("In-Reply-To", in_reply_to), ("References", in_reply_to)]
        hdrs += [("MIME-Version", "1.0"), ("*", ""), ("X-Mailer", "WebService/1.1.24876 YMailNorrin")]
        tct, hct = "text/plain; charset=UTF-8", "text/html; charset=UTF-8"
        text_cte = text_cte or "quoted-printable"
    elif family == "samsung":
        m.msgid = m.msgid or mid_samsung(r)
        bnd = b_samsung(r)
        hdrs = [("Message-ID", m.msgid), ("Date", rfcdate(m.date)), ("Subject", hdr_subject(m.subject, "b")),
                ("From", hdr_addr(m.sender, "b")), ("To", addrs(*m.to, enc="b"))]
        if in_reply_to:
            hdrs.append(("In-Reply-To", in_reply_to))
        hdrs += [("MIME-Version", "1.0"), ("*", "")]
        tct, hct = "text/plain; charset=utf-8", "text/html; charset=utf-8"
        text_cte = text_cte or "base64"
        html_cte = "base64"
    elif family == "windows-mail":
        m.msgid = m.msgid or f"<{ruuid(r)}@mailbox.example>"
        bnd = "_" + rhex(r, 8) + "-" + rhex(r, 4) + "-" + rhex(r, 4) + "_"
        hdrs = [("MIME-Version", "1.0"), ("To", addrs(*m.to)), ("From", hdr_addr(m.sender)),
                ("Subject", hdr_subject(m.subject)), ("Date", rfcdate(m.date)), ("Message-ID", m.msgid), ("*", "")]
        tct, hct = 'text/plain; charset="utf-8"', 'text/html; charset="utf-8"'
        text_cte = text_cte or "quoted-printable"
    elif family == "lotus":
        m.msgid = m.msgid or f"<OF{rhex(r, 8)}.{rhex(r, 8)}-ON80258{rhex(r, 3)}.{rhex(r, 8)}-80258{rhex(r, 3)}.{rhex(r, 8)}@council.example>"
        bnd = f"=_alternative 00{rhex(r, 6)}80258{rhex(r, 3)}_="
        hdrs = [("Subject", hdr_subject(m.subject)), ("To", addrs(*m.to)), ("From", hdr_addr(m.sender)),
                ("Message-ID", m.msgid), ("Date", rfcdate(m.date)), ("X-Mailer", "IBM Notes Release 9.0.1FP10 SHF68 February 05, 2019"),
                ("X-MIMETrack", f"Serialize by Router on NOTES01/SEDC(Release 9.0.1FP10|February 05, 2019) at\n {m.date.strftime('%d/%m/%Y %H:%M:%S')}"),
                ("MIME-Version", "1.0"), ("*", "")]
        tct, hct = 'text/plain; charset="US-ASCII"', 'text/html; charset="US-ASCII"'
        text_cte, html_cte = None, None
    else:  # zimbra / roundcube / other webmail
        dom = m.sender.email.split("@")[1]
        m.msgid = m.msgid or f"<{r.randint(10**8, 10**9)}.{r.randint(10**5, 10**6)}.{r.randint(10**12, 10**13)}.JavaMail.zimbra@{dom}>" if family == "zimbra" else m.msgid or f"<{rhex(r, 32, False)}@{dom}>"
        bnd = f"=_{rhex(r, 32, False)}" if family == "roundcube" else f"----=_Part_{r.randint(10**5, 10**6)}_{r.randint(10**8, 10**9)}.{r.randint(10**12, 10**13)}"
        hdrs = [("Date", rfcdate(m.date)), ("From", hdr_addr(m.sender)), ("To", addrs(*m.to)),
                ("Message-ID", m.msgid), ("Subject", hdr_subject(m.subject)), ("MIME-Version", "1.0"), ("*", "")]
        if family == "zimbra":
            hdrs += [("X-Mailer", "Zimbra 10.0.8_GA_4611 (ZimbraWebClient - FF128 (Win)/10.0.8_GA_4611)"),
                     ("Thread-Topic", strip_prefix(m.subject)), ("Thread-Index", rb64(r, 28))]
        else:
            hdrs += [("User-Agent", "Roundcube Webmail/1.6.9")]
        tct, hct = "text/plain; charset=utf-8", "text/html; charset=utf-8"
        text_cte = text_cte or ("quoted-printable" if needs_qp(m.text) else "7bit")
    hdrs += list(extra)
    body = alt_or_leaf(m.text if text else None, m.html if html else None, bnd=bnd, text_ct=tct, html_ct=hct,
                       text_cte=text_cte, html_cte=html_cte)
    if family == "roundcube" and not html:
        body.headers[0] = ("Content-Type", "text/plain; charset=US-ASCII; format=flowed") if not needs_qp(m.text) else body.headers[0]
    if atts:
        body = multipart("mixed", [body] + list(atts), bnd + "_mixed")
    m.raw = message(hdrs, body, mime_version=None)
    return m.raw


def original_raw(m: Mail, name: str, client: str = "generic", **kw) -> bytes:
    """Emit a customer's original mail as a real message (for attaching)."""
    if m.html is None and client in ("outlook", "gmail", "apple"):
        m.html = text_to_mso(m.text) if client == "outlook" else (text_to_divs(m.text) if client == "gmail" else APPLE_HEAD + text_to_divs(m.text) + APPLE_TAIL)
        if client == "gmail":
            m.html = GMAIL_HEAD + m.html + GMAIL_TAIL
    if client == "outlook":
        return emit_outlook(m, name, **kw)
    if client == "gmail":
        return emit_gmail(m, name, **kw)
    if client == "apple":
        return emit_apple(m, name, **kw)
    if client == "tb":
        return emit_tb(m, name, **kw)
    return emit_generic(m, name, family=client, **kw)


# --------------------------------------------------------------------------
# what the customer writes about
# --------------------------------------------------------------------------

JSIGN = {
    "full": "Regards,\nJordan Example\n22 Mill Lane\nCambourne\nCB23 6EA\nTel: 07700 900123",
    "short": "Jordan Example",
    "terse": "J. Example",
    "angry": "I look forward to a PROPER reply this time.\n\nJordan Example (Mr)",
    "phone": "Thanks\nJordan\n\nSent from my iPhone",
    "kind": "Kind regards\nJordan Example\n07700 900123",
}

TOPICS = {
    "planning": ("Objection to planning application 25/01234/FUL - 14 Mill Lane", """\
        Dear {greet},

        I am writing again about the proposed two-storey extension at 14 Mill Lane (ref 25/01234/FUL).

        {key}

        I asked for a site visit on 2 January and nobody has contacted me. I would like to know who the case officer is and why my objection is still not showing on the planning portal.

        {sign}"""),
    "bins": ("Bins not collected - Orchard Close", """\
        Hello,

        For the third week running the blue bins on Orchard Close have not been emptied. {key}

        I have reported this online (ref WS-118734) and by phone and was promised a call back that never came. Please tell me when the crew will come back and whether I will get a refund on my garden waste subscription.

        {sign}"""),
    "tree": ("Dangerous tree overhanging footpath - Mill Lane", """\
        Dear {greet},

        The large oak on the council verge opposite 22 Mill Lane is now leaning over the footpath and a branch came down in last night's wind.

        {key}

        I have been told twice that the tree is protected by a TPO and cannot be touched. I want a named officer to inspect it this week and confirm in writing who is liable if someone is hurt.

        {sign}"""),
    "noise": ("Noise from 3 Station Road", """\
        Dear {greet},

        I am again reporting noise from 3 Station Road. Music and shouting went on until 2.40am on Saturday and again on Sunday night.

        {key}

        I have filled in the diary sheets you sent me and posted them back. Nobody has acknowledged them. What is the point of the noise app if nobody listens to the recordings?

        {sign}"""),
    "counciltax": ("Council tax account 50012345", """\
        To whom it may concern,

        My council tax bill for 2026/27 has arrived and the single person discount has been removed without any explanation.

        {key}

        Please reinstate the discount, send me a corrected bill and stop the reminder notices, which are causing me considerable stress.

        {sign}"""),
    "foi": ("Freedom of Information request - correspondence about me", """\
        Dear {greet},

        Under the Freedom of Information Act 2000 and the UK GDPR please provide the following:

        1. All internal emails that mention my name or my address since 1 September 2025.
        2. Any "unreasonable customer" or "single point of contact" decision made about me, with the minutes of the meeting where it was decided.
        3. The council's policy on managing unreasonably persistent complainants.

        {key}

        {sign}"""),
    "complaint": ("Formal complaint - stage 2", """\
        Dear {greet},

        I wish to escalate my complaint (ref COMP-2025-0917) to stage 2 of your complaints procedure.

        {key}

        I also want it recorded that I was told on the telephone that I am "being managed". I have never agreed to be managed by anybody, least of all through a mailbox.

        {sign}"""),
    "flytip": ("Fly-tipping in the lay-by on Cambridge Road AGAIN", """\
        Hi,

        There is another pile of rubbish in the lay-by on Cambridge Road, this time mattresses and a fridge.

        {key}

        This is the fourth time since Christmas. I would like to know what the council is actually doing about it, not another reference number.

        {sign}"""),
    "pothole": ("Pothole outside 9 High Street", """\
        Dear {greet},

        The pothole outside 9 High Street is now about 10cm deep and full of water.

        {key}

        Please do not tell me to report it to the county council, I have done that and they told me to contact you.

        {sign}"""),
    "housing": ("Damp and mould at 7 Orchard Close - urgent", """\
        Dear {greet},

        I am writing on behalf of my elderly neighbour at 7 Orchard Close, whose bedroom wall is covered in black mould.

        {key}

        She is 84 and has a chest condition. If a repair is not booked this week I will be contacting the Housing Ombudsman and my MP.

        {sign}"""),
    "parking": ("Penalty charge notice SE12345678 - appeal", """\
        Dear Sir or Madam,

        I am appealing against penalty charge notice SE12345678 issued in the Market Street car park.

        {key}

        I have attached a photograph of my ticket on the dashboard. I expect the notice to be cancelled.

        {sign}"""),
    "licensing": ("Objection - The Red Lion licence variation", """\
        Dear {greet},

        I object to the application by The Red Lion, Station Road, to extend its hours to 1am on Fridays and Saturdays.

        {key}

        Please confirm my objection has been received before the consultation closes and that I will be told the date of the hearing.

        {sign}"""),
    "streetlight": ("Street light out - Church Walk", """\
        Hello,

        The street light halfway along Church Walk (column 14) has been out for a month. The path is pitch black by 5pm.

        {key}

        {sign}"""),
}


def orig(topic: str, sender: P, to: list, date: datetime, key: str, *, greet="Councillor", sign="full",
         subject: str | None = None, cc=None, html=None, extra_top: str = "") -> Mail:
    subj, tpl = TOPICS[topic]
    tpl = textwrap.dedent(tpl)
    body = tpl.format(greet=greet, key=key, sign=JSIGN.get(sign, sign))
    if extra_top:
        body = extra_top + "\n\n" + body
    return original(sender, to, date, subject or subj, body, key, cc=cc, html=html)


def fwd(sender: P, to: list, date: datetime, subject: str, th: tuple, inner: Mail, *, cc=None,
        name=..., email=..., shown_date: str | None = None, shown_subject: str | None = None) -> Mail:
    t, h = th
    e = entry(inner.sender.name if name is ... else name, inner.sender.email if email is ... else email,
              shown_date or ymd(to_uk(inner.date)), inner.subject if shown_subject is None else shown_subject)
    return Mail(sender, to, date, subject, t, h, cc or [], [e] + inner.chain, inner.key,
                list(inner.attachments))


def fj(client: str, lang: str, kind: str, m: Mail, notes: str, key: str | None = None, **extra) -> dict:
    d = {"client": client, "language": lang, "kind": kind, "forwarded": m.chain,
         "original_body_contains": key or m.key, "notes": notes}
    d.update(extra)
    return d


REGISTRY: dict[str, list] = {"forwards": [], "replies": [], "auto": [], "broken": []}


def F(folder: str, name: str):
    def deco(fn):
        REGISTRY[folder].append((name, fn))
        return fn
    return deco


# ==========================================================================
# FORWARDS
# ==========================================================================

DAAN = P("Daan de Vries", "daan.devries@council.example")
JURGEN = P("Jürgen Weiß", "juergen.weiss@council.example")
LUCIA = P("Lucía Fernández", "lucia.fernandez@council.example")
ANA = P("Ana Sousa", "ana.sousa@council.example")
SIGS.update({
    "daan": f"Daan de Vries\nEnvironmental Protection Officer\n{COUNCIL}\n01234 567899",
    "jurgen": f"Jürgen Weiß\nSenior Revenues Officer\n{COUNCIL}\nTel. 01234 567880",
    "lucia": f"Lucía Fernández\nLicensing Officer\n{COUNCIL}\n01234 567881",
    "ana": f"Ana Sousa\nHousing Officer\n{COUNCIL}\n01234 567882",
})


def sig(who: str, disclaimer: bool = False) -> str:
    s = SIGS[who]
    return s + ("\n\n" + DISCLAIMER if disclaimer else "")


# ---- Outlook desktop, English ---------------------------------------------

@F("forwards", "outlook_desktop_en_underscore")
def _(n):
    o = orig("planning", JORDAN, [PAT], uk(2026, 1, 14, 10, 15, 32), greet="Councillor Smith",
             key="The applicant has already dug the footings before permission has even been granted.")
    th = fw_outlook(o, "Hi SPOC team,\n\nPlease see below from Mr Example. Could you log this and get a response from Planning?\n\nThanks\nPat",
                    sig("pat"), sep="underscore", html_style="owa")
    m = fwd(PAT, [SPOC], uk(2026, 1, 14, 11, 2, 10), "FW: " + o.subject, th, o)
    return emit_outlook(m, n, html_wrap="owa"), fj(
        "outlook-desktop", "en", "inline", m,
        "Outlook for Windows, forward of a plain-text original: 32-underscore separator then From:/Sent:/To:/Subject:. "
        "UK long-date 'Sent: 14 January 2026 10:15'. multipart/alternative, both parts quoted-printable.")


@F("forwards", "outlook_desktop_en_mailto_cc_logo")
def _(n):
    o = orig("tree", JORDAN, [ALEX], uk(2026, 1, 20, 8, 47, 3), cc=[PAT], greet="Mr Jones",
             key="My grandson had to step into the road with his pushchair to get past it.")
    th = fw_outlook(o, "Morning SPOC,\n\nForwarding as requested - Mr Example has copied in Cllr Smith. I have not replied.\n\nKind regards,\nAlex",
                    sig("alex", True))
    m = fwd(ALEX, [SPOC], uk(2026, 1, 20, 9, 30, 44), "FW: " + o.subject, th, o)
    return emit_outlook(m, n, image=True), fj(
        "outlook-desktop", "en", "inline", m,
        "Outlook desktop HTML forward (border-top div, no separator line in text/plain). The text/plain part shows "
        "Outlook's link rendering: 'Jordan Example <jordan@example.org<mailto:jordan@example.org>>' and a trailing blank "
        "after the From: value. Has a Cc: row. multipart/related with a cid: logo image in the signature.")


@F("forwards", "outlook_desktop_en_us_quoted_name_importance")
def _(n):
    o = orig("housing", JORDAN, [SAM], uk(2026, 2, 3, 16, 40, 11), greet="Sam",
             key="The mould has now spread behind her wardrobe and onto her winter coats.")
    th = fw_outlook(o, "SPOC - FYI, flagged high importance by the customer. Repairs have been chased.\n\nSam",
                    sig("sam", True), datefmt="en-us", from_disp='"Example, Jordan" <jordan@example.org>',
                    to_disp="Patel, Sam <sam.patel@council.example>", extra=[("Importance:", "High")], html_style="owa",
                    sep="underscore")
    m = fwd(SAM, [SPOC], uk(2026, 2, 3, 17, 5, 0), "FW: " + o.subject, th, o, name="Example, Jordan")
    return emit_outlook(m, n, html_wrap="owa", extra=[("Importance", "high"), ("X-Priority", "1")]), fj(
        "outlook-desktop", "en", "inline", m,
        "Outlook with US regional settings: 'Sent: Tuesday, February 3, 2026 4:40 PM'. Display name in "
        "'Surname, Forename' form with quotes: expected name is 'Example, Jordan' exactly as shown (quotes removed, "
        "not re-ordered). Extra 'Importance: High' row after Subject.")


@F("forwards", "outlook_desktop_en_addr_as_name")
def _(n):
    o = orig("bins", P(None, "jordan.e@webmail.example"), [TOM], uk(2026, 2, 9, 7, 12, 55), sign="terse",
             key="The recycling crew drove straight past our close and emptied Beech Road instead.")
    th = fw_outlook(o, "Forwarded for logging - I think this is Mr Example from a new address.\n\nTom",
                    sig("tom"), sep="underscore", html_style="owa",
                    from_disp="jordan.e@webmail.example <jordan.e@webmail.example>")
    m = fwd(TOM, [SPOC], uk(2026, 2, 9, 12, 0, 5), "FW: " + o.subject, th, o, name=None)
    return emit_outlook(m, n, html_wrap="owa"), fj(
        "outlook-desktop", "en", "inline", m,
        "Sender had no display name, so Outlook repeats the address as the name: "
        "'From: jordan.e@webmail.example <jordan.e@webmail.example>'. Expected name is null (the 'name' is only the "
        "address). Customer writing from one of his unknown addresses.")


@F("forwards", "outlook_desktop_en_name_only")
def _(n):
    o = orig("counciltax", JORDAN, [CHRIS], uk(2026, 3, 4, 13, 22, 9), sign="angry",
             key="My son moved to Leeds in September 2025 and I sent you his tenancy agreement as proof.")
    th = fw_outlook(o, "Hi both,\n\nThis came into the Revenues inbox. Passing to SPOC per the arrangement.\n\nChris",
                    sig("chris", True), from_disp="Jordan Example", to_disp="Revenues")
    m = fwd(CHRIS, [SPOC], uk(2026, 3, 4, 14, 1, 40), "FW: " + o.subject, th, o, email=None, cc=[DANIEL])
    return emit_outlook(m, n), fj(
        "outlook-desktop", "en", "inline", m,
        "Name-only header block ('From: Jordan Example', 'To: Revenues') as Outlook writes it when the sender "
        "resolved to a contact/GAL entry. No address anywhere in the block: expected email is null.")


@F("forwards", "outlook_desktop_en_mailto_angle")
def _(n):
    o = orig("streetlight", P("Jordan", "jordan@example.org"), [RUI], uk(2026, 3, 11, 18, 3, 0), sign="short",
             key="A woman fell on the uneven slabs there last Thursday and nobody could see to help her.")
    th = fw_outlook(o, "SPOC - for you I believe.\n\nRui", sig("rui"), sep="underscore", html_style="owa",
                    from_disp="Jordan <mailto:jordan@example.org>",
                    to_disp="Highways <mailto:highways@council.example>")
    m = fwd(RUI, [SPOC], uk(2026, 3, 12, 8, 55, 21), "FW: " + o.subject, th, o)
    return emit_outlook(m, n, html_wrap="owa", text=True), fj(
        "outlook-desktop", "en", "inline", m,
        "Link-rendered address with nothing but a mailto: inside the angle brackets: "
        "'From: Jordan <mailto:jordan@example.org>'. Expected address has the 'mailto:' removed.")


@F("forwards", "outlook_desktop_en_caution_external_tag")
def _(n):
    o = orig("flytip", JORDAN_1962, [AHMED], uk(2026, 3, 16, 7, 49, 30), sign="kind",
             key="One of the bags has split and there are nappies all over the verge.")
    th = fw_outlook(o, "SPOC, please log. I have asked Environmental Services to clear it.\n\nAhmed",
                    sig("ahmed"), caution=True, subject="[EXTERNAL] " + o.subject)
    m = fwd(AHMED, [SPOC], uk(2026, 3, 16, 9, 10, 2), "FW: [EXTERNAL] " + o.subject, th, o,
            shown_subject="[EXTERNAL] " + o.subject)
    return emit_outlook(m, n, image=True), fj(
        "outlook-desktop", "en", "inline", m,
        "The council's mail gateway tagged the subject '[EXTERNAL] ' and inserted a CAUTION banner at the top of the "
        "original body before the councillor forwarded it. Expected subject is the one shown in the block, tag included; "
        "the banner is not part of the customer's text.")


@F("forwards", "outlook_desktop_en_reply_history_not_a_forward")
def _(n):
    history = textwrap.dedent("""\
        From: Priya Shah <priya.shah@council.example>
        Sent: 09 February 2026 15:02
        To: Jordan Example <jordan@example.org>
        Subject: RE: Noise from 3 Station Road

        Dear Mr Example,

        Thank you for your email. I have opened case EH/26/0142 and will write to the occupier at 3 Station Road this week.

        Kind regards,
        Priya Shah
        Environmental Health Officer
        """)
    body = ("Priya,\n\nIt is now a week since your email below and the music was worse than ever on Saturday. "
            "The occupier laughed at me when I mentioned your letter.\n\nWhat happens next?\n\nJordan\n\n" + history)
    o = original(JORDAN, [PRIYA], uk(2026, 2, 16, 22, 14, 7), "RE: Noise from 3 Station Road", body,
                 "The occupier laughed at me when I mentioned your letter.")
    th = fw_outlook(o, "SPOC - Mr Example's reply to me from last night, see below. I will respond once you've logged it.\n\nPriya",
                    sig("priya", True))
    m = fwd(PRIYA, [SPOC], uk(2026, 2, 17, 8, 31, 12), "FW: RE: Noise from 3 Station Road", th, o)
    return emit_outlook(m, n), fj(
        "outlook-desktop", "en", "inline", m,
        "The forwarded message is the customer's REPLY, which itself carries the officer's earlier mail as reply "
        "history with its own From:/Sent:/To:/Subject: block. That inner block is quoted reply history, not a forward: "
        "`forwarded` has ONE entry (the customer), and the 'original sender' is the customer, not the officer.")


@F("forwards", "outlook_desktop_en_html_only")
def _(n):
    o = orig("licensing", JORDAN, [LUCIA], uk(2026, 4, 2, 11, 5, 40), greet="Licensing team",
             key="Last summer the smokers outside blocked the pavement until well after midnight.")
    th = fw_outlook(o, "Hello SPOC,\n\nForwarding Mr Example's representation. I have logged it on the licensing system.\n\nLucía",
                    sig("lucia"))
    m = fwd(LUCIA, [SPOC], uk(2026, 4, 2, 14, 44, 18), "FW: " + o.subject, th, o)
    return emit_outlook(m, n, text=False), fj(
        "outlook-desktop", "en", "html-only", m,
        "Single text/html part (no text/plain at all), Word-generated HTML: <div style=\"border:none;border-top:solid "
        "#E1E1E1 1.0pt...\"> then <b>From:</b>, <b>Sent:</b> etc. inside a MsoNormal paragraph. Date in BST.")


# ---- Outlook desktop, localised -------------------------------------------

@F("forwards", "outlook_desktop_fr")
def _(n):
    o = orig("noise", JORDAN, [HELENE], uk(2026, 1, 27, 9, 3, 17), greet="Councillor Dubois",
             key="The bass was loud enough to rattle the glasses in my kitchen cupboard.")
    th = fw_outlook(o, "Bonjour l'équipe SPOC,\n\nVoir ci-dessous, message de M. Example. Merci de l'enregistrer.\n\nHélène",
                    sig("helene"), labels="fr", datefmt="fr")
    m = fwd(HELENE, [SPOC], uk(2026, 1, 27, 10, 12, 0), "TR: " + o.subject, th, o)
    return emit_outlook(m, n, lang_hdr="fr-FR", enc="b"), fj(
        "outlook-desktop", "fr", "inline", m,
        "French Outlook: 'De :', 'Envoyé :', 'À :', 'Objet :' with a NO-BREAK SPACE (U+00A0) before each colon, as "
        "Outlook writes it. Date 'mardi 27 janvier 2026 09:03'. Subject prefix 'TR:'. Forwarder name RFC 2047 encoded.")


@F("forwards", "outlook_desktop_de")
def _(n):
    o = orig("counciltax", JORDAN_1962, [JURGEN], uk(2026, 3, 2, 10, 47, 5), sign="full",
             key="The reminder says I owe £312.40 but my direct debit has been taken every month.")
    th = fw_outlook(o, "Hallo SPOC,\n\nanbei eine weitere Nachricht von Herrn Example zur Kenntnis.\n\nViele Grüße\nJürgen",
                    sig("jurgen"), labels="de", datefmt="de", cc_disp=None)
    m = fwd(JURGEN, [SPOC], uk(2026, 3, 2, 15, 20, 0), "WG: " + o.subject, th, o)
    return emit_outlook(m, n, lang_hdr="de-DE"), fj(
        "outlook-desktop", "de", "inline", m,
        "German Outlook: Von:/Gesendet:/An:/Betreff:, date 'Montag, 2. März 2026 10:47', subject prefix 'WG:'. "
        "Customer writing from his mailbox.example address. £ sign in the original (quoted-printable).")


@F("forwards", "outlook_desktop_es")
def _(n):
    o = orig("licensing", JORDAN, [LUCIA], uk(2026, 4, 14, 19, 30, 0), greet="Ms Fernández",
             key="Taxis sit with their engines running under my bedroom window waiting for customers.")
    th = fw_outlook(o, "Hola,\n\nOs reenvío el correo del Sr. Example para que quede registrado.\n\nUn saludo,\nLucía",
                    sig("lucia"), labels="es", datefmt="es")
    m = fwd(LUCIA, [SPOC], uk(2026, 4, 15, 8, 2, 50), "RV: " + o.subject, th, o)
    return emit_outlook(m, n, lang_hdr="es-ES"), fj(
        "outlook-desktop", "es", "inline", m,
        "Spanish Outlook: De:/Enviado:/Para:/Asunto:, date 'martes, 14 de abril de 2026 19:30', prefix 'RV:'.")


@F("forwards", "outlook_desktop_it")
def _(n):
    o = orig("pothole", JORDAN, [LUCA], uk(2026, 2, 25, 12, 10, 36), greet="Councillor Romano",
             key="A delivery van lost a hubcap in it on Monday and it is still lying in the gutter.")
    th = fw_outlook(o, "Ciao,\n\nvi inoltro la mail del Sig. Example.\n\nGrazie\nLuca", sig("luca"), labels="it", datefmt="it")
    m = fwd(LUCA, [SPOC], uk(2026, 2, 25, 18, 45, 3), "I: " + o.subject, th, o)
    return emit_outlook(m, n, lang_hdr="it-IT"), fj(
        "outlook-desktop", "it", "inline", m,
        "Italian Outlook: Da:/Inviato:/A:/Oggetto:, date 'mercoledì 25 febbraio 2026 12:10', subject prefix 'I:'.")


@F("forwards", "outlook_desktop_nl")
def _(n):
    o = orig("flytip", JORDAN, [DAAN], uk(2026, 5, 6, 6, 58, 0), sign="short",
             key="Someone has dumped what looks like asbestos sheeting next to the mattresses.")
    th = fw_outlook(o, "Hoi SPOC,\n\nZie onderstaande mail van dhr. Example. Graag registreren.\n\nGroet,\nDaan", sig("daan"),
                    labels="nl", datefmt="nl")
    m = fwd(DAAN, [SPOC], uk(2026, 5, 6, 9, 14, 27), "FW: " + o.subject, th, o)
    return emit_outlook(m, n, lang_hdr="nl-NL"), fj(
        "outlook-desktop", "nl", "inline", m,
        "Dutch Outlook: Van:/Verzonden:/Aan:/Onderwerp:, date 'woensdag 6 mei 2026 06:58' (BST).")


@F("forwards", "outlook_desktop_pt")
def _(n):
    o = orig("housing", JORDAN_WEB, [ANA], uk(2026, 6, 18, 20, 20, 20), greet="Ms Sousa",
             key="The extractor fan in her bathroom has not worked since the contractor visited in March.")
    th = fw_outlook(o, "Olá,\n\nReencaminho o e-mail do Sr. Example.\n\nCumprimentos,\nAna", sig("ana"), labels="pt", datefmt="pt")
    m = fwd(ANA, [SPOC], uk(2026, 6, 19, 9, 0, 31), "FW: " + o.subject, th, o)
    return emit_outlook(m, n, lang_hdr="pt-PT"), fj(
        "outlook-desktop", "pt", "inline", m,
        "European Portuguese Outlook: De:/Enviada:/Para:/Assunto:, date 'quinta-feira, 18 de junho de 2026 20:20'.")


@F("forwards", "outlook_desktop_pl")
def _(n):
    o = orig("bins", JORDAN, [KASIA], uk(2026, 1, 7, 15, 33, 2), sign="kind",
             key="Foxes have ripped open the black sacks and the rubbish is blowing into the brook.")
    th = fw_outlook(o, "Dzień dobry,\n\nprzesyłam dalej wiadomość od pana Example.\n\nPozdrawiam\nKasia", sig("kasia"),
                    labels="pl", datefmt="pl")
    m = fwd(KASIA, [SPOC], uk(2026, 1, 7, 16, 2, 44), "PD: " + o.subject, th, o)
    return emit_outlook(m, n, lang_hdr="pl-PL"), fj(
        "outlook-desktop", "pl", "inline", m,
        "Polish Outlook: Od:/Wysłane:/Do:/Temat:, date 'środa, 7 stycznia 2026 15:33' (genitive month), prefix 'PD:'.")


@F("forwards", "outlook_desktop_cy")
def _(n):
    o = orig("tree", JORDAN, [SIAN], uk(2026, 2, 12, 8, 0, 12), greet="Cynghorydd Llŷr",
             key="The crack in the trunk is now wide enough to put my hand in.")
    th = fw_outlook(o, "Bore da SPOC,\n\nGweler isod neges gan Mr Example. Please see below - could you log this one?\n\nDiolch,\nSiân",
                    sig("sian"), labels="cy", datefmt="cy")
    m = fwd(SIAN, [SPOC], uk(2026, 2, 12, 10, 30, 0), "FW: " + o.subject, th, o)
    return emit_outlook(m, n, lang_hdr="cy-GB", enc="q"), fj(
        "outlook-desktop", "cy", "inline", m,
        "Welsh Outlook: 'Oddi wrth:' / 'Anfonwyd:' / 'At:' / 'Pwnc:', date 'Dydd Iau, 12 Chwefror 2026 08:00'. "
        "Forwarder is Cllr Siân Llŷr: RFC 2047 Q-encoded in the outer From:, plain UTF-8 in the body.")


@F("forwards", "outlook_desktop_ptbr")
def _(n):
    o = orig("parking", JORDAN, [RUI], uk(2026, 7, 1, 13, 13, 13), sign="full",
             key="The pay machine only took coins and the card reader was taped over with a bin bag.")
    th = fw_outlook(o, "Bom dia,\n\nSegue o e-mail do Sr. Example.\n\nAbs,\nRui", sig("rui"), labels="pt-br", datefmt="pt")
    m = fwd(RUI, [SPOC], uk(2026, 7, 1, 16, 0, 2), "ENC: " + o.subject, th, o)
    return emit_outlook(m, n, lang_hdr="pt-BR"), fj(
        "outlook-desktop", "pt", "inline", m,
        "Brazilian Portuguese Outlook: the date label is two words, 'Enviado em:'. Subject prefix 'ENC:'.")


# ---- Outlook legacy (-----Original Message-----) in several languages ------

def _legacy(n, labels, lang, datefmt, forwarder, note, topic, when, key, fdate, prefix, notes, **kw):
    o = orig(topic, JORDAN, [forwarder], when, key=key, **kw)
    th = fw_outlook(o, note, None, labels=labels, datefmt=datefmt, sep="legacy")
    m = fwd(forwarder, [SPOC], fdate, prefix + o.subject, th, o)
    raw = emit_outlook(m, n, html=False, x_mailer="Microsoft Outlook 14.0", cte="quoted-printable",
                       lang_hdr={"en": "en-GB", "de": "de-DE", "fr": "fr-FR", "es": "es-ES", "it": "it-IT",
                                 "nl": "nl-NL", "pl": "pl-PL"}[lang])
    return raw, fj("outlook-legacy", lang, "inline", m, notes)


@F("forwards", "outlook_legacy_de")
def _(n):
    return _legacy(n, "de", "de", "de", JURGEN, "Zur Info.\n\nJ. Weiß", "counciltax", uk(2026, 3, 23, 9, 9, 9),
                   "Your letter of 12 March is addressed to my late mother, which I find deeply upsetting.",
                   uk(2026, 3, 23, 11, 0, 0), "WG: ",
                   "Outlook 2010 plain text: '-----Ursprüngliche Nachricht-----', 'Von: Jordan Example "
                   "[mailto:jordan@example.org] ' (square-bracket mailto with trailing blank), 'Gesendet: Montag, 23. März 2026 09:09'.")


@F("forwards", "outlook_legacy_fr")
def _(n):
    return _legacy(n, "fr", "fr", "fr", HELENE, "Pour info.\nH.", "pothole", uk(2026, 4, 8, 17, 45, 0),
                   "My wife caught her heel in it and twisted her ankle outside the chemist.",
                   uk(2026, 4, 9, 7, 30, 0), "TR: ",
                   "French Outlook 2010 plain text: \"-----Message d'origine-----\", 'De : Jordan Example [mailto:...]' "
                   "with NO-BREAK SPACE before the colons, 'Envoyé : mercredi 8 avril 2026 17:45'.", greet="Madame")


@F("forwards", "outlook_legacy_es")
def _(n):
    return _legacy(n, "es-legacy", "es", "es", LUCIA, "Para registrar.\nLucía", "licensing", uk(2026, 5, 19, 21, 5, 0),
                   "Glass bottles were left on my front wall again after the karaoke night.",
                   uk(2026, 5, 20, 8, 15, 0), "RV: ",
                   "Spanish Outlook 2010: '-----Mensaje original-----' and the two-word date label 'Enviado el:'.")


@F("forwards", "outlook_legacy_it")
def _(n):
    return _legacy(n, "it", "it", "it", LUCA, "Per conoscenza.\nLuca", "streetlight", uk(2026, 10, 29, 16, 50, 0),
                   "The clocks have gone back and children walk home from the bus stop along that path.",
                   uk(2026, 10, 30, 9, 0, 0), "I: ",
                   "Italian Outlook 2010: '-----Messaggio originale-----', 'Da: ... [mailto:...]', 'Inviato: giovedì 29 ottobre 2026 16:50' (GMT again).")


@F("forwards", "outlook_legacy_nl")
def _(n):
    return _legacy(n, "nl", "nl", "nl", DAAN, "Ter info.\nDaan", "noise", uk(2026, 8, 3, 23, 40, 0),
                   "I timed the generator running for nine hours without a break.",
                   uk(2026, 8, 4, 8, 40, 0), "FW: ",
                   "Dutch Outlook 2010: '-----Oorspronkelijk bericht-----', Van:/Verzonden:/Aan:/Onderwerp:. Sent 23:40 BST "
                   "(22:40 UTC) - expected date is the local date shown, 2026-08-03.", greet="Mr de Vries")


@F("forwards", "outlook_legacy_pl")
def _(n):
    return _legacy(n, "pl-legacy", "pl", "pl", KASIA, "Do wiadomości.\nK. Nowak", "bins", uk(2026, 9, 14, 12, 0, 0),
                   "The new food caddy you delivered already has a cracked lid.",
                   uk(2026, 9, 14, 12, 30, 0), "PD: ",
                   "Polish Outlook 2010: '-----Oryginalna wiadomość-----' and 'Wysłano:' (not 'Wysłane:').")


@F("forwards", "exchange_legacy_en_mailto")
def _(n):
    o = orig("complaint", JORDAN, [DANIEL], uk(2026, 1, 29, 14, 44, 0), greet="Mr O'Brien",
             key="Your stage 1 response did not answer a single one of my eleven points.")
    th = fw_outlook(o, "SPOC\n\nFor logging against the stage 2.\n\nDaniel", sig("daniel", True), sep="legacy",
                    to_disp="O'Brien, Daniel")
    m = fwd(DANIEL, [SPOC], uk(2026, 1, 29, 15, 1, 0), "FW: " + o.subject, th, o)
    return emit_outlook(m, n, html=False, x_mailer="Microsoft Office Outlook 12.0"), fj(
        "exchange-legacy", "en", "inline", m,
        "Classic Outlook/Exchange plain text: '-----Original Message-----', 'From: Jordan Example "
        "[mailto:jordan@example.org] ', 'Sent: 29 January 2026 14:44', 'To: O'Brien, Daniel'.")


@F("forwards", "exchange_legacy_en_name_only")
def _(n):
    o = orig("foi", JORDAN, [MEGAN], uk(2026, 2, 2, 9, 0, 4), greet="FOI Officer",
             key="I would like the information in electronic form, in its native format, not scanned PDFs.")
    th = fw_outlook(o, "SPOC - new FOI from Mr Example, logged as FOI-2026-0211. Response due 2 March.\n\nMegan", sig("megan"),
                    sep="legacy", from_disp="Jordan Example", to_disp="FOI")
    m = fwd(MEGAN, [SPOC], uk(2026, 2, 2, 10, 20, 0), "FW: " + o.subject, th, o, email=None)
    return emit_outlook(m, n, html=False, x_mailer="Microsoft Office Outlook 12.0"), fj(
        "exchange-legacy", "en", "inline", m,
        "'-----Original Message-----' with a name-only 'From: Jordan Example' (address resolved away by Exchange): "
        "email null.")


# ---- Outlook for Mac -------------------------------------------------------

@F("forwards", "outlook_mac_en")
def _(n):
    o = orig("planning", JORDAN, [ALEX], uk(2026, 2, 20, 10, 10, 10), greet="Mr Jones",
             key="The site notice was cable-tied to a lamp post behind the bus shelter where nobody could read it.")
    shown = to_uk(o.date)
    ds = f"{WD['en'][shown.weekday()]}, {shown.day} {MON['en'][shown.month - 1]} {shown.year} at {hm(shown)}"
    th = fw_outlook(o, "Hi SPOC,\n\nFYI - forwarding from my Mac, apologies for the formatting.\n\nAlex", sig("alex"),
                    labels="mac-en", sep="border", html_style="owa", date_str=ds)
    m = fwd(ALEX, [SPOC], uk(2026, 2, 20, 12, 0, 0), "FW: " + o.subject, th, o)
    return emit_outlook(m, n, html_wrap="owa", x_mailer="Microsoft Outlook 16.93"), fj(
        "outlook-mac", "en", "inline", m,
        "Outlook for Mac: block uses 'Date:' (not 'Sent:'), value 'Friday, 20 February 2026 at 10:10', no separator line.")


@F("forwards", "outlook_mac_de")
def _(n):
    o = orig("noise", JORDAN, [JURGEN], uk(2026, 5, 28, 20, 0, 0), greet="Sir",
             key="The dog was left in the garden all day and howled from eight in the morning.")
    shown = to_uk(o.date)
    ds = f"{WD['de'][shown.weekday()]}, {shown.day}. {MON['de'][shown.month - 1]} {shown.year} um {hm(shown)}"
    th = fw_outlook(o, "Hallo,\n\nbitte an Environmental Health weiterleiten.\n\nJürgen", None, labels="mac-de",
                    sep="border", html_style="owa", date_str=ds)
    m = fwd(JURGEN, [SPOC], uk(2026, 5, 29, 8, 0, 0), "WG: " + o.subject, th, o)
    return emit_outlook(m, n, html_wrap="owa", x_mailer="Microsoft Outlook 16.93", lang_hdr="de-DE"), fj(
        "outlook-mac", "de", "inline", m,
        "German Outlook for Mac: Von:/Datum:/An:/Betreff:, 'Donnerstag, 28. Mai 2026 um 20:00'.")


# ---- Outlook on the web ----------------------------------------------------

@F("forwards", "owa_en_plain")
def _(n):
    o = orig("bins", JORDAN_WEB, [TOM], uk(2026, 4, 20, 7, 5, 0), sign="short",
             key="The bin lorry reversed into my gatepost and the driver just carried on.")
    th = fw_outlook(o, "SPOC please log\n\nTom", None, sep="underscore", html_style="owa", datefmt="en-us",
                    from_disp="jordan.e@webmail.example")
    m = fwd(TOM, [SPOC], uk(2026, 4, 20, 9, 48, 0), "Fw: " + o.subject, th, o, name=None)
    return emit_outlook(m, n, html_wrap="owa", received=False), fj(
        "owa", "en", "inline", m,
        "Outlook on the web: underscore separator, 'Sent: Monday, April 20, 2026 7:05 AM' (OWA defaults to US format), "
        "bare address 'From: jordan.e@webmail.example' (no display name): expected name null. Subject prefix 'Fw:'.")


@F("forwards", "owa_en_html_only")
def _(n):
    o = orig("complaint", JORDAN, [DANIEL, PAT], uk(2026, 5, 11, 10, 30, 0), greet="Sir",
             key="The officer who visited refused to give me her surname or show any identification.")
    th = fw_outlook(o, "Hi SPOC,\n\nStage 2 escalation from Mr Example, copied to Cllr Smith. Over to you.\n\nDaniel",
                    sig("daniel"), sep="underscore", html_style="owa", datefmt="en-gb-long")
    m = fwd(DANIEL, [SPOC], uk(2026, 5, 11, 11, 2, 0), "Fw: " + o.subject, th, o)
    return emit_outlook(m, n, html_wrap="owa", text=False), fj(
        "owa", "en", "html-only", m,
        "OWA HTML-only: <hr> then <div id=\"divRplyFwdMsg\"> with <b>From:</b>/<b>Sent:</b>/<b>To:</b>/<b>Subject:</b> "
        "in a <font> element, no text/plain part. Two recipients in To. 'Sent: Monday, 11 May 2026 10:30'.")


@F("forwards", "owa_fr")
def _(n):
    o = orig("tree", JORDAN, [HELENE], uk(2026, 6, 2, 14, 14, 0), greet="Madame la conseillère",
             key="Pigeons nest in the dead limb and the pavement underneath is white with droppings.")
    th = fw_outlook(o, "Bonjour,\n\nPour suite à donner.\n\nCordialement,\nHélène Dubois", None, labels="fr-owa", datefmt="fr",
                    sep="underscore", html_style="owa")
    m = fwd(HELENE, [SPOC], uk(2026, 6, 2, 15, 0, 0), "TR: " + o.subject, th, o)
    return emit_outlook(m, n, html_wrap="owa", lang_hdr="fr-FR"), fj(
        "owa", "fr", "inline", m,
        "French OWA: underscore separator, 'De : ...' with an ordinary space before the colon, 'Envoyé : mardi 2 juin 2026 14:14'.")


@F("forwards", "owa_de_html_only")
def _(n):
    o = orig("parking", ZOE, [JURGEN], uk(2026, 6, 30, 11, 11, 0), sign="Med venlig hilsen / kind regards\nZoë Brønner",
             key="I am a blue badge holder and the badge was clearly visible on the dashboard.")
    th = fw_outlook(o, "Hallo zusammen,\n\nbitte an Parking weitergeben, danke.\n\nJürgen", None, labels="de", datefmt="de",
                    sep="underscore", html_style="owa")
    m = fwd(JURGEN, [SPOC], uk(2026, 6, 30, 12, 0, 0), "WG: " + o.subject, th, o)
    return emit_outlook(m, n, html_wrap="owa", text=False, lang_hdr="de-DE"), fj(
        "owa", "de", "html-only", m,
        "German OWA, HTML only. Original sender has a non-ASCII name (Zoë Brønner) written as UTF-8 in the block.")


@F("forwards", "owa_es")
def _(n):
    o = orig("noise", JORDAN, [LUCIA], uk(2026, 7, 18, 23, 58, 0), greet="Licensing",
             key="The speakers were pointed out of the function room window towards the houses.")
    th = fw_outlook(o, "Buenos días,\n\nreenvío para su registro.\n\nLucía", None, labels="es", datefmt="es",
                    sep="underscore", html_style="owa")
    m = fwd(LUCIA, [SPOC], uk(2026, 7, 20, 9, 0, 0), "RV: " + o.subject, th, o)
    return emit_outlook(m, n, html_wrap="owa", lang_hdr="es-ES"), fj(
        "owa", "es", "inline", m,
        "Spanish OWA: 'Enviado: sábado, 18 de julio de 2026 23:58' (BST; 22:58 UTC). Expected date is the local date shown.")


# ---- Outlook mobile ----------------------------------------------------------

@F("forwards", "outlook_ios_en")
def _(n):
    o = orig("pothole", JORDAN, [PAT], uk(2026, 1, 5, 8, 20, 41), greet="Pat",
             key="It has already burst two tyres on the school run this week.")
    th = fw_outlook(o, "SPOC can you log this one please, on my phone so short!", None, sep="underscore", html_style="owa",
                    datefmt="en-us", secs=True, mobile_tag="Get Outlook for iOS<https://aka.ms/o0ukef>")
    m = fwd(PAT, [SPOC], uk(2026, 1, 5, 8, 51, 2), "Fwd: " + o.subject, th, o)
    return emit_outlook(m, n, html_wrap="owa", cte="base64", received=True), fj(
        "outlook-ios", "en", "inline", m,
        "Outlook for iOS: 'Get Outlook for iOS<https://aka.ms/o0ukef>' then underscores, 'Sent: Monday, January 5, 2026 "
        "8:20:41 AM' (with seconds). Both parts base64.")


@F("forwards", "outlook_android_en")
def _(n):
    o = orig("noise", JORDAN_1962, [PRIYA], uk(2026, 3, 28, 22, 10, 0), sign="terse",
             key="The neighbour has started revving his motorbike in the shared drive at midnight.")
    th = fw_outlook(o, "Logging for SPOC.", None, sep="underscore", html_style="owa", datefmt="en-gb-long", secs=True,
                    mobile_tag="Get Outlook for Android<https://aka.ms/AAb9ysg>")
    m = fwd(PRIYA, [SPOC], uk(2026, 3, 30, 7, 45, 0), "Fwd: " + o.subject, th, o)
    return emit_outlook(m, n, html_wrap="owa", cte="base64"), fj(
        "outlook-android", "en", "inline", m,
        "Outlook for Android, UK format with seconds: 'Sent: Saturday, 28 March 2026 22:10:00' (the night before the "
        "clocks change). Tag line 'Get Outlook for Android<https://aka.ms/AAb9ysg>'.")


@F("forwards", "outlook_ios_de")
def _(n):
    o = orig("counciltax", JORDAN, [JURGEN], uk(2026, 1, 14, 10, 15, 0), sign="short",
             key="I have been charged for a second home that I sold in 2023.")
    th = fw_outlook(o, "Bitte erfassen. Danke", None, labels="de", datefmt="de", sep="underscore", html_style="owa",
                    secs=True, mobile_tag="Outlook für iOS<https://aka.ms/o0ukef> beziehen")
    m = fwd(JURGEN, [SPOC], uk(2026, 1, 14, 10, 40, 0), "WG: " + o.subject, th, o)
    return emit_outlook(m, n, html_wrap="owa", cte="base64", lang_hdr="de-DE"), fj(
        "outlook-ios", "de", "inline", m,
        "German Outlook for iOS: 'Outlook für iOS<https://aka.ms/o0ukef> beziehen', then 'Gesendet: Mittwoch, "
        "14. Januar 2026 10:15:00'.")


@F("forwards", "outlook_android_fr")
def _(n):
    o = orig("flytip", JORDAN, [HELENE], uk(2026, 9, 1, 18, 18, 0), sign="short",
             key="There is now a burnt-out moped on top of the pile.")
    th = fw_outlook(o, "Pour info", None, labels="fr-owa", datefmt="fr", sep="underscore", html_style="owa", secs=True,
                    mobile_tag="Télécharger Outlook pour Android<https://aka.ms/AAb9ysg>")
    m = fwd(HELENE, [SPOC], uk(2026, 9, 1, 19, 0, 0), "TR: " + o.subject, th, o)
    return emit_outlook(m, n, html_wrap="owa", cte="base64", lang_hdr="fr-FR"), fj(
        "outlook-android", "fr", "inline", m,
        "French Outlook for Android: 'Télécharger Outlook pour Android<...>', 'Envoyé : mardi 1 septembre 2026 18:18:00'.")


@F("forwards", "outlook_ios_nl")
def _(n):
    o = orig("streetlight", JORDAN, [DAAN], uk(2026, 11, 3, 17, 2, 0), sign="short",
             key="My torch shows the cable hanging out of the access door at the base of the column.")
    th = fw_outlook(o, "Ter info", None, labels="nl", datefmt="nl", sep="underscore", html_style="owa", secs=True,
                    mobile_tag="Outlook voor iOS<https://aka.ms/o0ukef> downloaden")
    m = fwd(DAAN, [SPOC], uk(2026, 11, 3, 17, 30, 0), "FW: " + o.subject, th, o)
    return emit_outlook(m, n, html_wrap="owa", cte="base64", lang_hdr="nl-NL"), fj(
        "outlook-ios", "nl", "inline", m,
        "Dutch Outlook for iOS: 'Verzonden: dinsdag 3 november 2026 17:02:00'.")


# ---- Gmail -----------------------------------------------------------------

def _gm(n, lang, datefmt, forwarder, note, topic, when, key, fdate, notes, *, sender=JORDAN, tzconv=to_uk,
        to=None, sig_=None, prefix="Fwd: ", html_only=False, from_disp=None, cc=None, exp_name=..., **kw):
    o = orig(topic, sender, to or [forwarder], when, key=key, cc=cc, **kw)
    th = fw_gmail(o, note, sig_, labels=lang, datefmt=datefmt, tzconv=tzconv, from_disp=from_disp)
    shown = ymd(tzconv(o.date))
    m = fwd(forwarder, [SPOC], fdate, prefix + o.subject, th, o, shown_date=shown, name=exp_name)
    return emit_gmail(m, n, html_only=html_only), fj("gmail", lang, "html-only" if html_only else "inline", m, notes)


@F("forwards", "gmail_en_gb")
def _(n):
    return _gm(n, "en", "en-gb", PAT_PERSONAL, "Hi SPOC, this came to my personal account. Pat",
               "planning", uk(2026, 1, 14, 10, 15, 0),
               "There are now three skips on the pavement and the scaffold has no lights on it at night.",
               uk(2026, 1, 14, 18, 2, 0),
               "Gmail web, UK locale: '---------- Forwarded message ---------', 'Date: Wed, 14 Jan 2026 at 10:15'. "
               "Councillor forwarding from a personal address.", greet="Pat", sig_="Pat Smith\nMill Ward councillor")


@F("forwards", "gmail_en_us")
def _(n):
    return _gm(n, "en", "en-us", AHMED, "FYI", "bins", uk(2026, 2, 16, 13, 5, 0),
               "The crew left the bin lids open and the rain has turned the garden waste into soup.",
               uk(2026, 2, 16, 20, 0, 0),
               "Gmail with US date format: 'Date: Mon, Feb 16, 2026 at 1:05 PM'.", sign="kind")


@F("forwards", "gmail_en_no_display_name")
def _(n):
    return _gm(n, "en", "en-gb", PAT_PERSONAL, "Another one - from an address I don't recognise but it's him.",
               "licensing", uk(2026, 3, 6, 21, 21, 0),
               "The landlord told me to my face that the council always gives him what he wants.",
               uk(2026, 3, 7, 9, 0, 0),
               "Sender has no display name, Gmail prints 'From: <j.example1962@mailbox.example>': expected name null.",
               sender=P(None, "j.example1962@mailbox.example"), greet="Councillor", sign="terse", exp_name=None)


@F("forwards", "gmail_html_only")
def _(n):
    return _gm(n, "en", "en-gb", PAT_PERSONAL, "Pat here - see below", "pothole", uk(2026, 4, 1, 9, 9, 0),
               "The cones that were put round it have been kicked into the road.",
               uk(2026, 4, 1, 12, 0, 0),
               "Gmail HTML only (the plain-text alternative was dropped by the councillor's forwarding rule): "
               "<div class=\"gmail_quote\"> with <div class=\"gmail_attr\">, sender name in "
               "<strong class=\"gmail_sendername\">.", html_only=True, greet="Pat")


@F("forwards", "gmail_de")
def _(n):
    return _gm(n, "de", "de", P("Jordan Example", "jordan.e@webmail.example"),
               "Hallo SPOC,\n\nich leite Ihnen meine E-Mail an Herrn Weiß noch einmal weiter, da ich keine Antwort bekommen habe.\n\nJordan Example",
               "counciltax", cet(2026, 2, 10, 10, 15, 0),
               "I was on holiday in Germany when the summons was issued and could not attend court.",
               cet(2026, 2, 17, 8, 0, 0),
               "German Gmail: '---------- Weitergeleitete Nachricht ---------', 'Von:' but 'Date:'/'Subject:'/'To:' left "
               "in English; 'Date: Di., 10. Feb. 2026 um 10:15 Uhr' (CET, shown in the forwarder's CET time). The customer "
               "forwards his own earlier unanswered mail.", sender=JORDAN_WEB, to=[JURGEN], tzconv=to_cet)


@F("forwards", "gmail_fr")
def _(n):
    return _gm(n, "fr", "fr", P("Hélène Dubois", "helene.dubois.perso@mailbox.example"), "Pour le SPOC.\n\nHélène",
               "noise", cet(2026, 3, 19, 11, 45, 0),
               "Even the neighbours on the other side of the green have complained about it.",
               cet(2026, 3, 19, 19, 30, 0),
               "French Gmail: header line stays '---------- Forwarded message ---------', 'De :' (with space) but "
               "'Date:' in English, value 'jeu. 19 mars 2026 à 11:45'.", tzconv=to_cet, greet="Madame")


@F("forwards", "gmail_es")
def _(n):
    return _gm(n, "es", "es", P("Lucía Fernández", "lucia.fdz@mailbox.example"), "Te lo reenvío.", "licensing",
               uk(2026, 5, 5, 10, 0, 0), "The beer garden speakers were still on when I left for my night shift.",
               uk(2026, 5, 5, 12, 0, 0), "Spanish Gmail: 'De:', 'Date: mar, 5 may 2026 a las 10:00'.")


@F("forwards", "gmail_it")
def _(n):
    return _gm(n, "it", "it", P("Luca Romano", "luca.romano.cllr@mailbox.example"), "Inoltro.", "streetlight",
               uk(2026, 11, 20, 16, 40, 0), "The light flickers on for a few seconds and then goes out again.",
               uk(2026, 11, 21, 9, 0, 0), "Italian Gmail: 'Da:', 'Date: ven 20 nov 2026 alle ore 16:40'.")


@F("forwards", "gmail_nl")
def _(n):
    return _gm(n, "nl", "nl", P("Daan de Vries", "daan.dv@mailbox.example"), "Zie hieronder.", "flytip",
               uk(2026, 6, 8, 7, 30, 0), "A van with the name painted over was seen unloading there at dawn.",
               uk(2026, 6, 8, 8, 0, 0),
               "Dutch Gmail: '---------- Doorgestuurd bericht ---------', 'Van:', 'Date: ma 8 jun 2026 om 07:30'.")


@F("forwards", "gmail_pl")
def _(n):
    return _gm(n, "pl", "pl", P("Łukasz Żółć", "lukasz.zolc@webmail.example"),
               "Dzień dobry,\n\nPrzesyłam dalej moją wiadomość do radnego, nadal bez odpowiedzi.\n\nŁukasz Żółć", "housing",
               uk(2026, 2, 4, 19, 0, 0), "The front door of the block has not locked properly since November.",
               uk(2026, 2, 11, 8, 0, 0),
               "Polish Gmail: 'Od:', 'Date: śr., 4 lut 2026 o 19:00'. The sender (another customer, Łukasz Żółć) "
               "forwards his own earlier mail; non-ASCII name Q-encoded in the outer From and UTF-8 in the block.",
               sender=LUKASZ, to=[PAT], greet="Councillor", sign="Łukasz Żółć\nFlat 3, 7 Orchard Close")


@F("forwards", "gmail_pt")
def _(n):
    return _gm(n, "pt", "pt", P("Ana Sousa", "ana.sousa.home@mailbox.example"), "Para registo.", "bins",
               uk(2026, 8, 12, 12, 12, 0), "Maggots were crawling out of the food bin lid by the weekend.",
               uk(2026, 8, 12, 13, 0, 0), "Portuguese Gmail: 'De:', 'Date: qua., 12 de ago. de 2026 às 12:12'.")


@F("forwards", "gmail_en_cc")
def _(n):
    return _gm(n, "en", "en-gb", PAT_PERSONAL, "SPOC - he's copied half the council in. Pat", "complaint",
               uk(2026, 9, 22, 9, 45, 0), "I have kept a log of every phone call and it runs to fourteen pages.",
               uk(2026, 9, 22, 10, 0, 0),
               "Gmail forward with a Cc: row listing several addresses.", to=[PAT], cc=[AHMED, DANIEL, SPOC],
               greet="all")


@F("forwards", "gmail_android_app")
def _(n):
    o = orig("tree", JORDAN, [PAT_PERSONAL], uk(2026, 10, 12, 15, 30, 0), greet="Pat", sign="phone",
             key="The council's contractor cut the wrong tree and left the dangerous one standing.")
    th = fw_gmail(o, "Log pls", None)
    m = fwd(PAT_PERSONAL, [SPOC], uk(2026, 10, 12, 15, 40, 0), "Fwd: " + o.subject, th, o)
    return emit_gmail(m, n), fj(
        "gmail-android", "en", "inline", m,
        "Gmail app on Android forwarding a mail the customer sent from his iPhone (the original ends with 'Sent from my "
        "iPhone', which is part of the original body, not a header).")


# ---- Apple Mail / iOS Mail -------------------------------------------------

@F("forwards", "apple_mail_en_gb")
def _(n):
    o = orig("planning", JORDAN, [ALEX], uk(2026, 3, 9, 16, 47, 12), greet="Mr Jones",
             key="The builders start at 6.45am with a radio on the scaffold.")
    th = fw_apple(o, "Dear SPOC,\n\nI am forwarding my email to Mr Jones because I have had no reply in 10 working days.\n\nJordan Example")
    m = fwd(JORDAN, [SPOC], uk(2026, 3, 23, 19, 0, 0), "Fwd: " + o.subject, th, o)
    return emit_apple(m, n), fj(
        "apple-mail", "en", "inline", m,
        "macOS Mail: 'Begin forwarded message:' then From:/Subject:/Date:/To: (Apple's order), "
        "'Date: 9 March 2026 at 16:47:12 GMT'. Text/plain Content-Type folded onto a second line. The customer "
        "forwards his own earlier mail.")


@F("forwards", "ios_mail_en")
def _(n):
    o = orig("bins", JORDAN, [PAT], uk(2026, 4, 27, 7, 30, 5), greet="Pat", sign="short",
             key="Our neighbour's bin was emptied and ours, right next to it, was left full.")
    th = fw_apple(o, "Pat - see below, I sent this to you a fortnight ago. Still nothing.", ios=True)
    m = fwd(JORDAN, [SPOC], uk(2026, 5, 11, 8, 2, 0), "Fwd: " + o.subject, th, o)
    return emit_apple(m, n, ios=True), fj(
        "ios-mail", "en", "inline", m,
        "iPhone Mail: 'Sent from my iPhone', 'Begin forwarded message:', then the whole forwarded block is '> '-quoted "
        "(From:/Date:/To:/Subject: order), date 'Date: 27 April 2026 at 07:30:05 BST', and the quoted body starts with "
        "a U+FEFF (zero-width no-break space) as iOS leaves it.")


@F("forwards", "apple_mail_de")
def _(n):
    o = orig("noise", ZOE, [PRIYA], cet(2026, 7, 4, 9, 40, 0), greet="Ms Shah",
             key="The cockerel two gardens along starts crowing at a quarter past four.",
             sign="Venlig hilsen\nZoë Brønner")
    th = fw_apple(o, "Guten Tag,\n\nzur Weiterleitung an das SPOC-Team.\n\nZoë Brønner", labels="de", datefmt="de", tzconv=to_cet)
    m = fwd(ZOE, [SPOC], cet(2026, 7, 6, 9, 0, 0), "WG: " + o.subject, th, o, shown_date=ymd(to_cet(o.date)))
    return emit_apple(m, n), fj(
        "apple-mail", "de", "inline", m,
        "German macOS Mail: 'Anfang der weitergeleiteten Nachricht:', Von:/Betreff:/Datum:/An:, "
        "'Datum: 4. Juli 2026 um 09:40:00 MESZ'. Non-ASCII name Q-encoded in outer From, UTF-8 in block.")


@F("forwards", "apple_mail_fr")
def _(n):
    o = orig("tree", JORDAN, [HELENE], cet(2026, 5, 14, 18, 5, 0), greet="Madame",
             key="Ivy has grown right up the trunk and hides the rot from anyone looking.")
    th = fw_apple(o, "Pour information.\n\nHélène", labels="fr", datefmt="fr", tzconv=to_cet)
    m = fwd(P("Hélène Dubois", "helene.dubois.perso@mailbox.example"), [SPOC], cet(2026, 5, 14, 20, 0, 0),
            "Fwd: " + o.subject, th, o, shown_date=ymd(to_cet(o.date)))
    return emit_apple(m, n), fj(
        "apple-mail", "fr", "inline", m,
        "French macOS Mail: 'Début du message réexpédié :', De:/Objet:/Date:/À: (no space before colon), "
        "'Date: 14 mai 2026 à 18:05:00 UTC+2'.")


@F("forwards", "ios_mail_html_only")
def _(n):
    o = orig("flytip", JORDAN, [AHMED], uk(2026, 8, 20, 6, 40, 0), sign="phone",
             key="Rats have been seen running between the bags and the allotments.")
    o.html = text_to_divs(o.text)
    th = fw_apple(o, "Ahmed, here it is again as you asked.", ios=True)
    m = fwd(JORDAN, [SPOC], uk(2026, 8, 20, 6, 55, 0), "Fwd: " + o.subject, th, o)
    r = rng("emit", n)
    m.msgid = mid_apple(r, "example.org")
    body = Part([("Content-Type", "text/html;\n\tcharset=utf-8"), ("Content-Transfer-Encoding", "quoted-printable")],
                enc_body(m.html, "quoted-printable"))
    hdrs = [("Content-Type", None), ("Content-Transfer-Encoding", None), ("From", hdr_addr(m.sender)),
            ("Mime-Version", "1.0 (1.0)"), ("Date", rfcdate(m.date)), ("Subject", m.subject),
            ("Message-Id", m.msgid), ("To", addrs(*m.to)), ("X-Mailer", "iPhone Mail (22D82)")]
    hdrs = [(k, dict(body.headers)[k] if v is None else v) for k, v in hdrs]
    raw = render_headers(hdrs) + CRLF.encode() + body.body
    return raw, fj(
        "ios-mail", "en", "html-only", m,
        "iPhone Mail message whose only part is text/html (sent via a share-sheet/rich-text path): forwarded block inside "
        "<blockquote type=\"cite\"> with <b>From: </b> spans.")


@F("forwards", "apple_mail_en_us_reply_to")
def _(n):
    o = orig("parking", JORDAN_WEB, [RUI], uk(2026, 9, 3, 10, 4, 4), sign="short",
             key="The attendant was photographing cars before the grace period had even started.")
    th = fw_apple(o, "Forwarding again. Please acknowledge receipt.\n\nJ Example", datefmt="en-us", reply_to=JORDAN)
    m = fwd(JORDAN, [SPOC], uk(2026, 9, 10, 21, 0, 0), "Fwd: " + o.subject, th, o)
    return emit_apple(m, n), fj(
        "apple-mail", "en", "inline", m,
        "macOS Mail with US locale 'Date: September 3, 2026 at 10:04:04 AM BST' and an extra 'Reply-To:' row (with a "
        "different address) after To:. Expected From is the From: row, not Reply-To.")


# ---- Thunderbird -----------------------------------------------------------

@F("forwards", "thunderbird_en")
def _(n):
    o = orig("foi", JORDAN, [MEGAN], uk(2026, 1, 19, 11, 11, 11), greet="Information Governance",
             key="Please also include the notes of the telephone call I made on 5 December, which I know was recorded.")
    th = fw_tb(o, "Hi SPOC,\n\nFor info - FOI-2026-0099 logged.", "Megan Lloyd\nInformation Governance")
    m = fwd(MEGAN, [SPOC], uk(2026, 1, 19, 12, 0, 0), "Fwd: " + o.subject, th, o)
    return emit_tb(m, n, fwd_id="<" + ruuid(rng("x", n), False) + "@example.org>"), fj(
        "thunderbird", "en", "inline", m,
        "Thunderbird inline forward, plain text, format=flowed: '-------- Forwarded Message --------' then "
        "'Subject: <TAB>...', 'Date: <TAB>Mon, 19 Jan 2026 11:11:11 +0000', 'From: <TAB>...', 'To: <TAB>...' "
        "(Subject first). Has X-Forwarded-Message-Id header. Long lines soft-wrapped (trailing-space flowed).")


@F("forwards", "thunderbird_en_original_message")
def _(n):
    o = orig("streetlight", JORDAN_1962, [RUI], uk(2026, 12, 1, 16, 16, 0), sign="terse",
             key="The new LED lantern on column 12 shines straight into my bedroom instead.")
    th = fw_tb(o, "SPOC - forwarded.", None, labels="en-orig")
    m = fwd(RUI, [SPOC], uk(2026, 12, 2, 8, 0, 0), "Fwd: " + o.subject, th, o)
    return emit_tb(m, n, fl=False, cte="7bit"), fj(
        "thunderbird", "en", "inline", m,
        "Older Thunderbird wording '-------- Original Message --------' with the same tabbed Subject/Date/From/To table; "
        "not format=flowed.")


@F("forwards", "thunderbird_de")
def _(n):
    o = orig("pothole", JORDAN, [JURGEN], cet(2026, 2, 27, 14, 0, 0), greet="Sir",
             key="A cyclist came off his bike there in the dark on Tuesday.")
    th = fw_tb(o, "Hallo,\n\nzur Info.\n\nGruß\nJürgen", None, labels="de")
    m = fwd(JURGEN, [SPOC], uk(2026, 2, 27, 15, 0, 0), "Fwd: " + o.subject, th, o, shown_date="2026-02-27")
    return emit_tb(m, n, lang="de-DE"), fj(
        "thunderbird", "de", "inline", m,
        "German Thunderbird: '-------- Weitergeleitete Nachricht --------', 'Betreff: <TAB>', 'Datum: <TAB>Fri, 27 Feb "
        "2026 14:00:00 +0100' (RFC date with the sender's offset), 'Von: <TAB>', 'An: <TAB>'.")


@F("forwards", "thunderbird_fr")
def _(n):
    o = orig("licensing", JORDAN, [HELENE], uk(2026, 10, 5, 8, 8, 0), greet="Madame",
             key="Their new outdoor heaters roar like jet engines until closing time.")
    th = fw_tb(o, "Bonjour,\n\nJe transfère.\n\nHélène", None, labels="fr")
    m = fwd(HELENE, [SPOC], uk(2026, 10, 5, 9, 0, 0), "Fwd: " + o.subject, th, o)
    return emit_tb(m, n, lang="fr"), fj(
        "thunderbird", "fr", "inline", m,
        "French Thunderbird: '-------- Message transféré --------', 'Sujet : <TAB>', 'Date : <TAB>', 'De : <TAB>', 'Pour : <TAB>'.")


@F("forwards", "thunderbird_en_html")
def _(n):
    o = orig("housing", MAIREAD, [SAM], uk(2026, 11, 9, 12, 30, 0), greet="Mr Patel",
             key="The letting agent says the council signed off the repair but nobody has been.",
             sign="Máiréad Ní Fhaoláin\nFlat 2, 7 Orchard Close")
    th = fw_tb(o, "SPOC - this is from Mr Example's neighbour, but it relates to the same case.", "Sam Patel\nHousing Options")
    m = fwd(SAM, [SPOC], uk(2026, 11, 9, 13, 0, 0), "Fwd: " + o.subject, th, o)
    return emit_tb(m, n, html=True), fj(
        "thunderbird", "en", "inline", m,
        "Thunderbird HTML+text: <div class=\"moz-forward-container\"> with <table class=\"moz-email-headers-table\">; "
        "a different customer with an Irish name (Máiréad Ní Fhaoláin) in UTF-8.")


# ---- Yahoo ------------------------------------------------------------------

@F("forwards", "yahoo_text")
def _(n):
    o = orig("bins", JORDAN_WEB, [TOM], uk(2026, 1, 23, 10, 15, 0), sign="short",
             key="The assisted collection for my disabled neighbour has been missed four times.")
    th = fw_yahoo(o, "Forwarding this AGAIN as nobody has answered. Jordan Example")
    yj = P("Jordan Example", "jordan.example@yahoo.example")
    m = fwd(yj, [SPOC], uk(2026, 2, 2, 10, 0, 0), "Fw: " + o.subject, th, o)
    return emit_generic(m, n, family="yahoo", html=False), fj(
        "yahoo", "en", "inline", m,
        "Yahoo Mail: '----- Forwarded Message -----' then From:/To:/Sent:/Subject: (Sent before Subject), "
        "'Sent: Friday, January 23, 2026, 10:15:00 AM GMT'.")


@F("forwards", "yahoo_html")
def _(n):
    o = orig("tree", JORDAN, [PAT], uk(2026, 6, 24, 14, 30, 0), greet="Pat",
             key="Squirrels have chewed through the phone line where the branches touch it.")
    th = fw_yahoo(o, "For the attention of the SPOC, as instructed.")
    yj = P("Jordan Example", "jordan.example@yahoo.example")
    m = fwd(yj, [SPOC], uk(2026, 6, 24, 15, 0, 0), "Fw: " + o.subject, th, o)
    return emit_generic(m, n, family="yahoo"), fj(
        "yahoo", "en", "inline", m,
        "Yahoo multipart/alternative; HTML has <div class=\"yahoo_quoted\"> with <b>From:</b> rows. "
        "'Sent: Wednesday, June 24, 2026, 02:30:00 PM BST' style date.")


# ---- Samsung Email -----------------------------------------------------------

@F("forwards", "samsung_email_en")
def _(n):
    o = orig("noise", JORDAN, [PAT], uk(2026, 1, 14, 10, 15, 0), greet="Pat",
             key="I recorded the barking on my phone and it goes on for forty minutes without stopping.")
    th = fw_samsung(o, "Pat, as discussed at surgery")
    m = fwd(JORDAN, [SPOC], uk(2026, 1, 16, 17, 0, 0), "Fwd: " + o.subject, th, o)
    return emit_generic(m, n, family="samsung"), fj(
        "samsung-email", "en", "inline", m,
        "Samsung Email: 'Sent from my Galaxy' then '-------- Original message --------', each header line ends with a "
        "blank ('From: Jordan Example <jordan@example.org> '), 'Date: 14/01/2026 10:15 (GMT+00:00) '. Base64 bodies.")


@F("forwards", "samsung_email_en_ambiguous_day")
def _(n):
    o = orig("flytip", JORDAN, [AHMED], uk(2026, 2, 5, 9, 12, 0), sign="short",
             key="The fly-tippers have used the council's own grit bin to prop up a sofa.")
    th = fw_samsung(o, "Ahmed you said to send it to the spoc so here it is", double=True)
    m = fwd(JORDAN, [SPOC], uk(2026, 2, 5, 12, 0, 0), "Fwd: " + o.subject, th, o)
    return emit_generic(m, n, family="samsung"), fj(
        "samsung-email", "en", "inline", m,
        "UK Samsung device: 'Date: 05/02/2026  09:12  (GMT+00:00) ' is DAY/MONTH (5 February, not 2 May); note the "
        "double spaces Samsung puts around the time.")


@F("forwards", "samsung_email_de")
def _(n):
    o = orig("parking", LUKASZ, [JURGEN], cet(2026, 3, 3, 18, 30, 0), sign="Łukasz Żółć",
             key="The restriction signs were covered with black plastic while the road works were on.")
    th = fw_samsung(o, "Bitte weiterleiten", lang="de", tzconv=to_cet)
    m = fwd(LUKASZ, [SPOC], cet(2026, 3, 4, 8, 0, 0), "Fwd: " + o.subject, th, o, shown_date=ymd(to_cet(o.date)))
    return emit_generic(m, n, family="samsung"), fj(
        "samsung-email", "de", "inline", m,
        "German Samsung Email: '-------- Ursprüngliche Nachricht --------', Von:/Datum:/An:/Betreff:, "
        "'Datum: 03.03.26 18:30 (GMT+01:00) ' (two-digit year).")


# ---- other clients -----------------------------------------------------------

@F("forwards", "windows_mail")
def _(n):
    o = orig("counciltax", JORDAN, [CHRIS], uk(2026, 4, 30, 11, 0, 0), sign="kind",
             key="The bailiff's letter arrived on the same day as your letter saying the account was on hold.")
    rows = [("From:", "Jordan Example<mailto:jordan@example.org>"), ("Sent:", outlook_date(o.date, "en-gb")),
            ("To:", "Chris Evans<mailto:chris.evans@council.example>"), ("Subject:", o.subject)]
    t = fw_simple(o, "Please see below which I sent to Mr Evans.\n\nSent from Mail<https://go.microsoft.com/fwlink/?LinkId=550986> for Windows\n\n",
                  None, rows)
    h = (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body lang="EN-GB" link="blue" vlink="#954F72">'
         f'<div class="WordSection1"><p class="MsoNormal">Please see below which I sent to Mr Evans.</p><p class="MsoNormal"><o:p>&nbsp;</o:p></p>'
         f'<p class="MsoNormal">Sent from <a href="https://go.microsoft.com/fwlink/?LinkId=550986">Mail</a> for Windows</p>'
         f'<p class="MsoNormal"><o:p>&nbsp;</o:p></p><div style="mso-element:para-border-div;border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">'
         f'<p class="MsoNormal" style="border:none;padding:0cm"><b>From: </b><a href="mailto:jordan@example.org">Jordan Example</a><br><b>Sent: </b>{rows[1][1]}<br>'
         f'<b>To: </b><a href="mailto:chris.evans@council.example">Chris Evans</a><br><b>Subject: </b>{esc(o.subject)}</p></div>'
         f'<p class="MsoNormal"><o:p>&nbsp;</o:p></p>{text_to_mso(o.text)}</div></body></html>')
    m = fwd(JORDAN, [SPOC], uk(2026, 5, 7, 9, 0, 0), "FW: " + o.subject, (t, h), o)
    return emit_generic(m, n, family="windows-mail"), fj(
        "windows-mail", "en", "inline", m,
        "Windows 10 Mail app: 'Sent from Mail<...> for Windows' then From: with the link rendered as "
        "'Jordan Example<mailto:jordan@example.org>' (no space before '<mailto:').")


@F("forwards", "lotus_notes")
def _(n):
    o = orig("planning", JORDAN, [ALEX], uk(2026, 1, 13, 18, 2, 0), greet="Mr Jones",
             key="I have measured the gap myself and it is 38 centimetres, not the 1.2 metres on the drawing.")
    rows = [("From:", '"Jordan Example" <jordan@example.org>'), ("To:", "Alex Jones/Planning/SEDC@SEDC"),
            ("Date:", "13/01/2026 18:02"), ("Subject:", o.subject)]
    t = fw_simple(o, "SPOC\n\nPlease log.\n\nRegards\nAlex\n\n----- Forwarded by Alex Jones/Planning/SEDC on 14/01/2026 09:05 -----\n\n",
                  None, rows, sep="\t", after="\n\n\n")
    h = ('<font size=2 face="sans-serif">SPOC</font><br><br><font size=2 face="sans-serif">Please log.</font><br><br>'
         '<font size=2 face="sans-serif">Regards<br>Alex</font><br><font size=1 color="#5f5f5f" face="sans-serif">----- '
         'Forwarded by Alex Jones/Planning/SEDC on 14/01/2026 09:05 -----</font><br><br><table width=100%><tr valign=top>'
         '<td width=1%><font size=1 color="#5f5f5f" face="sans-serif">From:</font><td width=100%><font size=1 face="sans-serif">'
         '&quot;Jordan Example&quot; &lt;jordan@example.org&gt;</font><tr valign=top><td><font size=1 color="#5f5f5f" face="sans-serif">To:</font>'
         '<td><font size=1 face="sans-serif">Alex Jones/Planning/SEDC@SEDC</font><tr valign=top><td><font size=1 color="#5f5f5f" face="sans-serif">'
         'Date:</font><td><font size=1 face="sans-serif">13/01/2026 18:02</font><tr valign=top><td><font size=1 color="#5f5f5f" face="sans-serif">'
         f'Subject:</font><td><font size=1 face="sans-serif">{esc(o.subject)}</font></table><br><hr width=100% size=1 noshade><br><br><br>'
         f'<tt><font size=2>{text_to_br(o.text)}</font></tt>')
    m = fwd(ALEX, [SPOC], uk(2026, 1, 14, 9, 5, 0), "Fw: " + o.subject, (t, h), o)
    return emit_generic(m, n, family="lotus"), fj(
        "lotus-notes", "en", "inline", m,
        "IBM/HCL Notes: '----- Forwarded by Alex Jones/Planning/SEDC on 14/01/2026 09:05 -----' (the forwarder, not the "
        "sender), then tab-separated From:/To:/Date:/Subject: with 'Date:\t13/01/2026 18:02' (dd/mm) and a quoted display "
        "name. Notes-style To: address. US-ASCII, no transfer encoding.")


@F("forwards", "roundcube")
def _(n):
    o = orig("noise", JORDAN_1962, [PRIYA], uk(2026, 6, 6, 23, 5, 0), sign="terse",
             key="They set off fireworks over my fence at eleven o'clock on a Sunday.")
    rows = [("Subject:", o.subject), ("Date:", f"{to_uk(o.date):%Y-%m-%d %H:%M}"), ("From:", d_plain(o.sender)),
            ("To:", o.to[0].email)]
    t = fw_simple(o, "To the SPOC team as instructed in your letter.\n\n", "-------- Original Message --------", rows,
                  after="\n")
    m = fwd(JORDAN_1962, [SPOC], uk(2026, 6, 8, 9, 0, 0), "Fwd: " + o.subject, (t, None), o)
    return emit_generic(m, n, family="roundcube", html=False), fj(
        "roundcube", "en", "inline", m,
        "Roundcube webmail plain text: '-------- Original Message --------', Subject:/Date:/From:/To: with ISO "
        "'Date: 2026-06-06 23:05', bare address in To:.")


@F("forwards", "zimbra")
def _(n):
    o = orig("complaint", JORDAN, [DANIEL], uk(2026, 7, 27, 8, 30, 0), greet="Mr O'Brien",
             key="I was put on hold for 47 minutes and then cut off when I asked for a manager.")
    rows = [("From:", '"Jordan Example" <jordan@example.org>'), ("To:", '"Daniel O\'Brien" <daniel.obrien@council.example>'),
            ("Sent:", "Monday, 27 July, 2026 08:30:00"), ("Subject:", o.subject)]
    t = fw_simple(o, "Hi SPOC,\n\nForwarded from my home account.\n\nDaniel\n\n", "----- Forwarded Message -----", rows)
    h = (f"<html><body><div style=\"font-family: arial, helvetica, sans-serif; font-size: 12pt; color: #000000\">"
         f"<div>Hi SPOC,</div><div><br></div><div>Forwarded from my home account.</div><div><br></div><div>Daniel</div><div><br></div>"
         f"<hr id=\"zwchr\"><div style=\"color:#000;font-weight:normal;font-style:normal;text-decoration:none;font-family:Helvetica,Arial,sans-serif;font-size:12pt;\">"
         + "".join(f"<b>{esc(k)} </b>{esc(v)}<br>" for k, v in rows)
         + f"<br></div><div>{text_to_br(o.text)}</div></div></body></html>")
    m = fwd(P("Daniel O'Brien", "dobrien@zimbra.example"), [SPOC], uk(2026, 7, 27, 12, 0, 0), "Fwd: " + o.subject, (t, h), o)
    return emit_generic(m, n, family="zimbra"), fj(
        "zimbra", "en", "inline", m,
        "Zimbra web client: '----- Forwarded Message -----', quoted display names '\"Jordan Example\" <...>', "
        "'Sent: Monday, 27 July, 2026 08:30:00' (comma after the month).")


@F("forwards", "mutt")
def _(n):
    o = orig("foi", JORDAN, [MEGAN], uk(2026, 8, 17, 9, 0, 0), greet="Ms Lloyd",
             key="The twenty working days for my previous request expired on 14 August without a response.")
    rows = [("Date:", rfcdate(o.date)), ("From:", d_plain(o.sender)), ("To:", d_plain(o.to[0])), ("Subject:", o.subject)]
    t = ("Forwarding my FOI request to the SPOC as I was told to. Please acknowledge.\n\n"
         "J. Example\n\n----- Forwarded message from Jordan Example <jordan@example.org> -----\n\n"
         + "".join(f"{k} {v}\n" for k, v in rows) + "\n" + o.text + "\n----- End forwarded message -----\n")
    m = fwd(JORDAN, [SPOC], uk(2026, 8, 18, 7, 0, 0), "[jordan@example.org: " + o.subject + "]", (t, None), o)
    r = rng("emit", n)
    m.msgid = f"<aL{rb64(r, 14)}@example.org>"
    hdrs = [("Date", rfcdate(m.date)), ("From", hdr_addr(m.sender)), ("To", hdr_addr(SPOC)),
            ("Subject", m.subject), ("Message-ID", m.msgid), ("MIME-Version", "1.0"),
            ("Content-Type", "text/plain; charset=us-ascii"), ("Content-Disposition", "inline"),
            ("User-Agent", "Mutt/2.2.13 (2024-03-09)")]
    return render_headers(hdrs) + CRLF.encode() + enc_body(t, "7bit"), fj(
        "mutt", "en", "inline", m,
        "Mutt: '----- Forwarded message from Jordan Example <jordan@example.org> -----' then the original headers "
        "Date:/From:/To:/Subject: with an RFC 5322 date, closed by '----- End forwarded message -----'. Mutt's "
        "default forward subject '[jordan@example.org: ...]'.")


@F("forwards", "alpine")
def _(n):
    o = orig("bins", JORDAN, [TOM], uk(2026, 10, 19, 7, 15, 0), sign="short",
             key="The crew threw my empty bin into the hedge and it is now stuck in the brambles.")
    rows = [("Date:", rfcdate(o.date).replace(" +0100", " +0100")), ("From:", d_plain(o.sender)),
            ("To:", d_plain(o.to[0])), ("Subject:", o.subject)]
    t = ("Forwarded for your records.\n\n---------- Forwarded message ----------\n"
         + "".join(f"{k} {v}\n" for k, v in rows) + "\n" + o.text)
    m = fwd(JORDAN, [SPOC], uk(2026, 10, 19, 8, 0, 0), "Fwd: " + o.subject, (t, None), o)
    r = rng("emit", n)
    m.msgid = f"<alpine.DEB.2.22.394.2610190800{r.randint(100, 999)}.{r.randint(1000, 9999)}@example.org>"
    hdrs = [("Date", rfcdate(m.date)), ("From", hdr_addr(m.sender)), ("To", "spoc@council.example"),
            ("Subject", m.subject), ("Message-ID", m.msgid), ("User-Agent", "Alpine 2.26 (DEB 649 2022-06-02)"),
            ("MIME-Version", "1.0"), ("Content-Type", "text/plain; format=flowed; charset=US-ASCII")]
    return render_headers(hdrs) + CRLF.encode() + enc_body(flowed(t), "7bit"), fj(
        "alpine", "en", "inline", m,
        "Alpine: '---------- Forwarded message ----------' (ten dashes both sides, like old Gmail) with Date: FIRST, "
        "RFC 5322 date value.")


@F("forwards", "protonmail")
def _(n):
    o = orig("complaint", JORDAN, [DANIEL], uk(2026, 9, 30, 10, 15, 0), greet="Mr O'Brien",
             key="My complaint about the complaints officer has been sent to the same complaints officer.")
    shown = to_uk(o.date)
    day = shown.day
    suf = "th" if 11 <= day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    ds = f"On {WD['en'][shown.weekday()]}, {MON['en'][shown.month - 1]} {day}{suf}, {shown.year} at {ampm(shown)}"
    rows = [("From:", d_plain(o.sender)), ("Date:", ds), ("Subject:", o.subject), ("To:", d_plain(o.to[0]))]
    t = ("Please log this with the SPOC reference.\n\nJordan\n\n\nSent with Proton Mail secure email.\n\n"
         "------- Forwarded Message -------\n" + "".join(f"{k} {v}\n" for k, v in rows) + "\n\n" + quote(o.text))
    m = fwd(P("Jordan Example", "jordan.example@proton.example"), [SPOC], uk(2026, 10, 1, 8, 0, 0),
            "Fwd: " + o.subject, (t, None), o)
    r = rng("emit", n)
    m.msgid = f"<{rb64(r, 60)}=@proton.me>"
    hdrs = [("Date", rfcdate(m.date.astimezone(timezone.utc)).replace("-0000", "+0000")), ("To", hdr_addr(SPOC)),
            ("From", hdr_addr(m.sender)), ("Subject", m.subject), ("Message-ID", m.msgid),
            ("Feedback-ID", f"{rb64(r, 40)}:Proton"), ("X-Pm-Message-ID", rb64(r, 20)), ("MIME-Version", "1.0"),
            ("Content-Type", "text/plain; charset=utf-8"), ("Content-Transfer-Encoding", "quoted-printable")]
    return render_headers(hdrs) + CRLF.encode() + enc_body(t, "quoted-printable"), fj(
        "protonmail", "en", "inline", m,
        "Proton Mail: '------- Forwarded Message -------' (seven dashes), 'Date: On Wednesday, September 30th, 2026 at "
        "10:15 AM' (ordinal day, 'On ... at'), and the original body is '> '-quoted.")


# ---- attached as message/rfc822 ------------------------------------------------

@F("forwards", "outlook_attached_rfc822_encoded_name")
def _(n):
    o = orig("noise", ZOE, [SAM], uk(2026, 5, 21, 22, 45, 0), greet="Mr Patel", sign="Zoë Brønner\n5 Orchard Close",
             key="The party next door had a bouncy castle generator running past midnight on a school night.")
    o_raw = original_raw(o, n + "/orig", "gmail")
    note = "Hi SPOC,\n\nPlease see the attached from Ms Brønner, a neighbour of Mr Example.\n\nSam"
    m = Mail(SAM, [SPOC], uk(2026, 5, 22, 9, 0, 0), "FW: " + o.subject, note_block(note, sig("sam")),
             text_to_mso(note_block(note, sig("sam"))), [], [entry("Zoë Brønner", "zoe.bronner@mailbox.example",
                                                                   "2026-05-21", o.subject)], o.key)
    att = rfc822_part(o_raw, filename=None, style="outlook", when=m.date)
    return emit_outlook(m, n, atts=[att]), fj(
        "outlook-desktop", "en", "attached-rfc822", m,
        "Outlook 'Forward as attachment': multipart/mixed whose second part is message/rfc822 (no filename). The attached "
        "mail's From is RFC 2047 Q-encoded UTF-8 '=?UTF-8?Q?Zo=C3=AB_Br=C3=B8nner?='. Its Date is 22:45 +0100.")


@F("forwards", "gmail_attached_rfc822_base64")
def _(n):
    o = orig("housing", LUKASZ, [PAT_PERSONAL], uk(2026, 3, 17, 20, 12, 0), greet="Councillor Smith",
             key="Water is coming through the light fitting in the hallway whenever the flat above has a shower.",
             sign="Z poważaniem / Regards\nŁukasz Żółć")
    o_raw = original_raw(o, n + "/orig", "samsung")
    r = rng("att", n)
    m = Mail(PAT_PERSONAL, [SPOC], uk(2026, 3, 18, 7, 30, 0), "Fwd: " + o.subject,
             "Forwarding as an attachment - this one relates to Mr Example's block.\n\nPat\n",
             GMAIL_HEAD + text_to_divs("Forwarding as an attachment - this one relates to Mr Example's block.\n\nPat") + GMAIL_TAIL,
             [], [entry("Łukasz Żółć", "lukasz.zolc@webmail.example", "2026-03-17", o.subject)], o.key)
    att = rfc822_part(o_raw, filename=o.subject + ".eml", style="gmail", r=r)
    return emit_gmail(m, n, atts=[att]), fj(
        "gmail", "en", "attached-rfc822", m,
        "Gmail forward-as-attachment: message/rfc822 part with name/filename '...eml'. The attached mail came from Samsung "
        "Email: B-encoded From name, base64 text and HTML bodies.")


@F("forwards", "thunderbird_attached_rfc822_negative_offset")
def _(n):
    when = datetime(2026, 1, 14, 23, 45, 10, tzinfo=_tz(-8))
    o = orig("counciltax", JORDAN, [CHRIS], when, sign="Jordan Example\n(currently in San Diego visiting family)",
             key="I am abroad until February so please do not send anything else to the house.")
    o_raw = original_raw(o, n + "/orig", "apple", ios=True)
    note = "Forwarded as an attachment for the SPOC log."
    m = Mail(CHRIS, [SPOC], uk(2026, 1, 15, 9, 0, 0), "Fwd: " + o.subject, note + "\n\n-- \nChris Evans\nRevenues\n", None,
             [], [entry("Jordan Example", "jordan@example.org", "2026-01-14", o.subject)], o.key)
    att = rfc822_part(o_raw, filename=o.subject + ".eml", style="tb")
    return emit_tb(m, n, atts=[att]), fj(
        "thunderbird", "en", "attached-rfc822", m,
        "Thunderbird 'Forward as Attachment'. The attached iPhone mail is dated 'Wed, 14 Jan 2026 23:45:10 -0800': the "
        "expected date is the calendar date in the mail's own offset (2026-01-14), although in UTC/UK time it is "
        "already 15 January.")


@F("forwards", "apple_attached_rfc822")
def _(n):
    o = orig("tree", JORDAN, [FFION], uk(2026, 4, 22, 12, 0, 0), greet="Ms Davies",
             key="The tree surgeon you sent pruned my side only and left the overhanging limb untouched.")
    o_raw = original_raw(o, n + "/orig", "outlook")
    note = "SPOC,\n\nI attach my email to Ms Davies which she has ignored.\n\nJordan Example"
    m = Mail(JORDAN, [SPOC], uk(2026, 5, 6, 19, 0, 0), "Fwd: " + o.subject, note + "\n", APPLE_HEAD + text_to_divs(note) + APPLE_TAIL,
             [], [entry("Jordan Example", "jordan@example.org", "2026-04-22", o.subject)], o.key)
    att = rfc822_part(o_raw, filename='"' + o.subject + '.eml"', style="apple")
    return emit_apple(m, n, atts=[att]), fj(
        "apple-mail", "en", "attached-rfc822", m,
        "macOS Mail 'Forward as Attachment' of a mail the customer had sent from Outlook.com-style Exchange: "
        "message/rfc822 part with no Content-Transfer-Encoding header; attached mail is multipart/alternative QP with "
        "a B-encoded ASCII name.")


# ---- nested ---------------------------------------------------------------------

@F("forwards", "nested2_outlook_over_gmail")
def _(n):
    o = orig("noise", JORDAN, [PAT_PERSONAL], uk(2026, 2, 21, 1, 5, 0), greet="Pat",
             key="At 1am the neighbour's guests were urinating against my front wall.")
    t1 = fw_gmail(o, "Alex, can you pick this up with Env Health? He's very upset.", "Pat Smith\nMill Ward")
    m1 = fwd(PAT_PERSONAL, [ALEX], uk(2026, 2, 21, 9, 14, 0), "Fwd: " + o.subject, t1, o)
    emit_gmail(m1, n + "/inner")
    t2 = fw_outlook(m1, "SPOC - passing on, see Cllr Smith's note below. Not a planning matter.\n\nAlex", sig("alex", True))
    m2 = fwd(ALEX, [SPOC], uk(2026, 2, 23, 8, 40, 0), "FW: " + m1.subject, t2, m1)
    return emit_outlook(m2, n), fj(
        "outlook-desktop", "en", "nested", m2,
        "Two levels: officer forwards (Outlook desktop) the councillor's Gmail forward of the customer's mail. "
        "forwarded[0] = the councillor's 'Fwd:' mail (from the Outlook block), forwarded[1] = the customer (from the "
        "Gmail block). Original sent at 01:05 on a Saturday.", chain_clients=['outlook-desktop', 'gmail'])


@F("forwards", "nested2_gmail_over_ios")
def _(n):
    o = orig("planning", JORDAN, [ALEX], uk(2026, 3, 2, 9, 30, 0), greet="Mr Jones",
             key="I would like the enforcement team to visit before the concrete is poured on Monday.")
    t1 = fw_apple(o, "Councillor, this is what I sent to Planning a week ago. Nothing.", ios=True)
    m1 = fwd(JORDAN, [PAT_PERSONAL], uk(2026, 3, 9, 21, 12, 0), "Fwd: " + o.subject, t1, o)
    emit_apple(m1, n + "/inner", ios=True)
    t2 = fw_gmail(m1, "SPOC - for your records. Pat", None)
    m2 = fwd(PAT_PERSONAL, [SPOC], uk(2026, 3, 10, 7, 2, 0), "Fwd: " + m1.subject, t2, m1)
    return emit_gmail(m2, n), fj(
        "gmail", "en", "nested", m2,
        "Councillor's Gmail forward of the customer's iPhone forward of his own earlier mail. Inner block is iOS-style "
        "'> '-quoted inside the Gmail forward. forwarded: [customer's 'Fwd:' from iPhone, customer's original]. "
        "Same person at both levels.", chain_clients=['gmail', 'ios-mail'])


@F("forwards", "nested3_outlook_owa_samsung")
def _(n):
    o = orig("housing", JORDAN, [PAT], uk(2026, 4, 6, 18, 0, 0), greet="Pat",
             key="The emergency out-of-hours number just rings and rings.")
    t1 = fw_samsung(o, "Alex is this yours? Pat")
    m1 = fwd(PAT, [ALEX], uk(2026, 4, 6, 19, 2, 0), "Fwd: " + o.subject, t1, o)
    t2 = fw_outlook(m1, "Sam - housing I think, not planning.\n\nAlex", None, sep="underscore", html_style="owa")
    m2 = fwd(ALEX, [SAM], uk(2026, 4, 7, 8, 30, 0), "Fw: " + m1.subject, t2, m1)
    t3 = fw_outlook(m2, "SPOC - this has been round the houses. Logging with you and I will pick it up.\n\nSam", sig("sam", True))
    m3 = fwd(SAM, [SPOC], uk(2026, 4, 7, 10, 0, 0), "FW: " + m2.subject, t3, m2)
    return emit_outlook(m3, n, image=True), fj(
        "outlook-desktop", "en", "nested", m3,
        "Three levels: Outlook desktop (Sam) > OWA (Alex, underscore separator) > Samsung Email (Cllr Smith, '-------- "
        "Original message --------') > customer. Subject grows 'FW: Fw: Fwd: ...'.", chain_clients=['outlook-desktop', 'owa', 'samsung-email'])


@F("forwards", "nested3_thunderbird_legacy_yahoo")
def _(n):
    o = orig("foi", JORDAN_WEB, [MEGAN], uk(2026, 5, 1, 6, 30, 0), greet="Sir/Madam",
             key="I also want the retention schedule that says how long you keep notes about members of the public.")
    t1 = fw_yahoo(o, "Resending. This is my third attempt.")
    yj = P("Jordan Example", "jordan.example@yahoo.example")
    m1 = fwd(yj, [CHRIS], uk(2026, 5, 15, 6, 31, 0), "Fw: " + o.subject, t1, o)
    t2 = fw_outlook(m1, "Megan, this seems to be for you?\n\nChris", None, sep="legacy")
    m2 = fwd(CHRIS, [MEGAN], uk(2026, 5, 15, 9, 0, 0), "FW: " + m1.subject, t2, m1)
    t3 = fw_tb(m2, "SPOC,\n\nFYI - came to me via Revenues.", "Megan")
    m3 = fwd(MEGAN, [SPOC], uk(2026, 5, 15, 11, 0, 0), "Fwd: " + m2.subject, t3, m2)
    return emit_tb(m3, n), fj(
        "thunderbird", "en", "nested", m3,
        "Three levels: Thunderbird (tabbed table, RFC date) > Exchange legacy '-----Original Message-----' with "
        "'[mailto:...]' > Yahoo '----- Forwarded Message -----' > original. format=flowed outer text.", chain_clients=['thunderbird', 'exchange-legacy', 'yahoo'])


@F("forwards", "nested2_outlook_en_over_outlook_cy")
def _(n):
    o = orig("tree", JORDAN, [SIAN], uk(2026, 9, 8, 13, 0, 0), greet="Councillor",
             key="The roots have lifted the paving so much that the postman refuses to come up the path.")
    t1 = fw_outlook(o, "Ffion - a allwch chi edrych ar hwn os gwelwch yn dda?\n\nSiân", sig("sian"), labels="cy", datefmt="cy")
    m1 = fwd(SIAN, [FFION], uk(2026, 9, 8, 14, 0, 0), "FW: " + o.subject, t1, o)
    t2 = fw_outlook(m1, "SPOC - see below from Cllr Llŷr.\n\nFfion", sig("ffion", True))
    m2 = fwd(FFION, [SPOC], uk(2026, 9, 9, 9, 0, 0), "FW: " + m1.subject, t2, m1)
    return emit_outlook(m2, n), fj(
        "outlook-desktop", "cy", "nested", m2,
        "English Outlook block ('From: Cllr Siân Llŷr <...<mailto:...>>') over a Welsh Outlook block "
        "('Oddi wrth:/Anfonwyd:/At:/Pwnc:'). The non-ASCII councillor name appears in a header block.")


@F("forwards", "nested_inline_over_attached")
def _(n):
    o = orig("flytip", JORDAN, [PAT_PERSONAL], uk(2026, 6, 15, 7, 0, 0), sign="kind",
             key="The same white van has been back three Sundays in a row and I have its registration.")
    o_raw = original_raw(o, n + "/orig", "outlook")
    r = rng("att", n)
    pnote = "Alex - see attached from Mr Example.\n\nPat"
    m1 = Mail(PAT_PERSONAL, [ALEX], uk(2026, 6, 15, 8, 0, 0), "Fwd: " + o.subject, pnote + "\n",
              GMAIL_HEAD + text_to_divs(pnote) + GMAIL_TAIL, [],
              [entry("Jordan Example", "jordan@example.org", "2026-06-15", o.subject)], o.key)
    att = rfc822_part(o_raw, filename=o.subject + ".eml", style="gmail", r=r)
    emit_gmail(m1, n + "/inner", atts=[att])
    m1.attachments = [att]
    t2 = fw_outlook(m1, "SPOC - Cllr Smith's mail below; Mr Example's email is attached to it.\n\nAlex", sig("alex"))
    m2 = fwd(ALEX, [SPOC], uk(2026, 6, 15, 9, 0, 0), "FW: " + m1.subject, t2, m1)
    return emit_outlook(m2, n, atts=m2.attachments), fj(
        "outlook-desktop", "en", "nested", m2,
        "Outlook inline forward of a councillor's Gmail mail that had the customer's mail attached; Outlook carries the "
        "message/rfc822 attachment along. forwarded[0] = councillor (inline block), forwarded[1] = customer (from the "
        "attached message's headers).", chain_clients=['outlook-desktop', 'gmail (attached)'])


@F("forwards", "attached_inside_attached")
def _(n):
    o = orig("parking", JORDAN, [PAT_PERSONAL], uk(2026, 7, 9, 15, 0, 0), sign="full",
             key="The warden told me the bay markings had worn off years ago and he tickets there anyway.")
    o_raw = original_raw(o, n + "/orig", "yahoo")
    r = rng("att", n)
    pnote = "Alex, attached. Pat"
    m1 = Mail(PAT_PERSONAL, [ALEX], uk(2026, 7, 9, 16, 0, 0), "Fwd: " + o.subject, pnote + "\n",
              GMAIL_HEAD + text_to_divs(pnote) + GMAIL_TAIL, [], [], o.key)
    p_raw = emit_gmail(m1, n + "/inner", atts=[rfc822_part(o_raw, filename=o.subject + ".eml", style="gmail", r=r)])
    note = "SPOC - attaching Cllr Smith's email, which itself has the customer's email attached."
    m2 = Mail(ALEX, [SPOC], uk(2026, 7, 10, 9, 0, 0), "FW: " + m1.subject, note_block(note, sig("alex")),
              text_to_mso(note_block(note, sig("alex"))), [],
              [entry("Pat Smith", "patsmith.ward3@mailbox.example", "2026-07-09", m1.subject),
               entry("Jordan Example", "jordan@example.org", "2026-07-09", o.subject)], o.key)
    return emit_outlook(m2, n, atts=[rfc822_part(p_raw, filename=None, when=m2.date)]), fj(
        "outlook-desktop", "en", "attached-rfc822", m2,
        "message/rfc822 inside message/rfc822: Outlook forward-as-attachment of the councillor's Gmail mail, which had "
        "the customer's Yahoo mail attached.", chain_clients=['outlook-desktop (attached)', 'gmail (attached)'])


# ---- quoted / mangled -------------------------------------------------------------

@F("forwards", "quoted_reply_over_gmail_forward")
def _(n):
    o = orig("streetlight", JORDAN, [PAT_PERSONAL], uk(2026, 11, 16, 17, 40, 0), sign="short",
             key="Somebody has been using the dark stretch to deal drugs from a parked car.")
    t1 = fw_gmail(o, "Alex - is this one for you or highways?", "Pat")
    m1 = fwd(PAT_PERSONAL, [ALEX], uk(2026, 11, 16, 18, 0, 0), "Fwd: " + o.subject, t1, o)
    att = f"On 16 Nov 2026, at 18:00, Pat Smith <patsmith.ward3@mailbox.example> wrote:\n\n"
    t = ("Pat - highways, not me. I've copied the SPOC so they can log it and pass it on.\n\nAlex\n\n" + att
         + quote(m1.text))
    m = Mail(ALEX, [PAT_PERSONAL], uk(2026, 11, 17, 8, 10, 0), "Re: " + m1.subject, t, None, [SPOC],
             list(m1.chain), o.key)
    raw = emit_apple(m, n, html=False, in_reply_to=mid_gmail(rng("irt", n)), domain="council.example")
    return raw, fj(
        "apple-mail", "en", "quoted", m,
        "Not a forward itself: an officer's REPLY (Apple Mail, SPOC in Cc) quoting the councillor's Gmail forward with "
        "'> '. The Gmail block appears as '> ---------- Forwarded message ---------' / '> From: ...'. The councillor's "
        "mail is reply history (attribution line), so `forwarded` lists only the customer's mail found under the "
        "quoted forward block.")


@F("forwards", "quoted_mixed_levels_wrapped_subject")
def _(n):
    subj = "Objection to planning application 25/01234/FUL - 14 Mill Lane - loss of hedge and overlooking"
    o = orig("planning", JORDAN, [PAT], uk(2026, 3, 2, 9, 30, 0), subject=subj, greet="Councillor Smith",
             key="The new side window would look directly into my daughter's bedroom.")
    body = quote(o.text).split("\n")
    block = [
        "> ________________________________",
        "> From: Jordan Example <jordan@example.org>",
        ">> Sent: 02 March 2026 09:30",
        "> To: Cllr Pat Smith <pat.smith@council.example>",
        "> Subject: Objection to planning application 25/01234/FUL - 14 Mill Lane - loss",
        "of hedge and overlooking",
        ">",
    ]
    t = ("Dear SPOC,\n\nI am sending you AGAIN what I sent to Councillor Smith on 2 March. She told me she had passed it to "
         "Planning and nobody has answered.\n\nJordan Example\n\n-------- Original Message --------\n"
         + "\n".join(block + body))
    m = Mail(JORDAN, [SPOC], uk(2026, 3, 30, 20, 0, 0), "Fwd: " + subj, t, None, [],
             [entry("Jordan Example", "jordan@example.org", "2026-03-02", subj)], o.key)
    r = rng("emit", n)
    m.msgid = f"<{rhex(r, 32, False)}.squirrel@webmail.mailbox.example>"
    hdrs = [("Message-ID", m.msgid), ("Date", rfcdate(m.date)), ("Subject", "Fwd: Objection to planning application 25/01234/FUL - 14 Mill\n Lane - loss of hedge and overlooking"),
            ("From", hdr_addr(JORDAN)), ("To", "spoc@council.example"), ("User-Agent", "SquirrelMail/1.4.22"),
            ("MIME-Version", "1.0"), ("Content-Type", "text/plain;charset=iso-8859-1"), ("Content-Transfer-Encoding", "8bit"),
            ("X-Priority", "3 (Normal)"), ("Importance", "Normal")]
    return render_headers(hdrs) + CRLF.encode() + enc_body(t, "8bit", "iso-8859-1"), fj(
        "squirrelmail", "en", "quoted", m,
        "Old webmail forward that '> '-quoted an Outlook block and then hard-wrapped it at 80 columns: the quote markers "
        "are inconsistent ('> From:' but '>> Sent:') and the Subject: line wraps onto an UNQUOTED continuation line. "
        "Expected subject is the full joined subject. Body is ISO-8859-1, 8bit. The outer Subject header is folded.")


@F("forwards", "quoted_double_ios_in_thunderbird_reply")
def _(n):
    o = orig("counciltax", JORDAN, [MEGAN], uk(2026, 6, 1, 12, 5, 0), sign="phone",
             key="I have now received two different bills for the same period with two different balances.")
    t1 = fw_apple(o, "Ms Lloyd, I am told you deal with data protection. See below.", ios=True)
    m1 = fwd(JORDAN, [MEGAN], uk(2026, 6, 3, 7, 0, 0), "Fwd: " + o.subject, t1, o)
    t = ("SPOC,\n\nThis isn't an information request - Mr Example has sent me his council tax query. Copying you so it "
         "can go to Revenues via the SPOC route.\n\nMegan\n\nOn 03/06/2026 07:00, Jordan Example wrote:\n" + quote(m1.text))
    m = Mail(MEGAN, [JORDAN], uk(2026, 6, 3, 9, 0, 0), "Re: " + m1.subject, t, None, [SPOC], list(m1.chain), o.key)
    return emit_tb(m, n), fj(
        "thunderbird", "en", "quoted", m,
        "Thunderbird reply (SPOC in Cc) quoting the customer's iPhone forward, so the iOS block is quoted TWICE: "
        "'> > From: Jordan Example ...' (format=flowed writes it as '>> From:'). The customer's Fwd mail is reply "
        "history here; `forwarded` lists the message under the 'Begin forwarded message:' block.")


# ---- Outlook items (.msg) attached -----------------------------------------------

MSG_DIR = HERE / "_msg"


def _msg_writer():
    import os
    extra = os.environ.get("MSG_WRITER_PATH")
    if extra and extra not in sys.path:
        sys.path.insert(0, extra)
    try:
        from aspose.email_foss import msg as msgmod  # type: ignore
        return msgmod
    except Exception:
        return None


def make_msg(name: str, build) -> bytes:
    """Build a genuine Outlook .msg (CFB) with the aspose-email-foss writer, or
    reuse the committed copy in _msg/ when the writer is not installed."""
    path = MSG_DIR / f"{name}.msg"
    msgmod = _msg_writer()
    if msgmod is None:
        if not path.exists():
            raise SystemExit(f"{path} missing and aspose-email-foss not importable (set MSG_WRITER_PATH)")
        return path.read_bytes()
    data = build(msgmod)
    MSG_DIR.mkdir(exist_ok=True)
    path.write_bytes(data)
    return data


def msg_part(data: bytes, filename: str, when: datetime) -> Part:
    ts = rfcdate(when.astimezone(timezone.utc)).replace("+0000", "GMT").replace("-0000", "GMT")
    return b64_part(f'application/vnd.ms-outlook; name="{filename}"', data, [
        ("Content-Description", filename),
        ("Content-Disposition", f'attachment; filename="{filename}"; size={len(data)};\n'
                                f'\tcreation-date="{ts}";\n\tmodification-date="{ts}"')])


@F("forwards", "outlook_attached_msg_received_item")
def _(n):
    o = orig("tree", JORDAN, [PAT], uk(2026, 2, 26, 8, 12, 40), greet="Councillor Smith",
             key="Council contractors left the cut branches stacked against my fence for three weeks.")
    o_raw = original_raw(o, n + "/orig", "outlook")
    transport = o_raw.split(b"\r\n\r\n", 1)[0].decode() + "\r\n"
    transport = "\r\n".join(l for l in transport.split("\r\n") if not l.lower().startswith(("content-type", "mime-version", "\ttype=")))

    def build(msgmod):
        m = msgmod.MapiMessage.create(o.subject, o.text.replace("\n", "\r\n"))
        m.set_property(msgmod.PropertyId.SENDER_NAME, "Jordan Example")
        m.set_property(msgmod.PropertyId.SENDER_EMAIL_ADDRESS, "jordan@example.org")
        m.set_property(msgmod.PropertyId.MESSAGE_DELIVERY_TIME, o.date.astimezone(timezone.utc))
        m.set_property(msgmod.PropertyId.INTERNET_MESSAGE_ID, o.msgid)
        m.set_property(msgmod.PropertyId.TRANSPORT_MESSAGE_HEADERS, transport)
        m.set_property(0x5D01, 0x001F, "jordan@example.org")       # PR_SENDER_SMTP_ADDRESS
        m.body_html = MSO_HEAD + text_to_mso(o.text) + MSO_TAIL
        m.add_recipient("pat.smith@council.example", display_name="Cllr Pat Smith")
        return m.to_bytes()
    data = make_msg(n, build)
    note = "Hi SPOC,\n\nI've saved Mr Example's email and attached it (the .msg file). Please log it.\n\nPat"
    m = Mail(PAT, [SPOC], uk(2026, 2, 26, 12, 0, 0), "Dangerous tree - Mill Lane (Mr Example)", note_block(note, sig("pat")),
             text_to_mso(note_block(note, sig("pat"))), [],
             [entry("Jordan Example", "jordan@example.org", "2026-02-26", o.subject)], o.key)
    return emit_outlook(m, n, atts=[msg_part(data, o.subject + ".msg", m.date)]), fj(
        "outlook-desktop", "en", "attached-msg", m,
        "A genuine Outlook .msg (OLE compound file, MAPI properties) attached as application/vnd.ms-outlook, as when an "
        "officer drags a received mail from Outlook onto a new message. The item carries PR_SENDER_NAME/"
        "PR_SENDER_EMAIL_ADDRESS (SMTP), PR_MESSAGE_DELIVERY_TIME, PR_SUBJECT, plain and HTML bodies, and the original "
        "internet headers in PR_TRANSPORT_MESSAGE_HEADERS. Outer subject is the councillor's own, not 'FW:'. "
        "Built with the aspose-email-foss MSG writer; readable by extract-msg.",
        msg_attachment=f"_msg/{n}.msg")


@F("forwards", "outlook_attached_msg_internal_with_inline_forward")
def _(n):
    o = orig("tree", JORDAN_1962, [SIAN], uk(2026, 10, 6, 19, 20, 0), greet="Councillor Llŷr",
             key="Half the crown fell into the play area on Sunday, minutes after the children had gone home.")
    t1, h1 = fw_outlook(o, "Ffion - gweler isod / see below. Urgent please.\n\nSiân", sig("sian"), labels="cy", datefmt="cy")
    sent = uk(2026, 10, 7, 8, 5, 0)
    subj = "FW: " + o.subject
    exdn = "/O=EXCHANGELABS/OU=EXCHANGE ADMINISTRATIVE GROUP (FYDIBOHF23SPDLT)/CN=RECIPIENTS/CN=5C1D0E7A9B2F4C3DA1E2F3B4C5D6E7F8-SIAN.LLYR"

    def build(msgmod):
        m = msgmod.MapiMessage.create(subj, t1.replace("\n", "\r\n"))
        m.set_property(msgmod.PropertyId.SENDER_NAME, "Cllr Siân Llŷr")
        m.set_property(msgmod.PropertyId.SENDER_ADDRESS_TYPE, "EX")
        m.set_property(msgmod.PropertyId.SENDER_EMAIL_ADDRESS, exdn)
        m.set_property(0x5D01, 0x001F, "sian.llyr@council.example")       # PR_SENDER_SMTP_ADDRESS
        m.set_property(0x5D02, 0x001F, "sian.llyr@council.example")       # PR_SENT_REPRESENTING_SMTP_ADDRESS
        m.set_property(msgmod.PropertyId.MESSAGE_DELIVERY_TIME, sent.astimezone(timezone.utc))
        m.body_html = MSO_HEAD + h1 + MSO_TAIL
        m.add_recipient("ffion.davies@council.example", display_name="Ffion Davies")
        return m.to_bytes()
    data = make_msg(n, build)
    note = "SPOC,\n\nAttaching Cllr Llŷr's email as an Outlook item - Mr Example's email is inside it.\n\nFfion"
    m = Mail(FFION, [SPOC], uk(2026, 10, 7, 9, 0, 0), "FW: " + o.subject, note_block(note, sig("ffion", True)),
             text_to_mso(note_block(note, sig("ffion", True))), [],
             [entry("Cllr Siân Llŷr", "sian.llyr@council.example", "2026-10-07", subj),
              entry("Jordan Example", "j.example1962@mailbox.example", "2026-10-06", o.subject)], o.key)
    return emit_outlook(m, n, atts=[msg_part(data, "FW " + o.subject + ".msg", m.date)]), fj(
        "outlook-desktop", "cy", "attached-msg", m,
        "Genuine .msg of an INTERNAL Exchange mail: PR_SENDER_ADDRESS_TYPE is 'EX' and PR_SENDER_EMAIL_ADDRESS is an "
        "X.500 legacyExchangeDN; the SMTP address is only in PR_SENDER_SMTP_ADDRESS (0x5D01). No transport headers. "
        "The item's body is itself a Welsh-Outlook inline forward (Oddi wrth:/Anfonwyd:/At:/Pwnc:) of the customer's "
        "mail, so forwarded = [councillor (from the .msg properties), customer (from the block inside the .msg)]. "
        "Attachment filename is Outlook's 'FW ...' (colon dropped). Built with aspose-email-foss.",
        msg_attachment=f"_msg/{n}.msg")


# ==========================================================================
# REPLIES
# ==========================================================================

REQS = {
    "planning": ("Planning application 25/01234/FUL, 14 Mill Lane",
                 "Mr Example has asked for an update on planning application 25/01234/FUL (two-storey side extension at 14 Mill Lane).",
                 ["whether the application has been validated;", "the target determination date; and",
                  "whether his objection of 2 January has been logged."]),
    "housing": ("Repairs at 7 Orchard Close",
                "Mr Example has reported damp and mould at 7 Orchard Close on behalf of his neighbour, the tenant.",
                ["whether a repair has been raised, and its priority;", "the appointment date, if booked."]),
    "noise": ("Noise complaint, 3 Station Road",
              "Mr Example says his noise diary sheets for 3 Station Road have not been acknowledged.",
              ["whether the diary sheets have been received;", "what the next step is on case EH/26/0142."]),
    "bins": ("Missed collections, Orchard Close",
             "Mr Example reports that recycling on Orchard Close has been missed for three weeks.",
             ["whether the missed collections are recorded;", "when the crew will return; and",
              "whether he is due a garden waste refund."]),
    "counciltax": ("Council tax account 50012345",
                   "Mr Example says his single person discount has been removed without explanation.",
                   ["why the discount was removed;", "whether recovery action is on hold while this is reviewed."]),
    "tree": ("Oak tree, Mill Lane verge",
             "Mr Example reports that the oak on the council verge opposite 22 Mill Lane is unsafe.",
             ["whether the tree has been inspected;", "whether it is covered by a TPO; and",
              "what work, if any, is planned."]),
    "foi": ("FOI-2026-0211 (Mr Example)",
            "Mr Example has asked SPOC when he will receive a response to his FOI request of 2 February.",
            ["the current status of FOI-2026-0211;", "the date a response is due."]),
    "complaint": ("Stage 2 complaint COMP-2025-0917",
                  "Mr Example has asked to escalate complaint COMP-2025-0917 to stage 2.",
                  ["whether the stage 2 has been accepted;", "who the investigating officer is."]),
    "highways": ("Street light, Church Walk (column 14)",
                 "Mr Example says the street light on Church Walk (column 14) has been out for a month.",
                 ["whether the fault is logged with the contractor;", "the expected repair date."]),
    "licensing": ("Red Lion licence variation",
                  "Mr Example has objected to the Red Lion's application to extend its hours.",
                  ["whether his representation was received in time;", "the date of the sub-committee hearing."]),
}


def request(officer: P, topic: str, ref: int, when: datetime, first: str | None = None) -> Mail:
    title, context, asks = REQS[topic]
    first = first or officer.name.replace("Cllr ", "").split()[0]
    due = when + timedelta(days=7)
    body = (f"Dear {first},\n\nSPOC reference: SPOC-2026-{ref:04d}\nCustomer: Mr Jordan Example\n\n{context}\n\n"
            "Please could you let us know:\n\n" + "\n".join(f"{i}. {a}" for i, a in enumerate(asks, 1))
            + f"\n\nPlease reply to this email, keeping the reference in the subject line, by "
              f"{due.day} {MON['en'][due.month - 1]} {due.year}. Please do not reply to Mr Example directly.\n\n"
              "Many thanks,\n\nSPOC Team\nSingle Point of Contact\nSouth Example District Council\n"
              "spoc@council.example | 01234 567800\n")
    m = Mail(SPOC, [officer], when, f"[SPOC-2026-{ref:04d}] Request for information - {title}", body, None)
    m.msgid = mid_outlook(rng("req", ref))
    return m


def rj(client: str, lang: str, reply_text: str, notes: str, signoff: str | None = None, **extra) -> dict:
    d = {"client": client, "language": lang, "reply_text": reply_text, "notes": notes}
    d["signoff"] = signoff
    d.update(extra)
    return d


def _txt(reply: str, signoff: str | None) -> str:
    return reply.strip("\n") + ("\n\n" + signoff.strip("\n") if signoff else "")


def re_outlook(n, who: P, req: Mail, reply: str, signoff, sigtxt, when, *, prefix="RE: ", text=True, labels="en",
               datefmt="en-gb", sep="border", html_style="mso", mobile_tag=None, secs=False, cte="quoted-printable",
               lang_hdr="en-GB", x_mailer=None, enc="b", from_disp=None, to_disp=None):
    t, h = fw_outlook(req, _txt(reply, signoff), sigtxt, labels=labels, datefmt=datefmt, sep=sep,
                      html_style=html_style, mobile_tag=mobile_tag, secs=secs, from_disp=from_disp, to_disp=to_disp)
    m = Mail(who, [SPOC], when, prefix + req.subject, t, h)
    return emit_outlook(m, n, text=text, html_wrap=html_style if html_style == "mso" else "owa", cte=cte,
                        in_reply_to=req.msgid, lang_hdr=lang_hdr, x_mailer=x_mailer, enc=enc,
                        received=(mobile_tag is None))


GM_ATTR = {
    "en": "On {d}, {n} <{e}> wrote:",
    "de": "Am {d} schrieb {n} <{e}>:",
    "fr": "Le {d}, {n} <{e}> a écrit :",
    "es": "El {d}, {n} (<{e}>) escribió:",
    "it": "Il giorno {d} {n} <{e}> ha scritto:",
    "nl": "Op {d} schreef {n} <{e}>:",
    "pt": "Em {d}, {n} <{e}> escreveu:",
    "pl": "{d} {n} <{e}> napisał(a):",
}


def gmail_attr(req: Mail, lang="en", datefmt="en-gb", tzconv=to_uk, android=False, width=None) -> str:
    dt = tzconv(req.date)
    if android:
        return f"On {WDA['en'][dt.weekday()]}, {dt.day} {MONA['en'][dt.month - 1]} {dt.year}, {hm(dt)} {req.sender.name}, <{req.sender.email}> wrote:"
    s = GM_ATTR[lang].format(d=gmail_date(dt, datefmt), n=req.sender.name, e=req.sender.email)
    if width and len(s) > width:  # Gmail hard-wraps the attribution in text/plain
        cut = s.rfind(" ", 0, width)
        cut = s.index("<") + 1 if s.index("<") < width else cut
        s = s[:cut] + "\n" + s[cut:].lstrip()
    return s


def re_gmail(n, who: P, req: Mail, reply: str, signoff, sigtxt, when, *, lang="en", datefmt="en-gb",
             html_only=False, android=False, width=None, prefix="Re: "):
    attr = gmail_attr(req, lang, datefmt, android=android, width=width)
    t = _txt(reply, signoff) + "\n"
    if sigtxt:
        t += "\n-- \n" + sigtxt.strip("\n") + "\n"
    t += "\n" + attr + "\n\n" + quote(req.text)
    h = GMAIL_HEAD + text_to_divs(_txt(reply, signoff))
    if sigtxt:
        h += ('<br clear="all"><div><br></div><span class="gmail_signature_prefix">-- </span><br>'
              f'<div dir="ltr" class="gmail_signature" data-smartmail="gmail_signature"><div dir="ltr">{text_to_br(sigtxt.strip())}</div></div>')
    h += (f'<br><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">{esc_addr_links(attr.replace(chr(10), " "))}<br></div>'
          '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">'
          f'{text_to_divs(req.text)}</blockquote></div>' + GMAIL_TAIL)
    m = Mail(who, [SPOC], when, prefix + req.subject, t, h)
    return emit_gmail(m, n, html_only=html_only, in_reply_to=req.msgid)


def apple_attr(req: Mail, lang="en") -> str:
    dt = to_uk(req.date)
    if lang == "de":
        return f"Am {dt.day:02d}.{dt.month:02d}.{dt.year} um {hm(dt)} schrieb {req.sender.name} <{req.sender.email}>:"
    return f"On {dt.day} {MONA['en'][dt.month - 1]} {dt.year}, at {hm(dt)}, {req.sender.name} <{req.sender.email}> wrote:"


def re_apple(n, who: P, req: Mail, reply: str, signoff, when, *, ios=False, lang="en", sent_from="Sent from my iPhone",
             bottom=False, prefix="Re: "):
    attr = apple_attr(req, lang)
    body = _txt(reply, signoff)
    if ios:
        t = body + "\n\n" + sent_from + "\n\n" + quote(attr + "\n\n\ufeff" + req.text)
        h = (APPLE_HEAD + '<div dir="ltr">' + text_to_br(body) + '<br><br><div dir="ltr">' + esc(sent_from) + '</div>'
             f'<div dir="ltr"><br><blockquote type="cite">{esc_addr_links(attr)}<br><br></blockquote></div>'
             f'<blockquote type="cite"><div dir="ltr">\ufeff{text_to_divs(req.text)}</div></blockquote></div>' + APPLE_TAIL)
    elif bottom:
        t = attr + "\n\n" + quote(req.text) + "\n" + body + "\n"
        h = (APPLE_HEAD + f'<div><br><blockquote type="cite"><div>{esc_addr_links(attr)}</div><br class="Apple-interchange-newline">'
             f'<div>{text_to_divs(req.text)}</div></blockquote></div>{text_to_divs(body)}' + APPLE_TAIL)
    else:
        t = body + "\n\n" + attr + "\n\n" + quote(req.text)
        h = (APPLE_HEAD + text_to_divs(body) + f'<div><br><blockquote type="cite"><div>{esc_addr_links(attr)}</div>'
             f'<br class="Apple-interchange-newline"><div>{text_to_divs(req.text)}</div></blockquote></div><br>' + APPLE_TAIL)
    m = Mail(who, [SPOC], when, prefix + req.subject, t, h)
    return emit_apple(m, n, ios=ios, in_reply_to=req.msgid)


def tb_attr(req: Mail, lang="en") -> str:
    dt = to_uk(req.date)
    if lang == "de":
        return f"Am {dt.day:02d}.{dt.month:02d}.{dt.year % 100:02d} um {hm(dt)} schrieb {req.sender.name}:"
    return f"On {dt.day:02d}/{dt.month:02d}/{dt.year} {hm(dt)}, {req.sender.name} wrote:"


# ---- the replies -------------------------------------------------------------------

@F("replies", "outlook_desktop_en_council_sig")
def _(n):
    req = request(ALEX, "planning", 42, uk(2026, 1, 14, 10, 15, 0))
    reply = ("Hi SPOC team,\n\n"
             "1. Yes - the application was validated on 3 December 2025.\n"
             "2. The target date is 28 January 2026, but it is now going to the February planning committee because "
             "the parish council has objected.\n"
             "3. Yes, Mr Example's objection of 2 January is logged, along with his two earlier ones.")
    so = "Kind regards,\nAlex"
    return re_outlook(n, ALEX, req, reply, so, sig("alex", True), uk(2026, 1, 14, 15, 2, 0)), rj(
        "outlook-desktop", "en", reply,
        "Outlook desktop top-post. Signature is the usual council block with NO '-- ' delimiter: name, job title, "
        "department, council, phone, web, then the confidentiality disclaimer. Quoted history is unprefixed "
        "(From:/Sent:/To:/Subject: block, From line rendered with <mailto:>).", so)


@F("replies", "outlook_desktop_en_one_line")
def _(n):
    req = request(TOM, "bins", 57, uk(2026, 1, 20, 9, 0, 0))
    reply = "Done - crew booked for Thursday and the refund has been approved."
    return re_outlook(n, TOM, req, reply, None, sig("tom", True), uk(2026, 1, 20, 9, 4, 0), sep="underscore",
                      html_style="owa"), rj(
        "outlook-desktop", "en", reply, "One-line answer directly followed by the signature block and disclaimer; "
        "underscore separator before the quoted request.")


@F("replies", "outlook_desktop_fr")
def _(n):
    req = request(HELENE, "noise", 51, uk(2026, 2, 3, 11, 0, 0), first="Cllr Dubois")
    reply = ("Hello,\n\nI spoke to Priya in Environmental Health this morning. The diary sheets were received on 28 "
             "January and a warning letter went to 3 Station Road yesterday.")
    so = "Bien cordialement,\nHélène"
    return re_outlook(n, HELENE, req, reply, so, sig("helene"), uk(2026, 2, 3, 14, 0, 0), labels="fr", datefmt="fr",
                      lang_hdr="fr-FR"), rj(
        "outlook-desktop", "fr", reply, "French Outlook: quoted block 'De :/Envoyé :/À :/Objet :' with NO-BREAK SPACE "
        "before the colons. The councillor answers in English with a French sign-off.", so)


@F("replies", "outlook_desktop_de")
def _(n):
    req = request(JURGEN, "counciltax", 60, uk(2026, 2, 10, 9, 30, 0))
    reply = ("The discount was removed because our records show a second adult on the electoral register at the "
             "address from October 2025. I have put recovery on hold for 30 days while he sends evidence that his "
             "son has moved out.")
    so = "Viele Grüße / Best wishes\nJürgen"
    return re_outlook(n, JURGEN, req, reply, so, sig("jurgen", True), uk(2026, 2, 10, 16, 45, 0), prefix="AW: ",
                      labels="de", datefmt="de", lang_hdr="de-DE"), rj(
        "outlook-desktop", "de", reply, "German Outlook: subject prefix 'AW:', quoted block Von:/Gesendet:/An:/Betreff:.", so)


@F("replies", "outlook_desktop_es")
def _(n):
    req = request(LUCIA, "licensing", 83, uk(2026, 4, 20, 10, 0, 0))
    reply = ("Yes, Mr Example's representation arrived on 14 April, within the consultation period. The licensing "
             "sub-committee hearing is on 12 May at 10am in the Council Chamber; he will get a formal notice by post.")
    so = "Un saludo,\nLucía"
    return re_outlook(n, LUCIA, req, reply, so, sig("lucia"), uk(2026, 4, 20, 12, 0, 0), labels="es", datefmt="es",
                      lang_hdr="es-ES"), rj("outlook-desktop", "es", reply, "Spanish Outlook quoted block De:/Enviado:/Para:/Asunto:.", so)


@F("replies", "outlook_desktop_it")
def _(n):
    req = request(LUCA, "highways", 80, uk(2026, 11, 5, 9, 0, 0), first="Cllr Romano")
    reply = "Hi both - I reported column 14 myself last week, the contractor's reference is SL-44817. They told me 10 working days."
    so = "Grazie,\nLuca"
    return re_outlook(n, LUCA, req, reply, so, sig("luca"), uk(2026, 11, 5, 18, 30, 0), prefix="R: ", labels="it",
                      datefmt="it", lang_hdr="it-IT"), rj(
        "outlook-desktop", "it", reply, "Italian Outlook: subject prefix 'R:', block Da:/Inviato:/A:/Oggetto:.", so)


@F("replies", "outlook_desktop_nl")
def _(n):
    req = request(DAAN, "noise", 52, uk(2026, 5, 12, 10, 0, 0))
    reply = ("We installed noise monitoring equipment at Mr Example's house from 1 to 8 May. The recordings did not "
             "show a statutory nuisance, so we are closing the case. I will write to him myself unless you would "
             "rather the SPOC did.")
    so = "Met vriendelijke groet,\nDaan"
    return re_outlook(n, DAAN, req, reply, so, sig("daan", True), uk(2026, 5, 13, 11, 0, 0), labels="nl", datefmt="nl",
                      lang_hdr="nl-NL"), rj("outlook-desktop", "nl", reply, "Dutch Outlook: Van:/Verzonden:/Aan:/Onderwerp:.", so)


@F("replies", "outlook_desktop_pt")
def _(n):
    req = request(ANA, "housing", 43, uk(2026, 6, 22, 9, 0, 0))
    reply = ("A priority 2 repair (damp and mould treatment) was raised on 19 June, job number R-2026-55821. The "
             "contractor has booked 1 July, morning slot.")
    so = "Obrigada,\nAna"
    return re_outlook(n, ANA, req, reply, so, sig("ana"), uk(2026, 6, 22, 10, 30, 0), labels="pt", datefmt="pt",
                      lang_hdr="pt-PT"), rj("outlook-desktop", "pt", reply, "Portuguese Outlook: De:/Enviada:/Para:/Assunto:.", so)


@F("replies", "outlook_desktop_pl")
def _(n):
    req = request(KASIA, "bins", 58, uk(2026, 1, 12, 9, 0, 0))
    reply = "Hi, the three missed collections are recorded on the system (refs WS-118734, WS-119002, WS-119310). Tom's team will go back tomorrow."
    so = "Pozdrawiam,\nKasia"
    return re_outlook(n, KASIA, req, reply, so, sig("kasia"), uk(2026, 1, 12, 11, 0, 0), prefix="ODP: ", labels="pl",
                      datefmt="pl", lang_hdr="pl-PL"), rj(
        "outlook-desktop", "pl", reply, "Polish Outlook: subject prefix 'ODP:', block Od:/Wysłane:/Do:/Temat:.", so)


@F("replies", "outlook_desktop_cy_bilingual")
def _(n):
    req = request(FFION, "tree", 64, uk(2026, 2, 16, 9, 0, 0))
    reply = ("Helo,\n\nMae'r goeden wedi cael ei harchwilio ar 13 Chwefror. Nid yw wedi'i diogelu gan Orchymyn Cadw "
             "Coed. Byddwn yn tocio'r gangen farw yr wythnos nesaf.\n\n"
             "The tree was inspected on 13 February. It is not covered by a TPO. We will remove the dead limb next week.")
    so = "Diolch / Thanks,\nFfion"
    return re_outlook(n, FFION, req, reply, so, sig("ffion", True), uk(2026, 2, 16, 12, 0, 0), labels="cy",
                      datefmt="cy", lang_hdr="cy-GB"), rj(
        "outlook-desktop", "cy", reply, "Welsh Outlook (Oddi wrth:/Anfonwyd:/At:/Pwnc:), bilingual Welsh/English answer, "
        "bilingual signature with 'Swyddog Coed | Tree Officer'.", so)


@F("replies", "owa_en_html_only")
def _(n):
    req = request(SAM, "housing", 44, uk(2026, 3, 3, 9, 0, 0))
    reply = ("Hi SPOC,\n\nA repair was raised on 27 February as a priority 3 (routine). I have asked the repairs team to "
             "upgrade it to priority 2 given the tenant's age and health. I'll confirm the appointment once booked.")
    so = "Thanks,\nSam"
    return re_outlook(n, SAM, req, reply, so, sig("sam", True), uk(2026, 3, 3, 10, 0, 0), sep="underscore",
                      html_style="owa", text=False, datefmt="en-gb-long"), rj(
        "owa", "en", reply, "Outlook on the web, text/html only: reply in <div class=\"elementToProof\">, signature in "
        "<div id=\"Signature\">, history after <hr> + <div id=\"divRplyFwdMsg\">.", so)


@F("replies", "owa_en_multi_paragraph")
def _(n):
    req = request(DANIEL, "complaint", 75, uk(2026, 2, 2, 9, 0, 0))
    reply = ("Hi SPOC team,\n\n"
             "Thank you for this. I can confirm that Mr Example's request to escalate COMP-2025-0917 was received on "
             "29 January and has been accepted at stage 2.\n\n"
             "The investigating officer will be Helen Marsh, Head of Customer Services. She has had no previous "
             "involvement with the case, which I know is a concern Mr Example raised in his escalation email.\n\n"
             "Our policy gives 20 working days for a stage 2 response, so he should hear from her by 27 February. If the "
             "investigation needs longer she will write to him before then to explain why.\n\n"
             "Please note that his new allegations about the telephone call on 5 December will be investigated as part "
             "of the same stage 2 rather than as a new complaint.")
    so = "Best wishes\nDaniel"
    return re_outlook(n, DANIEL, req, reply, so, sig("daniel", True), uk(2026, 2, 2, 15, 0, 0), sep="underscore",
                      html_style="owa", datefmt="en-us"), rj(
        "owa", "en", reply, "OWA, multi-paragraph answer (four paragraphs), US-format date in the quoted block.", so)


@F("replies", "gmail_en")
def _(n):
    req = request(PAT_PERSONAL, "tree", 65, uk(2026, 1, 14, 10, 15, 0), first="Pat")
    reply = "Hi,\n\nI went and looked at the tree on Saturday with Ffion. It's leaning but she doesn't think it's dangerous. I've told Mr Example that when I saw him at surgery."
    so = "Pat"
    return re_gmail(n, PAT_PERSONAL, req, reply, so, "Cllr Pat Smith\nMill Ward | 07700 900123", uk(2026, 1, 14, 19, 0, 0)), rj(
        "gmail", "en", reply, "Gmail web: '-- ' signature delimiter, then 'On Wed, 14 Jan 2026 at 10:15, SPOC "
        "<spoc@council.example> wrote:' and '> '-quoted history.", so)


@F("replies", "gmail_de")
def _(n):
    req = request(P("Jürgen Weiß", "juergen.weiss.home@mailbox.example"), "counciltax", 61, uk(2026, 3, 4, 9, 0, 0), first="Jürgen")
    reply = "Sorry, I'm on leave until Monday and can't get into the system from home. Chris Evans can answer this in the meantime."
    return re_gmail(n, P("Jürgen Weiß", "juergen.weiss.home@mailbox.example"), req, reply, "J.", None,
                    uk(2026, 3, 4, 9, 30, 0), lang="de", datefmt="de"), rj(
        "gmail", "de", reply, "German Gmail attribution: 'Am Mi., 4. März 2026 um 09:00 Uhr schrieb SPOC <spoc@council.example>:'.", "J.")


@F("replies", "gmail_fr")
def _(n):
    hp = P("Hélène Dubois", "helene.dubois.perso@mailbox.example")
    req = request(hp, "bins", 59, uk(2026, 9, 1, 10, 15, 0), first="Hélène")
    reply = "Yes, I raised it with Tom Hughes at the ward walk and he promised the crew would go back on Friday."
    return re_gmail(n, hp, req, reply, None, None, uk(2026, 9, 1, 20, 0, 0), lang="fr", datefmt="fr"), rj(
        "gmail", "fr", reply, "French Gmail attribution: 'Le mar. 1 sept. 2026 à 10:15, SPOC <spoc@council.example> a écrit :'. No sign-off.")


@F("replies", "gmail_es")
def _(n):
    lp = P("Lucía Fernández", "lucia.fdz@mailbox.example")
    req = request(lp, "licensing", 84, uk(2026, 5, 6, 10, 0, 0), first="Lucía")
    reply = "The hearing has moved to 19 May because a committee member is unwell. Mr Example was emailed about it yesterday."
    so = "Lucía"
    return re_gmail(n, lp, req, reply, so, None, uk(2026, 5, 6, 12, 0, 0), lang="es", datefmt="es"), rj(
        "gmail", "es", reply, "Spanish Gmail attribution: 'El mié, 6 may 2026 a las 10:00, SPOC (<spoc@council.example>) escribió:' "
        "(address in parentheses).", so)


@F("replies", "gmail_it")
def _(n):
    lp = P("Luca Romano", "luca.romano.cllr@mailbox.example")
    req = request(lp, "highways", 81, uk(2026, 11, 23, 10, 0, 0), first="Luca")
    reply = "Fixed on Friday according to the contractor, I drove past last night and it was working."
    return re_gmail(n, lp, req, reply, None, None, uk(2026, 11, 23, 10, 20, 0), lang="it", datefmt="it"), rj(
        "gmail", "it", reply, "Italian Gmail attribution: 'Il giorno lun 23 nov 2026 alle ore 10:00 SPOC <spoc@council.example> ha scritto:'.")


@F("replies", "gmail_nl")
def _(n):
    dp = P("Daan de Vries", "daan.dv@mailbox.example")
    req = request(dp, "noise", 53, uk(2026, 6, 9, 10, 0, 0), first="Daan")
    reply = "I'm off sick this week - please ask Priya Shah, she has the case file."
    return re_gmail(n, dp, req, reply, "Daan", None, uk(2026, 6, 9, 10, 5, 0), lang="nl", datefmt="nl"), rj(
        "gmail", "nl", reply, "Dutch Gmail attribution: 'Op di 9 jun 2026 om 10:00 schreef SPOC <spoc@council.example>:'.", "Daan")


@F("replies", "gmail_pt")
def _(n):
    ap = P("Ana Sousa", "ana.sousa.home@mailbox.example")
    req = request(ap, "housing", 45, uk(2026, 8, 13, 9, 0, 0), first="Ana")
    reply = "The mould treatment was completed on 7 August and the tenant signed the job sheet."
    return re_gmail(n, ap, req, reply, "Ana", None, uk(2026, 8, 13, 9, 30, 0), lang="pt", datefmt="pt"), rj(
        "gmail", "pt", reply, "Portuguese Gmail attribution: 'Em qui., 13 de ago. de 2026 às 09:00, SPOC <spoc@council.example> escreveu:'.", "Ana")


@F("replies", "gmail_pl")
def _(n):
    kp = P("Katarzyna Nowak", "kasia.nowak@mailbox.example")
    req = request(kp, "bins", 62, uk(2026, 1, 21, 9, 0, 0), first="Kasia")
    reply = "Logged as WS-119877. The garden waste refund form has been posted to him."
    return re_gmail(n, kp, req, reply, "Kasia", None, uk(2026, 1, 21, 9, 10, 0), lang="pl", datefmt="pl"), rj(
        "gmail", "pl", reply, "Polish Gmail attribution: 'śr., 21 sty 2026 o 09:00 SPOC <spoc@council.example> napisał(a):' "
        "(no leading word; starts with the weekday).", "Kasia")


@F("replies", "gmail_en_wrapped_attribution")
def _(n):
    req = request(AHMED, "bins", 63, uk(2026, 2, 18, 8, 0, 0), first="Cllr Rahman")
    req.sender = SPOC_LONG
    reply = "I've no objection to the SPOC sharing my email with Mr Example, as long as my mobile number is removed first."
    so = "Thanks\nAhmed"
    return re_gmail(n, P("Ahmed Rahman", "ahmed.rahman.ward@mailbox.example"), req, reply, so, None,
                    uk(2026, 2, 18, 21, 0, 0), width=78), rj(
        "gmail", "en", reply, "Gmail plain text hard-wraps a long attribution line: 'On Wed, 18 Feb 2026 at 08:00, Single "
        "Point of Contact Team <' + newline + 'spoc@council.example> wrote:'.", so)


@F("replies", "gmail_html_only")
def _(n):
    req = request(PAT_PERSONAL, "planning", 46, uk(2026, 3, 25, 10, 0, 0), first="Pat")
    reply = "Happy for you to tell him that I have asked for the application to be called in to committee."
    so = "Best\nPat"
    return re_gmail(n, PAT_PERSONAL, req, reply, so, "Cllr Pat Smith", uk(2026, 3, 25, 13, 0, 0), html_only=True), rj(
        "gmail", "en", reply, "Gmail, text/html only: reply in <div dir=\"ltr\">, gmail_signature div, history in "
        "<blockquote class=\"gmail_quote\">.", so)


@F("replies", "gmail_android_app")
def _(n):
    req = request(PAT_PERSONAL, "noise", 54, uk(2026, 7, 3, 17, 0, 0), first="Pat")
    reply = "Yes he rang me about it too. Am at a ward meeting, will call him tomorrow."
    return re_gmail(n, PAT_PERSONAL, req, reply, None, None, uk(2026, 7, 3, 18, 30, 0), android=True), rj(
        "gmail-android", "en", reply, "Gmail app on Android attribution: 'On Fri, 3 Jul 2026, 17:00 SPOC, "
        "<spoc@council.example> wrote:' (time, then name followed by a comma).")


@F("replies", "apple_mail_top")
def _(n):
    req = request(ALEX, "planning", 47, uk(2026, 4, 9, 10, 0, 0))
    reply = "Hi,\n\nThe enforcement officer visited on 7 April. The footings are permitted development so no breach has been found. Letter to Mr Example going out this week."
    so = "Alex"
    return re_apple(n, ALEX, req, reply, so, uk(2026, 4, 9, 19, 0, 0)), rj(
        "apple-mail", "en", reply, "macOS Mail top-post: 'On 9 Apr 2026, at 10:00, SPOC <spoc@council.example> wrote:' "
        "followed by '> '-quoted history. No signature.", so)


@F("replies", "apple_mail_bottom_post")
def _(n):
    req = request(PRIYA, "noise", 55, uk(2026, 8, 10, 9, 0, 0))
    reply = "Diary sheets received 6 August. I'm arranging for the monitoring equipment to go in on 17 August."
    so = "Priya"
    return re_apple(n, PRIYA, req, reply, so, uk(2026, 8, 10, 12, 0, 0), bottom=True), rj(
        "apple-mail", "en", reply, "Bottom-posted: attribution and '> '-quoted request FIRST, the new text underneath.", so)


@F("replies", "apple_mail_de")
def _(n):
    req = request(JURGEN, "counciltax", 66, uk(2026, 9, 7, 9, 0, 0))
    reply = "Recovery is on hold until 30 September. A corrected bill was issued on 4 September."
    so = "Gruß\nJürgen"
    return re_apple(n, JURGEN, req, reply, so, uk(2026, 9, 7, 9, 40, 0), lang="de"), rj(
        "apple-mail", "de", reply, "German macOS Mail attribution: 'Am 07.09.2026 um 09:00 schrieb SPOC <spoc@council.example>:'.", so)


@F("replies", "ios_mail_sent_from_iphone")
def _(n):
    req = request(TOM, "bins", 67, uk(2026, 10, 20, 8, 0, 0))
    reply = "Crew are going back this afternoon. I'll check myself tomorrow."
    return re_apple(n, TOM, req, reply, None, uk(2026, 10, 20, 8, 12, 0), ios=True), rj(
        "ios-mail", "en", reply, "iPhone: new text, 'Sent from my iPhone' (not part of the reply), then the attribution "
        "INSIDE the quote ('> On 20 Oct 2026, at 08:00, SPOC <spoc@council.example> wrote:') and a U+FEFF before the "
        "first quoted line.")


@F("replies", "ios_mail_ipad_one_word")
def _(n):
    req = request(MEGAN, "foi", 72, uk(2026, 2, 24, 9, 0, 0))
    reply = "Yes."
    return re_apple(n, MEGAN, req, reply, None, uk(2026, 2, 24, 9, 1, 0), ios=True, sent_from="Sent from my iPad"), rj(
        "ios-mail", "en", reply, "Shortest possible answer ('Yes.') from an iPad: 'Sent from my iPad' must not be "
        "included.")


@F("replies", "thunderbird_bottom_post_sig")
def _(n):
    req = request(MEGAN, "foi", 73, uk(2026, 3, 2, 9, 0, 0))
    reply = ("FOI-2026-0211 is with the services for information. The response is due on 2 March, "
             "but I have written to Mr Example extending it by 10 working days as we need to consider the "
             "public interest test.")
    so = "Megan"
    t = tb_attr(req) + "\n" + quote(req.text) + "\n" + reply + "\n\n" + so + "\n\n-- \n" + SIGS["megan"] + "\n"
    m = Mail(MEGAN, [SPOC], uk(2026, 3, 2, 11, 0, 0), "Re: " + req.subject, t, None)
    return emit_tb(m, n, in_reply_to=req.msgid), rj(
        "thunderbird", "en", reply, "Thunderbird bottom-post (format=flowed): 'On 02/03/2026 09:00, SPOC wrote:' + quoted "
        "request, then the reply, then a '-- ' signature.", so)


@F("replies", "thunderbird_inline")
def _(n):
    req = request(ALEX, "planning", 48, uk(2026, 5, 4, 9, 0, 0))
    ans = ["Yes, on 3 December 2025.", "It has been extended to 30 May by agreement with the applicant.",
           "Yes, all three of his objections are on the file and on the portal."]
    ql = req.text.rstrip("\n").split("\n")
    out = [tb_attr(req)]
    for line in ql:
        out.append(quote(line).rstrip("\n"))
        for i in range(3):
            if line.startswith(f"{i + 1}. "):
                out += ["", ans[i], ""]
    lead = "Hi,\n\nAnswers inline below."
    so = "Alex"
    t = lead + "\n\n" + "\n".join(out) + "\n\n" + so + "\n"
    m = Mail(ALEX, [SPOC], uk(2026, 5, 4, 10, 0, 0), "Re: " + req.subject, t, None)
    reply = lead + "\n\n" + "\n\n".join(ans)
    return emit_tb(m, n, in_reply_to=req.msgid), rj(
        "thunderbird", "en", reply, "Inline-posted: a short lead-in above the attribution, then each answer typed under "
        "the numbered question it answers, between '> ' quoted lines. reply_text = lead-in + the three answers, in order.",
        so, inline=True)


@F("replies", "thunderbird_de")
def _(n):
    req = request(JURGEN, "counciltax", 68, uk(2026, 11, 2, 9, 0, 0))
    reply = "Done - discount reinstated from 1 April, new bill posted today."
    t = reply + "\n\nJ. Weiß\n\n" + tb_attr(req, "de") + "\n" + quote(req.text)
    m = Mail(JURGEN, [SPOC], uk(2026, 11, 2, 14, 0, 0), "Re: " + req.subject, t, None)
    return emit_tb(m, n, in_reply_to=req.msgid, lang="de-DE"), rj(
        "thunderbird", "de", reply, "German Thunderbird attribution 'Am 02.11.26 um 09:00 schrieb SPOC:' (name only, no address).", "J. Weiß")


@F("replies", "samsung_email")
def _(n):
    req = request(SAM, "housing", 49, uk(2026, 7, 14, 9, 0, 0))
    reply = "On site now. Contractor is here treating the mould, will update properly when back in the office."
    t, h = fw_samsung(req, reply)
    m = Mail(SAM, [SPOC], uk(2026, 7, 14, 11, 20, 0), "Re: " + req.subject, t, h)
    return emit_generic(m, n, family="samsung", in_reply_to=req.msgid), rj(
        "samsung-email", "en", reply, "Samsung Email: reply, blank lines, 'Sent from my Galaxy', then '-------- Original "
        "message --------' and unquoted history.")


@F("replies", "outlook_ios")
def _(n):
    req = request(RUI, "highways", 82, uk(2026, 12, 1, 9, 0, 0))
    reply = "Logged with the contractor, ref SL-45120. 10 working day target."
    return re_outlook(n, RUI, req, reply, None, None, uk(2026, 12, 1, 9, 15, 0), sep="underscore", html_style="owa",
                      datefmt="en-us", secs=True, mobile_tag="Get Outlook for iOS<https://aka.ms/o0ukef>", cte="base64"), rj(
        "outlook-ios", "en", reply, "Outlook for iOS: 'Get Outlook for iOS<https://aka.ms/o0ukef>' after the text (not "
        "part of the reply); base64 bodies.")


@F("replies", "outlook_android")
def _(n):
    req = request(CHRIS, "counciltax", 69, uk(2026, 6, 3, 9, 0, 0))
    reply = "Will look at this first thing tomorrow, I'm out on visits today."
    so = "Chris"
    return re_outlook(n, CHRIS, req, reply, so, None, uk(2026, 6, 3, 9, 5, 0), sep="underscore", html_style="owa",
                      datefmt="en-gb-long", secs=True, mobile_tag="Get Outlook for Android<https://aka.ms/AAb9ysg>",
                      cte="base64"), rj(
        "outlook-android", "en", reply, "Outlook for Android with 'Get Outlook for Android<...>' tag.", so)


@F("replies", "exchange_legacy")
def _(n):
    req = request(CHRIS, "counciltax", 70, uk(2026, 1, 26, 9, 0, 0))
    reply = ("Chris here - the account is now in credit by £45.12 and a refund has been requested. "
             "The reminder he received was sent in error.")
    so = "Regards\nChris Evans"
    return re_outlook(n, CHRIS, req, reply, so, sig("chris", True)[len("Chris Evans\n"):], uk(2026, 1, 26, 10, 0, 0),
                      sep="legacy", html_style="mso", text=True, x_mailer="Microsoft Office Outlook 12.0",
                      from_disp="SPOC [mailto:spoc@council.example]", to_disp="Evans, Chris"), rj(
        "exchange-legacy", "en", reply, "Old Outlook plain-text style '-----Original Message-----' / 'From: SPOC "
        "[mailto:spoc@council.example] '. £ in the text (QP =C2=A3). The sign-off name is followed directly by the rest of the signature (job title, service, disclaimer).", so)


@F("replies", "outlook_dashdash_sig_plain")
def _(n):
    req = request(RUI, "highways", 85, uk(2026, 3, 16, 9, 0, 0))
    reply = "Not a council street light - column 14 belongs to the county council. I've passed it on to them (their ref CC-778120)."
    t = (reply + "\n\nRui\n\n-- \n" + SIGS["rui"] + "\n\n" + LEGACY_SEP["en"] + "\nFrom: SPOC [mailto:spoc@council.example] \n"
         f"Sent: {outlook_date(req.date)}\nTo: Costa, Rui\nSubject: {req.subject}\n\n" + req.text)
    m = Mail(RUI, [SPOC], uk(2026, 3, 16, 11, 0, 0), "RE: " + req.subject, t, None)
    return emit_outlook(m, n, html=False, in_reply_to=req.msgid), rj(
        "outlook-desktop", "en", reply, "Outlook plain-text compose with a '-- ' delimited signature before the "
        "'-----Original Message-----' history.", "Rui")


@F("replies", "outlook_from_line_in_text")
def _(n):
    req = request(TOM, "bins", 90, uk(2026, 3, 9, 9, 0, 0))
    reply = ("Hi SPOC,\n\nThe missed collections are recorded and the crew went back on Saturday.\n\n"
             "From: 1 April 2026 his collection day moves from Tuesday to Thursday, as for the whole of Orchard Close. "
             "He will get the new calendar with his council tax bill.\n\n"
             "Sent: the garden waste refund (£14.50) to Revenues for payment this week.")
    so = "Tom"
    return re_outlook(n, TOM, req, reply, so, sig("tom", True), uk(2026, 3, 9, 14, 0, 0)), rj(
        "outlook-desktop", "en", reply, "TRAP: the officer's own text has lines beginning 'From: 1 April 2026 ...' and "
        "'Sent: the garden waste refund ...' - these are not a header block; the real quoted block comes after the "
        "signature.", so)


@F("replies", "gmail_pasted_header_lines")
def _(n):
    req = request(PRIYA, "noise", 56, uk(2026, 9, 14, 9, 0, 0))
    reply = ("Hi,\n\nI've found the email Mr Example says we never answered. It was this one:\n\n"
             "From: Jordan Example\nDate: 3 December 2025\nSubject: Noise again\n\n"
             "and I replied to it on 5 December (copy attached to the case file EH/25/0988). So he did get an answer.")
    so = "Priya"
    return re_gmail(n, P("Priya Shah", "priya.shah.eho@mailbox.example"), req, reply, so, None, uk(2026, 9, 14, 13, 0, 0)), rj(
        "gmail", "en", reply, "HARD: the officer pasted three header-like lines ('From: Jordan Example' / 'Date: 3 December "
        "2025' / 'Subject: Noise again') into her own answer. They are part of the new text; the real history starts "
        "at the 'On Mon, 14 Sept 2026 at 09:00, SPOC ...' attribution.", so)


@F("replies", "outlook_not_for_me")
def _(n):
    req = request(ALEX, "housing", 50, uk(2026, 4, 28, 9, 0, 0))
    reply = "This isn't my area, please try Housing."
    return re_outlook(n, ALEX, req, reply, None, sig("alex", True), uk(2026, 4, 28, 9, 3, 0)), rj(
        "outlook-desktop", "en", reply, "The 'not for me' reply: the request went to the wrong service.")


@F("replies", "outlook_desktop_html_only")
def _(n):
    req = request(FFION, "tree", 76, uk(2026, 6, 1, 9, 0, 0))
    reply = "Hi SPOC,\n\nThe crown reduction was carried out on 28 May. I have photos if Mr Example disputes it."
    so = "Ffion"
    return re_outlook(n, FFION, req, reply, so, sig("ffion", True), uk(2026, 6, 1, 12, 0, 0), text=False), rj(
        "outlook-desktop", "en", reply, "Outlook desktop HTML only (Word HTML, MsoNormal paragraphs, border-top div "
        "before <b>From:</b>).", so)


@F("replies", "outlook_no_history")
def _(n):
    req = request(SAM, "housing", 77, uk(2026, 10, 5, 9, 0, 0))
    reply = "Hi,\n\nThe tenant has moved to a new flat on 2 October so the repair has been cancelled. Case closed from Housing's side."
    so = "Thanks\nSam"
    t = _txt(reply, so) + "\n\n" + sig("sam", True) + "\n"
    m = Mail(SAM, [SPOC], uk(2026, 10, 5, 10, 0, 0), "RE: " + req.subject, t, text_to_mso(t))
    return emit_outlook(m, n, in_reply_to=req.msgid), rj(
        "outlook-desktop", "en", reply, "Officer deleted the quoted history: only text + signature + disclaimer.", so)


@F("replies", "outlook_smart_quotes_qp")
def _(n):
    req = request(CHRIS, "counciltax", 78, uk(2026, 4, 14, 9, 0, 0))
    reply = ("Hi SPOC –\n\nThe “second adult” was a data-matching error from the electoral register. I’ve reinstated "
             "the 25% discount and the balance is now £0.00 – he doesn’t need to do anything.")
    so = "Cheers,\nChris"
    return re_outlook(n, CHRIS, req, reply, so, sig("chris", True), uk(2026, 4, 14, 11, 0, 0)), rj(
        "outlook-desktop", "en", reply, "Typographic characters (en dash, curly quotes, apostrophes, £) in "
        "quoted-printable UTF-8.", so)


@F("replies", "outlook_inline_bracketed")
def _(n):
    req = request(ALEX, "planning", 79, uk(2026, 7, 6, 9, 0, 0))
    lead = "Hi, see my answers below in blue."
    ans = ["[Alex Jones] Yes - validated on 3 December 2025.", "[Alex Jones] 31 July 2026 (extension of time agreed).",
           "[Alex Jones] Yes."]
    lines = []
    for line in req.text.rstrip("\n").split("\n"):
        lines.append(line)
        for i in range(3):
            if line.startswith(f"{i + 1}. "):
                lines.append(ans[i])
    req2 = Mail(req.sender, req.to, req.date, req.subject, "\n".join(lines) + "\n", None)
    t, h = fw_outlook(req2, lead + "\n\nAlex", sig("alex", True))
    for a in ans:
        h = h.replace(esc(a), f'<span style="color:#0070C0">{esc(a)}</span>')
    m = Mail(ALEX, [SPOC], uk(2026, 7, 6, 12, 0, 0), "RE: " + req.subject, t, h)
    reply = lead + "\n\n" + "\n\n".join(ans)
    return emit_outlook(m, n, in_reply_to=req.msgid), rj(
        "outlook-desktop", "en", reply, "Outlook-style inline answers: no '>' quoting at all; the officer typed answers "
        "(blue in the HTML) into the unquoted history under each question, tagged '[Alex Jones]'. reply_text = "
        "lead-in + the three tagged answers.", "Alex", inline=True)


@F("replies", "windows_mail")
def _(n):
    req = request(PAT, "complaint", 86, uk(2026, 8, 24, 9, 0, 0), first="Pat")
    reply = "I have no record of Mr Example contacting me about the phone call. Happy to be quoted on that."
    t = (reply + "\n\nPat\n\nSent from Mail<https://go.microsoft.com/fwlink/?LinkId=550986> for Windows\n\n"
         "From: SPOC<mailto:spoc@council.example>\n" f"Sent: {outlook_date(req.date)}\n"
         "To: Cllr Pat Smith<mailto:pat.smith@council.example>\n" f"Subject: {req.subject}\n\n" + req.text)
    m = Mail(PAT, [SPOC], uk(2026, 8, 24, 20, 0, 0), "RE: " + req.subject, t, None)
    return emit_generic(m, n, family="windows-mail", html=False, in_reply_to=req.msgid), rj(
        "windows-mail", "en", reply, "Windows 10 Mail: 'Sent from Mail<...> for Windows' then 'From: SPOC<mailto:...>' history.", "Pat")


# ==========================================================================
# AUTO-REPLIES (and human look-alikes)
# ==========================================================================

def aj(auto: bool, why: str, **extra) -> dict:
    d = {"auto_reply": auto, "why": why}
    d.update(extra)
    return d


def _spoc_req_subject(ref=42):
    return f"[SPOC-2026-{ref:04d}] Request for information - Planning application 25/01234/FUL, 14 Mill Lane"


def _simple(hdrs: list, text: str, *, ct="text/plain; charset=utf-8", cte="7bit", html: str | None = None,
            bnd: str | None = None) -> bytes:
    if html is None:
        body = Part([("Content-Type", ct), ("Content-Transfer-Encoding", cte)], enc_body(text, cte))
    else:
        body = alt_or_leaf(text, html, bnd=bnd, text_cte=cte, html_cte=cte)
    return message(hdrs + [("*", "")], body, mime_version="1.0")


def _oof_exchange(n, who: P, subject_prefix: str, text: str, lang: str, *, auto_hdrs=True, suppress=True,
                  ref=42, when=None):
    r = rng("emit", n)
    when = when or uk(2026, 1, 14, 10, 15, 5)
    host = ms_host(r)
    req_mid = mid_outlook(rng("req", ref))
    hdrs = [("Received", received_o365(r, when, host)), ("From", hdr_addr(who, "b")), ("To", hdr_addr(SPOC)),
            ("Subject", hdr_subject(subject_prefix + _spoc_req_subject(ref), "b")),
            ("Thread-Topic", _spoc_req_subject(ref)), ("Thread-Index", thread_index(r)),
            ("Date", rfcdate(when.astimezone(timezone.utc)).replace("-0000", "+0000")), ("Message-ID", mid_outlook(r, host)),
            ("References", req_mid), ("In-Reply-To", req_mid), ("Content-Language", lang)]
    if auto_hdrs:
        hdrs += [("X-MS-Has-Attach", ""), ("X-MS-Exchange-Organization-SCL", "-1"), ("X-MS-TNEF-Correlator", ""),
                 ("Auto-Submitted", "auto-generated")]
    if suppress:
        hdrs.append(("X-Auto-Response-Suppress", "All"))
    html = OWA_HEAD + f'<div dir="ltr">{text_to_p(text)}</div>' + OWA_TAIL
    return _simple(hdrs, text, html=html, bnd=b_outlook(r, "000", host), cte="quoted-printable")


OOF_EN = ("I am out of the office until Monday 19 January 2026 with no access to email.\n\n"
          "For urgent planning enquiries please contact planning@council.example or call 01234 567890.\n\n"
          "Alex Jones\nSenior Planning Officer")


@F("auto", "exchange_oof_automatic_reply")
def _(n):
    return _oof_exchange(n, ALEX, "Automatic reply: ", OOF_EN, "en-GB"), aj(
        True, "Exchange out-of-office: subject 'Automatic reply: ...', Auto-Submitted: auto-generated and "
        "X-Auto-Response-Suppress: All.")


@F("auto", "exchange_oof_fr")
def _(n):
    t = ("Je suis absente du bureau jusqu'au 19 janvier 2026.\nPour toute urgence, merci de contacter le secrétariat "
         "des élus au 01234 567800.\n\nHélène Dubois")
    return _oof_exchange(n, HELENE, "Réponse automatique : ", t, "fr-FR"), aj(
        True, "French Exchange OOF: subject 'Réponse automatique : ...' (B-encoded), with Auto-Submitted: auto-generated.")


@F("auto", "exchange_oof_de_suppress_only")
def _(n):
    t = "Ich bin bis einschließlich 16.01.2026 nicht im Büro. Ihre Nachricht wird nicht weitergeleitet.\n\nJürgen Weiß"
    return _oof_exchange(n, JURGEN, "Automatische Antwort: ", t, "de-DE", auto_hdrs=False), aj(
        True, "German Exchange OOF 'Automatische Antwort: ...' carrying X-Auto-Response-Suppress: All but NO "
        "Auto-Submitted header.")


@F("auto", "exchange_oof_es_subject_only")
def _(n):
    t = "Estoy fuera de la oficina hasta el 19 de enero. / I am away until 19 January.\n\nLucía Fernández"
    return _oof_exchange(n, LUCIA, "Respuesta automática: ", t, "es-ES", auto_hdrs=False, suppress=False), aj(
        True, "Spanish Exchange OOF 'Respuesta automática: ...' after a relay stripped every auto header: only the "
        "subject says it is automatic.")


@F("auto", "outlook_rule_out_of_office")
def _(n):
    r = rng("emit", n)
    when = uk(2026, 1, 14, 10, 16, 0)
    hdrs = [("From", hdr_addr(PRIYA)), ("To", hdr_addr(SPOC)), ("Subject", "Out of Office: " + _spoc_req_subject(51)),
            ("Date", rfcdate(when)), ("Message-ID", mid_outlook(r)), ("X-Mailer", "Microsoft Outlook 16.0")]
    return _simple(hdrs, "I'm on leave until 21 January. For noise complaints please use noise@council.example.\n\nPriya"), aj(
        True, "Client-side Outlook rule reply: subject 'Out of Office: ...', no RFC 3834 headers at all.")


@F("auto", "rfc3834_auto_replied_vacation")
def _(n):
    r = rng("emit", n)
    when = uk(2026, 8, 3, 9, 0, 2)
    hdrs = [("MIME-Version", "1.0"), ("From", hdr_addr(PAT_PERSONAL)), ("Date", rfcdate(when)), ("Message-ID", mid_gmail(r)),
            ("Subject", "On holiday until 17 August"), ("To", hdr_addr(SPOC)), ("Auto-Submitted", "auto-replied"),
            ("In-Reply-To", mid_outlook(rng("req", 91)))]
    return _simple(hdrs, "Thanks for your email. I'm on holiday until 17 August and will reply when I'm back.\n\nPat Smith",
                   ct='text/plain; charset="UTF-8"'), aj(
        True, "Gmail vacation responder: 'Auto-Submitted: auto-replied' (RFC 3834); subject is free text.")


@F("auto", "x_autoreply_yes")
def _(n):
    r = rng("emit", n)
    hdrs = [("Date", rfcdate(uk(2026, 2, 9, 12, 0, 1))), ("From", hdr_addr(P("Daniel O'Brien", "dobrien@zimbra.example"))),
            ("To", hdr_addr(SPOC)), ("Message-ID", f"<{r.randint(10**8, 10**9)}.{r.randint(10**5, 10**6)}.JavaMail.zimbra@zimbra.example>"),
            ("Subject", "Away from my desk"), ("X-Autoreply", "yes"), ("X-Mailer", "Zimbra 10.0.8_GA_4611")]
    return _simple(hdrs, "I am away from my desk this afternoon and will respond tomorrow."), aj(
        True, "'X-Autoreply: yes' (Zimbra / Postfix vacation).")


@F("auto", "x_autorespond_cpanel")
def _(n):
    r = rng("emit", n)
    hdrs = [("Return-Path", "<>"), ("Date", rfcdate(uk(2026, 3, 2, 8, 0, 0))),
            ("From", hdr_addr(P("Cllr Ahmed Rahman", "cllr@ahmedrahman.example"))), ("To", "spoc@council.example"),
            ("Subject", "Thank you for contacting Councillor Rahman"), ("Message-ID", f"<{rhex(r, 16, False)}@ahmedrahman.example>"),
            ("X-Autorespond", "Thank you for contacting Councillor Rahman")]
    return _simple(hdrs, "Thank you for your email. I try to reply within five working days. For emergencies please "
                         "call the council on 01234 567890."), aj(
        True, "cPanel autoresponder: 'X-Autorespond:' header (plus empty Return-Path).")


@F("auto", "precedence_bulk_ticket_ack")
def _(n):
    r = rng("emit", n)
    hdrs = [("Date", rfcdate(uk(2026, 12, 1, 9, 16, 0))), ("From", hdr_addr(P("StreetLight Services Helpdesk", "helpdesk@streetlights.example"))),
            ("To", hdr_addr(SPOC)), ("Subject", "Fault SL-45120 received - Church Walk column 14"),
            ("Message-ID", f"<{rhex(r, 24, False)}@streetlights.example>"), ("Precedence", "bulk")]
    return _simple(hdrs, "Your fault report SL-45120 has been received. Please do not reply to this email."), aj(
        True, "Contractor helpdesk acknowledgement with 'Precedence: bulk'.")


@F("auto", "precedence_junk_vacation")
def _(n):
    hdrs = [("Date", rfcdate(uk(2026, 4, 6, 11, 0, 0))), ("From", hdr_addr(P("Rui Costa", "rui@costa-family.example"))),
            ("To", "spoc@council.example"), ("Subject", "Re: " + _spoc_req_subject(80)), ("Precedence", "junk"),
            ("Message-ID", "<20260406100000.4F2A1C0042@costa-family.example>")]
    return _simple(hdrs, "I am away until 13 April.\n\n--\nRui"), aj(
        True, "Classic Unix vacation(1) reply: 'Precedence: junk' and a 'Re:' subject - looks like a human reply otherwise.")


@F("auto", "precedence_list_digest")
def _(n):
    hdrs = [("Date", rfcdate(uk(2026, 5, 1, 6, 0, 0))), ("From", "Council Members Briefing <members-briefing@lists.council.example>"),
            ("To", "members-briefing@lists.council.example"), ("Subject", "[Members Briefing] Digest, Vol 12, Issue 5"),
            ("Precedence", "list"), ("List-Id", "Members Briefing <members-briefing.lists.council.example>"),
            ("List-Unsubscribe", "<mailto:members-briefing-request@lists.council.example?subject=unsubscribe>"),
            ("Message-ID", "<mailman.412.1777615200.1234.members-briefing@lists.council.example>")]
    return _simple(hdrs, "Today's Topics:\n\n   1. Planning committee dates (Democratic Services)\n   2. Ward budgets 2026/27 (Finance)\n"), aj(
        True, "Mailing-list digest: 'Precedence: list' with List-Id; must never be auto-answered or treated as a customer.")


@F("auto", "precedence_auto_reply")
def _(n):
    hdrs = [("Date", rfcdate(uk(2026, 6, 15, 9, 0, 0))), ("From", hdr_addr(P("Housing Repairs", "repairs@housingpartner.example"))),
            ("To", hdr_addr(SPOC)), ("Subject", "We have received your email"), ("Precedence", "auto_reply"),
            ("Message-ID", "<ack-8812734@housingpartner.example>")]
    return _simple(hdrs, "Thank you for contacting Housing Repairs. We aim to respond within 3 working days."), aj(
        True, "'Precedence: auto_reply' (non-standard value used by some ticketing systems).")


@F("auto", "x_auto_response_suppress_portal")
def _(n):
    hdrs = [("Date", rfcdate(uk(2026, 1, 30, 14, 0, 0))), ("From", "Planning Portal <noreply@planning.council.example>"),
            ("To", hdr_addr(SPOC)), ("Subject", "Comment received on application 25/01234/FUL"),
            ("X-Auto-Response-Suppress", "All"), ("Message-ID", "<portal-20260130140000-77102@planning.council.example>")]
    return _simple(hdrs, "A comment has been received from Mr J Example on application 25/01234/FUL.\n\nThis is an automated message."), aj(
        True, "System notification marked only with 'X-Auto-Response-Suppress: All' (and a noreply sender).")


@F("auto", "empty_return_path_read_receipt")
def _(n):
    r = rng("emit", n)
    bnd = b_outlook(r, "000")
    when = uk(2026, 1, 14, 11, 0, 0)
    notif = Part([("Content-Type", 'text/plain; charset="utf-8"'), ("Content-Transfer-Encoding", "7bit")],
                 enc_body(f"Your message\n\nTo: Alex Jones\nSubject: {_spoc_req_subject()}\nSent: Wednesday, 14 January 2026 10:15:00 (UTC+00:00) Dublin, Edinburgh, Lisbon, London\n\nwas read on Wednesday, 14 January 2026 11:00:00 (UTC+00:00) Dublin, Edinburgh, Lisbon, London.\n", "7bit"))
    mdn = Part([("Content-Type", "message/disposition-notification")],
               enc_body("Final-Recipient: rfc822;alex.jones@council.example\nDisposition: automatic-action/MDN-sent-automatically; displayed\n"
                        f"Original-Message-ID: {mid_outlook(rng('req', 42))}\n", "7bit"))
    body = multipart("report", [notif, mdn], bnd, params="; report-type=disposition-notification")
    hdrs = [("Return-Path", "<>"), ("From", hdr_addr(ALEX)), ("To", hdr_addr(SPOC)), ("Subject", "Read: " + _spoc_req_subject()),
            ("Date", rfcdate(when)), ("Message-ID", mid_outlook(r)), ("Content-Language", "en-GB"), ("*", "")]
    return message(hdrs, body), aj(
        True, "Outlook read receipt: empty 'Return-Path: <>' and multipart/report; report-type=disposition-notification.")


@F("auto", "dsn_delivery_status")
def _(n):
    r = rng("emit", n)
    bnd = f"{rhex(r, 8)}.{r.randint(10**9, 10**10)}/mx1.council.example"
    when = uk(2026, 2, 2, 10, 21, 0)
    orig_hdrs = (f"From: SPOC <spoc@council.example>\nTo: j.example1962@mailbox.example\nSubject: Your enquiry SPOC-2026-0042\n"
                 f"Date: {rfcdate(uk(2026, 2, 2, 10, 20, 0))}\nMessage-ID: {mid_outlook(r)}\n")
    p1 = Part([("Content-Description", "Notification"), ("Content-Type", "text/plain; charset=us-ascii")],
              enc_body("This is the mail system at host mx1.council.example.\n\nI'm sorry to have to inform you that your message could not\n"
                       "be delivered to one or more recipients.\n\n<j.example1962@mailbox.example>: host mx.mailbox.example[192.0.2.25] said: 550 5.1.1\n"
                       "    <j.example1962@mailbox.example>: Recipient address rejected: User unknown\n", "7bit"))
    p2 = Part([("Content-Description", "Delivery report"), ("Content-Type", "message/delivery-status")],
              enc_body("Reporting-MTA: dns; mx1.council.example\nX-Postfix-Queue-ID: 4dQ7kz3YbNz9sWq\nArrival-Date: "
                       f"{rfcdate(uk(2026, 2, 2, 10, 20, 58))}\n\nFinal-Recipient: rfc822; j.example1962@mailbox.example\n"
                       "Original-Recipient: rfc822;j.example1962@mailbox.example\nAction: failed\nStatus: 5.1.1\n"
                       "Remote-MTA: dns; mx.mailbox.example\nDiagnostic-Code: smtp; 550 5.1.1 <j.example1962@mailbox.example>:\n"
                       "    Recipient address rejected: User unknown\n", "7bit"))
    p3 = Part([("Content-Description", "Undelivered Message Headers"), ("Content-Type", "text/rfc822-headers")], enc_body(orig_hdrs, "7bit"))
    body = multipart("report", [p1, p2, p3], bnd, params="; report-type=delivery-status", preamble="This is a MIME-encapsulated message.")
    hdrs = [("Return-Path", "<>"), ("Date", rfcdate(when)), ("From", "MAILER-DAEMON@mx1.council.example (Mail Delivery System)"),
            ("Subject", "Undelivered Mail Returned to Sender"), ("To", "spoc@council.example"), ("Auto-Submitted", "auto-replied"),
            ("MIME-Version", "1.0"), ("*", ""), ("Message-Id", "<20260202102100.5E2F11A0042@mx1.council.example>")]
    return message(hdrs, body, mime_version=None), aj(
        True, "Postfix bounce: multipart/report; report-type=delivery-status, MAILER-DAEMON, empty Return-Path, Auto-Submitted.")


@F("auto", "bounce_plain_mailer_daemon")
def _(n):
    hdrs = [("Return-Path", "<>"), ("Date", rfcdate(uk(2026, 3, 3, 3, 3, 3))), ("From", "Mail Delivery Subsystem <mailer-daemon@webmail.example>"),
            ("To", "spoc@council.example"), ("Subject", "Delivery Status Notification (Delay)"),
            ("Message-ID", "<dsn-0303-99812@webmail.example>")]
    return _simple(hdrs, "Your message to jordan.e@webmail.example has not been delivered yet. The server will keep trying for 2 more days."), aj(
        True, "Plain-text delay notice (no multipart/report) recognisable by 'Return-Path: <>' and the MAILER-DAEMON sender.")


@F("auto", "auto_generated_system")
def _(n):
    hdrs = [("Date", rfcdate(uk(2026, 4, 1, 0, 5, 0))), ("From", "Uniform <uniform-noreply@council.example>"),
            ("To", hdr_addr(SPOC)), ("Subject", "Task overdue: SPOC-2026-0042"), ("Auto-Submitted", "auto-generated"),
            ("Message-ID", "<uniform.task.88123@council.example>")]
    return _simple(hdrs, "Task SPOC-2026-0042 assigned to Alex Jones is 5 days overdue."), aj(
        True, "Internal system notification: 'Auto-Submitted: auto-generated'.")


# ---- negatives ----------------------------------------------------------------------

@F("auto", "neg_auto_submitted_no")
def _(n):
    hdrs = [("Date", rfcdate(uk(2026, 1, 15, 9, 0, 0))), ("From", hdr_addr(JORDAN)), ("To", hdr_addr(SPOC)),
            ("Subject", "Re: Your enquiry SPOC-2026-0042"), ("Auto-Submitted", "no"), ("Message-ID", "<ff01a2b3@example.org>")]
    return _simple(hdrs, "Thank you for your reply but it does not answer my question. Who is the case officer?\n\nJordan Example"), aj(
        False, "Human mail that explicitly carries 'Auto-Submitted: no' (RFC 3834 says this means NOT automatic).")


@F("auto", "neg_subject_out_of_office_hours")
def _(n):
    r = rng("emit", n)
    hdrs = [("MIME-Version", "1.0"), ("From", hdr_addr(JORDAN_1962)), ("Date", rfcdate(uk(2026, 7, 11, 23, 50, 0))),
            ("Message-ID", mid_gmail(r)), ("Subject", "Noise from The Red Lion out of office hours - who do I call?"),
            ("To", hdr_addr(SPOC))]
    return _simple(hdrs, "It is nearly midnight and the music is still going. The out of hours noise line says the mailbox is full. "
                         "What am I supposed to do out of office hours?\n\nJordan", ct='text/plain; charset="UTF-8"'), aj(
        False, "Human complaint whose subject merely contains 'out of office hours'.")


@F("auto", "neg_subject_starts_automatic_reply_words")
def _(n):
    r = rng("emit", n)
    hdrs = [("From", hdr_addr(MEGAN)), ("To", hdr_addr(SPOC)), ("Subject", "Automatic reply on the SPOC mailbox gives the wrong phone number"),
            ("Date", rfcdate(uk(2026, 2, 20, 10, 0, 0))), ("Message-ID", mid_outlook(r))]
    return _simple(hdrs, "Hi both,\n\nThe automatic acknowledgement customers get from the SPOC mailbox still has the old 01234 500000 number. "
                         "Can you update it?\n\nMegan"), aj(
        False, "Officer writing ABOUT an auto-reply: subject starts with the words 'Automatic reply' but without the colon "
        "prefix, and no auto headers.")


@F("auto", "neg_forwarded_oof")
def _(n):
    r = rng("emit", n)
    t = ("SPOC - FYI Alex is off until the 19th so this will be late. I've asked his manager to cover.\n\nSam\n\n"
         f"From: Alex Jones <alex.jones@council.example>\nSent: 14 January 2026 10:15\nTo: SPOC <spoc@council.example>\n"
         f"Subject: Automatic reply: {_spoc_req_subject()}\n\n{OOF_EN}\n")
    hdrs = [("From", hdr_addr(SAM)), ("To", hdr_addr(SPOC)), ("Subject", "FW: Automatic reply: " + _spoc_req_subject()),
            ("Date", rfcdate(uk(2026, 1, 14, 11, 0, 0))), ("Message-ID", mid_outlook(r)), ("Content-Language", "en-GB")]
    return _simple(hdrs, t, cte="quoted-printable"), aj(
        False, "A human forwarding somebody's out-of-office: subject 'FW: Automatic reply: ...' but written by a person "
        "with no auto headers.")


@F("auto", "neg_customer_complains_about_autoreply")
def _(n):
    r = rng("emit", n)
    hdrs = [("From", hdr_addr(JORDAN)), ("Content-Type", None), ("Mime-Version", "1.0 (1.0)"),
            ("Subject", "Re: Your out-of-office reply is rude"), ("Date", rfcdate(uk(2026, 1, 14, 12, 0, 0))),
            ("In-Reply-To", mid_outlook(rng("x", n))), ("To", hdr_addr(SPOC)), ("Message-Id", mid_apple(r, "example.org")),
            ("X-Mailer", "iPhone Mail (22D82)")]
    hdrs = [(k, "text/plain; charset=us-ascii" if k == "Content-Type" else v) for k, v in hdrs]
    return render_headers(hdrs) + b"Content-Transfer-Encoding: 7bit\r\n\r\n" + enc_body(
        "Being told an officer is 'out of the office' for a week is not acceptable. Who is covering?\n\nSent from my iPhone", "7bit"), aj(
        False, "Customer replying to an out-of-office, subject mentions 'out-of-office reply'; human, no auto headers.")


@F("auto", "neg_ordinary_officer_mail")
def _(n):
    r = rng("emit", n)
    hdrs = [("Received", received_o365(r, uk(2026, 5, 5, 9, 0, 1))), ("From", hdr_addr(DANIEL)), ("To", hdr_addr(SPOC)),
            ("Subject", "Stage 2 - Mr Example"), ("Thread-Topic", "Stage 2 - Mr Example"), ("Thread-Index", thread_index(r)),
            ("Date", rfcdate(uk(2026, 5, 5, 9, 0, 0))), ("Message-ID", mid_outlook(r)), ("Accept-Language", "en-GB, en-US"),
            ("Content-Language", "en-GB"), ("X-MS-Has-Attach", ""), ("X-MS-TNEF-Correlator", ""), ("Importance", "high"),
            ("X-Priority", "1")]
    return _simple(hdrs, "Hi, can we have 10 minutes today about Mr Example's stage 2? Daniel", cte="quoted-printable"), aj(
        False, "Ordinary Exchange mail from an officer with full Outlook headers (Thread-Index, X-MS-*) and high importance, "
        "but nothing that marks it automatic.")


# ==========================================================================
# BROKEN
# ==========================================================================

def bj(notes: str, from_email: str | None, **extra) -> dict:
    d = {"expect_defects": True, "notes": notes, "from_email": from_email}
    d.update(extra)
    return d


def _hdr_block(lines: list[str]) -> bytes:
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@F("broken", "boundary_mismatch")
def _(n):
    raw = _hdr_block([
        "From: Jordan Example <jordan@example.org>", "To: SPOC <spoc@council.example>", "Subject: Complaint",
        f"Date: {rfcdate(uk(2026, 2, 1, 9, 0, 0))}", "Message-ID: <bm-20260201@example.org>", "MIME-Version: 1.0",
        'Content-Type: multipart/alternative; boundary="b1_7c2e4f"'])
    raw += (b"--b1_7c2e4g\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nI want a reply today.\r\n"
            b"--b1_7c2e4g\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>I want a reply today.</p>\r\n--b1_7c2e4g--\r\n")
    return raw, bj("Declared boundary 'b1_7c2e4f' never occurs; the parts use 'b1_7c2e4g'. Python reports "
                   "StartBoundaryNotFoundDefect; body text still recoverable by a tolerant parser.", "jordan@example.org")


@F("broken", "missing_close_boundary_truncated")
def _(n):
    raw = _hdr_block([
        "From: Jordan Example <jordan@example.org>", "To: spoc@council.example", "Subject: FW: Bins",
        f"Date: {rfcdate(uk(2026, 2, 2, 9, 0, 0))}", "Message-ID: <tr-20260202@example.org>", "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="----=_Part_1_2"'])
    raw += (b"------=_Part_1_2\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee below.\r\n\r\n"
            b"---------- Forwarded message ---------\r\nFrom: Jordan Example <jordan@example.org>\r\nDate: Mon, 2 Feb 2026 at 08:00\r\n"
            b"Subject: Bins\r\n\r\nThe bins were missed ag")
    return raw, bj("Connection dropped mid-message: no closing boundary, text cut mid-word inside a forwarded block "
                   "(Subject present, To missing).", "jordan@example.org")


@F("broken", "unknown_charset_x_unknown_8bit")
def _(n):
    raw = _hdr_block([
        "From: Jordan Example <j.example1962@mailbox.example>", "To: spoc@council.example", "Subject: Caf\xe9 noise".encode("latin-1").decode("latin-1"),
        f"Date: {rfcdate(uk(2026, 3, 1, 9, 0, 0))}", "Message-ID: <cs-20260301@mailbox.example>", "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=x-unknown-8bit", "Content-Transfer-Encoding: 8bit"])
    raw = raw.replace("Subject: Café noise".encode("utf-8"), "Subject: Café noise".encode("latin-1"))
    raw += "The caf\xe9 opposite plays music until 11pm \x96 every night. \x93Enough\x94 is enough.\r\n".encode("latin-1")
    return raw, bj("charset=x-unknown-8bit (unknown to every codec registry) over windows-1252 bytes; the Subject header "
                   "also contains a raw 0xE9.", "j.example1962@mailbox.example")


@F("broken", "missing_from_date_message_id")
def _(n):
    raw = _hdr_block(["To: spoc@council.example", "Subject: no sender", "MIME-Version: 1.0",
                      "Content-Type: text/plain; charset=us-ascii"]) + b"Who is dealing with my complaint?\r\n"
    return raw, bj("No From, Date or Message-ID at all (as left by a broken web form relay).", None)


@F("broken", "duplicate_subject_and_from")
def _(n):
    raw = _hdr_block([
        "From: Jordan Example <jordan@example.org>", "Subject: Planning objection",
        f"Date: {rfcdate(uk(2026, 3, 2, 9, 0, 0))}", "To: spoc@council.example",
        "From: J Example <jordan.e@webmail.example>", "Subject: URGENT planning objection",
        "Message-ID: <dup-20260302@example.org>", "MIME-Version: 1.0", "Content-Type: text/plain; charset=us-ascii"])
    raw += b"Please treat as urgent.\r\n"
    return raw, bj("Two From: and two Subject: headers with different values (RFC 5322 allows one). from_email is the "
                   "FIRST From (what Python's email returns); a parser might reasonably flag the conflict instead.",
                   "jordan@example.org", alternative_from_email="jordan.e@webmail.example")


@F("broken", "bad_rfc2047_words")
def _(n):
    raw = _hdr_block([
        "From: =?utf-8?B?Wm/DqyBCcsO4bm5lcg=!?= <zoe.bronner@mailbox.example>",
        "To: =?x-bogus-charset?Q?SPOC_Team?= <spoc@council.example>",
        "Subject: =?utf-8?Q?Zo=EB_Br=F8nner_complaint?= =?utf-8?B?dHJ1bmNhdGVk",
        f"Date: {rfcdate(uk(2026, 3, 3, 9, 0, 0))}", "Message-ID: <2047-20260303@mailbox.example>", "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"])
    raw += "My name is Zoë Brønner and I live at 5 Orchard Close.\r\n".encode("utf-8")
    return raw, bj("Broken encoded-words: invalid base64 padding in the From name, an unknown charset in To, Latin-1 bytes "
                   "labelled utf-8 in the Subject, and an unterminated encoded-word.", "zoe.bronner@mailbox.example")


@F("broken", "raw_8bit_latin1_headers")
def _(n):
    hdr = ("From: Zoë Brønner <zoe.bronner@mailbox.example>\r\nTo: spoc@council.example\r\n"
           "Subject: Støj fra naboen / noise from next door\r\n"
           f"Date: {rfcdate(uk(2026, 3, 4, 9, 0, 0))}\r\nMessage-ID: <l1-20260304@mailbox.example>\r\nMIME-Version: 1.0\r\n"
           "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n").encode("latin-1")
    return hdr + "Hilsen / regards, Zoë\r\n".encode("latin-1"), bj(
        "Raw 8-bit ISO-8859-1 bytes in From: and Subject: (no RFC 2047), e.g. 0xEB for ë, 0xF8 for ø.",
        "zoe.bronner@mailbox.example")


@F("broken", "truncated_base64")
def _(n):
    b64 = base64.encodebytes(("Dear SPOC,\r\n\r\nPlease find my FOI request below. " * 8).encode()).decode().replace("\n", "\r\n")
    cut = b64[:len(b64) // 2 - 3]
    raw = _hdr_block([
        "From: Jordan Example <jordan@example.org>", "To: spoc@council.example", "Subject: FOI",
        f"Date: {rfcdate(uk(2026, 3, 5, 9, 0, 0))}", "Message-ID: <b64-20260305@example.org>", "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="XyZ"'])
    raw += (b"--XyZ\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + cut.encode()
            + b"\r\n--XyZ\r\nContent-Type: application/pdf; name=\"foi.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjcKJeLjz9MK\r\nMSAwIG9iago8")
    return raw, bj("Base64 text part cut off mid-quantum (length not a multiple of 4); a PDF attachment truncated; no "
                   "closing boundary.", "jordan@example.org")


@F("broken", "mangled_nested_forward_block")
def _(n):
    t = ("SPOC - see below, it's got a bit mangled by my phone.\r\n\r\nPat\r\n\r\n"
         "> ---------- Forwarded message ---------\r\n"
         "> From: Jordan Example <jordan@exa\r\nmple.org> Date: Wed, 14 Jan 2026 at 10:15\r\n"
         ">>> Subject: Bins\r\n"
         ">\r\n> > > ________________________________\r\n> > > From: Cllr Pat Smith\r\n"
         ">Sent: 13 January\r\n"
         "> > > Subject: RE: Bins not col\r\n> lected\r\n>\r\n> The bins are still not collected.\r\n")
    raw = _hdr_block([
        "From: Cllr Pat Smith <pat.smith@council.example>", "To: spoc@council.example", "Subject: Fwd: Bins",
        f"Date: {rfcdate(uk(2026, 1, 14, 12, 0, 0))}", "Message-ID: <mangle-20260114@council.example>", "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8"]) + t.encode()
    return raw, bj("MIME is fine but the nested forward header blocks are mangled: the address is broken across a line "
                   "('jordan@exa' / 'mple.org>'), From and Date run together on one line, quote depths jump (> / >>> / "
                   "> > >), a Subject continuation is wrapped, the inner block has no To:. A parser should not crash, and "
                   "should not invent a confident sender for the inner block.", "pat.smith@council.example",
                   defect_kind="content")


@F("broken", "zero_byte_body")
def _(n):
    raw = _hdr_block(["From: Jordan Example <jordan@example.org>", "To: spoc@council.example", "Subject: (no subject)",
                      f"Date: {rfcdate(uk(2026, 3, 6, 9, 0, 0))}", "Message-ID: <empty-20260306@example.org>",
                      "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"])
    return raw, bj("Valid headers followed by a completely empty body (0 bytes after the blank line).", "jordan@example.org")


@F("broken", "zero_byte_file")
def _(n):
    return b"", bj("The .eml file is empty (0 bytes).", None)


@F("broken", "garbage_bytes")
def _(n):
    r = rng("garbage", n)
    return bytes(r.randrange(256) for _ in range(2048)), bj("2 KiB of random bytes: not a mail at all.", None)


@F("broken", "nul_bytes_bare_cr")
def _(n):
    raw = _hdr_block(["From: Jordan Example <jordan@example.org>", "To: spoc@council.example", "Subject: noise",
                      f"Date: {rfcdate(uk(2026, 3, 7, 9, 0, 0))}", "Message-ID: <nul-20260307@example.org>",
                      "Content-Type: text/plain; charset=utf-8"])
    raw += b"Line one\rLine two with a NUL \x00 byte\nLine three\r\n\x00\x00\x00Line four\r\n"
    return raw, bj("Body with NUL bytes and mixed bare-CR / bare-LF / CRLF line endings; no MIME-Version header.",
                   "jordan@example.org")


@F("broken", "header_without_colon_and_overlong")
def _(n):
    long_to = ", ".join(f"officer{i}@council.example" for i in range(60))
    raw = _hdr_block(["From: Jordan Example <jordan@example.org>", f"To: {long_to}", "This line is not a header",
                      "Subject: copied to everyone", f"Date: {rfcdate(uk(2026, 3, 8, 9, 0, 0))}",
                      "Message-ID: <long-20260308@example.org>", "Content-Type: text/plain"])
    raw += b"I have copied every officer I could find.\r\n"
    return raw, bj("A To: header of ~1,500 characters on one line (over RFC 5322's 998 limit), then a line with no colon in "
                   "the header section (Python treats it as MissingHeaderBodySeparatorDefect, so Subject/Date end up in "
                   "the body).", "jordan@example.org")


@F("broken", "multipart_without_boundary")
def _(n):
    raw = _hdr_block(["From: Jordan Example <jordan@example.org>", "To: spoc@council.example", "Subject: photos",
                      f"Date: {rfcdate(uk(2026, 3, 9, 9, 0, 0))}", "Message-ID: <nb-20260309@example.org>", "MIME-Version: 1.0",
                      "Content-Type: multipart/mixed"])
    raw += b"--\r\nContent-Type: text/plain\r\n\r\nPhotos attached.\r\n--\r\n"
    return raw, bj("multipart/mixed with no boundary parameter (NoBoundaryInMultipartDefect).", "jordan@example.org")


@F("broken", "bad_quoted_printable_and_unknown_cte")
def _(n):
    raw = _hdr_block(["From: Jordan Example <jordan@example.org>", "To: spoc@council.example", "Subject: Re: council tax",
                      f"Date: {rfcdate(uk(2026, 3, 10, 9, 0, 0))}", "Message-ID: <qp-20260310@example.org>", "MIME-Version: 1.0",
                      'Content-Type: multipart/alternative; boundary="q"'])
    raw += (b"--q\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            b"I owe =C2=A3312.40 =ZZ apparently and =E2=80 that is wrong=\r\n"
            b"\r\n--q\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: x-uuencode-ish\r\n\r\n"
            b"<p>I owe &pound;312.40</p>\r\n--q--\r\n")
    return raw, bj("Quoted-printable with an invalid escape '=ZZ', a truncated UTF-8 sequence '=E2=80' and a soft break at "
                   "the very end; the HTML part declares an unknown Content-Transfer-Encoding.", "jordan@example.org")


@F("broken", "html_declared_utf8_is_cp1252")
def _(n):
    raw = _hdr_block(["From: \"Example, Jordan\" <jordan@example.org>", "To: spoc@council.example",
                      "Subject: FW: tree", f"Date: {rfcdate(uk(2026, 3, 11, 9, 0, 0))}",
                      "Message-ID: <cp-20260311@example.org>", "MIME-Version: 1.0",
                      "Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: 8bit"])
    raw += ("<html><body><p>See below \x96 I\x92ve had enough.</p><div id=\"divRplyFwdMsg\"><b>From:</b> Jordan Example"
            " &lt;jordan@example.org&gt;<br><b>Sent:</b> 10 March 2026 18:00<br><b>Subject:</b> tree</div>"
            "<p>The tree is \x93dangerous\x94.</p></body></html>\r\n").encode("latin-1")
    return raw, bj("HTML-only forward declared utf-8 but actually Windows-1252 (0x92, 0x93, 0x94, 0x96 are invalid UTF-8).",
                   "jordan@example.org")


# ==========================================================================
# driver
# ==========================================================================

README_HEAD = """\
# Mail fixture corpus

Independent yardstick for spocmail's mail parsing: forwarded-mail origin
recovery, reply-text extraction, auto-reply detection and robustness against
bad input.  Every `NAME.eml` has a `NAME.json` with the expected answer.

**Do not hand-edit the .eml/.json files.**  They are (re)generated
deterministically by `_build_corpus.py` (byte-for-byte identical on every run):

    .venv/bin/python tests/mail/_build_corpus.py          # rebuild
    .venv/bin/python tests/mail/_build_corpus.py --check  # rebuild + sanity-check the answers

The generator assembles the MIME by hand (not via `email.generator`) so that
client quirks survive: CRLF line endings, Outlook `_000_` boundaries and
trailing blanks in header blocks, `<mailto:...>` link renderings, NBSP before
French colons, Thunderbird tab-separated tables and format=flowed, iOS
`> `-quoted forward blocks with a U+FEFF, Gmail half-translated headers,
folded Apple Content-Type headers, quoted-printable and base64 bodies,
RFC 2047 names, and so on.  `--check` re-parses every file with the stdlib and
confirms that each expected fact (sender name/address, subject, body
sentence, reply text) really is present in the decoded mail.

## Layout and counts

| folder | files | what |
| --- | ---: | --- |
{counts}

## Conventions for the expected answers

### forwards/*.json

`{{"client", "language", "kind", "forwarded": [{{"from": {{"name", "email"}}, "date", "subject"}}...], "original_body_contains", "notes"}}`

* `forwarded` is **outermost first**: entry 0 is the message the sender of the
  .eml forwarded; the last entry is the true original (normally the customer).
* Only messages introduced by a *forward* (an inline forward header block, an
  attached message/rfc822, or an attached Outlook .msg) are listed.  Quoted
  **reply history** is not a forward: `outlook_desktop_en_reply_history_not_a_forward`
  forwards a customer's *reply* whose own quoted history has an Outlook
  From:/Sent: block, and `forwarded` has one entry; the `quoted_*` fixtures
  are replies that quote a forward, and list only what sits under the
  quoted forward block.
* `name`/`email`: as shown in the header block, surrounding quotes removed,
  not re-ordered (`"Example, Jordan"` -> `Example, Jordan`), `mailto:`
  renderings removed.  `email` is null when the block shows a name only
  (`From: Jordan Example`); `name` is null when the block shows only an
  address (`From: <x@y>`, `From: x@y`, or Outlook's `From: x@y <x@y>`).
* `date`: `YYYY-MM-DD` of the calendar date **as displayed** in the block (the
  sender's/forwarder's local time), not converted to UTC.  For attached
  messages it is the date in the attached message's own `Date:` offset
  (`thunderbird_attached_rfc822_negative_offset` is 23:45 -0800 -> 2026-01-14).
  Numeric dates from UK devices are day-first (`samsung_email_en_ambiguous_day`).
* `subject`: exactly as shown in the block, including any `RE:`/`FW:` of that
  message and gateway tags such as `[EXTERNAL] `; wrapped subjects are joined.
* `original_body_contains`: a sentence from the innermost original's body
  (compare after collapsing whitespace; it may be `> `-quoted or soft-wrapped
  in the raw text).
* `kind`: `inline | attached-rfc822 | attached-msg | nested | html-only | quoted`.
  `nested` = more than one forward level (inline, or inline over attached).
* `client`: the client that produced the OUTERMOST forward (the mail as it
  reached the SPOC).  Nested fixtures add `chain_clients`: the client that
  performed each forward level, outermost first.  `language` is the language
  of the header blocks; where a fixture mixes an English block with a
  localised one, it names the localised language.
  Vocabulary: outlook-desktop, outlook-legacy (Outlook 2003-2010
  `-----Original Message-----` in a localised Outlook), exchange-legacy
  (same, English), outlook-mac, owa, outlook-ios, outlook-android, gmail,
  gmail-android, apple-mail, ios-mail, thunderbird, yahoo, samsung-email,
  windows-mail, lotus-notes, roundcube, zimbra, mutt, alpine, protonmail,
  squirrelmail.
* Extra keys: `msg_attachment` (path of the .msg also kept under `_msg/`),
  `chain_clients`.

### replies/*.json

`{{"client", "language", "reply_text", "signoff", "notes"}}` (+ `inline: true` for interleaved answers)

* `reply_text` is what the officer wrote **for this reply**: greeting and
  content, without quoted history, signature block, disclaimer, mobile
  tag lines ("Sent from my iPhone", "Get Outlook for iOS") or the closing.
* `signoff` is the valediction + name that closes the reply ("Kind regards,\\nAlex"),
  or null.  It is kept apart because whether a sign-off belongs to the text or
  the signature is a policy choice: accept `reply_text` or
  `reply_text + " " + signoff` (after whitespace normalisation).
* For `inline: true` fixtures, `reply_text` is the lead-in plus each
  interleaved answer, in order, separated by blank lines.
* `language` is the language of the client's header/attribution line; most
  answers are in English (a UK council), one is bilingual Welsh/English.

### auto/*.json

`{{"auto_reply": true|false, "why"}}` - `neg_*` fixtures are human mail (false).

### broken/*.json

`{{"expect_defects": true, "notes", "from_email"}}` - `from_email` is the sender
address a tolerant parser should still recover, or null.  Parsers must not
raise on any of these.

## .msg attachments

Two fixtures carry genuine Outlook `.msg` files (OLE compound files with MAPI
property streams) as `application/vnd.ms-outlook` attachments.  They were
written with the MIT-licensed pure-Python `aspose-email-foss` MSG writer and
are read back by `extract-msg` in `--check`.  That package is *not* a project
dependency: the built .msg files are kept in `_msg/` and reused when the
writer is not importable (point `MSG_WRITER_PATH` at an unpacked copy to
regenerate them).

## Coverage: forwards

| client | languages | kinds | n |
| --- | --- | --- | ---: |
{fwd_table}

## Coverage: replies

| client | languages | n |
| --- | --- | ---: |
{rep_table}

## Fixture list

{listing}
"""


def norm(s: str) -> str:
    s = s.replace("\ufeff", "").replace("\xa0", " ").replace("\u200b", "")
    s = re.sub(r"(?m)^[ \t]*(>[ \t]?)+", "", s)
    return " ".join(s.split())


def html_text(s: str) -> str:
    s = re.sub(r"(?is)<(style|head)[^>]*>.*?</\1>", " ", s)
    s = re.sub(r"(?i)<br\s*/?>|</(p|div|tr|blockquote)>", "\n", s)
    s = re.sub(r"<[^>]+>", " ", s)
    return htmlmod.unescape(s)


def decoded_texts(raw: bytes):
    import email
    import email.policy
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    texts, attached = [], []
    for part in msg.walk():
        ct = part.get_content_type()
        if ct == "message/rfc822":
            inner = part.get_payload()[0]
            attached.append({"from": str(inner["From"]), "date": str(inner["Date"]), "subject": str(inner["Subject"])})
            continue
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True) or b""
        if ct.startswith("text/"):
            cs = part.get_content_charset() or "utf-8"
            try:
                s = payload.decode(cs)
            except (LookupError, UnicodeDecodeError):
                s = payload.decode("utf-8", "replace")
            texts.append(html_text(s) if ct == "text/html" else s)
        elif ct == "application/vnd.ms-outlook":
            import extract_msg  # noqa: PLC0415 - only for --check
            m = extract_msg.openMsg(payload)
            attached.append({"from": str(m.sender), "date": str(m.date), "subject": m.subject})
            texts.append(m.body)
    return msg, texts, attached


def check(results) -> int:
    problems = []
    for folder, name, raw, js in results:
        where = f"{folder}/{name}"
        if folder in ("forwards", "replies", "auto"):
            msg, texts, attached = decoded_texts(raw)
            blob = norm("\n".join(texts) + "\n" + "\n".join(f"{a['from']} {a['subject']}" for a in attached))
            if msg["From"] is None or msg["Subject"] is None:
                problems.append(f"{where}: no From/Subject")
        if folder == "forwards":
            if norm(js["original_body_contains"]) not in blob:
                problems.append(f"{where}: body sentence missing")
            for e in js["forwarded"]:
                for v in (e["subject"], e["from"]["name"], e["from"]["email"]):
                    if v is not None and norm(v) not in blob:
                        problems.append(f"{where}: {v!r} not found")
                if e["date"] is None or not re.fullmatch(r"2026-\d\d-\d\d", e["date"]):
                    problems.append(f"{where}: bad date {e['date']}")
            for a in attached:
                if not any(a["subject"] and norm(e["subject"]) == norm(a["subject"]) for e in js["forwarded"]):
                    problems.append(f"{where}: attached subject {a['subject']!r} not expected")
                ds = a["date"]
                if ds and not any(e["date"] in ds or e["date"] == _date_of(ds) for e in js["forwarded"]):
                    problems.append(f"{where}: attached date {ds!r} not matching")
            kinds = {"inline", "attached-rfc822", "attached-msg", "nested", "html-only", "quoted"}
            if js["kind"] not in kinds or js["language"] not in {"en", "fr", "de", "es", "it", "nl", "pt", "pl", "cy"}:
                problems.append(f"{where}: bad kind/language")
            if js["kind"] == "html-only" and any(p.get_content_type() == "text/plain" for p in msg.walk()):
                problems.append(f"{where}: html-only has text/plain")
        elif folder == "replies":
            pieces = [js["reply_text"]] if not js.get("inline") else js["reply_text"].split("\n\n")
            for p in pieces:
                if norm(p) not in blob:
                    problems.append(f"{where}: reply text not found: {p[:50]!r}")
            if js["signoff"] and norm(js["signoff"]) not in blob:
                problems.append(f"{where}: signoff not found")
        elif folder == "broken":
            import email
            import email.policy
            try:
                m = email.message_from_bytes(raw, policy=email.policy.default)
                for p in m.walk():
                    try:
                        p.get_content() if not p.is_multipart() else None
                    except Exception:
                        pass
            except Exception as exc:  # the stdlib itself should not raise
                problems.append(f"{where}: stdlib raised {exc!r}")
    for p in problems:
        print("PROBLEM", p)
    print(f"checked {len(results)} fixtures, {len(problems)} problems")
    return 1 if problems else 0


def _date_of(s: str) -> str | None:
    from email.utils import parsedate_to_datetime
    try:
        return parsedate_to_datetime(s).strftime("%Y-%m-%d")
    except Exception:
        try:
            return datetime.fromisoformat(s).strftime("%Y-%m-%d")
        except Exception:
            return None


def write_readme(results):
    counts = {f: sum(1 for r in results if r[0] == f) for f in REGISTRY}
    what = {"forwards": "forwarded mails: recover original sender(s), date, subject, body",
            "replies": "officers' replies to SPOC requests: recover only the new text",
            "auto": "auto-replies / bounces / lists (true) and human look-alikes (false)",
            "broken": "malformed input that must not crash the parser"}
    crow = "\n".join(f"| `{f}/` | {counts[f]} | {what[f]} |" for f in REGISTRY)
    neg = sum(1 for f, n, r, j in results if f == "auto" and not j["auto_reply"])
    crow += f"\n\n(auto: {counts['auto'] - neg} positives, {neg} negatives)"
    fw: dict[str, list] = {}
    for f, n, r, j in results:
        if f == "forwards":
            d = fw.setdefault(j["client"], [set(), set(), 0])
            d[0].add(j["language"]); d[1].add(j["kind"]); d[2] += 1
    ft = "\n".join(f"| {c} | {', '.join(sorted(d[0]))} | {', '.join(sorted(d[1]))} | {d[2]} |" for c, d in sorted(fw.items()))
    rp: dict[str, list] = {}
    for f, n, r, j in results:
        if f == "replies":
            d = rp.setdefault(j["client"], [set(), 0])
            d[0].add(j["language"]); d[1] += 1
    rt = "\n".join(f"| {c} | {', '.join(sorted(d[0]))} | {d[1]} |" for c, d in sorted(rp.items()))
    listing = []
    for folder in REGISTRY:
        listing.append(f"### {folder}\n")
        for f, n, r, j in results:
            if f == folder:
                tag = {"forwards": lambda j: f"{j['client']}/{j['language']}/{j['kind']}",
                       "replies": lambda j: f"{j['client']}/{j['language']}",
                       "auto": lambda j: "auto" if j["auto_reply"] else "human",
                       "broken": lambda j: "broken"}[folder](j)
                listing.append(f"- `{n}` ({tag})")
        listing.append("")
    (HERE / "README.md").write_text(README_HEAD.format(counts=crow, fwd_table=ft, rep_table=rt,
                                                       listing="\n".join(listing)), encoding="utf-8")


def main(argv) -> int:
    results = []
    for folder, items in REGISTRY.items():
        d = HERE / folder
        d.mkdir(exist_ok=True)
        wanted = {n for n, _ in items}
        for p in list(d.glob("*.eml")) + list(d.glob("*.json")):
            if p.stem not in wanted:
                p.unlink()
        for name, fn in items:
            raw, js = fn(name)
            (d / f"{name}.eml").write_bytes(raw)
            (d / f"{name}.json").write_text(json.dumps(js, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            results.append((folder, name, raw, js))
    write_readme(results)
    print(", ".join(f"{f}: {len(v)}" for f, v in REGISTRY.items()))
    if "--check" in argv:
        return check(results)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
