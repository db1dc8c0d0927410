"""Carry a loaded grocery demo shop on, with the push campaigns launched on it answered.

``continue_grocery(db, state_file, out_dir, days)`` reads the newest order in warehouse ``db``
and every push campaign of its operational store (the promoted item from the campaign's offer,
the treatment group's customer ids) and writes the next ``days`` days with
``simulate_grocery``; load them with ``ingest-orders --items`` and ``ingest-consent``, then
refresh. The hold-out is never contacted: the simulator only sees treatment groups.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from demo.grocery.push import PushCampaign
from demo.grocery.shop import GrocerySummary, simulate_grocery
from demo.streams import to_epoch_ms
from warehouse.commands.push_audience import push_treatment_groups
from warehouse.promote.audience import item_of_offer


def push_campaigns(db: Path, after_ms: int, ops_url: str | None = None) -> list[PushCampaign]:
    """The store's push campaigns whose window ends after ``after_ms``, as the simulator
    takes them (campaigns whose offer names no numeric item are left out)."""
    groups = push_treatment_groups(Path(db), ops_url)
    found = []
    for campaign_id, rows in groups.groupby("campaign_id", sort=True):
        first = rows.iloc[0]
        item = item_of_offer(first["offer"])
        if item is None or not item.isdigit() or to_epoch_ms(first["ends_at"]) <= after_ms:
            continue
        found.append(PushCampaign.from_store(str(campaign_id), item, first["launched_at"],
                                             first["ends_at"], rows["customer_id"]))
    return found


def continue_grocery(db: Path, state_file: Path, out_dir: Path, days: int,
                     ops_url: str | None = None) -> GrocerySummary:
    """Write ``days`` more days of the grocery shop loaded in ``db`` into ``out_dir``."""
    with duckdb.connect(str(db), read_only=True) as con:
        [(last,)] = con.execute("SELECT max(ordered_at) FROM orders").fetchall()
    if last is None:
        raise ValueError(f"{db} holds no orders: load the grocery shop first")
    last_ms = to_epoch_ms(last)
    return simulate_grocery(Path(state_file), Path(out_dir), last_ms, days,
                            push_campaigns(db, last_ms, ops_url))
