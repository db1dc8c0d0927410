"""Shared fixtures: browser options for ``dash_duo``, a demo warehouse built end to end, and an
operational store on each backend (``store``, ``engine``: ``tests/support/ops_store.py``)."""

import os
from pathlib import Path

import pytest
from selenium.webdriver.chrome.options import Options

from demo.generator import generate
from tests.support.decline import build_scored_shop
from tests.support.ops_store import engine, store
from tests.support.overview_snapshot import OverviewSnapshot, write_overview_snapshot
from warehouse.decline.job import DeclineRun
from warehouse.ingest.retailrocket import ingest_retailrocket
from warehouse.pipeline.refresh import refresh

__all__ = ["engine", "store"]  # fixtures, for every test module

# Small enough to build in seconds, large enough for every model step to fit (a few hundred buyers).
DEMO_TEST_SCALE = 0.02


def pytest_setup_options() -> Options:
    """Run Chromium headless when there is no display, even without ``--headless``."""
    options = Options()
    if not os.environ.get("DISPLAY"):
        options.add_argument("--headless=new")
    return options


@pytest.fixture(scope="session")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo shop in the RetailRocket format, written by the real generator."""
    folder = tmp_path_factory.mktemp("demo-files")
    generate(folder, scale=DEMO_TEST_SCALE, seed=7, progress=False)
    return folder


@pytest.fixture(scope="session")
def demo_db(demo_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse built from ``demo_folder`` by the real ingest and refresh, published.

    Session-scoped and shared: tests that write to it (rules, campaigns) must not assume it is
    pristine; tests that need a clean store copy it or build their own.
    """
    db = tmp_path_factory.mktemp("demo-warehouse") / "actionboard.duckdb"
    ingest_retailrocket(db, demo_folder, progress=False)
    refresh(db, progress=False)
    return db


@pytest.fixture(scope="session")
def decline_run(demo_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> DeclineRun:
    """The demo shop with One Click files describing its buyers and a decline run published
    (``tests/support/decline.py``); what the run did."""
    db = tmp_path_factory.mktemp("decline-warehouse") / "actionboard.duckdb"
    return build_scored_shop(db, demo_folder, db.parent / "market")


@pytest.fixture(scope="session")
def decline_db(decline_run: DeclineRun) -> Path:
    """The warehouse of ``decline_run``. Shared: copy its folder before writing."""
    return decline_run.published.parent.parent / "actionboard.duckdb"


@pytest.fixture(scope="session")
def uplift_demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo warehouse built as a first start builds it (its state and ground truth kept beside
    it), at a scale where the planted campaign is large enough to learn an uplift model from.
    Shared and read-only: tests that write copy it (``tests/support/uplift.py``)."""
    from actionboard_cli import build_demo_warehouse
    from tests.support.uplift import UPLIFT_DEMO_SCALE

    db = tmp_path_factory.mktemp("uplift-demo") / "actionboard.duckdb"
    build_demo_warehouse(db, scale=UPLIFT_DEMO_SCALE, progress=False, decline=False)
    return db


@pytest.fixture(scope="session")
def uplift_pool(uplift_demo_db: Path, tmp_path_factory: pytest.TempPathFactory):
    """The uplift demo with a pooled model of two win-back campaigns published by a refresh
    (``tests/support/uplift.py``). Shared and read-only: copy it before writing."""
    from tests.support.uplift import publish_pool

    return publish_pool(uplift_demo_db, tmp_path_factory.mktemp("uplift-pool"))


@pytest.fixture
def overview_snapshot(tmp_path: Path) -> OverviewSnapshot:
    """A small published snapshot with the daily tables, every figure derivable by hand."""
    return write_overview_snapshot(tmp_path / "actionboard.duckdb")
