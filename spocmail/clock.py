"""The one source of "now": the system clock, or a fixed instant given with --now so any run can be replayed."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

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


class Clock:
    """Gives the current instant, timezone-aware. Fixed when `now` is given."""

    def __init__(self, now: datetime | None = None):
        self._fixed = to_utc(now) if now is not None else None

    def now(self) -> datetime:
        if self._fixed is not None:
            return self._fixed
        return datetime.now(timezone.utc)

    @property
    def fixed(self) -> bool:
        return self._fixed is not None
