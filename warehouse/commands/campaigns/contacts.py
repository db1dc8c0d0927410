"""Who a campaign contacts: the treatment groups of the campaigns running after a moment.

The demo's continuation simulator (``warehouse.demo_shop``) lets the treatment group of every
campaign running in the days it writes respond to the contact. Only treatment groups are handed
out — the control group is never contacted — and campaigns whose results were imported from a
file (``results_import``) are left out: they ran outside the product, on customers it never
contacted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from sqlalchemy import select

from analytics.experiments.assignment import TREATMENT
from warehouse.ops import ops_store, ops_store_exists, ops_transaction
from warehouse.ops.schema import campaign_assignments, campaign_imports, campaigns


@dataclass(frozen=True)
class TreatmentGroup:
    """One campaign's contacted customers: ``launched_at`` is the contact, the window is
    [launched_at, ends_at) (naive UTC); ``customer_ids`` as the store holds them (text)."""

    campaign_id: str
    channel: str | None
    launched_at: datetime
    ends_at: datetime
    customer_ids: np.ndarray


def treatment_groups(
    db: Path, ends_after: datetime, *, ops_url: str | None = None
) -> list[TreatmentGroup]:
    """The treatment group of every campaign whose window ends after ``ends_after`` (naive UTC),
    by campaign id; empty when warehouse ``db`` has no store yet (none is created)."""
    if not ops_store_exists(db, ops_url):
        return []
    imported = select(campaign_imports.c.campaign_id)
    running = (select(campaigns.c.campaign_id, campaigns.c.channel, campaigns.c.launched_at,
                      campaigns.c.ends_at)
               .where(campaigns.c.ends_at > ends_after,
                      campaigns.c.campaign_id.not_in(imported))
               .order_by(campaigns.c.campaign_id))
    a = campaign_assignments.c
    groups = []
    with ops_transaction(ops_store(db, ops_url), readonly=True) as connection:
        for campaign_id, channel, launched_at, ends_at in connection.execute(running).all():
            ids = connection.execute(
                select(a.customer_id).where(a.campaign_id == campaign_id,
                                            a.group_name == TREATMENT)
                .order_by(a.customer_id)).scalars().all()
            groups.append(TreatmentGroup(campaign_id, channel, launched_at, ends_at,
                                         np.asarray(ids, dtype=object)))
    return groups
