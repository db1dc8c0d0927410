"""The item propensity model's rows at consecutive cut-offs, point in time.

Cut-offs step back from the end of the data by the horizon H: the test window is the last H days,
the validation window the H days before it, and ``train_periods`` training windows before that,
each [T, T + H). Windows never overlap and each model only sees cut-offs whose label window ends
before the window it is judged on.

At a cut-off T the four feature sets ``warehouse/sql/features/promote_*.sql`` are built over the
published snapshot's ``order_lines`` cut at T and the staging views of the warehouse (events,
catalogue) at T; the labels (``warehouse/sql/labels/promote_labels.sql``) are the (customer, item)
pairs bought in a basket of at least N items in [T, T + H). Cutting the published lines at T gives
the lines the refresh would have built at T (an order's lines share its time), except for one
thing documented in docs/METHODS.md: a RetailRocket purchase made before its item's first price
record takes the earliest price known to the refresh. Rebuilding ``order_lines`` at every cut-off
would cost about 10 s per cut-off at the grocery demo's scale.

Rows are customer × candidate item for the customers with an order before T. Candidate items are
drawn (seeded) among those with at least ``min_item_buyers`` buyers in the 28 days before T.
Evaluation rows keep every customer of every drawn item. Training rows keep every positive and
every pair with history (bought, viewed or carted before T) and a random ``negative_rate`` of the
other pairs, weighted 1 / ``negative_rate`` so the fitted probabilities stay those of the whole
population.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from warehouse.features import feature_query, open_raw
from warehouse.identifiers import check_identifier
from warehouse.promote import settings as defaults
from warehouse.schema.promote import FEATURE_TABLES, rows_sql
from warehouse.snapshots import NoSnapshotError, current_snapshot
from warehouse.sql.runner import SQL_DIR, build_staging_views, read_query

LABELS_SQL = SQL_DIR / "labels" / "promote_labels.sql"
HASH_RANGE = 1_000_000


@dataclass(frozen=True)
class PromoteSettings:
    """What the job is asked to do; defaults in ``warehouse.promote.settings``."""

    min_basket: int = defaults.DEFAULT_MIN_BASKET
    horizon_days: int = defaults.DEFAULT_HORIZON_DAYS
    train_periods: int = defaults.TRAIN_PERIODS
    train_items: int = defaults.TRAIN_ITEMS
    eval_items: int = defaults.EVAL_ITEMS
    min_item_buyers: int = defaults.MIN_ITEM_BUYERS
    negative_rate: float = defaults.NEGATIVE_RATE
    seed: int = defaults.SEED

    def __post_init__(self) -> None:
        if self.min_basket < 1 or self.horizon_days < 1:
            raise ValueError(f"the basket size and horizon must be at least 1, got "
                             f"{self.min_basket} items and {self.horizon_days} days")
        if self.train_periods < 1 or self.train_items < 1 or self.eval_items < 1:
            raise ValueError("training periods and item counts must be at least 1")
        if not 0 < self.negative_rate <= 1:
            raise ValueError(f"negative_rate must be in (0, 1], got {self.negative_rate}")


@dataclass(frozen=True)
class Cutoffs:
    train: tuple[datetime, ...]  # oldest first
    validation: datetime
    test: datetime
    data_end: datetime  # the first instant the data does not cover

    def describe(self) -> str:
        return (f"train {', '.join(f'{t:%Y-%m-%d}' for t in self.train)}; validation "
                f"{self.validation:%Y-%m-%d}; test {self.test:%Y-%m-%d} (data ends "
                f"{self.data_end:%Y-%m-%d})")


def plan_cutoffs(first_at: datetime, data_end: datetime, settings: PromoteSettings) -> Cutoffs:
    """The cut-offs for data from ``first_at`` up to (not including) ``data_end``: as many of
    ``train_periods`` training windows as leave ``MIN_HISTORY_DAYS`` of history before the
    first. ValueError when not even one fits."""
    h = timedelta(days=settings.horizon_days)
    test = data_end - h
    validation = test - h
    train = [validation - k * h for k in range(settings.train_periods, 0, -1)]
    earliest = first_at + timedelta(days=defaults.MIN_HISTORY_DAYS)
    train = [t for t in train if t >= earliest]
    if not train:
        span = (data_end - first_at).days
        raise ValueError(
            f"the data spans {span} days: too short for a training, a validation and a test "
            f"window of {settings.horizon_days} days after {defaults.MIN_HISTORY_DAYS} days of "
            f"history (at least {defaults.MIN_HISTORY_DAYS + 3 * settings.horizon_days} days)")
    return Cutoffs(tuple(train), validation, test, data_end)


def _set(con: duckdb.DuckDBPyConnection, name: str, value: object, sql_type: str) -> None:
    con.execute(f"SET VARIABLE {name} = CAST(? AS {sql_type})", [value])  # a code constant


def point_at(con: duckdb.DuckDBPyConnection, cutoff: datetime) -> None:
    """Cut the staging views and ``order_lines`` of ``con`` at ``cutoff`` (naive UTC)."""
    _set(con, "cutoff_at", cutoff, "TIMESTAMP")
    _set(con, "cutoff_ms", int((cutoff - datetime(1970, 1, 1)).total_seconds() * 1000), "BIGINT")


def build_feature_tables(con: duckdb.DuckDBPyConnection, *, into: str | None = None,
                         for_lookups: bool = True) -> None:
    """The four promote feature sets as tables named by ``FEATURE_TABLES``, at the cut-off the
    connection's views are pointed at: temporary tables, or tables of the attached database
    ``into``; ``for_lookups``: the pair and category tables sorted, so that one item's rows are
    read without scanning the others (the stored tables)."""
    if into is not None:
        check_identifier(into, "database")
    kind = "TEMP TABLE " if into is None else f"TABLE {into}."
    order = {"promote_customer_items": " ORDER BY item_id, customer_id",
             "promote_customer_categories": " ORDER BY category, customer_id"
             } if for_lookups else {}
    for name, table in FEATURE_TABLES.items():
        con.execute(f"CREATE OR REPLACE {kind}{table} AS "  # noqa: S608 -- code constants
                    f"SELECT * FROM ({feature_query(name)}){order.get(name, '')}")


# The training rows' (customer, candidate item) pairs: every positive, every pair with history
# (a row of the pair table: bought, viewed or carted) and a seeded ``$rate`` of all the pairs.
SAMPLED_KEYS_SQL = f"""
CREATE OR REPLACE TEMP TABLE promote_keys AS
SELECT c.customer_id, k.item_id
FROM promote_customer_features AS c CROSS JOIN promote_candidates AS k
WHERE hash(c.customer_id || '|' || k.item_id || $salt) % {HASH_RANGE} < $rate * {HASH_RANGE}
UNION
SELECT customer_id, item_id FROM promote_customer_item_features
WHERE item_id IN (SELECT item_id FROM promote_candidates)
UNION
SELECT customer_id, item_id FROM promote_labels
WHERE item_id IN (SELECT item_id FROM promote_candidates)
"""  # noqa: S608 -- code constants


class PeriodData:
    """The warehouse (staging views) and the published snapshot (``order_lines``) of ``db`` on
    one connection, pointed at one cut-off at a time. Use as a context manager."""

    def __init__(self, db: Path, settings: PromoteSettings) -> None:
        self.db = Path(db)
        self.settings = settings
        snapshot = current_snapshot(self.db)
        if snapshot is None:
            raise NoSnapshotError(f"nothing is published for {self.db}: run python app.py "
                                  f"refresh --db {self.db} first")
        self.snapshot = snapshot

    @contextmanager
    def open(self) -> Iterator[PeriodData]:
        with open_raw(self.db) as con:
            con.execute("ATTACH ? AS snap (READ_ONLY)", [str(self.snapshot)])
            _set(con, "promote_min_basket", self.settings.min_basket, "INTEGER")
            _set(con, "promote_horizon_days", self.settings.horizon_days, "INTEGER")
            point_at(con, datetime(1970, 1, 1))
            build_staging_views(con)
            con.execute("CREATE TEMP VIEW order_lines AS SELECT * FROM snap.order_lines "
                        "WHERE ordered_at < getvariable('cutoff_at')")
            self.con = con
            self._features_at: datetime | None = None
            try:
                yield self
            finally:
                del self.con

    def bounds(self) -> tuple[datetime, datetime, int, int]:
        """First order time, the end of the data (midnight after the last event date), and the
        numbers of orders and of large-basket orders in the published lines."""
        first, orders, large = self.con.execute(
            "SELECT min(ordered_at), count(DISTINCT order_id), "
            "count(DISTINCT order_id) FILTER (WHERE basket_size >= ?) FROM snap.order_lines",
            [self.settings.min_basket]).fetchone() or (None, 0, 0)
        [(last,)] = self.con.execute(
            "SELECT max(last_event_date) FROM snap.refresh_info").fetchall()
        if first is None or last is None:
            raise ValueError(f"{self.db} holds no orders to learn from")
        return first, datetime.combine(last + timedelta(days=1), datetime.min.time()), \
            int(orders), int(large)

    def rows(self, cutoff: datetime, n_items: int, *, sample: bool) -> pd.DataFrame:
        """Rows at ``cutoff`` (see the module's docstring): the raw columns of
        ``analytics.propensity.design``, customer_id, item_id, label (0/1) and weight."""
        con, s = self.con, self.settings
        point_at(con, cutoff)
        if self._features_at != cutoff:  # the training and evaluation rows of one cut-off
            build_feature_tables(con, for_lookups=False)
            point_at(con, cutoff + timedelta(days=s.horizon_days))
            _set(con, "promote_label_start", cutoff, "TIMESTAMP")
            con.execute(f"CREATE OR REPLACE TEMP TABLE promote_labels AS "
                        f"{read_query(LABELS_SQL)}")
            point_at(con, cutoff)
            self._features_at = cutoff
        salt = f"{s.seed}:{cutoff:%Y%m%d}"
        con.execute(
            "CREATE OR REPLACE TEMP TABLE promote_candidates AS SELECT item_id "
            "FROM promote_item_features WHERE count_buyers_28d >= ? "
            "ORDER BY hash(item_id || ?), item_id LIMIT ?",
            [s.min_item_buyers, salt, n_items])
        tables = ("promote_customer_features", "promote_item_features",
                  "promote_customer_item_features", "promote_customer_category_features",
                  "promote_candidates")
        if not sample:
            rows = rows_sql(*tables)
            weight, params = "1.0", {}
        else:  # the kept pairs first, so that only they are joined to their features
            con.execute(SAMPLED_KEYS_SQL, {"salt": salt, "rate": s.negative_rate})
            params = {"rate": s.negative_rate}
            rows = rows_sql(*tables, keys="promote_keys")
            weight = ("CASE WHEN l.customer_id IS NOT NULL OR r.count_bought IS NOT NULL "
                      "THEN 1.0 ELSE 1.0 / $rate END")
        query = (f"SELECT r.*, CAST(l.customer_id IS NOT NULL AS INTEGER) AS label, "  # noqa: S608
                 f"{weight} AS weight FROM ({rows}) AS r LEFT JOIN promote_labels AS l "
                 "ON l.customer_id = r.customer_id AND l.item_id = r.item_id "
                 "ORDER BY r.item_id, r.customer_id")  # a fixed order: SGD's passes follow it
        return con.execute(query, params).df()
