"""The Action board's campaigns card and audit log: callbacks called directly on a private copy
of the demo warehouse."""

from __future__ import annotations

import csv
import io

import duckdb
import pytest

from dashboard.pages.board import (
    audit,
    campaigns,
    design,
    ids,
)
from tests.support.board import BROWSERS, save
from tests.support.campaigns import stored_assignments
from tests.support.components import text_of
from warehouse.commands import (
    CONTROL_EXPORT_COLUMNS,
    audit_log,
    list_campaigns,
    list_rules,
)
from warehouse.snapshots import current_snapshot


def test_a_campaign_launched_on_old_data_waits_for_data_after_launch(page, board_db) -> None:
    _, version, _ = design.launch(1, str(list_rules(board_db)[0].rule_id), 20, "", 28, True,
                                  {"n": 0})
    status, results, _figure, *disabled = campaigns.campaign_detail(version["campaign_id"], version)
    assert "Scheduled — waiting for data after launch" in text_of(status)
    assert "The data currently ends on" in text_of(status)
    assert results is None and disabled == [False, False]


def test_the_demo_campaign_shows_its_lift_with_confidence_intervals(page, board_db) -> None:
    demo = list_campaigns(board_db).query("campaign_id.str.startswith('demo-')").iloc[0]
    status, results, figure, *_ = campaigns.campaign_detail(demo["campaign_id"], {})
    assert "Completed" in text_of(status)
    with duckdb.connect(str(current_snapshot(board_db)), read_only=True) as con:
        measured = con.execute(
            "SELECT abs_ci_low, abs_ci_high FROM campaign_results "
            "WHERE campaign_id = ? AND metric = 'conversion'", [demo["campaign_id"]]).fetchone()
    low, high = (f"{v * 100:+.2f} pp" for v in measured)
    assert f"[{low}, {high}]" in text_of(results)
    assert "Sample ratio check" in text_of(results)
    conversion = figure.data[0]
    assert conversion.error_x.array[0] == pytest.approx(measured[1] * 100 - conversion.x[0])


def test_download_returns_a_formula_safe_csv_of_the_group_and_logs_it(page, board_db) -> None:
    *_, rule_id, _ = save("Risky offer", *BROWSERS, offer="=HYPERLINK(\"http://x\")")
    _, version, _ = design.launch(1, str(rule_id), 20, "", 28, True, {"n": 0})
    campaign_id = version["campaign_id"]
    data, message, audit_version = campaigns.download_group(
        ids.BOARD_DOWNLOAD_CONTROL, None, 1, campaign_id, {"n": 0})
    rows = list(csv.DictReader(io.StringIO(data["content"])))
    control = stored_assignments(board_db, campaign_id).query("group_name == 'control'")
    assert data["filename"] == f"{campaign_id}_control_do_not_contact.csv"
    assert list(rows[0]) == list(CONTROL_EXPORT_COLUMNS)
    assert [r["customer_id"] for r in rows] == control["customer_id"].tolist()
    assert {r["instruction"] for r in rows} == {"do not contact"}
    assert "HYPERLINK" not in data["content"]
    assert {r["group"] for r in rows} == {"control"}
    logged = audit_log(board_db).iloc[0]
    assert (logged["event"], logged["group_name"], logged["row_count"], logged["file_name"]) == (
        "export", "control", len(control), data["filename"])
    assert audit_version == {"n": 1}
    newest = audit.render_audit({}, audit_version)[0]
    assert (newest["event"], newest["file_name"]) == ("export", data["filename"])
    assert f"{len(control):,} customers" in message
