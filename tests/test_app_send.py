"""``python app.py send`` in its own process, against a real local receiver: settings from a
file beside the warehouse, options overriding them, quiet hours, errors in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from tests.support.push_campaigns import launch_push
from tests.support.push_receiver import push_receiver
from warehouse.clock import utc_now
from warehouse.commands import audit_log
from warehouse.commands.runs import list_runs
from warehouse.commands.store import store_engine
from warehouse.delivery.settings import SETTINGS_ENV_VAR

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != SETTINGS_ENV_VAR}
    return subprocess.run([sys.executable, str(ROOT / "app.py"), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, env=env)


def test_send_delivers_the_queued_messages_once_and_records_the_run(tmp_path):
    db = tmp_path / "shop.duckdb"
    (tmp_path / "shop.delivery.toml").write_text(
        '[delivery]\nadapter = "file"\nfolder = "unused"\nquiet_start = "00:00"\n'
        'quiet_end = "00:00"\n')
    launched = launch_push(db, 700)  # 630 to push
    with push_receiver() as receiver:
        sent = run_cli("send", "--db", str(db), "--adapter", "webhook", "--url", receiver.url)
        again = run_cli("send", "--db", str(db), "--adapter", "webhook", "--url", receiver.url,
                        "--campaign", launched.campaign_id)
    assert sent.returncode == 0, sent.stderr
    assert "Sent 630 messages through the webhook adapter" in sent.stdout
    assert f"{launched.campaign_id}: 630 sent, 0 failed" in sent.stdout
    assert again.returncode == 0 and "Sent 0 messages" in again.stdout
    assert [len(r) for r in receiver.requests] == [500, 130] and not receiver.duplicates
    runs = list_runs(store_engine(db))
    assert runs["kind"].tolist() == ["send", "send"] and set(runs["status"]) == {"succeeded"}
    sends = audit_log(db).query("event == 'send'")
    assert sends[["user_name", "row_count"]].values.tolist() == [["cli", 630]]
    assert "send" in run_cli("runs", "--db", str(db)).stdout


def test_inside_the_quiet_hours_send_says_how_many_wait_and_until_when(tmp_path):
    db = tmp_path / "shop.duckdb"
    now = utc_now()
    settings = tmp_path / "night.toml"
    settings.write_text(
        f'[delivery]\nadapter = "file"\nfolder = "{tmp_path / "out"}"\n'
        f'quiet_start = "{now - timedelta(hours=1):%H:%M}"\n'
        f'quiet_end = "{now + timedelta(hours=2):%H:%M}"\n')
    launch_push(db, 100)
    held = run_cli("send", "--db", str(db), "--settings", str(settings))
    assert held.returncode == 0, held.stderr
    assert "Quiet hours: nothing sent; 90 messages wait until" in held.stdout
    assert not (tmp_path / "out").exists()


def test_wrong_settings_and_an_unknown_campaign_are_refused_in_one_line(tmp_path):
    db = tmp_path / "shop.duckdb"
    launch_push(db, 10)
    no_url = run_cli("send", "--db", str(db), "--adapter", "webhook")
    assert no_url.returncode == 2 and no_url.stderr.startswith("error: the webhook adapter")
    unknown = run_cli("send", "--db", str(db), "--adapter", "file", "--folder",
                      str(tmp_path / "out"), "--campaign", "c-nope")
    assert unknown.returncode == 2 and "no campaign 'c-nope'" in unknown.stderr
    assert "Traceback" not in no_url.stderr + unknown.stderr
