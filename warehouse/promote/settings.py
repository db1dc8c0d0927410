"""Defaults of the item propensity model and the push guardrails (shown by the CLI and page)."""

from __future__ import annotations

DEFAULT_MIN_BASKET = 5  # N: a qualifying basket holds at least N distinct items
DEFAULT_HORIZON_DAYS = 14  # H: the label window after the cut-off, and a push campaign's length
TRAIN_PERIODS = 3  # consecutive training windows before the validation window
MIN_HISTORY_DAYS = 28  # data before the first training cut-off
TRAIN_ITEMS = 200  # candidate items drawn per training cut-off
EVAL_ITEMS = 80  # items judged in the validation and test windows (every customer scored)
MIN_ITEM_BUYERS = 5  # an item is a candidate with at least this many buyers in 28 days
NEGATIVE_RATE = 0.01  # share of the no-history negatives kept for training (weighted back)
MIN_TRAIN_POSITIVES = 30  # fewer qualifying purchases than this: no model is trained
SEED = 16
FREQUENCY_CAP = 2  # at most this many pushes per customer ...
FREQUENCY_CAP_DAYS = 7  # ... in this many days, across all campaigns
HOLDOUT_SHARE = 0.1  # a push campaign's random hold-out
