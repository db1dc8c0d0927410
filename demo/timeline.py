"""The demo shop's calendar: the observed period, weekly snapshots and when people are active.

All times are Unix epoch milliseconds, UTC, as in the RetailRocket files. Activity follows one
intensity curve per hour — a growth trend × a weekly cycle × a daily rhythm, plus a tracking-outage
day and a sale day — and every event time is drawn from it, so traffic, purchases and transactions
per day share the same shape.

The continuation simulator (``demo.simulator``) needs days after the observed period: a timeline
built with ``future_rng`` runs ``FUTURE_DAYS`` further days with the trend held at its last level,
the same weekly cycle and daily rhythm, and its own day-to-day noise (no special days).
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

MS_PER_HOUR = 3_600_000
MS_PER_DAY = 24 * MS_PER_HOUR


def epoch_ms(day: str, hour: int = 0) -> int:
    """``YYYY-MM-DD`` (UTC) plus ``hour`` as Unix epoch milliseconds."""
    stamp = datetime.fromisoformat(day).replace(tzinfo=UTC, hour=hour)
    return int(stamp.timestamp() * 1000)


START_MS = epoch_ms("2015-05-03")
N_DAYS = 139  # 2015-05-03 .. 2015-09-18 inclusive
END_MS = START_MS + N_DAYS * MS_PER_DAY  # exclusive
LAST_SESSION_START_MS = END_MS - 3 * MS_PER_HOUR  # sessions last minutes; keep them inside

N_SNAPSHOTS = 18
SNAPSHOT_MS = epoch_ms("2015-05-10", hour=3) + 7 * MS_PER_DAY * np.arange(N_SNAPSHOTS)

# Weekday factors, Monday first: weekends are quieter.
WEEKLY = np.array([1.04, 1.06, 1.05, 1.02, 0.96, 0.84, 0.97])
# UTC hour-of-day rhythm of a European shop.
DIURNAL = np.array([
    0.25, 0.18, 0.15, 0.15, 0.2, 0.35, 0.6, 0.85, 1.0, 1.05, 1.1, 1.1,
    1.05, 1.05, 1.1, 1.15, 1.25, 1.35, 1.45, 1.5, 1.35, 1.05, 0.7, 0.4,
])
GROWTH = (0.85, 1.15)  # trend factor on the first and the last day
DAY_NOISE = 0.07  # lognormal sigma of day-to-day variation
SPECIAL_DAYS = {"2015-06-04": 0.35, "2015-07-22": 2.0}  # tracking outage, sale day
FUTURE_DAYS = 3_650  # calendar of the continuation: ten years after the observed period


class Timeline:
    """Hourly activity intensity over the period and a sampler of event times from it."""

    def __init__(
        self, rng: np.random.Generator, future_rng: np.random.Generator | None = None
    ) -> None:
        days = np.arange(N_DAYS)
        weekday = (days + 6) % 7  # 2015-05-03 is a Sunday
        day_weight = np.linspace(*GROWTH, N_DAYS) * WEEKLY[weekday]
        day_weight *= rng.lognormal(0.0, DAY_NOISE, N_DAYS)
        for day, factor in SPECIAL_DAYS.items():
            day_weight[(epoch_ms(day) - START_MS) // MS_PER_DAY] = factor
        self.period_day_weight = float(day_weight.mean() * DIURNAL.sum())
        if future_rng is not None:
            later = np.arange(N_DAYS, N_DAYS + FUTURE_DAYS)
            future = GROWTH[1] * WEEKLY[(later + 6) % 7]
            day_weight = np.concatenate(
                [day_weight, future * future_rng.lognormal(0.0, DAY_NOISE, FUTURE_DAYS)])
        hourly = (day_weight[:, None] * DIURNAL[None, :]).ravel()
        self.cumulative = np.concatenate([[0.0], np.cumsum(hourly)])
        self.hours = np.arange(self.cumulative.size, dtype=np.float64)
        self.end_ms = START_MS + (self.hours.size - 1) * MS_PER_HOUR

    def activity_days(self, lo_ms: np.ndarray, hi_ms: np.ndarray) -> np.ndarray:
        """Activity between two times, in average days of the observed period (0 if hi <= lo).

        A visitor with a rate of r sessions per average day expects r × this many in the span.
        """
        lo_h = (np.asarray(lo_ms, dtype=np.float64) - START_MS) / MS_PER_HOUR
        hi_h = (np.asarray(hi_ms, dtype=np.float64) - START_MS) / MS_PER_HOUR
        span = np.interp(hi_h, self.hours, self.cumulative) - np.interp(
            lo_h, self.hours, self.cumulative)
        return np.maximum(span, 0.0) / self.period_day_weight

    def sample(self, lo_ms: np.ndarray, hi_ms: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One time per row in ``[lo_ms, hi_ms)``, drawn from the activity intensity (int64 ms)."""
        lo_h = (np.asarray(lo_ms, dtype=np.float64) - START_MS) / MS_PER_HOUR
        hi_h = (np.asarray(hi_ms, dtype=np.float64) - START_MS) / MS_PER_HOUR
        lo_c = np.interp(lo_h, self.hours, self.cumulative)
        hi_c = np.interp(hi_h, self.hours, self.cumulative)
        u = lo_c + rng.random(lo_c.shape) * (hi_c - lo_c)
        hours = np.interp(u, self.cumulative, self.hours)
        return np.clip(START_MS + (hours * MS_PER_HOUR).astype(np.int64),
                       np.asarray(lo_ms), np.maximum(np.asarray(hi_ms) - 1, np.asarray(lo_ms)))

    def sample_fraction(
        self, lo_fraction: float, hi_fraction: float, n: int, rng: np.random.Generator
    ) -> np.ndarray:
        """``n`` times between two fractions of the period (0 = start, 1 = end)."""
        span = LAST_SESSION_START_MS - START_MS
        lo = np.full(n, START_MS + int(lo_fraction * span), dtype=np.int64)
        hi = np.full(n, START_MS + int(hi_fraction * span), dtype=np.int64)
        return self.sample(lo, hi, rng)
