"""The uplift models in the model registry, for the refresh that trains them and the pages.

Every version of the model named ``uplift`` belongs to one campaign (``params["campaign_id"]``)
and records what it was trained on (``params["fingerprint"]``: the campaign's customers and
outcomes, and the training code's version), so a refresh retrains a campaign's model only when
that changes. Its ``metrics`` hold the held-out comparison of the learners, the Qini curves,
the deciles and the targeting counts the Uplift page and the economic table are drawn from.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from warehouse.commands.model_registry import (
    ModelVersion,
    list_versions,
    load_model,
    models_dir,
    register_model,
)
from warehouse.ops import ops_store, ops_store_exists

UPLIFT_MODEL = "uplift"


def uplift_versions(db: Path, *, ops_url: str | None = None) -> list[ModelVersion]:
    """Every registered uplift model version, oldest first (none without a store)."""
    if not ops_store_exists(db, ops_url):
        return []
    return list_versions(ops_store(db, ops_url), models_dir(db), UPLIFT_MODEL)


def trained_version(db: Path, campaign_id: str, fingerprint: str, *,
                    ops_url: str | None = None) -> ModelVersion | None:
    """The newest version trained on campaign ``campaign_id`` as it is now (same fingerprint)."""
    found = [v for v in uplift_versions(db, ops_url=ops_url)
             if v.params.get("campaign_id") == campaign_id
             and v.params.get("fingerprint") == fingerprint]
    return found[-1] if found else None


def register_uplift_model(
    db: Path, model: Any, *, campaign_id: str, fingerprint: str, train_start: datetime,
    train_end: datetime, params: dict[str, Any], metrics: dict[str, Any],
    ops_url: str | None = None,
) -> ModelVersion:
    """Store a fitted uplift model of campaign ``campaign_id`` as the next version."""
    return register_model(
        ops_store(db, ops_url), models_dir(db), UPLIFT_MODEL, model,
        train_start=train_start, train_end=train_end,
        params={**params, "campaign_id": campaign_id, "fingerprint": fingerprint},
        metrics=metrics)


def load_uplift_model(db: Path, version: int, *, ops_url: str | None = None) -> Any:
    """The fitted model of uplift version ``version`` (checked as the registry checks it)."""
    model, _ = load_model(ops_store(db, ops_url), models_dir(db), UPLIFT_MODEL, version)
    return model
