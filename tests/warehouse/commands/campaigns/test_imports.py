"""Importing the demo's campaign file into the operational store, on both backends."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests.support.campaigns import (
    CAMPAIGN,
    HEADER,
    demo_rows,
    insert_campaign_row,
    stored_assignments,
    stored_campaign,
    write_campaign_file,
)
from tests.support.ops_store import StoreCase
from warehouse.commands import import_campaign_file, list_campaigns


def test_the_demo_campaign_is_stored_as_a_completed_demo_campaign(
    store: StoreCase, tmp_path: Path
) -> None:
    db, url = store.db, store.url
    path = write_campaign_file(tmp_path / "demo_campaign.csv", demo_rows())
    assert import_campaign_file(db, path, ops_url=url) == "demo-1"
    campaign = stored_campaign(db, "demo-1", url)
    assert campaign["source"] == "demo" and campaign["audience_size"] == 10
    assert campaign["clock"] == "given" and campaign["name"] == "Win-back test"
    assert campaign["launched_at"] == datetime(2015, 8, 1)
    assert campaign["ends_at"] == datetime(2015, 8, 29)  # last day inclusive
    assert campaign["control_share"] == 0.2 and campaign["kpi"] == "reactivation"
    assigned = stored_assignments(db, "demo-1", url)
    assert assigned["customer_id"].tolist() == [str(1000 + i) for i in range(10)]
    assert (assigned["group_name"] == "control").sum() == 2
    assert assigned["segment"].isna().all()


def test_importing_twice_leaves_the_store_as_after_once(store: StoreCase, tmp_path: Path) -> None:
    db, url = store.db, store.url
    path = write_campaign_file(tmp_path / "demo_campaign.csv", demo_rows())
    import_campaign_file(db, path, ops_url=url)
    first = (list_campaigns(db, ops_url=url), stored_assignments(db, "demo-1", url))
    import_campaign_file(db, path, ops_url=url)
    assert list_campaigns(db, ops_url=url).equals(first[0])
    assert stored_assignments(db, "demo-1", url).equals(first[1])


def test_a_large_campaign_file_arrives_whole(store: StoreCase, tmp_path: Path) -> None:
    db, url = store.db, store.url
    path = write_campaign_file(tmp_path / "demo_campaign.csv", demo_rows(120_000))
    import_campaign_file(db, path, ops_url=url)
    assigned = stored_assignments(db, "demo-1", url)
    assert len(assigned) == 120_000 and (assigned["group_name"] == "control").sum() == 2
    assert list_campaigns(db, ops_url=url)["count_treatment"].tolist() == [119_998]


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
    store: StoreCase, tmp_path: Path, rows: list[str], header: str, message: str
) -> None:
    db, url = store.db, store.url
    path = write_campaign_file(tmp_path / "demo_campaign.csv", rows, header)
    with pytest.raises(ValueError) as error:
        import_campaign_file(db, path, ops_url=url)
    assert message in str(error.value) and str(path) in str(error.value)
    assert list_campaigns(db, ops_url=url).empty


def test_a_missing_file_is_a_file_not_found_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="No campaign file"):
        import_campaign_file(tmp_path / "w.duckdb", tmp_path / "nope.csv")


def test_a_launched_campaign_id_is_never_overwritten(store: StoreCase, tmp_path: Path) -> None:
    db, url = store.db, store.url
    insert_campaign_row(db, url, campaign_id="demo-1", launched_at=datetime(2015, 8, 1),
                        ends_at=datetime(2015, 8, 2))
    path = write_campaign_file(tmp_path / "demo_campaign.csv", demo_rows())
    with pytest.raises(ValueError, match="already used by a campaign launched from the board"):
        import_campaign_file(db, path, ops_url=url)
    assert stored_campaign(db, "demo-1", url)["name"] == "Mine"
