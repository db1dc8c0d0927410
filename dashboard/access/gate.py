"""The one check every request passes before a page, callback or download runs.

* The sign-in page, ``/health`` and static files (``/assets/``, Dash's component suites, the
  favicon) are open to all.
* Everything else needs a signed-in user: the session's token (in Flask's signed cookie) must be
  an unexpired session of an enabled user in the operational store, read at every request so
  that a new role or a removal applies at once. Without one, a page is redirected to the sign-in
  page and anything else (Dash's ``/_dash-*`` endpoints, downloads) is answered 401.
* A callback request must name a callback of this app with the inputs it declared
  (``dashboard.access.payload``: 400 otherwise); the user's role must be the one declared for it
  (``dashboard.access.roles.requires``; ``VIEWER`` when none), else 403. A download or other view
  is checked against its own declaration the same way.

The user's name and role are put on ``flask.g`` for the command side's audit rows
(``dashboard.store_access.acting_user``) and for the pages (``dashboard.access.roles``).
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import dash
import flask
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, ServiceUnavailable
from werkzeug.wrappers import Response

from dashboard.access.login import LOGIN_PATH, TOKEN_KEY
from dashboard.access.payload import callback_for
from dashboard.access.roles import ROLE_KEY, refusal, required_role
from dashboard.data import snapshot_reader
from dashboard.store_access import USER_KEY, ops_url
from warehouse import commands
from warehouse.commands import SessionUser

CALLBACK_PATH = "/_dash-update-component"
OPEN_PATHS = frozenset({LOGIN_PATH, "/health", "/_favicon.ico", "/favicon.ico"})
OPEN_PREFIXES = ("/assets/", "/_dash-component-suites/")

log = logging.getLogger(__name__)


def is_open(path: str) -> bool:
    """Whether ``path`` is served without sign-in."""
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)


def signed_in_user() -> SessionUser | None:
    """The user whose session this request's cookie holds, or None (the stale token is then
    dropped from the cookie)."""
    token = flask.session.get(TOKEN_KEY)
    if not token:
        return None
    user = commands.session_user(snapshot_reader().db, token, ops_url=ops_url())
    if user is None:
        flask.session.pop(TOKEN_KEY, None)
    return user


def _unsigned(request: flask.Request) -> Response:
    """A page asks the browser to sign in; Dash's requests and downloads are told they may not."""
    if request.method == "GET" and not request.path.startswith(("/_", "/download/")):
        return flask.redirect(f"{LOGIN_PATH}?{urlencode({'next': request.full_path.rstrip('?')})}",
                              code=302)
    return _error(refusal(None, commands.VIEWER))


def _error(error: HTTPException | None) -> Response:
    assert error is not None
    response = flask.jsonify({"message": error.description})
    response.status_code = error.code or 400
    return response


def install(app: dash.Dash) -> None:
    """Put the check in front of every route of ``app``'s server."""

    def gate() -> Response | None:
        request = flask.request
        if is_open(request.path):
            return None
        try:
            user = signed_in_user()
        except SQLAlchemyError as error:
            log.warning("cannot check the session: the store cannot be reached", exc_info=error)
            return _error(ServiceUnavailable(
                "The operational store cannot be reached; try again shortly."))
        if user is None:
            return _unsigned(request)
        flask.g.setdefault(USER_KEY, user.name)
        flask.g.setdefault(ROLE_KEY, user.role)
        try:
            if request.path == CALLBACK_PATH:
                callback = callback_for(app.callback_map, request.get_json(silent=True))
                needed = required_role(callback.get("callback"))
            else:
                needed = required_role(app.server.view_functions.get(request.endpoint or ""))
        except HTTPException as error:
            return _error(error)
        problem = refusal(user.role, needed)
        if problem is not None:
            log.info("%s (%s) refused %s: needs %s", user.name, user.role, request.path, needed)
            return _error(problem)
        return None

    app.server.before_request(gate)
