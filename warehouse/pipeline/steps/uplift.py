"""Refresh step: an uplift model per completed campaign, and each buyer's predicted uplift.

For each completed campaign (its window ended before the refresh's cut-off, or its results were
imported from a file) the step takes its customers with their group and outcome — converted when
they ordered in the window (``order_lines``, as ``campaign_outcomes`` counts it) or as the file
says — and their point-in-time features as of the launch (``uplift_data``), and fits, compares
and chooses an uplift model (``analytics.uplift.training``). The chosen model, its held-out
metrics and the data it was trained on (a fingerprint) go to the model registry
(``warehouse.commands.uplift_models``); a later refresh reuses that version as long as the
campaign's customers and outcomes are unchanged, so a campaign is learnt once.

The model of the most recently ended campaign then scores every customer who bought (the
population campaigns address; ``uplift_data.scoring_data`` says why not visitors) as of the
refresh's cut-off: their predicted response with and without contact, the uplift, the type
(``analytics.uplift.types``). The scores go to the prediction log (model ``uplift``, its version,
the as-of date) and are published as the rule fields ``uplift_score`` and ``response_type`` of
``customers`` (table ``customer_uplift``; NULL for visitors who never bought). Older campaigns'
models keep their registered held-out evidence; scoring everyone with each of them at every
refresh would grow with every campaign.

The step runs before ``customers`` (it publishes fields there) and ``campaign_outcomes`` after it
(it fills segments from ``customers``), so it reads the campaigns from the store and measures the
outcomes itself, by the same rule.

Pooled models (``warehouse.uplift_pool``, trained from the command line, never here) are
published beside the campaigns from their registration alone: the newest version of each pool
whose campaigns are all completed gets a row in ``uplift_models`` (id and name of the pool, its
campaigns' audiences together, ``source`` 'pool', never published as scores) and its stored
held-out comparison, curves, deciles and targeting in the evidence tables.

Tables (``warehouse.schema.uplift``): ``customer_uplift``, ``uplift_models`` (one row per
completed campaign, trained or why not, and per pool), ``uplift_learners``, ``uplift_curves``,
``uplift_deciles``, ``uplift_targeting`` (held-out evidence), ``uplift_types`` (customers per
type, among the campaign's customers and among all).
"""

from __future__ import annotations

import hashlib
import logging
import math
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
from threadpoolctl import threadpool_limits

from analytics.uplift.training import NotEnoughDataError, UpliftFit, fit_uplift, too_small
from analytics.uplift.types import (
    BUY_ANYWAY_THRESHOLD,
    UPLIFT_THRESHOLD,
    response_types,
)
from warehouse.commands import imported_outcomes
from warehouse.commands.campaigns.storage import campaign_chunks
from warehouse.commands.model_registry import ModelArtifactError, ModelVersionMismatchError
from warehouse.commands.uplift_models import (
    load_uplift_model,
    register_uplift_model,
    trained_version,
    uplift_versions,
)
from warehouse.features import open_raw
from warehouse.frames import insert_frame
from warehouse.pipeline.registry import REGISTRY, Step
from warehouse.pipeline.steps.uplift_data import (
    FEATURE_SET,
    ScoringData,
    scoring_data,
    training_data,
    with_own_columns,
)
from warehouse.prediction_log import predictions_dir, write_predictions
from warehouse.schema.fields import NUMBER, TEXT, Field
from warehouse.schema.uplift import (
    AUDIENCE,
    CUSTOMER_UPLIFT_TABLE,
    EVERYONE,
    POOL_SOURCE,
    UPLIFT_MODEL_NAME,
    UPLIFT_TABLES,
    UPLIFT_TABLES_DDL,
)

if TYPE_CHECKING:
    from warehouse.pipeline.context import RefreshContext

# Bump when the features, the learners or the training change: every campaign is learnt again.
TRAINING_VERSION = "3"
SCRATCH = ("uplift_campaigns", "uplift_assignments", "uplift_import_outcomes", "uplift_outcomes")
SCRATCH_DDL = """
CREATE TABLE uplift_campaigns AS SELECT * FROM (SELECT
    CAST(NULL AS VARCHAR) AS campaign_id, CAST(NULL AS VARCHAR) AS name,
    CAST(NULL AS INTEGER) AS rule_id, CAST(NULL AS VARCHAR) AS rule_name,
    CAST(NULL AS VARCHAR) AS action, CAST(NULL AS VARCHAR) AS channel,
    CAST(NULL AS VARCHAR) AS offer, CAST(NULL AS VARCHAR) AS kpi,
    CAST(NULL AS DOUBLE) AS control_share, CAST(NULL AS VARCHAR) AS salt,
    CAST(NULL AS TIMESTAMP) AS launched_at, CAST(NULL AS TIMESTAMP) AS ends_at,
    CAST(NULL AS BIGINT) AS audience_size, CAST(NULL AS VARCHAR) AS source,
    CAST(NULL AS VARCHAR) AS clock) WHERE false;
CREATE TABLE uplift_assignments (campaign_id VARCHAR, customer_id VARCHAR, group_name VARCHAR,
    segment VARCHAR, clv_amount DOUBLE);
CREATE TABLE uplift_import_outcomes (campaign_id VARCHAR, customer_id VARCHAR,
    is_converted BOOLEAN, revenue_amount DOUBLE);
"""
SCRATCH_OF = {"campaigns": "uplift_campaigns", "campaign_assignments": "uplift_assignments",
              "campaign_import_outcomes": "uplift_import_outcomes"}

# Customers of completed campaigns with group and outcome (converted: an order in the window).
OUTCOMES_SQL = """
CREATE TABLE uplift_outcomes AS
WITH

imported AS (SELECT DISTINCT campaign_id FROM uplift_import_outcomes),

completed AS (
    SELECT c.campaign_id, c.launched_at, c.ends_at, i.campaign_id IS NOT NULL AS is_imported
    FROM uplift_campaigns AS c
    LEFT JOIN imported AS i USING (campaign_id)
    WHERE i.campaign_id IS NOT NULL OR (c.launched_at < $cutoff_at AND c.ends_at <= $cutoff_at)
),

window_orders AS (
    SELECT a.campaign_id, a.customer_id, sum(o.line_amount) AS revenue_amount
    FROM uplift_assignments AS a
    JOIN completed AS w USING (campaign_id)
    JOIN order_lines AS o
      ON o.customer_id = a.customer_id
     AND o.ordered_at >= w.launched_at
     AND o.ordered_at < w.ends_at
    WHERE NOT w.is_imported
    GROUP BY a.campaign_id, a.customer_id
)

SELECT
    a.campaign_id,
    a.customer_id,
    a.group_name = 'treatment' AS is_treated,
    CASE WHEN w.is_imported THEN i.is_converted ELSE o.customer_id IS NOT NULL END AS is_converted,
    CASE WHEN w.is_imported THEN i.revenue_amount ELSE coalesce(o.revenue_amount, 0) END
        AS revenue_amount
FROM uplift_assignments AS a
JOIN completed AS w USING (campaign_id)
LEFT JOIN window_orders AS o USING (campaign_id, customer_id)
LEFT JOIN uplift_import_outcomes AS i USING (campaign_id, customer_id)
"""

# Group sizes, conversions and revenue per conversion of the outcomes ``o`` aggregated over.
OUTCOME_COUNTS = """count(*) FILTER (WHERE o.is_treated) AS count_treatment,
       count(*) FILTER (WHERE NOT o.is_treated) AS count_control,
       count(*) FILTER (WHERE o.is_treated AND o.is_converted) AS converted_treatment,
       count(*) FILTER (WHERE NOT o.is_treated AND o.is_converted) AS converted_control,
       sum(o.revenue_amount) FILTER (WHERE o.is_converted)
           / nullif(count(o.revenue_amount) FILTER (WHERE o.is_converted), 0)
           AS revenue_per_conversion"""

CAMPAIGNS_SQL = f"""
SELECT c.campaign_id, c.name, c.action, c.channel, c.launched_at, c.ends_at, c.source,
       i.campaign_id IS NOT NULL AS is_imported,
       {OUTCOME_COUNTS}
FROM uplift_outcomes AS o
JOIN uplift_campaigns AS c USING (campaign_id)
LEFT JOIN (SELECT DISTINCT campaign_id FROM uplift_import_outcomes) AS i USING (campaign_id)
GROUP BY ALL
ORDER BY c.ends_at, c.launched_at, c.campaign_id
"""  # noqa: S608 -- constants only

# A pool's campaigns taken together, as CAMPAIGNS_SQL describes one campaign.
POOL_SQL = f"""
SELECT count(DISTINCT c.campaign_id) AS campaigns,
       string_agg(DISTINCT c.name, ', ' ORDER BY c.name) AS names,
       CASE WHEN count(DISTINCT c.channel) = 1 THEN any_value(c.channel) END AS channel,
       min(c.launched_at) AS launched_at, max(c.ends_at) AS ends_at,
       {OUTCOME_COUNTS}
FROM uplift_outcomes AS o
JOIN uplift_campaigns AS c USING (campaign_id)
WHERE campaign_id IN (SELECT UNNEST($ids))
"""  # noqa: S608 -- constants only

log = logging.getLogger(__name__)


@dataclass
class CampaignModel:
    """One completed campaign and what the step learnt from it."""

    campaign: dict[str, Any]
    fingerprint: str
    version: int | None = None
    trained_at: datetime | None = None
    params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    model: Any = None  # loaded when it scores
    reason: str | None = None
    own_kinds: dict[str, str] = field(default_factory=dict)
    own: pd.DataFrame | None = None
    count_scored: int = 0

    @property
    def campaign_id(self) -> str:
        return str(self.campaign["campaign_id"])


def _fingerprint(campaign: dict[str, Any], own_kinds: dict[str, str]) -> str:
    """What a model of this campaign was trained on: its window, its customers and outcomes, its
    file's own columns, and the training code's version."""
    parts = [TRAINING_VERSION, FEATURE_SET, campaign["launched_at"], campaign["ends_at"],
             campaign["count_treatment"], campaign["count_control"],
             campaign["converted_treatment"], campaign["converted_control"],
             sorted(own_kinds.items())]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _finite(value: Any) -> Any:
    if isinstance(value, float | np.floating) and not math.isfinite(value):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | np.bool_):
        return value.item()
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame as JSON-safe records (NaN and infinities as null, which JSON stores)."""
    return [{k: _finite(v) for k, v in row.items()} for row in frame.to_dict("records")]


def fit_metrics(fit: UpliftFit) -> dict[str, Any]:
    """What the registry keeps of a fit: the held-out comparison, curves, deciles, targeting."""
    return {"comparison": _records(fit.comparison), "curves": _records(fit.curves),
            "deciles": _records(fit.deciles), "targeting": _records(fit.targeting),
            "k": fit.k, "count_train": fit.count_train, "count_holdout": fit.count_holdout,
            "seconds": round(fit.seconds, 3)}


def _copy_campaigns(con: duckdb.DuckDBPyConnection, ctx: RefreshContext) -> None:
    con.execute(SCRATCH_DDL)
    for table, chunk in campaign_chunks(ctx.db, ctx.ops_url):
        insert_frame(con, SCRATCH_OF[table], chunk)


class _Warehouse:
    """The warehouse on a connection of its own (features at a campaign's launch need their own
    cut-off), attached only when a campaign is to be learnt."""

    def __init__(self, ctx: RefreshContext) -> None:
        self._ctx = ctx
        self._stack = ExitStack()
        self._con: duckdb.DuckDBPyConnection | None = None

    def connection(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            self._con = self._stack.enter_context(open_raw(self._ctx.db))
        return self._con

    def __enter__(self) -> _Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()


def _train(raw: _Warehouse, con: duckdb.DuckDBPyConnection,
           ctx: RefreshContext, item: CampaignModel) -> None:
    """Fit, compare and register a model of ``item``'s campaign (or say why not)."""
    campaign = item.campaign
    customers = con.sql(
        "SELECT customer_id, is_treated, is_converted FROM uplift_outcomes "
        "WHERE campaign_id = $id ORDER BY customer_id", params={"id": item.campaign_id}
    ).to_arrow_table()
    cutoff = min(campaign["launched_at"], ctx.cutoff_at)
    data = training_data(raw.connection(), customers, cutoff, item.own)
    try:
        fit = fit_uplift(data.features, data.is_converted, data.is_treated)
    except NotEnoughDataError as error:
        item.reason = f"not enough data: {error}"
        return
    params = {"learner": fit.chosen, "features": list(data.features.columns),
              "feature_set": FEATURE_SET, "own_columns": item.own_kinds,
              "uplift_threshold": UPLIFT_THRESHOLD, "buy_anyway_threshold": BUY_ANYWAY_THRESHOLD,
              "training_version": TRAINING_VERSION}
    version = register_uplift_model(
        ctx.db, fit.model, campaign_id=item.campaign_id, fingerprint=item.fingerprint,
        train_start=cutoff, train_end=campaign["ends_at"], params=params,
        metrics=fit_metrics(fit), ops_url=ctx.ops_url)
    item.version, item.trained_at = version.version, version.trained_at
    item.params, item.metrics, item.model = version.params, version.metrics, fit.model
    log.info("uplift: campaign %s learnt with %s in %.1f s (version %d)", item.campaign_id,
             fit.chosen, fit.seconds, version.version)


def _learn(raw: _Warehouse, con: duckdb.DuckDBPyConnection,
           ctx: RefreshContext) -> list[CampaignModel]:
    """Every completed campaign with its model: reused from the registry, or trained now."""
    items = []
    cursor = con.execute(CAMPAIGNS_SQL)
    names = [column[0] for column in cursor.description]
    for row in cursor.fetchall():
        campaign = dict(zip(names, row, strict=True))
        own = None
        own_kinds: dict[str, str] = {}
        if campaign["is_imported"]:
            loaded = imported_outcomes(ctx.db, campaign["campaign_id"], ops_url=ctx.ops_url)
            if loaded is not None:
                own_kinds = loaded.feature_columns
                own = loaded.frame[["customer_id", *own_kinds]]
        item = CampaignModel(campaign, _fingerprint(campaign, own_kinds), own_kinds=own_kinds,
                             own=own)
        small = too_small(campaign["count_treatment"], campaign["count_control"],
                          campaign["converted_treatment"] + campaign["converted_control"])
        found = trained_version(ctx.db, item.campaign_id, item.fingerprint, ops_url=ctx.ops_url)
        if small is not None:
            item.reason = f"not enough data: {small}"
        elif found is None:
            _train(raw, con, ctx, item)
        else:
            item.version, item.trained_at = found.version, found.trained_at
            item.params, item.metrics = found.params, found.metrics
        items.append(item)
    return items


def _model(ctx: RefreshContext, item: CampaignModel, raw: _Warehouse,
           con: duckdb.DuckDBPyConnection) -> Any:
    """The fitted model of ``item`` (from the registry; trained again if it cannot be read)."""
    if item.model is None and item.version is not None:
        try:
            item.model = load_uplift_model(ctx.db, item.version, ops_url=ctx.ops_url)
        except (ModelArtifactError, ModelVersionMismatchError) as error:
            log.warning("uplift model version %s unusable (%s): training again", item.version,
                        error)
            _train(raw, con, ctx, item)
    return item.model


def _score(model: Any, frame: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """Uplift, responses and type of each row (one thread: see ``analytics.uplift.training``)."""
    with threadpool_limits(limits=1, user_api="openmp"):
        uplift, p_treated, p_control = model.predict_all(frame)
    return uplift, p_treated, p_control, response_types(p_treated, p_control)


def _scores(item: CampaignModel, model: Any, scoring: ScoringData) -> pa.Table:
    """Every scored customer's uplift, type and predicted responses (``customer_uplift``)."""
    frame = with_own_columns(scoring.features, scoring.customer_ids, item.own)
    uplift, p_treated, p_control, types = _score(model, frame)
    return pa.table({"customer_id": scoring.customer_ids, "uplift_score": uplift,
                     "response_type": pa.array(types, pa.string()),
                     "p_treated": p_treated, "p_control": p_control})


# Customers per type among everyone scored and among the campaign's customers.
TYPE_COUNTS_SQL = f"""
SELECT $campaign_id AS campaign_id, scope, response_type,
       count(*) AS customers, count(*) / sum(count(*)) OVER (PARTITION BY scope) AS share,
       avg(uplift_score) AS avg_uplift, avg(p_treated) AS avg_p_treated,
       avg(p_control) AS avg_p_control
FROM (
    SELECT '{EVERYONE}' AS scope, * FROM {CUSTOMER_UPLIFT_TABLE}
    UNION ALL
    SELECT '{AUDIENCE}' AS scope, u.* FROM {CUSTOMER_UPLIFT_TABLE} AS u
    JOIN uplift_outcomes AS o ON o.customer_id = u.customer_id AND o.campaign_id = $campaign_id
)
GROUP BY scope, response_type
"""  # noqa: S608 -- constants


def _publish_scores(con: duckdb.DuckDBPyConnection, ctx: RefreshContext,
                    items: list[CampaignModel], raw: _Warehouse) -> None:
    """Score every buyer with the model of the most recently ended campaign (the others keep
    their registered evidence and were logged when they were published): ``customer_uplift``,
    the type counts, and the prediction log."""
    trained = [item for item in items if item.version is not None]
    if not trained:
        return
    item = trained[-1]  # CAMPAIGNS_SQL orders by end of window
    model = _model(ctx, item, raw, con)
    if model is None:
        return
    scoring = scoring_data(con)
    insert_frame(con, CUSTOMER_UPLIFT_TABLE, _scores(item, model, scoring))
    insert_frame(con, "uplift_types", con.sql(
        TYPE_COUNTS_SQL, params={"campaign_id": item.campaign_id}).to_arrow_table())
    item.count_scored = len(scoring.customer_ids)
    days = max(1, (item.campaign["ends_at"] - item.campaign["launched_at"]).days)
    write_predictions(predictions_dir(ctx.db), con.sql(
        f"SELECT customer_id, uplift_score AS score FROM {CUSTOMER_UPLIFT_TABLE}"  # noqa: S608
    ).to_arrow_table(), model=UPLIFT_MODEL_NAME, version=int(item.version or 0),
        as_of=ctx.as_of, horizon_days=days)


def _pools(con: duckdb.DuckDBPyConnection, ctx: RefreshContext) -> list[CampaignModel]:
    """The newest registered version of every pooled model whose campaigns are all completed,
    with its campaigns' audiences together (its evidence is what the registration stored)."""
    newest = {v.params["campaign_id"]: v for v in uplift_versions(ctx.db, ops_url=ctx.ops_url)
              if "campaign_ids" in v.params}
    pools = []
    for name, version in sorted(newest.items()):
        ids = list(version.params["campaign_ids"])
        cursor = con.execute(POOL_SQL, {"ids": ids})
        [values] = cursor.fetchall()  # one row: an aggregate
        together = dict(zip([c[0] for c in cursor.description], values, strict=True))
        if together.get("campaigns") != len(ids):
            log.info("uplift: pool %s not published: not all of its campaigns are completed",
                     name)
            continue
        action = version.params.get("action")
        campaign = {**together, "campaign_id": name, "action": action, "source": POOL_SOURCE,
                    "name": f"Pool: {together['names']} ({action})"}
        pools.append(CampaignModel(campaign, str(version.params.get("fingerprint")),
                                   version=version.version, trained_at=version.trained_at,
                                   params=version.params, metrics=version.metrics))
    return pools


def _model_rows(items: list[CampaignModel], *, publishes: bool = True) -> pd.DataFrame:
    """A row of ``uplift_models`` per item; the last trained one is published when
    ``publishes`` (pools never are)."""
    published = [item for item in items if item.version is not None][-1:] if publishes else []
    rows = []
    for item in items:
        c, m = item.campaign, item.metrics
        chosen = next((r for r in m.get("comparison", []) if r.get("is_chosen")), {})
        n_t, n_c = int(c["count_treatment"]), int(c["count_control"])
        rows.append({
            "campaign_id": item.campaign_id, "name": c["name"], "action": c["action"],
            "channel": c["channel"], "launched_at": c["launched_at"], "ends_at": c["ends_at"],
            "source": c["source"], "count_treatment": n_t, "count_control": n_c,
            "conversion_treatment": c["converted_treatment"] / n_t if n_t else None,
            "conversion_control": c["converted_control"] / n_c if n_c else None,
            "revenue_per_conversion": c["revenue_per_conversion"],
            "is_trained": item.version is not None, "reason": item.reason,
            "model_version": item.version, "trained_at": item.trained_at,
            "learner": item.params.get("learner"),
            "qini_coefficient": chosen.get("qini_coefficient"),
            "qini_low": chosen.get("qini_low"), "qini_high": chosen.get("qini_high"),
            "count_train": m.get("count_train"), "count_holdout": m.get("count_holdout"),
            "count_scored": item.count_scored or None,  # the published model's only
            "features": ", ".join(item.params.get("features", [])) or None,
            "is_published": item in published,
        })
    return pd.DataFrame(rows)


def _evidence(items: list[CampaignModel]) -> dict[str, pd.DataFrame]:
    """The held-out tables of every trained campaign, from its registered metrics."""
    parts: dict[str, list[pd.DataFrame]] = {"uplift_learners": [], "uplift_curves": [],
                                            "uplift_deciles": [], "uplift_targeting": []}
    for item in items:
        if item.version is None:
            continue
        m = item.metrics
        learners = pd.DataFrame(m["comparison"]).assign(k=m["k"])
        for table, frame in (("uplift_learners", learners),
                             ("uplift_curves", pd.DataFrame(m["curves"])),
                             ("uplift_deciles", pd.DataFrame(m["deciles"])),
                             ("uplift_targeting", pd.DataFrame(m["targeting"]))):
            parts[table].append(frame.assign(campaign_id=item.campaign_id))
    return {table: pd.concat(frames, ignore_index=True) for table, frames in parts.items()
            if frames}


def build_uplift(con: duckdb.DuckDBPyConnection, ctx: RefreshContext) -> None:
    """Learn (or reuse) each completed campaign's uplift model, score every customer, and
    publish the registered pooled models' evidence."""
    con.execute(UPLIFT_TABLES_DDL)
    _copy_campaigns(con, ctx)
    con.execute(OUTCOMES_SQL, {"cutoff_at": ctx.cutoff_at})
    [(completed,)] = con.execute("SELECT count(*) FROM uplift_outcomes").fetchall()
    if completed:
        with _Warehouse(ctx) as raw:
            items = _learn(raw, con, ctx)
            _publish_scores(con, ctx, items, raw)
        pools = _pools(con, ctx)
        insert_frame(con, "uplift_models", _model_rows(items))
        insert_frame(con, "uplift_models", _model_rows(pools, publishes=False))
        for table, frame in _evidence(items + pools).items():
            insert_frame(con, table, frame)


FIELDS = (
    Field("uplift_score", NUMBER, "Uplift score",
          "predicted change in the chance to convert if contacted (the latest campaign's uplift "
          "model; customers who bought; see the Uplift page)", table=CUSTOMER_UPLIFT_TABLE),
    Field("response_type", TEXT, "Response to contact",
          "persuadable, sure_thing, lost_cause or do_not_disturb, from the predicted response "
          "with and without contact (the latest campaign's uplift model; customers who bought)",
          table=CUSTOMER_UPLIFT_TABLE),
)

REGISTRY.register(Step(
    "uplift", build_uplift,
    reads=("order_lines", "int_customer_activity"),
    writes=(*UPLIFT_TABLES, *SCRATCH),
    fields=FIELDS,
    scratch=SCRATCH,
    reported=(CUSTOMER_UPLIFT_TABLE,),
))
