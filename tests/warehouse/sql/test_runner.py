"""Model files become views or tables; named text columns can be stored uncompressed."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from warehouse.sql.runner import LAYERS, Materialization, build_model, model_names, model_path

IDS = """
-- one row per id, in descending order
SELECT 'customer-' || CAST(i AS VARCHAR) AS customer_id, 'same' AS label, i
FROM range(200000) AS t(i)
ORDER BY i DESC
"""


@pytest.fixture
def models(tmp_path: Path) -> Path:
    folder = tmp_path / "models"
    folder.mkdir()
    for name in ("ids", "ids_auto"):
        (folder / f"{name}.sql").write_text(IDS, encoding="utf-8")
    return folder


def _compressions(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, set[str]]:
    rows = con.execute(
        "SELECT column_name, compression FROM pragma_storage_info(?) "
        "WHERE segment_type = 'VARCHAR'", [table]).fetchall()
    found: dict[str, set[str]] = {}
    for column, compression in rows:
        found.setdefault(column, set()).add(compression)
    return found


def test_named_columns_are_stored_uncompressed_in_the_query_order(tmp_path, models):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    build_model(con, "ids", Materialization.TABLE, models, uncompressed=("customer_id",))
    build_model(con, "ids_auto", Materialization.TABLE, models)
    con.execute("CHECKPOINT")
    first = con.execute("SELECT customer_id, i FROM ids ORDER BY rowid LIMIT 2").fetchall()
    assert first == [("customer-199999", 199999), ("customer-199998", 199998)]
    assert con.execute("SELECT count(*) FROM ids").fetchone()[0] == 200_000
    stored, auto = _compressions(con, "ids"), _compressions(con, "ids_auto")
    assert stored["customer_id"] == {"Uncompressed"}
    assert auto["customer_id"] != {"Uncompressed"}  # what DuckDB chooses by itself
    assert stored["label"] == auto["label"] != {"Uncompressed"}  # other columns: its choice
    con.close()


def test_uncompressed_columns_must_exist_and_belong_to_a_table(tmp_path, models):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with pytest.raises(ValueError, match="no column visitor_id"):
        build_model(con, "ids", Materialization.TABLE, models, uncompressed=("visitor_id",))
    with pytest.raises(ValueError, match="only a table"):
        build_model(con, "ids", Materialization.VIEW, models, uncompressed=("customer_id",))
    con.close()


def test_each_layer_holds_only_its_kind_of_model_and_names_are_unique():
    staging, intermediate, marts = (model_names(layer) for layer in LAYERS)
    assert staging and all(name.startswith("stg_") for name in staging)
    assert intermediate and all(name.startswith("int_") for name in intermediate)
    assert marts and not any(name.startswith(("stg_", "int_")) for name in marts)
    assert len({*staging, *intermediate, *marts}) == len(staging + intermediate + marts)
    assert model_path("order_lines").parent.name == "marts"
    assert model_path("int_customer_activity").parent.name == "intermediate"


def test_a_model_name_must_be_a_plain_identifier():
    with pytest.raises(ValueError, match="not a plain lower-case SQL identifier"):
        model_path("orders; DROP TABLE x")
