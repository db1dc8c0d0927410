"""The command side's public names: every one resolves, and a caller of one command does not
load the others (the ingest records the demo campaign without pandas or the rule compiler)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from warehouse import commands

ROOT = Path(__file__).resolve().parents[3]


def test_every_public_name_resolves_to_its_module() -> None:
    assert len(commands.__all__) >= 25
    for name in commands.__all__:
        value = getattr(commands, name)
        assert value is not None
        if callable(value) and hasattr(value, "__module__"):
            assert value.__module__.startswith("warehouse.commands."), name


def test_recording_a_campaign_file_loads_only_what_it_needs() -> None:
    probe = ("import sys; from warehouse.commands import import_campaign_file; "
             "print(sorted(m for m in sys.modules if m.startswith(('pandas', "
             "'warehouse.commands.rules', 'warehouse.commands.campaigns.launch'))))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "[]"
