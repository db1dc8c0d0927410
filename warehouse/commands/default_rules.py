"""The rules a new operational store starts with (seeded once; see ``ops_store.ensure``)."""

from __future__ import annotations

DEFAULT_RULES: list[dict[str, object]] = [
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
        "name": "Loyal, low spend",
        "conditions": [
            {"field": "frequency", "op": "top_pct", "value": 20},
            {"field": "monetary_amount", "op": "bottom_pct", "value": 50},
        ],
        "action": "Cross-sell recommendations",
        "channel": "email",
        "offer": "Recommended add-ons",
        "kpi": "average ticket size",
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
