"""The CLV page's export in headless Chromium: an analyst downloads the top customers chosen on
the page (audited with their name); a viewer is not offered the export."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.support.select import Select

from dashboard.app import create_app
from dashboard.data import snapshot_reader
from dashboard.pages.clv import export, ids
from tests.support.browser import browser_errors, click, downloaded_csv, start_signed_in
from tests.support.clv_snapshots import fitted_clv_warehouse
from warehouse.commands import audit_log
from warehouse.queries import clv as queries

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def fitted_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fitted_clv_warehouse(tmp_path_factory.mktemp("clv-export"))


def test_an_analyst_exports_the_top_customers_chosen_on_the_page(dash_duo, fitted_db: Path):
    app = create_app(fitted_db)
    top = queries.top_customers(snapshot_reader().cursor(), 50)
    start_signed_in(dash_duo, app, fitted_db, "analyst", "/clv")
    dash_duo.driver.set_window_size(1440, 1000)
    Select(dash_duo.find_element(f"#{ids.CLV_TOP_LIMIT}")).select_by_value("50")
    dash_duo.wait_for_contains_text(f"#{ids.CLV_TOP_MESSAGE}", "The 50 buyers", timeout=20)

    click(dash_duo, f"#{ids.CLV_EXPORT_BUTTON}")
    rows = downloaded_csv(Path(dash_duo.download_path), "clv-top-50.csv", export.EXPORT_COLUMNS)
    assert [row["customer_id"] for row in rows] == top["customer_id"].astype(str).tolist()
    logged = audit_log(fitted_db).iloc[0]
    assert (logged["event"], logged["user_name"], logged["segment"], logged["row_count"],
            logged["file_name"]) == ("export", "analyst", export.AUDIT_SEGMENT, 50,
                                     "clv-top-50.csv")
    assert browser_errors(dash_duo) == []


def test_a_viewer_is_not_offered_the_export(dash_duo, fitted_db: Path):
    start_signed_in(dash_duo, create_app(fitted_db), fitted_db, "viewer", "/clv")
    dash_duo.wait_for_contains_text(f"#{ids.CLV_TOP_MESSAGE}", "buyers with the highest CLV",
                                    timeout=20)
    assert not dash_duo.find_element(f"#{ids.CLV_EXPORT_BUTTON}").is_displayed()
    assert browser_errors(dash_duo) == []
