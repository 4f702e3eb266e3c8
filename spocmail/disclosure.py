"""Who may see what: copy rules per category (rules/copy.toml), contact details kept from copies, honest dates.

The customer's response goes to the customer alone (no Cc). Everyone copied (officers, members) gets a
copy for information holding only the items their category's rule lets them see, with the customer's
phone numbers, postal address and email addresses taken out and no attachments. A category marked
`alone` (a subject access answer) is never part of the consolidated response: it is sent on its own.
"""

from __future__ import annotations

import html as htmllib
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from spocmail import resources
from spocmail.errors import ConfigError

FLAGS = ("members", "routed_officer", "other_officers", "alone")
# The categories rules/classify.toml must have (spocmail.rules.REQUIRED_CATEGORIES): each needs a rule.
REQUIRED = ("foi", "eir", "sar", "complaint", "service-request", "general-enquiry", "no-response")
_NAME = re.compile(r"^[a-z][a-z0-9-]*$")


@dataclass(frozen=True)
class CopyRule:
    category: str
    members: bool = False
    routed_officer: bool = False
    other_officers: bool = False
    alone: bool = False


# A category the rules do not know is copied to nobody: the safe side.
NOBODY = CopyRule("unknown")


def load(path: Path | str | None = None) -> dict[str, CopyRule]:
    """Read and validate rules/copy.toml; a fault raises ConfigError naming the file and the key."""
    path = Path(path) if path is not None else resources.rules_file("copy.toml")
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such copy rules file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    extra = sorted(set(data) - {"categories"})
    if extra:
        raise ConfigError(f"{path}: {extra[0]}: unknown key; expected only [categories.ID] tables")
    cats = data.get("categories")
    if not isinstance(cats, dict) or not cats:
        raise ConfigError(f"{path}: [categories]: missing; expected a [categories.ID] table for each of "
                          + ", ".join(REQUIRED))
    out = {}
    for cat, table in cats.items():
        section = f"[categories.{cat}]"
        if not _NAME.match(cat) or not isinstance(table, dict):
            raise ConfigError(f"{path}: {section}: expected a table named by a category id of "
                              f"rules/classify.toml with {', '.join(FLAGS)}")
        unknown = sorted(set(table) - set(FLAGS))
        if unknown:
            raise ConfigError(f"{path}: {section} {unknown[0]}: unknown key; expected only {', '.join(FLAGS)}")
        values = {}
        for flag in FLAGS:
            if flag not in table:
                raise ConfigError(f"{path}: {section} {flag}: missing; expected true or false")
            if not isinstance(table[flag], bool):
                raise ConfigError(f"{path}: {section} {flag} = {table[flag]!r}: expected true or false")
            values[flag] = table[flag]
        rule = CopyRule(cat, **values)
        if cat == "sar" and (rule.members or rule.routed_officer or rule.other_officers or not rule.alone):
            bad = next(f for f in FLAGS if getattr(rule, f) != (f == "alone"))
            raise ConfigError(f"{path}: {section} {bad} = {table[bad]!r}: expected "
                              f"{'true' if bad == 'alone' else 'false'}: a subject access answer is the data "
                              f"subject's own personal data and goes to them alone (UK GDPR Art 15)")
        out[cat] = rule
    missing = [c for c in REQUIRED if c not in out]
    if missing:
        raise ConfigError(f"{path}: [categories.{missing[0]}]: missing; every category needs a table "
                          f"with {', '.join(FLAGS)}")
    return out


def rules() -> dict[str, CopyRule]:
    path = resources.rules_file("copy.toml")
    return _cached(path, resources.stamp(path))


@lru_cache(maxsize=4)
def _cached(path: Path, _stamp: tuple) -> dict[str, CopyRule]:
    return load(path)


def rule_for(category: str | None) -> CopyRule:
    return rules().get(category or "", NOBODY)


# ------------------------------------------------------------------ contact details


def contact_details(customer) -> list[str]:
    """What identifies where the customer can be reached: kept out of every copy."""
    found = [a.email for a in customer.addresses] + list(customer.phones or [])
    postal = (customer.postal_address or "").strip()
    if postal:
        found.append(postal)
        found += [part.strip() for part in postal.split(",") if re.search(r"\d", part)]
    return [d for d in found if d]


_PHONE = re.compile(r"(?<![\w])(?:\+44\s?\(?0?\)?\s?|0)\d(?:[\s-]?\d){8,9}(?!\d)")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.I)
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
REMOVED = "[contact details removed]"


def _digits_pattern(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("44"):
        digits = "0" + digits[2:]
    rest = digits[1:] if digits.startswith("0") else digits
    return r"(?:\+44\s?\(?0?\)?\s?|0)" + r"[\s-]?".join(rest)


def scrub(text: str, details: list[str], staff_domains: tuple[str, ...] = ()) -> str:
    """TEXT without the customer's contact details, any phone number, postcode, or non-staff address."""
    for d in sorted(details, key=len, reverse=True):
        if "@" in d:
            text = re.sub(re.escape(d), REMOVED, text, flags=re.I)
        elif sum(c.isdigit() for c in d) >= 9 and not re.search(r"[A-Za-z]", d):
            text = re.sub(_digits_pattern(d), REMOVED, text)
        else:
            text = re.sub(re.escape(d), REMOVED, text, flags=re.I)
    text = _PHONE.sub(REMOVED, text)
    text = _POSTCODE.sub(REMOVED, text)
    staff = tuple(s.lower() for s in staff_domains)
    return _EMAIL.sub(lambda m: m.group(0) if m.group(0).lower().rpartition("@")[2] in staff else REMOVED, text)


# ------------------------------------------------------------------ who is copied on what


@dataclass
class Copy:
    to: list[str]
    refs: list[str]
    subject: str = ""
    body_text: str = ""
    body_html: str = ""

    def to_json(self) -> dict:
        return {"to": self.to, "items": self.refs, "subject": self.subject, "body_text": self.body_text}


def plan(items: list, officers: dict[str, str], members: list[str]) -> list[Copy]:
    """Group the copied people by the items they may see.

    ITEMS carry `ref`, `category` and `officers` (ids of the officers the issue was routed to or who
    answered it); OFFICERS maps the candidate officers' ids to their address; MEMBERS are addresses.
    An officer is copied when an item of theirs allows its routed officer, and then sees that item and
    every other item that allows other officers. Members see the items that allow members.
    """
    groups: dict[tuple, list[str]] = {}
    for oid, address in officers.items():
        own = [i for i in items if oid in i.officers and rule_for(i.category).routed_officer]
        if not own:
            continue
        seen = tuple(i.ref for i in items if (oid in i.officers and rule_for(i.category).routed_officer)
                     or (oid not in i.officers and rule_for(i.category).other_officers))
        groups.setdefault(seen, []).append(address)
    visible = tuple(i.ref for i in items if rule_for(i.category).members)
    if visible and members:
        groups.setdefault(visible, []).extend(members)
    return [Copy(to=to, refs=list(refs)) for refs, to in groups.items()]


def render_copies(copies: list[Copy], items: list, render: Callable[[list], tuple[str, str]], *, customer,
                  subject: str, today: date, attachments: list[str], staff_domains: tuple[str, ...]) -> None:
    """Fill each copy's subject and bodies: the items it may see, scrubbed, with a note on what it is."""
    details = contact_details(customer)
    for c in copies:
        text, html = render([i for i in items if i.ref in c.refs])
        note = (f"For information: a copy of the response sent to {customer.name} on {today:%A %-d %B %Y}, "
                f"holding only the items you may see. The customer's contact details are left out"
                + (f"; documents sent to the customer are not copied ({', '.join(attachments)})" if attachments
                   else "") + ". Please do not reply to the customer from this copy.")
        c.subject = f"For information (copy): the SPOC's response to {customer.name}, {today:%-d %B %Y}"
        c.body_text = note + "\n\n" + scrub(text, details, staff_domains)
        body = scrub(html, details, staff_domains)
        head = f"<p><i>{htmllib.escape(note)}</i></p>"
        c.body_html = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + head, body, count=1) \
            if "<body" in body else head + body


# ------------------------------------------------------------------ honest dates

KIND_NAMES = {"foi": "a Freedom of Information request", "eir": "an Environmental Information request",
              "sar": "a subject access request", "complaint": "a complaint"}
NEW_DATE = ("The Single Point of Contact will write to you with the date by which you will have it.")


def _day(d: date) -> str:
    return f"{d:%A %-d %B %Y}"


def target_date(issue, calendar) -> date | None:
    """The date the council expects to answer a category without a timescale of its own ([targets])."""
    from spocmail.deadlines import default_rules

    days = default_rules().targets.get(issue.category)
    if days is None or issue.received_on is None:
        return None
    return calendar.add_working_days(issue.received_on, days)


def date_line(issue, today: date, calendar) -> str:
    """One honest sentence on when an item will be answered: a promise only while it can still be kept."""
    from spocmail.deadlines import timescale

    if issue.statutory_kind and issue.due:
        rule = timescale(issue.statutory_kind)
        name = KIND_NAMES.get(issue.statutory_kind, f"a {rule.title.lower()}" if rule else "this request")
        statutory = rule.statutory if rule else True
        if issue.due >= today:
            if statutory:
                return f"As {name} it will be answered by {_day(issue.due)} at the latest."
            source = rule.source if rule else "the council's policy"
            return f"As {name}, the council aims to answer it by {_day(issue.due)} ({source})."
        if statutory:
            return (f"As {name} it was due to be answered by {_day(issue.due)}: it is late, and we apologise "
                    f"for the delay. {NEW_DATE}")
        return (f"The council aimed to answer it by {_day(issue.due)}: it is late, and we apologise for the "
                f"delay. {NEW_DATE}")
    target = target_date(issue, calendar) if not issue.statutory_kind else None
    if target is None:
        return ""
    if target >= today:
        return f"The council expects to answer it by {_day(target)}."
    return (f"The council expected to answer it by {_day(target)}: it is taking longer, and we apologise for "
            f"the delay. {NEW_DATE}")


def late(issue, today: date, calendar) -> bool:
    due = issue.due if issue.statutory_kind else target_date(issue, calendar)
    return due is not None and due < today


def with_date(line: str, issue, today: date, calendar) -> str:
    extra = date_line(issue, today, calendar)
    return f"{line} {extra}".strip() if extra else line


SEPARATE = "Sent to you separately, to you alone, because it holds your personal data."


def separate_line(when) -> str:
    return f"Sent to you separately on {when:%A %-d %B %Y}, to you alone, because it holds your personal data."


def officer_ids(item_officers: Any) -> tuple:
    return tuple(sorted(o for o in item_officers if o))


__all__ = ["CopyRule", "Copy", "load", "rules", "rule_for", "scrub", "contact_details", "plan", "render_copies",
           "date_line", "target_date", "late", "with_date", "SEPARATE", "separate_line", "field"]
