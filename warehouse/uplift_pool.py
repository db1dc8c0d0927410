"""A pooled uplift model: several completed campaigns with the same action, learnt together.

One campaign's audience may be too small, or too narrow, to learn whom an action persuades; the
campaigns that ran the same action hold more of the answer. ``train_pooled_model`` takes the
campaigns' customers with group and outcome from the published snapshot (``campaign_outcomes``,
as the refresh measured them), each with its point-in-time features as of *its own* launch
(``uplift_data.training_data``, the refresh step's own), adds the campaign as a categorical
feature (campaigns differ in season, offer and audience; the indicator lets the learners tell
their base rates apart), and fits, compares and chooses a learner as the refresh does for one
campaign (``analytics.uplift.training``). A customer in two of the campaigns is two rows, one per
launch. Campaigns whose actions differ are refused: their effects are different treatments.

The chosen model goes to the model registry (model ``uplift``) under the name of the set,
``pool:<id>+<id>…`` (``params["campaign_ids"]`` lists them), with its held-out comparison; the
same set with the same customers and outcomes is learnt once. The next refresh publishes its
held-out evidence beside the campaigns' for the Uplift page. The published ``uplift_score``
stays the latest campaign's model: a pooled model is evidence to compare, not yet a scorer
(its campaign indicator has no value for a customer outside the campaigns).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analytics.uplift.training import fit_uplift
from warehouse.commands.model_registry import ModelVersion
from warehouse.commands.uplift_models import register_uplift_model, trained_version
from warehouse.features import open_raw
from warehouse.pipeline.steps.uplift import TRAINING_VERSION, fit_metrics
from warehouse.pipeline.steps.uplift_data import FEATURE_SET, training_data
from warehouse.schema.uplift import POOL_PREFIX
from warehouse.snapshots import open_snapshot

CAMPAIGN_FEATURE = "campaign"
COMPLETED = "completed"

CAMPAIGNS_SQL = """
SELECT campaign_id, name, action, status, launched_at, ends_at
FROM campaigns WHERE campaign_id IN (SELECT UNNEST($ids)) ORDER BY launched_at, campaign_id
"""
OUTCOMES_SQL = """
SELECT customer_id, group_name = 'treatment' AS is_treated, is_converted
FROM campaign_outcomes WHERE campaign_id = $id ORDER BY customer_id
"""

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PooledModel:
    """The registered pooled model of a set of campaigns and what it was learnt from."""

    pool_id: str
    action: str
    campaigns: pd.DataFrame  # campaign_id, name, launched_at, ends_at, customers, converted
    version: ModelVersion
    is_new: bool  # trained now (False: the registered version was reused)

    @property
    def comparison(self) -> pd.DataFrame:
        return pd.DataFrame(self.version.metrics["comparison"])


def pool_id(campaign_ids: Sequence[str]) -> str:
    """The registry's name of a set of campaigns (order and repeats do not matter)."""
    return POOL_PREFIX + "+".join(sorted(set(campaign_ids)))


def _campaigns(con: Any, campaign_ids: list[str]) -> pd.DataFrame:
    """The chosen campaigns, checked: known, completed, one action."""
    found = con.execute(CAMPAIGNS_SQL, {"ids": campaign_ids}).df()
    missing = sorted(set(campaign_ids) - set(found["campaign_id"]))
    if missing:
        raise ValueError(f"no campaign {', '.join(missing)} in the published data (see "
                         "`python app.py uplift` for the campaigns)")
    running = found[found["status"] != COMPLETED]
    if not running.empty:
        row = running.iloc[0]
        raise ValueError(f"campaign {row['campaign_id']} is {row['status']}: only completed "
                         "campaigns have outcomes to learn from")
    actions = found.groupby("action", sort=True)["campaign_id"].apply(", ".join)
    if len(actions) > 1:
        listed = "; ".join(f"{action!r}: {ids}" for action, ids in actions.items())
        raise ValueError(f"the campaigns ran different actions ({listed}): a pooled model "
                         "learns the effect of one action; choose campaigns with the same one")
    return found


def _fingerprint(campaigns: pd.DataFrame) -> str:
    parts = [TRAINING_VERSION, FEATURE_SET, CAMPAIGN_FEATURE,
             campaigns[["campaign_id", "launched_at", "customers", "treated", "converted"]]
             .astype(str).to_numpy().tolist()]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def train_pooled_model(db: Path, campaign_ids: Sequence[str], *,
                       ops_url: str | None = None) -> PooledModel:
    """Learn (or reuse) the pooled uplift model of ``campaign_ids`` (at least two completed
    campaigns with the same action) and register it. Raises ValueError naming what is wrong
    (fewer than two campaigns, an unknown or running one, different actions, too little data:
    ``NotEnoughDataError``)."""
    ids = sorted(set(campaign_ids))
    if len(ids) < 2:
        raise ValueError("a pooled model needs at least two campaigns, e.g. --campaigns A,B")
    with open_snapshot(db) as con:
        campaigns = _campaigns(con, ids)
        audiences = {cid: con.sql(OUTCOMES_SQL, params={"id": cid}).to_arrow_table()
                     for cid in campaigns["campaign_id"]}
    campaigns["customers"] = [audiences[c].num_rows for c in campaigns["campaign_id"]]
    campaigns["treated"] = [int(np.sum(audiences[c]["is_treated"].to_numpy()))
                            for c in campaigns["campaign_id"]]
    campaigns["converted"] = [int(np.sum(audiences[c]["is_converted"].to_numpy()))
                              for c in campaigns["campaign_id"]]
    name, action = pool_id(ids), str(campaigns["action"].iloc[0])
    fingerprint = _fingerprint(campaigns)
    found = trained_version(db, name, fingerprint, ops_url=ops_url)
    if found is not None:
        return PooledModel(name, action, campaigns, found, is_new=False)

    parts = []
    with open_raw(db) as raw:
        for row in campaigns.itertuples():
            data = training_data(raw, audiences[row.campaign_id], row.launched_at)
            parts.append((data, row.campaign_id))
    features = pd.concat(
        [d.features.assign(**{CAMPAIGN_FEATURE: cid}) for d, cid in parts], ignore_index=True)
    converted = np.concatenate([d.is_converted for d, _ in parts])
    treated = np.concatenate([d.is_treated for d, _ in parts])
    customers = np.concatenate([d.customer_ids.to_numpy(zero_copy_only=False) for d, _ in parts])
    fit = fit_uplift(features, converted, treated, groups=customers)
    params = {"learner": fit.chosen, "features": list(features.columns),
              "feature_set": FEATURE_SET, "campaign_ids": ids, "action": action,
              "training_version": TRAINING_VERSION}
    version = register_uplift_model(
        db, fit.model, campaign_id=name, fingerprint=fingerprint,
        train_start=campaigns["launched_at"].min().to_pydatetime(),
        train_end=campaigns["ends_at"].max().to_pydatetime(), params=params,
        metrics=fit_metrics(fit), ops_url=ops_url)
    log.info("uplift: %s learnt with %s in %.1f s (version %d)", name, fit.chosen, fit.seconds,
             version.version)
    return PooledModel(name, action, campaigns, version, is_new=True)


def pooled_report(pooled: PooledModel) -> str:
    """The pooled model in words: its campaigns and the learners' held-out comparison."""
    c = pooled.campaigns
    lines = [f"Pooled model {pooled.pool_id} (action {pooled.action!r}), version "
             f"{pooled.version.version}" + ("" if pooled.is_new else " (already learnt)") + ":"]
    lines += [f"  {r.campaign_id}  {r.name}: launched {r.launched_at:%Y-%m-%d}, "
              f"{r.customers:,} customers ({r.treated:,} treated), {r.converted:,} converted"
              for r in c.itertuples()]
    m = pooled.version.metrics
    lines += ["", f"Learners compared on {m['count_holdout']:,} held-out customers "
              f"(trained on {m['count_train']:,}; features as of each campaign's launch, "
              "plus the campaign):",
              pooled.comparison[["label", "qini_coefficient", "qini_low", "qini_high", "auuc",
                                 "uplift_at_k", "is_chosen"]].to_string(
                  index=False, float_format="%.3f"),
              "", "The next refresh shows it on the Uplift page, after the campaigns."]
    return "\n".join(lines)

