"""The demo's campaign file beside the RetailRocket files is part of the load: a bad one refuses
the whole load, a campaign the operational store refuses rolls the warehouse back, and either
way both stores stay exactly as they were."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from tests.support.campaigns import (
    CAMPAIGN,
    HEADER,
    demo_rows,
    insert_campaign_row,
    write_campaign_file,
)
from tests.support.raw_files import table_contents
from warehouse.commands import list_campaigns
from warehouse.ingest.demo_campaign import check_demo_campaign
from warehouse.ingest.retailrocket import IngestError, ingest_retailrocket


def ingest(db: Path, folder: Path):
    return ingest_retailrocket(db, folder, progress=False)


def campaigns(db: Path) -> pd.DataFrame:
    return list_campaigns(db).drop(columns=["status"])


@pytest.fixture
def loaded(tmp_path, rr_folder):
    """A warehouse with one load and an operational store with one demo campaign."""
    db = tmp_path / "w.duckdb"
    write_campaign_file(rr_folder / "demo_campaign.csv", demo_rows(6))
    ingest(db, rr_folder)
    (rr_folder / "demo_campaign.csv").unlink()
    return db


BAD_FILES = [
    ([*demo_rows(3), f"{CAMPAIGN},1003,maybe"], None,
     "demo_campaign.csv, line 5: column group must be treatment or control, got 'maybe'"),
    ([*demo_rows(3), "demo-1,Win-back test,a,email,o,k,2015-08-01,28/08/2015,0.2,1003,control"],
     None, "demo_campaign.csv, line 5: column ends_at must be a date YYYY-MM-DD, got '28/08/2015'"),
    ([*demo_rows(3), f"{CAMPAIGN},v1003,control"], None,
     "demo_campaign.csv, line 5: column visitorid: 'v1003' is not a whole number"),
    ([*demo_rows(3), "demo-1,Win-back test,a,email,o,k,2015-08-01,2015-08-28,1.5,1003,control"],
     None, "demo_campaign.csv, line 5: column control_share must be a number between 0 and 1, "
           "got '1.5'"),
    ([*demo_rows(3), f"{CAMPAIGN},1001,control"], None,
     "demo_campaign.csv, line 5: column visitorid: visitor 1001 appears twice in campaign "
     "'demo-1' (also on line 3)"),
    ([*demo_rows(3), "demo-1,Win-back test,Win-back voucher,sms,25% voucher,reactivation,"
                     "2015-08-01,2015-08-28,0.2,1003,control"], None,
     "demo_campaign.csv, line 5: column channel differs from line 2 of campaign 'demo-1'"),
    (demo_rows(3), "campaign_id,visitorid,group",
     "demo_campaign.csv, line 1: missing column(s) campaign_name, action"),
    ([], None, "demo_campaign.csv, line 2: no campaign rows after the header"),
    ([*demo_rows(3), f"{CAMPAIGN},1003"], None, "demo_campaign.csv: not a readable CSV file"),
]


@pytest.mark.parametrize(("rows", "header", "message"), BAD_FILES,
                         ids=[m.split(": ", 1)[1][:40] for _, _, m in BAD_FILES])
def test_a_bad_campaign_file_refuses_the_whole_load_and_changes_neither_store(
    tmp_path, loaded, write_rr_folder, rows, header, message
):
    before_warehouse, before_campaigns = table_contents(loaded), campaigns(loaded)
    folder = write_rr_folder(tmp_path / "new", categories=[("1", ""), ("9", "1")])
    write_campaign_file(folder / "demo_campaign.csv", rows, header=header or HEADER)
    with pytest.raises(IngestError) as error:
        ingest(loaded, folder)
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)
    assert table_contents(loaded) == before_warehouse
    pd.testing.assert_frame_equal(campaigns(loaded), before_campaigns)


def test_blank_lines_do_not_shift_the_line_a_campaign_problem_is_reported_on(tmp_path):
    path = tmp_path / "demo_campaign.csv"
    rows = demo_rows(3)
    path.write_text("\n".join([HEADER, rows[0], "", "", *rows[1:], f"{CAMPAIGN},1003,x"]) + "\n")
    with pytest.raises(IngestError, match=r"^demo_campaign\.csv, line 7: column group"):
        check_demo_campaign(path)


def test_a_campaign_the_store_refuses_rolls_the_warehouse_load_back(tmp_path, loaded,
                                                                    write_rr_folder):
    # a campaign launched from the board under the file's id
    insert_campaign_row(loaded, campaign_id="demo-2", launched_at=datetime(2015, 8, 1),
                        ends_at=datetime(2015, 8, 2))
    before_warehouse, before_campaigns = table_contents(loaded), campaigns(loaded)
    folder = write_rr_folder(tmp_path / "new", categories=[("1", ""), ("9", "1")])
    write_campaign_file(folder / "demo_campaign.csv",
                        [row.replace("demo-1", "demo-2") for row in demo_rows(4)])
    with pytest.raises(IngestError) as error:
        ingest(loaded, folder)
    assert str(error.value) == (
        "demo_campaign.csv: the operational store refused the campaign: "
        f"{folder / 'demo_campaign.csv'}: campaign id 'demo-2' is already used by a campaign "
        "launched from the board or a page; nothing was loaded")
    assert table_contents(loaded) == before_warehouse
    pd.testing.assert_frame_equal(campaigns(loaded), before_campaigns)


def test_a_good_campaign_is_recorded_with_the_load_and_loading_it_again_changes_nothing(
    tmp_path, rr_folder
):
    db = tmp_path / "w.duckdb"
    write_campaign_file(rr_folder / "demo_campaign.csv", demo_rows(6))
    summary = ingest(db, rr_folder)
    assert summary.notes == ["Recorded the past campaign demo-1 from demo_campaign.csv."]
    recorded = campaigns(db)
    assert recorded[["campaign_id", "source", "audience_size", "count_control"]].values.tolist() \
        == [["demo-1", "demo", 6, 2]]

    warehouse = table_contents(db)
    again = ingest(db, rr_folder)
    assert again.rows_loaded == 0
    pd.testing.assert_frame_equal(campaigns(db), recorded)
    assert {t: rows for t, rows in table_contents(db).items() if t != "loads"} == {
        t: rows for t, rows in warehouse.items() if t != "loads"}
