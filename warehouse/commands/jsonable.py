"""Parameters and metrics as JSON that every store backend accepts."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any


def jsonable(value: Mapping[str, Any], default: Callable[[Any], str] = str) -> dict[str, Any]:
    """``value`` as plain JSON values: other objects through ``default``, NaN and infinities as
    null (PostgreSQL's json type refuses them; a metric that could not be computed is unknown)."""
    return json.loads(json.dumps(dict(value), default=default), parse_constant=lambda _: None)
