"""The prediction log: Parquet per model, date and version, read by DuckDB as one table;
re-scoring replaces, nothing else is touched."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from warehouse.prediction_log import (
    partition_path,
    predictions_dir,
    predictions_sql,
    read_predictions,
    write_predictions,
)

AS_OF = date(2015, 9, 18)
SCORED_AT = datetime(2015, 9, 19, 6, 30)
COLUMNS = ["model", "version", "scored_at", "as_of", "customer_id", "item_id", "score",
           "horizon_days"]


def _log(folder: Path, where: str = "true") -> list[tuple]:
    with duckdb.connect() as con:
        return con.sql(f"SELECT * FROM ({predictions_sql(folder)}) WHERE {where} "
                       "ORDER BY model, as_of, version, customer_id, item_id").fetchall()


def _write(folder: Path, frame: pd.DataFrame, **overrides) -> Path:
    arguments = {"model": "churn", "version": 1, "as_of": AS_OF, "horizon_days": 30,
                 "scored_at": SCORED_AT} | overrides
    return write_predictions(folder, frame, **arguments)


def test_the_log_sits_beside_the_warehouse_apart_from_the_snapshots(tmp_path: Path) -> None:
    assert predictions_dir(tmp_path / "shop.duckdb") == tmp_path / "shop.predictions"


def test_written_scores_read_back_with_their_model_version_and_dates(tmp_path: Path) -> None:
    path = _write(tmp_path, pd.DataFrame({"customer_id": ["7", "3"], "score": [0.25, 0.5]}))
    assert path == tmp_path / "model=churn" / "as_of=2015-09-18" / "v1.parquet"
    assert path == partition_path(tmp_path, "churn", AS_OF, 1)
    assert _log(tmp_path) == [
        ("churn", 1, SCORED_AT, AS_OF, "3", None, 0.5, 30),
        ("churn", 1, SCORED_AT, AS_OF, "7", None, 0.25, 30),
    ]
    assert [name for name in sorted(p.name for p in path.parent.iterdir())] == ["v1.parquet"]


def test_the_columns_and_their_types_are_fixed(tmp_path: Path) -> None:
    _write(tmp_path, pd.DataFrame({"customer_id": [7], "item_id": [11], "score": [1]}))
    with duckdb.connect() as con:
        described = con.sql(f"DESCRIBE {predictions_sql(tmp_path)}").fetchall()
    assert [(name, kind) for name, kind, *_ in described] == [
        ("model", "VARCHAR"), ("version", "INTEGER"), ("scored_at", "TIMESTAMP"),
        ("as_of", "DATE"), ("customer_id", "VARCHAR"), ("item_id", "VARCHAR"),
        ("score", "DOUBLE"), ("horizon_days", "INTEGER")]


def test_rescoring_the_same_version_and_date_replaces_its_rows_only(tmp_path: Path) -> None:
    first = pd.DataFrame({"customer_id": ["1", "2", "3"], "score": [0.1, 0.2, 0.3]})
    _write(tmp_path, first)
    _write(tmp_path, first, version=2)
    _write(tmp_path, first, as_of=date(2015, 9, 17))
    _write(tmp_path, first, model="propensity")
    _write(tmp_path, pd.DataFrame({"customer_id": ["1", "4"], "score": [0.9, 0.8]}))
    assert _log(tmp_path, "model = 'churn' AND version = 1 AND as_of = DATE '2015-09-18'") == [
        ("churn", 1, SCORED_AT, AS_OF, "1", None, 0.9, 30),
        ("churn", 1, SCORED_AT, AS_OF, "4", None, 0.8, 30),
    ]
    assert len(_log(tmp_path)) == 2 + 3 * 3


def test_item_scores_keep_their_item_and_an_arrow_table_is_accepted(tmp_path: Path) -> None:
    table = pa.table({"customer_id": ["1", "1"], "item_id": ["10", "11"], "score": [0.3, 0.6]})
    _write(tmp_path, table, model="item_propensity", horizon_days=7)
    with duckdb.connect() as con:
        rows = read_predictions(con, tmp_path).project("item_id, score").order("item_id") \
            .fetchall()
    assert rows == [("10", 0.3), ("11", 0.6)]


def test_an_empty_log_reads_as_no_rows_with_the_columns(tmp_path: Path) -> None:
    with duckdb.connect() as con:
        relation = read_predictions(con, tmp_path / "none-yet")
        assert relation.columns == COLUMNS and relation.fetchall() == []


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"customer_id": ["1"]}), r"need column\(s\) score"),
        (pd.DataFrame({"customer_id": ["1"], "score": [0.1], "segment": ["x"]}),
         r"does not keep: segment"),
        (pd.DataFrame({"customer_id": ["1", None], "score": [0.1, 0.2]}),
         r"1 row\(s\) without customer_id"),
        (pd.DataFrame({"customer_id": ["1", "2", "3"], "score": [0.1, float("nan"),
                                                                 float("inf")]}),
         r"2 missing or non-finite score\(s\)"),
        (pd.DataFrame({"customer_id": ["1", "1"], "score": [0.1, 0.2]}),
         r"1 repeated \(customer_id, item_id\) pair\(s\)"),
        (pd.DataFrame({"customer_id": ["1"], "score": ["high"]}), r"predictions: "),
    ],
    ids=["no score", "unknown column", "no customer", "bad scores", "repeated", "text score"],
)
def test_bad_rows_are_refused_and_nothing_is_written(
    tmp_path: Path, frame: pd.DataFrame, message: str
) -> None:
    _write(tmp_path, pd.DataFrame({"customer_id": ["9"], "score": [0.5]}))
    with pytest.raises(ValueError, match=message):
        _write(tmp_path, frame)
    assert _log(tmp_path) == [("churn", 1, SCORED_AT, AS_OF, "9", None, 0.5, 30)]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [({"model": "../churn"}, "must be lower-case letters"),
     ({"version": 0}, "at least 1"), ({"horizon_days": 0}, "at least 1")],
)
def test_bad_partition_values_are_refused(tmp_path: Path, overrides: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _write(tmp_path, pd.DataFrame({"customer_id": ["1"], "score": [0.5]}), **overrides)
    assert not any(tmp_path.iterdir())
