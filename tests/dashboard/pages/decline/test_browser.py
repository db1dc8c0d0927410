"""The Decline risk page in headless Chromium: open it, find a customer, read the explanation."""

from __future__ import annotations

import pytest
from dash.testing.wait import until

from dashboard.app import create_app
from dashboard.pages.decline import ids
from tests.support.browser import browser_errors, centre, start_signed_in
from warehouse.snapshots import open_snapshot

pytestmark = pytest.mark.browser


def test_searching_a_customer_opens_their_explanation(dash_duo, decline_db) -> None:
    with open_snapshot(decline_db) as con:
        customer_id, reasons, risk = con.execute(
            "SELECT customer_id, reasons, decline_risk FROM customer_decline "
            "ORDER BY decline_risk, customer_id LIMIT 1").fetchone()  # the lowest risk
    app = create_app(decline_db)
    start_signed_in(dash_duo, app, decline_db, path="/decline")
    dash_duo.wait_for_contains_text(f"#{ids.DECLINE_RUN}", "Model v1", timeout=15)
    # the highest risk is explained first
    dash_duo.wait_for_contains_text(f"#{ids.DECLINE_WATERFALL} .gtitle", "Why customer",
                                    timeout=15)

    search = centre(dash_duo, f"#{ids.DECLINE_SEARCH}")
    search.send_keys(customer_id)
    search.send_keys("\n")  # debounced: the search runs on Enter
    dash_duo.wait_for_contains_text(f"#{ids.DECLINE_WATERFALL} .gtitle",
                                    f"Why customer {customer_id}'s risk is {round(risk * 100)}%",
                                    timeout=15)
    until(lambda: [li.text for li in dash_duo.find_elements(f"#{ids.DECLINE_REASONS} li")]
          == reasons.split("; "), timeout=10)
    bars = dash_duo.find_elements(f"#{ids.DECLINE_WATERFALL} .waterfalllayer .point")
    assert len(bars) == 12  # base, nine features, the others summed, this customer
    assert browser_errors(dash_duo) == []
