"""A launch's audience: a rule's winners in the snapshot, or a list the caller gives, checked, and
each customer's hash unit.

The per-customer hash is vectorised in DuckDB: ``unit = first 52 bits of md5(salt || ':' ||
customer_id) / 2^52``, uniform in [0, 1). md5 is used as a well-mixed, portable digest (anyone can
recompute an assignment), not for security; each campaign has its own random salt, so campaigns
are independent. The split into groups is ``analytics.experiments.assignment``.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import numpy as np
import pandas as pd

from warehouse.commands.rules.compiler import winners_sql
from warehouse.commands.rules.model import Rule
from warehouse.schema.fields import FieldCatalogue

HASH_BITS = 52  # 13 hex digits: exact in a DOUBLE
AUDIENCE_COLUMNS = ("customer_id", "segment", "clv_amount")

UNIT_SQL = (
    f"CAST(CAST('0x' || substr(md5(? || ':' || customer_id), 1, {HASH_BITS // 4}) AS BIGINT) "
    f"AS DOUBLE) / {2**HASH_BITS}.0"
)


def rule_audience(
    con: duckdb.DuckDBPyConnection, rules: list[Rule], rule_id: int, fields: FieldCatalogue
) -> pd.DataFrame:
    """Customers ``rule_id`` wins in snapshot ``con``: customer_id, segment, clv_amount."""
    sql, params = winners_sql(rules, fields)
    # sql is compiled from catalogue fields with parameters only
    query = (f"SELECT customer_id, segment, clv_amount FROM ({sql}) "  # noqa: S608
             "WHERE winner_rule_id = ? ORDER BY customer_id")
    return con.execute(query, [*params, rule_id]).df()


def audience_frame(audience: pd.DataFrame | Iterable[object]) -> pd.DataFrame:
    """An explicit audience as customer_id (text), segment (text or NULL), clv_amount (number or
    NULL), sorted by customer_id.

    ``audience`` is a frame with ``customer_id`` and optionally ``segment`` and ``clv_amount``
    (other columns are ignored), or customer ids. ValueError for a missing or empty id, a
    duplicate id, or a CLV that is not a number; the message names the first offender.
    """
    if isinstance(audience, pd.DataFrame):
        if "customer_id" not in audience.columns:
            raise ValueError("the audience needs a customer_id column; got "
                             f"{', '.join(map(str, audience.columns)) or 'no columns'}")
        frame = audience.reset_index(drop=True)
    elif isinstance(audience, str | bytes):
        raise ValueError("the audience must be customer ids (a list) or a frame, not one text")
    else:
        frame = pd.DataFrame({"customer_id": pd.Series(list(audience), dtype="object")})
    ids = frame["customer_id"]
    missing = ids.isna() | ids.astype(str).str.strip().eq("")
    if missing.any():
        raise ValueError(f"audience row {int(np.flatnonzero(missing)[0]) + 1}: the customer id "
                         "is empty")
    ids = ids.astype(str).str.strip()
    repeated = ids[ids.duplicated()]
    if not repeated.empty:
        raise ValueError(f"customer {repeated.iloc[0]!r} appears more than once in the audience")
    segment = (frame["segment"].astype("object").where(frame["segment"].notna(), None)
               if "segment" in frame else None)
    clv = None
    if "clv_amount" in frame:
        clv = pd.to_numeric(frame["clv_amount"], errors="coerce")
        bad = clv.isna() & frame["clv_amount"].notna()
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise ValueError(f"audience row {first + 1}: clv_amount must be a number, got "
                             f"{frame['clv_amount'].iloc[first]!r}")
    result = pd.DataFrame({
        "customer_id": ids,
        "segment": segment if segment is not None else pd.Series(None, index=ids.index,
                                                                  dtype="object"),
        "clv_amount": clv if clv is not None else pd.Series(np.nan, index=ids.index),
    })
    return result.sort_values("customer_id", kind="stable").reset_index(drop=True)


def with_units(audience: pd.DataFrame, salt: str) -> pd.DataFrame:
    """``audience`` (with ``customer_id``) plus ``unit``, its salted hash in [0, 1)."""
    ids = pd.DataFrame({"position": np.arange(len(audience)),
                        "customer_id": audience["customer_id"].to_numpy()})
    with duckdb.connect() as con:
        con.register("audience", ids)
        units = con.execute(f"SELECT {UNIT_SQL} AS unit FROM audience "  # noqa: S608
                            "ORDER BY position", [salt]).fetchnumpy()["unit"]
    return audience.assign(unit=np.asarray(units, dtype="float64"))
