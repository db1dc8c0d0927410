"""A launch's audience and its hash units, computed in DuckDB over the snapshot.

The per-customer hash is vectorised: ``unit = first 52 bits of md5(salt || ':' || customer_id) /
2^52``, uniform in [0, 1). md5 is used as a well-mixed, portable digest (anyone can recompute an
assignment), not for security; each campaign has its own random salt, so campaigns are
independent. The split into groups is ``analytics.experiments.assignment``.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from warehouse.commands.rules.compiler import winners_sql
from warehouse.commands.rules.model import Rule
from warehouse.schema.fields import FieldCatalogue

HASH_BITS = 52  # 13 hex digits: exact in a DOUBLE

UNIT_SQL = (
    f"CAST(CAST('0x' || substr(md5(? || ':' || customer_id), 1, {HASH_BITS // 4}) AS BIGINT) "
    f"AS DOUBLE) / {2**HASH_BITS}.0"
)


def rule_audience(
    con: duckdb.DuckDBPyConnection,
    rules: list[Rule],
    rule_id: int,
    salt: str,
    fields: FieldCatalogue,
) -> pd.DataFrame:
    """Customers ``rule_id`` wins in snapshot ``con``: customer_id, segment, clv_amount, unit."""
    sql, params = winners_sql(rules, fields)
    # sql is compiled from catalogue fields with parameters only
    query = (f"SELECT customer_id, segment, clv_amount, {UNIT_SQL} AS unit "  # noqa: S608
             f"FROM ({sql}) WHERE winner_rule_id = ? ORDER BY customer_id")
    return con.execute(query, [salt, *params, rule_id]).df()
