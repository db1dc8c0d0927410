"""Read queries for the Decline risk page, over a snapshot's decline tables (copied there by the
refresh step ``warehouse/pipeline/steps/decline.py``; see ``warehouse/schema/decline.py``), and
the campaign contacts the decline job counts.

Every function takes a (read-only) connection or cursor and returns a fully fetched frame (or a
dict / None for one row).
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from warehouse.schema.decline import CUSTOMER_DECLINE

CONTACT_COLUMNS = ("customer_id", "launched_at", "ends_at", "has_offer")
BEESWARM_CUSTOMERS = 500  # customers drawn in the beeswarm (the same ones for every feature)
SEARCH_LIMIT = 20

TREATMENT_CONTACTS_SQL = """
SELECT
    assignment.customer_id,
    campaign.launched_at,
    campaign.ends_at,
    coalesce(trim(campaign.offer), '') <> '' AS has_offer
FROM campaign_assignments AS assignment
JOIN campaigns AS campaign USING (campaign_id)
WHERE assignment.group_name = 'treatment'
ORDER BY assignment.customer_id, campaign.launched_at
"""

RUN_SQL = "SELECT * FROM decline_run LIMIT 1"
METRICS_SQL = "SELECT metric, value FROM decline_metrics ORDER BY metric"
FAMILIES_SQL = "SELECT * FROM decline_families ORDER BY cv_mean DESC, family"
CALIBRATION_SQL = "SELECT * FROM decline_calibration ORDER BY bin"
CHECKS_SQL = "SELECT * FROM decline_checks ORDER BY vif DESC NULLS LAST, feature"
IMPORTANCE_SQL = "SELECT * FROM decline_importance ORDER BY mean_abs DESC, feature"
GROUPS_SQL = """
SELECT *
FROM decline_groups
ORDER BY CASE risk_band WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END,
         CASE profit_band WHEN 'high' THEN 0 ELSE 1 END
"""
# The same customers for every feature: the smallest hashes of their ids.
BEESWARM_SQL = f"""
WITH drawn AS (
    SELECT customer_id
    FROM {CUSTOMER_DECLINE}
    ORDER BY hash(customer_id), customer_id
    LIMIT $limit
)
SELECT contribution.feature, contribution.label, contribution.contribution,
       contribution.value, contribution.value_scaled, contribution.customer_id
FROM decline_contributions AS contribution
SEMI JOIN drawn USING (customer_id)
ORDER BY contribution.feature, contribution.customer_id
"""  # noqa: S608 -- constants only
SEARCH_SQL = f"""
SELECT customer_id, decline_risk, decline_risk_band, decline_profit_band, decline_top_reason
FROM {CUSTOMER_DECLINE}
WHERE starts_with(customer_id, $prefix)
ORDER BY customer_id
LIMIT $limit
"""  # noqa: S608 -- constants only
TOP_RISK_SQL = f"""
SELECT customer_id, decline_risk, decline_risk_band, decline_profit_band, decline_top_reason
FROM {CUSTOMER_DECLINE}
ORDER BY decline_risk DESC, customer_id
LIMIT $limit
"""  # noqa: S608 -- constants only
CUSTOMER_SQL = f"SELECT * FROM {CUSTOMER_DECLINE} WHERE customer_id = $customer_id"  # noqa: S608
REFUSED_SQL = f"""
SELECT customer_id FROM {CUSTOMER_DECLINE} WHERE allows_notifications = 'no' ORDER BY customer_id
"""  # noqa: S608 -- constants only
CONTRIBUTIONS_SQL = """
SELECT feature, label, value, contribution, rank, reason
FROM decline_contributions
WHERE customer_id = $customer_id
ORDER BY rank
"""


def treatment_contacts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every treatment assignment of a launched campaign: customer_id, launched_at, ends_at,
    has_offer (the campaign names an offer)."""
    return con.execute(TREATMENT_CONTACTS_SQL).df()


def decline_run(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The published run (model version, source, as-of date, chosen family, unit, settings,
    notes), or None before the first ``python app.py decline``."""
    frame = con.execute(RUN_SQL).df()
    return None if frame.empty else frame.iloc[0].to_dict()


def decline_metrics(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """The chosen model's figures by name (test_roc_auc, cv_mean, threshold, ...)."""
    return dict(con.execute(METRICS_SQL).fetchall())


def decline_families(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per model family searched, best CV ROC-AUC first."""
    return con.execute(FAMILIES_SQL).df()


def decline_calibration(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The chosen model's reliability table on the test split."""
    return con.execute(CALIBRATION_SQL).df()


def decline_checks(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Multicollinearity and leakage checks per feature, highest VIF first."""
    return con.execute(CHECKS_SQL).df()


def decline_importance(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Mean absolute SHAP value per feature, largest first."""
    return con.execute(IMPORTANCE_SQL).df()


def decline_groups(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The six risk × profit groups, high risk and high profit first."""
    return con.execute(GROUPS_SQL).df()


def beeswarm_points(con: duckdb.DuckDBPyConnection,
                    limit: int = BEESWARM_CUSTOMERS) -> pd.DataFrame:
    """Contributions of up to ``limit`` customers (the same ones for every feature): feature,
    label, contribution, value, value_scaled, customer_id."""
    return con.execute(BEESWARM_SQL, {"limit": int(limit)}).df()


def search_customers(con: duckdb.DuckDBPyConnection, prefix: str,
                     limit: int = SEARCH_LIMIT) -> pd.DataFrame:
    """Scored customers whose id starts with ``prefix`` (the highest risks for an empty one)."""
    prefix = prefix.strip()
    if not prefix:
        return con.execute(TOP_RISK_SQL, {"limit": int(limit)}).df()
    return con.execute(SEARCH_SQL, {"prefix": prefix, "limit": int(limit)}).df()


def customer_decline(con: duckdb.DuckDBPyConnection, customer_id: str) -> dict[str, Any] | None:
    """One scored customer's row of ``customer_decline``, or None when not scored."""
    cursor = con.execute(CUSTOMER_SQL, {"customer_id": customer_id})
    rows = cursor.fetchall()  # fully: the cursor serves later reads
    return None if not rows else dict(zip([d[0] for d in cursor.description], rows[0],
                                          strict=True))


def customer_contributions(con: duckdb.DuckDBPyConnection, customer_id: str) -> pd.DataFrame:
    """One customer's contribution per feature, largest in absolute value first."""
    return con.execute(CONTRIBUTIONS_SQL, {"customer_id": customer_id}).df()


def refused_notifications(con: duckdb.DuckDBPyConnection) -> pd.Series:
    """Ids of the scored customers who did not consent to notifications (empty where the
    source records no consent)."""
    return con.execute(REFUSED_SQL).df()["customer_id"]
