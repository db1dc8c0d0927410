"""What a dashboard page gives the shell: where it lives, its layout and its callbacks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import dash


@dataclass(frozen=True)
class Page:
    """One page: ``create_app`` registers it with ``dash.register_page`` (its ``layout`` is called
    with the URL's query parameters) and calls ``register_callbacks(app)`` once per app.
    ``role``: who may see it (``dashboard.access``); others get neither its link nor its layout
    (its callbacks declare their own roles)."""

    module: str
    path: str
    name: str
    order: int
    title: str
    layout: Callable[..., object]
    register_callbacks: Callable[[dash.Dash], None]
    role: str = "viewer"
