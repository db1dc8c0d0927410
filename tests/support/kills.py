"""Killing a real subprocess at a random point of its work (SIGKILL, no chance to clean up).

The child runs a Python snippet that prints ``started`` once its imports are done and the work
begins, and ``finished`` when it is done; :func:`run_and_kill` kills it a given delay after
``started``. :func:`time_to_finish` measures how long the work takes, so that seeded random delays
spread the kills over the whole of it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STARTED = "started"
FINISHED = "finished"


@dataclass(frozen=True)
class Outcome:
    killed: bool  # False: the work finished before the delay ran out
    returncode: int
    stderr: str


def _start(snippet: str, *args: str) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-c", snippet, *args], cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if line != STARTED:
        process.wait()
        raise AssertionError(f"the child did not start its work: {line!r} "
                             f"{process.stderr.read() if process.stderr else ''}")
    return process


def time_to_finish(snippet: str, *args: str) -> float:
    """Seconds from ``started`` to the child's exit, for one run to completion."""
    process = _start(snippet, *args)
    started = time.monotonic()
    _, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stderr
    return time.monotonic() - started


def run_and_kill(snippet: str, *args: str, delay: float) -> Outcome:
    """Run the child and SIGKILL it ``delay`` seconds after it started its work."""
    process = _start(snippet, *args)
    try:
        process.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
    _, stderr = process.communicate(timeout=60)
    return Outcome(process.returncode == -signal.SIGKILL, process.returncode, stderr)
