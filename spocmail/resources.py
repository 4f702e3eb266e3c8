"""Where the council's data lives: the one loader through which every module finds a rules file or a template.

A council's own copies (config `[rules] dir`, `[templates] dir`, as `spocmail init` writes them) come first;
a file they do not have is read from spocmail's packaged copy. The packaged copy is `spocmail/_data/` in an
installed wheel (setup.py puts the top-level `rules/`, `templates/`, `examples/register.toml` and
`config.example.toml` there) and the repository's own top-level folders in a checkout or editable install.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # config imports this module for its messages; the type is only a hint here
    from spocmail.config import Config

_PACKAGE = Path(__file__).resolve().parent
_WHEEL_DATA = _PACKAGE / "_data"
_CHECKOUT = _PACKAGE.parent


_root: Path | None = None  # which of the two it is, found once: a process does not change what it runs from


def packaged(name: str = "") -> Path:
    """spocmail's own copy of NAME: "rules", "templates", "examples/register.toml" or "config.example.toml"."""
    global _root
    if _root is None:  # a stat a call was 1% of a poll pass: rules_file() asks for every rules look-up
        _root = _WHEEL_DATA if _WHEEL_DATA.is_dir() else _CHECKOUT
    return _root / name if name else _root


@dataclass(frozen=True)
class Sources:
    """The council's own folders, None where the config names none."""

    rules: Path | None = None
    templates: Path | None = None


# One council per process: the CLI sets this from the config it loaded, so the deep call sites
# (a due date, a reply's decline phrases, a rendered template) read the council's copy without
# every caller having to carry the config down to them.
_active = Sources()


def use(sources: Sources | None = None) -> None:
    """Read the council's copies in SOURCES from now on (None: the packaged copies only)."""
    global _active
    _active = sources or Sources()


def sources_of(config: "Config | None") -> Sources:
    if config is None:
        return _active
    return Sources(rules=config.rules.dir, templates=config.templates.dir)


def use_config(config: "Config") -> None:
    use(sources_of(config))


def packaged_rule_names() -> tuple[str, ...]:
    """The rules files spocmail ships, and so the ones it reads."""
    return tuple(sorted(p.name for p in packaged("rules").glob("*.toml")))


def rules_file(name: str, config: "Config | None" = None) -> Path:
    """The rules file NAME ("classify.toml") that will be read: the council's copy if it has one."""
    own = sources_of(config).rules
    if own is not None and (own / name).is_file():
        return own / name
    return packaged("rules") / name


def rule_files(config: "Config | None" = None) -> dict[str, Path]:
    """Every rules file spocmail reads, by name, with the path that will be read."""
    return {name: rules_file(name, config) for name in packaged_rule_names()}


def unknown_rule_files(config: "Config | None" = None) -> list[Path]:
    """Files in the council's rules folder that spocmail would never read (a misspelt name, most likely)."""
    own = sources_of(config).rules
    if own is None:
        return []
    known = set(packaged_rule_names())
    return sorted(p for p in own.glob("*.toml") if p.name not in known)


def template_dirs(config: "Config | None" = None) -> tuple[Path, ...]:
    """Where templates are looked for, in order: the council's folder (if any), then the packaged one."""
    own = sources_of(config).templates
    return tuple(d for d in (own, packaged("templates")) if d is not None)


def stamp(path: Path) -> tuple:
    """Part of a cache key for a rules file: an edited (or removed) file is read again."""
    try:
        st = path.stat()
    except OSError:
        return ()
    return (st.st_mtime_ns, st.st_size)
