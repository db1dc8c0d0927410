"""The exclusive lock between processes: taken by one, refused to another, freed when its
holder ends (even killed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from warehouse.locks import LockTaken, held_exclusively

ROOT = Path(__file__).resolve().parents[2]
HOLD = ("import sys, time; from pathlib import Path; from warehouse.locks import held_exclusively\n"
        "with held_exclusively(Path(sys.argv[1])):\n"
        "    print('held', flush=True); time.sleep(60)\n")


@pytest.fixture
def holder(tmp_path):
    """Another process holding the lock on a file in ``tmp_path``."""
    path = tmp_path / "job.lock"
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], cwd=ROOT,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "held"
    yield path, process
    process.kill()
    process.wait()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX locks only")
def test_a_lock_held_by_another_process_is_refused_until_that_process_dies(holder):
    path, process = holder
    with pytest.raises(LockTaken), held_exclusively(path):
        pass
    process.kill()
    process.wait()
    with held_exclusively(path):  # the kernel freed it with its dead holder
        pass


def test_the_lock_is_free_again_after_its_block(tmp_path):
    path = tmp_path / "job.lock"
    with held_exclusively(path), pytest.raises(LockTaken), held_exclusively(path):
        pass
    with held_exclusively(path):
        pass
