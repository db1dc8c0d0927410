"""Callback requests to a dashboard app through Flask's test client, as the renderer makes them
(built by ``bench.dash_client`` from the app's own layout and dependencies)."""

from __future__ import annotations

import json
from typing import Any

from flask.testing import FlaskClient

from bench.dash_client import (
    PAGES_CALLBACK_INPUT,
    Props,
    apply_response,
    components,
    id_key,
    request_body,
)

CALLBACK_PATH = "/_dash-update-component"


def dependencies(client: FlaskClient) -> list[dict[str, Any]]:
    response = client.get("/_dash-dependencies")
    assert response.status_code == 200
    return response.get_json()


def page_props(client: FlaskClient, path: str) -> Props:
    """Every component of the page at ``path`` with its properties, after the pages callback
    placed the page's layout in the shell."""
    props = components(client.get("/_dash-layout").get_json())
    props[PAGES_CALLBACK_INPUT].update(pathname=path, search="")
    pages = next(d for d in dependencies(client)
                 if any(item["id"] == PAGES_CALLBACK_INPUT for item in d["inputs"]))
    body = request_body(pages, props, changed=[f"{PAGES_CALLBACK_INPUT}.pathname"])
    response = client.post(CALLBACK_PATH, json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    apply_response(props, response.get_json())
    return props


def first_input(dependency: dict[str, Any]) -> str:
    """"id.property" of a callback's first input: what a user's action on it fires."""
    first = dependency["inputs"][0]
    return f"{first['id']}.{first['property']}"


def synthetic_props(dependency: dict[str, Any]) -> Props:
    """Components for every input and state of ``dependency``, with no properties set: a
    request for a callback whose components no page shows with this data."""
    props: Props = {}
    for item in dependency["inputs"] + dependency["state"]:
        component_id = item["id"]
        if component_id.startswith("{"):
            pattern = json.loads(component_id)
            concrete = {key: (0 if isinstance(value, list) else value)
                        for key, value in pattern.items()}
            props[id_key(concrete)] = {}
        else:
            props[component_id] = {}
    return props
