"""The Users page's layout: the list of users (filled by ``callbacks.py``), a form to add one,
and the changes an admin can make to an existing one."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import components
from dashboard.access.roles import ROLE_NAMES
from dashboard.pages.users import ids

ROLE_OPTIONS = [{"label": label, "value": role} for role, label in ROLE_NAMES.items()]


def layout(**_query: str) -> html.Div:
    add = dbc.Card(dbc.CardBody([
        html.H4("Add a user", className="mb-2"),
        dbc.Row([
            dbc.Col(dbc.Input(id=ids.USERS_NEW_NAME, placeholder="Name", maxlength=64), md=3),
            dbc.Col(dbc.Select(id=ids.USERS_NEW_ROLE, options=ROLE_OPTIONS, value="viewer"),
                    md=3),
            dbc.Col(dbc.Input(id=ids.USERS_NEW_PASSWORD, type="password", maxlength=1024,
                              placeholder="Password (empty: one is made up)",
                              autocomplete="new-password"), md=4),
            dbc.Col(dbc.Button("Add user", id=ids.USERS_ADD, color="primary"), md="auto"),
        ], className="g-2"),
    ]), className="mb-3")
    change = dbc.Card(dbc.CardBody([
        html.H4("Change a user", className="mb-2"),
        dbc.Row([
            dbc.Col(dbc.Select(id=ids.USERS_PICK, options=[], placeholder="User"), md=3),
            dbc.Col(dbc.Select(id=ids.USERS_PICK_ROLE, options=ROLE_OPTIONS, value="viewer"),
                    md=3),
            dbc.Col(dbc.ButtonGroup([
                dbc.Button("Set role", id=ids.USERS_SET_ROLE, color="primary", outline=True),
                dbc.Button("New password", id=ids.USERS_NEW_PASSWORD_FOR, color="secondary",
                           outline=True),
                dbc.Button("Remove", id=ids.USERS_REMOVE, color="danger", outline=True),
            ]), md="auto"),
        ], className="g-2"),
    ]), className="mb-3")
    return html.Div([
        components.page_header("Users", "Who may sign in, and what each may do."),
        dcc.Store(id=ids.USERS_VERSION, data={"n": 0}),
        html.Div(id=ids.USERS_MESSAGE),
        dbc.Card(dbc.CardBody(html.Div(id=ids.USERS_TABLE)), className="mb-3"),
        add,
        change,
    ])
