"""[web] enabled: `spocmail run` serves the web page too, and stops it with itself."""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.request

from tests.helpers import make_project
from tests.servers.install import free_port
from tests.test_intake_imap import Daemon


def test_spocmail_run_serves_the_web_page_when_enabled(tmp_path):
    port = free_port()
    project = make_project(tmp_path / "p", f"sqlite:///{tmp_path}/p/db.sqlite",
                           extra=f'[web]\nenabled = true\nport = {port}\nsecure_cookies = false\n')
    daemon = Daemon(project, {**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        daemon.wait_for_log("web page started")
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
                    page, headers = r.read().decode(), r.headers
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, daemon.log.read_text()
                time.sleep(0.1)
        assert "Sign in" in page and "default-src 'none'" in headers["content-security-policy"]
    finally:
        code = daemon.stop()
    assert code == 0, daemon.log.read_text()
    assert "daemon stopped" in daemon.log.read_text()
    try:  # stopped with the daemon
        urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2)
        raise AssertionError("the web page still answers after the daemon stopped")
    except (urllib.error.URLError, ConnectionError):
        pass
