"""The one source of "now": the system clock, or a fixed instant given with --now so any run can be replayed."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from spocmail.errors import ConfigError

LONDON = ZoneInfo("Europe/London")


def parse_instant(text: str, tz: ZoneInfo = LONDON) -> datetime:
    """ISO-8601 with an offset, or naive meaning the council's zone (Europe/London). Raises ValueError."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value


def to_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: every instant must carry a zone")
    return value.astimezone(timezone.utc)


REQUIRE_NOW_ENV = "SPOCMAIL_REQUIRE_NOW"


class WallClockRefused(ConfigError):
    """The system clock was asked for where every decision must be replayable from --now (exit 2)."""


class Clock:
    """Gives the current instant, timezone-aware.

    Fixed when `now` is given (a command replayed at that instant); `moving=True` starts at `now` and then
    advances with real elapsed time (the daemon replayed from an instant). With $SPOCMAIL_REQUIRE_NOW set,
    reading the system clock is refused: a replay script, or the test suite, proves that nothing it runs
    depends on the machine's date.
    """

    def __init__(self, now: datetime | None = None, moving: bool = False):
        self._fixed = to_utc(now) if now is not None else None
        self._moving = moving and now is not None
        self._started = time.monotonic()

    def now(self) -> datetime:
        if self._fixed is not None:
            if self._moving:
                return self._fixed + timedelta(seconds=time.monotonic() - self._started)
            return self._fixed
        if os.environ.get(REQUIRE_NOW_ENV):
            raise WallClockRefused(f"the system clock was read although ${REQUIRE_NOW_ENV} is set: "
                                   f"give this command --now INSTANT")
        return datetime.now(timezone.utc)

    @property
    def fixed(self) -> bool:
        return self._fixed is not None and not self._moving
