"""Find the messages forwarded inline in a body: the header blocks clients print above the original.

Every client writes a block of `Key: value` lines (From, Sent/Date, To, Cc, Subject), in the
user's language, often after a banner ("-----Original Message-----", "Begin forwarded message:",
a line of underscores). We read the text line by line with quote markers stripped, so blocks
mangled by quoting (`> From:`) are found too. Blocks found in order are outermost first: each
later block lies in the body of the one before.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

from . import lexicon
from .addresses import block_address, block_addresses
from .dates import parse_loose_date
from .model import Address, Forwarded

# The field names, banners and subject prefixes of every language and client are data: rules/mail.toml,
# compiled by lexicon.py.
_QUOTE_PREFIX = re.compile(r"^((?:[ \t]*>)+)[ \t]?")
_BANNER = re.compile(r"^[\s*]*[-–—=*]{2,}\s*([^-–—=*\s].*?)\s*[-–—=*]{2,}[\s*]*$")
# Outlook's rule above a header block: underscores, or in some versions and gateways dashes or stars
_RULE = re.compile(r"^\s*(?:_{10,}|-{10,}|\*{10,}|={10,}|—{6,})\s*$")
_BANNER_PREFIX = re.compile(r"^[\s*]*[-–—=]{3,}\s*[^-–—=:]{3,60}?\s*[-–—=]{3,}")
_HAS_COLON = re.compile(r"^.{0,60}?[:：]")


MAX_INLINE = 50  # header blocks read from one body; real chains are far shorter


@dataclass
class Line:
    depth: int  # quote depth: number of leading ">" markers
    text: str  # the line without its quote markers


@dataclass
class Block:
    """A header block found in a body."""

    start: int  # first line of the block, banner included
    end: int  # first line after the header fields (the original's body starts here)
    depth: int
    explicit_forward: bool
    banner: str | None
    fields: dict[str, str] = field(default_factory=dict)
    repairs: list[str] = field(default_factory=list)
    attribution: bool = False  # introduced by "On ... Jane <j@x> wrote:" rather than a From: field


# An address in an attribution line: <a@b>, [mailto:a@b], (a@b) or bare
_ATTR_ADDR = re.compile(r"<\s*(?:mailto:)?([^<>\s]+@[^<>\s]+?)\s*>|\[(?:mailto:)?([^\]\s]+@[^\]\s]+)\]|\(?\b([\w.+'-]+@[\w-]+(?:\.[\w-]+)+)\b\)?")
# What may stand between the date and the writer's name: a comma, a time, or a connecting word
_NAME_CUT = re.compile(
    r"[,،]\s|\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:\s*(?:[ap]\.?\s?m\.?|uhr|น\.|ч\.))?(?:\s*(?:[+-]\d{2}:?\d{2}|gmt[+-]?\d*|utc[+-]?\d*|(?-i:[A-Z]{3,4})))?\s"
    r"|\b(?:wrote|schrieb|skrev|schreef|escreveu|escribió|a écrit|ha scritto|napisał\(a\)|napisał|napsal\(a\)|napsal|kirjoitti|"
    r"от|від|пользователь|користувач|používateľ|időpontban|odesílatel|ο/η|كتب|uhr|à|às|um|kl\.|klo|om|alle ore|a las|o|v|в|о|la)\s+",
    re.IGNORECASE,
)
_ATTR_TAIL = re.compile(r"[:：]\s*$")


def attribution_sender(text: str) -> tuple[Address, str] | None:
    """(writer, date text) of an attribution line such as `On 14 Jan 2026, "Jane" <j@x> wrote:`; None without an address."""
    m = _ATTR_ADDR.search(text)
    if not m:
        return None
    email = next(g for g in m.groups() if g)
    before = text[: m.start()]
    after = text[m.end():]
    quoted = re.search(r"[\"“”]([^\"“”]+)[\"“”]\s*$", before)
    if quoted:
        name = quoted.group(1)
        date_text = before[: quoted.start()]
    else:
        cuts = list(_NAME_CUT.finditer(before))
        start = cuts[-1].end() if cuts else 0
        name = before[start:]
        date_text = before[:start]
    name = re.sub(r"^\s*(?:on|am|le|el|il giorno|op|em|den|dne|w dniu)\s+", "", name.strip(), flags=re.IGNORECASE) if not date_text.strip() else name
    date_text = (date_text + " " + _ATTR_TAIL.sub("", after)).strip()
    name = name.strip().rstrip("([").strip()
    sender, _hidden = block_address(f"{name} <{email}>" if name.strip(" ,:") else email)
    return sender, date_text


def split_lines(text: str) -> list[Line]:
    out = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        m = _QUOTE_PREFIX.match(raw)
        if m:
            depth = m.group(1).count(">")
            out.append(Line(depth, raw[m.end():].replace("\xa0", " ")))
        else:
            out.append(Line(0, raw.replace("\xa0", " ")))
    return out


@functools.lru_cache(maxsize=4096)
def _norm_key(key: str) -> str:
    key = unicodedata.normalize("NFC", key.strip().lower())
    return re.sub(r"\s+", " ", key)


# "Key: value" with stars or underscores around the key (bold in HTML conversions); the key is looked
# up in the lexicon's table, so the number of languages does not slow this down
_FIELD_HEAD = re.compile(r"^[\s*_]*([^:：]{1,40}?)[\s*_]*[:：][\s*_]*(.*)$")


def field_of(text: str) -> tuple[str, str] | None:
    """(field, value) when a line is a header-block field such as `Envoyé : mercredi ...`."""
    m = _FIELD_HEAD.match(text)
    if not m:
        return None
    name = lexicon.current().key_of.get(_norm_key(m.group(1)))
    if name is None:
        return None
    return name, m.group(2).strip()


def banner_kind(text: str) -> tuple[bool, bool] | None:
    """(is a banner, says it is a forward) for a separator line, else None."""
    if _RULE.match(text):
        return True, False
    lex = lexicon.current()
    if len(text) <= 80 and _norm_key(text.strip().rstrip(":：").rstrip()) in lex.banners:
        return True, True
    m = _BANNER.match(text)
    if m:
        words = m.group(1)
        if lex.forward_words.search(words):
            return True, True
        if lex.original_words.search(words):
            return True, False
    return None


def _explode_one_line_headers(lines: list[Line]) -> list[Line]:
    """Some clients (and some HTML) put the whole block on one line: "From: A Sent: B To: C Subject: D"."""
    out: list[Line] = []
    lex = lexicon.current()
    for ln in lines:
        text = ln.text
        if ":" not in text and "：" not in text:
            out.append(ln)
            continue
        # Yahoo's plain text may put the banner and the fields on one line: "----- Forwarded Message ----- From: ..."
        m = _BANNER_PREFIX.match(text)
        if m and field_of(text[m.end():].strip()) and banner_kind(m.group(0).strip()):
            out.append(Line(ln.depth, m.group(0).strip()))
            text = text[m.end():].strip()
            ln = Line(ln.depth, text)
        f = field_of(text)
        if f and f[0] == "from" and len(re.findall(r"\w\s*[:：]", text)) >= 3:
            parts = lex.inline_split.split(text)
            fields = [p for p in parts if field_of(p)]
            if len(fields) >= 3 and len(fields) == len(parts):
                out.extend(Line(ln.depth, p) for p in parts)
                continue
            # ... and glue each field to the value before it: "<jane@x.org>To: SPOC ...GMTSubject: Bins"
            parts = [q for p in parts for q in lex.glued_split.split(p)]
            fields = [p for p in parts if field_of(p)]
            if len(fields) >= 3 and len(fields) == len(parts):
                out.extend(Line(ln.depth, p.strip()) for p in parts)
                continue
        out.append(ln)
    return out


def _unbalanced(value: str) -> bool:
    return value.count("<") > value.count(">") or value.count("[") > value.count("]") or value.count("(") > value.count(")")


def _join(previous: str, tail: str) -> str:
    """Join a wrapped value; an address cut mid-word ("jordan@exa" / "mple.org>") is glued back."""
    last_token = previous.rsplit(" ", 1)[-1]
    if previous and not previous.endswith(" ") and "@" in last_token and "<" in previous and re.match(r"[\w.-]", tail):
        return previous + tail
    return previous + " " + tail


def _read_fields(lines: list[Line], i: int, depth: int) -> tuple[dict[str, str], int, list[str]]:
    """Read header fields from line i; returns (fields, index after block, repairs made)."""
    fields: dict[str, str] = {}
    repairs: list[str] = []
    n = len(lines)
    last = None
    blanks = 0
    end = i
    conts = 0  # continuation lines of the current field: bounded, so junk cannot make reading slow
    start = i

    def add_tail(text: str) -> None:
        # a continuation may carry the next fields glued on: "mple.org> Date: Wed, 14 Jan 2026"
        nonlocal last
        parts = lexicon.current().inline_split.split(text)
        fields[last] = _join(fields[last], parts[0])
        for part in parts[1:]:
            f = field_of(part)
            if f is None:
                fields[last] = fields[last] + " " + part
                continue
            if f[0] != "skip" and f[0] not in fields:
                fields[f[0]] = f[1]
                last = f[0]
            repairs.append("fields run together on one line")

    while i < n and i - start < 80:
        ln = lines[i]
        text = ln.text.strip()
        if conts > (30 if last in ("to", "cc") else 4) or (last in fields and len(fields[last]) > 4000):
            break
        if ln.depth != depth and text and field_of(text) is None:
            conts += 1
            if last is not None and last in fields and _unbalanced(fields[last]) and not blanks:
                add_tail(text)
                repairs.append("a value wrapped across quote levels")
                i += 1
                end = i
                continue
            # a hard wrap of a quoted line leaves its tail unquoted: "> Subject: ... loss" / "of hedge"
            wrapped = (
                last is not None and last in fields and ln.depth < depth and not blanks
                and (i + 1 >= n or lines[i + 1].depth == depth)
            )
            if wrapped:
                fields[last] = fields[last] + " " + text
                repairs.append("a value wrapped across quote levels")
                i += 1
                end = i
                continue
            break
        if not text:
            blanks += 1
            # Apple Mail and HTML conversions may leave one blank line between fields
            if blanks > 1 or i + 1 >= n or field_of(lines[i + 1].text.strip()) is None:
                break
            i += 1
            continue
        f = field_of(text)
        if f is not None and not (f[0] in fields and f[0] != "skip"):
            name, value = f
            blanks = 0
            if ln.depth != depth:
                repairs.append("quote depth varies inside the header block")
            if name != "skip":
                fields[name] = value
            last = name
            conts = 0
            i += 1
            end = i
            continue
        if blanks:
            break
        conts += 1
        # a continuation: a long To/Cc list, or an address wrapped after "<"
        if last in ("to", "cc") and (("@" in text) or fields.get(last, "").rstrip().endswith((";", ","))):
            fields[last] = fields[last] + " " + text
            i += 1
            end = i
            continue
        if last in fields and _unbalanced(fields[last]):
            add_tail(text)
            i += 1
            end = i
            continue
        break  # the first line that is neither a field nor a continuation ends the block
    return fields, end, repairs


# The forward and reply readers read the same body: the last one read is kept (one tuple, replaced
# whole, so threads never see half of one)
_last_body: tuple = (None, None, None, None)  # (text, lines, lexicon, blocks)


def body_lines(text: str) -> list[Line]:
    """The body as lines with quote depth, one-line header blocks split into fields (treat as read-only)."""
    global _last_body
    lex = lexicon.current()
    last = _last_body
    if last[0] is text and last[2] is lex:
        return last[1]
    lines = _explode_one_line_headers(split_lines(text))
    _last_body = (text, lines, lex, None)
    return lines


def find_blocks(lines: list[Line]) -> list[Block]:
    """Every header block in the lines (from body_lines), in order (outermost first); treat as read-only."""
    global _last_body
    last = _last_body
    if last[1] is lines and last[3] is not None:
        return last[3]
    blocks = _find_blocks(lines)
    if last[1] is lines:
        _last_body = (last[0], lines, last[2], blocks)
    return blocks


def _find_blocks(lines: list[Line]) -> list[Block]:
    blocks: list[Block] = []
    i = 0
    n = len(lines)
    while i < n:
        ln = lines[i]
        text = ln.text.strip()
        banner = banner_kind(text) if text else None
        if banner:
            # the fields follow the banner, maybe after blank lines
            j = i + 1
            while j < n and not lines[j].text.strip() and j - i <= 3:
                j += 1
            if j < n and field_of(lines[j].text.strip()):
                fields, end, repairs = _read_fields(lines, j, lines[j].depth)
                if "from" in fields and (len(fields) >= 2):
                    blocks.append(Block(i, end, lines[j].depth, banner[1], text, fields, repairs))
                    i = end
                    continue
            if banner[1] and j < n:
                # Yahoo, Mail.ru, Outlook 2019: "----- Forwarded Message -----" / "On ... Jane <j@x> wrote:"
                b = attribution_block(lines, j, i, text)
                if b is not None:
                    blocks.append(b)
                    i = b.end
                    continue
            i += 1
            continue
        f = field_of(text) if text else None
        if f and f[0] == "from":
            fields, end, repairs = _read_fields(lines, i, ln.depth)
            if "from" in fields and ("date" in fields or "subject" in fields) and len(fields) >= 3:
                blocks.append(Block(i, end, ln.depth, False, None, fields, repairs))
                i = end
                continue
        i += 1
    return blocks


def is_attribution(text: str) -> bool:
    """A line that introduces a message by its writer: a reply attribution, or a forward one (rules/mail.toml)."""
    from .replies import _attribution_line  # the reply reader owns the attribution patterns

    return _attribution_line(text) or bool(lexicon.current().forward_attribution.match(text))


def attribution_block(lines: list[Line], j: int, start: int, banner: str | None) -> Block | None:
    """A forward introduced by an attribution line at line j (joined with the next when Gmail wraps it)."""
    for span in (1, 2, 3):
        if j + span > len(lines):
            return None
        text = " ".join(ln.text.strip() for ln in lines[j:j + span])
        if len(text) > 400:
            return None
        if "@" in text and is_attribution(text):
            found = attribution_sender(text)
            if found is None:
                return None
            sender, date_text = found
            fields = {"from": _as_header(sender)}
            if date_text:
                fields["date"] = date_text
            end = j + span
            k = end
            while k < len(lines) and not lines[k].text.strip():
                k += 1
            depth = lines[k].depth if k < len(lines) else lines[j].depth
            if k < len(lines) and k - end <= 1 and field_of(lines[k].text.strip()):
                # some clients follow the attribution with the rest of a block: "Subject: ..." / "To: ..."
                more, after, _repairs = _read_fields(lines, k, lines[k].depth)
                if "from" not in more:
                    fields.update({key: v for key, v in more.items() if key not in fields})
                    end = after
                    k = end
                    while k < len(lines) and not lines[k].text.strip():
                        k += 1
                    depth = lines[k].depth if k < len(lines) else depth
            b = Block(start, end, depth, True, banner, fields, [])
            b.attribution = True
            return b
        if not lines[j + span - 1].text.strip():
            return None
    return None


def _as_header(sender: Address) -> str:
    if sender.name and sender.email:
        return f'"{sender.name}" <{sender.email}>'
    return sender.email or sender.name or ""


def _dequote(lines: list[Line], depth: int) -> str:
    out = []
    for ln in lines:
        if ln.depth < depth and ln.text.strip():
            break  # back in the outer message
        extra = ln.depth - depth
        out.append(("> " * extra) + ln.text if extra > 0 else ln.text)
    return "\n".join(out).strip("\n")


def _from_value(value: str) -> tuple[Address, bool]:
    value = re.sub(r"^\*+|\*+(?=\s*<)|\*+$", "", value.strip())
    value = value.replace("*", "") if value.count("*") >= 2 else value
    # Outlook delegates: "Planning <planning@x> On Behalf Of Jane Doe"; keep the side with the address
    parts = re.split(r"\s+(?:on behalf of|im auftrag von|de la part de|en nombre de|per conto di|namens|em nome de|w imieniu)\s+", value, flags=re.IGNORECASE)
    if len(parts) > 1:
        with_addr = [p for p in parts if "@" in p]
        value = with_addr[0] if with_addr else parts[0]
    return block_address(value)


def inline_forwards(
    text: str, subject: str | None = None, defects: list[str] | None = None
) -> tuple[list[Forwarded], list[Block]]:
    """Forwarded messages in a body, outermost first, and the blocks they came from.

    A header block under a reply ("RE: ...") is reply history, not a forward, unless it says
    it is a forward ("Begin forwarded message:", "---------- Forwarded message ---------").
    The subject that encloses a block is the mail's for the first block, then the subject
    field of the block before it: a forwarded reply's own history is not a forward.
    """
    lines = body_lines(text)
    blocks = find_blocks(lines)
    if not blocks and is_forward_subject(subject):
        # Outlook 2019 and later introduce the forwarded mail with "On ..., "Jane" <j@x> wrote:" alone
        for j, ln in enumerate(lines[:400]):
            t = ln.text.strip()
            if t and ("@" in t or (j + 1 < len(lines) and "@" in lines[j + 1].text)):
                b = attribution_block(lines, j, j, None)
                if b is not None:
                    blocks = [b]
                    break
    out = []
    kept = []
    enclosing = subject
    if len(blocks) > MAX_INLINE:
        if defects is not None:
            defects.append(f"too-many-forwards: {len(blocks)} header blocks; the first {MAX_INLINE} were read")
        blocks = blocks[:MAX_INLINE]
    for b in blocks:
        block_subject = b.fields.get("subject")
        if not (b.explicit_forward or not is_reply_subject(enclosing)):
            enclosing = block_subject
            continue
        if block_subject is None and b.attribution and enclosing and is_forward_subject(enclosing):
            # an attribution shows no subject: the original's is the forward's, less its "FW:"
            block_subject = enclosing[lexicon.current().forward_subject.match(enclosing).end():].strip() or None
        enclosing = block_subject
        sender, hidden = _from_value(b.fields.get("from", ""))
        date_text = b.fields.get("date") or None
        date = parse_loose_date(date_text) if date_text else None
        body = _dequote(lines[b.end:], b.depth)
        kept.append(b)
        if defects is not None:
            who = sender.email or sender.name or "?"
            for repair in dict.fromkeys(b.repairs):
                defects.append(f"forward-block: {repair} (sender {who})")
            if date_text and date is None:
                defects.append(f"forward-block: unreadable date {date_text[:40]!r} (sender {who})")
            if not sender.email and not sender.name:
                defects.append("forward-block: no sender could be read")
        out.append(
            Forwarded(
                from_=sender,
                date=date,
                date_text=date_text,
                subject=block_subject,
                body=body.strip(),
                to=block_addresses(b.fields.get("to", "")),
                cc=block_addresses(b.fields.get("cc", "")),
                address_hidden=hidden,
                via="inline",
            )
        )
    return out, kept


def is_reply_subject(subject: str | None) -> bool:
    """True when the outermost prefix says reply (RE:, AW:, ...), not forward."""
    if not subject:
        return False
    lex = lexicon.current()
    return bool(lex.reply_subject.match(subject)) and not lex.forward_subject.match(subject)


def is_forward_subject(subject: str | None) -> bool:
    return bool(subject) and bool(lexicon.current().forward_subject.match(subject))
