"""Defaults of the settings a user may choose per refresh, in a module light enough for the CLI
and the dashboard to import (the refresh itself pulls in every model)."""

DEFAULT_GRANULARITY = "month"  # segment snapshots: "month" or "week"
DEFAULT_CLV_HORIZON_MONTHS = 12
DEFAULT_CLV_DISCOUNT_RATE = 0.10  # annual
