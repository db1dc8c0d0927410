"""Plain-language verdicts: said when they apply, with the figures, silent otherwise."""

from __future__ import annotations

from analytics.clv import holdout_verdict, spend_verdict
from analytics.clv.model import (
    SPEND_NO_PURCHASE_MODEL,
    SPEND_NOT_CONVERGED,
    SPEND_NOT_FITTED,
    SPEND_OK,
    SPEND_REJECTED,
    SPEND_TOO_FEW_REPEAT_BUYERS,
)


def test_a_model_worse_than_the_baseline_is_said_so_with_both_errors():
    text = holdout_verdict(
        {"bucket_rmse": 0.412, "baseline_bucket_rmse": 0.305, "holdout_days": 56.0}, "MBG/NBD"
    )
    assert text.startswith("The purchase model (MBG/NBD) predicted the last 56 days worse than")
    assert "0.412 against 0.305" in text


def test_a_model_better_than_the_baseline_needs_no_verdict():
    assert holdout_verdict({"bucket_rmse": 0.2, "baseline_bucket_rmse": 0.3}, "BG/NBD") is None
    assert holdout_verdict({}, "BG/NBD") is None


def test_each_reason_for_missing_clv_is_explained_with_what_to_do():
    texts = {status: spend_verdict(status, repeat_buyers=2) for status in (
        SPEND_REJECTED, SPEND_TOO_FEW_REPEAT_BUYERS, SPEND_NOT_CONVERGED, SPEND_NO_PURCHASE_MODEL,
    )}
    assert all("What to do:" in text for text in texts.values())
    assert len(set(texts.values())) == 4
    assert "only 2 customers" in texts[SPEND_TOO_FEW_REPEAT_BUYERS]
    assert "very large orders" in texts[SPEND_REJECTED]
    assert spend_verdict(SPEND_OK) is None and spend_verdict(SPEND_NOT_FITTED) is None
