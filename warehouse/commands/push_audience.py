"""What Promote an item needs from the operational store: registering its trained model, and
how many pushes each customer was sent lately (the frequency cap across all campaigns)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import func, select

from analytics.experiments.assignment import TREATMENT
from warehouse.commands.model_registry import ModelVersion, models_dir, register_model
from warehouse.ops import ops_store, ops_store_exists, ops_transaction
from warehouse.ops.schema import campaign_assignments, campaigns


def register_warehouse_model(
    db: Path, name: str, estimator: Any, *, ops_url: str | None = None, **details: Any
) -> ModelVersion:
    """``register_model`` in the store and models folder of warehouse ``db``."""
    return register_model(ops_store(Path(db), ops_url), models_dir(Path(db)), name, estimator,
                          **details)


def recent_push_counts(
    db: Path, at: datetime, days: int, ops_url: str | None = None
) -> pd.Series:
    """Per customer id: the push campaigns (any source) whose treatment group holds them,
    launched in the ``days`` days up to ``at`` (naive UTC). Empty without a store."""
    if not ops_store_exists(Path(db), ops_url):
        return pd.Series(dtype="int64")
    query = (select(campaign_assignments.c.customer_id, func.count().label("pushes"))
             .join(campaigns, campaigns.c.campaign_id == campaign_assignments.c.campaign_id)
             .where(campaigns.c.channel == "push",
                    campaign_assignments.c.group_name == TREATMENT,
                    campaigns.c.launched_at > at - timedelta(days=days),
                    campaigns.c.launched_at <= at)
             .group_by(campaign_assignments.c.customer_id))
    with ops_transaction(ops_store(Path(db), ops_url), readonly=True) as connection:
        rows = connection.execute(query).all()
    return pd.Series({str(r[0]): int(r[1]) for r in rows}, dtype="int64")


def push_treatment_groups(db: Path, ops_url: str | None = None) -> pd.DataFrame:
    """Every push campaign's treatment group: campaign_id, offer, launched_at, ends_at,
    customer_id (none without a store)."""
    columns = ["campaign_id", "offer", "launched_at", "ends_at", "customer_id"]
    if not ops_store_exists(Path(db), ops_url):
        return pd.DataFrame(columns=columns)
    query = (select(campaigns.c.campaign_id, campaigns.c.offer, campaigns.c.launched_at,
                    campaigns.c.ends_at, campaign_assignments.c.customer_id)
             .join(campaign_assignments,
                   campaigns.c.campaign_id == campaign_assignments.c.campaign_id)
             .where(campaigns.c.channel == "push",
                    campaign_assignments.c.group_name == TREATMENT))
    with ops_transaction(ops_store(Path(db), ops_url), readonly=True) as connection:
        return pd.DataFrame(connection.execute(query).all(), columns=columns)
