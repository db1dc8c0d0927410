"""The Action board's experiment design panel: read the marketer's inputs.

Percentages typed in the page (control share, significance, power, effects) become fractions here,
with a message naming the input when one is out of range. The plan itself is
``analytics.experiments.design.design_summary`` (Cohen's h for conversion, Cohen's d with the
observed standard deviation for revenue per customer).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analytics.experiments import design

PP, RELATIVE = design.PP, design.RELATIVE


@dataclass(frozen=True)
class DesignInputs:
    """Fractions: control_share in (0, 0.5], alpha and power in (0, 1); conversion_effect is
    absolute (pp ÷ 100) or relative according to ``effect_unit``; revenue_effect is relative."""

    control_share: float
    alpha: float
    power: float
    conversion_effect: float
    effect_unit: str
    revenue_effect: float


def percent_input(value: Any, name: str, low: float, high: float, *, allow_high: bool) -> float:
    """A percentage typed in the page as a fraction; ValueError naming ``name`` otherwise.

    Accepts ``low < value < high`` (``<= high`` when ``allow_high``).
    """
    upper = f"{high:g} included" if allow_high else f"{high:g} excluded"
    expected = f"{name} must be a percentage above {low:g} and up to {high:g} ({upper})"
    try:
        number = float(str(value).replace(",", ".").rstrip("% ")) if value is not None else None
    except ValueError:
        number = None
    if value is None or (isinstance(value, str) and not value.strip()):
        # a number box outside its min/max sends nothing: say the range, not "got None"
        raise ValueError(f"{expected}; the box is empty or outside that range.")
    if number is None or not math.isfinite(number):
        raise ValueError(f"{expected}; got {value!r}.")
    if not (low < number < high or (allow_high and number == high)):
        raise ValueError(f"{expected}; got {number:g}.")
    return number / 100.0


def read_design_inputs(
    share: Any, alpha: Any, power: Any, effect: Any, unit: str | None, revenue_effect: Any
) -> DesignInputs:
    """The panel's typed percentages as a ``DesignInputs``; ValueError on the first bad one."""
    effect_unit = RELATIVE if unit == RELATIVE else PP
    effect_name = ("Conversion effect (percentage points)" if effect_unit == PP
                   else "Conversion effect (relative)")
    return DesignInputs(
        control_share=percent_input(share, "Control share", 0, 50, allow_high=True),
        alpha=percent_input(alpha, "Significance level", 0, 50, allow_high=False),
        power=percent_input(power, "Power", 0, 100, allow_high=False),
        conversion_effect=percent_input(effect, effect_name, 0, 1000, allow_high=True),
        effect_unit=effect_unit,
        revenue_effect=percent_input(revenue_effect, "Revenue effect (relative)", 0, 1000,
                                     allow_high=True),
    )


def design_frame(baseline: dict[str, Any], inputs: DesignInputs) -> pd.DataFrame:
    """``analytics.experiments.design.design_summary`` for the audience of
    ``warehouse.queries.board.audience_baseline`` with the panel's inputs."""
    return design.design_summary(
        audience_size=int(baseline["audience_size"]), control_share=inputs.control_share,
        p_control=baseline["conversion"], revenue_mean=baseline["gmv_mean"],
        revenue_std=baseline["gmv_std"], conversion_effect=inputs.conversion_effect,
        effect_unit=inputs.effect_unit, revenue_effect=inputs.revenue_effect,
        alpha=inputs.alpha, power=inputs.power, eligible_per_day=baseline.get("eligible_per_day"),
    )
