"""Render mail from templates/: a plain-text and an HTML part, HTML autoescaped, undefined names an error.

Templates are looked for in the council's own folder first (config `[templates] dir`), then in the
copy packaged with spocmail (spocmail.resources), so a council may change one template and keep the rest.
"""

from __future__ import annotations

from email.message import EmailMessage
from functools import lru_cache
from pathlib import Path

import jinja2

from spocmail import resources
from spocmail.errors import ConfigError, SpocmailError
from spocmail.mail import headers as mail_headers

TEMPLATES = resources.packaged("templates")  # the shipped copies
# what an item is, in words a customer reads (never "(COMPLAINT, due ...)")
KIND_LABELS = {"foi": "Freedom of Information request", "eir": "Environmental Information request",
               "sar": "subject access request", "complaint": "complaint"}


class TemplateError(SpocmailError):
    """A template could not be rendered: nothing half-built is sent."""


def environment(directories: tuple[str, ...] | str = (str(TEMPLATES),)) -> jinja2.Environment:
    """One environment per search path; the first folder holding a template wins."""
    dirs = (directories,) if isinstance(directories, str) else tuple(directories)
    return _environment(dirs, _listing(dirs))


def _listing(dirs: tuple[str, ...]) -> tuple:
    # Jinja reloads a changed template but never notices one added to an earlier folder of the search
    # path; a new environment when the folders' contents change makes a council's new copy count at once.
    return tuple(tuple(sorted(p.name for p in Path(d).glob("*.j2"))) for d in dirs)


@lru_cache(maxsize=8)
def _environment(directories: tuple[str, ...], _listing: tuple) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(list(directories)), undefined=jinja2.StrictUndefined,
                             autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",),
                                                                 default_for_string=False),
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["london"] = lambda d, fmt="%A %-d %B %Y": d.strftime(fmt) if d else ""
    env.filters["kind_label"] = lambda kind: KIND_LABELS.get(kind, str(kind or "").replace("-", " "))
    return env


def render(name: str, directory: Path | None = None, **context) -> tuple[str, str]:
    """Render templates/NAME.txt.j2 and NAME.html.j2; raises TemplateError naming the template."""
    env = environment(_search(directory))
    try:
        text = env.get_template(f"{name}.txt.j2").render(**context)
        html = env.get_template(f"{name}.html.j2").render(**context)
    except jinja2.TemplateError as exc:
        where = getattr(exc, "filename", None) or name
        line = getattr(exc, "lineno", None)
        raise TemplateError(f"template {where}{f' line {line}' if line else ''}: {exc}") from None
    return text, html


def _search(directory: Path | None) -> tuple[str, ...]:
    dirs = (directory,) if directory is not None else resources.template_dirs()
    return tuple(str(d) for d in dirs)


def check(directories: tuple[Path, ...] | None = None) -> int:
    """Check every template spocmail would use, so a broken one stops spocmail at start (exit 2), not mid-send.

    Each template goes through Jinja's parser and code generator, which refuse what its compile refuses
    (bad syntax, an unknown filter, a block defined twice); turning the generated code into Python
    bytecode waits until a command renders the template, which keeps start-up cheap.
    """
    dirs = directories if directories is not None else resources.template_dirs()
    env = environment(tuple(str(d) for d in dirs))
    names = sorted({p.name for d in dirs for p in Path(d).glob("*.j2")})
    for name in names:
        try:
            source, filename, _uptodate = env.loader.get_source(env, name)
            env.compile(source, name, filename, raw=True)
        except jinja2.TemplateSyntaxError as exc:
            where = exc.filename or name
            raise ConfigError(f"{where} line {exc.lineno}: template syntax: {exc.message}; expected a Jinja "
                              f"template (compare it with {TEMPLATES / name})") from None
    return len(names)


def build(name: str, *, subject: str, sender: str, to: list[str], cc: list[str] = (), reply_to: str | None = None,
          headers: dict[str, str] | None = None, directory: Path | None = None, **context) -> EmailMessage:
    """A multipart/alternative mail (plain text first, HTML second) from one template pair."""
    text, html = render(name, directory, **context)
    msg = EmailMessage()
    msg["From"] = mail_headers.addresses([sender])
    msg["To"] = mail_headers.addresses(to)
    if cc:
        msg["Cc"] = mail_headers.addresses(cc)
    if reply_to:
        msg["Reply-To"] = mail_headers.addresses([reply_to])
    msg["Subject"] = mail_headers.clean(subject)
    for k, v in (headers or {}).items():
        msg[k] = mail_headers.clean(v)
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg
