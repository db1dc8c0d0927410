"""Delivery settings from a TOML file beside the warehouse or named, overridden by options."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from warehouse.delivery.settings import SETTINGS_ENV_VAR, DeliverySettings, load_settings


def test_without_a_file_the_defaults_apply(tmp_path, monkeypatch):
    monkeypatch.delenv(SETTINGS_ENV_VAR, raising=False)
    settings = load_settings(tmp_path / "shop.duckdb")
    assert settings == DeliverySettings()
    assert (settings.quiet_hours.start, settings.quiet_hours.end) == (time(21), time(8))


def test_the_file_beside_the_warehouse_is_read_and_options_override_it(tmp_path, monkeypatch):
    monkeypatch.delenv(SETTINGS_ENV_VAR, raising=False)
    (tmp_path / "shop.delivery.toml").write_text(
        '[delivery]\nadapter = "file"\nfolder = "out"\nfile_format = "jsonl"\n'
        'rate_per_second = 100.0\nquiet_start = "22:30"\nquiet_end = "07:15"\n'
        'time_zone = "Europe/Berlin"\n')
    settings = load_settings(tmp_path / "shop.duckdb", rate_per_second=50.0, url=None)
    assert (settings.adapter, settings.folder, settings.file_format) == ("file", Path("out"),
                                                                         "jsonl")
    assert settings.rate_per_second == 50.0
    quiet = settings.quiet_hours
    assert (quiet.start, quiet.end, quiet.zone) == (time(22, 30), time(7, 15), "Europe/Berlin")


def test_the_environment_names_a_file(tmp_path, monkeypatch):
    named = tmp_path / "elsewhere.toml"
    named.write_text('[delivery]\nurl = "https://push.example/v1"\n')
    monkeypatch.setenv(SETTINGS_ENV_VAR, str(named))
    assert load_settings(tmp_path / "shop.duckdb").url == "https://push.example/v1"


@pytest.mark.parametrize(("text", "message"), [
    ('[delivery]\nquiet_start = "9pm"\n', "quiet_start must be a time of day"),
    ('[delivery]\ntime_zone = "Mars/Olympus"\n', "IANA name"),
    ('[delivery]\nspeed = 3\n', "unknown delivery setting 'speed'"),
    ('[delivery\n', "not valid TOML"),
])
def test_a_wrong_file_is_refused_naming_the_setting_and_the_file(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match=message) as raised:
        load_settings(tmp_path / "shop.duckdb", path)
    assert str(path) in str(raised.value)
