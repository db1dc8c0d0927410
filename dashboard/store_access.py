"""What the pages pass the command side besides the warehouse: the operational store's URL and
the acting user.

``create_app`` attaches the store's URL (``--ops-url``; None means ``$ACTIONBOARD_OPS_URL`` or
the SQLite file beside the warehouse) to the app, as it attaches the snapshot reader. The acting
user is the signed-in user that sign-in puts on ``flask.g`` (under ``USER_KEY``); without sign-in
the audit log names the dashboard itself.
"""

from __future__ import annotations

import dash
import flask

OPS_URL_CONFIG_KEY = "ACTIONBOARD_OPS_URL"
USER_KEY = "actionboard_user"
DASHBOARD_USER = "dashboard"

_latest_ops_url: str | None = None


def attach_ops_url(app: dash.Dash, url: str | None) -> None:
    """Give ``app``'s pages the store's URL; outside a request the app created last is meant."""
    global _latest_ops_url
    app.server.config[OPS_URL_CONFIG_KEY] = url
    _latest_ops_url = url


def ops_url() -> str | None:
    """The operational store's URL of the app serving this request (or created last)."""
    if flask.has_app_context():
        return flask.current_app.config.get(OPS_URL_CONFIG_KEY)
    return _latest_ops_url


def acting_user() -> str:
    """The name the audit log records for this request's commands."""
    if flask.has_app_context():
        return flask.g.get(USER_KEY) or DASHBOARD_USER
    return DASHBOARD_USER
