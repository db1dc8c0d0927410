"""The Daily list page's reads: which dates each report type allows, from a hand-made store."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from warehouse.daily.store import DailyStore, write_frame
from warehouse.queries import daily_list as queries

TODAY = date(2015, 9, 19)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A store with lists for 09-04 .. 09-19 and checks of 09-04 .. 09-16, today 09-19."""
    db = tmp_path / "actionboard.duckdb"
    store = DailyStore.for_db(db)
    store.write_status({"today": TODAY.isoformat(), "first_report_date": "2015-09-05",
                        "last_report_date": TODAY.isoformat(), "list_size": 250,
                        "horizon_days": 3, "strategy": "window", "model_name": "daily_contact"})
    for offset in range(16):
        day = date(2015, 9, 4) + timedelta(days=offset)
        write_frame(store.scores(day), pd.DataFrame({"customer_id": ["1"]}))
        if day <= date(2015, 9, 16):
            write_frame(store.pva_summary(day), pd.DataFrame({"measure": ["list size"]}))
    return db


def test_prediction_reports_are_allowed_for_stored_lists_from_the_first_date_to_today(
    db: Path,
) -> None:
    days = queries.allowed_dates(db, queries.PREDICTION)
    assert days == [date(2015, 9, 5) + timedelta(days=i) for i in range(15)]


def test_predicted_vs_actual_is_allowed_only_three_days_before_today(db: Path) -> None:
    store = DailyStore.for_db(db)
    # a check stored for a date whose window has not closed (a "today" moved back) is not offered
    store.write_status({**store.read_status(), "today": "2015-09-18"})
    days = queries.allowed_dates(db, queries.PVA)
    assert days[0] == date(2015, 9, 5) and days[-1] == date(2015, 9, 15)
    assert queries.allowed_dates(db, queries.PREDICTION)[-1] == date(2015, 9, 18)


def test_without_a_job_run_the_page_is_told_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(queries.NoDailyListError, match=r"`python app\.py daily --db "):
        queries.allowed_dates(tmp_path / "x.duckdb", queries.PREDICTION)
    with pytest.raises(ValueError, match="unknown report type 'weekly'"):
        queries.report_file(tmp_path / "x.duckdb", "weekly", TODAY)


def test_a_missing_report_is_named(db: Path) -> None:
    with pytest.raises(queries.NoDailyListError, match="No daily list is stored for 2015-09-03"):
        queries.listed(db, date(2015, 9, 3))
    assert queries.backtest(db) is None
    assert queries.effects(db, 7).empty
