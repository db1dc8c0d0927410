"""Which role each callback and download needs, declared where it is registered.

A page wraps the body of every callback that changes something or hands customers out, and every
download view, at its registration::

    app.callback(Output(...), Input(...), ...)(requires(CAMPAIGN_OWNER, launch))
    app.server.add_url_rule("/download/x.csv", "x", requires(ANALYST, download_x))

Anything not declared needs ``VIEWER``: signed in, nothing more. The central check
(``dashboard.access.gate``) reads the declaration before the callback or view runs and answers
403 to a user without the role; the wrapper checks again when called, so a body reached some
other way is guarded too. Hiding a control from a role (``may``) is for the user's sake only.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import flask
from werkzeug.exceptions import Forbidden, Unauthorized

from dashboard.store_access import USER_KEY
from warehouse.commands import ADMIN, ANALYST, CAMPAIGN_OWNER, ROLES, VIEWER, role_allows

__all__ = ["ADMIN", "ANALYST", "CAMPAIGN_OWNER", "ROLES", "VIEWER", "current_role",
           "current_user_name", "may", "refusal", "required_role", "requires", "visible_to"]

F = TypeVar("F", bound=Callable[..., Any])

ROLE_ATTRIBUTE = "actionboard_required_role"
ROLE_KEY = "actionboard_role"  # flask.g: the signed-in user's role (their name: USER_KEY)
ROLE_NAMES = {VIEWER: "viewer", ANALYST: "analyst", CAMPAIGN_OWNER: "campaign owner",
              ADMIN: "admin"}


def requires(role: str, body: F) -> F:
    """``body`` declared to need ``role`` (one of ``ROLES``); called within a request by a user
    without it, it raises Forbidden."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")

    @functools.wraps(body)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if flask.has_request_context():
            problem = refusal(current_role(), role)
            if problem is not None:
                raise problem
        return body(*args, **kwargs)

    setattr(guarded, ROLE_ATTRIBUTE, role)
    return guarded  # type: ignore[return-value]


def required_role(function: Callable[..., Any] | None) -> str:
    """The role ``function`` (a callback as Dash stores it, or a view) was declared to need,
    looking through wrappers (Dash's own, ``functools.wraps``); ``VIEWER`` if none."""
    while function is not None:
        role = getattr(function, ROLE_ATTRIBUTE, None)
        if role is not None:
            return role
        function = getattr(function, "__wrapped__", None)
    return VIEWER


def refusal(role: str | None, needed: str) -> Unauthorized | Forbidden | None:
    """Why a user of ``role`` (None: nobody signed in) may not do what needs ``needed``, as the
    HTTP error to answer; None when they may."""
    if role is None:
        return Unauthorized("Sign in first.")
    if role_allows(role, needed):
        return None
    return Forbidden(f"This needs the {ROLE_NAMES[needed]} role or higher; you are signed in "
                     f"as {ROLE_NAMES.get(role, role)}.")


def current_role() -> str | None:
    """The signed-in user's role in this request (None outside one or before sign-in)."""
    if not flask.has_request_context():
        return None
    return flask.g.get(ROLE_KEY)


def current_user_name() -> str | None:
    if not flask.has_request_context():
        return None
    return flask.g.get(USER_KEY)


def visible_to(role: str) -> dict[str, str] | None:
    """A style that hides a control from users without ``role`` (None: shown)."""
    return None if may(role) else {"display": "none"}


def may(role: str) -> bool:
    """Whether this request's user has ``role``: for showing or hiding controls. Outside a
    request (a test building a layout) everything is shown; the server checks regardless."""
    if not flask.has_request_context():
        return True
    return role_allows(current_role(), role)
