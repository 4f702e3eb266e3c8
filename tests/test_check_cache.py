"""Start-up remembers rules and templates it found good, by content and by the code that checked them:
an unchanged set is not checked again; any change is checked in full, and a bad file still stops
spocmail at start (exit 2) naming the file and the key, however often the good one was seen before."""

from __future__ import annotations

import shutil

import pytest

from spocmail import config, ruleset
from spocmail.errors import ConfigError
from tests.helpers import REPO


@pytest.fixture()
def project(tmp_path, monkeypatch):
    monkeypatch.setenv(ruleset.CACHE_ENV, str(tmp_path / "cache" / "checked"))
    monkeypatch.setattr(ruleset, "_checked", set())  # no memory of this process either
    site = tmp_path / "site"
    (site / "rules").mkdir(parents=True)
    (site / "templates").mkdir()
    shutil.copy(REPO / "rules" / "classify.toml", site / "rules" / "classify.toml")
    shutil.copy(REPO / "templates" / "weekly.txt.j2", site / "templates" / "weekly.txt.j2")
    path = site / "config.toml"
    path.write_text('[rules]\ndir = "rules"\n[templates]\ndir = "templates"\n')
    return site, path


def _count_loads(monkeypatch) -> list[str]:
    called: list[str] = []
    for name, loader in list(ruleset.LOADERS.items()):
        monkeypatch.setitem(ruleset.LOADERS, name, lambda p, _l=loader, _n=name: called.append(_n) or _l(p))
    from spocmail import templating

    real = templating.check
    monkeypatch.setattr(templating, "check", lambda dirs=None: called.append("templates") or real(dirs))
    return called


def test_an_unchanged_set_is_checked_once_and_any_change_again(project, monkeypatch):
    site, path = project
    called = _count_loads(monkeypatch)
    ruleset.check(config.load(path))
    assert "classify.toml" in called and "templates" in called and "mail.toml" in called
    called.clear()
    ruleset._checked.clear()
    ruleset.check(config.load(path))
    assert called == []  # remembered: nothing read again
    (site / "rules" / "classify.toml").write_text((REPO / "rules" / "classify.toml").read_text() + "\n# note\n")
    ruleset._checked.clear()
    ruleset.check(config.load(path))
    assert "classify.toml" in called and "copy.toml" in called and "templates" not in called


def test_a_bad_rules_file_stops_start_after_its_good_version_was_remembered(project):
    site, path = project
    ruleset.check(config.load(path))
    ruleset._checked.clear()
    text = (REPO / "rules" / "classify.toml").read_text().replace("weight = ", "weight = -", 1)
    (site / "rules" / "classify.toml").write_text(text)
    with pytest.raises(ConfigError, match=r"classify\.toml: \[\[rule\]\] #1 .*field 'weight'"):
        ruleset.check(config.load(path))
    with pytest.raises(ConfigError, match="weight"):  # and again: a failure is never remembered
        ruleset._checked.clear()
        ruleset.check(config.load(path))


def test_a_broken_template_stops_start_after_its_good_version_was_remembered(project):
    site, path = project
    ruleset.check(config.load(path))
    (site / "templates" / "weekly.txt.j2").write_text("Dear {{ customer.name }},\n{% if %}\n")
    with pytest.raises(ConfigError, match=r"weekly\.txt\.j2 line 2: template syntax"):
        ruleset.check(config.load(path))


def test_off_checks_everything_every_time_and_an_unwritable_cache_is_no_error(project, monkeypatch, tmp_path):
    site, path = project
    monkeypatch.setenv(ruleset.CACHE_ENV, "off")
    called = _count_loads(monkeypatch)
    for _ in range(2):
        ruleset._checked.clear()
        ruleset.check(config.load(path))
    assert called.count("templates") == 2 and called.count("classify.toml") == 2
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv(ruleset.CACHE_ENV, str(blocker / "sub" / "checked"))
    ruleset._checked.clear()
    ruleset.check(config.load(path))
    assert called.count("templates") == 3
