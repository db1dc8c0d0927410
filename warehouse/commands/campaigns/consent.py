"""No push or email to a customer who did not consent to notifications.

The One Click files record consent per customer (``allows_notifications``: yes or no); the decline
job publishes it in ``customer_decline``. The event warehouse records none: such customers are not
excluded, since nothing says they refused. Every launch passes its audience through
``launchable_audience`` before the groups are drawn, so a refusing customer is in neither group.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from warehouse.queries.decline import refused_notifications
from warehouse.schema.decline import CUSTOMER_DECLINE

CONSENT_CHANNELS = ("email", "push")


def deliverable_audience(
    audience: pd.DataFrame, refused: pd.Series | set[str], channel: str
) -> pd.DataFrame:
    """``audience`` (a frame with ``customer_id``) without the customers in ``refused`` when
    ``channel`` is push or email; unchanged for other channels."""
    if channel not in CONSENT_CHANNELS:
        return audience
    return audience[~audience["customer_id"].isin(set(refused))].reset_index(drop=True)


def launchable_audience(
    snapshot: duckdb.DuckDBPyConnection, audience: pd.DataFrame, channel: str
) -> pd.DataFrame:
    """The audience a launch may contact on ``channel``, by the consent in ``snapshot`` (none
    recorded when the decline job has not published: nobody is left out)."""
    if channel not in CONSENT_CHANNELS or not _has_table(snapshot, CUSTOMER_DECLINE):
        return audience
    return deliverable_audience(audience, refused_notifications(snapshot), channel)


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]
    ).fetchone()
    return bool(row and row[0])
