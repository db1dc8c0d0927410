"""Campaign export, on both store backends: formula-safe CSV files and downloads, one audit row
per group exported with its user, files replaced whole or not at all."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.support.ops_store import StoreCase
from tests.support.rule_snapshots import publish, repeat_rule
from warehouse.commands import (
    Rule,
    UnknownCampaignError,
    audit_log,
    campaign_group_csv,
    campaign_group_export,
    create_rule,
    export_campaign,
    launch_campaign,
)
from warehouse.commands.campaigns.export import (
    CONTROL_EXPORT_COLUMNS,
    EXPORT_COLUMNS,
    remove_abandoned_exports,
)
from warehouse.csv_safety import safe_csv_chunks

HOSTILE_IDS = ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2", "@SUM(A1)", "\tTAB", "plain"]


def hostile_shop() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": HOSTILE_IDS,
        "segment": ["=cmd|' /C calc'!A0", "Champions", "Champions", "-Lost", "@x", "Loyal"],
        "segment_kind": "rfm",
        "frequency": 2,
        "clv_amount": [-2.5, 1.0, 2.0, 3.0, 4.0, 5.0],
    })


def launch_hostile(db: Path, url: str) -> str:
    publish(db, hostile_shop())
    rule_id = create_rule(db, Rule("Hostile", [{"field": "frequency", "op": ">=", "value": 2}],
                                   "=WEBSERVICE(\"x\")", "email", "+50% off", "retention",
                                   priority=1), user="ana", ops_url=url).rule_id
    return launch_campaign(db, rule_id, control_share=0.5, user="ana",
                           ops_url=url).campaign_id


def read_cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_export_writes_treatment_and_control_files_with_the_documented_columns(
    store: StoreCase, tmp_path: Path
) -> None:
    db, url = store.db, store.url
    campaign_id = launch_hostile(db, url)
    paths = export_campaign(db, campaign_id, tmp_path / "out", user="cli", ops_url=url)
    assert [p.name for p in paths] == [f"{campaign_id}_treatment.csv",
                                       f"{campaign_id}_control_do_not_contact.csv"]
    frames = [pd.read_csv(p) for p in paths]
    assert frames[0].columns.tolist() == ["customer_id", "group", "action", "channel", "offer",
                                          "segment", "clv_amount"]
    assert [len(f) for f in frames] == [3, 3]
    assert set(frames[0]["group"]) == {"treatment"} and set(frames[1]["group"]) == {"control"}


def test_the_control_file_says_do_not_contact_and_carries_nothing_to_send(
    store: StoreCase, tmp_path: Path
) -> None:
    db, url = store.db, store.url
    campaign_id = launch_hostile(db, url)
    _, control = export_campaign(db, campaign_id, tmp_path, user="cli", ops_url=url)
    _, text, _ = campaign_group_csv(db, campaign_id, "control", user="ana", ops_url=url)
    header, *rows = read_cells(text)
    assert header == ["customer_id", "group", "instruction", "segment", "clv_amount"]
    assert [row[2] for row in rows] == ["do not contact"] * 3
    assert "WEBSERVICE" not in text and "50% off" not in text and "email" not in text
    assert control.read_bytes() == text.encode("utf-8")


def test_no_exported_cell_can_be_read_as_a_formula_and_numbers_stay_numbers(
    store: StoreCase, tmp_path: Path
) -> None:
    db, url = store.db, store.url
    campaign_id = launch_hostile(db, url)
    paths = export_campaign(db, campaign_id, tmp_path, user="cli", ops_url=url)
    rows = [row for p in paths for row in read_cells(p.read_text(encoding="utf-8"))[1:]]
    text_cells = [cell for row in rows for cell in row[:-1]]
    assert not [c for c in text_cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    ids = {row[0] for row in rows}
    assert ids == {"'" + i if i[0] in "=+-@\t" else i for i in HOSTILE_IDS}
    assert {row[4] for row in read_cells(paths[0].read_text(encoding="utf-8"))[1:]} == {
        "'+50% off"}
    clv = pd.concat([pd.read_csv(p) for p in paths])["clv_amount"]
    assert clv.dtype == float and sorted(clv) == [-2.5, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_each_export_is_logged_with_user_group_rows_and_file_name(
    store: StoreCase, tmp_path: Path
) -> None:
    db, url = store.db, store.url
    campaign_id = launch_hostile(db, url)
    paths = export_campaign(db, campaign_id, tmp_path, user="cli", ops_url=url)
    name, text, rows = campaign_group_csv(db, campaign_id, "control", user="ben", ops_url=url)
    assert name == f"{campaign_id}_control_do_not_contact.csv"
    assert len(read_cells(text)) == 1 + 3 and rows == 3
    exports = audit_log(db, ops_url=url).query("event == 'export'").iloc[::-1]
    assert exports[["user_name", "campaign_id", "group_name", "row_count"]].values.tolist() == [
        ["cli", campaign_id, "treatment", 3], ["cli", campaign_id, "control", 3],
        ["ben", campaign_id, "control", 3]]
    assert exports["file_name"].tolist() == [str(paths[0]), str(paths[1]), name]


def test_an_unknown_campaign_or_group_is_a_clear_error_and_logs_nothing(
    store: StoreCase, tmp_path: Path
) -> None:
    db, url = store.db, store.url
    publish(db, hostile_shop())
    campaign_id = launch_campaign(db, repeat_rule(db, url), user="ana",
                                  ops_url=url).campaign_id
    with pytest.raises(UnknownCampaignError, match="no campaign 'c-missing'"):
        export_campaign(db, "c-missing", tmp_path, user="cli", ops_url=url)
    with pytest.raises(ValueError, match="group must be one of treatment, control"):
        campaign_group_csv(db, campaign_id, "everyone", user="ana", ops_url=url)
    assert "export" not in set(audit_log(db, ops_url=url)["event"])
    assert not list(tmp_path.glob("*.csv"))


def test_the_download_counts_customers_not_lines_when_a_cell_holds_a_line_break(
    store: StoreCase,
) -> None:
    db, url = store.db, store.url
    publish(db, hostile_shop().assign(segment="Two\r\nlines"))
    campaign_id = launch_campaign(db, repeat_rule(db, url), control_share=0.5, user="ana",
                                  ops_url=url).campaign_id
    _, text, rows = campaign_group_csv(db, campaign_id, "treatment", user="ana", ops_url=url)
    assert rows == 3 == len(read_cells(text)) - 1
    assert text.count("\r\n") - 1 == 6  # counting lines would say 6


def test_the_cli_files_and_the_page_downloads_are_byte_identical(
    store: StoreCase, tmp_path: Path
) -> None:
    db, url = store.db, store.url
    campaign_id = launch_hostile(db, url)
    for path, group_name in zip(export_campaign(db, campaign_id, tmp_path / "out", user="cli",
                                                ops_url=url), ("treatment", "control"),
                                strict=True):
        file_name, text, _ = campaign_group_csv(db, campaign_id, group_name, user="ana",
                                                ops_url=url)
        assert file_name == path.name
        assert path.read_bytes() == text.encode("utf-8")


def test_an_export_replaces_earlier_files_whole_and_leaves_no_temporary_file(
    store: StoreCase, tmp_path: Path
) -> None:
    db, url = store.db, store.url
    campaign_id = launch_hostile(db, url)
    out = tmp_path / "out"
    out.mkdir()
    for name in (f"{campaign_id}_treatment.csv", f"{campaign_id}_control_do_not_contact.csv"):
        (out / name).write_text("an older export\n", encoding="utf-8")
    paths = export_campaign(db, campaign_id, out, user="cli", ops_url=url)
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths)
    assert all(p.read_text(encoding="utf-8").startswith("customer_id,group,") for p in paths)


def test_an_export_that_cannot_place_both_files_writes_and_logs_neither(
    store: StoreCase, tmp_path: Path
) -> None:
    db, url = store.db, store.url
    campaign_id = launch_hostile(db, url)
    out = tmp_path / "out"
    # in the way of the second file
    (out / f"{campaign_id}_control_do_not_contact.csv").mkdir(parents=True)
    earlier = out / f"{campaign_id}_treatment.csv"
    earlier.write_text("an older export\n", encoding="utf-8")
    with pytest.raises(ValueError, match="something other than a file is there"):
        export_campaign(db, campaign_id, out, user="cli", ops_url=url)
    assert earlier.read_text(encoding="utf-8") == "an older export\n"
    assert sorted(p.name for p in out.iterdir()) == [f"{campaign_id}_control_do_not_contact.csv",
                                                     earlier.name]
    assert "export" not in set(audit_log(db, ops_url=url)["event"])


@pytest.mark.parametrize(("group", "columns"), [("treatment", EXPORT_COLUMNS),
                                                ("control", CONTROL_EXPORT_COLUMNS)])
def test_a_group_streamed_in_batches_is_logged_first_and_is_the_downloaded_file(
    store: StoreCase, group: str, columns: tuple[str, ...]
) -> None:
    db, url = store.db, store.url
    campaign_id = launch_hostile(db, url)
    _, whole, rows = campaign_group_csv(db, campaign_id, group, user="ana", ops_url=url)
    export = campaign_group_export(db, campaign_id, group, user="olga", ops_url=url,
                                   batch_rows=2)
    logged = audit_log(db, ops_url=url).iloc[0]  # before a single row is read
    assert (logged["user_name"], logged["group_name"], logged["row_count"],
            logged["file_name"]) == ("olga", group, rows, export.file_name)
    assert export.columns == columns
    frames = list(export.frames)
    assert [len(frame) for frame in frames] == [2] * (rows // 2) + ([rows % 2] if rows % 2 else [])
    assert export.row_count == rows
    assert "".join(safe_csv_chunks(frames, columns)) == whole


def test_a_stream_of_an_unknown_campaign_or_group_is_refused_before_anything_is_logged(
    store: StoreCase,
) -> None:
    campaign_id = launch_hostile(store.db, store.url)
    with pytest.raises(UnknownCampaignError):
        campaign_group_export(store.db, "c-19990101-1", "control", user="ana",
                              ops_url=store.url)
    with pytest.raises(ValueError, match="group must be one of"):
        campaign_group_export(store.db, campaign_id, "everyone", user="ana", ops_url=store.url)
    assert (audit_log(store.db, ops_url=store.url)["event"] == "export").sum() == 0


def test_only_the_temporary_files_of_exports_whose_process_is_gone_are_removed(tmp_path: Path):
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    try:
        killed = tmp_path / f".c-1_treatment.csv.{gone.stdout.strip()}-0a1b2c3d.tmp"
        writing = tmp_path / f".c-1_control_do_not_contact.csv.{running.pid}-0a1b2c3d.tmp"
        others = [tmp_path / ".c-1_treatment.csv.tmp", tmp_path / "notes.tmp",
                  tmp_path / "c-1_treatment.csv"]
        for path in (killed, writing, *others):
            path.write_text("x", encoding="utf-8")
        assert remove_abandoned_exports(tmp_path) == [killed]
        assert sorted(tmp_path.iterdir()) == sorted([writing, *others])
    finally:
        running.kill()
        running.wait()
