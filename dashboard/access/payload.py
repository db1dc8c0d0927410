"""Check a callback request against the callback it names, before Dash runs it.

The browser posts to ``/_dash-update-component`` a JSON body naming the callback (``output``) and
the values of its inputs and states, each with the component id and property it comes from. A
body that names no callback of this app, or whose inputs and states are not the ones the callback
declared (their number, ids, properties, or the list shape of ``ALL`` patterns), never came from
the dashboard: it is answered 400 with what is wrong, instead of failing somewhere inside Dash.
The values themselves are JSON of any shape; each callback checks what it uses.
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.exceptions import BadRequest

WILDCARDS = ('["ALL"]', '["ALLSMALLER"]', '["MATCH"]')
MAX_ITEMS = 10_000  # components one ALL pattern may carry in a request


def callback_for(callback_map: dict[str, dict[str, Any]], body: Any) -> dict[str, Any]:
    """The entry of ``callback_map`` that ``body`` asks for; BadRequest when the body cannot
    have come from this app's pages."""
    if not isinstance(body, dict):
        raise BadRequest("A callback request is a JSON object.")
    output = body.get("output")
    if not isinstance(output, str) or output not in callback_map:
        raise BadRequest("The request names no callback of this dashboard.")
    callback = callback_map[output]
    if "callback" not in callback:  # a clientside callback: it runs in the browser
        raise BadRequest("This callback runs in the browser, not on the server.")
    for key in ("inputs", "state"):
        _check_values(body.get(key, []), callback.get(key, []), key)
    outputs = body.get("outputs")
    if outputs is not None and not isinstance(outputs, dict | list):
        raise BadRequest("'outputs' must be an object or a list.")
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        raise BadRequest("'changedPropIds' must be a list of strings.")
    return callback


def _check_values(sent: Any, declared: list[dict[str, Any]], key: str) -> None:
    if not isinstance(sent, list) or len(sent) != len(declared):
        raise BadRequest(f"'{key}' must list the callback's {len(declared)} {key} values.")
    for position, (item, dependency) in enumerate(zip(sent, declared, strict=True)):
        where = f"{key}[{position}]"
        pattern = _pattern(dependency["id"])
        prop = dependency["property"]
        if pattern is None:
            _check_item(item, where, prop, lambda sent_id, wanted=dependency["id"]:
                        sent_id == wanted)
            continue
        if any(value in ('["ALL"]', '["ALLSMALLER"]') for value in pattern.values()):
            if not isinstance(item, list) or len(item) > MAX_ITEMS:
                raise BadRequest(f"{where} must be a list of components.")
            for number, element in enumerate(item):
                _check_item(element, f"{where}[{number}]", prop,
                            lambda sent_id, wanted=pattern: _matches(sent_id, wanted))
        else:
            _check_item(item, where, prop,
                        lambda sent_id, wanted=pattern: _matches(sent_id, wanted))


def _check_item(item: Any, where: str, prop: str, id_matches: Any) -> None:
    if not isinstance(item, dict) or not id_matches(item.get("id")):
        raise BadRequest(f"{where} does not come from the component this callback reads.")
    if item.get("property") != prop:
        raise BadRequest(f"{where} must be the property {prop!r}.")


def _pattern(component_id: Any) -> dict[str, str] | None:
    """A pattern-matching id as {key: its value as JSON}; None for a plain id."""
    if not isinstance(component_id, str) or not component_id.startswith("{"):
        return None
    parsed = json.loads(component_id)
    return {key: json.dumps(value, separators=(",", ":")) for key, value in parsed.items()}


def _matches(sent_id: Any, pattern: dict[str, str]) -> bool:
    if not isinstance(sent_id, dict) or set(sent_id) != set(pattern):
        return False
    for key, wanted in pattern.items():
        value = sent_id[key]
        if wanted in WILDCARDS:
            if not isinstance(value, str | int | float):
                return False
        elif json.dumps(value, separators=(",", ":")) != wanted:
            return False
    return True
