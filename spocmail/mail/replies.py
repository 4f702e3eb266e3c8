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
    r"envoyé de mon .{1,30}|envoyé depuis .{1,40}|von meinem .{1,30} gesendet|gesendet von .{1,40}|"
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
    "cofion|cofion cynnes|cofion gorau|diolch|diolch yn fawr|yn gywir"
)
_CLOSER = re.compile(r"^\s*(?:" + _CLOSERS + r")\s*[,.!;:—–-]*\s*$", re.IGNORECASE)
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
    blocks = [b for b in find_blocks(lines) if b.depth == 0]
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
    t = text.strip()
    if not t:
        return True
    if len(t) > 300:
        return False  # signature lines are short; and long lines make the searches below slow
    words = len(t.split())
    if not _LABELLED.match(t) and (words > 10 or (words >= 5 and re.search(r"[.?!]\s*$", t))):
        return False  # a sentence, even one that gives a phone number, is the message
    if _LABELLED.match(t) or _PHONE.search(t) or _URL.search(t) or _EMAIL_RE.search(t) or _POSTCODE.search(t):
        return True
    if _PRONOUNS.match(t):
        return True
    if len(t) <= 70 and not re.search(r"[.?!]\s*$", t) and (_ORG.search(t) or _TITLE.search(t)):
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
                or (len(t) <= 70 and (_ORG.search(t) or _TITLE.search(t)) and not re.search(r"[.?!]\s*$", t)))


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


def _trim_sig_block(text: list[str], sig: list[str]) -> tuple[list[str], list[str]]:
    """Move a trailing name/title/contact block from text to the signature."""
    end = len(text)
    while end and not text[end - 1].strip():
        end -= 1
    i = end
    strong = 0
    while i > 0:
        t = text[i - 1]
        if not t.strip():
            i -= 1
            continue
        if _is_signature_line(t):
            if _strong(t):
                strong += 1
            i -= 1
            continue
        break
    if strong == 0:
        return text, sig
    # the name line heading the block ("Jane Doe" over "Planning Officer")
    j = i
    while j > 0 and not text[j - 1].strip():
        j -= 1
    if j > 0 and _is_name_line(text[j - 1]):
        i = j - 1
    # a closer right above the name
    k = i
    while k > 0 and not text[k - 1].strip():
        k -= 1
    if k > 0 and (_CLOSER.match(text[k - 1].strip()) or _CLOSER_WITH_NAME.match(text[k - 1].strip())):
        i = k - 1
    if not any(x.strip() for x in text[:i]):
        return text, sig  # the whole mail would go: it is the message, not a signature
    return text[:i], text[i:] + sig


def reply_parts(text: str) -> tuple[str, str | None]:
    """(reply_text, signature) of a body."""
    lines = body_lines(text)
    cut = history_start(lines)
    kept = strip_quoted(lines[:cut])
    body, sig = split_signature(kept)
    reply = "\n".join(body).strip()
    signature = "\n".join(sig).strip() or None
    return reply, signature
