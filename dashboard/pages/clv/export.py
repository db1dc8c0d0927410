"""The CLV page's export: the top customers by CLV as a CSV in which no cell runs as a formula,
and the audit record every export of a customer list must leave."""

from __future__ import annotations

import logging

import pandas as pd

from warehouse.csv_safety import to_safe_csv

EXPORT_COLUMNS = (
    "customer_id", "clv_amount", "p_alive", "expected_purchases_90", "expected_purchases_365",
    "frequency", "recency", "T", "days_since_purchase", "monetary_value", "first_purchase_value",
    "is_one_time_buyer",
)

log = logging.getLogger(__name__)


def export_file_name(limit: int) -> str:
    """``clv-top-500.csv``."""
    return f"clv-top-{limit}.csv"


def export_csv(top: pd.DataFrame) -> str:
    """The ``top_customers`` rows (highest CLV first) as formula-safe CSV text."""
    return to_safe_csv(top[list(EXPORT_COLUMNS)])


def audit_export(row_count: int, file_name: str) -> None:
    """Record that a customer list left the dashboard.

    # wire: call the ported command side's audited export, e.g.
    # ``warehouse.commands.log_segment_export(db, user=<signed-in user>, kind="clv_top_customers",
    # row_count=row_count, file_name=file_name)``, in the same step as the download, and refuse
    # the download to users below the analyst role once login (issue 11) exists. Until then the
    # export is only logged here.
    """
    log.info("CLV top customers exported: %d rows as %s (not yet in the audit log)", row_count,
             file_name)
