"""Refresh step: customer lifetime value (BG/NBD + Gamma-Gamma) and its holdout validation.

Writes four snapshot tables:

* ``clv_inputs`` — one row per buyer, key ``customer_id`` (see ``warehouse/sql/clv_inputs.py``);
* ``customer_clv`` — one row per buyer, key ``customer_id``: ``p_alive,
  expected_purchases_30, _90, _365, clv_amount`` (NULL when a model is unusable; the reason is in
  ``model_params``), ``is_one_time_buyer, days_since_purchase`` and the BTYD inputs they came
  from (``frequency, recency, T, monetary_value``); stored by descending CLV, so the top-customers
  list reads one sorted table and no join;
* ``clv_holdout`` — one row per calibration frequency bucket (0…6, 7 = "7 or more"), key
  ``frequency_bucket``: ``customers, predicted_mean, actual_mean, baseline_mean``;
* ``model_params`` — one row per fit × parameter, key ``(model, parameter)``: fitted
  parameters with standard errors, validation metrics (model ``validation``), warnings in ``note``.

Settings come from the refresh context: ``clv_horizon_months``, ``clv_discount_rate`` (annual);
``fitted_at`` is ``ctx.refreshed_at``. Warnings are appended to ``ctx.warnings``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from analytics.clv import PREDICTION_COLUMNS, TIME_UNIT, CLVModel, validate_holdout
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
    params: list[dict] = []
    warnings: list[str] = []
    if summary.empty:
        predictions = pd.DataFrame(columns=list(PREDICTION_COLUMNS))
        warnings.append(f"CLV not computed: no purchases on or before {as_of}")
        params.append(_note_row("clv", "not_computed", warnings[-1]))
    else:
        model = CLVModel(
            horizon_months=ctx.clv_horizon_months, discount_rate=ctx.clv_discount_rate
        ).fit(summary)
        predictions = model.predict(summary)
        warnings += model.warnings_
        params += model.params_.to_dict("records")
    params = [{**row, "calibration_end": as_of} for row in params]

    by_frequency, validation_params, validation_warnings = _validate(con, as_of, holdout_weeks)
    params += validation_params
    warnings += validation_warnings

    _write_customer_clv(con, predictions.merge(summary, on="customer_id", how="left"))
    _write_holdout(con, by_frequency)
    rows = pd.DataFrame(params).reindex(columns=PARAM_COLUMNS)
    _write_model_params(con, rows.assign(time_unit=TIME_UNIT, fitted_at=ctx.refreshed_at))
    ctx.warnings.extend(warnings)


def _validate(
    con: duckdb.DuckDBPyConnection, as_of: date, weeks: int
) -> tuple[pd.DataFrame, list[dict], list[str]]:
    """Fit BG/NBD up to as_of − holdout, predict the holdout, compare with what happened.

    Returns the by-frequency chart rows, ``model_params`` rows (calibration fit and metrics, with
    their ``calibration_end``) and warnings.
    """
    empty = pd.DataFrame(
        columns=["frequency_bucket", "customers", "predicted_mean", "actual_mean", "baseline_mean"]
    )
    days = holdout_days(first_order_date(con, as_of), as_of, weeks)
    if days < MIN_HOLDOUT_DAYS:
        reason = (
            f"holdout validation skipped: the data span allows a {days}-day holdout, "
            f"fewer than {MIN_HOLDOUT_DAYS} days"
        )
        return empty, [_note_row("validation", "skipped", reason, as_of)], [reason]
    calibration_end = as_of - timedelta(days=days)
    frame = calibration_holdout(con, calibration_end, as_of)
    model = CLVModel(fit_spend=False).fit(frame)
    warnings = [f"calibration fit: {w}" for w in model.warnings_]
    rows = [
        {**row, "model": "bg_nbd_calibration", "calibration_end": calibration_end}
        for row in model.params_.to_dict("records")
    ]
    if model.bgf_ is None:
        reason = "holdout validation skipped: the calibration BG/NBD fit did not converge"
        rows.append(_note_row("validation", "skipped", reason, calibration_end))
        return empty, rows, [*warnings, reason]
    frame["predicted_purchases"] = model.predict_purchases(frame, days)
    result = validate_holdout(frame, days)
    rows += [
        {"model": "validation", "parameter": name, "value": value,
         "calibration_end": calibration_end}
        for name, value in result.metrics.items()
    ]
    return result.by_frequency, rows, warnings


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
            monetary_value DOUBLE
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
          "BG/NBD probability that the buyer has not dropped out", table="customer_clv"),
    Field("expected_purchases_90", NUMBER, "Expected purchases, next 90 days",
          "purchases BG/NBD expects from the buyer in the next 90 days", table="customer_clv"),
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
