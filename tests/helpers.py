"""Test helpers: run the real CLI in-process, and lay out a project folder (config, register, Maildir)."""

from __future__ import annotations

import io
import json
import shutil
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from spocmail.cli import main
from spocmail.intake import maildir

try:
    from .servers.dovecot import _arrival_of as arrival_of
except ImportError:  # tests/ run as loose files
    from servers.dovecot import _arrival_of as arrival_of  # type: ignore[no-redef]

def deliver(path: Path, raw: bytes, seen: bool = False, when: datetime | None = None) -> Path:
    """Maildir delivery for tests: the arrival time is the mail's Date header unless `when` is given."""
    return maildir.deliver(path, raw, seen=seen, when=when or arrival_of(raw))

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


def spocmail(*args: str) -> Result:
    """Run `spocmail ARGS` as the console script would, capturing exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return Result(code, out.getvalue(), err.getvalue())


# A second customer to append to examples/register.toml, for tests where two customers must be told apart.
SECOND_CUSTOMER = """
[[customer]]
id = "riley"
name = "Riley Sample"
addresses = ["riley@example.net"]
spoc = "spoc-officer"
deputy = "spoc-deputy"
start = 2026-01-05
review = 2026-07-05
weekly = { day = "FRI", time = "12:00" }
"""


# The project clock: what a command run without its own --now takes as "now". A fixed instant, so that
# no test depends on the machine's date (spocmail itself refuses the system clock under the suite).
PROJECT_NOW = "2026-12-02T10:00:00+00:00"


@dataclass
class Project:
    dir: Path
    config: Path
    maildir: Path
    now: str = PROJECT_NOW  # a command's own --now (after the command name) takes precedence

    def run(self, *args: str) -> Result:
        return spocmail("--config", self.config, "--now", self.now, *args)

    def ok(self, *args: str) -> Result:
        result = self.run(*args)
        assert result.code == 0, f"spocmail {' '.join(map(str, args))} exited {result.code}: {result.err}"
        return result


def make_project(root: Path, db_url: str, mailbox: str | None = None, extra: str = "",
                 register: Path | None = REPO / "examples" / "register.toml") -> Project:
    """A config on the embedded defaults (Maildir, file outbox) unless `mailbox` gives another [mailbox]."""
    root.mkdir(parents=True, exist_ok=True)
    if mailbox is None:  # the council's Maildir exists before spocmail reads it
        mailbox = '[mailbox]\nkind = "maildir"\npath = "maildir"\npoll_seconds = 1\n'
        for sub in ("new", "cur", "tmp"):
            (root / "maildir" / sub).mkdir(parents=True, exist_ok=True)
    cfg = root / "config.toml"
    cfg.write_text(
        '[council]\nstaff_domains = ["council.example"]\n'
        '[spoc]\naddress = "spoc@council.example"\n'
        f'[database]\nurl = "{db_url}"\n'
        '[storage]\ndir = "mail"\n'
        f'{mailbox}\n'
        '[smtp]\nkind = "file"\ndir = "outbox"\n'
        f'{extra}\n', encoding="utf-8")
    project = Project(root, cfg, root / "maildir")
    project.ok("db", "upgrade")
    if register is not None:
        shutil.copy(register, root / "register.toml")
        project.ok("register", "import", root / "register.toml")
    return project


def unrestricted_register(folder: Path) -> Path:
    """The example register without its arrangement's restrictions (ten issues a week would hold back load tests)."""
    path = folder / "register-unrestricted.toml"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(line for line in (REPO / "examples" / "register.toml").read_text().splitlines()
                              if not line.startswith("restrictions")) + "\n")
    return path
