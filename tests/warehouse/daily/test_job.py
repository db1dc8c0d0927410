"""The daily job end to end on the demo warehouse: the list file, the prediction log, model
versions, predicted vs actual, idempotence and refused dates."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.support.daily_list import cut_copy, warehouse_copy
from tests.support.ops_store import fresh_postgres_database, postgres_server_url
from tests.support.raw_warehouse import add_raw_rows, ms
from warehouse.commands import audit_log
from warehouse.commands.model_registry import list_versions, load_model, models_dir
from warehouse.commands.runs import list_runs
from warehouse.daily import reports
from warehouse.daily.job import DailyInputError, run_daily
from warehouse.daily.settings import MODEL_NAME, DailySettings
from warehouse.daily.store import DailyStore
from warehouse.ops import ops_engine, ops_store
from warehouse.prediction_log import predictions_dir, read_predictions

FIRST = date(2015, 9, 10)  # a list; its outcome window closes on 09-13
SECOND = date(2015, 9, 11)
CHECK = date(2015, 9, 13)  # checks FIRST's list


@pytest.fixture(scope="module")
def job(demo_db: Path, tmp_path_factory: pytest.TempPathFactory):
    """A private copy of the demo warehouse after the jobs of FIRST, SECOND and CHECK."""
    db = warehouse_copy(demo_db, tmp_path_factory.mktemp("daily-job"))
    results = {day: run_daily(db, day) for day in (FIRST, SECOND, CHECK)}
    return db, results


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"customer_id": str, "name": str})


def _candidates(db: Path, day: date) -> set[str]:
    """The visitors active in the 24 hours before ``day``, straight from the raw events."""
    start = ms(f"{day - timedelta(days=1)} 00:00:00")
    end = ms(f"{day} 00:00:00")
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute('SELECT DISTINCT CAST(visitorid AS VARCHAR) FROM events WHERE '
                           '"timestamp" >= ? AND "timestamp" < ?', [start, end]).fetchall()
    return {row[0] for row in rows}


def test_the_list_file_has_the_name_the_columns_and_the_top_250(job) -> None:
    db, results = job
    path = db.parent / "reports" / "top_250_report_10092015.csv"
    assert results[FIRST].files[0] == path
    text = path.read_bytes().decode()
    assert text.startswith("customer_id,conversion_probability\r\n")
    frame = _csv(path)
    candidates = _candidates(db, FIRST)
    assert len(frame) == min(250, len(candidates)) == 250
    assert set(frame["customer_id"]) <= candidates
    assert frame["conversion_probability"].is_monotonic_decreasing
    assert frame["conversion_probability"].between(0, 1, inclusive="neither").all()
    scores = pd.read_parquet(DailyStore.for_db(db).scores(FIRST))
    assert set(scores["customer_id"]) == candidates  # every candidate scored, no one else
    best = scores.nlargest(250, "conversion_probability")
    assert set(frame["customer_id"]) == set(best["customer_id"])
    # the page's download is the same file, byte for byte
    assert (DailyStore.for_db(db).list_dir(FIRST) / path.name).read_bytes() == path.read_bytes()
    # the copy handed out is audited as an export by the command line's user
    exports = audit_log(db).query("file_name == @path.name")
    assert exports[["event", "user_name", "segment", "row_count"]].values.tolist() == [
        ["export", "cli", "daily_list", 250]]


def test_a_day_with_fewer_candidates_than_places_lists_them_all(job) -> None:
    db, results = job
    frame = _csv(db.parent / "reports" / "top_250_report_13092015.csv")
    assert len(frame) == results[CHECK].candidates == len(_candidates(db, CHECK)) < 250


def test_every_candidate_s_probability_goes_to_the_prediction_log(job) -> None:
    db, results = job
    with duckdb.connect() as con:
        log = read_predictions(con, predictions_dir(db)).df()
    first = log[log["as_of"] == pd.Timestamp(FIRST)]
    assert set(first["version"]) == {results[FIRST].scored_by}
    assert (first["model"] == MODEL_NAME).all() and (first["horizon_days"] == 3).all()
    scores = pd.read_parquet(DailyStore.for_db(db).scores(FIRST))
    merged = scores.merge(first, on="customer_id", validate="1:1")
    assert len(merged) == len(scores)
    assert (merged["score"] == merged["conversion_probability"]).all()


def test_the_model_version_advances_and_the_previous_one_loads(job) -> None:
    db, results = job
    # the job of D learns D - 3 for D + 1: SECOND's list is scored by what FIRST's job trained
    assert results[SECOND].scored_by == results[FIRST].trained
    assert results[FIRST].trained > results[FIRST].scored_by
    assert results[SECOND].trained > results[FIRST].trained
    engine = ops_store(db)
    versions = {v.version: v for v in list_versions(engine, models_dir(db), MODEL_NAME)}
    first, second = versions[results[FIRST].trained], versions[results[SECOND].trained]
    assert first.params["labels_through"] == "2015-09-07"
    assert second.params["labels_through"] == "2015-09-08"
    assert second.params["parent_version"] == first.version
    assert second.params["kind"] == "incremental"
    assert versions[results[FIRST].scored_by].params["kind"] == "full"
    assert {"train_rows", "window_roc_auc", "holdout_roc_auc"} <= set(second.metrics)
    previous, metadata = load_model(engine, models_dir(db), MODEL_NAME, first.version)
    assert metadata.version == first.version
    candidates = pd.read_parquet(DailyStore.for_db(db).folder / "cache" / "features"
                                 / f"{SECOND}.parquet")
    scores = pd.read_parquet(DailyStore.for_db(db).scores(SECOND))
    assert (previous.predict_proba(candidates)[:, 1]
            == scores.set_index("customer_id").loc[candidates["customer_id"],
                                                   "conversion_probability"].to_numpy()).all()
    assert DailyStore.for_db(db).effects(MODEL_NAME, second.version).is_file()


def test_predicted_vs_actual_joins_the_list_of_three_days_before_and_its_window(job) -> None:
    db, results = job
    assert results[CHECK].pva_date == FIRST
    path = db.parent / "reports" / "pva_report_10092015.csv"
    assert path in results[CHECK].files
    pva = _csv(path)
    assert list(pva.columns) == ["row_type", "name", "predicted", "actual", "orders", "amount"]
    visitors = pva[pva["row_type"] == "visitor"]
    listed = _csv(db.parent / "reports" / "top_250_report_10092015.csv")
    assert visitors["name"].tolist() == listed["customer_id"].tolist()
    assert visitors["predicted"].tolist() == listed["conversion_probability"].tolist()
    # what they bought in [09-10, 09-13), counted here from the raw events
    with duckdb.connect(str(db), read_only=True) as con:
        bought = dict(con.execute(
            "SELECT CAST(visitorid AS VARCHAR), count(DISTINCT transactionid) FROM events "
            "WHERE event = 'transaction' AND \"timestamp\" >= ? AND \"timestamp\" < ? "
            "GROUP BY 1", [ms("2015-09-10 00:00:00"), ms("2015-09-13 00:00:00")]).fetchall())
    expected_orders = visitors["name"].map(bought).fillna(0).astype(int)
    assert visitors["orders"].astype(int).tolist() == expected_orders.tolist()
    assert visitors["actual"].tolist() == (expected_orders > 0).astype(float).tolist()
    summary = pva[pva["row_type"] == "summary"].set_index("name")
    assert summary.loc["conversions in the list", "actual"] == (expected_orders > 0).sum()
    assert summary.loc["conversions in the list", "predicted"] == pytest.approx(
        visitors["predicted"].sum(), abs=1e-3)
    assert summary.loc["precision@250", "actual"] == pytest.approx(
        (expected_orders > 0).sum() / 250, abs=1e-6)
    assert summary.loc["candidates", "actual"] == len(_candidates(db, FIRST))
    assert "baseline list conversions" in summary.index


def test_a_second_run_changes_nothing(job) -> None:
    db, results = job
    store = DailyStore.for_db(db)
    files = sorted(p for p in store.folder.rglob("*") if p.is_file()) + sorted(
        p for p in predictions_dir(db).rglob("*") if p.is_file()) + sorted(
        (db.parent / "reports").iterdir())
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in files}
    versions = len(list_versions(ops_store(db), models_dir(db), MODEL_NAME))
    audited = len(audit_log(db))
    again = run_daily(db, CHECK)
    assert again.registered == []
    assert (again.scored_by, again.trained) == (results[CHECK].scored_by,
                                                results[CHECK].trained)
    assert len(list_versions(ops_store(db), models_dir(db), MODEL_NAME)) == versions
    assert len(audit_log(db)) == audited  # nothing handed out anew
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in files}
    assert after == before
    new_files = {p for p in store.folder.rglob("*") if p.is_file()} - set(files)
    assert new_files == set()


def test_runs_are_recorded(job) -> None:
    db, _ = job
    runs = list_runs(ops_store(db), limit=50)
    daily = runs[runs["kind"] == "daily"]
    assert len(daily) >= 3 and (daily["status"] == "succeeded").all()
    assert daily["counts"].iloc[0]["candidates"] > 0


def test_the_job_keeps_versions_runs_and_audit_in_the_store_it_is_given(
    demo_db: Path, tmp_path: Path
) -> None:
    with fresh_postgres_database(postgres_server_url()) as url:
        db = warehouse_copy(demo_db, tmp_path / "warehouse")
        default_runs = len(list_runs(ops_store(db), limit=50))
        result = run_daily(db, FIRST, ops_url=url)
        engine = ops_engine(url)
        versions = list_versions(engine, models_dir(db), MODEL_NAME)
        assert [v.version for v in versions] == result.registered == [1, 2]
        assert list_runs(engine)["kind"].tolist() == ["daily"]
        assert audit_log(db, ops_url=url)["file_name"].tolist() == [
            "top_250_report_10092015.csv"]
        assert len(list_runs(ops_store(db), limit=50)) == default_runs  # nothing went there


def test_the_list_reads_nothing_at_or_after_its_date(demo_db: Path, tmp_path: Path) -> None:
    # The job on the data cut just before FIRST writes the very file it writes on all data.
    full = warehouse_copy(demo_db, tmp_path / "full")
    cut = cut_copy(demo_db, tmp_path / "cut", datetime(2015, 9, 10))
    settings = DailySettings(list_size=50)
    for db in (full, cut):
        run_daily(db, FIRST, settings=settings)
    name = reports.list_file_name(FIRST, 50)
    assert (full.parent / "reports" / name).read_bytes() == \
        (cut.parent / "reports" / name).read_bytes()
    full_scores = pd.read_parquet(DailyStore.for_db(full).scores(FIRST))
    pd.testing.assert_frame_equal(full_scores,
                                  pd.read_parquet(DailyStore.for_db(cut).scores(FIRST)))


def test_dates_the_data_cannot_answer_are_refused(job, tmp_path: Path) -> None:
    db, _ = job
    with pytest.raises(DailyInputError, match="2015-09-20 is in the future for the data: the "
                       "last activity is on 2015-09-18, so the latest report date is "
                       "2015-09-19"):
        run_daily(db, date(2015, 9, 20))
    with pytest.raises(DailyInputError, match="2015-05-01 is before the data"):
        run_daily(db, date(2015, 5, 1))
    quiet = add_raw_rows(tmp_path / "quiet.duckdb", events=[
        (ms("2015-06-01 10:00:00"), 1, "view", 10, None),
        (ms("2015-06-05 10:00:00"), 2, "view", 10, None)])
    with pytest.raises(DailyInputError, match="no visitor was active in the 24 hours before "
                       "2015-06-03"):
        run_daily(quiet, date(2015, 6, 3))
    runs = list_runs(ops_store(db), limit=5)
    assert runs["status"].iloc[0] == "failed"
    assert "is before the data" in runs["error"].iloc[0]


def test_a_warehouse_that_does_not_exist_is_refused_before_anything_is_written(
    tmp_path: Path,
) -> None:
    with pytest.raises(FileNotFoundError, match="No warehouse at"):
        run_daily(tmp_path / "none" / "actionboard.duckdb")
    assert not (tmp_path / "none").exists()


def test_the_history_counts_candidates_and_buyers(job) -> None:
    db, _ = job
    history = pd.read_parquet(DailyStore.for_db(db).history)
    row = history.set_index("report_date").loc[FIRST]
    assert row["candidates"] == len(_candidates(db, FIRST))
    assert row["list_conversions"] == _csv(
        db.parent / "reports" / "pva_report_10092015.csv").query(
        "row_type == 'visitor'")["actual"].sum()
    with duckdb.connect(str(db), read_only=True) as con:
        buyers = {row[0] for row in con.execute(
            "SELECT DISTINCT CAST(visitorid AS VARCHAR) FROM events WHERE event = 'transaction'"
            " AND \"timestamp\" >= ? AND \"timestamp\" < ?",
            [ms("2015-09-10 00:00:00"), ms("2015-09-13 00:00:00")]).fetchall()}
    assert row["buyers"] == len(buyers & _candidates(db, FIRST))
    assert row["conversion_rate"] == row["buyers"] / row["candidates"]


def test_a_parent_version_that_cannot_be_loaded_is_replaced_by_a_full_training(
    demo_db: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = warehouse_copy(demo_db, tmp_path)
    first = run_daily(db, FIRST)
    engine = ops_store(db)
    learned = next(v for v in list_versions(engine, models_dir(db), MODEL_NAME)
                   if v.version == first.trained)
    learned.artifact.write_bytes(learned.artifact.read_bytes() + b"changed")
    later = run_daily(db, FIRST + timedelta(days=2))  # scored by a version trained now
    versions = {v.version: v for v in list_versions(engine, models_dir(db), MODEL_NAME)}
    assert versions[later.scored_by].params["kind"] == "full"
    assert versions[later.trained].params["parent_version"] == later.scored_by
    assert "cannot be updated" in caplog.text and "training from scratch" in caplog.text
