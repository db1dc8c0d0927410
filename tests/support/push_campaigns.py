"""Push campaigns launched through the real command side, with rendered messages queued."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd

from warehouse.clock import utc_now
from warehouse.commands import LaunchedCampaign, PushMessages, launch_audience


def messages_for(customer_ids: list[str]) -> pd.DataFrame:
    """One message per customer, its title naming the customer."""
    return pd.DataFrame({"customer_id": customer_ids,
                         "title": [f"Hello {c}" for c in customer_ids],
                         "body": "Grapes at 2.99 for your next basket",
                         "deep_link": "myapp://item/1108"})


def launch_push(db: Path, customers: int, *, ops_url: str | None = None,
                not_before: datetime | None = None, name: str = "grapes",
                first: int = 0, control_share: float = 0.1) -> LaunchedCampaign:
    """A push campaign of ``customers`` customers (ids ``p<first>``...), messages queued."""
    ids = [f"p{i}" for i in range(first, first + customers)]
    now = utc_now()
    return launch_audience(
        db, ids, user="ana", name=name, action="Push: promote grapes", channel="push",
        offer="item 1108: grapes", kpi="conversion rate", source="push",
        control_share=control_share, ops_url=ops_url,
        messages=PushMessages(messages_for(ids), not_before=not_before or now, queued_at=now))
