"""Target the persuadables: launch the customers with the highest predicted uplift as a new
campaign with its own random control group, so its result measures the targeting itself — or
write the targeting as a rule of the board, re-evaluated on every refresh's scores.

The audience is the top share of the customers (by default those who bought) by the published
``uplift_score`` of the current snapshot; the campaign repeats the learnt campaign's action,
channel, offer and KPI, and is launched through ``launch_audience`` (source 'uplift'): the same
split, overlap exclusion, campaign clock and audit as every launch. Once its window has passed
(on the demo: ``python app.py simulate``), the refresh measures it and learns a new uplift model
from it, which then publishes its own scores.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from warehouse.commands.campaigns.launch import (
    DEFAULT_CONTROL_SHARE,
    DEFAULT_DURATION_DAYS,
    LaunchedCampaign,
    launch_audience,
)
from warehouse.commands.rules.model import Rule
from warehouse.commands.rules.storage import create_rule
from warehouse.queries.uplift import AMONG, published_model, top_uplift_audience
from warehouse.snapshots import open_snapshot

UPLIFT_SOURCE = "uplift"
NO_MODEL = ("no uplift model is published yet: a campaign with a control group must complete "
            "(or be imported with ingest-campaign) and the data be refreshed first")


def _published(con: Any) -> dict[str, Any]:
    model = published_model(con)
    if model is None:
        raise ValueError(NO_MODEL)
    return model


def launch_top_uplift(
    db: Path, *, user: str, share: float, among: str = "buyers", name: str | None = None,
    control_share: float = DEFAULT_CONTROL_SHARE, duration_days: int = DEFAULT_DURATION_DAYS,
    ops_url: str | None = None,
) -> LaunchedCampaign:
    """Launch the top ``share`` of the customers ``among`` ('buyers' or 'all') by predicted
    uplift. ValueError when no uplift model is published or the share is out of (0, 1]."""
    with open_snapshot(db) as con:
        model = _published(con)
        audience = top_uplift_audience(con, share, among)
    if audience.empty:
        raise ValueError(f"no {AMONG[among]} has an uplift score: nothing to launch")
    title = name or f"{model['action'] or model['name']}: top {share:.0%} by predicted uplift"
    return launch_audience(
        db, audience[["customer_id", "segment", "clv_amount"]], user=user, name=title,
        action=model["action"] or "Targeted by uplift", channel=model["channel"] or "email",
        offer=model["offer"] or "(as the learnt campaign)", kpi=model["kpi"] or "conversion",
        source=UPLIFT_SOURCE, control_share=control_share, duration_days=duration_days,
        ops_url=ops_url)


def create_uplift_rule(
    db: Path, *, user: str, share: float, name: str | None = None, ops_url: str | None = None,
) -> Rule:
    """A rule of the board for the customers typed persuadable whose ``uplift_score`` is in the
    top ``share`` of all scored customers, with the learnt campaign's action, channel, offer and
    KPI, placed last. ValueError without a published model or for a share out of (0, 1]."""
    if not 0 < share <= 1:
        raise ValueError(f"the share to target must be above 0 % and at most 100 %, got {share}")
    with open_snapshot(db) as con:
        model = _published(con)
    percent = round(share * 100, 2)
    rule = Rule(
        name=name or f"Persuadables: top {percent:g}% by predicted uplift",
        conditions=[{"field": "response_type", "op": "=", "value": "persuadable"},
                    {"field": "uplift_score", "op": "top_pct", "value": percent}],
        action=model["action"] or "Targeted by uplift", channel=model["channel"] or "email",
        offer=model["offer"] or "(as the learnt campaign)", kpi=model["kpi"] or "conversion")
    return create_rule(db, rule, user=user, ops_url=ops_url)
