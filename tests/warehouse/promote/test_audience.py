"""A push campaign's offer names its item so that the simulator and the results find it."""

from __future__ import annotations

import pytest

from warehouse.promote.audience import item_of_offer, offer_text


@pytest.mark.parametrize(("item_id", "name"), [("1108", "Organic Grapes: small"), ("a:b", None),
                                               ("42", "")])
def test_the_offer_gives_its_item_back(item_id, name):
    assert item_of_offer(offer_text(item_id, name)) == item_id


@pytest.mark.parametrize("offer", ["Free shipping", "", None, "item"])
def test_an_offer_naming_no_item_gives_none(offer):
    assert item_of_offer(offer) is None
