"""Rule audiences stored per snapshot: the same winners as the rules' SQL, one scan per set of
conditions, and never a stale answer for a snapshot written anew."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.support.rule_snapshots import FIELDS, rule, shop, three_rules, write_snapshot
from warehouse.commands import winners_sql
from warehouse.queries import rule_audiences


def _sql_winners(con: duckdb.DuckDBPyConnection, rules: list) -> pd.DataFrame:
    sql, params = winners_sql(rules, FIELDS)
    return con.execute(f"SELECT customer_id, winner_rule_id, count_matched_rules FROM ({sql})",
                       params).df()


def test_stored_matches_give_the_winners_the_rules_sql_gives(tmp_path: Path) -> None:
    path = write_snapshot(tmp_path / "snap.duckdb", shop())
    rules = [*three_rules(),
             rule("Lost or big", [{"any": [{"field": "segment", "op": "=", "value": "Lost"},
                                           {"field": "monetary_amount", "op": "top_pct",
                                            "value": 30}]}], rule_id=14, priority=4)]
    rules[1].enabled = False
    with duckdb.connect(str(path), read_only=True) as con:
        found = rule_audiences.winners(con, rules, FIELDS)
        expected = _sql_winners(con, rules)
        ids = con.execute("SELECT customer_id FROM customers").df()["customer_id"]
    ids_of = {i: rules[i].rule_id for i in range(len(rules))}
    winners = pd.Series(found.winner).map(ids_of)  # −1 (no winner) maps to NaN
    by_id = expected.set_index("customer_id").loc[ids]
    assert winners.fillna(-1).tolist() == by_id["winner_rule_id"].fillna(-1).tolist()
    assert found.count_matched.tolist() == by_id["count_matched_rules"].tolist()


def test_moving_or_switching_a_rule_scans_nothing_and_an_edit_scans_one_rule(
    tmp_path: Path,
) -> None:
    path = write_snapshot(tmp_path / "snap.duckdb", shop())
    rules = three_rules()
    with duckdb.connect(str(path), read_only=True) as con:
        rule_audiences.winners(con, rules, FIELDS)
        stored = rule_audiences.snapshot_arrays(con).flags
        assert len(stored) == 3
        moved = [replace(rules[2], priority=1), replace(rules[0], priority=2, enabled=False),
                 replace(rules[1], priority=3, name="Renamed")]
        rule_audiences.winners(con, moved, FIELDS)
        assert len(stored) == 3
        edited = [*moved[:2], replace(moved[2], conditions=[
            {"field": "frequency", "op": ">=", "value": 3}])]
        rule_audiences.winners(con, edited, FIELDS)
        assert len(stored) == 4


def test_a_snapshot_written_anew_at_the_same_path_is_read_anew(tmp_path: Path) -> None:
    path = write_snapshot(tmp_path / "snap.duckdb", shop())
    repeat = [rule("Repeat", [{"field": "frequency", "op": ">=", "value": 2}], rule_id=1,
                   priority=1)]
    with duckdb.connect(str(path), read_only=True) as con:
        before = int(rule_audiences.winners(con, repeat, FIELDS).flags[0].sum())
    path.unlink()
    write_snapshot(path, shop().assign(frequency=5))
    with duckdb.connect(str(path), read_only=True) as con:
        after = int(rule_audiences.winners(con, repeat, FIELDS).flags[0].sum())
    assert (before, after) == (2, 10)


def _active_shop() -> pd.DataFrame:
    """shop() as of 2015-06-30 (cutoff 07-01) with last events around the windows' bounds."""
    last = {"c01": "2015-07-01 00:00",  # at the cutoff: after the snapshot's data
            "c03": "2015-05-01 12:00", "c05": "2015-06-03 00:00",  # first day of 28 days
            "c07": "2015-06-30 23:59", "c08": "2015-06-24 00:00",  # first day of 7 days
            "c09": "2015-06-23 23:59"}  # c10 and the rest: never seen
    customers = shop()
    customers["last_event_at"] = pd.to_datetime(customers["customer_id"].map(last))
    return customers


def test_summary_counts_each_rules_won_segments_and_activity_as_the_rules_sql_does(
    tmp_path: Path,
) -> None:
    path = write_snapshot(tmp_path / "snap.duckdb", _active_shop())
    rules = three_rules()
    with duckdb.connect(str(path), read_only=True) as con:
        summary = rule_audiences.audience_summary(con, rules, FIELDS)
        segments = rule_audiences.snapshot_arrays(con).segments
        sql, params = winners_sql(rules, FIELDS)
        expected = con.execute(
            f"SELECT w.winner_rule_id AS rule_id, c.segment, count(*) AS n, "
            f"count(*) FILTER (WHERE c.last_event_at >= TIMESTAMP '2015-06-24' "
            f"  AND c.last_event_at < TIMESTAMP '2015-07-01') AS active_7 "
            f"FROM ({sql}) AS w JOIN customers AS c USING (customer_id) "
            f"WHERE w.winner_rule_id IS NOT NULL GROUP BY ALL", params).df()
    cutoff = int(pd.Timestamp("2015-07-01").value // 1000)
    day = 86_400_000_000
    for position, r in enumerate(rules):
        mine = expected[expected["rule_id"] == r.rule_id]
        counts = dict(zip(["(none)", *segments], summary.segment_counts[position], strict=True))
        assert {s: n for s, n in counts.items() if n} == dict(zip(mine["segment"], mine["n"],
                                                                  strict=True))
        assert summary.count_active(position, cutoff - 7 * day, cutoff) == mine["active_7"].sum()
    # by hand: Big spenders wins c07..c10, Repeat nothing, Champions c01, c03, c05
    assert summary.count_won.tolist() == [4, 0, 3]
    assert [summary.count_active(0, cutoff - d * day, cutoff) for d in (7, 28)] == [2, 3]
    assert [summary.count_active(2, cutoff - d * day, cutoff) for d in (28, 60, 61)] == [1, 1, 2]
    with pytest.raises(ValueError, match="midnights"):
        summary.count_active(0, cutoff - day + 1, cutoff)


def test_summary_is_kept_per_set_of_rules_and_follows_an_edit(tmp_path: Path) -> None:
    path = write_snapshot(tmp_path / "snap.duckdb", shop())
    rules = three_rules()
    switched = [replace(rules[0], enabled=False), *rules[1:]]
    renamed = [replace(rules[0], name="Renamed", priority=5), *rules[1:]]
    with duckdb.connect(str(path), read_only=True) as con:
        first = rule_audiences.audience_summary(con, rules, FIELDS)
        assert rule_audiences.audience_summary(con, renamed, FIELDS) is first
        off = rule_audiences.audience_summary(con, switched, FIELDS)
        assert rule_audiences.audience_summary(con, rules, FIELDS) is first
    assert first.count_won.tolist() == [4, 0, 3]
    assert off.count_won.tolist() == [0, 2, 4]  # Repeat: c09, c10; Champions: c01..c07 odd
    assert off.count_matched.tolist() == [4, 2, 5]
