"""Rules: validation, compilation over a real snapshot, priority resolution, storage, board stats.

The helpers ``write_snapshot`` and ``publish`` build real snapshot files for the campaign tests.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analytics.segments import segment_definitions
from tests.support.catalogue import refresh_catalogue, write_catalogue
from warehouse.commands import (
    Rule,
    RuleError,
    create_rule,
    delete_rule,
    launch_campaign,
    list_rules,
    move_rule,
    set_rule_enabled,
    winners_sql,
)
from warehouse.commands.default_rules import DEFAULT_RULES
from warehouse.commands.ops_store import open_ops
from warehouse.commands.rules import validate_conditions
from warehouse.pipeline.steps import campaign_outcomes
from warehouse.pipeline.steps.segment_snapshots import SNAPSHOTS_DDL, write_sizes_and_transitions
from warehouse.queries.board import (
    audience_baseline,
    campaign_overview,
    known_segments,
    measurement_cutoff,
    rule_stats,
)
from warehouse.schema.customers import SEGMENT_SUMMARY_TABLE
from warehouse.snapshots import (
    NoSnapshotError,
    current_snapshot,
    new_snapshot_path,
    publish_snapshot,
)
from warehouse.sql.runner import Materialization, build_model

CUSTOMER_COLUMNS = {
    "customer_id": "VARCHAR", "segment": "VARCHAR", "segment_kind": "VARCHAR",
    "cluster_name": "VARCHAR", "r_score": "INTEGER", "f_score": "INTEGER", "m_score": "INTEGER",
    "recency_days": "INTEGER", "frequency": "INTEGER", "monetary_amount": "DOUBLE",
    "count_views": "BIGINT", "count_cart_adds": "BIGINT", "is_single_visit": "BOOLEAN",
    "count_orders": "BIGINT",
    "gmv_amount": "DOUBLE", "cart_to_purchase_ratio": "DOUBLE", "first_event_at": "TIMESTAMP",
    "last_event_at": "TIMESTAMP", "last_purchase_at": "TIMESTAMP", "p_alive": "DOUBLE",
    "expected_purchases_90": "DOUBLE", "clv_amount": "DOUBLE",
}


FIELDS = refresh_catalogue()


def write_snapshot(
    path: Path,
    customers: pd.DataFrame,
    order_lines: list[tuple[str, str, str, float]] = (),
    as_of: str = "2015-06-30",
    segment_snapshots: list[tuple[str, str, str]] = (),
) -> Path:
    """A snapshot file with ``customers`` (missing columns NULL), ``order_lines`` given as
    (customer_id, order_id, ordered_at, line_amount), ``segment_snapshots`` as (period_end,
    customer_id, segment), ``segment_summary`` and ``refresh_info``."""
    con = duckdb.connect(str(path))
    try:
        columns = ", ".join(f"{name} {kind}" for name, kind in CUSTOMER_COLUMNS.items())
        con.execute(f"CREATE TABLE customers ({columns})")
        con.register("frame", customers)
        con.execute("INSERT INTO customers BY NAME SELECT * FROM frame")
        con.unregister("frame")
        con.execute(
            "CREATE TABLE order_lines (customer_id VARCHAR, order_id VARCHAR, ordered_at "
            "TIMESTAMP, line_amount DOUBLE, line_number INTEGER)"
        )
        for customer_id, order_id, ordered_at, amount in order_lines:
            con.execute("INSERT INTO order_lines VALUES (?, ?, ?, ?, 1)",
                        [customer_id, order_id, datetime.fromisoformat(ordered_at), amount])
        # The snapshot step's own tables and views; the given rows are stored as buyers' rows.
        con.execute(SNAPSHOTS_DDL)
        for row in segment_snapshots:
            con.execute("INSERT INTO snapshot_buyer_segments VALUES (?, ?, ?)", list(row))
        write_sizes_and_transitions(con)  # segment_sizes lists the period ends
        con.register("definitions", segment_definitions())
        con.execute("CREATE TABLE segment_definitions AS SELECT * FROM definitions")
        con.unregister("definitions")
        build_model(con, SEGMENT_SUMMARY_TABLE, Materialization.TABLE)  # as a refresh does
        con.execute("CREATE TABLE refresh_info AS SELECT CAST(? AS DATE) AS as_of_date", [as_of])
        write_catalogue(con)  # as the refresh writes it
    finally:
        con.close()
    return path


def publish(db: Path, customers: pd.DataFrame, **kwargs: object) -> Path:
    """Write a snapshot for warehouse ``db`` and make it the current one."""
    return publish_snapshot(db, write_snapshot(new_snapshot_path(db), customers, **kwargs))


def shop(n: int = 10) -> pd.DataFrame:
    """Customers c01..c<n>: frequency 1 except the last two (2, 3); monetary 10, 20, …"""
    ids = [f"c{i:02d}" for i in range(1, n + 1)]
    return pd.DataFrame({
        "customer_id": ids,
        "segment": ["Hibernating" if i % 2 else "Champions" for i in range(n)],  # c01, c03, …
        "segment_kind": "rfm",
        "frequency": [1] * (n - 2) + [2, 3],
        "monetary_amount": [10.0 * (i + 1) for i in range(n)],
        "recency_days": [100 - 10 * i for i in range(n)],
        "clv_amount": [float(i + 1) for i in range(n)],
    })


def matching(tmp_path: Path, customers: pd.DataFrame, conditions: list[dict]) -> list[str]:
    """Customers matching ``conditions``, evaluated as the board evaluates a rule."""
    path = write_snapshot(tmp_path / "snap.duckdb", customers)
    sql, params = winners_sql([rule("probe", conditions, rule_id=1)], FIELDS)
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(f"SELECT customer_id FROM ({sql}) WHERE is_match_0 ORDER BY 1",
                           params).fetchall()
    return [row[0] for row in rows]


def rule(name: str, conditions: list[dict], **kwargs: object) -> Rule:
    return Rule(name, conditions, "Action", "email", "Offer", "retention", **kwargs)


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        ([], "conditions are empty"),
        ([{"field": "shoe_size", "op": ">", "value": 3}], "unknown field 'shoe_size'"),
        ([{"field": "segment", "op": "top_pct", "value": 3}],
         "operator 'top_pct' is not allowed for text field 'segment'"),
        ([{"field": "recency_days", "op": "<", "value": "ten"}],
         "value for 'recency_days' must be a number"),
        ([{"field": "clv_amount", "op": "top_pct", "value": 120}],
         "percentage for top_pct on 'clv_amount' must be in (0, 100]"),
        ([{"field": "segment", "op": "in", "value": []}], "needs a non-empty list"),
        ([{"any": []}], "'any' needs a non-empty list"),
        ([{"field": "last_event_at", "op": ">", "value": "June"}], "must be a date YYYY-MM-DD"),
        ([{"field": "last_event_at", "op": ">", "value": "2015-08-01xyz"}],
         "must be a date YYYY-MM-DD"),
        ([{"field": "last_event_at", "op": ">", "value": 20150801}], "must be a date YYYY-MM-DD"),
        ("[{", "not valid JSON"),
    ],
)
def test_invalid_conditions_are_refused_with_a_message_naming_the_problem(
    conditions: object, message: str
) -> None:
    with pytest.raises(RuleError, match=None) as error:
        validate_conditions(conditions, FIELDS)
    assert message in str(error.value)


def test_an_unknown_segment_name_is_a_warning_not_an_error() -> None:
    warnings = validate_conditions([{"field": "segment", "op": "in", "value": ["Champs"]}],
                                   FIELDS, known_segments={"Champions"})
    assert len(warnings) == 1 and "'Champs'" in warnings[0]


def test_an_invalid_rule_is_not_saved(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    before = list_rules(db)
    with pytest.raises(RuleError, match="channel must be one of"):
        create_rule(db, replace(rule("Bad", [{"field": "frequency", "op": ">", "value": 1}]),
                                channel="fax"), fields=FIELDS)
    with pytest.raises(RuleError, match="unknown field"):
        create_rule(db, rule("Bad", [{"field": "nope", "op": ">", "value": 1}]), fields=FIELDS)
    assert list_rules(db) == before


def test_rules_are_checked_against_the_fields_of_the_current_snapshot(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    probe = rule("Spenders", [{"field": "clv_amount", "op": ">", "value": 1}])
    with pytest.raises(NoSnapshotError, match=r"python app\.py refresh"):
        create_rule(db, probe)
    path = publish(db, shop())
    with duckdb.connect(str(path)) as con:  # a snapshot whose data has no CLV field
        con.execute("DELETE FROM field_catalogue WHERE name = 'clv_amount'")
    with pytest.raises(RuleError, match="unknown field 'clv_amount'"):
        create_rule(db, probe)
    assert create_rule(db, replace(probe, conditions=[
        {"field": "monetary_amount", "op": ">", "value": 1}])).name == "Spenders"


def test_a_rule_that_no_longer_fits_the_fields_can_still_be_moved_and_switched_off(
    tmp_path: Path,
) -> None:
    db = tmp_path / "w.duckdb"
    stored = create_rule(db, rule("Old", [{"field": "clv_amount", "op": ">", "value": 1}]),
                         fields=FIELDS)
    publish(db, shop())  # any check now reads the snapshot's catalogue
    path = current_snapshot(db)
    with duckdb.connect(str(path)) as con:
        con.execute("DELETE FROM field_catalogue WHERE name = 'clv_amount'")
    assert set_rule_enabled(db, stored.rule_id, False).enabled is False
    assert move_rule(db, stored.rule_id, 1)[0].rule_id == stored.rule_id


def test_timestamp_values_are_stored_as_the_iso_text_duckdb_casts(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    saved = create_rule(db, rule("Recent", [
        {"field": "last_event_at", "op": ">=", "value": "20150801"},
        {"any": [{"field": "first_event_at", "op": "<", "value": "2015-06-01T10:00:00+02:00"}]},
    ]), fields=FIELDS)
    assert saved.conditions == [
        {"field": "last_event_at", "op": ">=", "value": "2015-08-01"},
        {"any": [{"field": "first_event_at", "op": "<", "value": "2015-06-01 08:00:00"}]},
    ]
    customers = shop(3).assign(last_event_at=pd.to_datetime(["2015-07-31", "2015-08-01",
                                                             "2015-08-02"]),
                               first_event_at=pd.to_datetime(["2015-06-01 07:59", "2015-06-01 "
                                                              "08:00", "2015-05-01 00:00"]))
    assert matching(tmp_path, customers, saved.conditions) == ["c03"]


def test_concurrent_saves_all_get_distinct_ids(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    before = len(list_rules(db))
    names = [f"Rule {i}" for i in range(6)]
    with ThreadPoolExecutor(len(names)) as pool:
        saved = list(pool.map(
            lambda name: create_rule(db, rule(name, [{"field": "frequency", "op": ">",
                                                      "value": 1}]), fields=FIELDS), names))
    assert len({r.rule_id for r in saved}) == len(names)
    assert len(list_rules(db)) == before + len(names)


# --- compilation -----------------------------------------------------------------------------


def test_top_pct_is_strict_above_the_quantile_when_values_tie(tmp_path: Path) -> None:
    # frequency is 1 for 8 of 10 customers: the 80th percentile is 1, so "top 20 %" = above 1.
    assert matching(tmp_path, shop(), [{"field": "frequency", "op": "top_pct", "value": 20}]) == [
        "c09", "c10"]


def test_top_pct_falls_back_to_the_maximum_when_nothing_is_above_the_quantile(
    tmp_path: Path,
) -> None:
    customers = shop().assign(frequency=[1] * 7 + [3] * 3)  # 80th percentile = 3 = maximum
    assert matching(tmp_path, customers, [{"field": "frequency", "op": "top_pct", "value": 20}]) \
        == ["c08", "c09", "c10"]


def test_bottom_pct_selects_values_below_the_quantile(tmp_path: Path) -> None:
    # monetary 10..100: the 30th percentile (linear) is 37, so 10, 20, 30 are below it.
    assert matching(tmp_path, shop(), [{"field": "monetary_amount", "op": "bottom_pct",
                                        "value": 30}]) == ["c01", "c02", "c03"]


def test_conditions_combine_with_and_and_any_groups_with_or(tmp_path: Path) -> None:
    conditions = [
        {"field": "segment", "op": "=", "value": "Champions"},  # c01, c03, c05, c07, c09
        {"any": [{"field": "monetary_amount", "op": "<=", "value": 20},
                 {"field": "recency_days", "op": "<", "value": 25}]},  # c01, c02 | c09, c10
    ]
    assert matching(tmp_path, shop(), conditions) == ["c01", "c09"]


def test_values_are_parameters_not_sql(tmp_path: Path) -> None:
    customers = shop().assign(segment=["O'Brien'; DROP TABLE customers; --"] + ["x"] * 9)
    conditions = [{"field": "segment", "op": "in",
                   "value": ["O'Brien'; DROP TABLE customers; --"]}]
    assert matching(tmp_path, customers, conditions) == ["c01"]


def test_null_attributes_never_match(tmp_path: Path) -> None:
    customers = shop().assign(clv_amount=[None] * 5 + [1.0, 2.0, 3.0, 4.0, 5.0])
    assert matching(tmp_path, customers, [{"field": "clv_amount", "op": ">=", "value": 0}]) == [
        "c06", "c07", "c08", "c09", "c10"]


# --- priority resolution and board figures ---------------------------------------------------


def three_rules() -> list[Rule]:
    return [
        rule("Big spenders", [{"field": "monetary_amount", "op": ">=", "value": 70}],
             priority=1, rule_id=11),  # c07..c10
        rule("Repeat", [{"field": "frequency", "op": ">=", "value": 2}],
             priority=2, rule_id=12),  # c09, c10
        rule("Champions", [{"field": "segment", "op": "=", "value": "Champions"}],
             priority=3, rule_id=13),  # c01, c03, c05, c07, c09
    ]


def test_each_customer_gets_the_highest_priority_enabled_rule_only(tmp_path: Path) -> None:
    path = write_snapshot(tmp_path / "snap.duckdb", shop())
    sql, params = winners_sql(three_rules(), FIELDS)
    with duckdb.connect(str(path), read_only=True) as con:
        winners = dict(con.execute(f"SELECT customer_id, winner_rule_id FROM ({sql})",
                                   params).fetchall())
    assert winners == {"c01": 13, "c02": None, "c03": 13, "c04": None, "c05": 13, "c06": None,
                       "c07": 11, "c08": 11, "c09": 11, "c10": 11}


def test_rule_stats_count_matched_won_share_and_clv_at_stake(tmp_path: Path) -> None:
    path = write_snapshot(tmp_path / "snap.duckdb", shop())
    rules = three_rules()
    rules[0].enabled = False  # Big spenders off: Repeat wins c09, c10; Champions c01..c07 odd
    with duckdb.connect(str(path), read_only=True) as con:
        stats = rule_stats(con, rules)
    table = stats.rules.set_index("name")
    assert table["count_matched"].tolist() == [4, 2, 5]
    assert table["count_won"].tolist() == [0, 2, 4]
    assert table["share_customers"].tolist() == [0.0, 0.2, 0.4]
    assert table.loc["Repeat", "clv_at_stake_amount"] == 9 + 10
    assert table.loc["Champions", "clv_at_stake_amount"] == 1 + 3 + 5 + 7
    assert (stats.count_customers, stats.count_targeted) == (10, 6)
    assert stats.count_multi_matched == 1  # c09: Repeat and Champions (Big spenders disabled)
    assert stats.rules["count_won"].sum() == stats.count_targeted


def test_known_segments_are_those_with_customers(tmp_path: Path) -> None:
    path = write_snapshot(tmp_path / "snap.duckdb", shop())
    with duckdb.connect(str(path), read_only=True) as con:
        segments = known_segments(con)
    assert segments == {"Champions", "Hibernating"}


def test_default_rules_evaluate_on_a_snapshot(tmp_path: Path) -> None:
    customers = shop().assign(p_alive=[0.1 * i for i in range(10)],
                              count_views=[1] * 10, segment_kind="rfm")
    path = write_snapshot(tmp_path / "snap.duckdb", customers)
    db = tmp_path / "w.duckdb"
    with duckdb.connect(str(path), read_only=True) as con:
        stats = rule_stats(con, list_rules(db))
    # High value, at risk: monetary top 20 % (> 82: c09, c10) and (recency top 30 % or p_alive
    # < 0.5): recency of c09, c10 is 20, 10 (not top) and p_alive 0.8, 0.9 (not below 0.5).
    assert stats.rules["count_won"].tolist() == [0, 0, 2, 0]  # Loyal VIP: c09, c10
    assert stats.count_targeted == 2


# --- storage ---------------------------------------------------------------------------------


def test_default_rules_are_seeded_once(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    rules = list_rules(db)
    assert [r.name for r in rules] == [r["name"] for r in DEFAULT_RULES]
    assert [r.priority for r in rules] == [1, 2, 3, 4]
    delete_rule(db, rules[0].rule_id)
    with open_ops(db):
        pass
    assert [r.name for r in list_rules(db)] == [r["name"] for r in DEFAULT_RULES[1:]]


def test_priorities_stay_one_to_n_when_rules_are_added_moved_and_deleted(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    new = create_rule(db, rule("First now", [{"field": "frequency", "op": ">", "value": 1}],
                               priority=1), fields=FIELDS)
    rules = list_rules(db)
    assert rules[0].rule_id == new.rule_id
    assert [r.priority for r in rules] == [1, 2, 3, 4, 5]
    moved = move_rule(db, new.rule_id, 4)
    assert [r.rule_id for r in moved] == [r.rule_id for r in rules[1:4]] + [
        new.rule_id, rules[4].rule_id]
    assert [r.priority for r in moved] == [1, 2, 3, 4, 5]
    delete_rule(db, rules[2].rule_id)
    assert [r.priority for r in list_rules(db)] == [1, 2, 3, 4]


def test_rule_names_are_unique(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with pytest.raises(RuleError, match="already exists"):
        create_rule(db, rule("loyal vip", [{"field": "frequency", "op": ">", "value": 1}]),
                    fields=FIELDS)


def test_disabling_a_rule_is_stored(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    first = list_rules(db)[0]
    assert set_rule_enabled(db, first.rule_id, False).enabled is False
    assert list_rules(db)[0].enabled is False


def test_audience_baseline_comes_from_the_audience_segments_at_an_earlier_period_end(
    tmp_path: Path,
) -> None:
    customers = shop().assign(last_event_at=pd.Timestamp("2015-05-01"))
    customers.loc[customers["customer_id"] == "c01", "last_event_at"] = pd.Timestamp("2015-06-20")
    # as of 06-30, window 28 days: the cutoff is 07-01, so the latest usable period end is
    # 05-31 (06-30 is too late) and its window is [06-01, 06-29)
    snapshots = [("2015-04-30", "x7", "Champions"),
                 ("2015-05-31", "x1", "Champions"), ("2015-05-31", "x2", "Champions"),
                 ("2015-05-31", "x3", "Hibernating"), ("2015-05-31", "x4", "Hibernating"),
                 ("2015-05-31", "x5", "Hibernating"), ("2015-05-31", "x6", "Lost"),
                 ("2015-06-30", "x2", "Champions")]
    orders = [("x1", "o1", "2015-06-10 10:00", 30.0),
              ("x3", "o2", "2015-06-05 10:00", 50.0),
              ("x4", "o3", "2015-06-29 00:00", 99.0),  # after the window
              ("x6", "o4", "2015-06-05 10:00", 10.0),  # segment not in the audience
              ("x7", "o5", "2015-05-10 10:00", 10.0)]  # another period end
    path = write_snapshot(tmp_path / "snap.duckdb", customers, orders, as_of="2015-06-30",
                          segment_snapshots=snapshots)
    mixed = rule("Mixed", [{"field": "monetary_amount", "op": "<=", "value": 40}], rule_id=1,
                 priority=1)  # c01, c03 (Champions), c02, c04 (Hibernating): half each
    with duckdb.connect(str(path), read_only=True) as con:
        baseline = audience_baseline(con, [mixed], 1, window_days=28)
    champions = {"conversion": 1 / 2, "mean": 30 / 2, "square": 30**2 / 2}
    hibernating = {"conversion": 1 / 3, "mean": 50 / 3, "square": 50**2 / 3}
    mean = (champions["mean"] + hibernating["mean"]) / 2
    assert baseline["audience_size"] == 4 and baseline["cohort_size"] == 5
    assert str(baseline["baseline_period_end"]) == "2015-05-31"
    assert baseline["conversion"] == pytest.approx((1 / 2 + 1 / 3) / 2)
    assert baseline["gmv_mean"] == pytest.approx(mean)
    assert baseline["gmv_std"] == pytest.approx(
        math.sqrt((champions["square"] + hibernating["square"]) / 2 - mean**2))
    assert baseline["eligible_per_day"] == pytest.approx(1 / 28)  # c01 was active in the window


def test_without_an_early_enough_period_end_the_baseline_is_unknown(tmp_path: Path) -> None:
    path = write_snapshot(tmp_path / "snap.duckdb", shop(), as_of="2015-06-30",
                          segment_snapshots=[("2015-06-30", "c01", "Champions")])
    with duckdb.connect(str(path), read_only=True) as con:
        baseline = audience_baseline(con, three_rules(), 13, window_days=28)
    assert baseline["audience_size"] == 3 and baseline["baseline_period_end"] is None
    assert math.isnan(baseline["conversion"]) and math.isnan(baseline["gmv_std"])


def test_campaign_overview_states_are_measured_against_the_snapshot_cutoff(
    tmp_path: Path,
) -> None:
    db = tmp_path / "w.duckdb"
    snapshot = publish(db, shop(), as_of="2015-06-30")  # cutoff: 2015-07-01 00:00
    with duckdb.connect(str(snapshot)) as con:  # as a refresh before these launches leaves them
        con.execute(campaign_outcomes.TABLES_DDL)
    rule_id = create_rule(db, rule("Repeat", [{"field": "frequency", "op": ">=", "value": 2}],
                                   priority=1), fields=FIELDS).rule_id
    launches = {  # launched_at, days → expected status
        (datetime(2015, 6, 1), 10): "completed",  # ends 06-11, before the cutoff
        (datetime(2015, 6, 25), 14): "running",  # ends 07-09, after it
        (datetime(2015, 7, 1), 28): "scheduled",  # launched at the cutoff: no data after it
    }
    expected = {launch_campaign(db, rule_id, launched_at=at, duration_days=days): status
                for (at, days), status in launches.items()}
    with duckdb.connect(str(snapshot), read_only=True) as con:
        assert measurement_cutoff(con) == pd.Timestamp("2015-07-01")
        overview = campaign_overview(con, db)
    assert dict(zip(overview["campaign_id"], overview["status"], strict=True)) == expected
    assert not overview["is_measured"].any()  # this snapshot holds no campaign results
    assert (overview["count_treatment"] + overview["count_control"] == 2).all()
