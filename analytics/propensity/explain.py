"""What a linear model's coefficients say, in words.

Features are standardised before fitting, so a coefficient is the change in the log-odds per
standard deviation of its feature, and exp(coefficient) the odds ratio. Correlated features share
their effect (times bought and personal rate, for example), so a single coefficient reads as
"with the others held fixed"; an L1 fit sets the ones it does not need to exactly zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.propensity.design import FEATURES
from analytics.propensity.models import LinearParams

_DESCRIPTIONS = {feature.name: feature.description for feature in FEATURES}
NEGLIGIBLE = 0.01  # |coefficient| below this changes the odds by under 1 % per SD


def sentence(description: str, coefficient: float) -> str:
    if abs(coefficient) < NEGLIGIBLE:
        return f"No effect: {description} (the model left it out)"
    ratio = float(np.exp(coefficient))
    direction = "More" if coefficient > 0 else "Less"
    return f"{direction} likely with {description}: odds ×{ratio:.2f} per standard deviation"


def coefficient_table(params: LinearParams) -> pd.DataFrame:
    """One row per feature, largest effect first: feature, description, coefficient,
    odds_ratio (per standard deviation), sentence."""
    frame = pd.DataFrame({
        "feature": list(params.names),
        "description": [_DESCRIPTIONS.get(name, name) for name in params.names],
        "coefficient": params.coef,
    })
    frame["odds_ratio"] = np.exp(frame["coefficient"])
    frame["sentence"] = [sentence(d, c) for d, c in
                         zip(frame["description"], frame["coefficient"], strict=True)]
    order = np.argsort(-np.abs(frame["coefficient"].to_numpy()), kind="stable")
    return frame.iloc[order].reset_index(drop=True)
