#!/usr/bin/env python3
"""Parse the whole fixture corpus N times; print mails/second and peak memory (tracemalloc).

    .venv/bin/python bench/bench_parse.py [-n 5]
    .venv/bin/python bench/bench_parse.py --compare   # our reader against the PyPI libraries, on the corpus
    .venv/bin/python bench/bench_parse.py --html      # our HTML-to-text against html2text and inscriptis
    .venv/bin/python bench/bench_parse.py --charsets  # our charset fallback against charset-normalizer
    .venv/bin/python bench/bench_parse.py --baseline DIR  # before/after in one run: DIR is an older checkout

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
    """Every fixture: the generated set (tests/mail/KIND/) and the independent one (tests/mail/u15/KIND/)."""
    return sorted(p for p in list(CORPUS.glob("*/*.eml")) + list(CORPUS.glob("u15/*/*.eml")))


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


def _html_parts() -> list[str]:
    import email
    from email import policy

    out = []
    for path in corpus_files():
        msg = email.message_from_bytes(path.read_bytes(), policy=policy.compat32)
        for part in msg.walk():
            if part.get_content_type() == "text/html":
                data = part.get_payload(decode=True) or b""
                out.append(data.decode(part.get_content_charset() or "utf-8", errors="replace"))
    return out


def compare_html() -> None:
    """Score forwards and replies of the corpus with each HTML converter, and time each on its HTML parts."""
    from spocmail.mail import html as html_module

    scoring = _scoring()
    original = html_module.html_to_text
    parts = _html_parts()
    for engine in ("spocmail", "html2text", "inscriptis"):
        def convert(html, engine_=engine, **_kw):
            return original(html, engine=engine_)

        import spocmail.mail.parse as parse_module

        parse_module.html_to_text = convert
        try:
            f = scoring.score_forwards(parse_mail, verbose=False)
            r = scoring.score_replies(parse_mail, verbose=False)
            start = time.perf_counter()
            for _ in range(3):
                for h in parts:
                    convert(h)
            per = (time.perf_counter() - start) / (3 * len(parts)) * 1000 if parts else 0.0
            print(f"html {engine:12} forwards sender {f['sender']:.1%} body {f['body']:.1%} | replies exact {r['exact']:.1%}"
                  f" | {per:.2f} ms per HTML part ({len(parts)} parts)")
        except ImportError as exc:
            print(f"html {engine:12} not installed ({exc})")
        finally:
            parse_module.html_to_text = original


# The legacy charsets a council's mail still arrives in, by the language of the text
_LEGACY = {"latin": ["cp1252", "iso-8859-15"], "central": ["cp1250", "iso-8859-2"], "cyrillic": ["cp1251", "koi8-r"],
           "greek": ["cp1253", "iso-8859-7"], "turkish": ["cp1254"], "arabic": ["cp1256"], "japanese": ["shift_jis", "euc-jp"],
           "chinese": ["gb18030", "big5"], "korean": ["euc-kr"]}


def _script_of(text: str) -> str:
    import unicodedata

    names = " ".join(unicodedata.name(ch, "") for ch in text if ord(ch) > 127)
    for key, word in (("japanese", "HIRAGANA"), ("japanese", "KATAKANA"), ("korean", "HANGUL"), ("chinese", "CJK"),
                      ("cyrillic", "CYRILLIC"), ("greek", "GREEK"), ("arabic", "ARABIC")):
        if word in names:
            return key
    if any(ch in text for ch in "łśźżćńőűřěčšžů"):
        return "central"
    if any(ch in text for ch in "ğışİ"):
        return "turkish"
    return "latin"


def compare_charsets() -> None:
    """Undeclared 8-bit text: re-encode every corpus body (and every line of it with non-ASCII text) in the
    legacy charsets of its script, drop the label, and count how often each guesser gives the text back."""
    from spocmail.mail import charsets

    samples: list[tuple[bytes, str, str]] = []
    for path in corpus_files():
        text = parse_mail(path.read_bytes()).body_text
        pieces = [text] + [ln for ln in text.splitlines() if any(ord(c) > 127 for c in ln)]
        for piece in pieces:
            if not any(ord(c) > 127 for c in piece):
                continue
            for codec in _LEGACY[_script_of(piece)]:
                try:
                    samples.append((piece.encode(codec), piece, f"{_script_of(piece)}/{codec}"))
                except UnicodeEncodeError:
                    pass

    def ours(data: bytes) -> str:
        return charsets.decode_bytes(data, None)

    def normalizer(data: bytes) -> str:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        return str(best) if best is not None else data.decode("utf-8", errors="replace")

    def cp1252_only(data: bytes) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("cp1252", errors="replace")

    for name, fn in (("cp1252 fallback (old)", cp1252_only), ("charset-normalizer", normalizer), ("spocmail (both)", ours)):
        try:
            start = time.perf_counter()
            hits = [(fn(data) == want, kind) for data, want, kind in samples]
            per = (time.perf_counter() - start) / len(samples) * 1000 if samples else 0.0
            ok = sum(1 for h, _ in hits if h)
            kinds = sorted({k for _, k in hits})
            detail = ", ".join(f"{k} {sum(1 for h, x in hits if h and x == k)}/{sum(1 for _, x in hits if x == k)}" for k in kinds)
            print(f"charsets {name:20} {ok}/{len(samples)} undeclared samples decoded exactly ({ok / len(samples):.1%}), "
                  f"{per:.2f} ms each: {detail}")
        except ImportError as exc:
            print(f"charsets {name:20} not installed ({exc})")


def _family(path: Path, want: dict) -> str:
    """A fixture's family: its client (and language), or for the reply sets the kind its name starts with."""
    if path.parent.name == "replies" and path.parent.parent.name == "u15":
        return "u15 " + path.stem.split("_")[0]
    where = "u15 " if path.parent.parent.name == "u15" else ""
    return f"{where}{want.get('client', '?')}/{want.get('language', '?')}"


def families() -> None:
    """Forwards (original sender) and replies (exact text) per family, for the generated and the independent set."""
    scoring = _scoring()
    rows: dict[str, list[int]] = {}
    for eml, want in scoring.cases("forwards"):
        mail = parse_mail(eml.read_bytes())
        for i, exp in enumerate(want.get("forwarded", [])):
            g = mail.forwarded[i] if i < len(mail.forwarded) else None
            row = rows.setdefault("forwards " + _family(eml, want), [0, 0])
            row[1] += 1
            row[0] += bool(g is not None and scoring.sender_matches(g.from_, exp.get("from", {})))
    for eml, want in scoring.cases("replies"):
        got = scoring.norm_ws(parse_mail(eml.read_bytes()).reply_text)
        accepted = {scoring.norm_ws(want["reply_text"])}
        if want.get("signoff"):
            accepted.add(scoring.norm_ws(want["reply_text"] + " " + want["signoff"]))
        row = rows.setdefault("replies  " + _family(eml, want), [0, 0])
        row[1] += 1
        row[0] += got in accepted
    for name, (ok, n) in sorted(rows.items()):
        print(f"{name:40} {ok}/{n}")


_CPU_RUN = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
from spocmail.mail import parse_mail
blobs = [open(p, "rb").read() for p in sys.argv[3:]]
for b in blobs:
    parse_mail(b)
t = time.process_time()
for _ in range(int(sys.argv[2])):
    for b in blobs:
        parse_mail(b)
print(int(sys.argv[2]) * len(blobs) / (time.process_time() - t))
"""


def against(baseline: str, n: int, runs: int = 8) -> None:
    """Parse speed of an older checkout and of this one, alternating runs on the same files, in CPU time.

    CPU time rather than wall time, and alternation, so that other work on a shared machine weighs on
    both alike; prints the best and the median of each (`git worktree add /tmp/base <ref>` makes DIR).
    """
    import statistics
    import subprocess

    files = [str(p) for p in corpus_files()]
    res: dict[str, list[float]] = {baseline: [], str(ROOT): []}
    for _ in range(runs):
        for root in res:
            out = subprocess.run([sys.executable, "-c", _CPU_RUN, root, str(n), *files], capture_output=True, text=True, check=True)
            res[root].append(float(out.stdout))
    for root, v in res.items():
        print(f"{root}: {len(files)} mails, best {max(v):.0f}, median {statistics.median(v):.0f} mails per CPU-second "
              f"({', '.join(f'{x:.0f}' for x in v)})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=5, help="rounds over the corpus")
    ap.add_argument("--compare", action="store_true", help="score the PyPI libraries against ours")
    ap.add_argument("--html", action="store_true", help="score the HTML converters")
    ap.add_argument("--charsets", action="store_true", help="score the charset guessers on undeclared 8-bit text")
    ap.add_argument("--families", action="store_true", help="forwards and replies right, per client/language family")
    ap.add_argument("--baseline", metavar="DIR", help="an older checkout: time it and this one, alternating")
    ap.add_argument("--talon", metavar="PYTHON", help="an interpreter with talon installed, to score it too")
    args = ap.parse_args()
    if args.compare:
        compare(args.talon)
    elif args.html:
        compare_html()
    elif args.charsets:
        compare_charsets()
    elif args.families:
        families()
    elif args.baseline:
        against(args.baseline, min(args.n, 3))
    else:
        bench(args.n)


if __name__ == "__main__":
    main()
