"""Plain-language verdicts on the CLV models, written for a marketer and shown as they are."""

from __future__ import annotations

from collections.abc import Mapping

from analytics.clv.model import (
    SPEND_NO_PURCHASE_MODEL,
    SPEND_NOT_CONVERGED,
    SPEND_REJECTED,
    SPEND_TOO_FEW_REPEAT_BUYERS,
)

HOLDOUT_ERROR = "bucket_rmse"  # see holdout.py: the error that chooses the purchase model
BASELINE_ERROR = "baseline_bucket_rmse"


def holdout_verdict(metrics: Mapping[str, float], label: str) -> str | None:
    """A warning when the purchase model predicted the holdout worse than the naive baseline.

    ``metrics``: ``holdout.validate_holdout``'s metrics; ``label``: the model's name as shown
    ("MBG/NBD"). None when the model did better or the metrics are missing.
    """
    error, baseline = metrics.get(HOLDOUT_ERROR), metrics.get(BASELINE_ERROR)
    if error is None or baseline is None or error < baseline:
        return None
    days = metrics.get("holdout_days")
    period = f"the last {days:.0f} days" if days else "the holdout period"
    return (
        f"The purchase model ({label}) predicted {period} worse than simply repeating each "
        f"customer's past purchase rate (error {error:.3f} against {baseline:.3f} purchases per "
        "customer). Treat expected purchases and CLV as rough: use them to rank customers, not as "
        "amounts to plan with."
    )


def spend_verdict(status: str, repeat_buyers: int = 0) -> str | None:
    """Why CLV is missing and what to do, for a ``CLVModel.spend_status_``; None when CLV is
    available (or was not asked for)."""
    if status == SPEND_REJECTED:
        return (
            "CLV is not shown: order values vary so much between customers (a few very large "
            "orders) that the spend model cannot estimate an average order value. What to do: "
            "look for bulk, business or test orders among the largest ones, exclude them from the "
            "data and refresh; meanwhile rank customers by expected purchases."
        )
    if status == SPEND_TOO_FEW_REPEAT_BUYERS:
        return (
            f"CLV is not shown: only {repeat_buyers} customers have bought on more than one day, "
            "too few to learn how much returning customers spend. What to do: refresh again when "
            "more customers have come back; meanwhile rank customers by expected purchases."
        )
    if status == SPEND_NOT_CONVERGED:
        return (
            "CLV is not shown: the spend model could not be fitted to the repeat orders. What to "
            "do: check the order amounts for errors (zero or negative prices, duplicated orders) "
            "and refresh; meanwhile rank customers by expected purchases."
        )
    if status == SPEND_NO_PURCHASE_MODEL:
        return (
            "CLV and expected purchases are not shown: the purchase model could not be fitted to "
            "this data. What to do: check that orders span several weeks and that some customers "
            "bought more than once, then refresh."
        )
    return None
