"""The Uplift page in headless Chromium on the demo: the learnt campaign's evidence renders, the
money follows the inputs, "Target the persuadables" launches the top share as a campaign, and a
results file uploaded there becomes a campaign; a pooled model is drawn but cannot be targeted."""

from __future__ import annotations

from pathlib import Path

import pytest
from dash.testing.wait import until
from selenium.webdriver.support.ui import Select

from dashboard.app import create_app
from dashboard.pages.uplift import ids
from tests.support.browser import browser_errors, click, start_signed_in
from tests.support.uplift import copy_demo_warehouse
from warehouse.commands import audit_log, list_campaigns
from warehouse.snapshots import open_snapshot

pytestmark = pytest.mark.browser


def _buyers(db: Path) -> int:
    with open_snapshot(db) as con:
        return con.execute("SELECT count(*) FROM customers WHERE segment_kind = 'rfm' "
                           "AND uplift_score IS NOT NULL").fetchall()[0][0]


def _type(dash_duo, component_id: str, text: str) -> None:
    field = dash_duo.find_element(f"#{component_id}")
    field.clear()
    field.send_keys(text)


def test_the_page_shows_the_evidence_and_launches_the_persuadables(
        dash_duo, uplift_demo_db: Path, tmp_path: Path):
    db = copy_demo_warehouse(uplift_demo_db, tmp_path)
    start_signed_in(dash_duo, create_app(db), db, "campaign_owner", "/uplift")

    dash_duo.wait_for_contains_text(f"#{ids.UPLIFT_SUMMARY}", "Chosen learner", timeout=20)
    until(lambda: len(dash_duo.find_elements(f"#{ids.UPLIFT_QINI} .scatterlayer .trace")) == 4,
          timeout=15)  # three learners and the random line
    until(lambda: dash_duo.find_elements(f"#{ids.UPLIFT_DECILES} .barlayer .point"), timeout=10)
    dash_duo.wait_for_contains_text(f"#{ids.UPLIFT_LEARNERS}", "(chosen)", timeout=10)
    dash_duo.wait_for_contains_text(f"#{ids.UPLIFT_TYPES}", "Persuadables", timeout=10)
    dash_duo.wait_for_contains_text(f"#{ids.UPLIFT_ECONOMICS}", "Contact everyone", timeout=10)

    _type(dash_duo, ids.UPLIFT_TOP, "150")
    dash_duo.wait_for_contains_text(f"#{ids.UPLIFT_ECONOMICS}", "at most 100", timeout=10)
    _type(dash_duo, ids.UPLIFT_TOP, "20")
    dash_duo.wait_for_contains_text(f"#{ids.UPLIFT_ECONOMICS}", "Top 20% by predicted uplift",
                                    timeout=10)

    click(dash_duo, f"#{ids.UPLIFT_LAUNCH}")
    dash_duo.wait_for_contains_text(f"#{ids.UPLIFT_LAUNCHED}", "Launched", timeout=20)
    campaigns = list_campaigns(db)
    [targeted] = campaigns[campaigns["source"] == "uplift"].to_dict("records")
    assert targeted["campaign_id"] in dash_duo.find_element(f"#{ids.UPLIFT_LAUNCHED}").text
    assert targeted["audience_size"] == round(0.2 * _buyers(db))
    assert targeted["name"] == "Win-back voucher: top 20% by predicted uplift"
    launched = audit_log(db).query("event == 'launch'").iloc[0]
    assert (launched["user_name"], launched["campaign_id"]) == (
        "campaign_owner", targeted["campaign_id"])

    results = tmp_path / "partner results.csv"
    results.write_text("customer_id,group,converted\n" + "\n".join(
        f"{i},{'control' if i % 4 == 0 else 'treatment'},{i % 3 == 0:d}" for i in range(60)))
    _type(dash_duo, ids.UPLIFT_IMPORT_NAME, "Partner mailing")
    dash_duo.find_element(f"#{ids.UPLIFT_IMPORT_FILE} input[type=file]").send_keys(str(results))
    dash_duo.wait_for_contains_text(f"#{ids.UPLIFT_IMPORTED}", "60 customers (45 treatment, "
                                    "15 control; 20 converted)", timeout=20)
    assert "Partner mailing" in set(list_campaigns(db)["name"])
    assert browser_errors(dash_duo) == []


def test_a_pool_is_drawn_and_cannot_be_targeted(dash_duo, uplift_pool, tmp_path: Path):
    db = copy_demo_warehouse(uplift_pool.db, tmp_path)
    start_signed_in(dash_duo, create_app(db), db, "campaign_owner", "/uplift")
    dash_duo.wait_for_contains_text(f"#{ids.UPLIFT_POOL_NOTE}", "uplift --campaigns A,B",
                                    timeout=20)
    dash_duo.wait_for_contains_text(f"#{ids.UPLIFT_SUMMARY}", "Chosen learner", timeout=20)
    assert dash_duo.find_element(f"#{ids.UPLIFT_LAUNCH}").is_enabled()

    Select(dash_duo.find_element(f"#{ids.UPLIFT_CAMPAIGN}")).select_by_value(uplift_pool.pool_id)
    dash_duo.wait_for_contains_text(f"#{ids.UPLIFT_SUMMARY}", "Pool: September win-back",
                                    timeout=20)
    until(lambda: len(dash_duo.find_elements(f"#{ids.UPLIFT_QINI} .scatterlayer .trace")) == 4,
          timeout=15)
    dash_duo.wait_for_contains_text(f"#{ids.UPLIFT_TARGET_REASON}", "A pool scores no customers",
                                    timeout=10)
    until(lambda: not dash_duo.find_element(f"#{ids.UPLIFT_LAUNCH}").is_enabled(), timeout=10)
    assert not dash_duo.find_element(f"#{ids.UPLIFT_RULE}").is_enabled()
    assert browser_errors(dash_duo) == []
