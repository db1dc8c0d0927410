"""The Promote page's callbacks called directly on a grocery shop whose push campaign has run:
item search options, the results card, and refusals shown as messages."""

from __future__ import annotations

import pytest

from dashboard.app import create_app
from dashboard.pages.promote import callbacks
from tests.support.grocery import PUSHED_ITEM, build_pushed_grocery
from warehouse.promote.results import push_results


@pytest.fixture(scope="module")
def pushed(tmp_path_factory: pytest.TempPathFactory):
    db, _, launched = build_pushed_grocery(tmp_path_factory.mktemp("grocery-page-results"))
    create_app(db)  # the callbacks read the app created last
    return db, launched


def test_the_search_lists_matching_items_and_keeps_the_chosen_one(pushed):
    options, chosen = callbacks.item_options("grapes small", None)
    assert options[0]["value"] == PUSHED_ITEM and chosen == PUSHED_ITEM
    assert all("grapes small" in o["label"].lower() for o in options)
    _, kept = callbacks.item_options("organic", options[-1]["value"])
    assert kept is not None


def test_results_card_shows_the_published_push_campaign(pushed):
    db, launched = pushed
    options = callbacks.campaign_options()
    assert [o["value"] for o in options] == [launched.campaign_id]
    shown = callbacks.update_results(launched.campaign_id)
    text = " ".join(p.children for p in shown.children)
    assert push_results(db, launched.campaign_id).describe().replace("\n", " ") == text


def test_a_typed_size_that_is_not_a_whole_number_is_refused_with_the_reason(pushed):
    shown = callbacks.update_audience(PUSHED_ITEM, "typed", 2.5)
    assert "whole number" in shown.children
