"""Refresh step: customer lifetime value — the purchase model chosen on a holdout (BG/NBD or
MBG/NBD), Gamma-Gamma spend — and its holdout validation.

The step first holds out the last weeks of the data: it fits both purchase models on the
calibration period, predicts the holdout and keeps the one with the lower holdout error
(``analytics.clv.choose_purchase_model``). It then fits that model (and, for the record, the other)
with Gamma-Gamma on all the data up to the as-of date and predicts every buyer.

Writes four snapshot tables:

* ``clv_inputs`` — one row per buyer, key ``customer_id`` (see ``warehouse/sql/clv_inputs.py``);
* ``customer_clv`` — one row per buyer, key ``customer_id``: ``p_alive,
  expected_purchases_30, _90, _365, clv_amount`` (NULL when a model is unusable; the reason is in
  ``model_params``), ``is_one_time_buyer, days_since_purchase`` and the BTYD inputs they came
  from (``frequency, recency, T, monetary_value, first_purchase_value``); stored by descending
  CLV, so the top-customers list reads one sorted table and no join;
* ``clv_holdout`` — the chosen model's holdout check, one row per calibration frequency bucket
  (0…6, 7 = "7 or more"), key ``frequency_bucket``: ``customers, predicted_mean, actual_mean,
  baseline_mean``;
* ``model_params`` — one row per fit × parameter, key ``(model, parameter)``: fitted
  parameters with standard errors (``bg_nbd``, ``mbg_nbd``, ``gamma_gamma``; the calibration fits
  as ``<name>_calibration``), each model's holdout metrics (``validation_<name>``), the chosen
  model's metrics and the reason for the choice (``validation``), the purchase model used and the
  plain-language verdict on spend (``clv``: ``purchase_model``, ``spend_verdict``); warnings and
  reasons in ``note``.

Settings come from the refresh context: ``clv_horizon_months``, ``clv_discount_rate`` (annual);
``fitted_at`` is ``ctx.refreshed_at``. What a user must know (a model that failed, a verdict) is
appended to ``ctx.warnings``; a fit that succeeded after a retry with a penalty is only logged (its
notes stay in ``model_params``).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from analytics.clv import (
    AUTO,
    PREDICTION_COLUMNS,
    TIME_UNIT,
    CLVModel,
    choose_purchase_model,
    spend_verdict,
)
from analytics.clv.holdout import BY_FREQUENCY_COLUMNS
from warehouse.frames import insert_frame
from warehouse.pipeline.registry import REGISTRY, Step
from warehouse.schema.fields import NUMBER, Field
from warehouse.sql.clv_inputs import calibration_holdout, first_order_date, write_clv_inputs

if TYPE_CHECKING:
    from warehouse.pipeline.context import RefreshContext

HOLDOUT_WEEKS = 8
MIN_HOLDOUT_DAYS = 7
PARAM_COLUMNS = [
    "model", "parameter", "value", "standard_error", "time_unit", "calibration_end", "fitted_at",
    "note",
]
# model_params rows (by parameter) whose note a user must read; the rest record the fits.
WARNING_PARAMETERS = frozenset(
    {"fit_failed", "not_computed", "skipped", "verdict", "freq_monetary_corr"}
)

log = logging.getLogger(__name__)


def holdout_days(first_date: date | None, as_of: date, weeks: int) -> int:
    """The configured holdout, shrunk to at most half the data's span (first purchase → as-of)."""
    span = (as_of - first_date).days if first_date is not None else 0
    return min(weeks * 7, span // 2)


def build_clv(
    con: duckdb.DuckDBPyConnection, ctx: RefreshContext, holdout_weeks: int = HOLDOUT_WEEKS
) -> None:
    """Build ``clv_inputs``, ``customer_clv``, ``clv_holdout`` and ``model_params``."""
    as_of = ctx.as_of
    summary = write_clv_inputs(con, as_of)
    by_frequency, params, chosen = _choose(con, as_of, holdout_weeks)
    if summary.empty:
        predictions = pd.DataFrame(columns=list(PREDICTION_COLUMNS))
        reason = f"CLV not computed: no purchases on or before {as_of}"
        params.append(_note_row("clv", "not_computed", reason, as_of))
    else:
        model = CLVModel(
            purchase_model=chosen or AUTO,
            fit_both=True,
            horizon_months=ctx.clv_horizon_months,
            discount_rate=ctx.clv_discount_rate,
        ).fit(summary)
        predictions = model.predict(summary)
        params += [{**row, "calibration_end": as_of} for row in model.params_.to_dict("records")]
        verdict = spend_verdict(model.spend_status_, model.repeat_buyers_)
        if verdict is not None:
            params.append(_note_row("clv", "spend_verdict", verdict, as_of))
    ctx.warnings.extend(_user_warnings(params))

    _write_customer_clv(con, predictions.merge(summary, on="customer_id", how="left"))
    _write_holdout(con, by_frequency)
    rows = pd.DataFrame(params).reindex(columns=PARAM_COLUMNS)
    _write_model_params(con, rows.assign(time_unit=TIME_UNIT, fitted_at=ctx.refreshed_at))


def _choose(
    con: duckdb.DuckDBPyConnection, as_of: date, weeks: int
) -> tuple[pd.DataFrame, list[dict], str | None]:
    """Fit both purchase models up to as_of − holdout, predict the holdout, keep the better one.

    Returns the chosen model's by-frequency chart rows, ``model_params`` rows (calibration fits,
    metrics, the choice and its reason, with their ``calibration_end``) and the chosen model's
    name (None when the holdout was skipped or neither model could be fitted).
    """
    empty = pd.DataFrame(columns=BY_FREQUENCY_COLUMNS)
    days = holdout_days(first_order_date(con, as_of), as_of, weeks)
    if days < MIN_HOLDOUT_DAYS:
        reason = (
            f"holdout validation skipped: the data span allows a {days}-day holdout, "
            f"fewer than {MIN_HOLDOUT_DAYS} days"
        )
        return empty, [_note_row("validation", "skipped", reason, as_of)], None
    calibration_end = as_of - timedelta(days=days)
    choice = choose_purchase_model(calibration_holdout(con, calibration_end, as_of), days)
    rows = [{**row, "calibration_end": calibration_end} for row in choice.params.to_dict("records")]
    return choice.by_frequency, rows, choice.chosen


def _user_warnings(params: list[dict]) -> list[str]:
    """The notes a user must read: failed fits, missing CLV, a skipped holdout, a verdict worse
    than the naive baseline, doubtful Gamma-Gamma independence. Notes of fits that succeeded after
    a retry are logged instead (they stay in ``model_params``)."""
    warnings = []
    for row in params:
        note = row.get("note")
        if not isinstance(note, str):
            continue
        if row["parameter"] in WARNING_PARAMETERS:
            prefix = "calibration fit: " if row["model"].endswith("_calibration") else ""
            warnings.append(prefix + note)
        elif row["parameter"] == "penalizer_coef":
            log.info("%s: %s", row["model"], note)
    return warnings


def _note_row(model: str, parameter: str, note: str, calibration_end: date | None = None) -> dict:
    return {"model": model, "parameter": parameter, "value": None, "note": note,
            "calibration_end": calibration_end}


def _write_customer_clv(con: duckdb.DuckDBPyConnection, predictions: pd.DataFrame) -> None:
    con.execute(
        """
        CREATE OR REPLACE TABLE customer_clv (
            customer_id VARCHAR NOT NULL,
            p_alive DOUBLE,
            expected_purchases_30 DOUBLE,
            expected_purchases_90 DOUBLE,
            expected_purchases_365 DOUBLE,
            clv_amount DOUBLE,
            is_one_time_buyer BOOLEAN NOT NULL,
            days_since_purchase BIGINT NOT NULL,
            frequency BIGINT,
            recency BIGINT,
            "T" BIGINT,
            monetary_value DOUBLE,
            first_purchase_value DOUBLE
        )
        """
    )
    ranked = predictions.sort_values(
        ["clv_amount", "customer_id"], ascending=[False, True], na_position="last"
    )
    insert_frame(con, "customer_clv", ranked)


def _write_holdout(con: duckdb.DuckDBPyConnection, by_frequency: pd.DataFrame) -> None:
    con.execute(
        """
        CREATE OR REPLACE TABLE clv_holdout (
            frequency_bucket INTEGER NOT NULL,
            customers BIGINT NOT NULL,
            predicted_mean DOUBLE,
            actual_mean DOUBLE,
            baseline_mean DOUBLE
        )
        """
    )
    insert_frame(con, "clv_holdout", by_frequency)


def _write_model_params(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> None:
    con.execute(
        """
        CREATE OR REPLACE TABLE model_params (
            model VARCHAR NOT NULL,
            parameter VARCHAR NOT NULL,
            value DOUBLE,
            standard_error DOUBLE,
            time_unit VARCHAR,
            calibration_end DATE,
            fitted_at TIMESTAMP NOT NULL,
            note VARCHAR
        )
        """
    )
    insert_frame(con, "model_params", rows)


FIELDS = (
    Field("p_alive", NUMBER, "Probability still active (P alive)",
          "the purchase model's (BG/NBD or MBG/NBD) probability that the buyer has not dropped "
          "out", table="customer_clv"),
    Field("expected_purchases_90", NUMBER, "Expected purchases, next 90 days",
          "purchases the purchase model expects from the buyer in the next 90 days",
          table="customer_clv"),
    Field("clv_amount", NUMBER, "Customer lifetime value (CLV)",
          "expected spend over the CLV horizon, discounted, in currency units",
          table="customer_clv"),
)

REGISTRY.register(Step(
    "clv", build_clv,
    reads=("order_lines",),
    writes=("clv_inputs", "customer_clv", "clv_holdout", "model_params"),
    fields=FIELDS,
))
