"""The Dash shell: navbar, page container, the snapshot reader the pages share, and what guards
them: sign-in, roles, Host and header protection, callback errors.

Adding a page = adding a subpackage of ``dashboard/pages/`` that defines a ``PAGE``
(``dashboard.page.Page``: path, name, order, layout, ``register_callbacks``) and listing it in
``dashboard/pages/__init__.py``. ``create_app`` registers each page with Dash and its callbacks on
the app itself, so building several apps in one process (tests do) gives each its own callbacks.
A callback or download that needs more than viewing is registered as
``requires(ROLE, body)`` (``dashboard.access``).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard import components, ids
from dashboard.access import VIEWER, current_role, current_user_name, gate, login, may
from dashboard.access.roles import ROLE_NAMES
from dashboard.data import attach_reader
from dashboard.page import Page
from dashboard.pages import PAGES
from dashboard.serving import errors, protection
from dashboard.serving.settings import ServerSettings
from dashboard.store_access import attach_ops_url
from warehouse.queries.status import refresh_info
from warehouse.snapshots import NoSnapshotError, SnapshotReader

# assets/ holds the Bootstrap "Flatly" theme (Bootswatch 5.3.6, MIT) so the dashboard is styled
# without internet access; Dash serves every CSS file there, in name order. In a checkout it is
# the top-level assets/ folder; an installed package carries it as dashboard/assets/.
_HERE = Path(__file__).resolve().parent
ASSETS_FOLDER = _HERE / "assets" if (_HERE / "assets").is_dir() else _HERE.parent / "assets"

log = logging.getLogger(__name__)


SESSION_COOKIE = "actionboard_session"


def _user_menu() -> list[dbc.NavItem]:
    """The signed-in user's name and role, and a sign-out button (a form posting the browser's
    form token, so another site cannot sign the user out)."""
    name, role = current_user_name(), current_role()
    if name is None:
        return []
    return [
        dbc.NavItem(html.Span(f"{name} · {ROLE_NAMES.get(role or '', role)}", id=ids.APP_USER,
                              className="navbar-text text-white ms-lg-4 me-2")),
        dbc.NavItem(html.Form([
            dbc.Input(type="hidden", name=login.CSRF_FIELD, value=login.csrf_token()),
            dbc.Button("Sign out", id=ids.APP_SIGN_OUT, type="submit", color="link",
                       className="nav-link"),
        ], action=login.LOGOUT_PATH, method="POST", className="d-flex")),
    ]


def _navbar() -> dbc.NavbarSimple:
    links = [
        dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="exact"))
        for page in dash.page_registry.values()  # kept sorted by each page's `order`
        if may(page.get("role", VIEWER))
    ] + _user_menu()
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


def _for_role(page: Page) -> Callable[..., object]:
    """``page``'s layout for users allowed to see it; a message for the others."""
    if page.role == VIEWER:
        return page.layout

    def layout(**query: str) -> object:
        if not may(page.role):
            return components.message(f"The {page.name} page needs the "
                                      f"{ROLE_NAMES[page.role]} role.", color="danger")
        return page.layout(**query)

    return layout


def _shell() -> html.Div:
    """The layout of every page, built per request: the navbar names who is signed in."""
    return html.Div([_navbar(), dbc.Container(dash.page_container, fluid=True)])


def create_app(db: Path, ops_url: str | None = None,
               settings: ServerSettings | None = None) -> dash.Dash:
    """Build the dashboard for the warehouse ``db``; pages read its current published snapshot
    and write through the command side to the operational store at ``ops_url`` (None:
    ``$ACTIONBOARD_OPS_URL``, else the SQLite file beside ``db``), where its users are.
    ``settings``: how it is served (default: one process on loopback)."""
    settings = settings or ServerSettings()
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder="",  # pages are registered below, not discovered in a folder
        assets_folder=str(ASSETS_FOLDER),
        suppress_callback_exceptions=True,
        title="Actionboard",
    )
    for page in PAGES:
        dash.register_page(page.module, path=page.path, name=page.name, order=page.order,
                           title=page.title, layout=_for_role(page), role=page.role)
        page.register_callbacks(app)
    reader = SnapshotReader(Path(db))
    attach_reader(app, reader)
    attach_ops_url(app, ops_url)
    app.layout = _shell
    server = app.server
    server.secret_key = settings.secret_key or secrets.token_bytes(32)
    server.config.update(
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
    )
    protection.install(app, settings.allowed_hosts)  # first: other hosts are refused
    gate.install(app)
    login.install(server)
    errors.install(server)
    server.add_url_rule("/health", "health", lambda: _health(reader))
    log.info("dashboard built for %s", db)
    return app


def _health(reader: SnapshotReader) -> tuple[dict[str, str | None], int]:
    """Which published refresh the server is reading: for operators and deployment checks."""
    try:
        info = refresh_info(reader.cursor())
    except NoSnapshotError as error:
        return {"status": "no data", "detail": str(error)}, 503
    return {"status": "ok", "snapshot": reader.path.name, **info}, 200
