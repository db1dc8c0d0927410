"""No push or email to a customer who did not consent to notifications.

The One Click files record consent per customer (``allows_notifications``: yes or no); the decline
job publishes it in ``customer_decline`` and, through the field catalogue, in ``customers``. The
event warehouse records none (NULL): such customers are not excluded, since nothing says they
refused. ``deliverable_audience`` is the filter every push or email audience must pass.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from warehouse.queries.decline import refused_notifications

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
    """The audience a launch may contact on ``channel``, by the consent in ``snapshot``."""
    # wire: launch_campaign (rule and explicit audiences alike) calls this with the snapshot it
    # froze the audience from, before assign_groups, so that no customer who refused
    # notifications is in a push or email treatment or control group; the launch audit row then
    # records the audience after the filter. Not called by the launch path yet.
    return deliverable_audience(audience, refused_notifications(snapshot), channel)
