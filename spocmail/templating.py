"""Render mail from templates/: a plain-text and an HTML part, HTML autoescaped, undefined names an error."""

from __future__ import annotations

from email.message import EmailMessage
from functools import lru_cache
from pathlib import Path

import jinja2

from spocmail.errors import SpocmailError

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


class TemplateError(SpocmailError):
    """A template could not be rendered: nothing half-built is sent."""


@lru_cache(maxsize=4)
def environment(directory: str = str(TEMPLATES)) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(directory), undefined=jinja2.StrictUndefined,
                             autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",),
                                                                 default_for_string=False),
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["london"] = lambda d, fmt="%A %-d %B %Y": d.strftime(fmt) if d else ""
    return env


def render(name: str, directory: Path | None = None, **context) -> tuple[str, str]:
    """Render templates/NAME.txt.j2 and NAME.html.j2; raises TemplateError naming the template."""
    env = environment(str(directory or TEMPLATES))
    try:
        text = env.get_template(f"{name}.txt.j2").render(**context)
        html = env.get_template(f"{name}.html.j2").render(**context)
    except jinja2.TemplateError as exc:
        where = getattr(exc, "filename", None) or name
        line = getattr(exc, "lineno", None)
        raise TemplateError(f"template {where}{f' line {line}' if line else ''}: {exc}") from None
    return text, html


def build(name: str, *, subject: str, sender: str, to: list[str], cc: list[str] = (), reply_to: str | None = None,
          headers: dict[str, str] | None = None, directory: Path | None = None, **context) -> EmailMessage:
    """A multipart/alternative mail (plain text first, HTML second) from one template pair."""
    text, html = render(name, directory, **context)
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Subject"] = subject
    for k, v in (headers or {}).items():
        msg[k] = v
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg
