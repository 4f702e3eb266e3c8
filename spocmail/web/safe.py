"""Mail shown safely: HTML through nh3 with no images, no scripts, no styles, only http(s)/mailto links.

Remote images are blocked twice: <img> is not an allowed tag (nor any attribute that loads something), and the
page's Content-Security-Policy lets images come only from the site itself. Attachments are never rendered: the
page links to a download that says Content-Disposition: attachment with the mail's own file name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

import nh3

from spocmail.mail import parse_mail

TAGS = set(nh3.ALLOWED_TAGS) - {"img", "map", "area"}
ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"},
              "ol": {"start"}, "abbr": {"title"}}
SCHEMES = {"http", "https", "mailto"}
_REMOTE = re.compile(r"<img\b|background\s*=|url\s*\(", re.IGNORECASE)


def clean_html(html: str) -> str:
    return nh3.clean(html, tags=TAGS, clean_content_tags={"script", "style", "template", "noscript", "iframe",
                                                          "object", "embed", "svg", "math", "head", "title"},
                     attributes=ATTRIBUTES, url_schemes=SCHEMES, link_rel="noopener noreferrer nofollow",
                     strip_comments=True)


@dataclass
class ShownMail:
    subject: str
    sender: str
    to: list[str]
    cc: list[str]
    date: str
    text: str
    html: str | None  # sanitised
    images_blocked: bool
    attachments: list[dict]


def show(raw: bytes) -> ShownMail:
    parsed = parse_mail(raw)
    html = parsed.body_html
    return ShownMail(
        subject=parsed.subject or "", sender=_addr(parsed.from_), to=[_addr(a) for a in parsed.to],
        cc=[_addr(a) for a in parsed.cc], date=parsed.date.isoformat() if parsed.date else (parsed.date_text or ""),
        text=parsed.body_text, html=clean_html(html) if html else None,
        images_blocked=bool(html and _REMOTE.search(html)),
        attachments=[{"index": n, "name": download_name(a.filename, n), "type": a.content_type, "size": a.size,
                      "sha256": a.sha256} for n, a in enumerate(parsed.attachments)])


def attachment(raw: bytes, index: int) -> tuple[str, bytes] | None:
    atts = parse_mail(raw).attachments
    if not 0 <= index < len(atts):
        return None
    return download_name(atts[index].filename, index), atts[index].payload


def download_name(name: str | None, index: int) -> str:
    """The stored name, without paths or control characters (the browser saves it under this name)."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().lstrip(".")
    return name[:200] or f"attachment-{index + 1}"


def content_disposition(name: str) -> str:
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def _addr(a) -> str:
    if a is None or not getattr(a, "email", None):
        return ""
    return f"{a.name} <{a.email}>" if a.name else a.email
