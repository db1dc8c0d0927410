"""Rule audiences stored per snapshot: the same winners as the rules' SQL, one scan per set of
conditions, and never a stale answer for a snapshot written anew."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb
import pandas as pd

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
