"""The Dash shell: navbar, page container and the snapshot reader the pages share.

Adding a page = adding one module to ``dashboard/pages/`` that calls ``dash.register_page``
(with a ``name`` and an ``order``), defines ``layout`` and registers its callbacks with
``dash.callback``. Callbacks belong in page modules (or in ``create_app``): Dash re-executes the
page modules for every app it builds, which is what re-registers them. A page module can only be
imported once an app exists (``register_page`` requires one), so tests call ``create_app`` first.
"""

from __future__ import annotations

from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import _callback as dash_callback  # Dash's process-wide callback registry
from dash import html

from dashboard import ids
from dashboard.data import attach_reader
from warehouse.queries.status import refresh_info
from warehouse.snapshots import NoSnapshotError, SnapshotReader

PAGES_FOLDER = Path(__file__).resolve().with_name("pages")
# assets/ holds the Bootstrap "Flatly" theme (Bootswatch 5.3.6, MIT) so the dashboard is styled
# without internet access; Dash serves every CSS file there, in name order.
ASSETS_FOLDER = Path(__file__).resolve().parent.parent / "assets"


def _forget_earlier_registrations() -> None:
    """Drop pages and callbacks registered by an app built earlier in this process.

    ``dash.callback`` collects callbacks in process-wide lists that an app adopts on its first
    request. Building a second app (tests do) re-executes the page modules; without this, an app
    that never served a request would leave its copies behind and the next app would get every
    callback twice.
    """
    dash_callback.GLOBAL_CALLBACK_LIST.clear()
    dash_callback.GLOBAL_CALLBACK_MAP.clear()
    dash_callback.GLOBAL_INLINE_SCRIPTS.clear()
    dash.page_registry.clear()


def _navbar() -> dbc.NavbarSimple:
    links = [
        dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="exact"))
        for page in dash.page_registry.values()  # kept sorted by each page's `order`
    ]
    return dbc.NavbarSimple(
        links,
        brand="Actionboard",
        brand_href="/",
        color="primary",
        dark=True,
        id=ids.APP_NAVBAR,
        className="mb-3",
        fluid=True,
    )


def create_app(db: Path) -> dash.Dash:
    """Build the dashboard for the warehouse ``db``; pages read its current published snapshot."""
    _forget_earlier_registrations()
    app = dash.Dash(
        # The package's name (not this module's) makes Dash import each page as
        # ``dashboard.pages.<page>``, the same module a plain import gives.
        __package__ or "dashboard",
        use_pages=True,
        pages_folder=str(PAGES_FOLDER),
        assets_folder=str(ASSETS_FOLDER),
        suppress_callback_exceptions=True,
        title="Actionboard",
    )
    reader = SnapshotReader(Path(db))
    attach_reader(app, reader)
    app.layout = html.Div([_navbar(), dbc.Container(dash.page_container, fluid=True)])
    app.server.add_url_rule("/health", "health", lambda: _health(reader))
    return app


def _health(reader: SnapshotReader) -> tuple[dict[str, str | None], int]:
    """Which published refresh the server is reading: for operators and deployment checks."""
    try:
        info = refresh_info(reader.cursor())
    except NoSnapshotError as error:
        return {"status": "no data", "detail": str(error)}, 503
    return {"status": "ok", "snapshot": reader.path.name, **info}, 200
