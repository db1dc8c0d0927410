"""What every step of one refresh agrees on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from warehouse.clock import cutoff_after
from warehouse.pipeline.defaults import (
    DEFAULT_CLV_DISCOUNT_RATE,
    DEFAULT_CLV_HORIZON_MONTHS,
    DEFAULT_GRANULARITY,
)
from warehouse.schema.fields import Field


@dataclass(frozen=True)
class RefreshContext:
    """What every step of one refresh agrees on.

    ``period_start`` is the first day with an event or order, ``as_of`` the last day counted;
    data after the end of ``as_of`` (UTC) is invisible to staging. Timestamps are naive UTC.
    Steps append what the user should know (e.g. an unusable model) to ``warnings``; they are
    printed with the summary.
    """

    db: Path
    snapshot: Path
    as_of: date
    period_start: date
    last_data_date: date
    price_property: str
    refreshed_at: datetime
    warnings: list[str] = field(default_factory=list)
    # Settings a user may choose per refresh (read by the model steps).
    granularity: str = DEFAULT_GRANULARITY
    clv_horizon_months: int = DEFAULT_CLV_HORIZON_MONTHS
    clv_discount_rate: float = DEFAULT_CLV_DISCOUNT_RATE
    # The customer fields the refresh's steps publish, as (step name, field), in run order.
    published_fields: tuple[tuple[str, Field], ...] = ()
    # The operational store's URL (--ops-url); None: $ACTIONBOARD_OPS_URL or the file beside db.
    ops_url: str | None = None

    @property
    def cutoff_at(self) -> datetime:
        """First instant not counted: midnight UTC after ``as_of``."""
        return cutoff_after(self.as_of)
