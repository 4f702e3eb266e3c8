"""Read the dates mail clients write, in headers and in forward blocks, in the languages a UK council meets.

Numeric dates are read day-first (UK) unless only month-first makes sense. A date without a
zone is Europe/London, as the council would read it.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def _fold(text: str) -> str:
    """Lower-case and drop accents, so 'Févr.' and 'fevr' compare equal."""
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in text if not unicodedata.combining(ch)).replace("ł", "l")


_MONTH_WORDS = {
    1: "january jan janvier janv janvr januar janner jänner enero ene gennaio gen januari jan janeiro jan styczen stycznia sty ionawr ion",
    2: "february feb fevrier fevr fev februar febrero feb febbraio febbraio feb februari feb fevereiro fev luty lutego lut chwefror chwe",
    3: "march mar mars marz maerz marzo mar maart mrt marco mar marzec marca mawrth maw",
    4: "april apr avril avr april abril abr aprile apr april apr abril abr kwiecien kwietnia kwi ebrill ebr",
    5: "may mai mayo may maggio mag mei maio mai maj maja mai",
    6: "june jun juin juni junio jun giugno giu juni jun junho jun czerwiec czerwca cze mehefin meh",
    7: "july jul juillet juil juli julio jul luglio lug juli jul julho jul lipiec lipca lip gorffennaf gorff",
    8: "august aug aout august agosto ago agosto ago augustus aug agosto ago sierpien sierpnia sie awst aws",
    9: "september sep sept septembre septiembre setiembre sep settembre set september sep setembro set wrzesien wrzesnia wrz medi med",
    10: "october oct octobre oktober okt octubre oct ottobre ott oktober okt outubro out pazdziernik pazdziernika paz hydref hyd",
    11: "november nov novembre november noviembre nov novembre nov november nov novembro nov listopad listopada lis tachwedd tach",
    12: "december dec decembre dezember dez diciembre dic dicembre dic december dec dezembro dez grudzien grudnia gru rhagfyr rhag",
}
# ro, cs, hu, ru, uk, sv/no/da, fi, tr, el, ar (stored folded: accents dropped, lower case)
_MORE_MONTH_WORDS = {
    1: "ianuarie ian ledna leden led január januári январь января янв січня січень січ januari tammikuuta tammikuu tammik tammi ocak oca ιανουαρίου ιανουάριος ιαν يناير كانون الثاني",
    2: "februarie února únor úno február februári февраль февраля фев февр лютого лютий лют februari helmikuuta helmikuu helmik helmi şubat şub φεβρουαρίου φεβ فبراير شباط",
    3: "martie marts března březen bře március márc марта март мар березня березень бер mars maaliskuuta maaliskuu maalisk maalis mart μαρτίου μαρ مارس آذار",
    4: "aprilie dubna duben dub április ápr апреля апрель апр квітня квітень квіт maaliskuu huhtikuuta huhtikuu huhtik huhti nisan nis απριλίου απρ أبريل ابريل نيسان",
    5: "mai května květen kvě május máj мая май травня травень трав maj toukokuuta toukokuu toukok touko mayıs μαΐου μαΐ μαι مايو أيار",
    6: "iunie iun června červen čvn június jún июня июнь июн червня червень черв juni kesäkuuta kesäkuu kesäk kesä haziran haz ιουνίου ιουν يونيو حزيران",
    7: "iulie iul července červenec čvc július júl июля июль июл липня липень лип juli heinäkuuta heinäkuu heinäk heinä temmuz tem ιουλίου ιουλ يوليو تموز",
    8: "august srpna srpen srp augusztus aug августа август авг серпня серпень серп augusti elokuuta elokuu elok elo ağustos ağu αυγούστου αυγ أغسطس آب",
    9: "septembrie sept září zář szeptember szept сентября сентябрь сен сент вересня вересень вер syyskuuta syyskuu syysk syys eylül eyl σεπτεμβρίου σεπ سبتمبر أيلول",
    10: "octombrie oct října říjen říj október okt октября октябрь окт жовтня жовтень жовт lokakuuta lokakuu lokak loka ekim eki οκτωβρίου οκτ أكتوبر تشرين الأول",
    11: "noiembrie nov listopadu listopad lis november нояб ноября ноябрь ноя листопада листопад лист marraskuuta marraskuu marrask marras kasım kas νοεμβρίου νοε نوفمبر",
    12: "decembrie dec prosince prosinec pro december декабря декабрь дек грудня грудень груд desember des joulukuuta joulukuu jouluk joulu aralık ara δεκεμβρίου δεκ ديسمبر كانون",
}
MONTHS: dict[str, int] = {}
for _num, _words in _MONTH_WORDS.items():
    for _w in _words.split():
        MONTHS.setdefault(_w, _num)
for _num, _words in _MORE_MONTH_WORDS.items():
    for _w in _words.split():
        MONTHS.setdefault(_fold(_w), _num)
# 2026年1月14日, 2026년 1월 14일, with 午後/下午/오후 for the afternoon
_CJK_DATE = re.compile(r"(\d{4})\s*[年년]\s*(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일]")
_CJK_PM = re.compile(r"午後|下午|오후|晚上")
# "14. 1. 2026" (Czech, Hungarian, German): spaced numeric dates
_SPACED_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})\.\s+(\d{1,2})\.\s+(\d{4})(?!\d)")
# "2026. 06. 04." (Hungarian, Korean): year first, dotted
_YEAR_FIRST_DOTTED = re.compile(r"(?<!\d)(\d{4})\.\s*(\d{1,2})\.\s*(\d{1,2})\.?(?!\d)")
_CJK_AM = re.compile(r"午前|上午|오전|早上")

# Weekday names are dropped before reading; Welsh "Dydd Mawrth" (Tuesday) would otherwise read as March.
_WEEKDAYS = set(
    _fold(
        "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun "
        "lundi mardi mercredi jeudi vendredi samedi dimanche lun mar mer jeu ven sam dim "
        "montag dienstag mittwoch donnerstag freitag samstag sonntag mo di mi do fr sa so "
        "lunes martes miércoles jueves viernes sábado domingo "
        "lunedì martedì mercoledì giovedì venerdì sabato domenica "
        "maandag dinsdag woensdag donderdag vrijdag zaterdag zondag "
        "segunda-feira terça-feira quarta-feira quinta-feira sexta-feira sábado domingo segunda terça quarta quinta sexta "
        "poniedziałek wtorek środa czwartek piątek sobota niedziela pon wt śr czw pt sob niedz "
        "llun mawrth mercher iau gwener sadwrn sul"
    ).split()
)

_ZONES = {"gmt": 0, "utc": 0, "ut": 0, "z": 0, "bst": 60, "ist": 60, "cet": 60, "cest": 120, "wet": 0,
          "west": 60, "eet": 120, "eest": 180, "est": -300, "edt": -240, "cst": -360, "cdt": -300,
          "mst": -420, "mdt": -360, "pst": -480, "pdt": -420, "mez": 60, "mesz": 120}

_TIME = re.compile(
    r"(?<![\d:])(\d{1,2})[:h](\d{2})(?::(\d{2}))?(?:\s*([ap])\.?\s?m\.?)?(?![\d:])", re.IGNORECASE
)
_OFFSET = re.compile(r"(?:gmt|utc|ut)?\s*([+\-−])\s*(\d{1,2}):?(\d{2})?(?!\d)", re.IGNORECASE)
_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,4})([/.\-])(\d{1,2})\2(\d{2,4})(?!\d)")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)?\.?", re.UNICODE)


def aware(value: datetime) -> datetime:
    """Attach Europe/London to a naive datetime (the council's clock); keep an aware one."""
    if value.tzinfo is None:
        return value.replace(tzinfo=LONDON)
    return value


def parse_header_date(text: str | None) -> datetime | None:
    """A Date: header (RFC 5322, or what broken clients write instead); None when unreadable."""
    if not text or not text.strip():
        return None
    try:
        value = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        value = None
    if value is not None:
        if value.tzinfo is None:
            return value.replace(tzinfo=LONDON)
        return value
    return parse_loose_date(text)


def _year(value: int) -> int:
    if value < 100:
        return 2000 + value if value < 70 else 1900 + value
    return value


def parse_loose_date(text: str | None) -> datetime | None:
    """A date as a person's mail client shows it, in any of the supported languages; None if unsure."""
    if not text:
        return None
    raw = text.strip()
    if not raw:
        return None
    # RFC 2822 first: Thunderbird and some servers keep the header form in forward blocks.
    if re.match(r"^\s*(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}(?::\d{2})?\s*(?:[+-]\d{4}|[A-Z]{2,4})", raw):
        try:
            value = parsedate_to_datetime(raw)
            return aware(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            pass
    folded = _fold(raw).replace("\u202f", " ").replace("\xa0", " ")
    folded = _SPACED_NUMERIC.sub(r"\1.\2.\3", folded)
    folded = _YEAR_FIRST_DOTTED.sub(r"\1/\2/\3 ", folded)
    if _CJK_PM.search(raw) and not _CJK_DATE.search(raw):
        t = _TIME.search(folded)
        if t and int(t.group(1)) < 12:
            folded = folded[: t.start()] + f"{int(t.group(1)) + 12}:{t.group(2)}" + folded[t.end():]
    cjk = _CJK_DATE.search(raw)
    if cjk:
        t = _TIME.search(raw[cjk.end():])
        hour, minute = (int(t.group(1)), int(t.group(2))) if t else (0, 0)
        if _CJK_PM.search(raw) and hour < 12:
            hour += 12
        try:
            value = datetime(int(cjk.group(1)), int(cjk.group(2)), int(cjk.group(3)), hour, minute)
        except ValueError:
            return None
        tz = _tz_from_text(raw[cjk.end():])
        return value.replace(tzinfo=tz) if tz else aware(value)
    folded = re.sub(r"\bdydd\s+\w+", " ", folded)  # Welsh weekday: "Dydd Mercher"

    # ISO 8601 as some systems write it
    iso = re.search(r"(\d{4})-(\d{2})-(\d{2})[t ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(z|[+-]\d{2}:?\d{2})?", folded)
    if iso:
        try:
            y, mo, d, h, mi = (int(iso.group(i)) for i in range(1, 6))
            s = int(iso.group(6) or 0)
            tz = _tz_from_text(iso.group(7) or "")
            value = datetime(y, mo, d, h, mi, s)
            return value.replace(tzinfo=tz) if tz else aware(value)
        except ValueError:
            return None

    # time of day
    hour = minute = second = 0
    rest = folded
    m = _TIME.search(folded)
    if m:
        hour, minute, second = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        ampm = (m.group(4) or "").lower()
        if ampm == "p" and hour < 12:
            hour += 12
        elif ampm == "a" and hour == 12:
            hour = 0
        rest = folded[: m.start()] + " " + folded[m.end():]

    tz = _tz_from_text(rest)
    rest = re.sub(r"\((?:gmt|utc)[^)]*\)", " ", rest)

    year = month = day = None
    n = _NUMERIC_DATE.search(rest)
    if n:
        a, b, c = int(n.group(1)), int(n.group(3)), int(n.group(4))
        if len(n.group(1)) == 4:  # 2026/01/14
            year, month, day = a, b, c
        else:
            year = _year(c)
            if a > 12 and b <= 12:
                day, month = a, b
            elif b > 12 and a <= 12:  # only month-first makes sense: 01/14/2026
                day, month = b, a
            else:
                day, month = a, b  # UK: day first
    else:
        numbers: list[int] = []
        candidates: list[str] = []
        for tok in re.finditer(r"\d+|[^\W\d_]+\.?", rest):
            word = tok.group(0)
            if word[0].isdigit():
                numbers.append(int(word))
                continue
            key = word.rstrip(".")
            if key in MONTHS:
                candidates.append(key)
        # "mar." is a weekday in French and Spanish and a month in English: prefer an unambiguous month
        plain = [c for c in candidates if c not in _WEEKDAYS]
        if plain:
            month = MONTHS[plain[0]]
        elif candidates:
            month = MONTHS[candidates[-1]]
        if month is None:
            return None
        years = [x for x in numbers if x >= 1000]
        smalls = [x for x in numbers if x < 1000]
        if years:
            year = years[0]
        elif len(smalls) >= 2:
            year = _year(smalls[-1])
            smalls = smalls[:-1]
        else:
            return None
        days = [x for x in smalls if 1 <= x <= 31]
        if not days:
            return None
        day = days[0]
    try:
        value = datetime(year, month, day, hour, minute, second)
    except (TypeError, ValueError, OverflowError):  # a 20-digit year is no date, and no reason to fail
        return None
    if tz is not None:
        return value.replace(tzinfo=tz)
    return value.replace(tzinfo=LONDON)


def _tz_from_text(text: str) -> timezone | None:
    if not text:
        return None
    t = text.lower()
    if t.strip() == "z":
        return timezone.utc
    m = _OFFSET.search(t)
    if m and (re.search(r"(gmt|utc|ut)\s*[+\-−]", t) or re.search(r"(?<![\d/.\-])[+-]\d{2}:?\d{2}\b", t)):
        sign = -1 if m.group(1) in "-−" else 1
        hours = int(m.group(2))
        minutes = int(m.group(3) or 0)
        if hours <= 14 and minutes < 60:
            return timezone(sign * timedelta(hours=hours, minutes=minutes))
    for word in re.findall(r"[a-z]+", t):
        if word in _ZONES:
            return timezone(timedelta(minutes=_ZONES[word]))
    return None
