"""An action rule as stored, and the choices its attributes allow."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

CHANNELS = ("email", "push", "sms", "onsite")
KPIS = ("reactivation", "average ticket size", "retention", "conversion rate")  # suggestions


class RuleError(ValueError):
    """A rule that cannot be saved or evaluated; the message says what is wrong."""


@dataclass
class Rule:
    """One row of the ``rules`` table (``rule_id`` and ``priority`` are set by the store)."""

    name: str
    conditions: list[dict[str, Any]]
    action: str
    channel: str
    offer: str
    kpi: str
    enabled: bool = True
    priority: int | None = None
    rule_id: int | None = None
    created_at: datetime | None = field(default=None, compare=False)
    updated_at: datetime | None = field(default=None, compare=False)
