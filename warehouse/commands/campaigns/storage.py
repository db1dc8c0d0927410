"""Campaigns in the operational store: new ids, inserts, reads of one campaign, a group or all,
the customers held by running campaigns, and the bulk read the refresh measures.

A campaign's ``status`` follows ``warehouse.schema.campaigns.CAMPAIGN_STATUS_SQL``: in a snapshot
whose data ends before ``cutoff_at`` it is 'scheduled' (launched at or after it), 'running' (ends
after it) or 'completed'.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import ColumnElement, Connection, Select, case, func, insert, literal, select

from analytics.experiments.assignment import CONTROL, TREATMENT
from warehouse.ops import ops_store, ops_store_exists, ops_transaction
from warehouse.ops.bulk import insert_rows
from warehouse.ops.schema import (
    campaign_assignments,
    campaign_import_outcomes,
    campaign_imports,
    campaigns,
)

GROUPS = (TREATMENT, CONTROL)
DO_NOT_CONTACT = "do not contact"  # what a control file says about every customer in it
CHUNK_ROWS = 50_000
ASSIGNMENT_COLUMNS = ("customer_id", "group_name", "segment", "clv_amount")


class UnknownCampaignError(ValueError):
    """No campaign with this id in the operational store."""


def next_campaign_id(connection: Connection, launched_at: datetime) -> str:
    """``c-<launch day>-<n>``, the day's next free number. Call it in the write transaction that
    inserts the campaign: writers are serialised, so no other launch takes the number."""
    prefix = f"c-{launched_at:%Y%m%d}-"
    taken = set(connection.execute(
        select(campaigns.c.campaign_id).where(campaigns.c.campaign_id.startswith(
            prefix, autoescape=True))).scalars())
    number = len(taken) + 1
    while f"{prefix}{number}" in taken:
        number += 1
    return f"{prefix}{number}"


def _plain(frame: pd.DataFrame) -> list[list[Any]]:
    """``frame``'s columns as lists of plain Python values, NaN and NA as None (NULL)."""
    return [frame[name].astype("object").where(frame[name].notna(), None).tolist()
            for name in frame.columns]


def insert_campaign(
    connection: Connection, campaign: dict[str, Any], assignments: pd.DataFrame
) -> None:
    """Store a campaign (a dict of ``campaigns`` columns) and its frozen assignments
    (customer_id, group_name, segment, clv_amount), in bulk."""
    connection.execute(insert(campaigns).values(**campaign))
    columns = _plain(assignments[list(ASSIGNMENT_COLUMNS)])
    rows = ((campaign["campaign_id"], *row) for row in zip(*columns, strict=True))
    insert_rows(connection, campaign_assignments, ("campaign_id", *ASSIGNMENT_COLUMNS), rows)


def campaign_row(connection: Connection, campaign_id: str) -> dict[str, Any]:
    """One campaign's row (UnknownCampaignError naming the id format when there is none)."""
    row = connection.execute(
        select(campaigns).where(campaigns.c.campaign_id == campaign_id)).mappings().first()
    if row is None:
        raise UnknownCampaignError(
            f"no campaign {campaign_id!r}; ids look like c-20150918-1 (see the Action board)"
        )
    return dict(row)


def fetch_campaign(db: Path, campaign_id: str, *, ops_url: str | None = None) -> dict[str, Any]:
    """One campaign's stored row as a dict of the ``campaigns`` columns."""
    with ops_transaction(ops_store(db, ops_url), readonly=True) as connection:
        return campaign_row(connection, campaign_id)


def group_members(connection: Connection, campaign_id: str, group_name: str) -> pd.DataFrame:
    """One group of a campaign, by customer id: customer_id, group, action, channel, offer,
    segment, clv_amount; the control group carries ``instruction`` ("do not contact") instead of
    action, channel and offer, so that nothing in its rows can be sent."""
    campaign = _group_campaign(connection, campaign_id, group_name)
    return _group_frame(connection.execute(_group_query(campaign_id, group_name)).all(),
                        campaign, group_name)


def group_member_batches(
    connection: Connection, campaign_id: str, group_name: str, batch_rows: int = CHUNK_ROWS
) -> Iterator[pd.DataFrame]:
    """``group_members`` in frames of at most ``batch_rows``, read from the store as they are
    consumed (a server-side cursor on PostgreSQL): a download streamed with bounded memory."""
    campaign = _group_campaign(connection, campaign_id, group_name)
    query = _group_query(campaign_id, group_name).execution_options(yield_per=batch_rows)
    for rows in connection.execute(query).partitions():
        yield _group_frame(rows, campaign, group_name)


def count_group(connection: Connection, campaign_id: str, group_name: str) -> int:
    """How many customers one group of a campaign holds."""
    _group_campaign(connection, campaign_id, group_name)
    a = campaign_assignments.c
    return int(connection.execute(
        select(func.count()).select_from(campaign_assignments)
        .where(a.campaign_id == campaign_id, a.group_name == group_name)).scalar_one())


def _group_campaign(connection: Connection, campaign_id: str, group_name: str) -> dict[str, Any]:
    if group_name not in GROUPS:
        raise ValueError(f"group must be one of {', '.join(GROUPS)}, got {group_name!r}")
    return campaign_row(connection, campaign_id)  # a clear error for an unknown id


def _group_query(campaign_id: str, group_name: str) -> Select[Any]:
    a = campaign_assignments.c
    return (select(a.customer_id, a.segment, a.clv_amount)
            .where(a.campaign_id == campaign_id, a.group_name == group_name)
            .order_by(a.customer_id))


def _group_frame(rows: Sequence[Any], campaign: dict[str, Any], group_name: str) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_id", "segment", "clv_amount"])
    what = ({"instruction": DO_NOT_CONTACT} if group_name == CONTROL else
            {"action": campaign["action"], "channel": campaign["channel"],
             "offer": campaign["offer"]})
    return pd.DataFrame({
        "customer_id": frame["customer_id"].astype("object"),
        "group": group_name,
        **what,
        "segment": frame["segment"].astype("object"),
        "clv_amount": pd.to_numeric(frame["clv_amount"]).astype("float64"),
    })


def running_customers(connection: Connection, at: datetime) -> np.ndarray:
    """Customer ids in either group of a campaign running at ``at`` (launched at or before it,
    ending after it)."""
    query = (select(campaign_assignments.c.customer_id).distinct()
             .join(campaigns, campaigns.c.campaign_id == campaign_assignments.c.campaign_id)
             .where(campaigns.c.launched_at <= at, campaigns.c.ends_at > at))
    return np.asarray(connection.execute(query).scalars().all(), dtype=object)


def status_expression(cutoff_at: datetime | None) -> ColumnElement[str]:
    """``CAMPAIGN_STATUS_SQL`` over the store's ``campaigns``, for a snapshot whose data ends
    before ``cutoff_at`` (None: no data yet, everything is scheduled). A campaign whose results
    were imported is completed whatever its dates."""
    imported = campaigns.c.campaign_id.in_(select(campaign_imports.c.campaign_id))
    if cutoff_at is None:
        return case((imported, "completed"), else_=literal("scheduled"))
    return case(
        (imported, "completed"),
        (campaigns.c.launched_at >= cutoff_at, "scheduled"),
        (campaigns.c.ends_at > cutoff_at, "running"),
        else_="completed",
    )


def list_campaigns(
    db: Path, cutoff_at: datetime | None = None, *, ops_url: str | None = None
) -> pd.DataFrame:
    """Every campaign, newest first: the ``campaigns`` columns, count_treatment, count_control
    and ``status`` in a snapshot whose data ends before ``cutoff_at`` (all 'scheduled' when
    None)."""
    a = campaign_assignments.c
    counts = (
        select(a.campaign_id,
               func.count().filter(a.group_name == TREATMENT).label("count_treatment"),
               func.count().filter(a.group_name == CONTROL).label("count_control"))
        .group_by(a.campaign_id).subquery()
    )
    query = (
        select(campaigns,
               func.coalesce(counts.c.count_treatment, 0).label("count_treatment"),
               func.coalesce(counts.c.count_control, 0).label("count_control"),
               status_expression(cutoff_at).label("status"))
        .outerjoin(counts, counts.c.campaign_id == campaigns.c.campaign_id)
        .order_by(campaigns.c.launched_at.desc(), campaigns.c.campaign_id.desc())
    )
    with ops_transaction(ops_store(db, ops_url), readonly=True) as connection:
        result = connection.execute(query)
        frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    for column in ("launched_at", "ends_at"):
        frame[column] = pd.to_datetime(frame[column])
    for column in ("audience_size", "count_treatment", "count_control"):
        frame[column] = frame[column].astype("int64")
    frame["rule_id"] = frame["rule_id"].astype("Int64")
    frame["control_share"] = frame["control_share"].astype("float64")
    return frame


def campaign_chunks(
    db: Path, ops_url: str | None = None, chunk_rows: int = CHUNK_ROWS
) -> Iterator[tuple[str, pa.Table]]:
    """Every row of ``campaigns``, then of ``campaign_assignments``, then the outcomes of
    campaigns whose results were imported (``campaign_import_outcomes`` without the file's own
    columns), as (table name, Arrow table of at most ``chunk_rows`` rows): the refresh copies
    them into the snapshot it builds.

    The tables are read in one read-only transaction (one consistent view of the store), in
    chunks, so memory stays bounded whatever the number of assignments. Nothing is yielded, and
    no store is created, when warehouse ``db`` has none (``ops_store_exists``).
    """
    if not ops_store_exists(db, ops_url):
        return
    with ops_transaction(ops_store(db, ops_url), readonly=True) as connection:
        outcomes = campaign_import_outcomes.c
        for table, columns, order in (
            (campaigns, list(campaigns.c), (campaigns.c.campaign_id,)),
            (campaign_assignments, list(campaign_assignments.c),
             (campaign_assignments.c.campaign_id, campaign_assignments.c.customer_id)),
            (campaign_import_outcomes, [outcomes.campaign_id, outcomes.customer_id,
                                        outcomes.is_converted, outcomes.revenue_amount],
             (outcomes.campaign_id, outcomes.customer_id)),
        ):
            names = [column.name for column in columns]
            result = connection.execute(
                select(*columns).order_by(*order).execution_options(yield_per=chunk_rows))
            for rows in result.partitions():
                by_column = list(zip(*rows, strict=True))
                yield table.name, pa.table({name: pa.array(values)
                                            for name, values in zip(names, by_column,
                                                                    strict=True)})
