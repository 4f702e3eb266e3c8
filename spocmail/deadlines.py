"""Working days and statutory timescales: when a request is due and how that was counted, from rules/deadlines.toml."""

from __future__ import annotations

import calendar as _calendar
import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from spocmail import resources
from spocmail.errors import ConfigError

DEFAULT_RULES_PATH = resources.packaged("rules") / "deadlines.toml"  # the shipped copy

# The kinds the command line promises (CONTRACT.md); a rules file must keep them.
REQUIRED_KINDS = ("foi", "eir", "eir-extended", "sar", "sar-extended", "complaint")

# [council] holidays -> the `holidays` package's UK subdivisions whose bank holidays are the council's own.
# "uk" is the FOI Act s.10(6) definition: a bank holiday in any part of the UK.
REGIONS: dict[str, tuple[str, ...]] = {
    "uk": ("ENG", "WLS", "SCT", "NIR"),
    "england-and-wales": ("ENG", "WLS"),
    "scotland": ("SCT",),
    "northern-ireland": ("NIR",),
}

# Which working days a kind counts (its `holidays` in rules/deadlines.toml): "uk" is every UK nation's
# bank holidays, whatever the council's nation; "council" is [council] holidays.
HOLIDAY_SCOPES = ("uk", "council")
# FOI Act 2000 s.10(6), and EIR 2004 reg 2 by the same words, define a working day by the bank holidays
# of any part of the UK. That is statute, so a rules file cannot narrow these kinds to one nation.
UK_WIDE_KINDS = ("foi", "eir", "eir-extended")
# Kinds whose timescale is the law's (FOI Act, EIR, UK GDPR), not the council's own target.
STATUTORY_KINDS = ("foi", "eir", "eir-extended", "sar", "sar-extended")

UNITS = ("working_days", "calendar_months")
PAUSES = ("restart", "extend")
ROLLS = ("next-working-day", "none")

# Extra closures are for bank holidays proclaimed after the installed `holidays` release.
# An office shutdown is not one: it does not stop the statutory clock.
EXTRA_CLOSURE_NAME = "additional bank holiday (configured)"

_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = ("", "January", "February", "March", "April", "May", "June", "July",
                "August", "September", "October", "November", "December")
_NATION_NAMES = {"ENG": "England", "WLS": "Wales", "SCT": "Scotland", "NIR": "Northern Ireland"}
_ONE_DAY = timedelta(days=1)


def _quoted(options: Iterable[str]) -> str:
    return ", ".join(f'"{o}"' for o in options)


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st..."""
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _day(d: date) -> str:
    return f"{d.isoformat()} ({_DAY_NAMES[d.weekday()]})"


def _nations(subdivs: set[str]) -> str:
    """The part of the UK a holiday belongs to, for a person reading why a day was skipped."""
    if subdivs == {"ENG", "WLS"}:
        return "England and Wales"
    names = [_NATION_NAMES[s] for s in ("ENG", "WLS", "SCT", "NIR") if s in subdivs]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# --------------------------------------------------------------------------- the calendar

class WorkingCalendar:
    """Which days are working days: not Saturday, Sunday, or a bank holiday of the region.

    Holiday years are computed from the `holidays` package the first time a date in them is
    asked about, then kept; after that every question is a dictionary look-up.
    """

    def __init__(self, region: str = "uk", extra_closures: Iterable[date] | Mapping[date, str] = ()):
        if region not in REGIONS:
            raise ConfigError(f"[council] holidays = {region!r}: expected one of {_quoted(REGIONS)}")
        self.region = region
        self._subdivs = REGIONS[region]
        if isinstance(extra_closures, Mapping):
            closures = {d: str(name) for d, name in extra_closures.items()}
        else:
            closures = {d: EXTRA_CLOSURE_NAME for d in extra_closures}
        for d in closures:
            if isinstance(d, datetime) or not isinstance(d, date):
                raise ValueError(f"extra closure {d!r}: expected a date")
        self._closures = closures
        self._names: dict[date, str] = {}
        self._loaded: set[int] = set()
        self._uk: WorkingCalendar | None = self if region == "uk" else None
        # The working-day index (see _index): whole years from _ix_lo to _ix_hi, by ordinal.
        self._ix_lo = self._ix_hi = 0
        self._cum: list[int] = []    # _cum[o - _ix_lo]: working days from _ix_lo up to and including o
        self._work: list[int] = []   # the ordinals of those working days, in order

    def __repr__(self) -> str:
        return f"WorkingCalendar(region={self.region!r}, extra_closures={len(self._closures)})"

    def uk_wide(self) -> "WorkingCalendar":
        """The same calendar with every UK nation's bank holidays (the FOI Act's), extra closures kept."""
        if self._uk is None:
            self._uk = WorkingCalendar("uk", self._closures)
        return self._uk

    def _load_year(self, year: int) -> None:
        import holidays as _holidays  # here, not at the top: most commands never ask about a date

        found: dict[date, dict[str, set[str]]] = {}
        for subdiv in self._subdivs:
            table = _holidays.country_holidays("GB", subdiv=subdiv, years=year, language="en_GB")
            for d in table:
                for name in table.get_list(d):
                    found.setdefault(d, {}).setdefault(name, set()).add(subdiv)
        everywhere = set(self._subdivs)
        for d, names in found.items():
            if d.year != year and d in self._names:
                continue
            self._names[d] = "; ".join(
                name if subdivs == everywhere else f"{name} in {_nations(subdivs)}"
                for name, subdivs in names.items()
            )
        for d, name in self._closures.items():
            if d.year == year:
                self._names[d] = f"{self._names[d]}; {name}" if d in self._names else name
        self._loaded.add(year)
        if self._cum and any(self._ix_lo <= d.toordinal() <= self._ix_hi for d in found):
            self._cum, self._work = [], []  # a holiday table reached into the indexed years: index again

    def _index(self, lo: int, hi: int) -> int:
        """Make the index cover the ordinals lo..hi (whole years, a year either side); returns _ix_lo.

        The index is built from _working itself, so it answers exactly as walking day by day does.
        """
        if self._cum and self._ix_lo <= lo and hi <= self._ix_hi:
            return self._ix_lo
        first = date.fromordinal(min(lo, self._ix_lo) if self._cum else lo).year - 1
        last = date.fromordinal(max(hi, self._ix_hi) if self._cum else hi).year + 1
        for year in range(first - 1, last + 2):  # neighbours first, should a table reach across a year
            if year not in self._loaded and date.min.year <= year <= date.max.year:
                self._load_year(year)
        first, last = max(first, date.min.year), min(last, date.max.year)
        start, end = date(first, 1, 1).toordinal(), date(last, 12, 31).toordinal()
        cum, work, count = [], [], 0
        working = self._working
        for o in range(start, end + 1):
            if working(date.fromordinal(o)):
                count += 1
                work.append(o)
            cum.append(count)
        self._ix_lo, self._ix_hi, self._cum, self._work = start, end, cum, work
        return start

    def _working(self, d: date) -> bool:
        if d.weekday() >= 5:
            return False
        if d.year not in self._loaded:
            self._load_year(d.year)
        return d not in self._names

    def holiday_name(self, d: date) -> str | None:
        """The bank holiday (or configured closure) on `d`, with the nations it belongs to; None if none."""
        d = _plain_date(d)
        if d.year not in self._loaded:
            self._load_year(d.year)
        return self._names.get(d)

    def is_working_day(self, d: date) -> bool:
        return self._working(_plain_date(d))

    def why_not_working(self, d: date) -> str | None:
        """Why `d` is not a working day ("a Saturday", "Good Friday"...), or None if it is one."""
        d = _plain_date(d)
        if self._working(d):
            return None
        name = self.holiday_name(d)
        if d.weekday() >= 5:
            weekday = _DAY_NAMES[d.weekday()]
            return f"a {weekday}, {name}" if name else f"a {weekday}"
        return name

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after `d`."""
        return self.add_working_days(d, 1)

    def previous_working_day(self, d: date) -> date:
        """The last working day strictly before `d`."""
        return self.add_working_days(d, -1)

    def roll_forward(self, d: date) -> date:
        """`d` if it is a working day, else the next working day."""
        d = _plain_date(d)
        return d if self._working(d) else self.next_working_day(d)

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after `d` (day 1 is the first working day after it, whatever `d` is).

        A negative n counts back: day -1 is the last working day before `d`. n = 0 gives `d`.
        Answered from the working-day index; walking day by day (_walk_working_days) gives the same.
        """
        d = _plain_date(d)
        if n == 0:
            return d
        o = d.toordinal()
        span = 2 * abs(n) + 14  # n working days seldom take more than this many calendar days
        while span < 400_000:
            try:
                lo = self._index(o - span if n < 0 else o, o + span if n > 0 else o)
            except (OverflowError, ValueError):
                break  # at the ends of the calendar: walk
            work = self._work
            k = self._cum[o - lo]  # working days of the index up to and including d
            if n > 0:
                i = k + n - 1
                if i < len(work):
                    return date.fromordinal(work[i])
            else:
                i = k - (1 if k and work[k - 1] == o else 0) + n  # working days strictly before d, less |n|
                if i >= 0:
                    return date.fromordinal(work[i])
            span *= 2
        return self._walk_working_days(d, n)

    def _walk_working_days(self, d: date, n: int) -> date:
        """add_working_days the slow way, one day at a time (the index is tested against it)."""
        d = _plain_date(d)
        step = _ONE_DAY if n >= 0 else -_ONE_DAY
        remaining = abs(n)
        while remaining:
            d += step
            if self._working(d):
                remaining -= 1
        return d

    def working_days_between(self, a: date, b: date) -> int:
        """How many working days fall after `a` up to and including `b` (negative when b is before a).

        So working_days_between(d, add_working_days(d, n)) == n.
        """
        a, b = _plain_date(a), _plain_date(b)
        if b < a:
            return -self.working_days_between(b, a)
        oa, ob = a.toordinal(), b.toordinal()
        lo = self._index(oa, ob)
        return self._cum[ob - lo] - self._cum[oa - lo]

    def count_working_days(self, d: date, n: int) -> tuple[date, date, list[tuple[date, str]]]:
        """Count n >= 1 working days after `d`: (day 1, day n, the weekdays skipped on the way with why)."""
        if n < 1:
            raise ValueError(f"count_working_days: n = {n}: expected 1 or more")
        d = _plain_date(d)
        first = None
        skipped: list[tuple[date, str]] = []
        remaining = n
        while remaining:
            d += _ONE_DAY
            if self._working(d):
                remaining -= 1
                if first is None:
                    first = d
            elif d.weekday() < 5:
                skipped.append((d, self._names.get(d) or ""))
        assert first is not None
        return first, d, skipped


def _plain_date(d: date) -> date:
    # A datetime is a date to Python but never equal to one, so it would miss every holiday.
    if type(d) is date:
        return d
    if isinstance(d, datetime):
        raise TypeError(f"{d!r}: expected a date; turn an instant into its London date with receipt_date()")
    if isinstance(d, date):
        return date(d.year, d.month, d.day)
    raise TypeError(f"{d!r}: expected a date")


# --------------------------------------------------------------------------- receipt

def _zone(tz: str | ZoneInfo) -> ZoneInfo:
    if isinstance(tz, ZoneInfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"time zone {tz!r}: expected an IANA zone such as \"Europe/London\"") from None


def receipt_date(instant: datetime | date | str, tz: str | ZoneInfo = "Europe/London") -> date:
    """The calendar date, in the council's zone, on which something arrived.

    An aware instant is converted (00:30 BST on 13 May is 13 May, though 12 May in UTC);
    a naive datetime is already the council's wall time; a date is taken as it is; a string
    is ISO-8601, either of those. Anything else raises ValueError.
    """
    zone = _zone(tz)
    if isinstance(instant, str):
        text = instant.strip()
        try:
            instant = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"received {text!r}: expected an ISO-8601 date or instant, "
                f"such as 2026-01-14 or 2026-01-14T09:30:00+00:00"
            ) from None
    if isinstance(instant, datetime):
        if instant.tzinfo is None or instant.utcoffset() is None:
            return instant.date()
        return instant.astimezone(zone).date()
    if isinstance(instant, date):
        return instant
    raise ValueError(f"received {instant!r}: expected a datetime, a date or an ISO-8601 string")


# --------------------------------------------------------------------------- rules

@dataclass(frozen=True)
class DeadlineRule:
    """One kind of request and its timescale, as rules/deadlines.toml states it."""

    kind: str
    title: str
    source: str
    count: int
    unit: str            # "working_days" or "calendar_months"
    pause: str           # "restart" or "extend"
    roll: str = "none"   # calendar_months only: "next-working-day" or "none"
    holidays: str = "council"   # "uk": every UK nation's bank holidays; "council": [council] holidays
    statutory: bool = False     # set by law (FOI, EIR, UK GDPR) rather than a local target

    @property
    def label(self) -> str:
        """What a notice calls the date: the law's deadline, or the council's own target."""
        return "statutory deadline" if self.statutory else "local target"

    def calendar(self, council: WorkingCalendar) -> WorkingCalendar:
        """The working days this kind counts, given the council's own."""
        return council.uk_wide() if self.holidays == "uk" else council

    def describe(self) -> str:
        if self.unit == "working_days":
            return f"{self.count} working day{'s' if self.count != 1 else ''}"
        return f"{self.count} calendar month{'s' if self.count != 1 else ''}"


@dataclass(frozen=True)
class DeadlineRules:
    """The kinds of request spocmail can time, read from one rules file."""

    path: Path | None
    rules: tuple[DeadlineRule, ...]
    # [targets]: the council's own working days to answer a category that has no timescale of its own
    targets: Mapping[str, int] = field(default_factory=dict)
    _by_kind: dict[str, DeadlineRule] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_kind", {r.kind: r for r in self.rules})

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(r.kind for r in self.rules)

    def __contains__(self, kind: object) -> bool:
        return kind in self._by_kind

    def __iter__(self):
        return iter(self.rules)

    def get(self, kind: str) -> DeadlineRule:
        try:
            return self._by_kind[kind]
        except (KeyError, TypeError):
            where = f" (the kinds in {self.path})" if self.path else ""
            raise ConfigError(
                f"deadline kind {kind!r}: unknown; expected one of {_quoted(self.kinds)}{where}"
            ) from None


_KIND_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
_KIND_KEYS = ("title", "source", "count", "unit", "pause", "roll", "holidays", "statutory")
_MAX_COUNT = {"working_days": 260, "calendar_months": 12}


def rules_from_dict(data: Mapping[str, Any], path: Path | None = None) -> DeadlineRules:
    """Validate parsed rules; every error names the file, the kind, the field and what was expected."""
    where = str(path) if path else "deadline rules"
    unknown = sorted(set(data) - {"kinds", "targets"})
    if unknown:
        raise ConfigError(f"{where}: {unknown[0]}: unknown key; expected only [kinds.NAME] tables "
                          f"and a [targets] table")
    targets = _targets(data.get("targets", {}), where, data.get("kinds"))
    kinds = data.get("kinds")
    if not isinstance(kinds, dict) or not kinds:
        raise ConfigError(f"{where}: [kinds]: missing; expected a [kinds.NAME] table for each of "
                          f"{_quoted(REQUIRED_KINDS)}")
    rules = []
    for kind, table in kinds.items():
        section = f"[kinds.{kind}]"
        if not _KIND_NAME.match(kind):
            raise ConfigError(f"{where}: {section}: expected a name of lower-case letters, digits "
                              f"and hyphens, such as \"foi\" or \"eir-extended\"")
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: {section}: expected a table with {_quoted(_KIND_KEYS[:5])}")

        def fail(key: str, expected: str) -> None:
            if key in table:
                raise ConfigError(f"{where}: {section} {key} = {table[key]!r}: expected {expected}")
            raise ConfigError(f"{where}: {section} {key}: missing; expected {expected}")

        def text(key: str, expected: str) -> str:
            value = table.get(key)
            if not isinstance(value, str) or not value.strip():
                fail(key, expected)
            return value.strip()

        def choice(key: str, options: tuple[str, ...]) -> str:
            value = table.get(key)
            if value not in options:
                fail(key, f"one of {_quoted(options)}")
            return value

        extra = sorted(set(table) - set(_KIND_KEYS))
        if extra:
            raise ConfigError(f"{where}: {section} {extra[0]}: unknown key; expected only "
                              f"{_quoted(_KIND_KEYS)}")
        title = text("title", "a non-empty string saying what the kind is")
        source = text("source", "a non-empty string naming the Act, regulation or policy")
        unit = choice("unit", UNITS)
        count = table.get("count")
        high = _MAX_COUNT[unit]
        noun = "working days" if unit == "working_days" else "calendar months"
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= high:
            fail("count", f"a whole number of {noun} from 1 to {high}")
        pause = choice("pause", PAUSES)
        if unit == "working_days" and pause != "restart":
            fail("pause", '"restart" with unit = "working_days": a clarification restarts a count of '
                          'working days from zero (FOI Act 2000 s.1(3), EIR 2004 reg 9)')
        if unit == "calendar_months":
            roll = choice("roll", ROLLS)
        else:
            if "roll" in table:
                fail("roll", 'nothing: roll applies only with unit = "calendar_months" '
                             '(a count of working days always ends on a working day)')
            roll = "none"
        uk_wide = kind in UK_WIDE_KINDS
        holidays = table.get("holidays", "uk" if uk_wide else "council")
        if holidays not in HOLIDAY_SCOPES:
            fail("holidays", f'one of {_quoted(HOLIDAY_SCOPES)} ("uk": every UK nation\'s bank holidays; '
                             f'"council": [council] holidays in config.toml)')
        if uk_wide and holidays != "uk":
            fail("holidays", '"uk": FOI Act 2000 s.10(6) and EIR 2004 reg 2 count a bank holiday in any '
                             'part of the UK, and no setting narrows that')
        statutory = table.get("statutory", kind in STATUTORY_KINDS)
        if not isinstance(statutory, bool):
            fail("statutory", "true (a timescale set by law) or false (a local target)")
        if kind in STATUTORY_KINDS and not statutory:
            fail("statutory", f"true: the {kind} timescale is set by {source}, not by the council")
        rules.append(DeadlineRule(kind=kind, title=title, source=source, count=count,
                                  unit=unit, pause=pause, roll=roll, holidays=holidays,
                                  statutory=statutory))
    missing = [k for k in REQUIRED_KINDS if k not in kinds]
    if missing:
        raise ConfigError(f"{where}: [kinds.{missing[0]}]: missing; the command line promises the kinds "
                          f"{_quoted(REQUIRED_KINDS)}, so each needs a table")
    return DeadlineRules(path=path, rules=tuple(rules), targets=targets)


def _targets(table: Any, where: str, kinds: Any) -> dict[str, int]:
    """[targets] CATEGORY = N: the council expects to answer within N of its own working days."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: targets = {table!r}: expected a [targets] table of "
                          f"CATEGORY = working days, such as general-enquiry = 10")
    out = {}
    for category, days in table.items():
        key = f"[targets] {category}"
        if not _KIND_NAME.match(category):
            raise ConfigError(f"{where}: {key}: expected a category id of rules/classify.toml, "
                              f"such as \"general-enquiry\"")
        if isinstance(kinds, dict) and category in kinds:
            raise ConfigError(f"{where}: {key}: {category} has its own timescale in [kinds.{category}]; "
                              f"remove it from [targets]")
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 260:
            raise ConfigError(f"{where}: {key} = {days!r}: expected a whole number of working days "
                              f"from 1 to 260")
        out[category] = days
    return out


def load_rules(path: Path | str | None = None) -> DeadlineRules:
    """Read and validate a rules file; by default the council's rules/deadlines.toml, else the shipped one."""
    path = Path(path) if path is not None else resources.rules_file("deadlines.toml")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such deadline rules file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the deadline rules ({exc.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return rules_from_dict(data, path)


def default_rules() -> DeadlineRules:
    """The rules in force (the council's copy, else the shipped one), read again only when the file changes."""
    path = resources.rules_file("deadlines.toml")
    try:
        st = path.stat()
        stamp = (st.st_mtime_ns, st.st_size)
    except OSError:
        stamp = ()
    return _cached_rules(path, stamp)


@lru_cache(maxsize=4)
def _cached_rules(path: Path, _stamp: tuple) -> DeadlineRules:
    return load_rules(path)


# --------------------------------------------------------------------------- due dates

@dataclass(frozen=True)
class Explained:
    """When a request is due, and how that was worked out, for a person to check: counted day by day."""

    kind: str
    received: date
    due: date
    basis: str                                  # one line: the count, its source, what was skipped
    title: str
    source: str
    working_days: int | None                    # N for working-day kinds, None for calendar months
    months: int | None                          # N for calendar-month kinds, None for working days
    start: date                                 # the count runs from here (receipt, or clarification)
    pauses: tuple[tuple[date, date], ...]       # as given, as dates, in order
    skipped: tuple[tuple[date, str], ...]       # non-working weekdays passed over, with the holiday
    region: str
    steps: tuple[str, ...]                      # the count, step by step
    notes: tuple[str, ...] = ()                 # things worth knowing that did not change the count


class Deadline:
    """When a request is due, and how that was worked out, for a person to check.

    The date comes from the working-day index at once; the explanation (basis, skipped, steps,
    notes) is worked out the first time one of them is read, by counting day by day (Explained),
    so a caller that wants only the date does not pay for the words.
    """

    __slots__ = ("_v", "_explained")

    def __init__(self, rule: DeadlineRule, received: date, due: date, start: date,
                 pauses: tuple[tuple[date, date], ...], calendar: WorkingCalendar):
        working = rule.unit == "working_days"
        # One assignment, in the order of _DEADLINE_FIELDS, then the rule and calendar the explanation needs.
        object.__setattr__(self, "_v", (rule.kind, received, due, rule.title, rule.source,
                                        rule.count if working else None, None if working else rule.count,
                                        start, pauses, calendar.region, rule, calendar))

    def __setattr__(self, name: str, value: object) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def explained(self) -> Explained:
        """The whole count, step by step (walks the calendar day by day; kept once made)."""
        try:
            return self._explained
        except AttributeError:
            rule, calendar = self._v[-2:]
            build = _working_day_deadline if rule.unit == "working_days" else _calendar_month_deadline
            object.__setattr__(self, "_explained", build(rule, self.received, self.pauses, calendar))
            return self._explained

    @property
    def basis(self) -> str:
        return self.explained().basis

    @property
    def skipped(self) -> tuple[tuple[date, str], ...]:
        return self.explained().skipped

    @property
    def steps(self) -> tuple[str, ...]:
        return self.explained().steps

    @property
    def notes(self) -> tuple[str, ...]:
        return self.explained().notes

    def _fields(self) -> tuple:
        return tuple(getattr(self, f.name) for f in dataclasses.fields(Explained))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Deadline, Explained)):
            return self._fields() == tuple(getattr(other, f.name) for f in dataclasses.fields(Explained))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return "Deadline(" + ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(Explained)) + ")"


_DEADLINE_FIELDS = ("kind", "received", "due", "title", "source", "working_days", "months", "start", "pauses",
                    "region")
for _i, _name in enumerate(_DEADLINE_FIELDS):
    setattr(Deadline, _name, property(lambda self, _i=_i: self._v[_i]))
del _i, _name


def _pause_dates(pauses: Sequence[tuple[Any, Any]], received: date) -> tuple[tuple[date, date], ...]:
    out = []
    for pause in pauses:
        try:
            asked, answered = pause
        except (TypeError, ValueError):
            raise ValueError(f"pause {pause!r}: expected a pair (asked on, answer received on)") from None
        if asked is None or answered is None:
            raise ValueError(f"pause {pause!r}: expected both dates; while the answer is awaited the "
                             f"clock is stopped and there is no due date")
        a, b = receipt_date(asked), receipt_date(answered)
        if b < a:
            raise ValueError(f"pause from {a} to {b}: the answer cannot arrive before it was asked for")
        if a < received:
            raise ValueError(f"pause from {a} to {b}: it starts before the request was received on {received}")
        out.append((a, b))
    return tuple(sorted(out))


def _add_months(d: date, months: int) -> date:
    """The same day number `months` later, or that month's last day where there is no such day."""
    index = d.month - 1 + months
    year, month = d.year + index // 12, index % 12 + 1
    return date(year, month, min(d.day, _calendar.monthrange(year, month)[1]))


def due_date(
    kind: str,
    received: datetime | date | str,
    calendar: WorkingCalendar,
    pauses: Sequence[tuple[date, date]] = (),
    rules: DeadlineRules | None = None,
) -> Deadline:
    """When a request of `kind` received at `received` is due, with the reasons.

    `calendar` is the council's own working days; a kind whose rule says holidays = "uk" (FOI and
    EIR, by statute) counts every UK nation's bank holidays instead, whatever the council's nation.
    `received` is an instant (converted to its Europe/London date) or already a date.
    `pauses` are (asked on, answer received on): for a working-day kind the count starts
    again from zero from the latest answer; for a calendar-month kind the paused days are added.
    """
    rule = (rules if rules is not None else default_rules()).get(kind)
    calendar = rule.calendar(calendar)
    received_on = received if type(received) is date else receipt_date(received)
    spans = _pause_dates(pauses, received_on) if pauses else ()
    if rule.unit == "working_days":
        start = _restart_date(spans) if spans else received_on  # the latest clarification, as _restart
        due = calendar.add_working_days(start, rule.count)
    else:
        start = _restart_date(spans) if spans and rule.pause == "restart" else received_on
        due = _add_months(start, rule.count)
        if spans and rule.pause == "extend":
            due += timedelta(days=_paused_days(spans))
        if rule.roll == "next-working-day" and not calendar.is_working_day(due):
            due = calendar.next_working_day(due)
    return Deadline(rule, received_on, due, start, spans, calendar)


def _restart_date(spans: tuple[tuple[date, date], ...]) -> date:
    return max(spans, key=lambda p: (p[1], p[0]))[1]


def _working_day_deadline(rule: DeadlineRule, received: date, spans: tuple[tuple[date, date], ...],
                          calendar: WorkingCalendar) -> Explained:
    n = rule.count
    steps = [f"Received {_day(received)}."]
    notes = []
    start = received
    if spans:  # validation allows only pause = "restart" for working days
        start = _restart(spans, steps, notes)
    why = calendar.why_not_working(start)
    if why:
        notes.append(f"{start} is not a working day ({why}); day 1 is still the next working day.")
    first, due, skipped = calendar.count_working_days(start, n)
    steps.append(f"Day 1 is {_day(first)}.")
    steps += [f"Skipped {_day(d)}: {name}." for d, name in skipped]
    steps.append(f"Day {n} is {_day(due)}: due.")
    basis = f"{ordinal(n)} working day after {start} ({rule.source})"
    if start != received:
        basis += f", counted again from the clarification received that day (request received {received})"
    if skipped:
        basis += "; skipped: " + ", ".join(f"{d} {name}" for d, name in skipped)
    return Explained(kind=rule.kind, received=received, due=due, basis=basis, title=rule.title,
                    source=rule.source, working_days=n, months=None, start=start, pauses=spans,
                    skipped=tuple(skipped), region=calendar.region, steps=tuple(steps),
                    notes=tuple(notes))


def _restart(spans: tuple[tuple[date, date], ...], steps: list[str], notes: list[str]) -> date:
    """The latest clarification restarts the count; earlier ones no longer matter."""
    latest = max(spans, key=lambda p: (p[1], p[0]))
    start = latest[1]
    steps.append(f"Clarification asked {latest[0]}, received {_day(start)}: "
                 f"the count starts again from zero from {start}.")
    for other in spans:
        if other != latest:
            notes.append(f"The pause from {other[0]} to {other[1]} does not change the count: "
                         f"only the latest clarification restarts it.")
    return start


def _paused_days(spans: tuple[tuple[date, date], ...]) -> int:
    """Calendar days covered by the pauses, overlaps counted once."""
    total = 0
    end: date | None = None
    for a, b in spans:                  # sorted by start
        if end is not None and a < end:
            a = end
        if b > a:
            total += (b - a).days
        end = b if end is None else max(end, b)
    return total


def _calendar_month_deadline(rule: DeadlineRule, received: date, spans: tuple[tuple[date, date], ...],
                             calendar: WorkingCalendar) -> Explained:
    months = rule.count
    steps = [f"Received {_day(received)}."]
    notes: list[str] = []
    start = received
    if spans and rule.pause == "restart":
        start = _restart(spans, steps, notes)
    later = _add_months(start, months)
    plural = "s" if months != 1 else ""
    basis = f"{months} calendar month{plural} after {start} ({rule.source}) is {later}"
    if start != received:
        basis += f", counted again from the clarification received {start} (request received {received})"
    if later.day != start.day:
        month = _MONTH_NAMES[later.month]
        steps.append(f"{months} calendar month{plural} later is {_day(later)}: {month} has no "
                     f"{ordinal(start.day)}, so its last day.")
        basis += f", the last day of {month}"
    else:
        steps.append(f"{months} calendar month{plural} later is {_day(later)}.")
    raw = later
    if spans and rule.pause == "extend":
        paused = _paused_days(spans)
        raw = later + timedelta(days=paused)
        listed = ", ".join(f"{a} to {b}" for a, b in spans)
        steps.append(f"Paused {listed}: {paused} calendar day{'s' if paused != 1 else ''} added, "
                     f"giving {_day(raw)}.")
        basis += f"; plus {paused} paused day{'s' if paused != 1 else ''} is {raw}"
        if sum((b - a).days for a, b in spans) != paused:
            notes.append("Overlapping pauses were counted once.")
    due = raw
    skipped: list[tuple[date, str]] = []
    why = calendar.why_not_working(raw)
    if why and rule.roll == "next-working-day":
        due = calendar._walk_working_days(raw, 1)  # day by day: the index is checked against this
        d = raw
        while d < due:
            if d.weekday() < 5:
                skipped.append((d, calendar.holiday_name(d) or ""))
            d += _ONE_DAY
        steps.append(f"{raw} is not a working day ({why}): due the next working day, {_day(due)}.")
        basis += f"; not a working day ({why}), so the next working day"
    elif why:
        notes.append(f"{raw} is not a working day ({why}), and roll = \"none\" keeps it.")
    steps.append(f"Due {_day(due)}.")
    return Explained(kind=rule.kind, received=received, due=due, basis=basis, title=rule.title,
                    source=rule.source, working_days=None, months=months, start=start,
                    pauses=spans, skipped=tuple(skipped), region=calendar.region,
                    steps=tuple(steps), notes=tuple(notes))


def holidays_basis(rule: DeadlineRule, council: WorkingCalendar) -> str:
    """Whose bank holidays a kind counts, and why, in words for the SPOC."""
    if rule.holidays == "uk":
        return ("bank holidays in any part of the UK (the definition of FOI Act 2000 s.10(6) and EIR 2004 "
                "reg 2), whatever the council's own nation")
    region = council.region
    if region == "uk":
        return "the council's own working days: [council] holidays = \"uk\", every UK nation's bank holidays"
    return f"the council's own working days: [council] holidays = \"{region}\""


def timescale(kind: str | None, rules: DeadlineRules | None = None) -> DeadlineRule | None:
    """The rule for a kind an issue carries, or None when it has none (or the rules no longer know it)."""
    if not kind:
        return None
    rules = rules if rules is not None else default_rules()
    return rules.get(kind) if kind in rules else None


def deadline_label(kind: str | None, rules: DeadlineRules | None = None) -> str:
    """"statutory deadline" for FOI, EIR and subject access; "local target" for the council's own timescales."""
    rule = timescale(kind, rules)
    return rule.label if rule is not None else "local target"


def deadline_report(
    kind: str,
    received_instant: datetime | date | str,
    pauses: Sequence[tuple[Any, Any]] = (),
    calendar: WorkingCalendar | None = None,
    rules: DeadlineRules | None = None,
) -> dict[str, Any]:
    """The JSON document `spocmail deadline --json` prints.

    `calendar` is the council's own working days; "calendar" in the document is the one the kind
    counted ("uk" for FOI and EIR whatever the council's nation), "council_holidays" the council's.
    """
    calendar = calendar if calendar is not None else WorkingCalendar()
    rule = (rules if rules is not None else default_rules()).get(kind)
    d = due_date(kind, received_instant, calendar, pauses, rules)
    return {
        "kind": d.kind,
        "received": d.received.isoformat(),
        "due": d.due.isoformat(),
        "basis": d.basis,
        "working_days": d.working_days,
        "calendar": d.region,
        "council_holidays": calendar.region,
        "statutory": rule.statutory,
        "label": rule.label,
        "holidays_basis": holidays_basis(rule, calendar),
        "pauses": [{"from": a.isoformat(), "to": b.isoformat()} for a, b in d.pauses],
        "skipped": [{"date": s.isoformat(), "name": name} for s, name in d.skipped],
    }
