"""The Users page's callbacks, all for admins only (declared at registration): the list, adding
a user, and changing one's role or password or removing them. A password made up here is shown
once, for the admin to pass on."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, html
from sqlalchemy.exc import SQLAlchemyError

from dashboard import components, store_access
from dashboard.access import ADMIN, requires
from dashboard.access.roles import ROLE_NAMES
from dashboard.callbacks import with_trigger
from dashboard.data import snapshot_reader
from dashboard.errors import shown
from dashboard.pages.users import ids
from warehouse import commands

NO_CHANGE = dash.no_update


def _bump(version: Any) -> dict[str, int]:
    count = version.get("n", 0) if isinstance(version, dict) else 0
    return {"n": (count if isinstance(count, int) else 0) + 1}


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def render_users(_version: Any) -> tuple:
    """The users as a table, and as the choices of the change form."""
    try:
        users = commands.list_users(snapshot_reader().db, ops_url=store_access.ops_url())
    except SQLAlchemyError as error:
        return components.message(shown(error)), []
    frame = pd.DataFrame({
        "Name": [user.name for user in users],
        "Role": [ROLE_NAMES.get(user.role, user.role) for user in users],
        "Added (UTC)": [f"{user.created_at:%Y-%m-%d %H:%M}" for user in users],
        "Changed (UTC)": [f"{user.updated_at:%Y-%m-%d %H:%M}" for user in users],
    })
    table = dbc.Table.from_dataframe(frame, striped=True, size="sm", className="mb-0")
    return table, [{"label": user.name, "value": user.name} for user in users]


def _done(text: str, password: str | None = None) -> dbc.Alert:
    if password is None:
        return components.message(text, color="success")
    return dbc.Alert([text, " Their password, shown only now: ", html.Code(password)],
                     color="success")


def add_user(n_clicks: Any, name: Any, role: Any, password: Any, version: Any) -> tuple:
    """Add the user typed in; a password is made up when none is given."""
    if not n_clicks:
        raise dash.exceptions.PreventUpdate
    typed = password if isinstance(password, str) and password else None
    chosen = typed or commands.generate_password()
    try:
        commands.add_user(snapshot_reader().db, _text(name), role if isinstance(role, str)
                          else "", chosen, user=store_access.acting_user(),
                          ops_url=store_access.ops_url())
    except ValueError as error:  # UserError, or a password too short
        return components.message(f"Not added: {error}.", color="danger"), NO_CHANGE, NO_CHANGE
    except SQLAlchemyError as error:
        return components.message(shown(error), color="danger"), NO_CHANGE, NO_CHANGE
    done = _done(f"Added {_text(name)} as {ROLE_NAMES.get(role, role)}.",
                 None if typed else chosen)
    return done, _bump(version), ""


def change_user(trigger: Any, _set: Any, _password: Any, _remove: Any, name: Any, role: Any,
                version: Any) -> tuple:
    """Set the picked user's role, give them a new (made-up) password, or remove them."""
    if not isinstance(name, str) or not name:
        return components.message("Pick a user first."), NO_CHANGE
    db, acting, url = snapshot_reader().db, store_access.acting_user(), store_access.ops_url()
    try:
        if trigger == ids.USERS_SET_ROLE:
            commands.set_role(db, name, role if isinstance(role, str) else "", user=acting,
                              ops_url=url)
            done = _done(f"{name} is now {ROLE_NAMES.get(role, role)}.")
        elif trigger == ids.USERS_NEW_PASSWORD_FOR:
            password = commands.generate_password()
            commands.set_password(db, name, password, user=acting, ops_url=url)
            done = _done(f"Gave {name} a new password.", password)
        elif trigger == ids.USERS_REMOVE:
            commands.remove_user(db, name, user=acting, ops_url=url)
            done = _done(f"Removed {name}; their sessions have ended.")
        else:
            raise dash.exceptions.PreventUpdate
    except ValueError as error:
        return components.message(f"Not changed: {error}.", color="danger"), NO_CHANGE
    except SQLAlchemyError as error:
        return components.message(shown(error), color="danger"), NO_CHANGE
    return done, _bump(version)


def register_callbacks(app: dash.Dash) -> None:
    app.callback(
        Output(ids.USERS_TABLE, "children"),
        Output(ids.USERS_PICK, "options"),
        Input(ids.USERS_VERSION, "data"),
    )(requires(ADMIN, render_users))
    app.callback(
        Output(ids.USERS_MESSAGE, "children"),
        Output(ids.USERS_VERSION, "data"),
        Output(ids.USERS_NEW_PASSWORD, "value"),
        Input(ids.USERS_ADD, "n_clicks"),
        State(ids.USERS_NEW_NAME, "value"),
        State(ids.USERS_NEW_ROLE, "value"),
        State(ids.USERS_NEW_PASSWORD, "value"),
        State(ids.USERS_VERSION, "data"),
        prevent_initial_call=True,
    )(requires(ADMIN, add_user))
    app.callback(
        Output(ids.USERS_MESSAGE, "children", allow_duplicate=True),
        Output(ids.USERS_VERSION, "data", allow_duplicate=True),
        Input(ids.USERS_SET_ROLE, "n_clicks"),
        Input(ids.USERS_NEW_PASSWORD_FOR, "n_clicks"),
        Input(ids.USERS_REMOVE, "n_clicks"),
        State(ids.USERS_PICK, "value"),
        State(ids.USERS_PICK_ROLE, "value"),
        State(ids.USERS_VERSION, "data"),
        prevent_initial_call=True,
    )(requires(ADMIN, with_trigger(change_user)))
