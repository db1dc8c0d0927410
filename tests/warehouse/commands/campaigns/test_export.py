"""Campaign export: formula-safe CSV files and downloads, one audit row per group exported."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from tests.support.rule_snapshots import publish, repeat_rule
from warehouse.commands import (
    Rule,
    UnknownCampaignError,
    audit_log,
    campaign_group_csv,
    create_rule,
    export_campaign,
    launch_campaign,
)

HOSTILE_IDS = ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2", "@SUM(A1)", "\tTAB", "plain"]


def hostile_shop() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": HOSTILE_IDS,
        "segment": ["=cmd|' /C calc'!A0", "Champions", "Champions", "-Lost", "@x", "Loyal"],
        "segment_kind": "rfm",
        "frequency": 2,
        "clv_amount": [-2.5, 1.0, 2.0, 3.0, 4.0, 5.0],
    })


def launch_hostile(db: Path) -> str:
    publish(db, hostile_shop())
    rule_id = create_rule(db, Rule("Hostile", [{"field": "frequency", "op": ">=", "value": 2}],
                                   "=WEBSERVICE(\"x\")", "email", "+50% off", "retention",
                                   priority=1)).rule_id
    return launch_campaign(db, rule_id, control_share=0.5)


def read_cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_export_writes_treatment_and_control_files_with_the_documented_columns(
    tmp_path: Path,
) -> None:
    db = tmp_path / "w.duckdb"
    campaign_id = launch_hostile(db)
    paths = export_campaign(db, campaign_id, tmp_path / "out")
    assert [p.name for p in paths] == [f"{campaign_id}_treatment.csv", f"{campaign_id}_control.csv"]
    frames = [pd.read_csv(p) for p in paths]
    assert frames[0].columns.tolist() == ["customer_id", "group", "action", "channel", "offer",
                                          "segment", "clv_amount"]
    assert [len(f) for f in frames] == [3, 3]
    assert set(frames[0]["group"]) == {"treatment"} and set(frames[1]["group"]) == {"control"}


def test_no_exported_cell_can_be_read_as_a_formula_and_numbers_stay_numbers(
    tmp_path: Path,
) -> None:
    db = tmp_path / "w.duckdb"
    campaign_id = launch_hostile(db)
    paths = export_campaign(db, campaign_id, tmp_path)
    rows = [row for p in paths for row in read_cells(p.read_text(encoding="utf-8"))[1:]]
    text_cells = [cell for row in rows for cell in row[:6]]
    assert not [c for c in text_cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    ids = {row[0] for row in rows}
    assert ids == {"'" + i if i[0] in "=+-@\t" else i for i in HOSTILE_IDS}
    assert {row[4] for row in rows} == {"'+50% off"}
    clv = pd.concat([pd.read_csv(p) for p in paths])["clv_amount"]
    assert clv.dtype == float and sorted(clv) == [-2.5, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_each_export_is_logged_with_group_rows_and_file_name(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    campaign_id = launch_hostile(db)
    paths = export_campaign(db, campaign_id, tmp_path)
    name, text, rows = campaign_group_csv(db, campaign_id, "control")
    assert name == f"{campaign_id}_control.csv"
    assert len(read_cells(text)) == 1 + 3 and rows == 3
    exports = audit_log(db).query("event == 'export'").sort_values("logged_at")
    assert exports[["group_name", "row_count"]].values.tolist() == [
        ["treatment", 3], ["control", 3], ["control", 3]]
    assert exports["file_name"].tolist() == [str(paths[0]), str(paths[1]), name]


def test_an_unknown_campaign_or_group_is_a_clear_error_and_logs_nothing(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    publish(db, hostile_shop())
    campaign_id = launch_campaign(db, repeat_rule(db))
    with pytest.raises(UnknownCampaignError, match="no campaign 'c-missing'"):
        export_campaign(db, "c-missing", tmp_path)
    with pytest.raises(ValueError, match="group must be one of treatment, control"):
        campaign_group_csv(db, campaign_id, "everyone")
    assert set(audit_log(db)["event"]) == {"launch"}
    assert not list(tmp_path.glob("*.csv"))


def test_the_download_counts_customers_not_lines_when_a_cell_holds_a_line_break(
    tmp_path: Path,
) -> None:
    db = tmp_path / "w.duckdb"
    publish(db, hostile_shop().assign(segment="Two\r\nlines"))
    campaign_id = launch_campaign(db, repeat_rule(db), control_share=0.5)
    _, text, rows = campaign_group_csv(db, campaign_id, "treatment")
    assert rows == 3 == len(read_cells(text)) - 1
    assert text.count("\r\n") - 1 == 6  # counting lines would say 6


def test_the_cli_files_and_the_page_downloads_are_byte_identical(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    campaign_id = launch_hostile(db)
    for path in export_campaign(db, campaign_id, tmp_path / "out"):
        group_name = path.stem.rsplit("_", 1)[1]
        file_name, text, _ = campaign_group_csv(db, campaign_id, group_name)
        assert file_name == path.name
        assert path.read_bytes() == text.encode("utf-8")
