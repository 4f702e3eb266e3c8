#!/usr/bin/env python3
"""Parse the whole fixture corpus N times; print mails/second and peak memory (tracemalloc).

    .venv/bin/python bench/bench_parse.py [-n 5]
    .venv/bin/python bench/bench_parse.py --compare   # our reader against the PyPI libraries, on the corpus
    .venv/bin/python bench/bench_parse.py --html      # our HTML-to-text against html2text and inscriptis

--compare scores, on the same corpus and with the same yardstick as tests/test_mail_corpus.py:
email-forward-parser and quotequail (forwards), mail-parser-reply, email-reply-parser and
quotequail (reply text). Libraries that are not installed are reported as such. The libraries
get our decoded body text, so only their forward/reply logic is compared.
"""

from __future__ import annotations

import argparse
import os
import importlib.util
import sys
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from spocmail.mail import Address, Forwarded, parse_mail  # noqa: E402
from spocmail.mail.addresses import block_address  # noqa: E402
from spocmail.mail.dates import parse_loose_date  # noqa: E402

CORPUS = Path(os.environ.get("SPOCMAIL_MAIL_CORPUS") or ROOT / "tests" / "mail")


def _scoring():
    spec = importlib.util.spec_from_file_location("mail_corpus", ROOT / "tests" / "test_mail_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.glob("*/*.eml"))


def bench(n: int) -> None:
    files = corpus_files()
    if not files:
        print("no corpus in tests/mail/*/ yet")
        return
    blobs = [p.read_bytes() for p in files]
    for raw in blobs:  # warm up imports and regex compilation
        parse_mail(raw)
    start = time.perf_counter()
    for _ in range(n):
        for raw in blobs:
            parse_mail(raw)
    elapsed = time.perf_counter() - start
    count = n * len(blobs)
    tracemalloc.start()
    for raw in blobs:
        parse_mail(raw)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    size = sum(len(b) for b in blobs)
    print(f"{len(blobs)} mails ({size / 1024:.0f} KiB), {n} rounds: {count / elapsed:.0f} mails/s, "
          f"{elapsed / count * 1000:.2f} ms/mail, peak traced memory {peak / 1024 / 1024:.1f} MiB")


# ---------------------------------------------------------------------------- library adapters


def _forwards_with(unwrap):
    """A parse function whose inline forwards come from a library; attached mails and the rest from ours."""

    def parse(raw: bytes):
        mail = parse_mail(raw)
        try:
            found = unwrap(mail)
        except Exception:
            found = []
        return replace(mail, forwarded=found + [f for f in mail.forwarded if f.via != "inline"])

    return parse


def _efp(mail):
    from emailforwardparser import forward_parser as fp

    meta = fp.get_forwarded_metadata(mail.body_text, mail.subject)
    if not meta.forwarded:
        return []
    e = meta.email
    sender = Address(e.from_.name or None, e.from_.address or None)
    if not sender.email and sender.name:
        sender = block_address(sender.name)[0]
    return [Forwarded(sender, parse_loose_date(e.date), e.date, e.subject or None, e.body or "")]


def _quotequail_fw(mail):
    import quotequail

    out = []
    text = mail.body_text
    for _ in range(5):  # unwrap nested forwards one level at a time
        result = quotequail.unwrap(text)
        if not result or "from" not in result:
            break
        sender, _hidden = block_address(result.get("from", ""))
        out.append(Forwarded(sender, parse_loose_date(result.get("date")), result.get("date"), result.get("subject"), result.get("text", "")))
        text = result.get("text", "")
    return out


def _replies_with(extract):
    def parse(raw: bytes):
        mail = parse_mail(raw)
        try:
            text = extract(mail.body_text) or ""
        except Exception:
            text = ""
        return replace(mail, reply_text=text)

    return parse


def _mpr(text):
    from mailparser_reply import EmailReplyParser

    return EmailReplyParser(languages=["en", "de", "fr", "es", "it", "nl", "pl"]).parse_reply(text)


def _erp(text):
    from email_reply_parser import EmailReplyParser

    return EmailReplyParser.parse_reply(text)


def _qq_reply(text):
    import quotequail

    parts = quotequail.quote(text)
    return "\n".join(t for show, t in parts if show)


_TALON_SCRIPT = r"""
import json, sys
import talon
from talon import quotations
from talon.signature.bruteforce import extract_signature
talon.init()
out = []
for body in json.load(sys.stdin):
    try:
        text = quotations.extract_from_plain(body)
        text, _sig = extract_signature(text)
    except Exception:
        text = ""
    out.append(text)
json.dump(out, sys.stdout)
"""


def _talon_replies(python: str):
    """talon needs scikit-learn and numpy, so it runs in its own interpreter (--talon PYTHON)."""
    import json
    import subprocess

    cache: dict[bytes, str] = {}

    def parse(raw: bytes):
        mail = parse_mail(raw)
        if raw not in cache:
            proc = subprocess.run([python, "-c", _TALON_SCRIPT], input=json.dumps([mail.body_text]),
                                  capture_output=True, text=True, check=True)
            cache[raw] = json.loads(proc.stdout)[0]
        return replace(mail, reply_text=cache[raw])

    return parse


def compare(talon_python: str | None = None) -> None:
    scoring = _scoring()
    rows = []
    fw_candidates = [("spocmail", parse_mail), ("email-forward-parser", _forwards_with(_efp)), ("quotequail.unwrap", _forwards_with(_quotequail_fw))]
    for name, fn in fw_candidates:
        try:
            r = scoring.score_forwards(fn, verbose=False)
            rows.append(f"forwards  {name:24} sender {r['sender']:.1%}  date {r['date']:.1%}  subject {r['subject']:.1%}  count {r['count']:.1%}  body {r['body']:.1%}  ({r['forwards']} forwards in {r['files']} mails)")
        except ImportError as exc:
            rows.append(f"forwards  {name:24} not installed ({exc})")
    rp_candidates = [("spocmail", parse_mail), ("mail-parser-reply", _replies_with(_mpr)), ("email-reply-parser", _replies_with(_erp)), ("quotequail.quote", _replies_with(_qq_reply))]
    if talon_python:
        rp_candidates.append(("talon (+bruteforce sig)", _talon_replies(talon_python)))
    for name, fn in rp_candidates:
        try:
            r = scoring.score_replies(fn, verbose=False)
            rows.append(f"replies   {name:24} exact {r['exact']:.1%}  ({r['replies']} replies)")
        except ImportError as exc:
            rows.append(f"replies   {name:24} not installed ({exc})")
    print("\n".join(rows))


def compare_html() -> None:
    """Score forwards and replies of HTML-only corpus mails with each HTML converter."""
    from spocmail.mail import html as html_module

    scoring = _scoring()
    original = html_module.html_to_text
    for engine in ("spocmail", "html2text", "inscriptis"):
        def convert(html, engine_=engine, **_kw):
            return original(html, engine=engine_)

        import spocmail.mail.parse as parse_module

        parse_module.html_to_text = convert
        try:
            f = scoring.score_forwards(parse_mail, verbose=False)
            r = scoring.score_replies(parse_mail, verbose=False)
            print(f"html {engine:12} forwards sender {f['sender']:.1%} body {f['body']:.1%} | replies exact {r['exact']:.1%}")
        except ImportError as exc:
            print(f"html {engine:12} not installed ({exc})")
        finally:
            parse_module.html_to_text = original


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=5, help="rounds over the corpus")
    ap.add_argument("--compare", action="store_true", help="score the PyPI libraries against ours")
    ap.add_argument("--html", action="store_true", help="score the HTML converters")
    ap.add_argument("--talon", metavar="PYTHON", help="an interpreter with talon installed, to score it too")
    args = ap.parse_args()
    if args.compare:
        compare(args.talon)
    elif args.html:
        compare_html()
    else:
        bench(args.n)


if __name__ == "__main__":
    main()
