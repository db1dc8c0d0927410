"""Former home of the assignment maths, kept so existing imports work: see
``analytics.experiments.assignment``."""

from analytics.experiments.assignment import (
    CONTROL,
    MISSING_STRATUM,
    TREATMENT,
    assign_groups,
    control_count,
    validate_control_share,
)

__all__ = ["CONTROL", "MISSING_STRATUM", "TREATMENT", "assign_groups", "control_count",
           "validate_control_share"]
