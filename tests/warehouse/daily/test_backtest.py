"""The backtest replays the daily job: each day's list is the one the job makes on the data cut
at that day, and each day is judged by what its candidates bought afterwards."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.support.daily_list import cut_copy, warehouse_copy
from tests.support.raw_warehouse import ms
from warehouse.commands.model_registry import list_versions, models_dir
from warehouse.daily import reports
from warehouse.daily.backtest import TOTAL, run_backtest
from warehouse.daily.job import DailyInputError, run_daily
from warehouse.daily.settings import DailySettings
from warehouse.daily.store import DailyStore
from warehouse.ops import ops_store

END = date(2015, 9, 12)
SETTINGS = DailySettings(list_size=50)


@pytest.fixture(scope="module")
def replay(demo_db: Path, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("daily-backtest")
    db = warehouse_copy(demo_db, folder / "warehouse")
    result = run_backtest(db, 2, END, settings=SETTINGS, keep=folder / "replays")
    return db, folder / "replays", result


def _bought(db: Path, day: date) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT DISTINCT CAST(visitorid AS VARCHAR) FROM events WHERE event = 'transaction' "
            "AND \"timestamp\" >= ? AND \"timestamp\" < ?",
            [ms(f"{day} 00:00:00"), ms(f"{day + timedelta(days=3)} 00:00:00")]).fetchall()
    return {row[0] for row in rows}


def test_each_replayed_list_is_the_job_s_list_on_the_data_cut_at_its_date(
    replay, demo_db: Path, tmp_path: Path
) -> None:
    _, replays, _ = replay
    cut = cut_copy(demo_db, tmp_path, datetime(2015, 9, 12))  # nothing from the last day on
    for day in (END - timedelta(days=1), END):
        run_daily(cut, day, settings=SETTINGS)
        name = reports.list_file_name(day, 50)
        replayed = DailyStore(replays / "window" / "reports").list_dir(day) / name
        assert replayed.read_bytes() == (cut.parent / "reports" / name).read_bytes(), day


def test_each_day_is_judged_by_what_its_listed_candidates_bought(replay) -> None:
    db, replays, result = replay
    for strategy in ("window", "partial_fit"):
        rows = result.days[result.days["strategy"] == strategy].set_index("report_date")
        for day in (END - timedelta(days=1), END):
            scores = pd.read_parquet(DailyStore(replays / strategy / "reports").scores(day))
            bought = _bought(db, day)
            listed = set(scores.loc[scores["is_listed"], "customer_id"])
            row = rows.loc[day.isoformat()]
            assert row["candidates"] == len(scores)
            assert row["buyers"] == len(bought & set(scores["customer_id"]))
            assert row["model_conversions"] == len(bought & listed)
            baseline = scores.loc[scores["customer_id"].isin(bought), "baseline_share"].sum()
            assert row["baseline_conversions"] == pytest.approx(baseline, abs=1e-9)
            assert row["model_precision"] == row["model_conversions"] / 50
        total = rows.loc[TOTAL]
        days = rows.drop(index=TOTAL)
        assert total["model_conversions"] == days["model_conversions"].sum()
        assert total["candidates"] == days["candidates"].sum()
        if total["baseline_conversions"]:
            assert total["relative_increase"] == pytest.approx(
                total["model_conversions"] / total["baseline_conversions"] - 1)
            assert total["ci_low"] <= total["relative_increase"] <= total["ci_high"]


def test_the_result_is_stored_for_the_page(replay) -> None:
    db, _, result = replay
    store = DailyStore.for_db(db)
    pd.testing.assert_frame_equal(pd.read_parquet(store.backtest("days")), result.days)
    reliability = pd.read_parquet(store.backtest("reliability"))
    assert set(reliability["strategy"]) == {"window", "partial_fit"}
    info = pd.read_parquet(store.backtest("info")).iloc[0]
    assert (info["strategy"], info["list_size"]) == ("window", 50)
    assert "Strategy window (the configured strategy)" in str(result)


def test_the_replay_adds_no_version_to_the_real_registry(replay) -> None:
    db, _, _ = replay
    assert list_versions(ops_store(db), models_dir(db), SETTINGS.model_name) == []
    assert not DailyStore.for_db(db).list_dates()


def test_a_backtest_past_the_last_closed_window_is_refused(replay) -> None:
    db, _, _ = replay
    with pytest.raises(DailyInputError, match=r"the outcome window of 2015-09-17 \(3 days\) has "
                       r"not closed: the data ends on 2015-09-18, so the backtest can end on "
                       r"2015-09-16 at the latest"):
        run_backtest(db, 7, date(2015, 9, 17))
