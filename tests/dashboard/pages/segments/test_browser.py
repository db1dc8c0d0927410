"""The Segments page in headless Chromium: click a treemap segment, read its profile, export it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from dash.testing.wait import until
from selenium.webdriver.common.action_chains import ActionChains

from dashboard import components
from dashboard.app import create_app
from dashboard.data import snapshot_reader
from dashboard.pages.segments import ids, layout, profile
from tests.support.browser import browser_errors, centre, grid_fit, start_signed_in
from warehouse.queries import segments as queries

pytestmark = pytest.mark.browser

TREEMAP_SLICES = f"#{ids.SEGMENTS_TREEMAP} .treemaplayer g.slice"
GRID_ROWS = f"#{ids.SEGMENTS_GRID} .ag-center-cols-container .ag-row"


def _slice(dash_duo, label: str):
    """The treemap sector labelled ``label``: its text's first line (the second is its size)."""
    for element in dash_duo.find_elements(TREEMAP_SLICES):
        lines = element.find_elements("css selector", "text.slicetext tspan.line")
        if lines and lines[0].text == label:
            return element
    return None


def test_clicking_a_treemap_segment_opens_a_readable_profile_and_exports_it(dash_duo, demo_db):
    app = create_app(demo_db)
    overview = queries.segment_overview(snapshot_reader().cursor()).set_index("segment")
    buyers = overview[overview["segment_kind"] == "rfm"]

    segment = buyers["customers"].idxmax()  # the largest sector of the buyers' treemap
    size = int(overview.loc[segment, "customers"])
    start_signed_in(dash_duo, app, demo_db, "analyst", "/segments")
    dash_duo.driver.set_window_size(1024, 768)

    dash_duo.wait_for_contains_text(f"#{ids.SEGMENTS_TREEMAP} .gtitle", "Buyers", timeout=15)
    until(lambda: _slice(dash_duo, segment) is not None, timeout=10)
    sector = _slice(dash_duo, segment).find_element("css selector", "path.surface")
    centre(dash_duo, f"#{ids.SEGMENTS_TREEMAP}")
    ActionChains(dash_duo.driver).move_to_element(sector).click().perform()

    dash_duo.wait_for_text_to_equal(f"#{ids.SEGMENTS_PROFILE_NAME}", segment, timeout=10)
    expected_size = profile.size_text(size, int(buyers["customers"].sum()), "rfm")
    dash_duo.wait_for_text_to_equal(f"#{ids.SEGMENTS_PROFILE_SIZE}", expected_size, timeout=10)
    dash_duo.wait_for_contains_text(
        f"#{ids.SEGMENTS_GRID_CAPTION}", f"All {size:,} customers", timeout=10
    )
    until(lambda: len(dash_duo.find_elements(GRID_ROWS)) == min(size, 20), timeout=10)  # 1 page
    centre(dash_duo, f"#{ids.SEGMENTS_GRID}")
    cut, narrowest = grid_fit(dash_duo, ids.SEGMENTS_GRID)
    assert cut == []  # no header or value drawn as "4…"
    assert narrowest >= components.GRID_MIN_WIDTH

    # the click picked the segment without zooming into it: the next one is a click away
    second = buyers["customers"].nlargest(2).index[1]
    centre(dash_duo, f"#{ids.SEGMENTS_TREEMAP}")
    sector = _slice(dash_duo, second).find_element("css selector", "path.surface")
    ActionChains(dash_duo.driver).move_to_element(sector).click().perform()
    dash_duo.wait_for_text_to_equal(f"#{ids.SEGMENTS_PROFILE_NAME}", second, timeout=10)
    assert _slice(dash_duo, segment) is not None
    dash_duo.wait_for_element(f"{GRID_ROWS}", timeout=10)
    assert grid_fit(dash_duo, ids.SEGMENTS_GRID)[0] == []

    centre(dash_duo, f"#{ids.SEGMENTS_EXPORT_BUTTON}").click()
    download = Path(dash_duo.download_path) / profile.export_file_name(second)
    until(download.exists, timeout=15)
    exported = pd.read_csv(download, dtype={"customer_id": str})
    assert list(exported.columns) == list(queries.EXPORT_COLUMNS)
    assert len(exported) == overview.loc[second, "customers"]
    assert set(exported["segment"]) == {second}
    assert browser_errors(dash_duo) == []


def test_the_visitors_treemap_holds_the_behavioural_segments(dash_duo, demo_db):
    app = create_app(demo_db)
    overview = queries.segment_overview(snapshot_reader().cursor())
    visitors = overview[overview["segment_kind"] == "behavioural"]
    start_signed_in(dash_duo, app, demo_db, path="/segments")
    dash_duo.wait_for_contains_text(f"#{ids.SEGMENTS_TREEMAP} .gtitle", "Buyers", timeout=15)
    dash_duo.find_element(f"#{ids.SEGMENTS_VIEW} input[value='visitors']").click()
    dash_duo.wait_for_contains_text(f"#{ids.SEGMENTS_TREEMAP} .gtitle", "never bought",
                                    timeout=10)
    shown = visitors[visitors["customers"] > 0]["segment"]
    until(lambda: all(_slice(dash_duo, s) is not None for s in shown), timeout=10)
    assert dash_duo.find_element(
        f"#{ids.SEGMENTS_SIZE_BY} input[value='gmv_amount']").get_attribute("disabled")
    assert browser_errors(dash_duo) == []


def test_picking_a_segment_from_the_dropdown_opens_its_profile(dash_duo, demo_db):
    app = create_app(demo_db)
    overview = queries.segment_overview(snapshot_reader().cursor()).set_index("segment")
    segment = overview[overview["segment_kind"] == "behavioural"]["customers"].idxmin()
    start_signed_in(dash_duo, app, demo_db, path="/segments")

    dash_duo.wait_for_element(f"#{ids.SEGMENTS_PICKER}", timeout=15)
    centre(dash_duo, f"#{ids.SEGMENTS_PICKER}")
    label = next(o["label"] for o in layout.segment_options(overview.reset_index())
                 if o["value"] == segment)
    dash_duo.select_dcc_dropdown(f"#{ids.SEGMENTS_PICKER}", value=label)
    dash_duo.wait_for_text_to_equal(f"#{ids.SEGMENTS_PROFILE_NAME}", segment, timeout=10)
    dash_duo.wait_for_contains_text(
        f"#{ids.SEGMENTS_PROFILE_SCORES}", "Non-buyers have no RFM scores", timeout=10
    )
    until(lambda: dash_duo.find_elements(GRID_ROWS), timeout=10)
    cut, narrowest = grid_fit(dash_duo, ids.SEGMENTS_GRID)
    assert cut == [] and narrowest >= components.GRID_MIN_WIDTH
    assert browser_errors(dash_duo) == []
