"""Operational stores on both backends, for the tests of the store and of the commands on it.

``store`` is parametrised: an SQLite file beside a warehouse path, and a fresh database on the
PostgreSQL server named by ``ACTIONBOARD_TEST_PG_URL`` (``.ci/run`` starts one). Without that URL
the PostgreSQL cases are skipped, unless the environment says PostgreSQL is expected
(``ACTIONBOARD_TEST_PG_REQUIRED=1``, set by ``.ci/run``, or ``CI``): then they fail, so a CI run
can never pass with only half of the backends tested.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from warehouse.ops import dispose_engines, ops_engine, ops_url

PG_URL_ENV = "ACTIONBOARD_TEST_PG_URL"
PG_REQUIRED_ENV = "ACTIONBOARD_TEST_PG_REQUIRED"
BACKENDS = ("sqlite", "postgresql")


@dataclass(frozen=True)
class StoreCase:
    """A warehouse path and the URL of an empty operational store for it."""

    backend: str
    db: Path
    url: str


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def postgres_server_url() -> str:
    """The test server's URL, or skip (fail when PostgreSQL is expected) without one."""
    url = os.environ.get(PG_URL_ENV)
    if url:
        return url
    message = (f"PostgreSQL cases need {PG_URL_ENV}=postgresql+psycopg://USER@HOST:PORT/DB "
               "(a user allowed to create databases); .ci/run starts a server and sets it")
    if _truthy(PG_REQUIRED_ENV) or _truthy("CI"):
        pytest.fail(f"PostgreSQL is expected in this run but {PG_URL_ENV} is not set. {message}")
    pytest.skip(message)


@contextmanager
def fresh_postgres_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server for one test; dropped afterwards."""
    name = f"ops_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        finally:
            dispose_engines()  # close the store's pooled connections before dropping it
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreCase]:
    """An empty operational store on each backend (not yet created: opening it migrates it)."""
    db = tmp_path / "w.duckdb"
    if request.param == "sqlite":
        yield StoreCase("sqlite", db, ops_url(db))
        dispose_engines()
        return
    with fresh_postgres_database(postgres_server_url()) as url:
        yield StoreCase("postgresql", db, url)


@pytest.fixture
def engine(store: StoreCase) -> Engine:
    """The store's engine, schema migrated."""
    return ops_engine(store.url)
