"""Every page in headless Chromium at 1440 x 1000 and 1024 x 768: text contrast of at least 4.5:1
(WCAG 2.1 AA), no chart title clipped or under the chart toolbar, the navigation bar on one row;
the ten pages as a new user of the demo sees them (their empty states where a job has not run),
and the pages whose content comes from a job with that content."""

from __future__ import annotations

import pytest
from dash.testing.wait import until

from dashboard.app import create_app
from tests.support.browser import (
    browser_errors,
    click,
    low_contrast_texts,
    misplaced_chart_titles,
    navbar_misfits,
    settled,
    start_signed_in,
)

pytestmark = pytest.mark.browser

PAGES = ("/", "/segments?segment=Lost", "/migration", "/clv", "/board", "/uplift", "/daily-list",
         "/decline", "/promote", "/users")
WITH_CONTENT = (("decline_db", "/decline"), ("uplift_demo_db", "/uplift"))  # a job's results
SIZES = ((1440, 1000), (1024, 768))
OPEN = {"/segments?segment=Lost": "#segments-cluster-accordion .accordion-button"}  # drawn on open


@pytest.mark.parametrize(("warehouse", "path"),
                         [("demo_db", path) for path in PAGES] + list(WITH_CONTENT))
def test_every_text_is_legible_and_no_chart_title_is_clipped_or_hidden(
    dash_duo, request, warehouse, path
):
    db = request.getfixturevalue(warehouse)
    start_signed_in(dash_duo, create_app(db), db, "admin", path)
    for width, height in SIZES:
        dash_duo.driver.set_window_size(width, height)
        dash_duo.wait_for_page(url=f"{dash_duo.server_url}{path}", timeout=15)
        until(lambda: settled(dash_duo), timeout=20)
        if path in OPEN:
            click(dash_duo, OPEN[path])
            dash_duo.wait_for_element(f"{OPEN[path].split()[0]} .js-plotly-plot", timeout=15)
            until(lambda: settled(dash_duo), timeout=20)
        assert low_contrast_texts(dash_duo) == [], (width, path)
        assert misplaced_chart_titles(dash_duo) == [], (width, path)
        assert navbar_misfits(dash_duo) == [], (width, path)
    assert browser_errors(dash_duo) == []
