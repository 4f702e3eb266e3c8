"""The one source of "now": fixed for a replay, moving for a replayed daemon, refused where it must be given."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from spocmail.clock import REQUIRE_NOW_ENV, Clock, WallClockRefused, parse_instant
from tests.helpers import spocmail


def test_a_replayed_command_sees_exactly_the_instant_it_was_given():
    clock = Clock(parse_instant("2026-05-13T00:30"))  # naive: London wall time, BST
    first = clock.now()
    time.sleep(0.02)
    assert clock.now() == first == datetime(2026, 5, 12, 23, 30, tzinfo=timezone.utc)
    assert clock.fixed


def test_a_replayed_daemon_starts_at_its_instant_and_then_moves_with_real_time():
    start = datetime(2026, 11, 27, 11, 59, 59, tzinfo=timezone.utc)
    clock = Clock(start, moving=True)
    time.sleep(0.05)
    elapsed = (clock.now() - start).total_seconds()
    assert 0.04 <= elapsed < 5
    assert not clock.fixed


def test_the_suite_refuses_the_machines_clock(monkeypatch):
    # the guard every test runs under (tests/conftest.py): reading the system clock is an error
    monkeypatch.setenv(REQUIRE_NOW_ENV, "1")
    with pytest.raises(WallClockRefused, match="--now"):
        Clock().now()
    assert Clock(datetime(2026, 1, 5, tzinfo=timezone.utc)).now().year == 2026


def test_a_command_without_now_under_the_guard_says_what_to_give(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/db.sqlite"\n[mailbox]\nkind = "maildir"\n'
                   f'path = "maildir"\n[smtp]\nkind = "file"\ndir = "outbox"\n')
    for sub in ("new", "cur", "tmp"):
        (tmp_path / "maildir" / sub).mkdir(parents=True)
    assert spocmail("--config", cfg, "--now", "2026-12-02T10:00", "db", "upgrade").code == 0
    result = spocmail("--config", cfg, "outbox", "flush")
    assert result.code == 2 and "--now" in result.err


@pytest.mark.wall_clock
def test_tests_marked_wall_clock_may_read_it():
    assert abs((Clock().now() - datetime.now(timezone.utc)).total_seconds()) < 5
