"""Callbacks given requests the UI never sends: every callback of every page, with broken request
shapes (answered 400 with what is wrong) and with values of every odd kind in each input and state
(answered as the UI would be, or 4xx with a message): never HTTP 500."""

from __future__ import annotations

import copy
import random
from pathlib import Path

import pytest

from bench.dash_client import request_body
from dashboard.app import create_app
from dashboard.pages import PAGES
from tests.support.dash_requests import (
    CALLBACK_PATH,
    dependencies,
    first_input,
    page_props,
    synthetic_props,
)
from tests.support.signed_in import add_team, signed_in
from tests.support.warehouses import copy_warehouse

ODD_VALUES = [None, "", "x" * 5_000, -1, 0, 10**20, 1e308, -1e308, [], {}, {"a": [1, {"b": 2}]},
              True, "=cmd|' /C calc'!A0", "../../etc/passwd", "2015-13-45", [None, "x"],
              {"id": "x", "property": "value"}, "NaN"]
VALUES_PER_SLOT = 5


@pytest.fixture(scope="module")
def fuzzed(demo_db: Path, tmp_path_factory: pytest.TempPathFactory):
    """A signed-in admin on a private copy, and every callback with a request the page would
    send (its components as each page renders them; with no values where no page shows them
    with this data)."""
    db = copy_warehouse(demo_db, tmp_path_factory.mktemp("fuzz") / "warehouse")
    add_team(db)
    client = signed_in(create_app(db), "admin")
    bodies = {}
    for page in PAGES:
        props = page_props(client, page.path)
        for dependency in dependencies(client):
            body = request_body(dependency, props, changed=[first_input(dependency)])
            if body is not None and not dependency.get("clientside_function"):
                bodies.setdefault(dependency["output"], body)
    for dependency in dependencies(client):
        if dependency["output"] not in bodies and not dependency.get("clientside_function"):
            bodies[dependency["output"]] = request_body(
                dependency, synthetic_props(dependency), changed=[first_input(dependency)])
    return client, bodies


def _refused(response, words: str) -> None:
    assert response.status_code == 400, response.get_data(as_text=True)
    assert words in response.get_json()["message"]


def test_every_server_callback_is_reached(fuzzed) -> None:
    client, bodies = fuzzed
    server_side = [d["output"] for d in dependencies(client) if not d.get("clientside_function")]
    assert sorted(bodies) == sorted(server_side)


def test_broken_request_shapes_are_answered_400_with_what_is_wrong(fuzzed) -> None:
    client, bodies = fuzzed
    for output, body in bodies.items():
        broken = {k: v for k, v in body.items() if k != "inputs"}
        _refused(client.post(CALLBACK_PATH, json=broken), "'inputs' must list")
        fewer = copy.deepcopy(body)
        fewer["inputs"] = fewer["inputs"][:-1]
        _refused(client.post(CALLBACK_PATH, json=fewer), "'inputs' must list")
        as_object = dict(body, inputs={"0": body["inputs"]})
        _refused(client.post(CALLBACK_PATH, json=as_object), "'inputs' must list")
        first = copy.deepcopy(body)
        item = first["inputs"][0]
        if isinstance(item, list):  # an ALL pattern: a list of components
            first["inputs"][0] = {"id": "x", "property": "value", "value": 1}
            _refused(client.post(CALLBACK_PATH, json=first), "must be a list of components")
            continue
        item["id"] = "someone-else" if isinstance(item["id"], str) else {"type": "x", "index": 0}
        _refused(client.post(CALLBACK_PATH, json=first), "does not come from the component")
        wrong_prop = copy.deepcopy(body)
        wrong_prop["inputs"][0]["property"] = "dangerouslySetInnerHTML"
        _refused(client.post(CALLBACK_PATH, json=wrong_prop), "must be the property")
        changed = dict(body, changedPropIds="everything")
        _refused(client.post(CALLBACK_PATH, json=changed), "'changedPropIds' must be a list")
        assert output


@pytest.mark.parametrize("body", [None, [], "text", {"output": "nobody.children"},
                                  {"output": ["a"]}])
def test_requests_naming_no_callback_are_answered_400(fuzzed, body) -> None:
    client, _ = fuzzed
    _refused(client.post(CALLBACK_PATH, json=body), "")


def test_a_body_that_is_not_json_is_answered_400(fuzzed) -> None:
    client, _ = fuzzed
    response = client.post(CALLBACK_PATH, data=b"\xff\xfe{not json",
                           content_type="application/json")
    assert response.status_code == 400


def test_odd_values_in_every_input_and_state_never_answer_500(fuzzed) -> None:
    client, bodies = fuzzed
    chooser = random.Random(11)
    answered: dict[int, int] = {}
    for output, body in sorted(bodies.items()):
        slots = [("inputs", n) for n in range(len(body["inputs"]))] + [
            ("state", n) for n in range(len(body["state"]))]
        for key, position in slots:
            for value in chooser.sample(ODD_VALUES, VALUES_PER_SLOT):
                odd = copy.deepcopy(body)
                item = odd[key][position]
                for element in item if isinstance(item, list) else [item]:
                    element["value"] = value
                response = client.post(CALLBACK_PATH, json=odd)
                answered[response.status_code] = answered.get(response.status_code, 0) + 1
                assert response.status_code in (200, 204, 400), (output, key, position, value)
                if response.status_code == 400:
                    assert response.get_json()["message"]
    assert sum(answered.values()) >= 300
