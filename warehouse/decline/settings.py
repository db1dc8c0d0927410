"""Defaults of the decline job's settings, in a module light enough for the CLI to import."""

DEFAULT_PERIOD_DAYS = 30  # a "month" of the warehouse source: the label period and each window
DEFAULT_DECLINE_SHARE = 0.8  # decreased: the label period below 80 % of the previous periods
DEFAULT_MARGIN_RATE = 0.25  # warehouse profit = margin rate × revenue
DEFAULT_MEDIUM_RISK = 0.4  # low < 0.4 ≤ medium ≤ 0.7 < high
DEFAULT_HIGH_RISK = 0.7
DEFAULT_CANDIDATES = 40  # candidates of the randomized search
DEFAULT_SEED = 7
SOURCES = ("auto", "events", "market")
