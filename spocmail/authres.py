"""Who may speak for the council: Authentication-Results (RFC 8601) from the council's own mail server.

Anyone can write `From: alex.jones@council.example`. Where `[security] trusted_authserv_id` names the
council's inbound server, an officer's answer or a SPOC's approval counts only when that server's
Authentication-Results header says DMARC passed, or DKIM passed for a domain aligned with the From
domain. Headers from any other authserv-id are ignored (anyone can add them); the council's server is
expected to remove forged ones carrying its own id, as RFC 8601 section 5 asks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy
from email.parser import BytesHeaderParser

_COMMENT = re.compile(r"\([^()]*\)")
_RESULT = re.compile(r"^\s*([a-z0-9-]+)\s*=\s*([a-z]+)\b(.*)$", re.IGNORECASE | re.S)
_PROP = re.compile(r"\b(header\.[a-z]+|smtp\.[a-z]+)\s*=\s*\"?([^\s;\"]+)", re.IGNORECASE)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    detail: str


def _aligned(domain: str, from_domain: str) -> bool:
    d, f = domain.lower().strip("."), from_domain.lower().strip(".")
    return bool(d and f) and (d == f or f.endswith("." + d) or d.endswith("." + f))


def results(raw: bytes, trusted: str) -> list[tuple[str, str, dict]]:
    """(method, result, properties) from every Authentication-Results header written by TRUSTED."""
    head = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
    found = []
    for value in head.get_all("Authentication-Results") or []:
        text = " ".join(_COMMENT.sub(" ", str(value)).split())
        parts = [p.strip() for p in text.split(";")]
        if not parts or not parts[0]:
            continue
        authserv = parts[0].split()[0].lower()
        if authserv != trusted.lower():
            continue
        for part in parts[1:]:
            m = _RESULT.match(part)
            if m:
                props = {k.lower(): v.lower() for k, v in _PROP.findall(m.group(3))}
                found.append((m.group(1).lower(), m.group(2).lower(), props))
    return found


def check(raw: bytes, trusted: str | None, from_email: str | None) -> Verdict:
    """Did the council's own server see this mail pass DMARC, or DKIM aligned with From? (None trusted: yes.)"""
    if not trusted:
        return Verdict(True, "no trusted_authserv_id configured: sender and token decide")
    from_domain = (from_email or "").rpartition("@")[2].lower()
    seen = results(raw, trusted)
    if not seen:
        return Verdict(False, f"no Authentication-Results from {trusted}: the mail did not come through the "
                              f"council's own mail server")
    for method, result, props in seen:
        if method == "dmarc" and result == "pass":
            return Verdict(True, f"{trusted}: dmarc=pass")
    for method, result, props in seen:
        if method == "dkim" and result == "pass" and _aligned(props.get("header.d", props.get("header.i", "")
                                                                          .rpartition("@")[2]), from_domain):
            return Verdict(True, f"{trusted}: dkim=pass aligned with {from_domain}")
    summary = ", ".join(f"{m}={r}" for m, r, _ in seen) or "nothing"
    return Verdict(False, f"{trusted} saw {summary} for a mail from {from_email}: neither DMARC nor DKIM aligned "
                          f"with the From domain passed")
