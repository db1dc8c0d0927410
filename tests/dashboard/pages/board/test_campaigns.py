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
)
from tests.support.board import BROWSERS, save
from tests.support.campaigns import stored_assignments
from tests.support.components import text_of
from tests.support.signed_in import add_team, signed_in
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
    campaign_id = version["campaign_id"]
    status, results, _figure, *disabled, treated, held_out = campaigns.campaign_detail(
        campaign_id, version)
    assert "Scheduled — waiting for data after launch" in text_of(status)
    assert "The data currently ends on" in text_of(status)
    assert results is None and disabled == [False, False]
    assert (treated, held_out) == (f"/download/campaign/{campaign_id}/treatment.csv",
                                   f"/download/campaign/{campaign_id}/control.csv")


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


def test_download_streams_a_formula_safe_csv_of_the_group_and_logs_it(page, board_db) -> None:
    *_, rule_id, _ = save("Risky offer", *BROWSERS, offer="=HYPERLINK(\"http://x\")")
    _, version, _ = design.launch(1, str(rule_id), 20, "", 28, True, {"n": 0})
    campaign_id = version["campaign_id"]
    add_team(board_db)
    client = signed_in(page, "campaign_owner")
    treated = client.get(campaigns.download_href(campaign_id, "treatment"))
    assert treated.status_code == 200 and treated.is_streamed
    assert {r["offer"] for r in csv.DictReader(io.StringIO(treated.get_data(as_text=True)))} == {
        "'=HYPERLINK(\"http://x\")"}
    response = client.get(campaigns.download_href(campaign_id, "control"))
    assert response.status_code == 200
    file_name = f"{campaign_id}_control_do_not_contact.csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{file_name}"'
    assert response.is_streamed
    text = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    control = stored_assignments(board_db, campaign_id).query("group_name == 'control'")
    assert list(rows[0]) == list(CONTROL_EXPORT_COLUMNS)
    assert [r["customer_id"] for r in rows] == control["customer_id"].tolist()
    assert {r["instruction"] for r in rows} == {"do not contact"}
    assert "HYPERLINK" not in text
    assert {r["group"] for r in rows} == {"control"}
    logged = audit_log(board_db).iloc[0]
    assert (logged["user_name"], logged["event"], logged["group_name"], logged["row_count"],
            logged["file_name"]) == ("campaign_owner", "export", "control", len(control),
                                     file_name)
    newest = audit.render_audit({}, {"n": 1})[0]
    assert (newest["event"], newest["file_name"]) == ("export", file_name)


def test_a_download_of_an_unknown_campaign_or_group_is_a_404_and_logs_nothing(page, board_db):
    add_team(board_db)
    client = signed_in(page, "admin")
    assert client.get(campaigns.download_href("c-19990101-1", "control")).status_code == 404
    assert client.get("/download/campaign/demo-1/everyone.csv").status_code == 404
    assert (audit_log(board_db)["event"] == "export").sum() == 0
