"""`spocmail run`: the intake loop and the scheduler, started and stopped together; stops cleanly on a signal."""

from __future__ import annotations

import signal
import time
from datetime import datetime, timezone

from spocmail import grants, logs, stopping
from spocmail.clock import Clock
from spocmail.config import Config
from spocmail.db import Database
from spocmail.errors import MailboxAuthError, MailboxError
from spocmail.intake.poll import open_mailbox
from spocmail.pipeline import poll_once
from spocmail.schedule import run_due
from spocmail.sending import flush_without_mailbox

log = logs.get("daemon")


class StopRequested(Exception):
    """Raised from the signal handler only while the daemon is waiting (never mid-commit)."""


class Daemon:
    def __init__(self, config: Config, db: Database, clock: Clock, max_backoff: float = 60.0,
                 jobs_seconds: float = 60.0):
        self.config = config
        self.jobs_seconds = jobs_seconds
        self.db = db
        self.clock = clock
        self.max_backoff = max_backoff
        self.stopping = False
        self._waiting = False

    def _on_signal(self, signum, _frame) -> None:
        log.info("stop requested", extra={"event": "daemon.signal", "signal": signal.Signals(signum).name})
        self.stopping = True
        stopping.request()  # the loops stop between mails
        if self._waiting:
            raise StopRequested()

    def _sleep(self, seconds: float) -> None:
        self._waiting = True
        try:
            time.sleep(seconds)
        finally:
            self._waiting = False

    def _jobs(self) -> None:
        """The scheduler's one job: run whatever is due now (what has run is recorded in our tables)."""
        try:
            run_due(self.config, self.db, self.clock)
        except Exception:  # a failing job must not kill the scheduler; it is logged and retried next tick
            log.exception("scheduled jobs failed", extra={"event": "daemon.jobs_failed"})

    def start_scheduler(self):
        from apscheduler.schedulers.background import BackgroundScheduler

        # Jobs live in memory: the due dates and what has run are in our own tables (job_runs, responses),
        # so a restart loses nothing and a missed send runs once when the daemon is back.
        scheduler = BackgroundScheduler(timezone=self.config.tz, job_defaults={"coalesce": True,
                                                                              "max_instances": 1})
        # APScheduler wakes us by the real clock; what is due is decided by self.clock (fixed under --now)
        scheduler.add_job(self._jobs, "interval", seconds=self.jobs_seconds, id="run-due",
                          next_run_time=datetime.now(timezone.utc))
        scheduler.start()
        return scheduler

    def _tell_spocs(self, exc: BaseException) -> None:
        """A refused grant: the SPOCs are told (once a day), and the notice sent now if sending works."""
        try:
            if grants.tell_spocs(self.config, self.db, self.clock, exc):
                flush_without_mailbox(self.config, self.db, self.clock, str(exc))
        except Exception:  # noqa: BLE001 - telling must never stop the retrying
            log.exception("could not tell the SPOCs about the refused grant",
                          extra={"event": "daemon.grant_notice_failed"})

    def start_web(self):
        """[web] enabled: the web page in a thread of the daemon (spocmail/web), stopped with it."""
        import threading

        from spocmail.web.commands import make_server

        web = self.config.web
        server = make_server(self.config, Database(self.config.database.url), self.clock, web.host, web.port)
        thread = threading.Thread(target=server.run, name="spocmail-web", daemon=True)
        thread.start()
        log.info("web page started", extra={"event": "daemon.web", "host": web.host, "port": web.port})
        return server, thread

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        stopping.reset()
        log.info("daemon started", extra={"event": "daemon.start", "mailbox": self.config.mailbox.kind})
        scheduler = self.start_scheduler() if self.jobs_seconds else None
        web = self.start_web() if self.config.web.enabled else None
        backoff = 1.0
        mailbox = None
        try:
            while not self.stopping:
                try:
                    if mailbox is None:
                        mailbox = open_mailbox(self.config)
                    poll_once(self.config, self.db, mailbox, self.clock)
                    backoff = 1.0
                    if self.stopping:
                        break
                    self._waiting = True
                    try:
                        mailbox.wait_for_mail(float(self.config.mailbox.poll_seconds))
                    finally:
                        self._waiting = False
                except StopRequested:
                    break
                except MailboxAuthError:
                    raise  # a refused login will not fix itself: stop and say so
                except (MailboxError, OSError) as exc:
                    log.warning("mailbox unavailable; retrying in %.0fs", backoff,
                                extra={"event": "daemon.mailbox_error", "error": str(exc)})
                    if grants.refused(exc):
                        self._tell_spocs(exc)
                    if mailbox is not None:
                        _close_quietly(mailbox)
                        mailbox = None
                    try:
                        self._sleep(backoff)
                    except StopRequested:
                        break
                    backoff = min(backoff * 2, self.max_backoff)
        finally:
            if web is not None:
                web[0].should_exit = True
                web[1].join(10)
            if scheduler is not None:
                scheduler.shutdown(wait=True)
            if mailbox is not None:
                _close_quietly(mailbox)
            self.db.dispose()
            log.info("daemon stopped", extra={"event": "daemon.stop"})


def _close_quietly(mailbox) -> None:
    try:
        mailbox.close()
    except Exception:  # closing a dead connection must not hide why we are closing it
        pass
