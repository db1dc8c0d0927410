"""When grocery orders happen: the half year of the demo data and the hours of the day."""

from __future__ import annotations

import numpy as np

from demo.timeline import epoch_ms

MS_PER_DAY = 86_400_000
START_MS = epoch_ms("2024-01-01")
N_DAYS = 182
END_MS = START_MS + N_DAYS * MS_PER_DAY  # exclusive: the data ends on 2024-06-30
# Relative orders per hour of day, 0-23 (a grocery app's day: busiest late morning to afternoon)
ORDER_HOURS = np.array([0.5, 0.3, 0.2, 0.15, 0.15, 0.3, 1.0, 2.5, 5.0, 7.5, 8.5, 8.5, 8.0, 8.0,
                        8.3, 8.3, 8.0, 7.5, 6.0, 5.0, 4.0, 3.0, 2.4, 1.5])


def time_of_day(n: int, rng: np.random.Generator) -> np.ndarray:
    """Milliseconds after midnight, by ORDER_HOURS, to the second."""
    hour = rng.choice(24, n, p=ORDER_HOURS / ORDER_HOURS.sum())
    return (hour * 3_600 + rng.integers(0, 3_600, n)) * 1_000
