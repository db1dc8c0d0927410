"""Quiet hours: a daily window in the shop's clock in which no push goes out.

The window may cross midnight (21:00–08:00, the default); equal start and end mean none. Times
in and out are naive UTC, the stores' convention; the window is read in the shop's time zone, so
it follows daylight saving.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def parse_clock(text: str, what: str) -> time:
    """``HH:MM`` as a time; ValueError naming ``what`` otherwise."""
    try:
        return datetime.strptime(str(text).strip(), "%H:%M").time()
    except ValueError:
        raise ValueError(f"{what} must be a time of day as HH:MM (e.g. 21:00), got {text!r}"
                         ) from None


def check_zone(name: str) -> str:
    """An IANA time zone name (``Europe/Berlin``, ``UTC``); ValueError otherwise."""
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"the shop's time zone must be an IANA name such as Europe/Berlin or "
                         f"UTC, got {name!r}") from None
    return str(name)


@dataclass(frozen=True)
class QuietHours:
    """No push from ``start`` to ``end`` (local times of ``zone``)."""

    start: time = time(21, 0)
    end: time = time(8, 0)
    zone: str = "UTC"

    def _local(self, at: datetime) -> datetime:
        return at.replace(tzinfo=UTC).astimezone(ZoneInfo(self.zone))

    def contains(self, at: datetime) -> bool:
        """Whether naive-UTC ``at`` falls inside the window."""
        if self.start == self.end:
            return False
        now = self._local(at).time().replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end

    def next_open(self, at: datetime) -> datetime:
        """The first instant (naive UTC) at or after ``at`` outside the window."""
        if not self.contains(at):
            return at
        local = self._local(at)
        day = local.date() if local.time().replace(tzinfo=None) < self.end \
            else local.date() + timedelta(days=1)
        opens = datetime.combine(day, self.end, tzinfo=ZoneInfo(self.zone))
        return opens.astimezone(UTC).replace(tzinfo=None)

    def describe(self) -> str:
        if self.start == self.end:
            return "no quiet hours"
        return f"quiet hours {self.start:%H:%M}–{self.end:%H:%M} ({self.zone})"
