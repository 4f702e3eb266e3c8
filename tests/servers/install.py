"""Find a server's binaries, or install its Debian package on a fresh (CI) machine without starting its service."""

from __future__ import annotations

import contextlib
import fcntl
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator

# One lock for every pytest process on the machine, so two runs never apt at once.
APT_LOCK = Path(tempfile.gettempdir()) / "spocmail-tests-apt.lock"
POLICY_RC_D = Path("/usr/sbin/policy-rc.d")
# invoke-rc.d and deb-systemd-invoke read this: 101 means "action forbidden", so no service starts.
_DENY_ALL = b"#!/bin/sh\n# written by spocmail's test fixtures while apt installs a test server\nexit 101\n"

_apt_updated = False


class ServerStartError(RuntimeError):
    """A test server could not be installed or started; the message carries its log."""


def find_binary(name: str, extra_dirs: Iterable[str] = ()) -> str | None:
    """The path of `name` on PATH or in the sbin dirs or `extra_dirs` (globs allowed, newest sorted last)."""
    found = shutil.which(name)
    if found:
        return found
    candidates: list[str] = []
    for pattern in ("/usr/sbin", "/usr/local/sbin", "/sbin", *extra_dirs):
        candidates.extend(sorted(glob.glob(pattern), key=_version_key, reverse=True))
    for directory in candidates:
        path = os.path.join(directory, name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def _version_key(path: str) -> tuple:
    # /usr/lib/postgresql/15/bin sorts after /usr/lib/postgresql/9/bin
    return tuple(int(p) if p.isdigit() else 0 for p in Path(path).parts)


def ensure_installed(
    find: Callable[[], str | None],
    packages: list[str],
    what: str,
    after_install: Callable[[], None] = lambda: None,
) -> str:
    """Return find()'s answer, apt-installing `packages` first when it finds nothing.

    The system service the package would start is prevented from starting, and
    `after_install` stops anything the package started anyway.
    """
    path = find()
    if path:
        return path
    if os.geteuid() != 0:
        raise ServerStartError(
            f"{what} is not installed and the tests are not running as root, so they cannot install it: "
            f"run `sudo apt-get install -y {' '.join(packages)}`"
        )
    if shutil.which("apt-get") is None:
        raise ServerStartError(f"{what} is not installed and there is no apt-get to install {' '.join(packages)} with")
    with _file_lock(APT_LOCK):
        path = find()  # another pytest process may have installed it while we waited
        if path:
            return path
        with _services_forbidden():
            _apt(["update"], once=True)
            _apt(["install", "-y", "--no-install-recommends", *packages])
        after_install()
    path = find()
    if not path:
        raise ServerStartError(f"installed {' '.join(packages)} but still cannot find {what}")
    return path


def stop_pidfile_processes(patterns: Iterable[str]) -> None:
    """Stop daemons a package install started despite policy-rc.d (their pid files match `patterns`)."""
    for pattern in patterns:
        for pidfile in glob.glob(pattern):
            try:
                pid = int(Path(pidfile).read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue
            _terminate_pid(pid)


def _terminate_pid(pid: int, wait: float = 10.0) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _apt(args: list[str], once: bool = False) -> None:
    global _apt_updated
    if once and _apt_updated:
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive", NEEDRESTART_MODE="a")
    # Wait for dpkg's own lock rather than fail when something else is installing.
    cmd = ["apt-get", "-o", "DPkg::Lock::Timeout=600", "-q", *args]
    proc = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=1200)
    if proc.returncode != 0:
        output = (proc.stdout + proc.stderr)[-4000:]
        raise ServerStartError(f"`{' '.join(cmd)}` failed with exit status {proc.returncode}:\n{output}")
    if once:
        _apt_updated = True


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _services_forbidden() -> Iterator[None]:
    """Install a policy-rc.d that forbids starting services; put back whatever was there before."""
    previous: tuple[bytes, int] | None = None
    if POLICY_RC_D.exists():
        previous = (POLICY_RC_D.read_bytes(), POLICY_RC_D.stat().st_mode & 0o7777)
    POLICY_RC_D.write_bytes(_DENY_ALL)
    POLICY_RC_D.chmod(0o755)
    try:
        yield
    finally:
        if previous is None:
            POLICY_RC_D.unlink(missing_ok=True)
        else:
            POLICY_RC_D.write_bytes(previous[0])
            POLICY_RC_D.chmod(previous[1])


def free_port(host: str = "127.0.0.1") -> int:
    """A port the kernel just handed out for `host` (bound to port 0, then released)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def log_tail(path: Path, limit: int = 6000) -> str:
    """The end of a server's log file, for failure messages."""
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"(no log at {path}: {exc})"
    return text[-limit:] if text else f"(log {path} is empty)"
