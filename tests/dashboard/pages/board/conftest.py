"""A private copy of the demo warehouse per test, and an app reading it."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.app import create_app
from tests.support.warehouses import board_warehouse, copy_warehouse


@pytest.fixture(scope="module")
def board_source(
    demo_db: Path, demo_folder: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The demo warehouse with its past campaign measured, shared by a module's tests."""
    return board_warehouse(demo_db, demo_folder, tmp_path_factory.mktemp("board-source"))


@pytest.fixture
def board_db(board_source: Path, tmp_path: Path) -> Path:
    """A private warehouse per test: rules and campaigns written here disturb nobody."""
    return copy_warehouse(board_source, tmp_path / "warehouse")


@pytest.fixture
def page(board_db: Path):
    """An app reading ``board_db`` (the callbacks read the app created last)."""
    return create_app(board_db)
