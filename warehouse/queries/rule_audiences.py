"""Rule audiences from stored per-snapshot arrays: the board's figures without a scan per click.

A published snapshot never changes, so what a rule's conditions select in it never changes
either. Per snapshot file this module keeps, in memory and in the order of one scan of
``customers``: each customer's segment (as a code), CLV and last event time, and per set of
conditions (a rule's, whatever its priority, name or on/off state) which customers match them,
computed once by the compiled SQL of ``warehouse.commands``. Priorities — who wins — are then
applied with numpy in milliseconds, so moving, switching or renaming a rule costs no scan, and
editing one rule's conditions scans for that rule only. What the rules grid and the experiment
design read of the winners — per rule: matched, won, CLV at stake, the segment mix and the days of
last activity of the customers it wins (``audience_summary``) — is kept per set of rules, so a
design click after the grid has drawn costs no pass over the customers. Per-segment baselines of
the experiment design (``segment_baselines``) are kept the same way, per segment.

Rows are matched by position: every array comes from a plain scan of the ``customers`` view
without joins or aggregates, whose order DuckDB keeps (``preserve_insertion_order``, on by
default), and each flag array is checked to have the length of the base arrays.
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from warehouse.commands import Rule
from warehouse.commands.rules.compiler import Thresholds, compile_conditions
from warehouse.commands.rules.model import RuleError
from warehouse.schema.customers import CUSTOMERS_VIEW
from warehouse.schema.fields import FieldCatalogue

# Memory: 20 bytes per customer for the base arrays and 1 per customer per condition set kept
# (about 0.3 GB + 16 × 14 MB at scale 10, 14 M customers), so only the current snapshot is kept.
SNAPSHOTS_KEPT = 1
CONDITION_SETS_KEPT = 16  # per snapshot: the rules and their recent edits
RULE_SETS_KEPT = 16  # per snapshot: audience summaries (a few KB each)
_DAY_US = 86_400_000_000


@dataclass(frozen=True)
class AudienceSummary:
    """What each rule (by its position in the rules given, in priority order) reaches in one
    snapshot: a few numbers per rule instead of an array per customer."""

    count_customers: int
    count_targeted: int  # customers won by some rule
    count_multi_matched: int  # customers matched by two or more enabled rules
    count_matched: np.ndarray  # per rule: customers meeting its conditions
    count_won: np.ndarray  # per rule: customers it acts on after priority (0 if disabled)
    won_clv: np.ndarray  # per rule: sum of the known clv_amount of the customers it wins
    segment_counts: np.ndarray  # rule × segment code: customers won (see SnapshotArrays)
    last_event_days: np.ndarray  # rule × day: customers won whose last event fell on that day
    first_day: int  # the day (since the epoch) of column 0 of last_event_days

    def count_active(self, position: int, since_us: int, until_us: int) -> int:
        """Customers won by rule ``position`` whose last event is in [since_us, until_us);
        both bounds are midnights (microseconds since the epoch), as the as-of cut-off is."""
        if since_us % _DAY_US or until_us % _DAY_US:
            raise ValueError("activity is counted between midnights")
        days = self.last_event_days[position]
        low = max(since_us // _DAY_US - self.first_day, 0)
        high = min(until_us // _DAY_US - self.first_day, len(days))
        return int(days[low:high].sum()) if high > low else 0


@dataclass
class SnapshotArrays:
    """One snapshot's customers as arrays in scan order, and what was computed on them."""

    segments: list[str]  # code i + 1 is segments[i]; code 0 is a customer without segment
    segment_codes: np.ndarray
    clv_amount: np.ndarray  # NaN where unknown
    last_event_us: np.ndarray  # microseconds since the epoch; INT64_MIN where unknown
    flags: OrderedDict[str, np.ndarray] = field(default_factory=OrderedDict)
    summaries: OrderedDict[tuple, AudienceSummary] = field(default_factory=OrderedDict)
    baselines: dict[tuple[int, str], dict[str, float]] = field(default_factory=dict)
    period_ends: dict[int, Any] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.segment_codes)


_snapshots: OrderedDict[tuple[str, int, int], SnapshotArrays] = OrderedDict()
# The server answers requests on several threads: one computes what another then reads.
_lock = threading.RLock()
_UNKNOWN_TIME = np.iinfo(np.int64).min


def _snapshot_key(cur: duckdb.DuckDBPyConnection) -> tuple[str, int, int]:
    """The snapshot file (with its size and modification time, so that a file rewritten in
    place is never mistaken for the one read before)."""
    [(path,)] = cur.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()
    stat = os.stat(path) if path and os.path.exists(path) else None
    return str(path), stat.st_size if stat else 0, stat.st_mtime_ns if stat else 0


def snapshot_arrays(cur: duckdb.DuckDBPyConnection) -> SnapshotArrays:
    """The arrays of the snapshot ``cur`` reads, loaded on first use."""
    with _lock:
        return _snapshot_arrays(cur)


def _snapshot_arrays(cur: duckdb.DuckDBPyConnection) -> SnapshotArrays:
    key = _snapshot_key(cur)
    if key in _snapshots:
        _snapshots.move_to_end(key)
        return _snapshots[key]
    [(names,)] = cur.execute(
        f"SELECT list(DISTINCT segment ORDER BY segment) FILTER (WHERE segment IS NOT NULL) "  # noqa: S608
        f"FROM {CUSTOMERS_VIEW}"
    ).fetchall()
    names = list(names or [])
    code = "CAST(coalesce(list_position(CAST(? AS VARCHAR[]), segment), 0) AS INTEGER)"
    last = f"coalesce(epoch_us(last_event_at), {_UNKNOWN_TIME})"
    # a constant view name and a constant number; the segment names are a parameter
    query = f"SELECT {code} AS code, CAST(clv_amount AS DOUBLE) AS clv, {last} AS last_us FROM {CUSTOMERS_VIEW}"  # noqa: E501, S608
    columns = cur.execute(query, [names]).fetchnumpy()
    arrays = SnapshotArrays(
        segments=names,
        segment_codes=np.asarray(columns["code"], dtype=np.int32),
        clv_amount=np.asarray(np.ma.filled(columns["clv"], np.nan), dtype=np.float64),
        last_event_us=np.asarray(columns["last_us"], dtype=np.int64),
    )
    _snapshots[key] = arrays
    while len(_snapshots) > SNAPSHOTS_KEPT:
        _snapshots.popitem(last=False)
    return arrays


def clear() -> None:
    """Forget every snapshot's arrays (the next read scans again)."""
    with _lock:
        _snapshots.clear()


def _condition_key(conditions: Any) -> str:
    return json.dumps(conditions, sort_keys=True, default=str)


def rule_flags(cur: duckdb.DuckDBPyConnection, rule: Rule, fields: FieldCatalogue
               ) -> np.ndarray:
    """Which customers meet ``rule``'s conditions (bool per customer, in scan order)."""
    with _lock:
        return _rule_flags(cur, rule, fields)


def _rule_flags(cur: duckdb.DuckDBPyConnection, rule: Rule, fields: FieldCatalogue
                ) -> np.ndarray:
    arrays = _snapshot_arrays(cur)
    key = _condition_key(rule.conditions)
    if key in arrays.flags:
        arrays.flags.move_to_end(key)
        return arrays.flags[key]
    thresholds = Thresholds()
    try:
        condition, params = compile_conditions(rule.conditions, thresholds, fields)
    except RuleError as error:
        raise RuleError(f"rule {rule.name!r} cannot be evaluated: {error}") from None
    # compiled conditions and generated aliases only; every value is a parameter
    query = (f"WITH thresholds AS ({thresholds.sql()}) "  # noqa: S608
             f"SELECT {condition} AS is_match FROM {CUSTOMERS_VIEW} CROSS JOIN thresholds")
    flags = np.asarray(cur.execute(query, [*thresholds.params, *params]).fetchnumpy()["is_match"],
                       dtype=bool)
    if len(flags) != arrays.size:  # the snapshot cannot change; a mismatch is a bug, not data
        raise RuntimeError(f"rule flags have {len(flags)} rows, the customers {arrays.size}")
    arrays.flags[key] = flags
    while len(arrays.flags) > CONDITION_SETS_KEPT:
        arrays.flags.popitem(last=False)
    return flags


@dataclass(frozen=True)
class Winners:
    """Per customer: the winning rule's position in ``rules`` (−1: none), how many enabled
    rules match, and each rule's matches."""

    winner: np.ndarray
    count_matched: np.ndarray
    flags: list[np.ndarray]


def winners(cur: duckdb.DuckDBPyConnection, rules: list[Rule], fields: FieldCatalogue
            ) -> Winners:
    """The highest-priority enabled matching rule of every customer (``rules`` in priority
    order), as ``warehouse.commands.winners_sql`` decides it."""
    arrays = snapshot_arrays(cur)
    flags = [rule_flags(cur, rule, fields) for rule in rules]
    winner = np.full(arrays.size, -1, dtype=np.int32)
    count = np.zeros(arrays.size, dtype=np.int32)
    for index, (rule, matched) in enumerate(zip(rules, flags, strict=True)):
        if not rule.enabled:
            continue
        count += matched
        winner[(winner < 0) & matched] = index
    return Winners(winner, count, flags)


def audience_summary(cur: duckdb.DuckDBPyConnection, rules: list[Rule], fields: FieldCatalogue
                     ) -> AudienceSummary:
    """Per rule of ``rules`` (in priority order): what it matches and wins, computed once per
    set of rules (their conditions and on/off states, in order) in this snapshot."""
    with _lock:
        arrays = _snapshot_arrays(cur)
        key = tuple((_condition_key(r.conditions), bool(r.enabled)) for r in rules)
        if key in arrays.summaries:
            arrays.summaries.move_to_end(key)
            return arrays.summaries[key]
        summary = _summarise(arrays, winners(cur, rules, fields), len(rules))
        arrays.summaries[key] = summary
        while len(arrays.summaries) > RULE_SETS_KEPT:
            arrays.summaries.popitem(last=False)
        return summary


def _summarise(arrays: SnapshotArrays, found: Winners, count_rules: int) -> AudienceSummary:
    won = found.winner >= 0
    position = found.winner[won]
    width = len(arrays.segments) + 1
    segment_counts = np.bincount(position.astype(np.int64) * width + arrays.segment_codes[won],
                                 minlength=count_rules * width).reshape(count_rules, width)
    last = arrays.last_event_us[won]
    known = last != _UNKNOWN_TIME
    days = last[known] // _DAY_US
    first_day = int(days.min()) if len(days) else 0
    span = int(days.max()) - first_day + 1 if len(days) else 1
    last_event_days = np.bincount(position[known].astype(np.int64) * span + (days - first_day),
                                  minlength=count_rules * span).reshape(count_rules, span)
    return AudienceSummary(
        count_customers=arrays.size,
        count_targeted=int(won.sum()),
        count_multi_matched=int((found.count_matched >= 2).sum()),
        count_matched=np.array([int(f.sum()) for f in found.flags], dtype=np.int64),
        count_won=np.bincount(position, minlength=count_rules),
        won_clv=np.bincount(position, weights=np.nan_to_num(arrays.clv_amount[won]),
                            minlength=count_rules),
        segment_counts=segment_counts,
        last_event_days=last_event_days,
        first_day=first_day,
    )


def segment_baselines(
    cur: duckdb.DuckDBPyConnection, segments: list[str], window_days: int, cutoff: pd.Timestamp
) -> tuple[Any, pd.DataFrame]:
    """(P, per segment): the latest ``segment_snapshots`` period end P whose following
    ``window_days`` end before ``cutoff``, and for each of ``segments`` present at P its
    customers, the share of them with an order in those days and the mean and mean square of
    their GMV in them (zeros included). P is None and the frame empty without such a period
    end. Each segment is computed once per snapshot."""
    with _lock:
        return _segment_baselines(cur, segments, window_days, cutoff)


def _segment_baselines(
    cur: duckdb.DuckDBPyConnection, segments: list[str], window_days: int, cutoff: pd.Timestamp
) -> tuple[Any, pd.DataFrame]:
    arrays = _snapshot_arrays(cur)
    window = int(window_days)
    moment = cutoff.to_pydatetime()
    if window not in arrays.period_ends:
        [(period_end,)] = cur.execute(
            "SELECT max(period_end) FROM segment_sizes "
            "WHERE CAST(period_end AS TIMESTAMP) + INTERVAL 1 DAY "
            "      <= CAST(? AS TIMESTAMP) - to_days(CAST(? AS INTEGER))", [moment, window]
        ).fetchall()
        arrays.period_ends[window] = period_end
    period_end = arrays.period_ends[window]
    missing = [s for s in segments if (window, s) not in arrays.baselines]
    if missing and period_end is not None:
        computed = cur.execute(
            """
            WITH cohort AS (
                SELECT customer_id, segment,
                       CAST(period_end AS TIMESTAMP) + INTERVAL 1 DAY AS start_at
                FROM segment_snapshots
                WHERE period_end = ? AND list_contains(CAST(? AS VARCHAR[]), segment)
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
            )
            SELECT segment, count(*) AS customers,
                   avg(CAST(count_orders > 0 AS DOUBLE)) AS conversion,
                   avg(gmv_amount) AS gmv_mean, avg(gmv_amount * gmv_amount) AS gmv_square
            FROM per_customer GROUP BY segment
            """, [period_end, missing, window]).df()
        found = {row.segment: row._asdict() for row in computed.itertuples(index=False)}
        for segment in missing:  # absent at P: remembered as absent
            arrays.baselines[(window, segment)] = found.get(segment, {})
    rows = [arrays.baselines.get((window, s), {}) for s in segments]
    frame = pd.DataFrame([r for r in rows if r],
                         columns=["segment", "customers", "conversion", "gmv_mean", "gmv_square"])
    return period_end, frame
