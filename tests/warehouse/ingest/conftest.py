"""Hand-written RetailRocket folders for the ingest tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import raw_files


@pytest.fixture
def write_rr_folder() -> Callable[..., Path]:
    """Write a RetailRocket folder; each file defaults to the clean rows."""
    return raw_files.write_rr_folder


@pytest.fixture
def rr_folder(tmp_path: Path) -> Path:
    return raw_files.write_rr_folder(tmp_path / "rr")
