"""Helpers for registering the pages' callbacks on an app.

Callback bodies are plain functions of their inputs, so tests call them directly. A body that
needs to know which input fired takes its id as its first argument; ``with_trigger`` wraps it
for registration.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash import ctx


def with_trigger(body: Callable[..., Any]) -> Callable[..., Any]:
    """``body(trigger, *inputs)`` as a Dash callback of ``*inputs``; ``trigger`` is the id of the
    input that fired (a string, or a dict for pattern-matching ids)."""

    def callback(*inputs: Any) -> Any:
        return body(ctx.triggered_id, *inputs)

    callback.__name__ = body.__name__
    callback.__doc__ = body.__doc__
    return callback
