"""The economic table's arithmetic, worked by hand."""

import math

import pandas as pd
import pytest

from analytics.uplift.economics import best_share, economic_table, uplift_per_contact

# Held-out counts of the top 10 %, 50 % and 100 % of a ranking.
TARGETING = pd.DataFrame({
    "share": [0.1, 0.5, 1.0],
    "n_treatment": [40, 200, 400], "n_control": [10, 50, 100],
    "conversions_treatment": [12, 50, 60], "conversions_control": [1, 5, 10],
})
Z = 1.959964


def test_uplift_per_contact_is_the_rate_difference_with_its_normal_interval():
    per_contact = uplift_per_contact(TARGETING)
    assert math.isnan(per_contact.loc[0, "uplift"])  # 10 control customers: too few
    assert per_contact.loc[1, "uplift"] == pytest.approx(0.25 - 0.10)
    se = math.sqrt(0.15 * 0.85 / 400 + 0.10 * 0.90 / 100)
    assert per_contact.loc[2, "uplift"] == pytest.approx(0.05)
    assert per_contact.loc[2, "low"] == pytest.approx(0.05 - Z * se, rel=1e-6)
    assert per_contact.loc[2, "high"] == pytest.approx(0.05 + Z * se, rel=1e-6)


def test_the_table_prices_nobody_everyone_the_users_share_and_the_best_share():
    table = economic_table(TARGETING, population=1_000, cost_per_contact=1.0,
                           margin_per_conversion=50.0, share=1.0).set_index("policy")
    assert list(table.index) == ["Contact nobody", "Contact everyone",
                                 "Top 100% by predicted uplift", "Most profitable: top 50%"]
    nobody = table.loc["Contact nobody"]
    assert (nobody["contacts"], nobody["cost"], nobody["profit"]) == (0, 0.0, 0.0)
    everyone = table.loc["Contact everyone"]
    assert everyone["contacts"] == 1_000
    assert everyone["incremental_conversions"] == pytest.approx(50.0)
    assert everyone["cost"] == 1_000.0
    assert everyone["incremental_revenue"] == pytest.approx(2_500.0)
    assert everyone["profit"] == pytest.approx(1_500.0)
    se = math.sqrt(0.15 * 0.85 / 400 + 0.10 * 0.90 / 100)
    assert everyone["profit_low"] == pytest.approx(1_000 * (0.05 - Z * se) * 50 - 1_000,
                                                   rel=1e-6)
    best = table.loc["Most profitable: top 50%"]
    assert best["contacts"] == 500
    assert best["incremental_conversions"] == pytest.approx(75.0)
    assert best["profit"] == pytest.approx(75 * 50 - 500)
    assert best["incremental_revenue_high"] - best["incremental_revenue"] == pytest.approx(
        500 * Z * math.sqrt(0.25 * 0.75 / 200 + 0.10 * 0.90 / 50) * 50, rel=1e-6)


def test_the_best_share_moves_with_the_cost_of_a_contact():
    assert best_share(TARGETING, 1_000, 1.0, 50.0) == 0.5
    # at 4 a contact, the 50 % part earns 0.15·50 − 4 = 3.5 a contact, everyone 0.05·50 − 4 < 0
    assert best_share(TARGETING, 1_000, 4.0, 50.0) == 0.5
    assert best_share(TARGETING.tail(1), 1_000, 1.0, 10.0) == 1.0
    assert best_share(TARGETING.head(1), 1_000, 1.0, 50.0) is None


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"cost_per_contact": -1.0}, "cost per contact"),
    ({"margin_per_conversion": float("nan")}, "margin per conversion"),
    ({"share": 0.0}, "share to contact"),
    ({"share": 1.5}, "share to contact"),
    ({"population": -3}, "population"),
])
def test_bad_inputs_are_named(kwargs, message):
    arguments = {"population": 100, "cost_per_contact": 1.0, "margin_per_conversion": 5.0,
                 "share": 0.3, **kwargs}
    with pytest.raises(ValueError, match=message):
        economic_table(TARGETING, **arguments)
