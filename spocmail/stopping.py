"""A stop request (SIGTERM, SIGINT) seen by the long loops of one process: intake, the steps, the outbox.

Each loop looks between mails, never inside one: the mail in hand is finished and committed, the rest
stay where they are (in the mailbox, stored, or queued) for the next start. So the daemon stops within
one mail's work at any load.
"""

from __future__ import annotations

import threading

_STOP = threading.Event()


def request() -> None:
    _STOP.set()


def requested() -> bool:
    return _STOP.is_set()


def reset() -> None:
    _STOP.clear()
