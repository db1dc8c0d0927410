"""The delivery bench on a few thousand messages: it launches, delivers to its own receiver
process and checks that every treatment customer was received once and the hold-out never."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _count(pattern: str, text: str) -> int:
    found = re.search(pattern, text)
    assert found is not None, (pattern, text)
    return int(found.group(1).replace(",", ""))


def test_the_send_bench_delivers_every_message_once(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "send.py"), "--messages",
                             "1200", "--out", str(tmp_path)], capture_output=True, text=True,
                            timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    audience = _count(r"launch ([\d,]+) customers", out)
    sent = _count(r"send ([\d,]+) messages", out)
    held_out = _count(r"of the ([\d,]+) held out: 0\n", out)
    assert audience == 1_334 and sent + held_out == audience and held_out > 0
    assert _count(r"requests, ([\d,]+) messages", out) == sent
    assert "largest batch 500, 0 duplicates" in out
    assert "every treatment customer received once: True" in out
