"""Fuzz the REAL intake: generated and mutated mails delivered to a Maildir (and some through Dovecot APPEND),
then `spocmail poll --once` as a separate process, then every mail is accounted for (issue 10).

    .venv/bin/python bench/fuzz.py --mails 20000 --seed 10 --imap 500        # the full run
    .venv/bin/python bench/fuzz.py --mails 500 --seed 7 --imap 0 --json out.json

Seeds are the corpora in tests/mail/** and mails from the register's customer, staff and strangers; each
case takes one to three mutations: byte flips, truncation, duplicated and giant headers, deep nesting, odd
charsets, huge dates, a byte-order mark or a blank first line, bare CR, encoded NUL, comma display names.

Checked: every `poll --once` exits 0; every distinct mail delivered is stored (a row in messages); no mail is
left in limbo (stored/working) or failed with a traceback; each is filed, provisional, triage, not a request,
handled as a reply/bounce/approval, or quarantined with a reason. Exit 1 if any check fails.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NOW = "2026-11-23T09:00:00+00:00"
ARRIVAL = datetime(2026, 11, 23, 8, 30, tzinfo=timezone.utc)
CORPUS = sorted(p for p in (ROOT / "tests" / "mail").rglob("*.eml"))

SENDERS = [b"Jordan Example <jordan@example.org>", b'"Example, Jordan" <jordan@example.org>',
           b"=?utf-8?B?" + base64.b64encode("Jördan Exämple".encode()) + b"?= <JORDAN@Example.org>",
           b"Alex Jones <alex.jones@council.example>", b'"Jones, Alex" <alex.jones@council.example>',
           b"Someone <someone@elsewhere.example>", b"jordan@example.org", b"<>", b"", b"undisclosed"]
BODIES = [b"When will the planning committee decide application 26/0123/FUL?",
          b"My green bin was missed again on Friday on Mill Lane, please collect it this week.",
          b"Under the Freedom of Information Act, please provide the tree survey reports for Jubilee Park.",
          b"There is damp and black mould in the bedroom of my council flat and the repair is not booked.",
          "=?shift_jis?B?k/qW?= 5\u20ac when will the planning application be decided?".encode(),
          b"Thanks, no reply needed."]
CHARSETS = [b"shift_jis", b"utf-7", b"x-unknown-8bit", b"utf-16", b"cp500", b"iso-2022-jp", b"koi8-r",
            b"gb18030", b"big5", b"windows-1258", b"\"\"", b"utf-8\x00", b"=?utf-8?q?x?=", b"ascii", b"latin-1"]
DATES = [b"Mon, 23 Nov 20260000000000000000000 08:12 +0000", b"Mon, 23 Nov -1 08:12 +0000",
         b"Mon, 23 Nov 0000 08:12 +0000", b"Sun, 31 Feb 2026 25:61:61 +9999", b"99999999999999999999",
         b"yesterday", b"", b"Mon, 23 Nov 2026 08:12:00 -2400", b"Mon, 23 Nov 1800 08:12:00 +0000",
         b"Mon, 23 Nov 9999 23:59:59 -1200"]


def generated(rng: random.Random, n: int) -> bytes:
    """A plausible mail from a customer, staff or a stranger, before any mutation."""
    sender = rng.choice(SENDERS)
    body = rng.choice(BODIES)
    subject = rng.choice([b"Planning", b"Bins", b"FOI request", b"Re: [SPOC-2026-0001 #abcdefgh12] Planning",
                          b"=?utf-8?B?" + base64.b64encode("Müll \u2014 Tonne".encode()) + b"?=", b"Question"])
    head = (b"From: " + sender + b"\r\nTo: spoc@council.example\r\nSubject: " + subject +
            b"\r\nDate: Mon, 23 Nov 2026 08:%02d:00 +0000\r\nMessage-ID: <fuzz%d@example.org>\r\n" % (n % 60, n))
    if rng.random() < 0.4:
        return (head + b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"zz\"\r\n\r\n--zz\r\n"
                b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + b"\r\n--zz\r\n"
                b"Content-Type: application/pdf; name=\"a.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
                base64.b64encode(b"%PDF-1.4 " + bytes(rng.randrange(256) for _ in range(64))) + b"\r\n--zz--\r\n")
    return head + b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + b"\r\n"


def _split(raw: bytes) -> tuple[list[bytes], bytes]:
    sep = raw.find(b"\r\n\r\n")
    nl = b"\r\n"
    if sep < 0:
        sep, nl = raw.find(b"\n\n"), b"\n"
    if sep < 0:
        return raw.split(b"\n"), b""
    return raw[:sep].split(nl), raw[sep:]


def _join(lines: list[bytes], rest: bytes) -> bytes:
    return b"\r\n".join(lines) + rest


def m_flip(rng, raw):
    b = bytearray(raw)
    for _ in range(rng.randint(1, 12)):
        if b:
            b[rng.randrange(len(b))] = rng.randrange(256)
    return bytes(b)


def m_truncate(rng, raw):
    return raw[:rng.randrange(len(raw) + 1)]


def m_dup_headers(rng, raw):
    lines, rest = _split(raw)
    picks = [ln for ln in lines if ln[:1].isalpha()] or [b"Subject: x"]
    for _ in range(rng.randint(1, 40)):
        lines.insert(rng.randrange(len(lines) + 1), rng.choice(picks))
    return _join(lines, rest)


def m_giant_header(rng, raw):
    lines, rest = _split(raw)
    kind = rng.randrange(4)
    if kind == 0:
        value = b"Subject: " + b"long words " * rng.randint(2000, 20000)
    elif kind == 1:
        value = b"To: " + b", ".join(b"a%d@example.org" % i for i in range(rng.randint(100, 3000)))
    elif kind == 2:
        value = b"X-Giant: " + b"x" * rng.randint(10000, 300000)
    else:
        value = b"References: " + b" ".join(b"<r%d@x>" % i for i in range(rng.randint(100, 5000)))
    lines.insert(rng.randrange(len(lines) + 1), value)
    return _join(lines, rest)


def m_nesting(rng, raw):
    levels = rng.choice([5, 30, 120, 400, 1200])
    lines, rest = _split(raw)
    head = [ln for ln in lines if not ln.lower().startswith((b"content-type", b"mime-version"))]
    body = b"Content-Type: text/plain\r\n\r\n" + (rest.lstrip(b"\r\n") or b"x")
    attached = rng.random() < 0.5
    for i in range(levels):
        if attached:
            body = b"Content-Type: message/rfc822\r\n\r\nSubject: level %d\r\n" % i + body
        else:
            body = (b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i)) + body + \
                b"\r\n--b%d--\r\n" % i
    return b"\r\n".join(head) + b"\r\nMIME-Version: 1.0\r\n" + body


def m_charset(rng, raw):
    cs = rng.choice(CHARSETS)
    if b"charset=" in raw:
        i = raw.find(b"charset=")
        j = i + 8
        while j < len(raw) and raw[j:j + 1] not in (b";", b"\r", b"\n"):
            j += 1
        return raw[:i] + b"charset=" + cs + raw[j:]
    lines, rest = _split(raw)
    word = b"=?" + cs.strip(b'"') + b"?B?" + base64.b64encode(bytes(rng.randrange(256) for _ in range(12))) + b"?="
    lines.insert(1, b"Subject: " + word + b" 5\xe2\x82\xac")
    return _join(lines, rest)


def _replace_header(raw: bytes, name: bytes, value: bytes) -> bytes:
    lines, rest = _split(raw)
    out = [ln for ln in lines if not ln.lower().startswith(name.lower() + b":")]
    out.insert(min(1, len(out)), name + b": " + value)
    return _join(out, rest)


def m_date(rng, raw):
    return _replace_header(raw, b"Date", rng.choice(DATES))


def m_bom_blank(rng, raw):
    return rng.choice([b"\xef\xbb\xbf", b"\r\n", b"\n", b"\xef\xbb\xbf\r\n", b"\xff\xfe"]) + raw


def m_bare_cr(rng, raw):
    return _replace_header(raw, b"Subject", b"Planning\rcommittee\r" + bytes([rng.randrange(32, 127)]))


def m_nul(rng, raw):
    word = b"=?utf-8?B?" + base64.b64encode("Planning\x00 committee\r\n".encode()) + b"?="
    which = rng.randrange(3)
    if which == 0:
        return _replace_header(raw, b"Subject", word)
    if which == 1:
        return _replace_header(raw, b"From", word + b" <jordan@example.org>")
    return raw.replace(b"\r\n\r\n", b"\r\n\r\nNUL\x00here\x00\r\n", 1)


def m_comma(rng, raw):
    return _replace_header(raw, b"From", rng.choice([b'"Example, Jordan" <jordan@example.org>',
                                                     b"Example, Jordan <jordan@example.org>",
                                                     b'"Jones, Alex" <alex.jones@council.example>',
                                                     b'"a\\"b, c" <jordan@example.org>, x@y.z']))


MUTATIONS = [m_flip, m_truncate, m_dup_headers, m_giant_header, m_nesting, m_charset, m_date, m_bom_blank,
             m_bare_cr, m_nul, m_comma]


def cases(n: int, seed: int):
    """(case number, mutation names, raw) for n cases; the same seed gives the same bytes."""
    rng = random.Random(seed)
    corpus = [p.read_bytes() for p in CORPUS]
    for i in range(n):
        base = rng.choice(corpus) if corpus and rng.random() < 0.6 else generated(rng, i)
        names = []
        raw = base
        for m in rng.sample(MUTATIONS, rng.choice([1, 1, 2, 3])):
            raw = m(rng, raw)
            names.append(m.__name__[2:])
        yield i, names, raw


def _project(root: Path, mailbox: str | None = None) -> Path:
    from tests.helpers import REPO, make_project

    db_url = f"sqlite:///{root / 'spocmail.db'}"
    return make_project(root, db_url, mailbox=mailbox, register=REPO / "examples" / "register.toml").config


def _poll(cfg: Path, env: dict | None = None, timeout: float = 3600) -> tuple[int, dict, str]:
    proc = subprocess.run([sys.executable, "-m", "spocmail", "--config", str(cfg), "--now", NOW, "poll", "--once",
                           "--json"], capture_output=True, text=True, timeout=timeout, env=env, cwd=cfg.parent)
    try:
        counts = json.loads(proc.stdout)
    except ValueError:
        counts = {}
    return proc.returncode, counts, proc.stderr[-3000:]


def _outcomes(cfg: Path) -> tuple[Counter, list[dict], set[str]]:
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{cfg.parent / 'spocmail.db'}")
    outcome: Counter = Counter()
    problems = []
    with engine.connect() as c:
        rows = c.execute(text("SELECT m.id, m.state, m.quarantine_reason, m.last_error, m.sha256, i.decision "
                              "FROM messages m LEFT JOIN identifications i ON i.message_pk = m.id "
                              "WHERE m.direction = 'in'")).all()
    engine.dispose()
    shas = set()
    for pk, state, reason, error, sha, decision in rows:
        shas.add(sha)
        if state == "quarantined":
            outcome["quarantined"] += 1
            if not reason:
                problems.append({"mail": pk, "problem": "quarantined without a reason"})
        elif state == "done":
            outcome[decision or "reply/bounce/approval"] += 1
        else:
            outcome[f"limbo:{state}"] += 1
            problems.append({"mail": pk, "problem": f"left {state}", "error": (error or "")[-1500:]})
        if error:
            outcome["crashed"] += 1
            problems.append({"mail": pk, "problem": "a step raised", "error": error[-1500:]})
    return outcome, problems, shas


def run_maildir(n: int, seed: int, root: Path, batch: int = 1000, keep_cases: Path | None = None) -> dict:
    """Deliver the cases `batch` at a time, each batch into a fresh project (so one customer's record does not
    grow with the run and slow every later mail), and `poll --once` each."""
    from spocmail.intake import maildir

    exits, mutations = [], Counter()
    outcome: Counter = Counter()
    problems: list[dict] = []
    distinct = stored_n = missing_n = 0
    started = time.monotonic()
    chunk: list[bytes] = []

    def flush(k: int) -> None:
        nonlocal distinct, stored_n, missing_n
        cfg = _project(root / f"maildir-project-{k:03d}")
        box = cfg.parent / "maildir"
        delivered = {hashlib.sha256(raw).hexdigest() for raw in chunk}
        for raw in chunk:
            maildir.deliver(box, raw, when=ARRIVAL)
        exits.append(_poll(cfg))
        got, trouble, stored = _outcomes(cfg)
        outcome.update(got)
        problems.extend(dict(p, project=k) for p in trouble)
        distinct += len(delivered)
        stored_n += len(delivered & stored)
        missing_n += len(delivered - stored)
        chunk.clear()

    k = 0
    for i, names, raw in cases(n, seed):
        mutations.update(names)
        chunk.append(raw)
        if keep_cases:
            (keep_cases / f"{i:05d}-{'+'.join(names)}.eml").write_bytes(raw)
        if len(chunk) >= batch:
            flush(k)
            k += 1
            print(f"  {i + 1} cases, {round(time.monotonic() - started)} s", file=sys.stderr, flush=True)
    if chunk:
        flush(k)
    return {"mails": n, "distinct": distinct, "stored": stored_n, "missing": missing_n,
            "polls": len(exits), "nonzero_exits": [{"exit": c, "stderr": e} for c, _, e in exits if c != 0],
            "outcomes": dict(outcome), "problems": problems[:50], "problem_count": len(problems),
            "mutations": dict(mutations), "seconds": round(time.monotonic() - started, 1)}


def run_imap(n: int, seed: int, root: Path) -> dict:
    """A smaller part through a real Dovecot: APPEND each case, then `poll --once` over IMAP."""
    from tests.servers import DovecotServer

    server = DovecotServer(name="dovecot-fuzz").start()
    started = time.monotonic()
    try:
        env = dict(os.environ, FUZZ_IMAP_PASSWORD=server.password)
        os.environ["FUZZ_IMAP_PASSWORD"] = server.password
        mailbox = (f'[mailbox]\nkind = "imap"\nhost = "{server.host}"\nport = {server.port}\nsecurity = "none"\n'
                   f'username = "{server.user}"\npassword_env = "FUZZ_IMAP_PASSWORD"\npoll_seconds = 5\n'
                   f'timeout_seconds = 60\n')
        cfg = _project(root / "imap-project", mailbox=mailbox)
        appended, refused = 0, 0
        for _, _, raw in cases(n, seed + 1):
            try:
                server.append(raw, date=ARRIVAL)
                appended += 1
            except Exception:  # Dovecot refuses some bytes (e.g. NUL): never reaches the mailbox
                refused += 1
        code, counts, err = _poll(cfg, env=env)
        outcome, problems, stored = _outcomes(cfg)
        in_box = len(server.list_folder("INBOX")) + sum(len(server.list_folder(f)) for f in server.folders()
                                                          if f != "INBOX")
    finally:
        server.stop()
    return {"mails": n, "appended": appended, "refused_by_dovecot": refused, "stored": len(stored),
            "exit": code, "stderr": err if code else "", "poll": counts, "outcomes": dict(outcome),
            "problems": problems[:50], "problem_count": len(problems), "in_mailbox_after": in_box,
            "seconds": round(time.monotonic() - started, 1)}


def verdict(result: dict) -> list[str]:
    bad = []
    m = result["maildir"]
    if m["nonzero_exits"]:
        bad.append(f"{len(m['nonzero_exits'])} poll --once exited non-zero")
    if m["missing"]:
        bad.append(f"{m['missing']} delivered mails not stored")
    if m["problem_count"]:
        bad.append(f"{m['problem_count']} mails crashed or left in limbo (maildir)")
    i = result.get("imap")
    if i:
        if i["exit"] != 0:
            bad.append(f"poll --once over IMAP exited {i['exit']}")
        if i["problem_count"]:
            bad.append(f"{i['problem_count']} mails crashed or left in limbo (imap)")
        # duplicates by content are one row: fewer rows than appended is fine only for identical bytes
        if i["stored"] == 0 and i["appended"]:
            bad.append("nothing stored over IMAP")
    return bad


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mails", type=int, default=20000, help="cases delivered to the Maildir")
    ap.add_argument("--imap", type=int, default=500, help="cases APPENDed to a real Dovecot (0: none)")
    ap.add_argument("--seed", type=int, default=10)
    ap.add_argument("--batch", type=int, default=1000, help="mails per project and `poll --once`")
    ap.add_argument("--dir", type=Path, help="keep the projects here (default: a temporary folder)")
    ap.add_argument("--keep-cases", type=Path, help="write every case as an .eml here")
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args(argv)
    os.environ.setdefault("SPOCMAIL_REQUIRE_NOW", "1")
    root = args.dir or Path(tempfile.mkdtemp(prefix="spocmail-fuzz-"))
    root.mkdir(parents=True, exist_ok=True)
    if args.keep_cases:
        args.keep_cases.mkdir(parents=True, exist_ok=True)
    result = {"seed": args.seed, "maildir": run_maildir(args.mails, args.seed, root, args.batch, args.keep_cases)}
    if args.imap:
        result["imap"] = run_imap(args.imap, args.seed, root)
    result["failures"] = verdict(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    m = result["maildir"]
    print(f"maildir: {m['mails']} cases ({m['distinct']} distinct), stored {m['stored']}, missing {m['missing']}, "
          f"{m['polls']} polls, {len(m['nonzero_exits'])} non-zero exits, {m['seconds']} s")
    print("  outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(m["outcomes"].items())))
    if "imap" in result:
        i = result["imap"]
        print(f"imap: {i['mails']} cases, appended {i['appended']} (Dovecot refused {i['refused_by_dovecot']}), "
              f"stored {i['stored']}, exit {i['exit']}, {i['seconds']} s")
        print("  outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(i["outcomes"].items())))
    for p in (m["problems"] + result.get("imap", {}).get("problems", []))[:5]:
        print("problem:", json.dumps(p)[:2000], file=sys.stderr)
    print("FAIL: " + "; ".join(result["failures"]) if result["failures"] else "OK: no crash, every mail accounted for")
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
