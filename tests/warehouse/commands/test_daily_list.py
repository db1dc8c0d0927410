"""Commands on a stored daily list: its audience is the stored list, a launch freezes exactly
that list as a campaign with a random hold-out through the command side (stored, split and
audited in the real operational store, SQLite and PostgreSQL), and a file taken is audited."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from tests.support.campaigns import stored_assignments
from tests.support.ops_store import StoreCase
from warehouse.commands import (
    audit_log,
    fetch_campaign,
    launch_daily_list,
    list_audience,
    record_list_download,
)
from warehouse.daily.store import DailyStore, write_frame

DAY = date(2015, 9, 10)
LISTED = [str(n) for n in range(100, 120)]  # 20 visitors, by rank


def _store_list(db: Path) -> Path:
    """Store a list of DAY for warehouse ``db``, as the daily job does."""
    write_frame(DailyStore.for_db(db).listed(DAY), pd.DataFrame({
        "customer_id": LISTED,
        "conversion_probability": [0.5 - n / 100 for n in range(20)],
        "segment": ["Champions"] * 10 + ["Browsers"] * 10,
        "list_rank": range(1, 21)}))
    return db


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return _store_list(tmp_path / "actionboard.duckdb")


def test_the_audience_is_the_stored_list_by_rank(db: Path) -> None:
    audience = list_audience(db, DAY)
    assert audience.columns.tolist() == ["customer_id", "conversion_probability", "segment"]
    assert audience["customer_id"].tolist() == LISTED
    assert audience["conversion_probability"].iloc[[0, -1]].tolist() == [0.5, 0.31]
    with pytest.raises(FileNotFoundError, match="no daily list is stored for 2015-09-11"):
        list_audience(db, date(2015, 9, 11))


def test_a_launch_checks_its_inputs_before_anything_else(db: Path) -> None:
    with pytest.raises(ValueError, match=r"control share must be in \(0, 0.5\], got 0.7"):
        launch_daily_list(db, DAY, control_share=0.7, user="ana")
    with pytest.raises(ValueError, match="give the campaign a name"):
        launch_daily_list(db, DAY, name="   ", user="ana")
    with pytest.raises(ValueError, match="channel must be one of"):
        launch_daily_list(db, DAY, channel="fax", user="ana")
    with pytest.raises(FileNotFoundError, match="no daily list is stored for 2015-09-12"):
        launch_daily_list(db, date(2015, 9, 12), user="ana")
    assert audit_log(db).empty


def test_a_launch_freezes_the_list_with_a_ten_percent_hold_out_and_is_audited(
    store: StoreCase,
) -> None:
    db, url = _store_list(store.db), store.url
    launched = launch_daily_list(db, DAY, user="ana", channel="sms", ops_url=url)
    # 10 % of 20 held out: floor(20 x 0.1) = 2; nobody was in a running campaign
    assert (launched.source, launched.audience_size, launched.count_treatment,
            launched.count_control, launched.count_excluded) == ("daily_list", 20, 18, 2, 0)
    assert launched.name == "Daily list 2015-09-10"

    campaign = fetch_campaign(db, launched.campaign_id, ops_url=url)
    assert {key: campaign[key] for key in ("name", "action", "channel", "kpi", "source",
                                           "control_share", "rule_id")} == {
        "name": "Daily list 2015-09-10", "action": "Contact from the daily list",
        "channel": "sms", "kpi": "conversion rate", "source": "daily_list",
        "control_share": 0.1, "rule_id": None}
    # contacted for the label's window: a purchase within three days
    assert campaign["ends_at"] - campaign["launched_at"] == timedelta(days=3)

    groups = stored_assignments(db, launched.campaign_id, ops_url=url)
    assert sorted(groups["customer_id"]) == sorted(LISTED)
    assert groups["group_name"].value_counts().to_dict() == {"treatment": 18, "control": 2}
    assert groups.set_index("customer_id").loc["100", "segment"] == "Champions"

    audit = audit_log(db, ops_url=url)
    assert audit[["event", "user_name", "campaign_id"]].to_dict("records") == [
        {"event": "launch", "user_name": "ana", "campaign_id": launched.campaign_id}]

    # the same visitors are now in a running campaign: a second launch has nobody to contact
    with pytest.raises(ValueError, match="all 20 customers of the audience are in a campaign"):
        launch_daily_list(db, DAY, user="ana", name="Again", ops_url=url)


def test_a_download_is_audited_as_an_export(db: Path) -> None:
    record_list_download(db, DAY, "top_250_report_10092015.csv", 20, user="ana")
    row = audit_log(db).iloc[0]
    assert (row["event"], row["user_name"], row["segment"], row["row_count"],
            row["file_name"]) == ("export", "ana", "daily_list", 20,
                                  "top_250_report_10092015.csv")
