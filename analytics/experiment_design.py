"""Former home of the experiment design maths, kept so existing imports work: see
``analytics.experiments.design``."""

from analytics.experiments.design import (
    DESIGN_COLUMNS,
    PP,
    RELATIVE,
    SampleSize,
    allocation_ratio,
    audience_needed,
    design_summary,
    expected_duration_days,
    mean_mde,
    mean_power,
    mean_sample_size,
    proportion_mde,
    proportion_power,
    proportion_sample_size,
    split_audience,
)

__all__ = ["DESIGN_COLUMNS", "PP", "RELATIVE", "SampleSize", "allocation_ratio",
           "audience_needed", "design_summary", "expected_duration_days", "mean_mde",
           "mean_power", "mean_sample_size", "proportion_mde", "proportion_power",
           "proportion_sample_size", "split_audience"]
