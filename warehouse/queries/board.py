"""Read queries for the Segment→Action board, on a snapshot cursor (and the ops store by ``db``).

Rule figures are evaluated live on the snapshot's ``customers`` with the rules as stored now, so
the board shows what a launch would freeze. Campaign lists and the audit log come from the ops
store (always current); measured results come from the snapshot (as of its refresh).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from warehouse.clock import cutoff_after
from warehouse.commands import Rule, list_campaigns, winners_sql
from warehouse.schema.fields import read_field_catalogue

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
        "SELECT segment FROM segment_summary WHERE customers > 0"
    ).fetchall()
    return {row[0] for row in rows}


def rule_stats(cur: duckdb.DuckDBPyConnection, rules: list[Rule]) -> BoardStats:
    """Matched, won, share and CLV at stake per rule, in one scan of ``customers``."""
    sql, params = winners_sql(rules, read_field_catalogue(cur))
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


def audience_baseline(
    cur: duckdb.DuckDBPyConnection,
    rules: list[Rule],
    rule_id: int,
    window_days: int = BASELINE_WINDOW_DAYS,
) -> dict[str, Any]:
    """Inputs for experiment design: what the customers ``rule_id`` wins now would do untreated.

    Measuring them over the last ``window_days`` would be biased: the rule chose them by that
    window (a recency or P(alive) rule picks customers who did not buy lately, so their recent
    conversion is ~0 by construction). Instead the baseline comes from an earlier cohort: the
    customers in the audience's segments at the latest ``segment_snapshots`` period end P whose
    following ``window_days`` end before the snapshot's cutoff, with their orders in those days.
    Per segment: share with an order, mean and mean square of GMV per customer (zeros included);
    segments are weighted by their share of the audience. Keys: audience_size, conversion,
    gmv_mean, gmv_std (currency units; NaN when no period end is early enough),
    baseline_period_end (P or None), cohort_size (customers of those segments at P),
    eligible_per_day (audience members active in the last window ÷ window_days), window_days.
    """
    cutoff = measurement_cutoff(cur)
    if cutoff is None:
        raise ValueError("the snapshot has no as-of date (refresh_info is empty)")
    sql, params = winners_sql(rules, read_field_catalogue(cur))
    query = f"""
        WITH w AS ({sql}),
        audience AS (SELECT customer_id, segment FROM w WHERE winner_rule_id = ?),
        mix AS (SELECT segment, count(*) AS n FROM audience GROUP BY segment),
        period AS (
            SELECT max(period_end) AS period_end FROM segment_sizes
            WHERE CAST(period_end AS TIMESTAMP) + INTERVAL 1 DAY
                  <= CAST(? AS TIMESTAMP) - to_days(CAST(? AS INTEGER))
        ),
        cohort AS (
            SELECT s.customer_id, s.segment,
                   CAST(p.period_end AS TIMESTAMP) + INTERVAL 1 DAY AS start_at
            FROM segment_snapshots AS s
            JOIN period AS p ON s.period_end = p.period_end
            WHERE s.segment IN (SELECT segment FROM mix)
        ),
        per_customer AS (
            SELECT c.customer_id, any_value(c.segment) AS segment,
                   count(DISTINCT o.order_id) AS count_orders,
                   coalesce(sum(o.line_amount), 0) AS gmv_amount
            FROM cohort AS c
            LEFT JOIN order_lines AS o
              ON o.customer_id = c.customer_id AND o.ordered_at >= c.start_at
             AND o.ordered_at < c.start_at + to_days(CAST(? AS INTEGER))
            GROUP BY c.customer_id
        ),
        per_segment AS (
            SELECT segment, count(*) AS customers,
                   avg(CAST(count_orders > 0 AS DOUBLE)) AS conversion,
                   avg(gmv_amount) AS gmv_mean, avg(gmv_amount * gmv_amount) AS gmv_square
            FROM per_customer GROUP BY segment
        ),
        weighted AS (
            SELECT sum(m.n * s.conversion) / sum(m.n) AS conversion,
                   sum(m.n * s.gmv_mean) / sum(m.n) AS gmv_mean,
                   sum(m.n * s.gmv_square) / sum(m.n) AS gmv_square,
                   sum(s.customers) AS cohort_size
            FROM per_segment AS s JOIN mix AS m USING (segment)
        ),
        active AS (
            SELECT count(*) AS count_active
            FROM audience AS a JOIN customers AS c USING (customer_id)
            WHERE c.last_event_at >= CAST(? AS TIMESTAMP) - to_days(CAST(? AS INTEGER))
              AND c.last_event_at < CAST(? AS TIMESTAMP)
        )
        SELECT (SELECT count(*) FROM audience), w.conversion, w.gmv_mean, w.gmv_square,
               w.cohort_size,
               (SELECT period_end FROM period), (SELECT count_active FROM active)
        FROM weighted AS w
    """  # noqa: S608 -- compiled rule SQL with parameters only
    window = int(window_days)
    moment = cutoff.to_pydatetime()
    [(size, conversion, gmv_mean, gmv_square, cohort, period_end, active)] = cur.execute(
        query, [*params, rule_id, moment, window, window, moment, window, moment]
    ).fetchall()

    def number(value: Any) -> float:
        return float("nan") if value is None else float(value)

    return {
        "audience_size": int(size),
        "conversion": number(conversion),
        "gmv_mean": number(gmv_mean),
        "gmv_std": math.sqrt(max(number(gmv_square) - number(gmv_mean) ** 2, 0.0)),
        "baseline_period_end": period_end,
        "cohort_size": int(cohort or 0),
        "eligible_per_day": (active or 0) / window,
        "window_days": window,
    }


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
    """Measured results per campaign × metric (``RESULT_COLUMNS``)."""
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


def measurement_cutoff(cur: duckdb.DuckDBPyConnection) -> pd.Timestamp | None:
    """The first instant after the snapshot's as-of day (outcomes are counted before it)."""
    [(as_of,)] = cur.execute("SELECT max(as_of_date) FROM refresh_info").fetchall()
    return None if as_of is None else pd.Timestamp(cutoff_after(as_of))


def campaign_overview(
    cur: duckdb.DuckDBPyConnection, db: Path, ops_url: str | None = None
) -> pd.DataFrame:
    """Every campaign of the ops store (live, newest first) with its state in this snapshot.

    Columns: those of ``warehouse.commands.list_campaigns`` — with ``status`` at the snapshot's
    cutoff: 'scheduled' (launched at or after it: no data after the launch yet), 'running' (ends
    after it) or 'completed', the rule the refresh applies, here also for campaigns launched after
    the refresh — plus ``is_measured`` (the snapshot holds its results).
    """
    cutoff = measurement_cutoff(cur)
    frame = list_campaigns(db, None if cutoff is None else cutoff.to_pydatetime(),
                           ops_url=ops_url)
    measured = set(campaign_results(cur)["campaign_id"])
    frame["is_measured"] = frame["campaign_id"].isin(measured) & (frame["status"] != "scheduled")
    return frame
