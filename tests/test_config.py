"""Configuration: every key validated; an error names the file, the key and what was expected."""

from pathlib import Path

import pytest

from spocmail import config
from spocmail.errors import ConfigError
from tests.helpers import REPO, spocmail


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "config.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_example_config_is_valid_and_documents_every_key(monkeypatch):
    monkeypatch.setenv("SPOCMAIL_IMAP_PASSWORD", "x")
    cfg = config.load(REPO / "config.example.toml")
    assert cfg.council.holidays == "uk"
    assert cfg.mailbox.kind == "maildir"
    text = (REPO / "config.example.toml").read_text()
    # every field of every section appears in the example with a comment
    from dataclasses import fields
    for section in ("council", "spoc", "database", "storage", "mailbox", "smtp", "rules", "templates", "logging"):
        for f in fields(getattr(cfg, section)):
            if f.name == "source_file":
                continue
            line = next((l for l in text.splitlines() if l.lstrip("# ").startswith(f"{f.name} =")), None)
            assert line is not None, f"[{section}] {f.name} is not documented in config.example.toml"
            assert "#" in line.split("=", 1)[1] or line.lstrip().startswith("#"), f"{f.name} has no comment"


def test_relative_paths_are_relative_to_the_config_file(tmp_path):
    cfg = config.load(write(tmp_path, '[database]\nurl = "sqlite:///var/x.db"\n[mailbox]\npath = "md"\n'))
    assert cfg.mailbox.path == tmp_path.resolve() / "md"
    assert cfg.database.url == f"sqlite:///{tmp_path.resolve() / 'var/x.db'}"


@pytest.mark.parametrize("text, key, expected", [
    ('[mailbox]\nsecurity = "bogus"\n', "[mailbox] security", 'expected one of "tls", "starttls", "none"'),
    ('[mailbox]\nport = "993"\n', "[mailbox] port", "expected a whole number from 1 to 65535"),
    ('[mailbox]\npoll_seconds = 0\n', "[mailbox] poll_seconds", "from 1 to 86400"),
    ('[council]\nholidays = "wales"\n', "[council] holidays", '"england-and-wales"'),
    ('[council]\ntimezone = "Mars/Olympus"\n', "[council] timezone", "IANA time zone"),
    ('[spoc]\naddress = "not-an-address"\n', "[spoc] address", "an email address"),
    ('[database]\nurl = "mysql://x"\n', "[database] url", "postgresql+psycopg"),
    ('[mailbox]\nkidn = "imap"\n', "[mailbox] kidn", "unknown key"),
    ('[mailbx]\nkind = "imap"\n', "[mailbx]", "unknown section"),
])
def test_bad_values_name_the_file_the_key_and_the_fix(tmp_path, text, key, expected):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        config.load(path)
    message = str(err.value)
    assert str(path.resolve()) in message and key in message and expected in message


def test_a_password_in_the_config_is_refused(tmp_path):
    path = write(tmp_path, '[mailbox]\nkind = "imap"\nusername = "spoc"\npassword = "hunter2"\n')
    with pytest.raises(ConfigError, match="password_env") as err:
        config.load(path)
    assert "hunter2" not in str(err.value)


def test_plain_imap_is_refused_for_a_remote_host(tmp_path):
    path = write(tmp_path, '[mailbox]\nkind = "imap"\nhost = "192.0.2.10"\nsecurity = "none"\n'
                           'username = "spoc"\npassword_env = "P"\n')
    with pytest.raises(ConfigError, match=r'security = "none": refused for host'):
        config.load(path)


def test_plain_imap_is_allowed_on_loopback(tmp_path):
    path = write(tmp_path, '[mailbox]\nkind = "imap"\nhost = "127.0.0.1"\nsecurity = "none"\n'
                           'username = "spoc"\npassword_env = "P"\n')
    assert config.load(path).mailbox.security == "none"


def test_password_comes_from_environment_or_file(tmp_path, monkeypatch):
    (tmp_path / "pw").write_text("s3cret\n")
    cfg = config.load(write(tmp_path, '[mailbox]\nkind = "imap"\nusername = "u"\npassword_file = "pw"\n'))
    assert cfg.mailbox.password() == "s3cret"
    cfg = config.load(write(tmp_path, '[mailbox]\nkind = "imap"\nusername = "u"\npassword_env = "SPOC_PW"\n'))
    monkeypatch.delenv("SPOC_PW", raising=False)
    with pytest.raises(ConfigError, match="SPOC_PW is not set"):
        cfg.mailbox.password()
    monkeypatch.setenv("SPOC_PW", "from-env")
    assert cfg.mailbox.password() == "from-env"


def test_cli_exits_2_and_names_the_key_for_a_bad_config(tmp_path):
    path = write(tmp_path, '[mailbox]\nsecurity = "bogus"\n')
    result = spocmail("--config", path, "register", "show", "--json")
    assert result.code == 2
    assert "[mailbox] security" in result.err and str(path.resolve()) in result.err
    assert result.json()["exit"] == 2  # --json errors are JSON too


def test_cli_missing_config_file_says_how_to_fix(tmp_path):
    result = spocmail("--config", tmp_path / "nope.toml", "poll", "--once")
    assert result.code == 2
    # the fix must work for an installed package too, where there is no config.example.toml to copy
    assert "nope.toml" in result.err and "spocmail init DIR" in result.err


def test_config_is_found_through_the_environment(tmp_path, monkeypatch):
    path = write(tmp_path, '[database]\nurl = "sqlite:///db.sqlite"\n')
    monkeypatch.setenv("SPOCMAIL_CONFIG", str(path))
    assert spocmail("db", "upgrade").code == 0
    assert (tmp_path / "db.sqlite").exists()


def test_cli_usage_mistake_exits_2_and_says_what_was_expected():
    result = spocmail("deadline", "--kind", "foi", "--received", "yesterday")
    assert result.code == 2
    assert "--received" in result.err or "ISO-8601" in result.err
    result = spocmail("deadline", "--kind", "fio", "--received", "2026-01-14")
    assert result.code == 2 and "'foi'" in result.err
