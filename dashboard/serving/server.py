"""Start the dashboard: waitress in this process (the default), or gunicorn with several worker
processes on Linux (``--workers N``).

Each gunicorn worker builds its own app after the fork (DuckDB connections and the store's
connection pool are not shared between processes); all of them sign session cookies with the
warehouse's one secret key (``dashboard.serving.secret``), so a browser may be answered by any.
"""

from __future__ import annotations

import ipaddress
import logging
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from dashboard.serving.secret import secret_key
from dashboard.serving.settings import LOOPBACK_HOSTS, ServerSettings

WAITRESS_THREADS = 8
GUNICORN_THREADS = 4  # per worker: callbacks wait on DuckDB and the store, not on Python
REQUEST_TIMEOUT_S = 120  # a worker stuck longer than this is restarted
# Idle connections are kept longer than a user pauses between clicks: gunicorn's default of 2 s
# closed them just as browsers reused them, failing requests with "connection reset".
KEEPALIVE_S = 75

log = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    """Whether binding to ``host`` serves this machine only."""
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def settings_for(db: Path, host: str, settings: ServerSettings) -> ServerSettings:
    """``settings`` with the warehouse's kept secret key and the bound address allowed as a
    Host name (a wildcard address is not a name browsers use)."""
    hosts = settings.allowed_hosts
    if host not in ("0.0.0.0", "::", "") and host not in hosts:
        hosts = (*hosts, host)
    return replace(settings, secret_key=secret_key(db), allowed_hosts=hosts)


def run(db: Path, host: str, port: int, *, ops_url: str | None, workers: int,
        settings: ServerSettings, ready: Callable[[], None] = lambda: None) -> None:
    """Serve the dashboard for ``db`` on ``host:port`` until interrupted; ``ready`` is called
    once the port is bound."""
    settings = settings_for(db, host, settings)
    if workers > 1:
        if sys.platform == "win32":
            raise RuntimeError("--workers above 1 needs gunicorn, which runs on Linux and macOS "
                               "only; leave --workers out to serve with one process")
        _gunicorn(db, host, port, ops_url=ops_url, workers=workers, settings=settings,
                  ready=ready)
    else:
        _waitress(db, host, port, ops_url=ops_url, settings=settings, ready=ready)


def _waitress(db: Path, host: str, port: int, *, ops_url: str | None,
              settings: ServerSettings, ready: Callable[[], None]) -> None:
    from waitress.server import create_server

    from dashboard.app import create_app

    app = create_app(db, ops_url=ops_url, settings=settings)
    try:
        server = create_server(app.server, host=host, port=port, threads=WAITRESS_THREADS)
    except OSError as error:
        raise _cannot_bind(host, port, error) from None
    ready()
    server.run()


def _cannot_bind(host: str, port: int, error: OSError) -> RuntimeError:
    return RuntimeError(
        f"cannot serve on {host}:{port}: {error.strerror or error}. Is Actionboard already "
        "running there? Choose another port with --port.")


def _gunicorn(db: Path, host: str, port: int, *, ops_url: str | None, workers: int,
              settings: ServerSettings, ready: Callable[[], None]) -> None:
    from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

    class DashboardApplication(BaseApplication):
        def load_config(self) -> None:
            bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
            options = {
                "bind": [bind], "workers": workers, "threads": GUNICORN_THREADS,
                "worker_class": "gthread", "timeout": REQUEST_TIMEOUT_S,
                "preload_app": False,  # each worker builds its app after the fork
                "keepalive": KEEPALIVE_S, "accesslog": None, "control_socket_disable": True,
                "when_ready": lambda _arbiter: ready(),
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            from dashboard.app import create_app

            return create_app(db, ops_url=ops_url, settings=settings).server

    try:
        DashboardApplication().run()
    except SystemExit as stop:
        if stop.code not in (0, None):
            raise RuntimeError(f"gunicorn could not serve on {host}:{port}; see the messages "
                               "above (another server on the port? choose one with --port)"
                               ) from None
