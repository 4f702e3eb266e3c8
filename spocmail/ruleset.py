"""Every rules file and template, read and validated when spocmail starts: a bad one stops it before it touches mail."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from spocmail import deadlines, disclosure, filing, locations, resources, rules, split, templating
from spocmail.config import Config
from spocmail.errors import ConfigError
from spocmail.mail import lexicon as mail_lexicon

# Which loader validates which file. A rules file shipped without an entry here is never checked at
# start, so tests/test_resources.py fails until one is added.
LOADERS: dict[str, Callable[[Path], Any]] = {
    "answers.toml": rules.load_answers,
    "copy.toml": disclosure.load,
    "classify.toml": rules.load_classify,
    "deadlines.toml": deadlines.load_rules,
    "identify.toml": rules.load_identify,
    "locations.toml": locations.load,
    "split.toml": split.load_split,
    "followups.toml": filing.load_followups,
    "route.toml": rules.load_route,
    "mail.toml": mail_lexicon.load,
}

# A file already found good is not read again while it stays unchanged (the CLI checks on every command).
_checked: set[tuple] = set()


def _stamp(path: Path) -> tuple:
    try:
        st = path.stat()
    except OSError:
        return (str(path),)
    return (str(path), st.st_mtime_ns, st.st_size)


def check(config: Config) -> dict[str, Path]:
    """Load every rules file CONFIG reads and compile its templates; raise ConfigError (exit 2) at the first fault.

    Returns the rules files in force, by name, with the path each is read from.
    """
    for stray in resources.unknown_rule_files(config):
        raise ConfigError(f"{stray}: not a rules file spocmail reads (in [rules] dir); expected one of "
                          + ", ".join(resources.packaged_rule_names())
                          + ": correct its name, or move it out of the folder")
    files = resources.rule_files(config)
    for name, path in files.items():
        key = (name, *_stamp(path))
        if key in _checked:
            continue
        loader = LOADERS.get(name)
        if loader is None:
            raise ConfigError(f"{path}: spocmail ships this rules file but has no check for it "
                              f"(add one to spocmail/ruleset.py)")
        loader(path)
        _checked.add(key)
    templating.check(resources.template_dirs(config))
    return files


def activate(config: Config) -> dict[str, Path]:
    """Check CONFIG's rules and templates, then read them from now on in this process."""
    files = check(config)
    resources.use_config(config)
    return files
