"""An exclusive lock held by one process at a time, released when that process ends.

Checking for a running job and then recording one are two steps, so two jobs started at the same
instant can both pass the check. An operating-system lock on a file beside the warehouse closes
that gap for jobs on one machine (the warehouse is a local file, so its jobs run where it is),
and the kernel drops it when its holder dies, so a killed job never leaves it taken.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class LockTaken(RuntimeError):
    """Another process holds the lock."""


@contextmanager
def held_exclusively(path: Path) -> Iterator[None]:
    """Hold the lock on ``path`` (created if missing) for the block; LockTaken at once if another
    process holds it. Without POSIX locks (Windows) the block runs unlocked."""
    if os.name != "posix":
        yield
        return
    import fcntl

    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockTaken(str(path)) from None
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
