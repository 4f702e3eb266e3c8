"""`spocmail init DIR`: a council's starting folder, with a config, a register and editable copies of the rules and templates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from spocmail import resources
from spocmail.errors import ConfigError

HEADER = ("# Written by `spocmail init`: the embedded defaults (SQLite, a Maildir, a file outbox) inside this\n"
          "# folder, reading the council's own copies of the rules and templates in rules/ and templates/.\n"
          "# Change what the council needs; every key is explained below.\n\n")

# The example documents [rules] dir and [templates] dir commented out (a copied example must work
# without the folders); here the folders exist, so the keys are switched on.
SWITCH_ON = {'# dir = "rules"': 'dir = "rules"  ', '# dir = "templates"': 'dir = "templates"  '}

# Folders the embedded defaults read and write: the Maildir must exist before the first poll.
FOLDERS = ("var", "var/mail", "var/outbox", "var/maildir/new", "var/maildir/cur", "var/maildir/tmp")


@dataclass(frozen=True)
class Written:
    dir: Path
    files: tuple[Path, ...]

    def to_json(self) -> dict:
        return {"dir": str(self.dir), "config": str(self.dir / "config.toml"),
                "written": [str(p.relative_to(self.dir)) for p in self.files]}


def starting_config() -> str:
    text = resources.packaged("config.example.toml").read_text(encoding="utf-8")
    for old, new in SWITCH_ON.items():
        if old not in text:  # the example and init must stay in step: fail loudly, not write a half config
            raise RuntimeError(f"config.example.toml no longer has the line {old!r} that spocmail init switches on")
        text = text.replace(old, new, 1)
    lines = text.splitlines(keepends=True)
    while lines and lines[0].startswith("#"):  # the example's "copy me" preamble does not apply here
        lines.pop(0)
    return HEADER + "".join(lines).lstrip("\n")


def plan() -> dict[Path, bytes]:
    """What init writes, relative to DIR: each file with its content."""
    files: dict[Path, bytes] = {
        Path("config.toml"): starting_config().encode("utf-8"),
        Path("register.toml"): resources.packaged("examples/register.toml").read_bytes(),
    }
    for kind in ("rules", "templates"):
        for src in sorted(resources.packaged(kind).iterdir()):
            if src.is_file() and not src.name.startswith("."):
                files[Path(kind) / src.name] = src.read_bytes()
    return files


def init(directory: Path) -> Written:
    """Write the starting folder; refuse, writing nothing, if any of its files already exists."""
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise ConfigError(f"{directory}: is a file; expected a folder (new or existing) for spocmail init")
    files = plan()
    existing = [rel for rel in files if (directory / rel).exists()]
    if existing:
        names = ", ".join(str(p) for p in existing[:5]) + (", ..." if len(existing) > 5 else "")
        raise ConfigError(f"{directory}: spocmail init refuses to overwrite {len(existing)} existing file"
                          f"{'s' if len(existing) > 1 else ''} ({names}); nothing was written: choose a new "
                          f"folder, or move those files away first")
    for rel in FOLDERS:
        (directory / rel).mkdir(parents=True, exist_ok=True)
    written = []
    for rel, content in files.items():
        target = directory / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "xb") as fh:  # "x": never replace a file that appeared meanwhile
            fh.write(content)
        written.append(target)
    return Written(directory.resolve(), tuple(p.resolve() for p in written))
