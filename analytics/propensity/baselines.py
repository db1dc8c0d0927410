"""The two baselines that are hard to beat in next-basket research (Hu et al., 2020, "Modeling
personalized item frequency information for next-basket recommendation", SIGIR; Li et al., 2023,
"A next basket recommendation reality check", TOIS):

* **popularity** — the item's buyers in the 28 days before the cut-off: the same score for every
  customer of one item, so it ranks items, never the customers of one item;
* **personal frequency** — how many orders of the customer held the item before the cut-off.

Both read the raw columns of ``analytics.propensity.design``; ties are left as ties (the metrics
take tied customers in a random order, in expectation).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.validation import require_columns

POPULARITY, PERSONAL_FREQUENCY = "popularity", "personal_frequency"
BASELINES = {POPULARITY: "Popularity (item buyers, 28 days)",
             PERSONAL_FREQUENCY: "Personal frequency (orders with the item)"}


def popularity_score(rows: pd.DataFrame) -> np.ndarray:
    require_columns(rows, ("count_buyers_28d",), "popularity baseline")
    return pd.to_numeric(rows["count_buyers_28d"]).fillna(0).to_numpy(np.float64)


def personal_frequency_score(rows: pd.DataFrame) -> np.ndarray:
    require_columns(rows, ("count_bought",), "personal frequency baseline")
    return pd.to_numeric(rows["count_bought"]).fillna(0).to_numpy(np.float64)


def baseline_scores(rows: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each baseline's score of ``rows``, by name."""
    return {POPULARITY: popularity_score(rows),
            PERSONAL_FREQUENCY: personal_frequency_score(rows)}
