"""Commands on a stored daily list: its audience is the stored list, a launch checks what it is
given and says plainly that the explicit-audience launch is not wired yet."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from warehouse.commands import (
    ListLaunchUnavailableError,
    launch_daily_list,
    list_audience,
    record_list_download,
)
from warehouse.daily.store import DailyStore, write_frame

DAY = date(2015, 9, 10)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    db = tmp_path / "actionboard.duckdb"
    write_frame(DailyStore.for_db(db).listed(DAY), pd.DataFrame({
        "customer_id": ["7", "3"], "conversion_probability": [0.4, 0.2],
        "segment": ["Champions", "Browsers"], "list_rank": [1, 2]}))
    return db


def test_the_audience_is_the_stored_list_by_rank(db: Path) -> None:
    audience = list_audience(db, DAY)
    assert audience.to_dict("list") == {"customer_id": ["7", "3"],
                                        "conversion_probability": [0.4, 0.2],
                                        "segment": ["Champions", "Browsers"]}
    with pytest.raises(LookupError, match="no daily list is stored for 2015-09-11"):
        list_audience(db, date(2015, 9, 11))


def test_a_launch_checks_its_inputs_before_anything_else(db: Path) -> None:
    with pytest.raises(ValueError, match=r"control share must be in \(0, 0.5\], got 0.7"):
        launch_daily_list(db, DAY, control_share=0.7)
    with pytest.raises(ValueError, match="give the campaign a name"):
        launch_daily_list(db, DAY, name="   ")
    with pytest.raises(ListLaunchUnavailableError, match="the list of 2 visitors is ready"):
        launch_daily_list(db, DAY)


def test_a_download_is_recorded(db: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="warehouse.commands.daily_list"):
        record_list_download(db, DAY, "top_250_report_10092015.csv", 2, user="ana")
    assert "top_250_report_10092015.csv (2 customers, report date 2015-09-10) taken by ana" in \
        caplog.text
