"""The Daily list page's callbacks called directly: allowed dates per report type, the chosen
report, the exact file's download and the launch's answers."""

from __future__ import annotations

import logging
import shutil
from datetime import date

import pandas as pd
import pytest

from dashboard.app import create_app
from dashboard.pages.daily_list import callbacks
from dashboard.pages.daily_list.layout import HIDDEN, SHOWN, layout
from dashboard.store_access import DASHBOARD_USER
from tests.dashboard.pages.daily_list.conftest import CHECKED, LIST_DATES
from tests.support.campaigns import stored_assignments
from tests.support.signed_in import add_team, signed_in
from tests.support.warehouses import copy_warehouse
from warehouse.commands import audit_log, list_campaigns
from warehouse.daily.store import DailyStore
from warehouse.queries.daily_list import PREDICTION, PVA


def _text(component) -> str:
    return str(component)


def test_the_picker_offers_stored_lists_and_checked_lists_only(page) -> None:
    low, high, disabled, chosen, month = callbacks.update_picker(PREDICTION, None)
    assert (low, high, chosen, month) == ("2015-09-10", "2015-09-13", "2015-09-13",
                                          "2015-09-13")
    assert disabled == ["2015-09-12"]
    # only the list of 09-10 has been checked: its window closed on 09-13
    assert callbacks.update_picker(PVA, "2015-09-13") == (
        "2015-09-10", "2015-09-10", [], "2015-09-10", "2015-09-10")
    # a date the new type allows is kept
    assert callbacks.update_picker(PREDICTION, "2015-09-10")[3] == "2015-09-10"


def test_a_prediction_report_shows_the_list_and_what_its_model_learned(page, daily_db) -> None:
    (summary, list_style, rows, pva_style, cards, _, pva_rows, learned, launch_style,
     no_download, href) = callbacks.show_report(PREDICTION, "2015-09-10")
    listed = pd.read_parquet(DailyStore.for_db(daily_db).listed(CHECKED))
    assert (list_style, pva_style, launch_style, no_download) == (SHOWN, HIDDEN, SHOWN, False)
    assert href == "/download/daily-list/prediction/2015-09-10.csv"
    assert [row["customer_id"] for row in rows] == listed["customer_id"].tolist()
    assert rows[0]["list_rank"] == 1 and len(rows) == 250
    assert {"segment", "count_views_24h", "count_orders"} <= set(rows[0])
    assert "The list of 2015-09-10: 250 visitors" in _text(summary)
    version = int(listed["model_version"].iloc[0])
    assert f"Model version {version}, the one that made this list" in _text(learned)
    assert "times" in _text(learned)
    assert cards == [] and pva_rows == []


def test_a_predicted_vs_actual_report_shows_the_check(page, daily_db) -> None:
    (summary, list_style, _, pva_style, cards, figure, rows, _, launch_style,
     _, href) = callbacks.show_report(PVA, "2015-09-10")
    assert href == "/download/daily-list/pva/2015-09-10.csv"
    assert (list_style, pva_style, launch_style) == (HIDDEN, SHOWN, HIDDEN)
    stored = pd.read_parquet(DailyStore.for_db(daily_db).pva_rows(CHECKED))
    assert [row["customer_id"] for row in rows] == stored["customer_id"].tolist()
    bought = int(stored["is_converted"].sum())
    assert "Bought from the list" in _text(cards) and f"'{bought}'" in _text(cards)
    actual = figure["data"][1]
    assert actual["name"] == "Actual" and actual["y"][-1] == bought
    assert "checked against what they bought from 2015-09-10 on" in _text(summary)


def test_a_report_is_drawn_from_the_one_file_the_job_stored_for_it(daily_db, tmp_path) -> None:
    # a copy without the report's tables: only the stored views are left to draw from
    db = copy_warehouse(daily_db, tmp_path)
    source, store = DailyStore.for_db(daily_db), DailyStore.for_db(db)
    shutil.copytree(source.folder, store.folder)
    for table in (store.listed(CHECKED), store.scores(CHECKED), store.pva_rows(CHECKED),
                  store.pva_summary(CHECKED)):
        table.unlink()
    shutil.rmtree(store.folder / "effects")
    create_app(db)
    listed = pd.read_parquet(source.listed(CHECKED))
    rows = callbacks.show_report(PREDICTION, CHECKED.isoformat())[2]
    assert [row["customer_id"] for row in rows] == listed["customer_id"].tolist()
    assert [row["conversion_probability"] for row in rows] == pytest.approx(
        listed["conversion_probability"].tolist(), rel=1e-14)
    learned = callbacks.show_report(PREDICTION, CHECKED.isoformat())[7]
    assert f"Model version {int(listed['model_version'].iloc[0])}, the one" in _text(learned)
    assert "times" in _text(learned)
    pva = callbacks.show_report(PVA, CHECKED.isoformat())
    checked = pd.read_parquet(source.pva_rows(CHECKED))
    assert [row["is_converted"] for row in pva[6]] == checked["is_converted"].tolist()
    assert pva[5]["data"][1]["y"][-1] == int(checked["is_converted"].sum())
    create_app(daily_db)  # the callbacks read the app created last


def test_a_report_stored_before_its_view_file_is_drawn_from_its_tables(daily_db,
                                                                       tmp_path) -> None:
    create_app(daily_db)
    drawn = {kind: callbacks.show_report(kind, CHECKED.isoformat()) for kind in (PREDICTION, PVA)}
    db = copy_warehouse(daily_db, tmp_path)
    store = DailyStore.for_db(db)
    shutil.copytree(DailyStore.for_db(daily_db).folder, store.folder)
    store.list_view(CHECKED).unlink()
    store.pva_view(CHECKED).unlink()
    create_app(db)
    for kind, before in drawn.items():
        assert _text(callbacks.show_report(kind, CHECKED.isoformat())) == _text(before), kind
    create_app(daily_db)


def test_a_date_without_a_report_says_what_to_do(page) -> None:
    answer = callbacks.show_report(PVA, None)
    assert "No report of this type is stored yet" in _text(answer[0])
    answer = callbacks.show_report(PVA, "2015-09-11")
    assert "No predicted-vs-actual report is stored for 2015-09-11" in _text(answer[0])
    assert answer[-2] is True and answer[-1] is None  # nothing to download


@pytest.mark.parametrize(("report_type", "day", "name"), [
    (PREDICTION, "2015-09-11", "top_250_report_11092015.csv"),
    (PVA, "2015-09-10", "pva_report_10092015.csv"),
])
def test_the_download_is_the_exact_file_the_job_wrote(page, daily_db, report_type, day,
                                                      name) -> None:
    add_team(daily_db)
    href = callbacks.download_href(report_type, date.fromisoformat(day))
    exports = (audit_log(daily_db)["event"] == "export").sum()
    assert signed_in(page, "viewer").get(href).status_code == 403  # lists: analysts and up
    assert page.server.test_client().get(href).status_code == 401
    assert (audit_log(daily_db)["event"] == "export").sum() == exports
    response = signed_in(page, "analyst").get(href)
    written = daily_db.parent / "reports" / name
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response.get_data() == written.read_bytes()
    taken = audit_log(daily_db).iloc[0]
    assert (taken["event"], taken["user_name"], taken["file_name"]) == ("export", "analyst", name)


@pytest.mark.parametrize("path", [
    "/download/daily-list/prediction/2015-09-12.csv",  # no list that day
    "/download/daily-list/pva/2015-09-11.csv",  # not checked yet
    "/download/daily-list/everything/2015-09-10.csv",
    "/download/daily-list/prediction/2015-09-10T00.csv",
    "/download/daily-list/prediction/yesterday.csv",
])
def test_a_download_of_a_report_that_is_not_stored_is_a_404_and_logs_nothing(page, daily_db,
                                                                              path) -> None:
    add_team(daily_db)
    before = (audit_log(daily_db)["event"] == "export").sum()
    assert signed_in(page, "analyst").get(path).status_code == 404
    assert (audit_log(daily_db)["event"] == "export").sum() == before


def test_the_launch_answers_plainly(page) -> None:
    assert "control share must be in (0, 0.5], got 0.6" in _text(
        callbacks.launch_list(1, "2015-09-10", "", 60, "email"))
    assert "Enter a hold-out share" in _text(callbacks.launch_list(1, "2015-09-10", "", None,
                                                                    "email"))
    assert "no daily list is stored for 2015-09-12" in _text(
        callbacks.launch_list(1, "2015-09-12", "", 10, "email"))


def test_the_launch_puts_the_list_on_the_board_with_a_hold_out(launch_db) -> None:
    create_app(launch_db)
    answer = _text(callbacks.launch_list(1, "2015-09-11", "Call them", 10, "sms"))
    launched = list_campaigns(launch_db).set_index("name").loc["Call them"]
    assert f"Campaign {launched['campaign_id']} launched: 225 to contact, 25 held out." in answer
    assert "See it on the Action board." in answer
    assert (launched["source"], launched["channel"], launched["audience_size"]) == (
        "daily_list", "sms", 250)
    listed = pd.read_parquet(DailyStore.for_db(launch_db).listed(LIST_DATES[1]))
    groups = stored_assignments(launch_db, launched["campaign_id"])
    assert sorted(groups["customer_id"]) == sorted(listed["customer_id"])
    assert audit_log(launch_db).iloc[0][["event", "user_name", "campaign_id"]].tolist() == [
        "launch", DASHBOARD_USER, launched["campaign_id"]]


def test_the_layout_shows_the_backtest_and_the_history(page) -> None:
    text = _text(layout())
    assert "the model's lists of 250 found" in text
    assert "daily_list-history-chart" in text
    assert LIST_DATES[-1].isoformat() in text


def test_without_any_list_the_page_says_how_to_make_one(demo_db, tmp_path, caplog) -> None:
    create_app(copy_warehouse(demo_db, tmp_path))
    caplog.set_level(logging.INFO)
    assert "No daily list has been made for actionboard.duckdb yet" in _text(layout())
    # An empty state, not a fault: one line at INFO, no warning with a traceback.
    said = [r for r in caplog.records if "No daily list has been made" in r.getMessage()]
    assert [(r.levelno, r.exc_info) for r in said] == [(logging.INFO, None)]
