"""`spocmail init DIR`: a council's starting folder that works as it is, reads its own copies, and overwrites nothing."""

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from spocmail import config
from spocmail.clock import LONDON
from tests.helpers import deliver
from tests.helpers import PROJECT_NOW, REPO, spocmail

ARRIVED = datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)


def customer_mail() -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "Jordan Example <jordan@example.org>", "spoc@council.example", "Bins"
    msg["Date"], msg["Message-ID"] = format_datetime(ARRIVED), "<init-bins-1@example.org>"
    msg.set_content("My green bin was missed again on Friday, please collect it.")
    return bytes(msg)


def ok(*args):
    result = spocmail("--now", PROJECT_NOW, *args)
    assert result.code == 0, f"spocmail {' '.join(map(str, args))} exited {result.code}: {result.err}"
    return result


def test_init_writes_a_config_that_reads_the_copies_it_wrote(tmp_path):
    site = tmp_path / "site"
    written = ok("init", site, "--json").json()
    assert written["config"] == str(site.resolve() / "config.toml")
    cfg = config.load(site / "config.toml")
    assert cfg.rules.dir == site.resolve() / "rules" and cfg.templates.dir == site.resolve() / "templates"
    for kind in ("rules", "templates"):
        shipped = sorted(p.name for p in (REPO / kind).iterdir())
        assert sorted(p.name for p in (site / kind).iterdir()) == shipped
        assert all((site / kind / n).read_bytes() == (REPO / kind / n).read_bytes() for n in shipped)
    assert (site / "register.toml").read_bytes() == (REPO / "examples/register.toml").read_bytes()
    assert cfg.mailbox.kind == "maildir" and cfg.mailbox.path == site.resolve() / "var/maildir"


def test_from_the_folder_init_wrote_db_upgrade_register_import_and_poll_work(tmp_path, monkeypatch):
    ok("init", tmp_path / "site")
    monkeypatch.chdir(tmp_path / "site")  # no --config: ./config.toml, as a council would run it
    monkeypatch.delenv("SPOCMAIL_CONFIG", raising=False)
    ok("db", "upgrade")
    ok("register", "import", "register.toml")
    deliver(tmp_path / "site/var/maildir", customer_mail(), when=ARRIVED)
    counts = ok("poll", "--once", "--json", "--now", "2026-11-23T09:05").json()
    assert (counts["stored"], counts["filed"]) == (1, 1)
    [issue] = ok("issues", "list", "--json").json()
    assert issue["customer"] == "jordan" and issue["officer"] == "waste"
    assert any("dee.walker@council.example" in p.read_text() for p in (tmp_path / "site/var/outbox").glob("*.eml"))


def test_editing_a_copied_template_changes_what_is_rendered(tmp_path):
    site = tmp_path / "site"
    ok("init", site)
    cfg = site / "config.toml"
    ok("--config", cfg, "db", "upgrade")
    ok("--config", cfg, "register", "import", site / "register.toml")
    deliver(site / "var/maildir", customer_mail(), when=ARRIVED)
    ok("--config", cfg, "poll", "--once", "--now", "2026-11-23T09:05")
    preview = ("--config", cfg, "weekly", "preview", "jordan", "--json", "--now", "2026-11-27T11:00")
    before = ok(*preview).json()["body_text"]
    assert "Testshire" not in before
    template = site / "templates" / "weekly.txt.j2"
    template.write_text("Testshire's own opening line.\n" + template.read_text(encoding="utf-8"), encoding="utf-8")
    after = ok(*preview).json()["body_text"]
    assert after.startswith("Testshire's own opening line.\n") and "SPOC-2026-0001" in after


def test_init_refuses_to_overwrite_and_then_writes_nothing(tmp_path):
    site = tmp_path / "site"
    (site / "rules").mkdir(parents=True)
    (site / "rules" / "route.toml").write_text("# the council's own routing\n")
    result = spocmail("init", site)
    assert result.code == 2
    assert "refuses to overwrite 1 existing file (rules/route.toml)" in result.err and "nothing was written" in result.err
    assert (site / "rules" / "route.toml").read_text() == "# the council's own routing\n"
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*")) == ["rules", "rules/route.toml"]


def test_init_twice_refuses_the_second_time_and_keeps_the_councils_edits(tmp_path):
    site = tmp_path / "site"
    ok("init", site)
    (site / "config.toml").write_text((site / "config.toml").read_text() + "# edited\n")
    result = spocmail("init", site)
    assert result.code == 2 and "config.toml" in result.err
    assert (site / "config.toml").read_text().endswith("# edited\n")


def test_init_into_a_folder_with_other_files_keeps_them(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    ok("init", tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine" and (tmp_path / "config.toml").is_file()
