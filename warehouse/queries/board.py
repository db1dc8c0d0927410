"""Read queries for the Segment→Action board, on a snapshot cursor (and the ops store by ``db``).

Rule figures are evaluated on the snapshot's ``customers`` with the rules as stored now, so the
board shows what a launch would freeze; which customers each rule's conditions select is stored
per snapshot (``rule_audiences``), so priorities and edits of other rules cost no scan. Campaign
lists and the audit log come from the ops store (always current); measured results come from the
snapshot (as of its refresh).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from warehouse.clock import cutoff_after
from warehouse.commands import Rule, list_campaigns
from warehouse.queries import rule_audiences
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
    """Matched, won, share and CLV at stake per rule, from the snapshot's stored rule matches
    (``rule_audiences``: a scan only for conditions not seen before in this snapshot)."""
    summary = rule_audiences.audience_summary(cur, rules, read_field_catalogue(cur))
    total = summary.count_customers
    rows = []
    for i, r in enumerate(rules):
        matched, won = int(summary.count_matched[i]), int(summary.count_won[i])
        rows.append({
            "rule_id": r.rule_id, "priority": r.priority, "name": r.name, "enabled": r.enabled,
            "action": r.action, "channel": r.channel, "offer": r.offer, "kpi": r.kpi,
            "count_matched": matched, "count_won": won, "count_shadowed": matched - won,
            "share_customers": won / total if total else 0.0,
            "clv_at_stake_amount": float(summary.won_clv[i]),
        })
    frame = pd.DataFrame(rows, columns=[
        "rule_id", "priority", "name", "enabled", "action", "channel", "offer", "kpi",
        "count_matched", "count_won", "count_shadowed", "share_customers", "clv_at_stake_amount",
    ])
    return BoardStats(frame, total, summary.count_targeted, summary.count_multi_matched)


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
    The audience's segment mix and activity come from the rules' summary the rules grid reads,
    and segment baselines are stored per snapshot (``rule_audiences``): no pass over customers
    once the grid has drawn.
    """
    cutoff = measurement_cutoff(cur)
    if cutoff is None:
        raise ValueError("the snapshot has no as-of date (refresh_info is empty)")
    window = int(window_days)
    summary = rule_audiences.audience_summary(cur, rules, read_field_catalogue(cur))
    segments = rule_audiences.snapshot_arrays(cur).segments
    position = next((i for i, r in enumerate(rules) if r.rule_id == rule_id), None)
    counts = (summary.segment_counts[position] if position is not None
              else np.zeros(len(segments) + 1, dtype=np.int64))
    mix = pd.DataFrame({"segment": segments, "n": counts[1:]}).query("n > 0")
    cutoff_us = int(cutoff.value // 1000)
    count_active = (0 if position is None else summary.count_active(
        position, cutoff_us - window * 86_400_000_000, cutoff_us))
    period_end, per_segment = rule_audiences.segment_baselines(
        cur, mix["segment"].tolist(), window, cutoff)
    weighted = mix.merge(per_segment, on="segment", how="inner")
    weights = weighted["n"].sum()

    def average(column: str) -> float:
        if not weights:
            return float("nan")
        return float((weighted["n"] * weighted[column]).sum() / weights)

    gmv_mean, gmv_square = average("gmv_mean"), average("gmv_square")
    return {
        "audience_size": int(counts.sum()),
        "conversion": average("conversion"),
        "gmv_mean": gmv_mean,
        "gmv_std": math.sqrt(max(gmv_square - gmv_mean ** 2, 0.0)),
        "baseline_period_end": period_end,
        "cohort_size": int(weighted["customers"].sum()),
        "eligible_per_day": count_active / window,
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
