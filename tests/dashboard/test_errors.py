"""Errors a page shows are logged too, with their traceback: a typing mistake at INFO, data the
page cannot read as a WARNING."""

from __future__ import annotations

import logging

from dashboard.app import create_app
from dashboard.pages.overview import callbacks
from dashboard.pages.overview.layout import layout
from tests.support.overview_snapshot import AS_OF, FIRST_DAY


def test_a_date_range_the_page_refuses_is_logged_at_info_as_one_line(
    overview_snapshot, caplog
):
    create_app(overview_snapshot.db)
    bounds = {"first": FIRST_DAY.isoformat(), "last": AS_OF.isoformat(),
              "as_of": AS_OF.isoformat()}
    with caplog.at_level(logging.INFO, logger="dashboard"):
        message, *_ = callbacks.update_overview(None, AS_OF.isoformat(), "day", bounds)
    [record] = [r for r in caplog.records if r.name == "dashboard"]
    assert record.levelno == logging.INFO and record.exc_info is None  # the user's own choice
    assert "Pick both" in record.getMessage() and "Pick both" in message.children


def test_unreadable_data_is_logged_as_a_warning_with_the_cause(tmp_path, caplog):
    create_app(tmp_path / "empty.duckdb")
    with caplog.at_level(logging.INFO, logger="dashboard"):
        layout()
    [record] = [r for r in caplog.records if r.name == "dashboard"]
    assert record.levelno == logging.WARNING
    assert "No data has been published yet" in record.getMessage()
    assert record.exc_info[1].__cause__ is not None  # the snapshot error behind the message
