"""A small grocery shop built by the real generator, ingest and refresh (orders with item lines,
the item catalogue and push consent), for the Promote-an-item tests."""

from __future__ import annotations

from pathlib import Path

from demo.grocery.shop import generate_grocery
from warehouse.ingest.consent import ingest_consent
from warehouse.ingest.orders import ingest_orders
from warehouse.pipeline.refresh import refresh

GROCERY_TEST_SCALE = 0.05  # about 1,000 households over half a year: every window has buyers


def build_grocery_warehouse(folder: Path, scale: float = GROCERY_TEST_SCALE) -> Path:
    """Generate the grocery shop into ``folder``, load it into ``folder/w.duckdb``, publish."""
    files = folder / "files"
    generate_grocery(files, scale=scale, seed=7)
    db = folder / "w.duckdb"
    ingest_orders(db, files / "orders.csv", progress=False, items=files / "items.csv")
    ingest_consent(db, files / "push_consent.csv", progress=False)
    refresh(db, progress=False)
    return db


def build_trained_grocery(folder: Path) -> Path:
    """``build_grocery_warehouse`` with an item propensity model trained on few items (fast)."""
    from warehouse.promote.data import PromoteSettings
    from warehouse.promote.job import train_propensity

    db = build_grocery_warehouse(folder)
    train_propensity(db, PromoteSettings(train_items=60, eval_items=30))
    return db
