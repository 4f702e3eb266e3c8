"""Intake throughput and scaling: mails stored, identified, filed and routed per second, at two sizes.

Reports ratios measured in one run (these machines are noisy): per-mail cost at 4x the volume should
stay close to 1.0x; a rising ratio means some step grows with the size of the record.
Run: .venv/bin/python bench/bench_intake.py [N]
"""

from __future__ import annotations

import resource
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from spocmail import config as configmod  # noqa: E402
from spocmail import db as dbmod  # noqa: E402
from spocmail import register as regmod  # noqa: E402
from spocmail.clock import LONDON, Clock  # noqa: E402
from spocmail.intake.maildir import MaildirMailbox, deliver  # noqa: E402
from spocmail.pipeline import poll_once  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
TOPICS = ["my bin was missed", "the planning application next door", "damp in my flat",
          "noise from the depot", "a pothole on the High Street", "the council tax bill"]


def mail(n: int, when: datetime) -> bytes:
    return (f"From: Jordan Example <jordan@example.org>\r\nTo: spoc@council.example\r\nSubject: Item {n}\r\n"
            f"Date: {when:%a, %d %b %Y %H:%M:%S %z}\r\nMessage-ID: <bench-{n}@example.org>\r\n\r\n"
            f"Please tell me what is happening about {TOPICS[n % len(TOPICS)]} (case {n}).\r\n").encode()


def run(n: int) -> float:
    root = Path(tempfile.mkdtemp(prefix="spocmail-bench-"))
    try:
        (root / "config.toml").write_text('[database]\nurl = "sqlite:///db.sqlite"\n[mailbox]\npath = "md"\n'
                                          '[smtp]\nkind = "file"\ndir = "out"\n[logging]\nfile = "log"\n')
        cfg = configmod.load(root / "config.toml")
        dbmod.upgrade(cfg.database.url)
        database = dbmod.Database(cfg.database.url)
        start = datetime(2026, 11, 23, 9, tzinfo=LONDON)
        with database.session() as s:
            regmod.import_register(s, regmod.read_file(REPO / "examples" / "register.toml"), start)
        for i in range(n):
            deliver(cfg.mailbox.path, mail(i, start), when=start)
        t0 = time.perf_counter()
        counts = poll_once(cfg, database, MaildirMailbox(cfg.mailbox.path), Clock(start + timedelta(hours=1)))
        elapsed = time.perf_counter() - t0
        assert counts.stored == n, counts
        database.dispose()
        return elapsed
    finally:
        shutil.rmtree(root)


def main() -> None:
    small = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    large = small * 4
    t_small, t_large = run(small), run(large)
    per_small, per_large = t_small / small, t_large / large
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"intake of {small} mails: {t_small:.2f}s ({small / t_small:.0f} mails/s)")
    print(f"intake of {large} mails: {t_large:.2f}s ({large / t_large:.0f} mails/s)")
    print(f"per-mail cost at {large} vs {small}: {per_large / per_small:.2f}x   (1.0x = linear)")
    print(f"peak memory: {rss:.0f} MiB")


if __name__ == "__main__":
    main()
