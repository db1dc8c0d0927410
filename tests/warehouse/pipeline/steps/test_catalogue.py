"""The field catalogue: the rule fields the steps publish, tied to the real ``customers`` view."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.support.shops import build_shop
from warehouse.pipeline.refresh import refresh
from warehouse.pipeline.registry import REGISTRY, Step
from warehouse.schema.fields import NUMBER, TEXT, TIMESTAMP, Field, field_type_of
from warehouse.schema.fields import read_field_catalogue as read_catalogue
from warehouse.snapshots import current_snapshot, open_snapshot


def _customer_columns(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return {name: kind for name, kind, *_ in con.execute("DESCRIBE customers").fetchall()}


def test_every_catalogue_field_is_a_column_of_customers_of_its_type(demo_db: Path):
    with open_snapshot(demo_db) as con:
        catalogue = read_catalogue(con)
        columns = _customer_columns(con)
    assert len(catalogue) >= 20
    for name, field in catalogue.items():
        assert name in columns, name
        assert field_type_of(columns[name]) == field.type, (name, columns[name])


def test_every_column_a_rule_can_use_is_in_the_catalogue(demo_db: Path):
    with open_snapshot(demo_db) as con:
        catalogue = read_catalogue(con)
        columns = _customer_columns(con)
    usable = {name for name, kind in columns.items() if field_type_of(kind) is not None}
    assert usable - {"customer_id"} == set(catalogue)
    assert columns["is_single_visit"] == "BOOLEAN"  # the one column rules cannot compare


def test_fields_are_listed_text_first_then_numbers_then_timestamps(demo_db: Path):
    with open_snapshot(demo_db) as con:
        catalogue = read_catalogue(con)
    kinds = [field.type for field in catalogue.values()]
    assert kinds == sorted(kinds, key=[TEXT, NUMBER, TIMESTAMP].index)
    assert list(catalogue)[:3] == ["segment", "segment_kind", "cluster_name"]


def _loyalty(con: duckdb.DuckDBPyConnection, ctx) -> None:
    con.execute("CREATE TABLE customer_loyalty AS "
                "SELECT customer_id, 0.5 + r_score / 10 AS loyalty_score FROM customer_rfm")


LOYALTY = Step("loyalty", _loyalty, reads=("customer_rfm",), writes=("customer_loyalty",),
               fields=(Field("loyalty_score", NUMBER, "Loyalty score",
                             "a score of buyers", table="customer_loyalty"),))


def _engagement(con: duckdb.DuckDBPyConnection, ctx) -> None:
    con.execute("CREATE TABLE customer_engagement AS "
                "SELECT customer_id, count_events * 2 AS engagement_score FROM customer_summary")


ENGAGEMENT = Step("engagement", _engagement, reads=("customer_summary",),
                  writes=("customer_engagement",),
                  fields=(Field("engagement_score", NUMBER, "Engagement score",
                                "a score of every visitor", table="customer_engagement",
                                covers_visitors=True),))


def test_a_new_model_step_adds_a_rule_field_by_declaring_it(tmp_path: Path):
    db = build_shop(tmp_path / "shop.duckdb")
    refresh(db, progress=False, registry=REGISTRY.extended(LOYALTY, ENGAGEMENT))
    with open_snapshot(db) as con:
        catalogue = read_catalogue(con)
        rows = con.execute(
            "SELECT c.segment_kind, c.loyalty_score, 0.5 + r.r_score / 10, c.engagement_score, "
            "c.count_events FROM customers AS c "
            "LEFT JOIN customer_rfm AS r USING (customer_id)").fetchall()
        step = con.execute("SELECT step FROM field_catalogue WHERE name = 'loyalty_score'"
                           ).fetchone()[0]
    assert catalogue["loyalty_score"].label == "Loyalty score" and step == "loyalty"
    buyers = [(score, expected) for kind, score, expected, *_ in rows if kind == "rfm"]
    visitors = [score for kind, score, *_ in rows if kind == "behavioural"]
    assert buyers and all(score == expected for score, expected in buyers)
    assert visitors and all(score is None for score in visitors)
    # a field that covers visitors reaches both parts of customers
    assert all(engagement == 2 * events for *_, engagement, events in rows)


@pytest.mark.parametrize(("field", "message"), [
    (Field("shoe_size", NUMBER, "Shoe size", "not a column"),
     "step 'odd' publishes 'shoe_size', which is not a column of customers"),
    (Field("gmv_amount_text", TEXT, "GMV", "a number column declared as text",
           table="odd_table"),
     "step 'odd' publishes 'gmv_amount_text' as a text field, but the column is DOUBLE"),
])
def test_a_field_that_does_not_match_customers_fails_the_refresh(tmp_path, field, message):
    db = build_shop(tmp_path / "shop.duckdb")

    def odd(con, ctx) -> None:
        con.execute("CREATE TABLE odd_table AS "
                    "SELECT customer_id, monetary_amount AS gmv_amount_text FROM customer_rfm")

    odd_step = Step("odd", odd, reads=("customer_rfm",), writes=("odd_table",), fields=(field,))
    with pytest.raises(RuntimeError, match=message):
        refresh(db, progress=False, registry=REGISTRY.extended(odd_step))
    assert current_snapshot(db) is None


def test_a_field_covers_visitors_only_through_a_table_of_its_own():
    with pytest.raises(ValueError, match="covers visitors only through a table of its own"):
        Field("engagement_score", NUMBER, "Engagement", "every visitor", covers_visitors=True)
