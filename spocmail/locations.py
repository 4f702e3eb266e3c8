"""Places a request names (postcodes, streets, sites), so the officer asked knows where: rules/locations.toml."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from spocmail import resources
from spocmail.errors import ConfigError

DEFAULT_PATH = resources.packaged("rules") / "locations.toml"  # the shipped copy


# The outward and inward codes of a UK postcode, in either case, with or without the space.
_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)[ \t]?([0-9][A-Z]{2})\b", re.I)
# A capitalised word of a place name ("Mill", "St", "O'Brien's", "Cherry-Hinton").
_WORD = r"(?:St\.|[A-Z][A-Za-z'\u2019\-]*)"
# Capitalised words that start a sentence or a phrase rather than a place name.
_LEADING = {"the", "a", "an", "on", "in", "at", "by", "near", "outside", "opposite", "behind", "from", "to",
            "of", "and", "or", "my", "our", "your", "their", "why", "when", "where", "what", "how", "please",
            "under", "since", "for", "about", "re", "is", "are", "was", "were", "i", "we", "this", "that"}


@dataclass(frozen=True)
class LocationRules:
    street_words: tuple[str, ...]
    site_words: tuple[str, ...]
    names: tuple[str, ...]
    home_categories: tuple[str, ...]

    def __post_init__(self) -> None:
        suffixes = sorted({*self.street_words, *self.site_words}, key=len, reverse=True)
        alternatives = "|".join(re.escape(s).replace(r"\ ", "[ \t]+") for s in suffixes)
        # a house number, then one to three capitalised words, then a street or site word; never across a line
        place = rf"(?:\b(\d{{1,4}}[A-Za-z]?),?[ \t]+)?\b((?:{_WORD}[ \t]+){{1,3}}(?:{alternatives}))\b"
        object.__setattr__(self, "_place", re.compile(place))
        # what every match of _place contains, matched alone: a far cheaper scan that finds the lines to read.
        # None (the whole text is scanned) when that is not so: no words at all, or a word across a line end.
        by_line = alternatives and not any("\n" in w for w in suffixes)
        object.__setattr__(self, "_suffix", re.compile(alternatives) if by_line else None)
        named = "|".join(re.escape(n) for n in sorted(self.names, key=len, reverse=True))
        object.__setattr__(self, "_named", re.compile(rf"\b(?:{named})\b", re.I) if named else None)


def rules_from_dict(data: dict[str, Any], where: str = "location rules") -> LocationRules:
    """Validate parsed rules; each error names the file, the key and what was expected."""
    allowed = {"streets": ("words",), "sites": ("words", "names"), "home": ("categories",)}
    for section in data:
        if section not in allowed:
            raise ConfigError(f"{where}: [{section}]: unknown section; expected {', '.join(f'[{s}]' for s in allowed)}")
    for section, keys in allowed.items():
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: [{section}]: expected a table")
        for key in table:
            if key not in keys:
                raise ConfigError(f"{where}: [{section}] {key}: unknown key; expected {', '.join(keys)}")

    def strings(section: str, key: str, required: bool) -> tuple[str, ...]:
        value = data.get(section, {}).get(key)
        if value is None and not required:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            state = "missing" if value is None else f"= {value!r}"
            raise ConfigError(f"{where}: [{section}] {key} {state}: expected a list of non-empty strings")
        return tuple(v.strip() for v in value)

    rules = LocationRules(street_words=strings("streets", "words", True), site_words=strings("sites", "words", True),
                          names=strings("sites", "names", False), home_categories=strings("home", "categories", False))
    for word in rules.street_words + rules.site_words:
        if not word[0].isupper():
            raise ConfigError(f"{where}: {word!r}: expected a capitalised word, as it is written in an address")
    return rules


def load(path: Path | str | None = None) -> LocationRules:
    path = Path(path) if path is not None else resources.rules_file("locations.toml")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such location rules file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the location rules ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return rules_from_dict(data, str(path))


def default_rules() -> LocationRules:
    """The rules in force (the council's copy, else the shipped one), read again only when the file changes."""
    path = resources.rules_file("locations.toml")
    return _cached(path, resources.stamp(path))


@lru_cache(maxsize=4)
def _cached(path: Path, _stamp: tuple) -> LocationRules:
    return load(path)


_DIGIT = re.compile(r"[0-9]")  # in every postcode


class _At:
    """A match found in one line, with its start in the whole text."""

    __slots__ = ("_m", "_offset")

    def __init__(self, m: re.Match, offset: int) -> None:
        self._m, self._offset = m, offset

    def start(self) -> int:
        return self._offset + self._m.start()

    def group(self, n: int = 0):
        return self._m.group(n)


def _line_matches(pattern: re.Pattern, text: str, probe: re.Pattern | None):
    """pattern.finditer(text), read line by line, and only in the lines where `probe` finds what every match
    contains. Exactly the same matches, in the same order: neither pattern matches a line end (places and
    postcodes are separated by spaces and tabs alone), and a line end is no word character, so a \\b at either
    end of a line reads the same in the line alone. Scanning the whole text tried the pattern at every word.
    Without a probe, the whole text is scanned."""
    if probe is None:
        yield from pattern.finditer(text)
        return
    offset = 0
    for line in text.split("\n"):
        if probe.search(line):
            for m in pattern.finditer(line):
                yield _At(m, offset)
        offset += len(line) + 1


def places_named(text: str, rules: LocationRules | None = None) -> tuple[str, ...]:
    """The places the text names, in the order they come, each once (a place inside a longer one is dropped)."""
    rules = rules or default_rules()
    found: list[tuple[int, str]] = []
    for m in _line_matches(_POSTCODE, text, _DIGIT):
        found.append((m.start(), f"{m.group(1)} {m.group(2)}".upper()))
    for m in _line_matches(rules._place, text, rules._suffix):
        words = m.group(2).split()
        first = words[0]
        while len(words) > 1 and words[0].lower().rstrip(".") in _LEADING:
            words = words[1:]
        name = " ".join(words)
        if name in rules.street_words or name in rules.site_words:  # nothing but "Green" or "Car Park" left
            if first != "The":
                continue
            name = f"The {name}"  # "The Green" is a place; "Green" alone is not
        number = m.group(1)
        found.append((m.start(), f"{number} {name}" if number else name))
    if rules._named is not None:
        by_lower = {n.lower(): n for n in rules.names}
        for m in rules._named.finditer(text):
            found.append((m.start(), by_lower.get(m.group(0).lower(), m.group(0))))
    places: list[str] = []
    for _, place in sorted(found):
        if place.lower() not in (p.lower() for p in places):
            places.append(place)
    return tuple(p for p in places if not any(p != q and p.lower() in q.lower() for q in places))


def location_for(words: str, category: str, home_address: str = "", rules: LocationRules | None = None) -> str:
    """What an officer's request says under "Location": the places named, else the customer's address
    for the categories that happen at home, else that none was named."""
    rules = rules or default_rules()
    places = places_named(words, rules)
    if places:
        return "; ".join(places)
    if category in rules.home_categories and home_address.strip():
        return f"{home_address.strip()} (the customer's address; the request names no other place)"
    return "none named in the request"
