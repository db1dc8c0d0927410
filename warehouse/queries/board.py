"""Read queries for the Segment→Action board, on a snapshot cursor (and the ops store by ``db``).

Rule figures are evaluated live on the snapshot's ``customers`` with the rules as stored now, so
the board shows what a launch would freeze. Campaign lists and the audit log come from the ops
store (always current); measured results come from the snapshot (as of its refresh).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from warehouse import campaigns
from warehouse.rules import Rule, winners_sql

BASELINE_WINDOW_DAYS = 28


@dataclass(frozen=True)
class BoardStats:
    """Per-rule figures plus totals over all customers of the snapshot.

    ``rules`` columns: rule_id, priority, name, enabled, action, channel, offer, kpi,
    count_matched (customers meeting the conditions), count_won (after priority: the customers
    this rule acts on; 0 if disabled), count_shadowed (matched but won by a higher rule or
    disabled), share_customers (count_won / count_customers), clv_at_stake_amount (sum of
    clv_amount over won customers, currency units).
    """

    rules: pd.DataFrame
    count_customers: int
    count_targeted: int  # customers won by some rule
    count_multi_matched: int  # customers matched by two or more enabled rules


def known_segments(cur: duckdb.DuckDBPyConnection) -> set[str]:
    """Segment names present in the snapshot, for rule validation warnings."""
    rows = cur.execute(
        "SELECT DISTINCT segment FROM customers WHERE segment IS NOT NULL"
    ).fetchall()
    return {row[0] for row in rows}


def rule_stats(cur: duckdb.DuckDBPyConnection, rules: list[Rule]) -> BoardStats:
    """Matched, won, share and CLV at stake per rule, in one scan of ``customers``."""
    sql, params = winners_sql(rules)
    columns = [
        "count(*)",
        "count(*) FILTER (WHERE winner_rule_id IS NOT NULL)",
        "count(*) FILTER (WHERE count_matched_rules >= 2)",
    ]
    for index, rule in enumerate(rules):
        columns += [
            f"count(*) FILTER (WHERE is_match_{index})",
            "count(*) FILTER (WHERE winner_rule_id = ?)",
            "coalesce(sum(clv_amount) FILTER (WHERE winner_rule_id = ?), 0)",
        ]
        params += [rule.rule_id, rule.rule_id]
    # the select list holds generated aggregates only; values are parameters
    query = f"WITH w AS ({sql}) SELECT {', '.join(columns)} FROM w"  # noqa: S608
    [row] = cur.execute(query, params).fetchall()
    total, targeted, multi, *per_rule = row
    frame = pd.DataFrame(
        [
            {
                "rule_id": r.rule_id,
                "priority": r.priority,
                "name": r.name,
                "enabled": r.enabled,
                "action": r.action,
                "channel": r.channel,
                "offer": r.offer,
                "kpi": r.kpi,
                "count_matched": per_rule[3 * i],
                "count_won": per_rule[3 * i + 1],
                "count_shadowed": per_rule[3 * i] - per_rule[3 * i + 1],
                "share_customers": per_rule[3 * i + 1] / total if total else 0.0,
                "clv_at_stake_amount": float(per_rule[3 * i + 2]),
            }
            for i, r in enumerate(rules)
        ],
        columns=[
            "rule_id",
            "priority",
            "name",
            "enabled",
            "action",
            "channel",
            "offer",
            "kpi",
            "count_matched",
            "count_won",
            "count_shadowed",
            "share_customers",
            "clv_at_stake_amount",
        ],
    )
    return BoardStats(frame, int(total), int(targeted), int(multi))


def rule_overlap(cur: duckdb.DuckDBPyConnection, rules: list[Rule]) -> pd.DataFrame:
    """Customers matched by both rules of each pair: rule_a, rule_b (names), count_customers."""
    pairs = [(i, j) for i in range(len(rules)) for j in range(i + 1, len(rules))]
    if not pairs:
        return pd.DataFrame(columns=["rule_a", "rule_b", "count_customers"])
    sql, params = winners_sql(rules)
    columns = ", ".join(f"count(*) FILTER (WHERE is_match_{i} AND is_match_{j})" for i, j in pairs)
    query = f"WITH w AS ({sql}) SELECT {columns} FROM w"  # noqa: S608
    [row] = cur.execute(query, params).fetchall()
    return pd.DataFrame(
        [(rules[i].name, rules[j].name, int(n)) for (i, j), n in zip(pairs, row, strict=True)],
        columns=["rule_a", "rule_b", "count_customers"],
    )


def audience_baseline(
    cur: duckdb.DuckDBPyConnection,
    rules: list[Rule],
    rule_id: int,
    window_days: int = BASELINE_WINDOW_DAYS,
) -> dict[str, Any]:
    """Inputs for experiment design, over the customers ``rule_id`` wins now.

    Over the last ``window_days`` days up to the as-of date: conversion (share of the audience
    with an order), gmv_mean / gmv_std per customer (zeros included, currency units), and
    eligible_per_day (audience members active in the window ÷ window_days). Keys also:
    audience_size, window_days.
    """
    sql, params = winners_sql(rules)
    query = f"""
        WITH w AS ({sql}),
        audience AS (SELECT customer_id FROM w WHERE winner_rule_id = ?),
        bounds AS (
            SELECT CAST(max(as_of_date) AS TIMESTAMP) + INTERVAL 1 DAY AS end_at,
                   CAST(max(as_of_date) AS TIMESTAMP) + INTERVAL 1 DAY
                       - to_days(CAST(? AS INTEGER)) AS start_at
            FROM refresh_info
        ),
        per_customer AS (
            SELECT a.customer_id,
                   count(DISTINCT o.order_id) AS count_orders,
                   coalesce(sum(o.line_amount), 0) AS gmv_amount
            FROM audience AS a
            CROSS JOIN bounds AS b
            LEFT JOIN order_lines AS o
              ON o.customer_id = a.customer_id
             AND o.ordered_at >= b.start_at AND o.ordered_at < b.end_at
            GROUP BY a.customer_id
        ),
        active AS (
            SELECT count(*) AS count_active
            FROM audience AS a
            JOIN customers AS c USING (customer_id)
            CROSS JOIN bounds AS b
            WHERE c.last_event_at >= b.start_at AND c.last_event_at < b.end_at
        )
        SELECT count(*), avg(CAST(count_orders > 0 AS DOUBLE)), avg(gmv_amount),
               stddev_samp(gmv_amount), any_value(count_active)
        FROM per_customer CROSS JOIN active
    """  # noqa: S608 -- compiled rule SQL with parameters only
    [(size, conversion, gmv_mean, gmv_std, active)] = cur.execute(
        query, [*params, rule_id, int(window_days)]
    ).fetchall()
    return {
        "audience_size": int(size),
        "conversion": float(conversion) if conversion is not None else float("nan"),
        "gmv_mean": float(gmv_mean) if gmv_mean is not None else float("nan"),
        "gmv_std": float(gmv_std) if gmv_std is not None else float("nan"),
        "eligible_per_day": (active or 0) / window_days,
        "window_days": int(window_days),
    }


def _has_table(cur: duckdb.DuckDBPyConnection, name: str) -> bool:
    sql = "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?"
    [(count,)] = cur.execute(sql, [name]).fetchall()
    return count > 0


RESULT_COLUMNS = [
    "campaign_id",
    "name",
    "status",
    "measured_until_at",
    "metric",
    "n_control",
    "n_treatment",
    "control_mean",
    "treatment_mean",
    "abs_lift",
    "abs_ci_low",
    "abs_ci_high",
    "rel_lift",
    "rel_ci_low",
    "rel_ci_high",
    "p_value",
    "srm_p_value",
    "is_srm",
]


def campaign_results(
    cur: duckdb.DuckDBPyConnection, campaign_id: str | None = None
) -> pd.DataFrame:
    """Measured results per campaign × metric (``RESULT_COLUMNS``); empty before a refresh."""
    if not _has_table(cur, "campaign_results"):
        return pd.DataFrame(columns=RESULT_COLUMNS)
    return cur.execute(
        f"""
        SELECT {
            ", ".join(
                "r." + c if c not in ("name", "status", "measured_until_at") else "c." + c
                for c in RESULT_COLUMNS
            )
        }
        FROM campaign_results AS r JOIN campaigns AS c USING (campaign_id)
        WHERE ? IS NULL OR r.campaign_id = ?
        ORDER BY c.launched_at DESC, r.campaign_id,
                 CASE r.metric WHEN 'conversion' THEN 1 WHEN 'orders_per_customer' THEN 2 ELSE 3 END
        """,  # noqa: S608 -- fixed column list
        [campaign_id, campaign_id],
    ).df()


def campaign_group_summary(cur: duckdb.DuckDBPyConnection, campaign_id: str) -> pd.DataFrame:
    """Per group of a measured campaign: count_customers, conversion, orders/GMV per customer."""
    columns = [
        "group_name",
        "count_customers",
        "conversion",
        "orders_per_customer",
        "gmv_per_customer",
    ]
    if not _has_table(cur, "campaign_outcomes"):
        return pd.DataFrame(columns=columns)
    return cur.execute(
        """
        SELECT group_name, count(*) AS count_customers,
               avg(CAST(is_converted AS DOUBLE)) AS conversion,
               avg(count_orders) AS orders_per_customer,
               avg(gmv_amount) AS gmv_per_customer
        FROM campaign_outcomes WHERE campaign_id = ?
        GROUP BY group_name ORDER BY group_name DESC
        """,
        [campaign_id],
    ).df()


def campaign_list(db: Path) -> pd.DataFrame:
    """Every campaign from the ops store (live), newest first, with group counts."""
    return campaigns.list_campaigns(db)


def audit_entries(db: Path, limit: int = 200) -> pd.DataFrame:
    """The latest audit log rows (launches and exports), newest first."""
    return campaigns.audit_log(db, limit)


def measurement_cutoff(cur: duckdb.DuckDBPyConnection) -> pd.Timestamp | None:
    """The first instant after the snapshot's as-of day (outcomes are counted before it)."""
    [(as_of,)] = cur.execute("SELECT max(as_of_date) FROM refresh_info").fetchall()
    return None if as_of is None else pd.Timestamp(as_of) + pd.Timedelta(days=1)


def campaign_overview(cur: duckdb.DuckDBPyConnection, db: Path) -> pd.DataFrame:
    """Every campaign of the ops store (live, newest first) with its state in this snapshot.

    Columns: those of ``campaign_list`` plus ``status`` — 'scheduled' (launched at or after the
    snapshot's cutoff: no data after the launch yet), 'running' (ends after the cutoff) or
    'completed', the rule the refresh applies (``steps.campaign_outcomes``), here also for
    campaigns launched after the refresh — and ``is_measured`` (the snapshot holds its results).
    """
    frame = campaign_list(db)
    cutoff = measurement_cutoff(cur)
    measured = set(campaign_results(cur)["campaign_id"])
    launched = pd.to_datetime(frame["launched_at"])
    ends = pd.to_datetime(frame["ends_at"])
    if cutoff is None:
        frame["status"] = "scheduled"
    else:
        frame["status"] = np.select(
            [launched >= cutoff, ends > cutoff], ["scheduled", "running"], "completed"
        )
    frame["is_measured"] = frame["campaign_id"].isin(measured) & (frame["status"] != "scheduled")
    return frame
