"""The CLV page's export: the top customers by CLV as a CSV in which no cell runs as a formula
(``dashboard.downloads.csv_response``), recorded in the audit log as an export of the list
``AUDIT_SEGMENT``."""

from __future__ import annotations

EXPORT_COLUMNS = (
    "customer_id", "clv_amount", "p_alive", "expected_purchases_90", "expected_purchases_365",
    "frequency", "recency", "T", "days_since_purchase", "monetary_value", "first_purchase_value",
    "is_one_time_buyer",
)

AUDIT_SEGMENT = "CLV top customers"


def export_file_name(limit: int) -> str:
    """``clv-top-500.csv``."""
    return f"clv-top-{limit}.csv"
