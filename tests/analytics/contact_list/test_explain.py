"""What a model learned, read back in sentences: the signals behind the purchases come first."""

import numpy as np
import pytest

from analytics.contact_list.explain import learned_effects
from analytics.contact_list.model import WindowLogisticModel
from tests.support.contact_candidates import CART, candidates


@pytest.fixture(scope="module")
def fitted():
    frame, bought = candidates(20000, seed=3)
    return WindowLogisticModel(C=10.0).fit(frame, bought), frame


def test_the_signals_that_cause_purchases_lead_the_explanation(fitted) -> None:
    model, frame = fitted
    effects = learned_effects(model, frame, top=3)
    assert effects["signal"].tolist()[:2] == ["Bought before",
                                              "Cart adds in the last 24 hours"]
    cart = effects.set_index("signal").loc["Cart adds in the last 24 hours"]
    # none against the typical cart of those with one (a single add): the rule's odds ratio
    # for one cart add is e^1.5 ≈ 4.5; a fit on 20,000 candidates lands near it
    assert (cart["low"], cart["high"]) == (0.0, 1.0)
    assert np.log(cart["odds_ratio"]) == pytest.approx(CART, abs=0.35)
    assert cart["sentence"] == (
        f"Cart adds in the last 24 hours: 1 cart add rather than 0 cart adds → "
        f"{cart['odds_ratio']:.1f} times as likely to buy.")


def test_every_signal_reads_as_a_sentence(fitted) -> None:
    model, frame = fitted
    effects = learned_effects(model, frame, top=20)
    assert len(effects) == 10
    assert effects["sentence"].str.contains("times (?:as|less) likely to buy\\.$").all()
    hour = effects.set_index("signal").loc["Time of day of the last visit", "sentence"]
    assert hour.startswith("Time of day of the last visit: ") and "(UTC)" in hour
    strength = np.abs(np.log(effects["odds_ratio"]))
    assert strength.is_monotonic_decreasing
