"""The board's read queries on real snapshots: per-rule figures, known segments, the experiment
baseline of an audience and each campaign's state."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.support.rule_snapshots import (
    FIELDS,
    publish,
    rule,
    shop,
    three_rules,
    write_snapshot,
)
from warehouse.commands import (
    create_rule,
    launch_campaign,
    list_rules,
)
from warehouse.pipeline.steps import campaign_outcomes
from warehouse.queries.board import (
    audience_baseline,
    campaign_overview,
    known_segments,
    measurement_cutoff,
    rule_stats,
)


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
                                   priority=1), fields=FIELDS, user="test").rule_id
    launches = {  # launched_at, days → expected status
        (datetime(2015, 6, 1), 10): "completed",  # ends 06-11, before the cutoff
        (datetime(2015, 6, 25), 14): "running",  # ends 07-09, after it
        (datetime(2015, 7, 1), 28): "scheduled",  # launched at the cutoff: no data after it
    }
    expected = {launch_campaign(db, rule_id, launched_at=at, duration_days=days,
                                exclude_running=False, user="test").campaign_id: status
                for (at, days), status in launches.items()}
    with duckdb.connect(str(snapshot), read_only=True) as con:
        assert measurement_cutoff(con) == pd.Timestamp("2015-07-01")
        overview = campaign_overview(con, db)
    assert dict(zip(overview["campaign_id"], overview["status"], strict=True)) == expected
    assert not overview["is_measured"].any()  # this snapshot holds no campaign results
    assert (overview["count_treatment"] + overview["count_control"] == 2).all()
