"""A demo warehouse with the daily lists of three dates, one checked against what happened, and
a short backtest: what the Daily list page shows."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from dashboard.app import create_app
from tests.support.warehouses import copy_warehouse
from warehouse.daily.backtest import run_backtest
from warehouse.daily.job import run_daily
from warehouse.daily.store import DailyStore

LIST_DATES = (date(2015, 9, 10), date(2015, 9, 11), date(2015, 9, 13))  # 09-13 checks 09-10
CHECKED = date(2015, 9, 10)


@pytest.fixture(scope="session")
def daily_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = copy_warehouse(demo_db, tmp_path_factory.mktemp("daily-page"))
    for day in LIST_DATES:
        run_daily(db, day)
    run_backtest(db, 2, date(2015, 9, 12))
    return db


@pytest.fixture
def page(daily_db: Path):
    """An app reading ``daily_db`` (the callbacks read the app created last)."""
    return create_app(daily_db)


@pytest.fixture
def launch_db(daily_db: Path, tmp_path: Path) -> Path:
    """A private copy of ``daily_db`` with its stored lists, for a test that launches one (a
    launched list's visitors are in a running campaign: no other test must see it)."""
    db = copy_warehouse(daily_db, tmp_path)
    shutil.copytree(DailyStore.for_db(daily_db).folder, DailyStore.for_db(db).folder)
    return db
