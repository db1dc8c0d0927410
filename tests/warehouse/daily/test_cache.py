"""The daily list's cache: computed once, recomputed when rows dated before a cut-off arrive,
and a window sampled reproducibly with weights that stand for the whole."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.support.daily_list import warehouse_copy
from tests.support.raw_warehouse import add_raw_rows, ms
from warehouse.daily import cache
from warehouse.daily.store import DailyStore, read_fingerprint, write_frame
from warehouse.features import open_raw

DAYS = [date(2015, 8, 20) + timedelta(days=i) for i in range(6)]


@pytest.fixture
def cached(demo_db: Path, tmp_path: Path) -> tuple[Path, DailyStore, dict[str, int]]:
    db = warehouse_copy(demo_db, tmp_path)
    store = DailyStore.for_db(db)
    with open_raw(db) as con:
        computed = cache.ensure(con, store, feature_days=DAYS, outcome_days=DAYS,
                                horizon_days=3)
    return db, store, computed


def test_a_second_pass_computes_nothing(cached) -> None:
    db, store, computed = cached
    assert computed == {"features": 6, "outcomes": 6}
    with open_raw(db) as con:
        assert cache.ensure(con, store, feature_days=DAYS, outcome_days=DAYS,
                            horizon_days=3) == {"features": 0, "outcomes": 0}


def test_rows_dated_before_a_cutoff_make_its_files_stale_and_only_those(cached) -> None:
    db, store, _ = cached
    mtimes = {day: store.features(day).stat().st_mtime_ns for day in DAYS}
    # a late-loaded view on 08-22 at noon: the candidates of 08-23 change, and every cut-off
    # after it counts one more row; the features of 08-20 to 08-22 do not
    add_raw_rows(db, events=[(ms("2015-08-22 12:00:00"), 99_999_999, "view", 1, None)])
    with open_raw(db) as con:
        computed = cache.ensure(con, store, feature_days=DAYS, outcome_days=DAYS,
                                horizon_days=3)
    # features of 08-23 .. 08-25; outcomes of every day whose window ends after 08-22 noon
    assert computed == {"features": 3, "outcomes": 6}
    for day in DAYS[:3]:
        assert store.features(day).stat().st_mtime_ns == mtimes[day]
    assert "99999999" in set(cache.features(store, date(2015, 8, 23))["customer_id"])
    assert "99999999" not in set(cache.features(store, date(2015, 8, 24))["customer_id"])


def test_a_window_is_every_cached_candidate_with_its_outcome(cached) -> None:
    _, store, _ = cached
    frame, weights = cache.labelled(store, DAYS)
    sizes = [len(cache.features(store, day)) for day in DAYS]
    assert len(frame) == sum(sizes)
    assert (weights == 1).all()
    assert frame["report_date"].dt.date.value_counts().sort_index().tolist() == sizes
    buyers = sum(int(cache.outcomes(store, day)["is_converted"].sum()) for day in DAYS)
    assert int(frame["is_converted"].sum()) == buyers > 0


def test_a_large_window_keeps_every_buyer_and_a_weighted_reproducible_sample(cached) -> None:
    _, store, _ = cached
    full, _ = cache.labelled(store, DAYS)
    sample, weights = cache.labelled(store, DAYS, max_rows=400)
    again, _ = cache.labelled(store, DAYS, max_rows=400)
    pd.testing.assert_frame_equal(sample, again)
    buyers = int(full["is_converted"].sum())
    assert int(sample["is_converted"].sum()) == buyers
    assert (weights[sample["is_converted"].to_numpy()] == 1).all()
    rate = (400 - buyers) / (len(full) - buyers)
    others = ~sample["is_converted"].to_numpy()
    np.testing.assert_allclose(weights[others], 1 / rate)
    # a hash sample: its size is binomial around the target (5 standard deviations)
    n = len(full) - buyers
    assert abs(others.sum() - n * rate) < 5 * np.sqrt(n * rate * (1 - rate))


def test_an_identical_frame_is_not_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    frame = pd.DataFrame({"a": [1, 2]})
    write_frame(path, frame, fingerprint=[1, 2])
    stamp = path.stat().st_mtime_ns
    write_frame(path, frame.copy(), fingerprint=[1, 2])
    assert path.stat().st_mtime_ns == stamp
    write_frame(path, frame, fingerprint=[1, 3])
    assert read_fingerprint(path) == [1, 3]
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_files_checked_once_in_a_process_are_not_checked_again(cached) -> None:
    db, store, _ = cached
    checked: set = set()
    with open_raw(db) as con:
        cache.ensure(con, store, feature_days=DAYS[:2], outcome_days=DAYS[:1],
                     horizon_days=3, checked=checked)
        assert checked == {("features", DAYS[0]), ("features", DAYS[1]),
                           ("outcomes", DAYS[0])}
        store.features(DAYS[0]).unlink()  # not looked at again in this process
        assert cache.ensure(con, store, feature_days=DAYS[:2], outcome_days=DAYS[:1],
                            horizon_days=3, checked=checked) == {"features": 0, "outcomes": 0}
        assert cache.ensure(con, store, feature_days=DAYS[:2], outcome_days=DAYS[:1],
                            horizon_days=3) == {"features": 1, "outcomes": 0}
