"""What a browser running the Dash renderer asks the server for, rebuilt from the app's own
``/_dash-layout`` and ``/_dash-dependencies``: the load tool replays it, and the tests build
callback requests with it.

A page visit is: the page's HTML, ``/_dash-layout`` and ``/_dash-dependencies``; the pages
callback, which returns the page's components; then every callback whose inputs are all on the
page and that does not wait for a user (``prevent_initial_call``), with the properties the
components have; then, wave after wave, the callbacks whose inputs the previous answers changed
(as the renderer chains them). A user's action is a new value in a control that some callback
reads (a dropdown's option, a radio item), followed by the callbacks it fires.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from typing import Any

PAGES_CALLBACK_INPUT = "_pages_location"
FORM_TOKEN = re.compile(r'name="csrf" value="([^"]+)"')
CHAIN_WAVES = 3

Props = dict[str, dict[str, Any]]  # component id (as Dash writes it) -> its properties


def id_key(component_id: Any) -> str:
    """A component id as one string: plain ids as they are, dict ids as JSON with sorted keys
    and no spaces (as Dash writes them)."""
    if isinstance(component_id, dict):
        return json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return str(component_id)


def components(tree: Any, found: Props | None = None) -> Props:
    """Every component with an id in a layout (as ``/_dash-layout`` and callbacks return it),
    with its properties."""
    found = {} if found is None else found
    if isinstance(tree, list):
        for item in tree:
            components(item, found)
    elif isinstance(tree, dict):
        props = tree.get("props")
        if isinstance(props, dict) and "type" in tree:
            if props.get("id") is not None:
                found[id_key(props["id"])] = props
            for value in props.values():
                if isinstance(value, dict | list):
                    components(value, found)
        else:
            for value in tree.values():
                if isinstance(value, dict | list):
                    components(value, found)
    return found


def _pattern(component_id: str) -> dict[str, Any] | None:
    if not component_id.startswith("{"):
        return None
    return json.loads(component_id)


def _matching(pattern: dict[str, Any], props: Props) -> list[dict[str, Any]]:
    """The dict ids on the page that a pattern-matching id matches."""
    matches = []
    for key in props:
        if not key.startswith("{"):
            continue
        candidate = json.loads(key)
        if set(candidate) == set(pattern) and all(
            isinstance(value, list) or candidate[name] == value
            for name, value in pattern.items()
        ):
            matches.append(candidate)
    return matches


def _is_multi(pattern: dict[str, Any]) -> bool:
    return any(value in (["ALL"], ["ALLSMALLER"]) for value in pattern.values())


def dependency_items(dependency: dict[str, Any], key: str, props: Props,
                     values: dict[str, Any] | None = None) -> list[Any] | None:
    """The ``inputs`` or ``state`` of a request for ``dependency``, with the values the page's
    components hold (or ``values``, by "id.property"); None when a plain id is not on the page
    or a MATCH pattern matches nothing."""
    items: list[Any] = []
    for wanted in dependency[key]:
        prop = wanted["property"]
        pattern = _pattern(wanted["id"])
        if pattern is None:
            if wanted["id"] not in props:
                return None
            items.append(_item(wanted["id"], prop, props, values))
            continue
        matches = _matching(pattern, props)
        if _is_multi(pattern):
            items.append([_item(match, prop, props, values) for match in matches])
        elif matches:
            items.append(_item(matches[0], prop, props, values))
        else:
            return None
    return items


def _item(component_id: Any, prop: str, props: Props,
          values: dict[str, Any] | None) -> dict[str, Any]:
    key = id_key(component_id)
    value = (values or {}).get(f"{key}.{prop}", props.get(key, {}).get(prop))
    return {"id": component_id, "property": prop, "value": value}


def outputs_of(dependency: dict[str, Any], props: Props) -> list[dict[str, Any]] | dict[str, Any]:
    """The ``outputs`` a request names: each output's id and property (without the
    ``@hash`` of duplicate outputs), a list for a multi-output callback."""
    text = dependency["output"]
    multi = text.startswith("..")
    parts = text[2:-2].split("...") if multi else [text]
    outputs = []
    for part in parts:
        component_id, prop = part.rsplit(".", 1)
        prop = prop.split("@", 1)[0]
        pattern = _pattern(component_id)
        if pattern is not None:
            matches = _matching(pattern, props)
            found: Any = matches if _is_multi(pattern) else (matches[0] if matches else pattern)
            if _is_multi(pattern):
                outputs.append([{"id": match, "property": prop} for match in found])
                continue
            outputs.append({"id": found, "property": prop})
        else:
            outputs.append({"id": component_id, "property": prop})
    return outputs if multi else outputs[0]


def request_body(dependency: dict[str, Any], props: Props,
                 changed: list[str] | None = None,
                 values: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The JSON body the renderer would post to fire ``dependency`` on a page with ``props``
    (None when its inputs are not on the page)."""
    inputs = dependency_items(dependency, "inputs", props, values)
    state = dependency_items(dependency, "state", props, values)
    if inputs is None or state is None:
        return None
    return {"output": dependency["output"], "outputs": outputs_of(dependency, props),
            "inputs": inputs, "state": state, "changedPropIds": changed or []}


def input_keys(dependency: dict[str, Any]) -> set[str]:
    """"id.property" of each plain input of ``dependency``."""
    return {f"{item['id']}.{item['property']}" for item in dependency["inputs"]
            if not item["id"].startswith("{")}


def initial_bodies(dependencies: list[dict[str, Any]], props: Props) -> list[dict[str, Any]]:
    """The requests the renderer makes when ``props`` appear: callbacks not waiting for a user,
    whose inputs are all there (the pages callback excluded)."""
    bodies = []
    for dependency in dependencies:
        if dependency.get("prevent_initial_call") or dependency.get("clientside_function"):
            continue
        if any(item["id"] == PAGES_CALLBACK_INPUT for item in dependency["inputs"]):
            continue
        body = request_body(dependency, props)
        if body is not None:
            bodies.append(body)
    return bodies


def chained_bodies(dependencies: list[dict[str, Any]], props: Props,
                   changed: set[str]) -> list[dict[str, Any]]:
    """The requests the renderer makes after the properties ``changed`` ("id.property")."""
    bodies = []
    for dependency in dependencies:
        if dependency.get("clientside_function"):
            continue
        fired = sorted(input_keys(dependency) & changed)
        if not fired:
            continue
        body = request_body(dependency, props, changed=fired)
        if body is not None:
            bodies.append(body)
    return bodies


def apply_response(props: Props, answer: Any) -> set[str]:
    """Put a callback's answer into the page's properties; the "id.property" it changed. New
    components in returned children join the page."""
    changed: set[str] = set()
    if not isinstance(answer, dict):
        return changed
    for component_id, updates in (answer.get("response") or {}).items():
        if not isinstance(updates, dict):
            continue
        props.setdefault(component_id, {}).update(updates)
        for prop, value in updates.items():
            changed.add(f"{component_id}.{prop}")
            if isinstance(value, dict | list):
                components(value, props)
    return changed


def choices(dependencies: list[dict[str, Any]], props: Props) -> list[tuple[str, Any]]:
    """What a user can pick on the page: ("id.value", option) for each option of a control
    whose value some callback reads."""
    read = set().union(*(input_keys(d) for d in dependencies)) if dependencies else set()
    picks = []
    for key, component in props.items():
        if f"{key}.value" not in read:
            continue
        for option in component.get("options") or []:
            value = option.get("value") if isinstance(option, dict) else option
            if value is not None and value != component.get("value"):
                picks.append((f"{key}.value", value))
    return picks


def pick(dependencies: list[dict[str, Any]], props: Props,
         chooser: random.Random) -> Iterator[dict[str, Any]]:
    """A user's action: one control set to another of its options, and the first wave of
    callbacks it fires (later waves follow from the answers, ``chained_bodies``)."""
    options = choices(dependencies, props)
    if not options:
        return
    key, value = chooser.choice(options)
    component_id, _ = key.rsplit(".", 1)
    props[component_id]["value"] = value
    yield from chained_bodies(dependencies, props, {key})


def form_token(login_page: str) -> str:
    """The sign-in form's token in the sign-in page's HTML."""
    found = FORM_TOKEN.search(login_page)
    if not found:
        raise ValueError("the sign-in page has no form token")
    return found.group(1)
