"""Train the item propensity model: rows at consecutive cut-offs, linear candidates searched on
the validation window, the chosen one judged on the test window against the two baselines,
registered, its test scores logged, its report and results stored.

``train_propensity(db, settings)`` reads the warehouse and its published snapshot
(``warehouse.promote.data``) and writes:

* the model registry: the chosen pipeline as the next version of ``item_propensity``, with its
  test figures;
* the prediction log: its scores of every (customer, test item) row as of the test cut-off;
* ``<db stem>.promote/v<version>.duckdb``: the result tables of ``warehouse.schema.promote``,
  the model's numbers (``promote_params``) and the feature tables as of the end of the data, so
  that any item is scored later without the warehouse (``warehouse.promote.scoring``);
* ``<db stem>.promote/v<version>.md``: the report in words.

Selection: per family the regularisation value with the best mean average lift over the
validation items (ties: PR-AUC); the family whose best is best is chosen. Each family's best is
then refitted on the training and validation windows together and judged on the test window —
the figures reported. The chosen model is that refit.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analytics.propensity.baselines import BASELINES, baseline_scores
from analytics.propensity.design import FEATURE_NAMES, design_matrix
from analytics.propensity.explain import coefficient_table
from analytics.propensity.models import (
    FAMILIES,
    FAMILY_BY_NAME,
    LinearParams,
    fit_model,
    linear_params,
    linear_probability,
)
from analytics.propensity.scoring import Evaluation, evaluate_score
from warehouse.clock import utc_now
from warehouse.commands.push_audience import register_warehouse_model
from warehouse.prediction_log import predictions_dir, write_predictions
from warehouse.promote import settings as defaults
from warehouse.promote.data import (
    Cutoffs,
    PeriodData,
    PromoteSettings,
    build_feature_tables,
    plan_cutoffs,
    point_at,
)
from warehouse.schema.promote import (
    MODEL_NAME,
    RESULTS_DDL,
    RESULTS_SUFFIX,
    SETTINGS_TABLE,
)

log = logging.getLogger(__name__)

PARAMS_TABLE = "promote_params"
REPORTED = ("roc_auc", "pr_auc", "precision_at_100", "top_decile_lift", "average_lift",
            "pooled_roc_auc", "pooled_pr_auc", "brier")
TARGET_TOP_DECILE_LIFT = 3.0


class TooFewPurchasesError(ValueError):
    """The data has too few qualifying (large-basket) purchases to learn from."""


def results_dir(db: Path) -> Path:
    """Where the job's results of warehouse ``db`` live: ``<db stem>.promote``."""
    return db.with_name(db.stem + RESULTS_SUFFIX)


@dataclass(frozen=True)
class PromoteTraining:
    """What one training wrote and measured."""

    version: int
    results: Path
    report: Path
    chosen: str  # family name
    parameter_value: float
    test: dict[str, dict[str, float]]  # scorer -> test summary (models and baselines)
    seconds: float

    def describe(self) -> str:
        lines = [f"Item propensity model v{self.version}: {FAMILY_BY_NAME[self.chosen].label} "
                 f"({FAMILY_BY_NAME[self.chosen].parameter} = {self.parameter_value:g}) "
                 f"chosen, trained in {self.seconds:.1f} s.",
                 f"{'test window':<40}{'ROC-AUC':>9}{'PR-AUC':>9}{'top-10% lift':>14}"
                 f"{'avg lift':>10}"]
        for scorer, summary in self.test.items():
            lines.append(f"{_label(scorer):<40}{summary['roc_auc']:>9.3f}"
                         f"{summary['pr_auc']:>9.3f}{summary['top_decile_lift']:>14.2f}"
                         f"{summary['average_lift']:>10.2f}")
        lines.append(f"Report: {self.report}")
        return "\n".join(lines)


def _label(scorer: str) -> str:
    return BASELINES.get(scorer) or FAMILY_BY_NAME[scorer].label


@dataclass
class _Rows:
    train: pd.DataFrame
    validation_fit: pd.DataFrame
    validation: pd.DataFrame
    test: pd.DataFrame


def _matrix(rows: pd.DataFrame, settings: PromoteSettings) -> np.ndarray:
    return design_matrix(rows, settings.horizon_days)


def _search(rows: _Rows, settings: PromoteSettings) -> pd.DataFrame:
    """Every family × value fitted on the training windows, judged on the validation window."""
    x, y, w = _matrix(rows.train, settings), rows.train["label"].to_numpy(), \
        rows.train["weight"].to_numpy()
    x_val = _matrix(rows.validation, settings)
    found = []
    for family in FAMILIES:
        for value in family.grid:
            started = time.perf_counter()
            model = fit_model(family.name, value, x, y, w, random_state=settings.seed)
            params = linear_params(model, FEATURE_NAMES)
            judged = evaluate_score(rows.validation["item_id"], rows.validation["label"],
                                    linear_probability(x_val, params))
            found.append({"model": family.name, "parameter": family.parameter,
                          "parameter_value": value,
                          "average_lift": judged.summary["average_lift"],
                          "pr_auc": judged.summary["pr_auc"],
                          "roc_auc": judged.summary["roc_auc"],
                          "seconds": time.perf_counter() - started})
            log.info("validation %s %s=%g: average lift %.3f", family.name, family.parameter,
                     value, judged.summary["average_lift"])
    search = pd.DataFrame(found)
    ranked = search.sort_values(["average_lift", "pr_auc"], ascending=False, kind="stable")
    search["is_chosen"] = search.index == ranked.index[0]
    return search


def _best_per_family(search: pd.DataFrame) -> dict[str, float]:
    ranked = search.sort_values(["average_lift", "pr_auc"], ascending=False, kind="stable")
    return {name: float(group["parameter_value"].iloc[0])
            for name, group in ranked.groupby("model", sort=False)}


def _with_fit_rows(rows: _Rows) -> pd.DataFrame:
    return pd.concat([rows.train, rows.validation_fit], ignore_index=True)


def _collect_rows(data: PeriodData, settings: PromoteSettings, cutoffs: Cutoffs) -> _Rows:
    train = pd.concat([data.rows(t, settings.train_items, sample=True) for t in cutoffs.train],
                      ignore_index=True)
    return _Rows(
        train=train,
        validation_fit=data.rows(cutoffs.validation, settings.train_items, sample=True),
        validation=data.rows(cutoffs.validation, settings.eval_items, sample=False),
        test=data.rows(cutoffs.test, settings.eval_items, sample=False),
    )


def train_propensity(
    db: Path, settings: PromoteSettings | None = None, *, ops_url: str | None = None
) -> PromoteTraining:
    """Train, judge, register and store the item propensity model of warehouse ``db`` (see the
    module's docstring). TooFewPurchasesError when the training windows hold fewer than
    ``MIN_TRAIN_POSITIVES`` qualifying purchases; ValueError when the data is too short."""
    db = Path(db)
    settings = settings or PromoteSettings()
    started = time.perf_counter()
    data = PeriodData(db, settings)
    with data.open() as period:
        first, data_end, orders, large = period.bounds()
        cutoffs = _plan(first, data_end, settings, orders, large)
        rows = _collect_rows(period, settings, cutoffs)
        log.info("rows at %d cut-offs: %.1f s", len(cutoffs.train) + 2,
                 time.perf_counter() - started)
        positives = int(rows.train["label"].sum())
        if positives < defaults.MIN_TRAIN_POSITIVES:
            raise TooFewPurchasesError(
                f"the training windows hold {positives} purchases in baskets of at least "
                f"{settings.min_basket} items (of {orders:,} orders, {large:,} that large): "
                f"too few to learn from (at least {defaults.MIN_TRAIN_POSITIVES})")
        search = _search(rows, settings)
        log.info("validation search: %.1f s", search["seconds"].sum())
        fit_rows = _with_fit_rows(rows)
        x_fit = _matrix(fit_rows, settings)
        x_test = _matrix(rows.test, settings)
        evaluations: dict[str, Evaluation] = {}
        fitted: dict[str, tuple[object, LinearParams]] = {}
        for family, value in _best_per_family(search).items():
            model = fit_model(family, value, x_fit, fit_rows["label"].to_numpy(),
                              fit_rows["weight"].to_numpy(), random_state=settings.seed)
            params = linear_params(model, FEATURE_NAMES)
            fitted[family] = (model, params)
            evaluations[family] = evaluate_score(
                rows.test["item_id"], rows.test["label"], linear_probability(x_test, params),
                probabilities=True)
        for name, score in baseline_scores(rows.test).items():
            evaluations[name] = evaluate_score(rows.test["item_id"], rows.test["label"], score)
        log.info("refits and test evaluation done at %.1f s", time.perf_counter() - started)
        chosen = str(search.loc[search["is_chosen"], "model"].iloc[0])
        value = float(search.loc[search["is_chosen"], "parameter_value"].iloc[0])
        model, params = fitted[chosen]
        seconds = time.perf_counter() - started
        version = register_warehouse_model(
            db, MODEL_NAME, model, ops_url=ops_url,
            train_start=cutoffs.train[0], train_end=cutoffs.test,
            params={"family": chosen, FAMILY_BY_NAME[chosen].parameter: value,
                    "min_basket": settings.min_basket, "horizon_days": settings.horizon_days,
                    "negative_rate": settings.negative_rate},
            metrics={f"test_{k}": evaluations[chosen].summary[k] for k in REPORTED},
        ).version
        write_predictions(
            predictions_dir(db),
            pd.DataFrame({"customer_id": rows.test["customer_id"].astype(str),
                          "item_id": rows.test["item_id"].astype(str),
                          "score": linear_probability(x_test, params)}),
            model=MODEL_NAME, version=version, as_of=cutoffs.test.date(),
            horizon_days=settings.horizon_days)
        folder = results_dir(db)
        folder.mkdir(parents=True, exist_ok=True)
        results = folder / f"v{version}.duckdb"
        run = {
            "version": version, "model": chosen, "model_label": FAMILY_BY_NAME[chosen].label,
            "parameter": FAMILY_BY_NAME[chosen].parameter, "parameter_value": value,
            "intercept": params.intercept, "trained_at": utc_now(), "data_end_at": data_end,
            "min_basket": settings.min_basket, "horizon_days": settings.horizon_days,
            "train_cutoffs": ", ".join(f"{t:%Y-%m-%d}" for t in cutoffs.train),
            "validation_cutoff": cutoffs.validation, "test_cutoff": cutoffs.test,
            "train_rows": len(fit_rows), "train_positives": int(fit_rows["label"].sum()),
            "negative_rate": settings.negative_rate, "train_items": settings.train_items,
            "eval_items": settings.eval_items, "orders": orders, "large_orders": large,
            "seconds": seconds, "findings": findings(evaluations, chosen),
        }
        tables = result_frames(run, search, evaluations, params)
        _write_results(period.con, results, tables, data_end, settings, params)
    log.info("registry, prediction log and results file written at %.1f s",
             time.perf_counter() - started)
    report = folder / f"v{version}.md"
    report.write_text(report_text(tables), encoding="utf-8")
    return PromoteTraining(version, results, report, chosen, value,
                           {name: e.summary for name, e in evaluations.items()}, seconds)


def _plan(first: datetime, data_end: datetime, settings: PromoteSettings, orders: int,
          large: int) -> Cutoffs:
    cutoffs = plan_cutoffs(first, data_end, settings)
    log.info("cut-offs: %s; %d orders, %d with at least %d items", cutoffs.describe(), orders,
             large, settings.min_basket)
    return cutoffs


def findings(evaluations: dict[str, Evaluation], chosen: str) -> str:
    """What worked and what did not, in words, from the test figures."""
    model = evaluations[chosen].summary
    personal = evaluations["personal_frequency"].summary
    lift, base = model["top_decile_lift"], personal["top_decile_lift"]
    parts = [
        f"On the test window the chosen model's top decile holds {lift:.2f}× the item's "
        f"qualifying buyers of a random decile (target {TARGET_TOP_DECILE_LIFT:.0f}×: "
        f"{'met' if lift >= TARGET_TOP_DECILE_LIFT else 'missed'}), against {base:.2f}× for "
        f"the customers' own purchase frequency of the item "
        f"({'above' if lift > base else 'not above'} it).",
        f"Average lift over audience sizes: {model['average_lift']:.2f} (personal frequency "
        f"{personal['average_lift']:.2f}); ROC-AUC {model['roc_auc']:.3f} vs "
        f"{personal['roc_auc']:.3f}.",
        "Popularity gives every customer of one item the same score, so it cannot rank an "
        "item's customers (lift 1 within an item); it only ranks items (pooled ROC-AUC "
        f"{evaluations['popularity'].summary.get('pooled_roc_auc', float('nan')):.3f}).",
    ]
    others = {name: e.summary["average_lift"] for name, e in evaluations.items()
              if name in FAMILY_BY_NAME and name != chosen}
    if others:
        parts.append("The other linear families reached average lifts of " + ", ".join(
            f"{v:.2f} ({FAMILY_BY_NAME[n].label})" for n, v in others.items()) + ".")
    return " ".join(parts)


def result_frames(run: dict, search: pd.DataFrame, evaluations: dict[str, Evaluation],
                  params: LinearParams) -> dict[str, pd.DataFrame]:
    """The result tables (``RESULTS_DDL``) of one training as frames."""
    metrics, deciles, calibration = [], [], []
    for scorer, judged in evaluations.items():
        kind = "baseline" if scorer in BASELINES else "model"
        metrics += [{"scorer": scorer, "scorer_label": _label(scorer), "kind": kind,
                     "split": "test", "metric": metric, "value": float(value)}
                    for metric, value in judged.summary.items()]
        deciles.append(judged.deciles.assign(scorer=scorer))
        if judged.calibration is not None:
            calibration.append(judged.calibration.assign(scorer=scorer)[
                ["scorer", "bin", "lower", "upper", "customers", "mean_predicted",
                 "observed_rate"]])
    coefficients = coefficient_table(params).merge(params.frame()[["feature", "mean", "scale"]],
                                                   on="feature")
    coefficients.insert(0, "rank", np.arange(1, len(coefficients) + 1))
    return {
        "promote_run": pd.DataFrame([run]),
        "promote_metrics": pd.DataFrame(metrics),
        "promote_deciles": pd.concat(deciles, ignore_index=True)[
            ["scorer", "decile", "lift", "cumulative_recall"]],
        "promote_calibration": pd.concat(calibration, ignore_index=True),
        "promote_coefficients": coefficients[["rank", "feature", "description", "mean",
                                              "scale", "coefficient", "odds_ratio",
                                              "sentence"]],
        "promote_search": search,
    }


def _write_results(con: duckdb.DuckDBPyConnection, results: Path,
                   tables: dict[str, pd.DataFrame], data_end: datetime,
                   settings: PromoteSettings, params: LinearParams) -> None:
    """One DuckDB file: the result tables, the model's numbers and the feature tables as of the
    end of the data, written under a temporary name and renamed into place."""
    temporary = results.with_suffix(".writing")
    temporary.unlink(missing_ok=True)
    con.execute("ATTACH ? AS results", [str(temporary)])
    try:
        for name, ddl in RESULTS_DDL.items():
            con.execute(ddl.replace(f"CREATE TABLE {name}", f"CREATE TABLE results.{name}"))
            frame = tables[name]
            columns = [d[0] for d in con.execute(
                f"SELECT * FROM results.{name} LIMIT 0").description]  # noqa: S608 constants
            con.register("incoming", frame[columns])
            con.execute(f"INSERT INTO results.{name} SELECT * FROM incoming")  # noqa: S608
            con.unregister("incoming")
        con.register("incoming", params.frame())
        con.execute(f"CREATE TABLE results.{PARAMS_TABLE} AS SELECT * FROM incoming")  # noqa: S608
        con.unregister("incoming")
        point_at(con, data_end)
        build_feature_tables(con, into="results")
        con.execute(f"CREATE TABLE results.{SETTINGS_TABLE} AS SELECT CAST(? AS INTEGER) AS "
                    "min_basket, CAST(? AS INTEGER) AS horizon_days, CAST(? AS TIMESTAMP) AS "
                    "cutoff_at", [settings.min_basket, settings.horizon_days, data_end])
    finally:
        con.execute("DETACH results")
    temporary.replace(results)


def _table(frame: pd.DataFrame) -> str:
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in row)
            + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def report_text(tables: dict[str, pd.DataFrame]) -> str:
    """The report of one training, in Markdown."""
    run = tables["promote_run"].iloc[0]
    metrics = tables["promote_metrics"]
    wide = (metrics[metrics["metric"].isin(REPORTED)]
            .pivot_table(index="scorer_label", columns="metric", values="value", sort=False)
            .reindex(columns=[m for m in REPORTED if m in set(metrics["metric"])])
            .reset_index())
    deciles = tables["promote_deciles"].pivot_table(index="decile", columns="scorer",
                                                     values="lift").reset_index()
    calibration = tables["promote_calibration"]
    chosen_calibration = calibration[calibration["scorer"] == run["model"]][
        ["bin", "mean_predicted", "observed_rate", "customers"]]
    words = tables["promote_coefficients"][["rank", "sentence"]].head(12)
    return "\n\n".join([
        f"# Item propensity model v{run['version']}",
        f"Label: buys the item in an order of at least {run['min_basket']} items within "
        f"{run['horizon_days']} days of the cut-off. Cut-offs: train {run['train_cutoffs']}; "
        f"validation {run['validation_cutoff']:%Y-%m-%d}; test {run['test_cutoff']:%Y-%m-%d}. "
        f"Training rows {run['train_rows']:,} ({run['train_positives']:,} positive; "
        f"{run['train_items']} items drawn per cut-off, negatives without history kept at "
        f"rate {run['negative_rate']:g} and weighted back). Test: {run['eval_items']} items, "
        f"every customer scored. Trained in {run['seconds']:.1f} s.",
        f"Chosen: {run['model_label']} ({run['parameter']} = {run['parameter_value']:g}), "
        "best mean average lift on the validation window.",
        "## Test window, per item averaged over items\n\n" + _table(wide),
        "## Lift by decile (test, mean over items)\n\n" + _table(deciles),
        "## Calibration of the chosen model (test, pooled rows)\n\n" + _table(chosen_calibration),
        "## What the coefficients say\n\n" + "\n".join(
            f"{r.rank}. {r.sentence}" for r in words.itertuples()),
        "## Validation search\n\n" + _table(tables["promote_search"]),
        "## Findings\n\n" + str(run["findings"]),
    ]) + "\n"
