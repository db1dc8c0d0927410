"""Builders for the decline tests: One Click files, a shop whose buyers they describe, profiles."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analytics.decline.contract import LABEL
from demo.market import DECREASED, generate_market
from warehouse.decline.job import DeclineRun, DeclineSettings, run_decline
from warehouse.ingest.market import ingest_market
from warehouse.ingest.retailrocket import ingest_retailrocket

TEST_CANDIDATES = 5  # one candidate per family


def buyer_ids(folder: Path) -> list[str]:
    """The visitors of a RetailRocket-format folder with a transaction, sorted as text."""
    events = pd.read_csv(folder / "events.csv", usecols=["visitorid", "event"])
    return sorted(events.loc[events["event"] == "transaction", "visitorid"].astype(str).unique())


def market_profile_frame(customers: int = 400, seed: int = 3) -> pd.DataFrame:
    """A labelled profile with the contract's English columns, drawn by the demo's latent model
    (no file, no warehouse): for the model tests."""
    from demo.market import draw_customers

    drawn = draw_customers(customers, seed)
    return pd.DataFrame({
        "customer_id": drawn["id"].astype(str),
        LABEL: (drawn["label"] == DECREASED).map({True: "decreased", False: "previous level"}),
        "service_type": drawn["service_type"].replace({"стандартт": "стандарт"}),
        "allows_notifications": drawn["allows_notifications"],
        "marketing_contacts_6m": drawn["marketing_contacts_6m"],
        "marketing_contacts_current_month": drawn["marketing_contacts_current_month"].astype(float),
        "tenure_days": drawn["tenure_days"].astype(float),
        "promotion_share": drawn["promotion_share"],
        "popular_category": drawn["popular_category"],
        "categories_per_visit": drawn["categories_per_visit"].astype(float),
        "unpaid_items_3m": drawn["unpaid_items_3m"].astype(float),
        "service_errors": drawn["service_errors"].astype(float),
        "pages_per_visit": drawn["pages_per_visit"].astype(float),
        "revenue_current_month": drawn["revenue_current"],
        "revenue_previous_month": drawn["revenue_previous"],
        "revenue_earlier_month": drawn["revenue_earlier"],
        "minutes_current_month": drawn["minutes_current"].astype(float),
        "minutes_previous_month": drawn["minutes_previous"].astype(float),
        "monthly_profit": drawn["profit"],
    })


def build_scored_shop(db: Path, shop_folder: Path, market_folder: Path,
                      seed: int = 7) -> DeclineRun:
    """Warehouse ``db`` holding the shop of ``shop_folder`` and One Click files describing its
    buyers (so scored customers are customers of the shop), with a decline run published."""
    ingest_retailrocket(db, shop_folder, progress=False)
    ids = buyer_ids(shop_folder)
    generate_market(market_folder, customers=len(ids), seed=seed, ids=ids)
    ingest_market(db, market_folder, progress=False)
    return run_decline(db, DeclineSettings(candidates=TEST_CANDIDATES, seed=seed))
