"""The web page's dashboard for a council with 20 arrangements and a year of mail: target under 200 ms.

Builds the record directly (a year of issues for 20 customers, three contacts a week each, with their officer
requests, answers, messages and a triage backlog) in SQLite, signs in, and times GET / through the ASGI app
in-process (Starlette's TestClient: the page's own work, without a network). Prints the median and p95.
Run: .venv/bin/python bench/bench_web.py [ROUNDS]
"""

from __future__ import annotations

import hashlib
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from starlette.testclient import TestClient  # noqa: E402

from spocmail import config as configmod  # noqa: E402
from spocmail import db as dbmod  # noqa: E402
from spocmail import register as regmod  # noqa: E402
from spocmail.clock import Clock  # noqa: E402
from spocmail.db.decisions import Identification  # noqa: E402
from spocmail.db.issues import Answer, Issue, OfficerRequest  # noqa: E402
from spocmail.db.mail import Message  # noqa: E402
from spocmail.web.app import create_app  # noqa: E402
from spocmail.web.users import add_user  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CUSTOMERS = 20
PER_WEEK = 3
NOW = datetime(2026, 12, 2, 10, tzinfo=timezone.utc)
OFFICERS = ["planning", "waste", "housing", "information-team"]
CATEGORIES = [("general-enquiry", None), ("service-request", None), ("foi", "foi"), ("complaint", None)]


def register_file(root: Path) -> Path:
    base = (REPO / "examples" / "register.toml").read_text()
    base = base[:base.index("[[customer]]")]
    for n in range(CUSTOMERS):
        base += (f'\n[[customer]]\nid = "c{n:02d}"\nname = "Customer {n}"\naddresses = ["c{n:02d}@example.org"]\n'
                 f'spoc = "spoc-officer"\ndeputy = "spoc-deputy"\nstart = 2025-12-01\n'
                 f'review = 2026-12-0{1 + n % 8}\nweekly = {{ day = "FRI", time = "12:00" }}\n')
    path = root / "register.toml"
    path.write_text(base)
    return path


def build(root: Path):
    (root / "config.toml").write_text('[database]\nurl = "sqlite:///db.sqlite"\n[mailbox]\npath = "md"\n'
                                      '[smtp]\nkind = "file"\ndir = "out"\n[logging]\nfile = "log"\n'
                                      '[web]\nsecure_cookies = false\n')
    cfg = configmod.load(root / "config.toml")
    dbmod.upgrade(cfg.database.url)
    database = dbmod.Database(cfg.database.url)
    start = NOW - timedelta(days=365)
    with database.session() as s:
        regmod.import_register(s, regmod.read_file(register_file(root)), start)
        add_user(s, "bench", "spoc", "spoc-officer", "bench-password-1", actor="bench", now=start)
    n = 0
    with database.session() as s:
        for week in range(52):
            for c in range(CUSTOMERS):
                for k in range(PER_WEEK):
                    n += 1
                    at = start + timedelta(days=7 * week + k, hours=c % 8)
                    raw = (f"From: c{c:02d}@example.org\r\nSubject: item {n}\r\n\r\nPlease help with {n}.\r\n").encode()
                    m = Message(direction="in", sha256=hashlib.sha256(raw).hexdigest(), raw=raw, size=len(raw),
                                subject=f"item {n}", from_email=f"c{c:02d}@example.org", stored_at=at,
                                customer_id=f"c{c:02d}", state="done")
                    s.add(m)
                    s.flush()
                    recent = week >= 50
                    category, kind = CATEGORIES[n % len(CATEGORIES)]
                    status = ("awaiting" if k == 0 else "answered" if k == 1 else "open") if recent else \
                        ("responded" if n % 9 else "closed")
                    officer = OFFICERS[n % len(OFFICERS)]
                    issue = Issue(ref=f"SPOC-2026-{n:05d}", customer_id=f"c{c:02d}", title=f"item {n}",
                                  request_text=f"Please help with {n}.", content_hash=hashlib.sha256(raw).hexdigest(),
                                  category=category, statutory_kind=kind, received_at=at, received_on=at.date(),
                                  due=(at + timedelta(days=28)).date() if kind else None, status=status,
                                  officer_id=officer, created_at=at, updated_at=at)
                    s.add(issue)
                    s.flush()
                    s.add(OfficerRequest(issue_id=issue.id, officer_id=officer, token=f"t{n}", message_id=f"<r{n}@x>",
                                         needed_by=(at + timedelta(days=4)).date(), sent_at=at,
                                         status="sent" if status in ("awaiting", "open") else "answered"))
                    if status in ("answered", "responded", "closed"):
                        s.add(Answer(issue_id=issue.id, officer_id=officer, text="An answer.", received_at=at,
                                     approved_at=None if status == "answered" else at,
                                     approved_by=None if status == "answered" else "spoc"))
        for t in range(30):  # a triage backlog
            raw = f"From: who{t}@webmail.example\r\nSubject: who am I {t}\r\n\r\nHello.\r\n".encode()
            m = Message(direction="in", sha256=hashlib.sha256(raw).hexdigest(), raw=raw, size=len(raw),
                        subject=f"who am I {t}", from_email=f"who{t}@webmail.example", stored_at=NOW, state="done")
            s.add(m)
            s.flush()
            s.add(Identification(message_pk=m.id, role="unknown", sender=m.from_email, decision="triage", score=0.3,
                                 evidence=[], candidates=[{"customer": f"c{t % CUSTOMERS:02d}", "score": 0.3,
                                                           "evidence": [{"kind": "name", "detail": "a name",
                                                                         "weight": 0.3}]}], decided_at=NOW))
    return cfg, database, n


def main(rounds: int = 50) -> None:
    root = Path(tempfile.mkdtemp(prefix="spocmail-bench-web-"))
    try:
        t0 = time.perf_counter()
        cfg, database, issues = build(root)
        print(f"record: {CUSTOMERS} arrangements, {issues} mails and issues over a year, 30 in triage "
              f"(built in {time.perf_counter() - t0:.1f} s)")
        client = TestClient(create_app(cfg, Clock(NOW), database), base_url="http://127.0.0.1",
                            follow_redirects=False)
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
        assert client.post("/login", data={"name": "bench", "password": "bench-password-1", "csrf": csrf}
                           ).status_code == 303
        first = client.get("/")
        assert first.status_code == 200 and "The day's work" in first.text
        times = []
        for _ in range(rounds):
            t = time.perf_counter()
            r = client.get("/")
            times.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        median = statistics.median(times)
        verdict = "ok" if p95 < 200 else "SLOWER THAN THE 200 ms TARGET"
        print(f"dashboard GET /: median {median:.1f} ms, p95 {p95:.1f} ms over {rounds} requests "
              f"({len(first.text)} bytes): {verdict}")
        database.dispose()
    finally:
        shutil.rmtree(root)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
