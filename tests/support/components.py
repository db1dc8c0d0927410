"""Reading Dash component trees returned by layouts and callbacks."""

from __future__ import annotations

from typing import Any


def text_of(component: Any) -> str:
    """All text inside a Dash component tree."""
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(text_of(c) for c in component)
    return text_of(getattr(component, "children", None))


def find(component: Any, component_id: Any) -> Any:
    """The component with ``component_id`` inside a tree, or None."""
    if getattr(component, "id", None) == component_id:
        return component
    children = getattr(component, "children", component if isinstance(component, list) else None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found = find(child, component_id)
            if found is not None:
                return found
    return None
