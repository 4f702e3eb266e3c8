#!/usr/bin/env python3
"""The figures of issue 14, each against its target, on SQLite and PostgreSQL (`make bench`).

Starts its own Dovecot, aiosmtpd and PostgreSQL (tests/servers, loopback only), generates its own
mail (bench/mailgen.py) and prints one table: figure, SQLite, PostgreSQL, target, verdict.

    .venv/bin/python bench/suite.py                  # the full suite (2,000 mails for the intake ratio)
    .venv/bin/python bench/suite.py --mails 500      # a shorter intake run
    .venv/bin/python bench/suite.py --smoke          # a few mails per figure, no verdicts (CI runs this)
    .venv/bin/python bench/suite.py --only year --year-mails 2600 --year-weeks 52   # a reduced year
    .venv/bin/python bench/suite.py --only intake --profile /tmp/intake.prof   # cProfile of poll --once
    .venv/bin/python bench/suite.py --only intake --spy /tmp/intake.spy   # where its wall time goes (py-spy)

Intake ratio, like for like: `spocmail poll --once` as a whole process against bench/bare_loop.py, a
whole process doing the same I/O (fetch with imapclient, parse with mail-parser, send as many mails as
spocmail sent over one SMTP connection and APPEND each to Sent); the ratio is bare time / spocmail time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import mailgen  # noqa: E402
import where  # noqa: E402

PASSWORD_ENV = "SPOCMAIL_BENCH_IMAP_PASSWORD"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)  # the generated mail arrives the morning before
START = datetime(2026, 11, 23, 7, 0, tzinfo=timezone.utc)
SPOCMAIL = [sys.executable, "-m", "spocmail"]


@dataclass
class Figure:
    name: str
    target: str
    ok: object  # value -> bool
    unit: str = ""
    values: dict = field(default_factory=dict)  # backend -> (value, note)


# ------------------------------------------------------------------ servers and projects


class Servers:
    def __init__(self, postgres: bool = True):
        from tests.servers import DovecotServer, PostgresServer, SmtpSink

        self.imap = DovecotServer(name="dovecot-bench").start()
        self.smtp = SmtpSink().start()
        self.pg = PostgresServer(durable=True).start() if postgres else None  # fsync on, as in production

    def stop(self) -> None:
        self.imap.stop()
        self.smtp.stop()
        if self.pg is not None:
            self.pg.stop()

    def database(self, backend: str, root: Path) -> str:
        if backend == "sqlite":
            return f"sqlite:///{root}/spocmail.db"
        return self.pg.url_for(self.pg.create_database())


def project(root: Path, url: str, s: Servers, customers: int = mailgen.CUSTOMERS) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    cfg = root / "config.toml"
    cfg.write_text(
        '[council]\nstaff_domains = ["council.example"]\n[spoc]\naddress = "spoc@council.example"\n'
        f'[database]\nurl = "{url}"\n[storage]\ndir = "mail"\n'
        f'[mailbox]\nkind = "imap"\nhost = "{s.imap.host}"\nport = {s.imap.port}\nsecurity = "none"\n'
        f'username = "{s.imap.user}"\npassword_env = "{PASSWORD_ENV}"\n'
        f'[smtp]\nkind = "smtp"\nhost = "{s.smtp.host}"\nport = {s.smtp.port}\nsecurity = "none"\n'
        f'[logging]\nfile = "spocmail.log"\n', encoding="utf-8")
    (root / "register.toml").write_text(mailgen.register(customers), encoding="utf-8")
    spocmail(cfg, "db", "upgrade")
    spocmail(cfg, "register", "import", str(root / "register.toml"))
    return cfg


def env() -> dict:
    return dict(os.environ)  # every spocmail command below gets --now (the suite itself may run under pytest)


def spocmail(cfg: Path, *args: str, now: datetime = NOW, profile: str | None = None) -> subprocess.CompletedProcess:
    prefix = [sys.executable, "-m", "cProfile", "-o", profile, "-m", "spocmail"] if profile else SPOCMAIL
    proc = subprocess.run([*prefix, "--config", str(cfg), "--now", now.isoformat(), *args],
                          capture_output=True, text=True, env=env(), cwd=cfg.parent)
    if proc.returncode != 0:
        raise SystemExit(f"spocmail {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}")
    return proc


def fill_inbox(s: Servers, mails: list[tuple[bytes, datetime]]) -> None:
    s.imap.reset()
    client = s.imap.connect()
    try:
        for raw, when in mails:
            client.append("INBOX", raw, msg_time=when)
    finally:
        client.logout()


# ------------------------------------------------------------------ the figures


def intake(s: Servers, backend: str, root: Path, n: int, profile: str | None = None,
           spy: str | None = None) -> dict:
    """With `profile` (cProfile) or `spy` (py-spy, bench/where.py) the timed poll runs under that profiler,
    which slows it: read the profile, not that run's ratio."""
    url = s.database(backend, root)
    cfg = project(root, url, s)
    mails = mailgen.mails(n, START)
    fill_inbox(s, mails)
    s.smtp.clear()
    sql = root / "sqlcount.json"
    prefix = ([sys.executable, "-m", "cProfile", "-o", profile, "-m", "spocmail"] if profile else
              [sys.executable, "-m", "spocmail"] if spy else
              [sys.executable, str(ROOT / "bench" / "sqlcount.py"), str(sql), "-m", "spocmail"])
    argv = [*prefix, "--config", str(cfg), "--now", NOW.isoformat(), "poll", "--once", "--json"]
    t0 = time.perf_counter()
    if spy:
        proc = where.record(argv, Path(spy), capture_output=True, text=True, env=env(), cwd=root)
        proc.stdout = where.own_output(proc.stdout)
        if not proc.stdout:  # py-spy exits 0 whatever its command did: no JSON means it failed
            proc.returncode = proc.returncode or 1
    else:
        proc = subprocess.run(argv, capture_output=True, text=True, env=env(), cwd=root)
    t_spoc = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"poll --once exited {proc.returncode}:\n{proc.stderr}")
    counts = json.loads(proc.stdout)
    sent = len(s.smtp.messages)
    assert counts["stored"] == n, counts
    fill_inbox(s, mails)
    s.smtp.clear()
    t0 = time.perf_counter()
    bare = subprocess.run([sys.executable, str(ROOT / "bench" / "bare_loop.py"), s.imap.host, str(s.imap.port),
                           s.imap.user, s.imap.password, s.smtp.host, str(s.smtp.port), str(sent)],
                          capture_output=True, text=True, env=env())
    t_bare = time.perf_counter() - t0
    if bare.returncode != 0:
        raise SystemExit(f"bench/bare_loop.py exited {bare.returncode}:\n{bare.stderr}")
    assert int(bare.stdout.strip()) == n and len(s.smtp.messages) == sent
    sql_counts = json.loads(sql.read_text()) if sql.exists() else {}
    return {"ratio": t_bare / t_spoc, "spocmail_s": t_spoc, "bare_s": t_bare, "mails": n, "sent": sent,
            "issues": counts.get("filed"), "spocmail_rate": n / t_spoc, "bare_rate": n / t_bare,
            "statements_per_mail": sql_counts.get("statements", 0) / n,
            "commits_per_mail": sql_counts.get("commits", 0) / n}


def push_latency(s: Servers, backend: str, root: Path, n: int) -> dict:
    from sqlalchemy import create_engine, text

    url = s.database(backend, root)
    cfg = project(root, url, s)
    s.imap.reset()
    s.smtp.clear()
    now = datetime.now(timezone.utc)
    daemon = subprocess.Popen([*SPOCMAIL, "--config", str(cfg), "run", "--now", now.isoformat(), "--jobs-every", "0"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env(), cwd=root)
    engine = create_engine(url)
    latencies = []
    try:
        # connected and in IDLE: its first pass over (logged), and a breath; a blind wait was too short for a
        # daemon starting on a loaded machine
        started = time.perf_counter() + 60
        while passes(root) < 1 and daemon.poll() is None and time.perf_counter() < started:
            time.sleep(0.05)
        if passes(root) < 1:
            raise SystemExit(f"push: the daemon finished no pass within 60 s; {_daemon_state(daemon, root)}")
        time.sleep(1)
        passes_before = passes(root)
        client = s.imap.connect()
        for i0 in range(n):
            i = i0
            raw = mailgen.mail(100_000 + i, now)
            while True:  # only mail from known customers that is filed: its issue committed
                if b"elsewhere.example" not in raw:
                    break
                i += 1000
                raw = mailgen.mail(100_000 + i, now)
            mid = f"<bench-14-{100_000 + i}@example.net>"
            t0 = time.perf_counter()
            client.append("INBOX", raw, msg_time=now)
            deadline = t0 + 30
            while time.perf_counter() < deadline:
                with engine.connect() as conn:
                    done = conn.execute(text("SELECT count(*) FROM messages m JOIN issue_messages l ON "
                                             "l.message_pk = m.id WHERE m.message_id = :mid"), {"mid": mid}).scalar()
                if done:
                    break
                time.sleep(0.005)
            else:
                raise SystemExit(f"push: mail {mid} not filed within 30 s; {_daemon_state(daemon, root)}")
            latencies.append(time.perf_counter() - t0)
            # the next mail goes in once the daemon is idle in IDLE again: its pass over (logged), and a breath
            while time.perf_counter() < deadline and passes(root) <= passes_before + i0:
                time.sleep(0.01)
            time.sleep(0.3)
        client.logout()
    finally:
        daemon.terminate()
        daemon.wait(30)
        engine.dispose()
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, int(round(0.95 * len(latencies))) - 1)]
    return {"p95_s": p95, "median_s": statistics.median(latencies), "mails": n}


def _daemon_state(daemon: subprocess.Popen, root: Path) -> str:
    """What a figure that waited in vain reports: whether the daemon still runs, and the end of its log."""
    state = "the daemon is running" if daemon.poll() is None else f"the daemon exited {daemon.returncode}"
    try:
        tail = (root / "spocmail.log").read_text(errors="replace").splitlines()[-15:]
    except FileNotFoundError:
        tail = ["(no spocmail.log)"]
    return state + "; the end of its log:\n" + "\n".join(tail)


def passes(root: Path) -> int:
    """How many intake passes the daemon has finished (its log says so once a pass is over)."""
    try:
        return (root / "spocmail.log").read_text(errors="replace").count("event=intake.poll ")
    except FileNotFoundError:
        return 0


def weekly_compile(s: Servers, backend: str, root: Path, sizes: tuple[int, ...]) -> dict:
    """A customer with N open or answered issues and 5 stored mails each: time and queries of compile_weekly."""
    from sqlalchemy import event

    from spocmail import config as configmod
    from spocmail import db as dbmod
    from spocmail import register as regmod
    from spocmail.db.issues import Answer, Issue, IssueMessage
    from spocmail.db.mail import Message
    from spocmail.deadlines import WorkingCalendar
    from spocmail.respond import compile_weekly

    out = {}
    for size in sizes:
        sub = root / f"weekly-{size}"
        url = s.database(backend, sub)
        cfg_path = project(sub, url, s, customers=1)
        config = configmod.load(cfg_path)
        database = dbmod.Database(url)
        with database.session() as session:
            statuses = ["open", "awaiting", "answered"]
            for k in range(size):
                received = START - timedelta(days=k % 300)
                issue = Issue(ref=f"SPOC-2026-{k + 1:05d}", customer_id="c00", title=f"Question {k}",
                              request_text=f"Please tell me about question {k}.", content_hash=f"{k:064x}",
                              category="general-enquiry" if k % 2 else "service-request",
                              received_at=received, received_on=received.date(), due=(received + timedelta(days=28)).date(),
                              status=statuses[k % 3], officer_id="planning" if k % 2 else "waste",
                              created_at=received, updated_at=received)
                session.add(issue)
                session.flush()
                for j in range(5):
                    raw = f"Message-ID: <w{size}-{k}-{j}@example.net>\r\n\r\nmail {j} of question {k}\r\n".encode()
                    m = Message(direction="in", sha256=f"{size:08x}{k:08x}{j:048x}", raw=raw, size=len(raw),
                                message_id=f"<w{size}-{k}-{j}@example.net>", subject=f"Question {k}",
                                from_email="c00@example.net", stored_at=received, state="done", customer_id="c00")
                    session.add(m)
                    session.flush()
                    session.add(IssueMessage(issue_id=issue.id, message_pk=m.id, role="request" if j == 0 else "followup", added_at=received))
                if issue.status == "answered":
                    session.add(Answer(issue_id=issue.id, officer_id=issue.officer_id, text=f"The answer to {k}.",
                                       received_at=received, approved_at=received + timedelta(days=1),
                                       approved_by="spoc"))
            session.commit()
        queries = [0]

        statements: dict[str, int] = {}

        def count(_conn, _cursor, statement, *_args, **_kw):
            queries[0] += 1
            statements[statement] = statements.get(statement, 0) + 1

        event.listen(database.engine, "before_cursor_execute", count)
        calendar = WorkingCalendar(config.council.holidays)
        times = []
        for _ in range(3):
            queries[0] = 0
            with database.session() as session:
                t0 = time.perf_counter()
                compile_weekly(session, "c00", config, calendar, NOW)
                times.append(time.perf_counter() - t0)
        database.dispose()
        out[size] = {"seconds": min(times), "queries": queries[0],
                     "statements": sorted(statements.items(), key=lambda kv: -kv[1])[:8]}
    return out


def memory(s: Servers, backend: str, root: Path, size: int) -> dict:
    url = s.database(backend, root)
    cfg = project(root, url, s)

    s.imap.reset()
    baseline = _peak_rss([*SPOCMAIL, "--config", str(cfg), "--now", NOW.isoformat(), "poll", "--once", "--json"], root)
    raw = mailgen.big_mail(size, START)
    fill_inbox(s, [(raw, START)])
    with_mail = _peak_rss([*SPOCMAIL, "--config", str(cfg), "--now", NOW.isoformat(), "poll", "--once", "--json"], root)
    above = with_mail - baseline
    return {"times_size": above / len(raw), "above_mb": above / 1e6, "mail_mb": len(raw) / 1e6,
            "baseline_mb": baseline / 1e6}


_LAUNCHER: subprocess.Popen | None = None


def start_launcher() -> None:
    """bench/rss_launcher.py, started while this process is small (see there why)."""
    global _LAUNCHER
    _LAUNCHER = subprocess.Popen([sys.executable, str(ROOT / "bench" / "rss_launcher.py")], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True, env=env())


def _peak_rss(argv: list[str], cwd: Path) -> int:
    """Peak resident memory (bytes) of one whole process, from wait4's rusage in the small launcher."""
    if _LAUNCHER is None:
        start_launcher()
    _LAUNCHER.stdin.write(json.dumps({"argv": argv, "cwd": str(cwd), "env": {PASSWORD_ENV: os.environ.get(PASSWORD_ENV, "")}}) + "\n")
    _LAUNCHER.stdin.flush()
    got = json.loads(_LAUNCHER.stdout.readline())
    if got["rc"]:
        raise SystemExit(f"{' '.join(argv[2:])} exited {got['rc']}:\n{got['stderr']}")
    return got["maxrss"]


def _send_weekly(cfg: Path, customer: str, now: datetime) -> int:
    """`weekly send C --approve` as the SPOC does it. A draft that went out of date meanwhile (a single-issue
    response sent one of its answers: exit 2, nothing sent) is previewed again, as the error says, and the
    new draft approved. Returns 1 when that happened, else 0; any other failure ends the run."""
    args = [*SPOCMAIL, "--config", str(cfg), "--now", now.isoformat(), "weekly", "send", customer, "--approve"]
    proc = subprocess.run(args, capture_output=True, text=True, env=env(), cwd=cfg.parent)
    if proc.returncode == 0:
        return 0
    if proc.returncode != 2 or "out of date" not in proc.stderr:
        raise SystemExit(f"spocmail weekly send {customer} --approve exited {proc.returncode}:\n{proc.stderr}")
    spocmail(cfg, "weekly", "preview", customer, now=now)
    spocmail(cfg, "weekly", "send", customer, "--approve", now=now)
    return 1


def year(s: Servers, backend: str, root: Path, n_mails: int, weeks: int = 52, sends_per_week: int | None = None,
         profile: str | None = None) -> dict:
    """N mails for 20 customers over `weeks` weeks, replayed with --now: each week the customers' mail is
    polled (timed), the officers answer every request spocmail sent them (polled again), `jobs run-due`
    runs Friday noon, and the SPOC approves and sends each weekly response (`weekly send C --approve`).
    The figure: per-mail time of the last thousandth-twentieth of the mail against the first.
    With `profile`, the timed poll of the first and of the last week runs under cProfile (into
    PROFILE.first and PROFILE.last), which slows those two batches: compare profiles, not that ratio."""
    import email
    from email import policy

    url = s.database(backend, root)
    cfg = project(root, url, s)
    s.imap.reset()
    monday = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    per_week = [n_mails // weeks + (1 if w < n_mails % weeks else 0) for w in range(weeks)]
    client = s.imap.connect()
    batches = []  # (mails, seconds) of each week's customer poll
    sent_in_poll: list[int] = []
    answers = sends = approved = redrafted = 0
    n = 0
    try:
        for w in range(weeks):
            week = monday + timedelta(weeks=w)
            s.smtp.clear()
            customers = set()
            for k in range(per_week[w]):
                when = week + timedelta(minutes=(4 * 24 * 60 // max(1, per_week[w])) * k)
                raw = mailgen.mail(200_000 + n, when)
                customers.add((200_000 + n) % mailgen.CUSTOMERS)
                client.append("INBOX", raw, msg_time=when)
                n += 1
            thursday = week + timedelta(days=3, hours=1)
            t0 = time.perf_counter()
            prof = None if not profile else (f"{profile}.first" if w == 0 else f"{profile}.last" if w == weeks - 1 else None)
            spocmail(cfg, "poll", "--once", "--json", now=thursday, profile=prof)
            batches.append((per_week[w], time.perf_counter() - t0))
            sent_in_poll.append(len(s.smtp.messages))  # what the timed poll sent: it should not grow either
            for captured in s.smtp.messages:  # every officer request answered by its officer
                msg = email.message_from_bytes(captured.content, policy=policy.default)
                if "#" not in str(msg["Subject"] or "") or not msg["Reply-To"]:
                    continue
                officer = captured.rcpt_tos[0]
                reply = email.message.EmailMessage()
                reply["From"], reply["To"] = officer, str(msg["Reply-To"])
                reply["Subject"] = f"RE: {msg['Subject']}"
                reply["Date"] = email.utils.format_datetime(thursday + timedelta(hours=2))
                reply["Message-ID"] = f"<year-answer-{w}-{answers}@council.example>"
                reply["In-Reply-To"] = reply["References"] = msg["Message-ID"]
                reply.set_content("This has been looked at and will be put right within ten working days.\n\nRegards\n")
                client.append("INBOX", bytes(reply), msg_time=thursday + timedelta(hours=2))
                answers += 1
            spocmail(cfg, "poll", "--once", "--json", now=thursday + timedelta(hours=3))
            approved += _approve_answers(url, thursday + timedelta(hours=4))
            friday = week + timedelta(days=4, hours=3)  # 12:00 London in winter
            spocmail(cfg, "jobs", "run-due", "--now", friday.isoformat(), now=friday)
            for c in sorted(customers)[:sends_per_week]:
                redrafted += _send_weekly(cfg, f"c{c:02d}", friday + timedelta(minutes=5))
                sends += 1
    finally:
        client.logout()
    part = max(1, min(1000, n_mails // 20))  # "the last thousand against the first thousand", scaled down
    first, last = _per_mail(batches, part, last=False), _per_mail(batches, part, last=True)
    return {"ratio": last / first, "first_ms": first * 1000, "last_ms": last * 1000, "part": part, "mails": n,
            "weeks": weeks, "answers": answers, "approved": approved, "weekly_sends": sends, "redrafted": redrafted,
            "batches": [(m, round(t, 3)) for m, t in batches], "sent_in_poll": sent_in_poll}


def _approve_answers(url: str, now: datetime) -> int:
    """The SPOC reads and approves the week's answers, each by its id (spocmail never approves "all pending"),
    through the function `spocmail issues approve REF --answer ID` calls: a CLI run per answer would make a
    year of 16,000 answers hours of start-up. Unapproved, every answered issue would go overdue and bring a
    deadline notice at every jobs run for the rest of the year, which no council's SPOC lets happen."""
    from sqlalchemy import select

    from spocmail import officers
    from spocmail.db import Database
    from spocmail.db.issues import Answer, Issue

    db = Database(url)
    n = 0
    try:
        with db.session() as session:
            waiting = session.execute(select(Issue, Answer.id).join(Answer, Answer.issue_id == Issue.id)
                                      .where(Answer.approved_at.is_(None)).order_by(Issue.id, Answer.id)).all()
            by_issue: dict = {}
            for issue, answer_id in waiting:
                by_issue.setdefault(issue, []).append(answer_id)
            for issue, ids in by_issue.items():
                n += officers.approve(session, issue, actor="spoc", now=now, answer_ids=ids)
    finally:
        db.dispose()
    return n


def _per_mail(batches: list[tuple[int, float]], mails: int, last: bool) -> float:
    """Seconds per mail over the first (or last) whole weeks holding at least `mails` mails."""
    taken = 0
    seconds = 0.0
    for m, t in (reversed(batches) if last else batches):
        if m == 0:
            continue
        taken += m
        seconds += t
        if taken >= mails:
            break
    return seconds / max(1, taken)


def deadlines(n: int) -> dict:
    from spocmail.deadlines import WorkingCalendar, default_rules, due_date

    calendar = WorkingCalendar("uk")
    rules = default_rules()
    kinds = list(rules.kinds)
    base = date(2026, 1, 1)
    days = [base + timedelta(days=k % 730) for k in range(n)]
    due_date(kinds[0], days[0], calendar, rules=rules)  # warm the holiday tables
    t0 = time.perf_counter()
    for k, d in enumerate(days):
        due_date(kinds[k % len(kinds)], d, calendar, rules=rules)
    return {"seconds": time.perf_counter() - t0, "computations": n}


def startup(s: Servers, backend: str, root: Path, runs: int) -> dict:
    """Start-up as installed: a wheel's install compiles the bytecode, so the checkout's is written by a first
    run (not counted) even where PYTHONDONTWRITEBYTECODE is set, as it is on these machines."""
    url = s.database(backend, root)
    cfg = project(root, url, s, customers=0)
    compiled = {k: v for k, v in env().items() if k != "PYTHONDONTWRITEBYTECODE"}
    argv = [*SPOCMAIL, "--config", str(cfg), "--now", NOW.isoformat(), "issues", "list", "--json"]
    times = []
    for n in range(runs + 1):
        t0 = time.perf_counter()
        proc = subprocess.run(argv, capture_output=True, text=True, env=compiled, cwd=cfg.parent)
        if proc.returncode != 0:
            raise SystemExit(f"spocmail issues list exited {proc.returncode}:\n{proc.stderr}")
        if n:
            times.append(time.perf_counter() - t0)
    return {"seconds": statistics.median(times), "runs": runs}


# ------------------------------------------------------------------ the table


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="a few mails per figure, no verdicts (CI)")
    ap.add_argument("--mails", type=int, default=2000, help="mails for the intake ratio (default 2000)")
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--only", default="", help="comma-separated: intake,push,weekly,memory,deadlines,startup,year")
    ap.add_argument("--year-mails", type=int, default=20000, help="mails for the year figure (default 20000)")
    ap.add_argument("--year-weeks", type=int, default=52, help="weeks the year figure replays (default 52)")
    ap.add_argument("--year-sends", type=int, default=None, help="weekly responses sent a week (default: all)")
    ap.add_argument("--profile", metavar="FILE", help="cProfile `poll --once` of the intake run into FILE.BACKEND, "
                    "and the first and last weekly poll of the year into FILE.BACKEND.year.first/.last")
    ap.add_argument("--spy", metavar="FILE", help="sample `poll --once` of the intake run with py-spy into "
                    "FILE.BACKEND and print where its wall time goes (bench/where.py)")
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = ap.parse_args(argv)
    smoke = args.smoke
    backends = [b for b in args.backends.split(",") if b]
    only = set(filter(None, args.only.split(","))) or {"intake", "push", "weekly", "memory", "deadlines", "startup", "year"}
    n_mails = 12 if smoke else args.mails
    n_push = 3 if smoke else 100
    sizes = (5, 15) if smoke else (200, 1000)
    big = 1_000_000 if smoke else 50_000_000
    n_deadlines = 2_000 if smoke else 100_000
    year_mails, year_weeks = (4, 2) if smoke else (args.year_mails, args.year_weeks)

    os.environ.setdefault(PASSWORD_ENV, "")
    if "memory" in only:
        start_launcher()  # before this process grows: a child's peak would otherwise include ours
    servers = Servers(postgres="postgresql" in backends)
    os.environ[PASSWORD_ENV] = servers.imap.password
    figures = {
        "intake": Figure(f"intake ratio, {n_mails} mails (bare loop time / poll --once time)", ">= 0.6",
                         lambda v: v >= 0.6),
        "push": Figure(f"push latency p95, {n_push} mails (APPEND to issue committed)", "< 1 s",
                       lambda v: v < 1.0, " s"),
        "weekly": Figure(f"weekly compile, {sizes[-1]} issues, {5 * sizes[-1]} mails", "< 0.5 s, queries flat",
                         lambda v: v < 0.5, " s"),
        "memory": Figure(f"memory peak above baseline, one {big / 1e6:.0f} MB mail", "< 3x its size",
                         lambda v: v < 3.0, "x"),
        "deadlines": Figure(f"{n_deadlines:,} deadline computations", "< 1 s", lambda v: v < 1.0, " s"),
        "year": Figure(f"a year: {year_mails:,} mails over {year_weeks} weeks (last / first per-mail intake time)",
                       "<= 1.2x", lambda v: v <= 1.2, "x"),
        "startup": Figure("start-up, `issues list --json` on an empty db", "< 0.5 s", lambda v: v < 0.5, " s"),
    }
    raw: dict = {}
    try:
        with tempfile.TemporaryDirectory(prefix="spocmail-bench-") as tmp:
            tmpdir = Path(tmp)
            for backend in backends:
                def at(name: str) -> Path:
                    return tmpdir / backend / name

                got = raw.setdefault(backend, {})
                if "intake" in only:
                    r = got["intake"] = intake(servers, backend, at("intake"), n_mails,
                                               f"{args.profile}.{backend}" if args.profile else None,
                                               f"{args.spy}.{backend}" if args.spy else None)
                    if args.spy:
                        with open(f"{args.spy}.{backend}") as fh:
                            print(f"where poll --once spends its time, {backend} ({n_mails} mails, py-spy):\n"
                                  f"{where.table(where.summarise(fh))}\n", flush=True)
                    per_mail = (f", {r['statements_per_mail']:.0f} SQL and {r['commits_per_mail']:.1f} commits a mail"
                                if r["statements_per_mail"] else "")
                    figures["intake"].values[backend] = (r["ratio"], f"{r['spocmail_rate']:.1f} vs {r['bare_rate']:.1f} mails/s, {r['sent']} sent{per_mail}")
                if "push" in only:
                    r = got["push"] = push_latency(servers, backend, at("push"), n_push)
                    figures["push"].values[backend] = (r["p95_s"], f"median {r['median_s']:.2f} s")
                if "weekly" in only:
                    r = got["weekly"] = weekly_compile(servers, backend, at("weekly"), sizes)
                    small, large = r[sizes[0]], r[sizes[-1]]
                    flat = large["queries"] == small["queries"]
                    figures["weekly"].values[backend] = (
                        large["seconds"] if flat or smoke else float("inf"),
                        f"{large['seconds']:.2f} s; queries {small['queries']} at {sizes[0]}, "
                        f"{large['queries']} at {sizes[-1]}")
                if "memory" in only:
                    r = got["memory"] = memory(servers, backend, at("memory"), big)
                    figures["memory"].values[backend] = (r["times_size"], f"+{r['above_mb']:.0f} MB for {r['mail_mb']:.0f} MB")
                if "year" in only:
                    r = got["year"] = year(servers, backend, at("year"), year_mails, year_weeks, 1 if smoke else args.year_sends,
                                           f"{args.profile}.{backend}.year" if args.profile else None)
                    figures["year"].values[backend] = (r["ratio"], f"{r['first_ms']:.0f} then {r['last_ms']:.0f} ms a mail, "
                                                                   f"{r['answers']} answers, {r['approved']} approved, {r['weekly_sends']} sends")
                if "startup" in only:
                    r = got["startup"] = startup(servers, backend, at("startup"), 1 if smoke else 5)
                    figures["startup"].values[backend] = (r["seconds"], "median")
            if "deadlines" in only:  # no database: one figure for both
                r = raw["deadlines"] = deadlines(n_deadlines)
                for backend in backends:
                    figures["deadlines"].values[backend] = (r["seconds"], "no database")
    finally:
        servers.stop()
        if _LAUNCHER is not None:
            _LAUNCHER.stdin.close()
            _LAUNCHER.wait(10)
    print(table([f for f in figures.values() if f.values], backends, smoke))
    if args.json:
        Path(args.json).write_text(json.dumps(raw, indent=2, default=str))
    return 0


def table(figures: list[Figure], backends: list[str], smoke: bool) -> str:
    head = ["figure", *backends, "target", "verdict"]
    rows = []
    for f in figures:
        cells = []
        verdicts = []
        for b in backends:
            value, note = f.values.get(b, (None, ""))
            if value is None:
                cells.append("-")
                continue
            shown = "fails" if value == float("inf") else f"{value:.2f}{f.unit}"
            cells.append(f"{shown} ({note})" if note else shown)
            verdicts.append(bool(f.ok(value)))
        verdict = "smoke" if smoke else ("PASS" if verdicts and all(verdicts) else "FAIL")
        rows.append([f.name, *cells, f.target, verdict])
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    line = lambda r: " | ".join(str(c).ljust(w) for c, w in zip(r, widths))  # noqa: E731
    return "\n".join([line(head), "-+-".join("-" * w for w in widths), *map(line, rows)])


if __name__ == "__main__":
    sys.exit(main())
