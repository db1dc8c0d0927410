"""The daily contact list's settings: one place for every number the job and the backtest use."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from analytics.contact_list.baseline import DEFAULT_BASELINE_WEIGHTS
from analytics.contact_list.model import STRATEGIES, WINDOW

MODEL_NAME = "daily_contact"
FEATURE_SET = "daily_candidates"


@dataclass(frozen=True)
class DailySettings:
    """``list_size``: visitors on a list (the file is ``top_<list_size>_report_ddmmyyyy.csv``);
    ``horizon_days``: the label, a purchase in [D, D + horizon); ``window_days``: report dates a
    model learns from (the rolling window); ``min_training_days``: closed report dates a first
    fit needs; ``strategy``: how a day's outcomes update the model ("window": warm-started refit
    on the window, "partial_fit": SGD steps on the new days); ``baseline_weights``: the static
    formula; ``max_training_rows``: above this, a window keeps every buyer and a hashed sample of
    the others, weighted back up; ``model_name``: the model registry's name."""

    list_size: int = 250
    horizon_days: int = 3
    window_days: int = 28
    min_training_days: int = 7
    strategy: str = WINDOW
    baseline_weights: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_BASELINE_WEIGHTS))
    max_training_rows: int = 1_000_000
    model_name: str = MODEL_NAME

    def __post_init__(self) -> None:
        for name in ("list_size", "horizon_days", "window_days", "min_training_days",
                     "max_training_rows"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.min_training_days > self.window_days:
            raise ValueError("min_training_days cannot exceed window_days")
        if self.strategy not in STRATEGIES:
            raise ValueError(f"unknown update strategy {self.strategy!r}; choose one of "
                             f"{', '.join(STRATEGIES)}")
