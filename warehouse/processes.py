"""Whether the process named in an unfinished file's name may still be writing it.

Writers that are killed leave their unfinished files behind (a refresh's ``.building`` snapshot,
an export's hidden ``.tmp`` files). Each such file carries its writer's process id, so the next
writer deletes only the files whose process is gone, never those of one still running beside it.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)


def writer_running(pid: int, path: Path) -> bool:
    """Whether process ``pid`` may still be writing ``path``: it exists, and it did not start
    after the file was last written (a process id reused since then is another process)."""
    if os.name != "posix":  # no cheap liveness test: keep the file for a day
        return time.time() - _mtime(path) < 86_400
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    started = _process_started_at(pid)
    return started is None or started <= _mtime(path) + 1.0  # +1: /proc's clock is coarse


def remove_abandoned(paths: Iterable[Path], name: re.Pattern[str], writer: str) -> list[Path]:
    """Delete the files among ``paths`` whose name matches ``name`` (its group ``pid`` the
    writer's process id) and whose writer is gone; this process's own files and those of
    writers still running stay. ``writer`` names them in the log ("a refresh"). Returns the
    paths deleted."""
    removed = []
    for path in sorted(paths):
        match = name.match(path.name)
        if match is None:
            continue
        pid = int(match["pid"])
        if pid == os.getpid() or writer_running(pid, path):
            continue
        log.info("removing %s, left by %s that did not finish", path.name, writer)
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return time.time()


def _process_started_at(pid: int) -> float | None:
    """When process ``pid`` started (Unix time), from Linux's /proc; None elsewhere."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(line for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
    except (OSError, StopIteration):
        return None
    ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22, counted after the name
    return int(boot.split()[1]) + ticks / os.sysconf("SC_CLK_TCK")
