"""The file adapter: the run's messages in one spreadsheet-safe CSV or JSON-lines file, renamed
into place whole, and marked sent; the hold-out is not in it."""

from __future__ import annotations

import json
from datetime import time

import pandas as pd
import pytest
from sqlalchemy import select

from tests.support.campaigns import stored_assignments
from tests.support.push_campaigns import launch_push
from warehouse.clock import utc_now
from warehouse.commands import PushMessages, audit_log, launch_audience
from warehouse.commands.store import store_engine
from warehouse.delivery.quiet_hours import QuietHours
from warehouse.delivery.sender import send_queued
from warehouse.delivery.settings import DeliverySettings
from warehouse.ops import ops_transaction
from warehouse.ops.schema import outbox

NO_QUIET = QuietHours(time(0, 0), time(0, 0))


def _file_settings(folder, file_format):
    return DeliverySettings(adapter="file", folder=folder, file_format=file_format,
                            quiet_hours=NO_QUIET)


def _statuses(db) -> list[str]:
    with ops_transaction(store_engine(db), readonly=True) as connection:
        return list(connection.execute(select(outbox.c.status)).scalars())


def test_a_csv_file_holds_the_treatment_group_once_with_formulas_neutralised(tmp_path):
    db = tmp_path / "shop.duckdb"
    ids = [f"c{i}" for i in range(1_100)]
    messages = pd.DataFrame({"customer_id": ids, "title": "=HYPERLINK(\"http://x\")",
                             "body": "@SUM(A1)", "deep_link": "myapp://item/1"})
    now = utc_now()
    launched = launch_audience(db, ids, user="ana", name="csv", action="a", channel="push",
                               offer="o", kpi="k", source="push", control_share=0.1,
                               messages=PushMessages(messages, now, now))
    summary = send_queued(db, _file_settings(tmp_path / "out", "csv"), user="ana")
    [written] = list((tmp_path / "out").iterdir())
    assert written.suffix == ".csv" and str(written) == summary.target
    frame = pd.read_csv(written, dtype=str)
    groups = stored_assignments(db, launched.campaign_id)
    treatment = set(groups.loc[groups["group_name"] == "treatment", "customer_id"])
    assert list(frame.columns) == ["idempotency_key", "campaign_id", "customer_id", "title",
                                   "body", "deep_link"]
    assert len(frame) == len(treatment) == 990 and set(frame["customer_id"]) == treatment
    assert (frame["title"] == "'=HYPERLINK(\"http://x\")").all()
    assert (frame["body"] == "'@SUM(A1)").all()
    assert set(_statuses(db)) == {"sent"} and summary.sent == 990
    assert audit_log(db).query("event == 'send'")["row_count"].tolist() == [990]
    send_queued(db, _file_settings(tmp_path / "out", "csv"), user="ana")
    assert len(list((tmp_path / "out").iterdir())) == 1  # nothing left: no second file


def test_a_json_lines_file_holds_one_message_per_line(tmp_path):
    db = tmp_path / "shop.duckdb"
    launch_push(db, 50)
    summary = send_queued(db, _file_settings(tmp_path / "out", "jsonl"), user="ana")
    [written] = list((tmp_path / "out").iterdir())
    lines = [json.loads(line) for line in written.read_text().splitlines()]
    assert written.suffix == ".jsonl" and len(lines) == summary.sent == 45
    assert {line["title"] for line in lines} == {f"Hello {line['customer_id']}"
                                                 for line in lines}


@pytest.mark.parametrize(("values", "message"), [
    ({"adapter": "pigeon"}, "adapter must be one of"),
    ({"adapter": "webhook", "url": "ftp://x"}, "needs an http"),
    ({"adapter": "file"}, "needs a folder"),
    ({"adapter": "webhook", "url": "http://x", "batch_size": 501}, "from 1 to 500"),
    ({"adapter": "webhook", "url": "http://x", "rate_per_second": 0}, "positive number"),
])
def test_wrong_settings_are_refused_before_anything_is_sent(tmp_path, values, message):
    db = tmp_path / "shop.duckdb"
    launch_push(db, 20)
    with pytest.raises(ValueError, match=message):
        send_queued(db, DeliverySettings(**values), user="ana")
    assert set(_statuses(db)) == {"queued"}
