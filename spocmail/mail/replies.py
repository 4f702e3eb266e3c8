"""The new text of a mail: without quoted history and without the signature.

History starts at the first forward/reply header block, an "On ... wrote:" attribution, a
"-----Original Message-----" banner, or Outlook's rule above a header block. `>`-quoted lines
are dropped wherever they are, so answers written between quoted passages are kept.
The signature is what follows a `-- ` line, a phone's "Sent from my ..." line, a closer such
as "Kind regards" with a name under it, a council's name/title/phone block, or a
confidentiality disclaimer.
"""

from __future__ import annotations

import re

from . import lexicon
from .forwards import Line, banner_kind, body_lines, field_of, find_blocks

# Attribution lines ("On <date>, <name> wrote:" and its translations), device taglines and closers are
# data: rules/mail.toml, compiled by lexicon.py.
# "Jane Doe <jane@x.org> wrote:" (Yahoo, some webmail) and "<jane@x.org> schrieb am ...:"
_ATTRIB_NAME_FIRST = re.compile(r"^\s*.{1,120}?(?:<[^>]+@[^>]+>|\S+@\S+)\s*(?:wrote|schrieb\b.*|a écrit)\s*:\s*$", re.IGNORECASE)
# Gmail in Russian, Japanese and others prints no verb: "ср, 14 янв. 2026 г. в 10:30, Иван <ivan@x.ru>:"
_ADDR = r"(?:<[^<>\s]+@[^<>\s]+>|\[mailto:[^\]\s]+\]|\(?[\w.+-]+@[\w-]+(?:\.[\w-]+)+\)?)"
_ATTRIB_ADDRESS = re.compile(r"^.{0,200}?" + _ADDR + r".{0,80}[:：]\s*$")
_ATTRIB_TIME = re.compile(r"\d{1,2}[:.h]\d{2}|\b(?:19|20)\d{2}\b|\d{4}年|\d{4}년")
_FIELD_START = re.compile(r"^[\s*_]*[\w\s'-]{1,30}[\s*_]*[:：]")
_RULE_LINE = re.compile(r"^\s*(?:_{10,}|-{10,}|\*{10,}|={10,}|—{6,})\s*$")


def _closer(text: str) -> bool:
    return bool(lexicon.current().closer.match(text))


def _closer_with_name(text: str) -> bool:
    return bool(lexicon.current().closer_with_name.match(text))


def _tagline(text: str) -> bool:
    return bool(lexicon.current().tagline.match(text))


def _list_footer(text: str) -> bool:
    return bool(lexicon.current().list_footer.match(text))


_DISCLAIMER = re.compile(
    r"^\s*(?:\W{0,3})(this (?:e-?mail|message|communication)(?: and any (?:files|attachments?)| \(including any attachments\))?"
    r"(?: transmitted with it)? (?:is|are|may be|contains?|and its)|"
    r"the information (?:contained )?in (?:this|the) (?:e-?mail|message)|"
    r"if you (?:are not|have received this)|confidentiality (?:notice|statement)|disclaimer\b|"
    r"any views or opinions (?:expressed|presented)|please consider the environment|"
    r"privacy notice|how we use your (?:personal )?(?:data|information)|"
    r"this email has been scanned|we have checked this email|"
    r"e-?mails? (?:sent to|to and from) (?:the )?council|all (?:e-?mail|communications)s? (?:sent|to and from)|"
    r"the council (?:monitors|may monitor)|council e-?mails? (?:may|are)|"
    r"we welcome correspondence in welsh|croesewir gohebiaeth|mae['’]r (?:e-bost|neges) hwn|"
    r"rydym yn croesawu gohebiaeth)",
    re.IGNORECASE,
)

_PHONE = re.compile(r"(?:(?:tel|telephone|phone|mobile|mob|direct dial|dd|t|m|ff[oô]n|ffon symudol|ext)\.?\s*[:.]?\s*)?(?:\+44\s?\(?0?\)?|\(?0)\d[\d ()-]{7,}\d", re.IGNORECASE)
_LABELLED = re.compile(
    r"^\s*(tel|telephone|phone|mobile|mob|fax|direct dial|direct line|dd|switchboard|t|m|f|e|w|email|e-mail|web|website|"
    r"www|ext|extension|ffôn|ffon|e-bost|gwefan|address|cyfeiriad|twitter|x|facebook|linkedin|teams)\s*[:.]",
    re.IGNORECASE,
)
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_EMAIL_RE = re.compile(r"\S+@\S+\.\w+")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b")
_ORG = re.compile(
    r"\b(council|cyngor|borough|district|county|city of|authority|department|directorate|service|services|team|"
    r"office|civic|centre|center|town hall|county hall|house|unit|division|section|adran|gwasanaeth(?:au)?|tîm|swyddfa)\b",
    re.IGNORECASE,
)
_TITLE = re.compile(
    r"\b(officer|manager|director|head of|assistant|adviser|advisor|coordinator|co-ordinator|lead|clerk|"
    r"councillor|cllr|executive|administrator|analyst|consultant|specialist|supervisor|engineer|inspector|planner|"
    r"surveyor|solicitor|lawyer|secretary|chair|member|mp|mayor|partner|apprentice|support|swyddog|rheolwr|"
    r"cynghorydd|pennaeth|case ?worker|caseworker|senior|principal|chief|deputy|acting|interim|team leader)\b",
    re.IGNORECASE,
)
_PRONOUNS = re.compile(r"^\s*\(?(?:pronouns?:?\s*)?(?:she/her|he/him|they/them)[\w/ ]*\)?\s*$", re.IGNORECASE)
_NAME_LINE = re.compile(r"^\s*(?:(?:cllr|councillor|dr|mr|mrs|ms|miss|mx|prof)\.?\s+)?[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}\s*$")


def _attribution_line(text: str) -> bool:
    """One (joined) line that introduces quoted history: "On ... wrote:", "Jane <j@x> wrote:", "..., Иван <i@x>:"."""
    if not text.rstrip().endswith((":", "：")):
        return False
    lex = lexicon.current()
    if lex.attrib_whole.match(text) or _ATTRIB_NAME_FIRST.match(text):
        return True
    if _FIELD_START.match(text) and field_of(text):
        return False  # a header-block field ("To: jane@x.org:") is not an attribution
    if "@" in text and _ATTRIB_ADDRESS.match(text) and (_ATTRIB_TIME.search(text) or lex.attrib_verb_end.search(text)):
        return True
    return False


_ENDS_SENTENCE = re.compile(r"[.!?]\s*$")


def _attribution_at(lines: list[Line], i: int) -> int:
    """How many lines an "On ... wrote:" attribution starting at line i spans (0 when none)."""
    text = lines[i].text.strip()
    if not text or len(text) > 500:
        return 0
    if _attribution_line(text):
        return 1
    if i + 1 >= len(lines) or not lines[i + 1].text.strip():
        return 0  # nothing below to continue it
    lex = lexicon.current()
    # Gmail wraps a long attribution: only a line that opens like one, or is cut mid-phrase, continues
    if i + 1 < len(lines) and lines[i + 1].text.strip() and (
        lex.attrib_start.match(text) or (not _FIELD_START.match(text) and not _ENDS_SENTENCE.search(text))
    ):
        joined = text + " " + lines[i + 1].text.strip()
        if len(joined) < 400 and _attribution_line(joined):
            return 2
        if i + 2 < len(lines) and lines[i + 2].text.strip():
            joined2 = joined + " " + lines[i + 2].text.strip()
            if len(joined2) < 400 and _attribution_line(joined2):
                return 3
    return 0


def _next_nonblank(lines: list[Line], i: int) -> int | None:
    while i < len(lines):
        if lines[i].text.strip():
            return i
        i += 1
    return None


def history_start(lines: list[Line]) -> int:
    """Index of the first line of quoted history that is not itself `>`-quoted (len(lines) if none)."""
    # A block with neither banner nor To:/Cc: may be header lines an officer pasted into the
    # answer ("It was this one: From: ... Date: ... Subject: ..."): real history blocks have them.
    blocks = [
        b for b in find_blocks(lines)
        if b.depth == 0 and (b.banner or "to" in b.fields or "cc" in b.fields or len(b.fields) >= 4)
    ]
    cut = blocks[0].start if blocks else len(lines)
    for i in range(min(cut, len(lines))):
        ln = lines[i]
        if ln.depth:
            continue
        text = ln.text.strip()
        if not text:
            continue
        kind = banner_kind(text)
        if kind is not None:
            is_rule = text.startswith("_")
            if not is_rule:
                return i
            j = _next_nonblank(lines, i + 1)
            if j is not None and j - i <= 3 and field_of(lines[j].text.strip()):
                return i
            continue
        span = _attribution_at(lines, i)
        if span:
            j = _next_nonblank(lines, i + span)
            if j is None or lines[j].depth == 0:
                # an attribution with the history not quoted (HTML without blockquote): all below is history
                return i
    # an Outlook rule directly above a block
    if blocks:
        j = cut - 1
        while j >= 0 and not lines[j].text.strip():
            j -= 1
        if j >= 0 and lines[j].depth == 0 and re.fullmatch(r"\s*_{10,}\s*", lines[j].text):
            return j
    return cut


def strip_quoted(lines: list[Line]) -> list[str]:
    """Drop `>`-quoted lines and the attributions that introduce them; keep everything written between."""
    keep: list[str] = []
    i = 0
    n = len(lines)
    while i < n:
        ln = lines[i]
        if ln.depth:
            i += 1
            continue
        span = _attribution_at(lines, i)
        if span:
            j = _next_nonblank(lines, i + span)
            if j is not None and lines[j].depth:
                i += span
                continue
        keep.append(ln.text.rstrip())
        i += 1
    return keep


def _is_signature_line(text: str) -> bool:
    """Contact-like: a phone, address, e-mail, web or labelled line, a job title or organisation."""
    t = text.strip()
    if not t:
        return True
    if len(t) > 300:
        return False  # signature lines are short; and long lines make the searches below slow
    words = len(t.split())
    labelled = bool(_LABELLED.match(t))
    if not labelled and (words > 20 or (words >= 5 and re.search(r"[.?!]\s*$", t))):
        return False  # a sentence, even one that gives a phone number, is the message
    if labelled or _PHONE.search(t) or _URL.search(t) or _EMAIL_RE.search(t) or _POSTCODE.search(t):
        return True
    if _PRONOUNS.match(t):
        return True
    if "|" in t and not re.search(r"[.?!]\s*$", t):
        # "Priya Shah | Environmental Health Officer | Environmental Health & Licensing"
        parts = [p.strip() for p in t.split("|") if p.strip()]
        if parts and all(len(p.split()) <= 6 for p in parts):
            return True
    if words <= 10 and not re.search(r"[.?!]\s*$", t) and (_ORG.search(t) or _TITLE.search(t)):
        return True
    if re.fullmatch(r"[\W_]{3,}", t):
        return True
    return False


_NAME_PARTICLES = {"van", "von", "de", "der", "den", "af", "la", "le", "du", "da", "di", "ap", "ab", "&", "og", "och", "and"}


def _is_name_line(text: str) -> bool:
    """A writer's name on its own line: "Dan", "-Dan", "Øystein Ås", "Jan van der Berg", "Cllr Siân Llŷr"."""
    t = text.strip().rstrip(",")
    if not t or len(t) > 50:
        return False
    if _NAME_LINE.match(t):
        return True
    t = re.sub(r"^[-–—~/]+\s*", "", t)
    t = re.sub(r"^(?:cllr|councillor|dr|mr|mrs|ms|miss|mx|prof)\.?\s+", "", t, flags=re.IGNORECASE)
    words = t.split()
    if not 1 <= len(words) <= 4 or any(ch.isdigit() for ch in t):
        return False
    for w in words:
        if w.lower() in _NAME_PARTICLES:
            continue
        if not (w[0].isalpha() and w[0].isupper() and re.fullmatch(r"[^\W\d_][\w.'’-]*", w)):
            return False
    return True


def _strong(text: str) -> bool:
    t = text.strip()
    if not _is_signature_line(t):
        return False
    return bool(_LABELLED.match(t) or _PHONE.search(t) or _EMAIL_RE.search(t) or _URL.search(t) or _POSTCODE.search(t)
                or (_ORG.search(t) or _TITLE.search(t)))


def split_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    """(text, signature) for the kept lines of a reply."""
    return _dash_name(*_split_signature(lines))


_SEPARATOR_LINE = re.compile(r"\s*[-_=*~]{2,}\s*")


def _split_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    n = len(lines)
    lex = lexicon.current()  # once for the mail, not three times a line
    tagline, list_footer, disclaimer = lex.tagline.match, lex.list_footer.match, _DISCLAIMER.match
    # 1. the conventional delimiter, phone footers and disclaimers: everything below is signature
    for i, line in enumerate(lines):
        s = line.rstrip("\r")
        if s in ("-- ", "--", "—") or s.strip() in ("--", "-- ") and not lines[i].strip("- "):
            return lines[:i], lines[i:]
        if tagline(s) and sum(1 for x in lines[i + 1:] if x.strip()) <= 6:
            return _trim_sig_block(lines[:i], lines[i:])
        if list_footer(s) and sum(1 for x in lines[i + 1:] if x.strip()) <= 10:
            j = i
            while j > 0 and (not lines[j - 1].strip() or _RULE_LINE.match(lines[j - 1]) or _SEPARATOR_LINE.fullmatch(lines[j - 1])):
                j -= 1
            return _trim_sig_block(lines[:j], lines[j:])
        if disclaimer(s) and (i == 0 or not lines[i - 1].strip() or _is_signature_line(lines[i - 1])):
            return _trim_sig_block(lines[:i], lines[i:])
    # 2. a closer ("Kind regards") with only a name and contact lines under it
    for i in range(n - 1, -1, -1):
        s = lines[i].strip()
        if not s:
            continue
        if (_closer(s) or _closer_with_name(s)) and any(x.strip() for x in lines[:i]):
            below = [x for x in lines[i + 1:] if x.strip()]
            if len(below) <= 15 and all(_is_name_line(x) or _is_signature_line(x) or len(x.strip()) <= 40 for x in below):
                return lines[:i], lines[i:]
            break
        if i < n - 20:
            break
    # 3. a signature block without a closer: name, job title, council, phone numbers
    return _trim_sig_block(lines, [])


def _dash_name(text: list[str], sig: list[str]) -> tuple[list[str], list[str]]:
    """A name signed with a dash as the last paragraph ("-Dan", "— Anna Berg") goes with the signature."""
    paras = _paragraphs(text)
    if len(paras) >= 2:
        a, b = paras[-1]
        if b - a == 1 and re.match(r"^\s*[-–—~]\s?\S", text[a]) and not text[a].strip().startswith("--") and _is_name_line(text[a]):
            return text[:a], text[a:] + sig
    return text, sig


def _short_heading(text: str) -> bool:
    """A short line of capitalised words, as in a signature: "Planning & Building Control", "Mill Ward"."""
    t = text.strip()
    if not t or len(t) > 60 or re.search(r"[.?!:;]\s*$", t):
        return False
    words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", t)]
    if not words or len(words) > 6:
        return False
    if "|" in t or "&" in t:
        return True
    capital = sum(1 for w in words if w[0].isupper())
    small = {"of", "and", "for", "the", "y", "a", "de", "la", "le", "du", "van", "von", "der", "&"}
    return all(w[0].isupper() or w.lower() in small for w in words) and capital >= 1


def _paragraphs(lines: list[str]) -> list[tuple[int, int]]:
    """(start, end) of each run of non-blank lines."""
    out = []
    i = 0
    n = len(lines)
    while i < n:
        if not lines[i].strip():
            i += 1
            continue
        j = i
        while j < n and lines[j].strip():
            j += 1
        out.append((i, j))
        i = j
    return out


def _sign_off(lines: list[str]) -> bool:
    """A closer and/or a name: "Kind regards,", "Chris", "Thanks\nSam", "Diolch, Siân"."""
    if not 1 <= len(lines) <= 3:
        return False
    for t in lines:
        t = t.strip()
        if not (_closer(t) or _closer_with_name(t) or _is_name_line(t)):
            return False
    return True


def _trim_sig_block(text: list[str], sig: list[str]) -> tuple[list[str], list[str]]:
    """Move a trailing sign-off and name/title/contact block from text to the signature.

    The last paragraphs count as signature when every line is contact-like (phone, address,
    e-mail, web, job title, department, council) or a short capitalised heading, and at
    least one line is clearly contact-like; a sign-off paragraph ("Kind regards," / a name)
    right above them goes too.
    """
    paras = _paragraphs(text)
    cut = None
    k = len(paras) - 1
    while k >= 0:
        a, b = paras[k]
        block = text[a:b]
        sig_like = all(_is_signature_line(t) or _short_heading(t) or _is_name_line(t) for t in block)
        if sig_like and any(_strong(t) for t in block):
            cut = a
            k -= 1
            continue
        break
    if cut is None:
        return text, sig
    # a sign-off above the block: "Kind regards," / "Chris" (possibly as two paragraphs)
    for _ in range(2):
        if k < 0:
            break
        a, b = paras[k]
        if _sign_off(text[a:b]):
            cut = a
            k -= 1
            continue
        # the sign-off may close the last paragraph: "...arrangement.\nChris" is left alone,
        # but "Thanks\nChris" at its foot goes
        block = text[a:b]
        m = len(block)
        while m > 0 and _sign_off(block[m - 1:]) and (_closer(block[m - 1].strip()) or m == len(block)):
            m -= 1
        if 0 < m < len(block) and any(_closer(t.strip()) or _closer_with_name(t.strip()) for t in block[m:]):
            cut = a + m
        break
    if not any(x.strip() for x in text[:cut]):
        return text, sig  # the whole mail would go: it is the message, not a signature
    return text[:cut], text[cut:] + sig


def _author_tags(author: str | None) -> list[str]:
    """How an officer marks answers typed into the history: "[Alex Jones]", "[Alex]", "[AJ]"."""
    if not author:
        return []
    name = re.sub(r"\(.*?\)|\b(?:cllr|councillor|dr|mr|mrs|ms|miss|mx)\b\.?", " ", author, flags=re.IGNORECASE)
    if "," in name:  # "Jones, Alex"
        last, _, first = name.partition(",")
        name = f"{first} {last}"
    words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", name)]
    if not words:
        return []
    tags = {" ".join(words), words[0]}
    if len(words) >= 2:
        tags.add("".join(w[0] for w in words).upper())
    return sorted(tags, key=len, reverse=True)


def inline_answers(lines: list[Line], author: str | None) -> list[str]:
    """Answers typed into unquoted history and tagged with the author's name or initials."""
    tags = _author_tags(author)
    if not tags:
        return []
    pattern = re.compile(r"^\s*\[(?:" + "|".join(re.escape(t) for t in tags) + r")\]\s*\S", re.IGNORECASE)
    return [ln.text.strip() for ln in lines if pattern.match(ln.text)]


def reply_parts(text: str, author: str | None = None) -> tuple[str, str | None]:
    """(reply_text, signature) of a body; `author` is the sender's display name, for tagged inline answers."""
    lines = body_lines(text)
    cut = history_start(lines)
    kept = strip_quoted(lines[:cut])
    body, sig = split_signature(kept)
    reply = "\n".join(body).strip()
    answers = inline_answers(lines[cut:], author)
    if answers:
        reply = "\n\n".join([reply] + answers if reply else answers)
    signature = "\n".join(sig).strip() or None
    return reply, signature
