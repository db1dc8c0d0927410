"""Each SQL model step declares exactly the relations its SQL file reads, so the run order the
registry computes from the declarations is the one the SQL needs."""

from __future__ import annotations

import json

import duckdb
import pytest

from warehouse.pipeline.steps.marts import SQL_MODEL_STEPS
from warehouse.sql.runner import model_query


def _relations(query: str) -> set[str]:
    """The tables and views ``query`` reads: its base table references minus its CTE names."""
    with duckdb.connect() as con:
        tree = json.loads(con.execute("SELECT json_serialize_sql(?)", [query]).fetchone()[0])
    assert not tree.get("error"), tree
    tables: set[str] = set()
    ctes: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "BASE_TABLE" and "table_name" in node:
                tables.add(node["table_name"])
            if "cte_map" in node:
                ctes.update(entry["key"] for entry in node["cte_map"]["map"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(tree)
    return tables - ctes


@pytest.mark.parametrize("step", SQL_MODEL_STEPS, ids=lambda s: s.name)
def test_declared_reads_are_the_relations_the_sql_reads(step):
    assert _relations(model_query(step.name)) == set(step.reads)


def test_the_relation_reader_sees_through_ctes():
    sql = "WITH a AS (SELECT * FROM t1), b AS (SELECT * FROM a JOIN t2 USING (k)) SELECT * FROM b"
    assert _relations(sql) == {"t1", "t2"}
