"""Customer lifetime value: how often a buyer returns (BG/NBD or MBG/NBD), how much they spend
(Gamma-Gamma), what that is worth, and how well it predicted a holdout.

One estimator per module: ``bgnbd``, ``mbgnbd`` (purchase models, sharing ``purchase``),
``gamma_gamma`` (spend), ``model`` (``CLVModel``, the combination), ``holdout`` (validation and the
choice between the purchase models), ``verdicts`` (what it means, in words). ``fitting`` drives
lifetimes' optimiser and refuses degenerate fits; ``summary`` checks the input frame. This package
is the only code that imports ``lifetimes``, so the model library can be replaced in one place.
"""

from analytics.clv.bgnbd import BG_NBD, conditional_expected_purchases
from analytics.clv.fitting import RETRY_PENALIZERS, degeneracy
from analytics.clv.gamma_gamma import (
    conditional_expected_spend,
    gamma_gamma_rejection,
    population_mean_spend,
)
from analytics.clv.holdout import (
    HoldoutValidation,
    PurchaseModelChoice,
    choose_purchase_model,
    naive_baseline,
    validate_holdout,
)
from analytics.clv.mbgnbd import MBG_NBD
from analytics.clv.model import (
    AUTO,
    PREDICTION_COLUMNS,
    PURCHASE_HORIZONS_DAYS,
    PURCHASE_MODELS,
    TIME_UNIT,
    CLVModel,
    monthly_discount_rate,
)
from analytics.clv.summary import FIRST_PURCHASE_COLUMN, SUMMARY_COLUMNS
from analytics.clv.verdicts import holdout_verdict, spend_verdict

__all__ = [
    "AUTO",
    "BG_NBD",
    "FIRST_PURCHASE_COLUMN",
    "MBG_NBD",
    "PREDICTION_COLUMNS",
    "PURCHASE_HORIZONS_DAYS",
    "PURCHASE_MODELS",
    "RETRY_PENALIZERS",
    "SUMMARY_COLUMNS",
    "TIME_UNIT",
    "CLVModel",
    "HoldoutValidation",
    "PurchaseModelChoice",
    "choose_purchase_model",
    "conditional_expected_purchases",
    "conditional_expected_spend",
    "degeneracy",
    "gamma_gamma_rejection",
    "holdout_verdict",
    "monthly_discount_rate",
    "naive_baseline",
    "population_mean_spend",
    "spend_verdict",
    "validate_holdout",
]
