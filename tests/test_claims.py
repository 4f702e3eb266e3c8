"""A claim names its process, so a claim whose process is gone is known to be dead and given back at once."""

from __future__ import annotations

import socket
import subprocess
import sys

from spocmail import claims


def _identity_of(proc: subprocess.Popen) -> str:
    return f"{socket.gethostname()}:{proc.pid}:{claims._start_time(proc.pid)}"


def test_a_live_process_is_alive_and_a_killed_one_is_not():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        who = _identity_of(proc)
        assert claims.alive(who) is True
    finally:
        proc.kill()
        proc.wait()
    assert claims.alive(who) is False


def test_a_reused_pid_with_another_start_time_is_not_the_claimer():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        host, pid, start = _identity_of(proc).split(":")
        assert claims.alive(f"{host}:{pid}:{int(start) - 1}") is False
    finally:
        proc.kill()
        proc.wait()


def test_this_process_is_alive_and_another_hosts_claim_cannot_be_told():
    assert claims.alive(claims.me()) is True
    assert claims.alive("some-other-host:1:1") is None
    assert claims.alive(None) is None and claims.alive("garbage") is None
