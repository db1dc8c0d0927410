"""The Promote-an-item page in headless Chromium on a small trained grocery shop: search an
item, size its audience, launch the push; and what the page says before a model exists."""

from __future__ import annotations

from pathlib import Path

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.keys import Keys

from dashboard.app import create_app
from dashboard.pages.promote import delivery, ids, report
from tests.support.browser import browser_errors, click, start_signed_in
from tests.support.campaigns import stored_assignments
from tests.support.grocery import build_trained_grocery
from warehouse.commands import audit_log, list_campaigns
from warehouse.promote.report import read_report

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def grocery_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = build_trained_grocery(tmp_path_factory.mktemp("grocery-page"))
    # no quiet hours, so that the launch's messages are due whatever the time of the run
    db.with_name(f"{db.stem}.delivery.toml").write_text(
        '[delivery]\nquiet_start = "00:00"\nquiet_end = "00:00"\n')
    return db


def test_search_an_item_size_its_audience_and_launch_the_push(dash_duo, grocery_db):
    start_signed_in(dash_duo, create_app(grocery_db), grocery_db, "campaign_owner", "/promote")
    dash_duo.driver.set_window_size(1400, 1000)
    dash_duo.find_element(f"#{ids.PROMOTE_SEARCH}").send_keys("organic grapes")
    dash_duo.wait_for_contains_text(f"#{ids.PROMOTE_ITEM}", "Organic Grapes", timeout=15)
    dash_duo.wait_for_contains_text(f"#{ids.PROMOTE_AUDIENCE}", "Grapes", timeout=20)
    dash_duo.wait_for_contains_text(f"#{ids.PROMOTE_AUDIENCE}", "without push consent")

    click(dash_duo, f"label[for='_dbcprivate_radioitems_{ids.PROMOTE_SIZE_CHOICE}_input_typed']")
    dash_duo.find_element(f"#{ids.PROMOTE_SIZE}").send_keys("120")
    dash_duo.wait_for_contains_text(f"#{ids.PROMOTE_AUDIENCE}", "Top 120:", timeout=20)

    # the preview renders the item's placeholders; a customer attribute falls back to its default
    dash_duo.wait_for_contains_text(f"#{ids.PROMOTE_PREVIEW}", "Organic Grapes", timeout=20)
    dash_duo.wait_for_contains_text(f"#{ids.PROMOTE_PREVIEW}", "(fresh fruits)")
    title = dash_duo.find_element(f"#{ids.PROMOTE_TITLE}")
    title.clear()
    title.send_keys("Hi {first_name}", Keys.TAB)
    dash_duo.wait_for_contains_text(f"#{ids.PROMOTE_PREVIEW}", "neither an item field",
                                    timeout=20)
    click(dash_duo, f"#{ids.PROMOTE_LAUNCH}")
    dash_duo.wait_for_contains_text(f"#{ids.PROMOTE_LAUNCH_RESULT}", "Name the campaign")
    dash_duo.find_element(f"#{ids.PROMOTE_NAME}").send_keys("Grapes push")
    click(dash_duo, f"#{ids.PROMOTE_LAUNCH}")
    dash_duo.wait_for_contains_text(f"#{ids.PROMOTE_LAUNCH_RESULT}", "neither an item field",
                                    timeout=20)
    assert list_campaigns(grocery_db).empty  # a message that cannot be rendered is not sent
    title = dash_duo.find_element(f"#{ids.PROMOTE_TITLE}")
    title.clear()
    title.send_keys("{item_name} for {segment|you}", Keys.TAB)
    dash_duo.wait_for_contains_text(f"#{ids.PROMOTE_PREVIEW}", "Grapes Small for", timeout=20)
    click(dash_duo, f"#{ids.PROMOTE_LAUNCH}")
    dash_duo.wait_for_contains_text(f"#{ids.PROMOTE_LAUNCH_RESULT}", "held out", timeout=20)
    dash_duo.wait_for_contains_text(f"#{ids.PROMOTE_LAUNCH_RESULT}", "queued in the outbox")
    # the delivery card turns to the new campaign: its treatment group queued, due now
    dash_duo.wait_for_contains_text(f"#{delivery.DELIVERY_STATUS}", "Queued, due", timeout=20)
    queued = dash_duo.find_element(f"#{delivery.DELIVERY_STATUS} td").text

    stored = list_campaigns(grocery_db)
    assert stored[["name", "source", "channel"]].values.tolist() == [
        ["Grapes push", "push", "push"]]
    until(lambda: audit_log(grocery_db)["campaign_id"].isin(stored["campaign_id"]).any(), 5)
    launched = audit_log(grocery_db).query("event == 'launch'").iloc[0]
    assert launched["user_name"] == "campaign_owner"
    treated = stored_assignments(grocery_db, stored["campaign_id"].iloc[0])
    assert queued == f"{int((treated['group_name'] == 'treatment').sum()):,}"
    assert browser_errors(dash_duo) == []


def test_a_viewer_reads_the_model_report_stored_by_the_training(dash_duo, grocery_db):
    start_signed_in(dash_duo, create_app(grocery_db), grocery_db, "viewer", "/promote")
    stored = read_report(grocery_db)
    chosen = stored.metrics.set_index("scorer").loc[stored.run["model"]]
    dash_duo.wait_for_contains_text(f"#{report.REPORT_METRICS}",
                                    f"{chosen['scorer_label']} (chosen)", timeout=20)
    table = dash_duo.find_element(f"#{report.REPORT_METRICS}").text
    assert f"{chosen['top_decile_lift']:.2f}" in table and "Personal frequency" in table
    dash_duo.wait_for_element(f"#{report.REPORT_DECILES} .main-svg")
    dash_duo.wait_for_element(f"#{report.REPORT_CALIBRATION} .main-svg")
    text = dash_duo.find_element(f"#{report.REPORT}").text
    assert stored.coefficients["sentence"].iloc[0] in text and "What worked" in text
    assert browser_errors(dash_duo) == []


def test_without_a_model_the_page_says_how_to_train_and_counts_large_baskets(dash_duo, demo_db):
    start_signed_in(dash_duo, create_app(demo_db), demo_db, path="/promote")
    dash_duo.find_element(f"#{ids.PROMOTE_SEARCH}").send_keys("1")
    dash_duo.wait_for_contains_text(f"#{ids.PROMOTE_AUDIENCE}", "promote-train", timeout=20)
    dash_duo.wait_for_contains_text(f"#{ids.PROMOTE_AUDIENCE}", "with at least 5 items")
    dash_duo.wait_for_contains_text(f"#{report.REPORT}", "promote-train")
    assert browser_errors(dash_duo) == []
