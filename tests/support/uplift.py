"""A demo warehouse whose planted campaign is large enough to learn an uplift model from, private
copies of it with everything beside it (models, prediction log, demo state), imported campaigns,
and a pooled model published by a refresh."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from tests.support.warehouses import copy_warehouse
from warehouse.commands import import_campaign_results
from warehouse.commands.model_registry import models_dir
from warehouse.commands.uplift_models import uplift_versions
from warehouse.demo_shop import demo_dir
from warehouse.pipeline.refresh import refresh
from warehouse.prediction_log import predictions_dir
from warehouse.snapshots import open_snapshot
from warehouse.uplift_pool import train_pooled_model

# The demo's win-back campaign at this scale: about 930 treated and 230 control customers.
UPLIFT_DEMO_SCALE = 0.2
DEMO_CAMPAIGN_ID = "demo-winback-2015-08"


def copy_demo_warehouse(source: Path, folder: Path) -> Path:
    """``copy_warehouse`` plus the model artifacts, the prediction log and the demo state."""
    target = copy_warehouse(source, folder)
    for beside in (models_dir, predictions_dir, demo_dir):
        if beside(source).is_dir():
            shutil.copytree(beside(source), beside(target))
    return target


DEMO_CAMPAIGN_ACTION = "Win-back voucher"


def import_random_campaign(db: Path, folder: Path, *, name: str, action: str, seed: int,
                           launched_at: date, ends_at: date, customers: int = 1500) -> str:
    """Load a randomised campaign of ``customers`` of the demo's buyers (a fifth in control;
    contact lifts conversion from 5 % to 25 % for those with more than one order) through
    ``import_campaign_results``; return its id. The warehouse is not refreshed."""
    with open_snapshot(db) as con:
        buyers = con.sql("SELECT customer_id, count_orders FROM customers "
                         "WHERE count_orders > 0 ORDER BY customer_id").df()
    rng = np.random.default_rng(seed)
    chosen = buyers.sample(n=min(customers, len(buyers)), random_state=seed)
    treated = rng.uniform(size=len(chosen)) < 0.8
    rate = 0.05 + 0.2 * treated * (chosen["count_orders"].to_numpy() > 1)
    frame = pd.DataFrame({"customer_id": chosen["customer_id"],
                          "group": np.where(treated, "treatment", "control"),
                          "converted": (rng.uniform(size=len(chosen)) < rate).astype(int)})
    path = folder / f"{name}.csv"
    frame.to_csv(path, index=False)
    return import_campaign_results(db, path, name=name, user="tester", action=action,
                                   launched_at=launched_at, ends_at=ends_at,
                                   control_share=0.2).campaign_id


@dataclass(frozen=True)
class PublishedPool:
    """A warehouse where a pooled model was learnt and a refresh then published it."""

    db: Path
    pool_id: str
    campaign_ids: list[str]
    version: int  # the pool's registered version
    versions_before_refresh: int  # uplift versions registered before the publishing refresh


def publish_pool(source: Path, folder: Path) -> PublishedPool:
    """A copy of ``source`` (the uplift demo) with a second win-back campaign imported, refreshed,
    the two pooled as ``uplift --campaigns`` does, and refreshed again."""
    db = copy_demo_warehouse(source, folder)
    other = import_random_campaign(db, folder, name="September win-back", seed=3,
                                   action=DEMO_CAMPAIGN_ACTION, launched_at=date(2015, 9, 1),
                                   ends_at=date(2015, 9, 8))
    refresh(db, progress=False)
    pooled = train_pooled_model(db, [DEMO_CAMPAIGN_ID, other])
    before = len(uplift_versions(db))
    refresh(db, progress=False)
    return PublishedPool(db, pooled.pool_id, sorted([DEMO_CAMPAIGN_ID, other]),
                         pooled.version.version, before)
