"""Importing the demo's campaign file into the operational store."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests.support.campaigns import (
    CAMPAIGN,
    HEADER,
    demo_rows,
    stored_assignments,
    stored_campaign,
    write_campaign_file,
)
from warehouse.commands import import_campaign_file, list_campaigns
from warehouse.commands.ops_store import open_ops


def test_the_demo_campaign_is_stored_as_a_completed_demo_campaign(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    path = write_campaign_file(tmp_path / "demo_campaign.csv", demo_rows())
    assert import_campaign_file(db, path) == "demo-1"
    campaign = stored_campaign(db, "demo-1")
    assert campaign["source"] == "demo" and campaign["audience_size"] == 10
    assert campaign["launched_at"] == datetime(2015, 8, 1)
    assert campaign["ends_at"] == datetime(2015, 8, 29)  # last day inclusive
    assert campaign["control_share"] == 0.2 and campaign["kpi"] == "reactivation"
    assigned = stored_assignments(db, "demo-1")
    assert assigned["customer_id"].tolist() == [str(1000 + i) for i in range(10)]
    assert (assigned["group_name"] == "control").sum() == 2
    assert assigned["segment"].isna().all()


def test_importing_twice_leaves_the_store_as_after_once(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    path = write_campaign_file(tmp_path / "demo_campaign.csv", demo_rows())
    import_campaign_file(db, path)
    first = (list_campaigns(db), stored_assignments(db, "demo-1"))
    import_campaign_file(db, path)
    assert list_campaigns(db).equals(first[0])
    assert stored_assignments(db, "demo-1").equals(first[1])


@pytest.mark.parametrize(
    ("rows", "header", "message"),
    [
        ([r.rsplit(",", 1)[0] for r in demo_rows()], HEADER.replace(",group", ""),
         "missing column(s) group"),
        ([*demo_rows(2), f"{CAMPAIGN},77,placebo"], HEADER,
         "line 4: group must be treatment or control, got placebo"),
        ([CAMPAIGN.replace("2015-08-01", "01/08/2015") + ",5,control"], HEADER,
         "line 2: launched_at must be a date YYYY-MM-DD"),
        ([*demo_rows(3), f"{CAMPAIGN},1001,treatment"], HEADER,
         "visitor 1001 appears twice in campaign 'demo-1' (lines 3 and 5)"),
        ([*demo_rows(2), f"{CAMPAIGN.replace('0.2', '0.3')},88,control"], HEADER,
         "campaign 'demo-1' has differing values"),
    ],
)
def test_a_bad_file_is_refused_naming_the_problem_and_nothing_is_stored(
    tmp_path: Path, rows: list[str], header: str, message: str
) -> None:
    db = tmp_path / "w.duckdb"
    path = write_campaign_file(tmp_path / "demo_campaign.csv", rows, header)
    with pytest.raises(ValueError) as error:
        import_campaign_file(db, path)
    assert message in str(error.value) and str(path) in str(error.value)
    assert list_campaigns(db).empty


def test_a_missing_file_is_a_file_not_found_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="No campaign file"):
        import_campaign_file(tmp_path / "w.duckdb", tmp_path / "nope.csv")


def test_a_board_campaign_id_is_never_overwritten(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with open_ops(db) as con:
        con.execute("INSERT INTO campaigns VALUES ('demo-1', 'Mine', 1, 'r', 'a', 'email', 'o', "
                    "'k', 0.2, 's', TIMESTAMP '2015-08-01', TIMESTAMP '2015-08-02', 0, 'board')")
    path = write_campaign_file(tmp_path / "demo_campaign.csv", demo_rows())
    with pytest.raises(ValueError, match="already used by a campaign launched from the board"):
        import_campaign_file(db, path)
    assert stored_campaign(db, "demo-1")["name"] == "Mine"
