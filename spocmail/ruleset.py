"""Every rules file and template, read and validated when spocmail starts: a bad one stops it before it touches mail."""

from __future__ import annotations

import hashlib
import importlib
import os
from pathlib import Path
from typing import Any, Callable

from spocmail import resources
from spocmail.config import Config
from spocmail.errors import ConfigError


def _loader(module: str, name: str) -> Callable[[Path], Any]:
    """module.name, imported when a file is checked (a command whose files were checked before needs none)."""

    def load(path: Path) -> Any:
        return getattr(importlib.import_module(module), name)(path)

    load.__qualname__ = load.__name__ = f"{module}.{name}"
    return load


# Which loader validates which file. A rules file shipped without an entry here is never checked at
# start, so tests/test_resources.py fails until one is added.
LOADERS: dict[str, Callable[[Path], Any]] = {
    "answers.toml": _loader("spocmail.rules", "load_answers"),
    "copy.toml": _loader("spocmail.disclosure", "load"),
    "classify.toml": _loader("spocmail.rules", "load_classify"),
    "deadlines.toml": _loader("spocmail.deadlines", "load_rules"),
    "identify.toml": _loader("spocmail.rules", "load_identify"),
    "locations.toml": _loader("spocmail.locations", "load"),
    "split.toml": _loader("spocmail.split", "load_split"),
    "followups.toml": _loader("spocmail.filing", "load_followups"),
    "route.toml": _loader("spocmail.rules", "load_route"),
    "mail.toml": _loader("spocmail.mail.lexicon", "load"),
}

# Files and templates found good by an earlier command, remembered by content (see _Verdicts).
CACHE_ENV = "SPOCMAIL_CHECK_CACHE"  # a file path, or "off" to check everything on every start

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
    verdicts = _Verdicts()
    # One digest for the whole set: a loader may read another file (copy.toml names classify.toml's categories).
    digest = verdicts.digest("rules", *(f"{name}\0{path}\0{_content(path).hex()}" for name, path in files.items()))
    known = digest is not None and digest in verdicts
    for name, path in files.items():
        key = (name, *_stamp(path))
        if key in _checked:
            continue
        loader = LOADERS.get(name)
        if loader is None:
            raise ConfigError(f"{path}: spocmail ships this rules file but has no check for it "
                              f"(add one to spocmail/ruleset.py)")
        if not known:
            loader(path)  # raises ConfigError naming the file and the key: nothing is remembered
        _checked.add(key)
    verdicts.add(digest)
    dirs = resources.template_dirs(config)
    templates = sorted({p.name: p for d in reversed(dirs) for p in Path(d).glob("*.j2")}.items())
    digest = verdicts.digest("templates", *(f"{n}\0{_content(p).hex()}" for n, p in templates))
    if digest is None or digest not in verdicts:
        from spocmail import templating

        templating.check(dirs)
        verdicts.add(digest)
    verdicts.save()
    return files


def _content(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b"\0unreadable\0" + str(path).encode()  # never a verdict: the loader will say what is wrong


class _Verdicts:
    """Digests of rules files and template sets an earlier start found good, kept in one small file.

    A digest covers the content checked and the code that checks it (spocmail's own modules and Jinja,
    by stamp), so an edited file, a new spocmail or a new Jinja is checked again in full; a file that
    fails is never remembered. Without a writable cache (or with SPOCMAIL_CHECK_CACHE=off) every start
    checks everything, as before.
    """

    LIMIT = 2000

    def __init__(self) -> None:
        where = os.environ.get(CACHE_ENV, "")
        if where == "off":
            self.path = None
        elif where:
            self.path = Path(where)
        else:
            base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
            self.path = Path(base) / "spocmail" / "checked"
        self.known: set[str] = set()
        self.new: list[str] = []
        if self.path is not None:
            try:
                self.known = set(self.path.read_text(encoding="ascii").split())
            except (OSError, UnicodeDecodeError):
                pass
        self._code = _code_stamp() if self.path is not None else None

    def digest(self, *parts: Any) -> str | None:
        if self._code is None:
            return None
        h = hashlib.sha256(self._code)
        for part in parts:
            h.update(b"\1" + (part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogatepass")))
        return h.hexdigest()

    def __contains__(self, digest: str) -> bool:
        return digest in self.known

    def add(self, digest: str | None) -> None:
        if digest is not None and digest not in self.known:
            self.known.add(digest)
            self.new.append(digest)

    def save(self) -> None:
        if self.path is None or not self.new:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if len(self.known) > self.LIMIT:  # start again rather than grow without end
                keep = "".join(f"{d}\n" for d in self.new)
                tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
                tmp.write_text(keep, encoding="ascii")
                os.replace(tmp, self.path)
            else:
                with open(self.path, "a", encoding="ascii") as f:  # one short write: lines never interleave
                    f.write("".join(f"{d}\n" for d in self.new))
        except OSError:
            pass


_CODE: list[bytes] = []


def _code_stamp() -> bytes:
    """The code that checks: every module of spocmail and the installed Jinja, by path, size and mtime."""
    if not _CODE:
        import importlib.util

        from spocmail import __file__ as package_init

        stamps = []
        roots = [Path(package_init).parent]
        spec = importlib.util.find_spec("jinja2")
        if spec is not None and spec.origin:
            roots.append(Path(spec.origin).parent)
        for root in roots:
            for path in sorted(root.rglob("*.py")):
                try:
                    st = path.stat()
                except OSError:
                    continue
                stamps.append(f"{path}\0{st.st_size}\0{st.st_mtime_ns}")
        _CODE.append(hashlib.sha256("\n".join(stamps).encode("utf-8", "surrogatepass")).digest())
    return _CODE[0]


def activate(config: Config) -> dict[str, Path]:
    """Check CONFIG's rules and templates, then read them from now on in this process."""
    files = check(config)
    resources.use_config(config)
    return files
