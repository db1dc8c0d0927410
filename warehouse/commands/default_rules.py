"""The rules a new operational store starts with, seeded once per store.

The rules commands seed them on a store's first use, after ``warehouse.ops.ops_store`` (so after
a DuckDB-era store was imported). A marker in ``ops_meta`` remembers the seeding, so rules a user
deleted never come back, and a store whose rules came from elsewhere (an import) is left alone.
"""

from __future__ import annotations

import json
import weakref

from sqlalchemy import Engine, exists, insert, select

from warehouse.clock import utc_now
from warehouse.ops import ops_transaction
from warehouse.ops.schema import ops_meta, rules

SEEDED_KEY = "default_rules_seeded"

DEFAULT_RULES: list[dict[str, object]] = [
    {
        # First, so the board opens on an audience large enough for a well-powered test: on the
        # demo (scale 0.1) about 3,300 visitors, where +2 pp of conversion needs about 1,400.
        "name": "Cart abandoners",
        "conditions": [{"field": "segment", "op": "=", "value": "Cart Abandoners"}],
        "action": "Cart reminder",
        "channel": "email",
        "offer": "Free shipping on the saved cart",
        "kpi": "conversion rate",
    },
    {
        "name": "High value, at risk",
        "conditions": [
            {"field": "monetary_amount", "op": "top_pct", "value": 20},
            {"any": [
                {"field": "recency_days", "op": "top_pct", "value": 30},
                # Absolute, not relative: one-time buyers have P(alive) = 1 under BG/NBD, so the
                # bottom 30 % would be repeat buyers only and swallow the Loyal VIPs.
                {"field": "p_alive", "op": "<", "value": 0.5},
            ]},
        ],
        "action": "Win-back voucher",
        "channel": "email",
        "offer": "25% voucher",
        "kpi": "reactivation",
    },
    {
        "name": "Loyal VIP",
        "conditions": [
            {"field": "frequency", "op": "top_pct", "value": 20},
            {"field": "monetary_amount", "op": "top_pct", "value": 20},
        ],
        "action": "Early access / exclusive service",
        "channel": "email",
        "offer": "Early access, no deep discount",
        "kpi": "retention",
    },
    {
        "name": "Window shoppers",
        "conditions": [
            {"field": "segment_kind", "op": "=", "value": "behavioural"},
            {"field": "count_views", "op": "top_pct", "value": 10},
        ],
        "action": "Flash sale / urgency",
        "channel": "push",
        "offer": "24-hour flash sale",
        "kpi": "conversion rate",
    },
]


# Engines whose store is known to be seeded: the marker never goes away, so once seen it need
# not be read again by this process.
_seeded: weakref.WeakSet[Engine] = weakref.WeakSet()


def seed_default_rules(engine: Engine) -> bool:
    """Insert ``DEFAULT_RULES`` (priorities 1..n) into a store that was never seeded and holds
    no rule; mark the store seeded either way. Returns True when rules were inserted."""
    if engine in _seeded:
        return False
    marker = select(ops_meta.c.value).where(ops_meta.c.key == SEEDED_KEY)
    with ops_transaction(engine, readonly=True) as connection:
        done = connection.execute(marker).first() is not None
    inserted = False
    if not done:
        with ops_transaction(engine) as connection:  # the writer lock: one seeder at a time
            if connection.execute(marker).first() is None:
                if not connection.execute(select(exists().select_from(rules))).scalar():
                    now = utc_now()
                    connection.execute(insert(rules), [
                        {"name": rule["name"], "priority": priority,
                         "conditions": json.dumps(rule["conditions"]), "action": rule["action"],
                         "channel": rule["channel"], "offer": rule["offer"], "kpi": rule["kpi"],
                         "enabled": True, "created_at": now, "updated_at": now}
                        for priority, rule in enumerate(DEFAULT_RULES, start=1)
                    ])
                    inserted = True
                connection.execute(insert(ops_meta).values(key=SEEDED_KEY, value="true"))
    _seeded.add(engine)
    return inserted
