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


PUSHED_ITEM = "1108"  # the demo's best seller (grapes)
PUSHED_DAYS = 14


def build_pushed_grocery(folder: Path) -> tuple[Path, Path, object]:
    """``build_trained_grocery``, then a push of ``PUSHED_ITEM`` to its 600 most likely
    customers launched by "ana", the shop carried on ``PUSHED_DAYS`` days (into
    ``folder/next``), loaded and refreshed: (warehouse, new files' folder, LaunchedCampaign)."""
    from demo.grocery.continuation import continue_grocery
    from warehouse.promote.audience import launch_promotion, plan_audience

    db = build_trained_grocery(folder)
    launched = launch_promotion(db, plan_audience(db, PUSHED_ITEM, size=600), user="ana",
                                name="grapes")
    out = folder / "next"
    continue_grocery(db, folder / "files" / "grocery_state.npz", out, PUSHED_DAYS)
    ingest_orders(db, out / "orders.csv", progress=False, items=out / "items.csv")
    ingest_consent(db, out / "push_consent.csv", progress=False)
    refresh(db, progress=False)
    return db, out, launched
