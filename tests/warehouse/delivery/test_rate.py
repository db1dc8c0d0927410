"""The rate limit on a clock the test moves: each batch waits for the previous ones' share."""

from __future__ import annotations

from warehouse.delivery.rate import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_batches_are_spaced_by_their_size_over_the_rate_less_the_time_already_spent():
    clock = Clock()
    limiter = RateLimiter(1024.0, clock=clock, sleep=clock.sleep)  # binary-exact times
    limiter.wait(512)  # the first batch goes at once
    clock.now += 0.125  # it took 0.125 s to send
    limiter.wait(512)  # waits the rest of the first batch's 0.5 s
    limiter.wait(256)  # sent at once after the wait: waits the whole 0.5 s
    clock.now += 1.0  # a slow batch: the next one need not wait
    limiter.wait(512)
    assert clock.slept == [0.375, 0.5]
    assert clock.now == 100.0 + 0.125 + 0.375 + 0.5 + 1.0
