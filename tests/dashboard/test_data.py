from datetime import date

import duckdb
import pytest

from dashboard.app import create_app
from dashboard.data import DataUnavailableError, query
from tests.support.overview_snapshot import AS_OF, FIRST_DAY
from warehouse.queries import overview as queries
from warehouse.snapshots import new_snapshot_path, publish_snapshot


def _publish_one_day(db, day: date) -> None:
    building = new_snapshot_path(db)
    con = duckdb.connect(str(building))
    con.execute("CREATE TABLE daily_kpis (kpi_date DATE)")
    con.execute("CREATE TABLE refresh_info (as_of_date DATE)")
    con.execute("INSERT INTO daily_kpis VALUES (?)", [day])
    con.execute("INSERT INTO refresh_info VALUES (?)", [day])
    con.close()
    publish_snapshot(db, building)


def test_query_reads_the_newest_published_snapshot_not_a_cached_older_one(overview_snapshot):
    create_app(overview_snapshot.db)
    first = query(queries.data_bounds).iloc[0]
    assert first["last_date"].date() == AS_OF
    _publish_one_day(overview_snapshot.db, date(2025, 1, 2))
    newer = query(queries.data_bounds).iloc[0]
    assert newer["first_date"].date() == newer["last_date"].date() == date(2025, 1, 2)


def test_repeated_query_gives_the_same_result(overview_snapshot):
    create_app(overview_snapshot.db)
    once = query(queries.period_kpis, FIRST_DAY, AS_OF)
    again = query(queries.period_kpis, FIRST_DAY, AS_OF)
    assert again is once
    assert query(queries.period_kpis, FIRST_DAY, FIRST_DAY) is not once


def test_no_snapshot_becomes_a_message_naming_the_refresh_command(tmp_path):
    create_app(tmp_path / "shop.duckdb")
    with pytest.raises(DataUnavailableError, match=r"python app.py refresh --db .*shop\.duckdb"):
        query(queries.data_bounds)


def test_snapshot_without_a_needed_table_becomes_a_message(tmp_path):
    db = tmp_path / "shop.duckdb"
    _publish_one_day(db, date(2025, 1, 2))
    create_app(db)
    with pytest.raises(DataUnavailableError, match=r"incomplete.*daily_category_gmv"):
        query(queries.top_series, date(2025, 1, 2), date(2025, 1, 2), "day", "category")
