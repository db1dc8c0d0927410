"""The daily list's commands, run as a user would, in their own process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.daily_list import warehouse_copy
from warehouse.commands import audit_log, list_campaigns

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "app.py"), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, env={**os.environ})


@pytest.mark.parametrize(("command", "options"), [
    ("daily", ("--date", "--out", "--retrain", "--db")),
    ("backtest", ("--days", "--end", "--db")),
    ("launch-list", ("--date", "--control-share", "--channel", "--name", "--db", "--ops-url")),
])
def test_the_commands_have_help(command: str, options: tuple[str, ...]) -> None:
    result = run_cli(command, "--help")
    assert result.returncode == 0
    assert all(option in result.stdout for option in options)


def test_the_daily_command_writes_the_list_and_refuses_a_future_date(
    demo_db: Path, tmp_path: Path
) -> None:
    db = warehouse_copy(demo_db, tmp_path / "warehouse")
    out = tmp_path / "out"
    done = run_cli("daily", "--db", str(db), "--date", "2015-09-10", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert f"Wrote {out / 'top_250_report_10092015.csv'}" in done.stdout
    assert (out / "top_250_report_10092015.csv").is_file()
    refused = run_cli("daily", "--db", str(db), "--date", "2015-09-25")
    assert refused.returncode == 2
    assert refused.stderr.strip().endswith(
        "error: 2015-09-25 is in the future for the data: the last activity is on 2015-09-18, "
        "so the latest report date is 2015-09-19")
    assert "Traceback" not in refused.stderr

    launched = run_cli("launch-list", "--db", str(db), "--date", "2015-09-10")
    assert launched.returncode == 0, launched.stderr
    campaign = list_campaigns(db).iloc[0]
    assert launched.stdout.startswith(
        f"Launched {campaign['campaign_id']} (Daily list 2015-09-10): 225 to contact, 25 held "
        "out, 0 left out (in a running campaign), 0 who refused notifications.")
    assert (campaign["source"], campaign["audience_size"]) == ("daily_list", 250)
    assert audit_log(db).iloc[0][["event", "user_name"]].tolist() == ["launch", "cli"]
    missing = run_cli("launch-list", "--db", str(db), "--date", "2015-09-11")
    assert missing.returncode == 2
    assert missing.stderr.strip() == (
        "error: no daily list is stored for 2015-09-11: run python app.py daily --date "
        "2015-09-11")


def test_the_backtest_command_refuses_a_bad_number_of_days(tmp_path: Path) -> None:
    result = run_cli("backtest", "--days", "0", "--db", str(tmp_path / "x.duckdb"))
    assert result.returncode == 2
    assert "expected a whole number of at least 1, got '0'" in result.stderr
