"""Stratified treatment/control assignment from a deterministic per-customer hash.

Each customer carries ``unit``, a number in [0, 1) derived from a salted hash of
(campaign salt, customer id) — computed in DuckDB as the first 52 bits of ``md5(salt || ':' ||
customer_id)``, a standard digest anyone can recompute. Customers are sorted by stratum (segment)
and, within it, by ``unit`` (a random permutation, since the hash is well mixed); then systematic
allocation along that order sends the k-th customer to control when ⌊k·s⌋ > ⌊(k−1)·s⌋ for control
share s. Hence exactly ⌊N·s⌋ of N customers are in control (``control_count``, which the
experiment design uses too), every stratum of n customers has
within one customer of n·s in control (|count − n·s| < 1, even for one-customer strata, where
rounding per stratum would put all singletons in the same group), and which customers go to
control is decided by the hash alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.validation import require_columns

CONTROL = "control"
TREATMENT = "treatment"
MISSING_STRATUM = "(none)"
# keeps k·s on its integer when binary floating point lands just below it
_EPSILON = 1e-9


def validate_control_share(control_share: float) -> float:
    """``control_share`` as a float, or a ValueError saying the allowed range (0, 0.5]."""
    try:
        share = float(control_share)
    except (TypeError, ValueError):
        raise ValueError(
            f"control share must be a number in (0, 0.5], got {control_share!r}"
        ) from None
    if not 0 < share <= 0.5:
        raise ValueError(f"control share must be in (0, 0.5], got {share}")
    return share


def control_count(audience_size: int, control_share: float) -> int:
    """Customers ``assign_groups`` puts in control for an audience of this size: ⌊N·s⌋."""
    return int(np.floor(int(audience_size) * validate_control_share(control_share) + _EPSILON))


def assign_groups(
    audience: pd.DataFrame, control_share: float, stratum: str = "segment"
) -> pd.DataFrame:
    """Add ``group_name`` ('treatment'|'control') to ``audience``.

    ``audience`` needs ``customer_id``, ``unit`` (float in [0, 1)) and the ``stratum`` column
    (missing values form their own stratum). Ties in ``unit`` are broken by ``customer_id`` so the
    result never depends on row order. The index must be unique.
    """
    share = validate_control_share(control_share)
    require_columns(audience, ("customer_id", "unit", stratum), "audience frame")
    strata = audience[stratum].astype("object").where(audience[stratum].notna(), MISSING_STRATUM)
    order = pd.DataFrame({"stratum": strata.astype(str), "unit": audience["unit"],
                          "customer_id": audience["customer_id"]})
    order = order.sort_values(["stratum", "unit", "customer_id"], kind="stable")
    k = np.arange(1, len(order) + 1)
    is_control = np.floor(k * share + _EPSILON) > np.floor((k - 1) * share + _EPSILON)
    groups = pd.Series(np.where(is_control, CONTROL, TREATMENT), index=order.index)
    return audience.assign(group_name=groups.reindex(audience.index))
