"""Who holds a claim on a stored mail, and whether that process is still alive.

A process that takes a mail for the later steps ("working") writes its identity beside the claim: host,
pid and the pid's start time (so a reused pid is not mistaken for the claimer). A claim whose process is
gone from this host is given back at once on the next pass, so a daemon restarted after a crash (SIGKILL,
power cut, OOM) picks up the mail it was working on straight away; a claim held on another host is given
back only once it is older than the stale limit, because that process cannot be asked.
"""

from __future__ import annotations

import os
import socket
from functools import lru_cache


def _start_time(pid: int) -> str | None:
    """The pid's start time in clock ticks since boot (Linux /proc), or None where it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    # the command name in brackets may hold spaces; fields after it are plain
    fields = stat[stat.rfind(b")") + 2:].split()
    return fields[19].decode() if len(fields) > 19 else None


@lru_cache(maxsize=1)
def me() -> str:
    """This process's claim identity: "host:pid:start"."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_time(pid) or '-'}"


def alive(claimer: str | None) -> bool | None:
    """True or False for a claimer on this host; None when it cannot be told (another host, no identity)."""
    if not claimer:
        return None
    parts = claimer.rsplit(":", 2)
    if len(parts) != 3:
        return None
    host, pid_text, start = parts
    if host != socket.gethostname() or not pid_text.isdigit():
        return None
    pid = int(pid_text)
    if pid == os.getpid():
        return True
    now_start = _start_time(pid)
    if now_start is not None:
        return start == "-" or now_start == start
    if os.path.isdir("/proc"):
        return False  # no such process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
