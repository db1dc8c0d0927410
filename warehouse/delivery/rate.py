"""A rate limit on messages per second for the sender: each batch waits until the messages sent
before it fit the rate."""

from __future__ import annotations

import time
from collections.abc import Callable


class RateLimiter:
    """``wait(n)`` before sending ``n`` messages keeps the run at ``rate`` messages/s or less."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.rate = float(rate)
        self._clock, self._sleep = clock, sleep
        self._next: float | None = None

    def wait(self, messages: int) -> None:
        now = self._clock()
        if self._next is not None and self._next > now:
            self._sleep(self._next - now)
            now = self._next
        self._next = now + messages / self.rate
