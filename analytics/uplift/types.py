"""The four customer types of the uplift literature, from the predicted response with and
without contact.

No customer is observed both contacted and not, so their type is never seen; it is read from the
two predicted probabilities of converting in the campaign window, P(convert | contacted) and
P(convert | not contacted), with two stated thresholds:

* **persuadable** — contact raises the probability by at least ``UPLIFT_THRESHOLD``;
* **do-not-disturb** — contact lowers it by at least ``UPLIFT_THRESHOLD``;
* otherwise contact changes little, and the customer is a **sure thing** when they would convert
  without it with probability at least ``BUY_ANYWAY_THRESHOLD`` (more likely than not), else a
  **lost cause**.

One percentage point is the smallest change worth a contact in this product's campaigns, whose
conversion rates are a few percent; the thresholds are stated on the Uplift page and in
docs/METHODS.md.
"""

from __future__ import annotations

import numpy as np

PERSUADABLE, SURE_THING, LOST_CAUSE, DO_NOT_DISTURB = (
    "persuadable", "sure_thing", "lost_cause", "do_not_disturb")
TYPES = (PERSUADABLE, SURE_THING, LOST_CAUSE, DO_NOT_DISTURB)
TYPE_LABELS = {PERSUADABLE: "Persuadables", SURE_THING: "Sure things",
               LOST_CAUSE: "Lost causes", DO_NOT_DISTURB: "Do-not-disturb"}
UPLIFT_THRESHOLD = 0.01
BUY_ANYWAY_THRESHOLD = 0.5


def response_types(
    p_treated: np.ndarray, p_control: np.ndarray, *,
    uplift_threshold: float = UPLIFT_THRESHOLD, buy_threshold: float = BUY_ANYWAY_THRESHOLD,
) -> np.ndarray:
    """Each customer's type (one of ``TYPES``) from their two predicted probabilities."""
    treated, control = np.asarray(p_treated, dtype=float), np.asarray(p_control, dtype=float)
    if treated.shape != control.shape:
        raise ValueError("p_treated and p_control must have the same length")
    uplift = treated - control
    return np.select(
        [uplift >= uplift_threshold, uplift <= -uplift_threshold, control >= buy_threshold],
        [PERSUADABLE, DO_NOT_DISTURB, SURE_THING], default=LOST_CAUSE).astype(object)
