"""Former home of the campaign results maths, kept so existing imports work: see
``analytics.experiments.results``."""

from analytics.experiments.results import (
    METRICS,
    OUTCOME_COLUMNS,
    SRM_ALPHA,
    Lift,
    compare_means,
    compare_proportions,
    experiment_results,
    group_summary,
    srm_test,
)

__all__ = ["METRICS", "OUTCOME_COLUMNS", "SRM_ALPHA", "Lift", "compare_means",
           "compare_proportions", "experiment_results", "group_summary", "srm_test"]
