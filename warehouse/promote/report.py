"""The stored report of the latest item propensity training, as the Promote page shows it.

Reads only the training's results file (``<db stem>.promote/v<version>.duckdb``, written by
``warehouse.promote.job``) read-only: nothing is fitted or judged again to show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from warehouse.promote.scoring import latest_results

REPORTED = ("roc_auc", "pr_auc", "precision_at_100", "precision_at_500", "top_decile_lift",
            "average_lift", "brier")


@dataclass(frozen=True)
class StoredReport:
    """One training's report: its run (one row), the test figures per model and baseline,
    lift by decile, calibration, coefficients and the validation search."""

    results: Path  # the results file; the report in words sits beside it (``.md``)
    run: dict[str, object]
    metrics: pd.DataFrame  # one row per scorer: scorer, scorer_label, kind, REPORTED columns
    deciles: pd.DataFrame  # scorer, scorer_label, decile, lift, cumulative_recall
    calibration: pd.DataFrame  # the chosen model: bin, mean_predicted, observed_rate, customers
    coefficients: pd.DataFrame  # rank, feature, coefficient, odds_ratio, sentence
    search: pd.DataFrame

    @property
    def report_file(self) -> Path:
        return self.results.with_suffix(".md")


def read_report(db: Path) -> StoredReport:
    """The latest training's report of warehouse ``db``; NoPropensityModelError when none."""
    results = latest_results(Path(db))
    with duckdb.connect(str(results), read_only=True) as con:
        run = con.sql("SELECT * FROM promote_run").df().iloc[0].to_dict()
        long = con.sql("SELECT scorer, scorer_label, kind, metric, value FROM promote_metrics "
                       "WHERE split = 'test'").df()
        deciles = con.sql(
            "SELECT d.scorer, m.scorer_label, d.decile, d.lift, d.cumulative_recall "
            "FROM promote_deciles AS d JOIN (SELECT DISTINCT scorer, scorer_label "
            "FROM promote_metrics) AS m USING (scorer) ORDER BY d.scorer, d.decile").df()
        calibration = con.execute(
            "SELECT bin, mean_predicted, observed_rate, customers FROM promote_calibration "
            "WHERE scorer = ? ORDER BY bin", [run["model"]]).df()
        coefficients = con.sql("SELECT rank, feature, coefficient, odds_ratio, sentence "
                               "FROM promote_coefficients ORDER BY rank").df()
        search = con.sql("SELECT * FROM promote_search").df()
    order = list(dict.fromkeys(long["scorer"]))
    labels = long[["scorer", "scorer_label", "kind"]].drop_duplicates("scorer").set_index("scorer")
    # a scorer whose every metric is missing (no buyer in the test window) keeps its row
    values = (long[long["metric"].isin(REPORTED)]
              .pivot_table(index="scorer", columns="metric", values="value")
              .reindex(index=order, columns=list(REPORTED)))
    metrics = labels.loc[order].join(values).rename_axis("scorer").reset_index()
    metrics.columns.name = None
    return StoredReport(results, run, metrics, deciles, calibration, coefficients, search)
