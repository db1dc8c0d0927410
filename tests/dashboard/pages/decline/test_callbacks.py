"""The Decline risk page on a published decline run (and before one): layout and callbacks
called directly."""

from __future__ import annotations

import pytest

from dashboard.app import create_app
from dashboard.pages.decline import callbacks, ids
from dashboard.pages.decline.layout import NO_RUN, decline_rules, layout
from tests.support.components import find, text_of
from warehouse.commands import Rule
from warehouse.decline.rules import DECLINE_RULES
from warehouse.snapshots import open_snapshot


@pytest.fixture(scope="module")
def stored(decline_db):
    with open_snapshot(decline_db) as con:
        return {
            "metrics": dict(con.execute("SELECT metric, value FROM decline_metrics").fetchall()),
            "customers": con.execute("SELECT * FROM customer_decline "
                                     "ORDER BY decline_risk DESC, customer_id").df(),
            "base": con.execute("SELECT base_value FROM decline_run").fetchone()[0],
        }


def test_the_page_shows_the_run_its_test_figures_and_every_part(decline_db, stored) -> None:
    create_app(decline_db)
    page = layout()
    assert "Model v1 from the One Click customer-activity files" in text_of(
        find(page, ids.DECLINE_RUN))
    cards = text_of(find(page, ids.DECLINE_METRICS))
    assert f"{stored['metrics']['test_roc_auc']:.3f}" in cards
    assert f"revenue-trend baseline {stored['metrics']['baseline_test_roc_auc']:.3f}" in cards
    assert len(find(page, ids.DECLINE_FAMILIES_TABLE).children[1].children) == 5
    assert len(find(page, ids.DECLINE_GROUPS_TABLE).children[1].children) == 6
    for chart in (ids.DECLINE_FAMILIES_CHART, ids.DECLINE_CALIBRATION, ids.DECLINE_IMPORTANCE,
                  ids.DECLINE_BEESWARM, ids.DECLINE_GROUPS):
        assert find(page, chart).figure.data, chart
    assert "href='/board'" in str(page).replace('"', "'")  # the link to the rules
    assert "promotion share" in text_of(find(page, ids.DECLINE_CHECKS))


def test_before_any_decline_run_the_page_says_how_to_get_one(demo_db) -> None:
    create_app(demo_db)
    assert text_of(find(layout(), ids.DECLINE_MESSAGE)) == NO_RUN


def test_the_rules_part_lists_the_boards_decline_rules_and_links_to_the_board() -> None:
    rules = [Rule(**rule, rule_id=n, priority=n) for n, rule in enumerate(DECLINE_RULES, 1)]
    other = Rule(name="Loyal VIP", conditions=[{"field": "frequency", "op": ">", "value": 3}],
                 action="a", channel="email", offer="o", kpi="retention", rule_id=9, priority=9)
    listed = text_of(decline_rules([other, *rules], refused=1234))
    assert all(rule["name"] in listed for rule in DECLINE_RULES) and "Loyal VIP" not in listed
    assert "decline_risk_band = high and decline_profit_band = high" in listed
    assert "1,234 scored customers did not consent to notifications" in listed
    assert "No rule on the Action board uses the decline fields" in text_of(
        decline_rules([other]))


def test_an_empty_search_lists_the_highest_risks_first(decline_db, stored) -> None:
    create_app(decline_db)
    options, value, note = callbacks.find_customers("")
    top = stored["customers"].head(20)
    assert [o["value"] for o in options] == top["customer_id"].tolist()
    assert value == top["customer_id"].iloc[0] and "20 highest risks" in text_of(note)


def test_a_search_finds_customers_by_the_start_of_their_id(decline_db, stored) -> None:
    create_app(decline_db)
    customer = stored["customers"]["customer_id"].iloc[-1]
    options, value, note = callbacks.find_customers(f"  {customer} ")
    assert [o["value"] for o in options] == [customer] == [value] and note == ""
    options, value, note = callbacks.find_customers("x' OR '1'='1")
    assert options == [] and value is None and "No scored customer" in text_of(note)
    options, value, note = callbacks.find_customers("9" * 65)
    assert options == [] and "at most 64 characters" in text_of(note)


def test_a_customers_explanation_shows_the_stored_reasons_and_a_waterfall_that_adds_up(
    decline_db, stored
) -> None:
    create_app(decline_db)
    row = stored["customers"].iloc[3]
    facts, reasons, figure = callbacks.show_customer(row["customer_id"])
    assert f"{round(row['decline_risk'] * 100)}% ({row['decline_risk_band']})" in text_of(facts)
    assert [text_of(item) for item in reasons.children] == row["reasons"].split("; ")
    waterfall = figure["data"][0]
    assert waterfall["x"][0] == pytest.approx(stored["base"])
    assert sum(waterfall["x"][:-1]) == pytest.approx(row["model_output"]) == waterfall["x"][-1]


def test_an_unscored_customer_gets_a_message_not_an_error(decline_db) -> None:
    create_app(decline_db)
    facts, reasons, figure = callbacks.show_customer("not-a-customer")
    assert "has no decline score" in text_of(facts) and reasons == ""
    assert "has no decline score" in figure.layout.annotations[0].text
