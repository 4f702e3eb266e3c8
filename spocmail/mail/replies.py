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

from .forwards import Line, banner_kind, body_lines, field_of, find_blocks

# "On <date>, <name> wrote:" and its translations; Gmail may wrap it over two lines.
_ATTRIB_START = re.compile(
    r"^\s*(on|am|le|el|il|op|em|w dniu|ar|den|dne|on\s+\w+day)\b",
    re.IGNORECASE,
)
_ATTRIB_END = re.compile(
    r"(wrote|schrieb|a écrit|a ecrit|escribió|escribio|ha scritto|schreef|escreveu|napisał|napisal|"
    r"ysgrifennodd|skrev|kirjoitti|написал|写道|sent)\s*(\([^)]*\))?\s*:\s*$",
    re.IGNORECASE,
)
_ATTRIB_WHOLE = re.compile(
    r"^\s*(?:on|am|le|el|il giorno|il|op|em|w dniu|ar)\b.{4,300}?"
    r"(?:wrote|schrieb|a écrit|a ecrit|escribió|escribio|ha scritto|schreef|escreveu|napisał\(a\)|napisał|napisal|pisze|"
    r"ysgrifennodd|skrev)\s*:\s*$"
    # German and Dutch put the writer after the verb: "Am ... schrieb Jane Doe <jane@x.org>:"
    r"|^\s*(?:am|op|den)\b.{4,200}?\b(?:schrieb|schreef|skrev)\b.{1,200}:\s*$",
    re.IGNORECASE,
)
# "Jane Doe <jane@x.org> wrote:" (Yahoo, some webmail) and "<jane@x.org> schrieb am ...:"
_ATTRIB_NAME_FIRST = re.compile(r"^\s*.{1,120}?(?:<[^>]+@[^>]+>|\S+@\S+)\s*(?:wrote|schrieb\b.*|a écrit)\s*:\s*$", re.IGNORECASE)

_SENT_FROM = re.compile(
    r"^\s*(sent from (?:my |the )?\w[\w .'’-]{0,40}|sent from outlook(?: for \w+)?|sent from mail for windows(?: 10)?|"
    r"get outlook for (?:ios|android|mac)\b.*|sent via .{1,40}|sent using .{1,40}|sent with .{1,40}|"
    r"envoyé de mon .{1,30}|envoyé depuis .{1,40}|von (?:meinem )?.{1,40} gesendet|gesendet von .{1,40}|"
    r"enviado desde mi .{1,30}|enviado desde .{1,40}|inviato da .{1,40}|verstuurd vanaf mijn .{1,30}|"
    r"verzonden vanaf .{1,40}|enviado do meu .{1,30}|wysłane z .{1,40}|anfonwyd o['’]?m .{1,30})[.!]?"
    r"(?:\s*<[^>]*>|\s*\[[^\]]*\]|\s*\(\S+\))?\s*$",
    re.IGNORECASE,
)

_CLOSERS = (
    "kind regards|kindest regards|best regards|warm regards|warmest regards|regards|many regards|with regards|"
    "many thanks|thanks|thank you|thanks again|thanks very much|thank you very much|many thanks again|with thanks|"
    "thanks and regards|thanks & regards|thank you and regards|regards and thanks|thanks in advance|"
    "best wishes|kind wishes|with best wishes|all the best|best|cheers|yours|yours sincerely|yours faithfully|"
    "yours truly|sincerely|faithfully|respectfully|ta|take care|speak soon|"
    "mit freundlichen grüßen|mit freundlichen grüssen|freundliche grüße|viele grüße|beste grüße|grüße|"
    "cordialement|bien cordialement|bien à vous|salutations|meilleures salutations|"
    "saludos|saludos cordiales|un saludo|atentamente|"
    "cordiali saluti|distinti saluti|saluti|"
    "met vriendelijke groet|met vriendelijke groeten|vriendelijke groet|groeten|"
    "cumprimentos|atenciosamente|com os melhores cumprimentos|"
    "pozdrawiam|z poważaniem|z wyrazami szacunku|"
    "cofion|cofion cynnes|cofion gorau|diolch|diolch yn fawr|yn gywir|"
    "grazie|grazie mille|gruß|gruss|lg|abs|abraços|obrigado|obrigada|dziękuję|gracias|merci|danke|bedankt|"
    "dank je|dank u|groetjes|un abrazo|besos|bisous|amitiés|a bientôt|à bientôt"
)
# bilingual councils write both: "Cofion / Regards", "Diolch | Thanks"
_CLOSER = re.compile(
    r"^\s*(?:" + _CLOSERS + r")\s*[,.!]*(?:\s*[/|]\s*(?:" + _CLOSERS + r")\s*[,.!]*)?\s*[,.!;:—–-]*\s*$", re.IGNORECASE
)
# "Thanks, Jane" / "Regards, J" on one line
_CLOSER_WITH_NAME = re.compile(r"^\s*(?i:" + _CLOSERS + r")\s*,\s*[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,3}\s*$")

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


def _attribution_at(lines: list[Line], i: int) -> int:
    """How many lines an "On ... wrote:" attribution starting at line i spans (0 when none)."""
    text = lines[i].text.strip()
    if not text or len(text) > 500:
        return 0
    if _ATTRIB_WHOLE.match(text) or _ATTRIB_NAME_FIRST.match(text):
        return 1
    if _ATTRIB_START.match(text) and i + 1 < len(lines):
        joined = text + " " + lines[i + 1].text.strip()
        if _ATTRIB_WHOLE.match(joined) and len(joined) < 400:
            return 2
        if i + 2 < len(lines):
            joined2 = joined + " " + lines[i + 2].text.strip()
            if _ATTRIB_WHOLE.match(joined2) and len(joined2) < 400:
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


def _is_name_line(text: str) -> bool:
    t = text.strip().rstrip(",")
    return bool(t) and len(t) <= 50 and bool(_NAME_LINE.match(t))


def _strong(text: str) -> bool:
    t = text.strip()
    if not _is_signature_line(t):
        return False
    return bool(_LABELLED.match(t) or _PHONE.search(t) or _EMAIL_RE.search(t) or _URL.search(t) or _POSTCODE.search(t)
                or (_ORG.search(t) or _TITLE.search(t)))


def split_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    """(text, signature) for the kept lines of a reply."""
    n = len(lines)
    # 1. the conventional delimiter, phone footers and disclaimers: everything below is signature
    for i, line in enumerate(lines):
        s = line.rstrip("\r")
        if s in ("-- ", "--", "—") or s.strip() in ("--", "-- ") and not lines[i].strip("- "):
            return lines[:i], lines[i:]
        if _SENT_FROM.match(s) and sum(1 for x in lines[i + 1:] if x.strip()) <= 6:
            return lines[:i], lines[i:]
        if _DISCLAIMER.match(s) and (i == 0 or not lines[i - 1].strip() or _is_signature_line(lines[i - 1])):
            return _trim_sig_block(lines[:i], lines[i:])
    # 2. a closer ("Kind regards") with only a name and contact lines under it
    for i in range(n - 1, -1, -1):
        s = lines[i].strip()
        if not s:
            continue
        if (_CLOSER.match(s) or _CLOSER_WITH_NAME.match(s)) and any(x.strip() for x in lines[:i]):
            below = [x for x in lines[i + 1:] if x.strip()]
            if len(below) <= 15 and all(_is_name_line(x) or _is_signature_line(x) or len(x.strip()) <= 40 for x in below):
                return lines[:i], lines[i:]
            break
        if i < n - 20:
            break
    # 3. a signature block without a closer: name, job title, council, phone numbers
    return _trim_sig_block(lines, [])


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
        if not (_CLOSER.match(t) or _CLOSER_WITH_NAME.match(t) or _is_name_line(t)):
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
        while m > 0 and _sign_off(block[m - 1:]) and (_CLOSER.match(block[m - 1].strip()) or m == len(block)):
            m -= 1
        if 0 < m < len(block) and any(_CLOSER.match(t.strip()) or _CLOSER_WITH_NAME.match(t.strip()) for t in block[m:]):
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
