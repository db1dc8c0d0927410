"""The outbox on both store backends: a push launch queues its treatment group's messages in the
launch's own transaction, the hold-out gets none, and a launch that fails queues nothing."""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from tests.support.campaigns import stored_assignments
from tests.support.ops_store import StoreCase
from tests.support.push_campaigns import launch_push, messages_for
from warehouse.clock import utc_now
from warehouse.commands import (
    PushMessages,
    audit_log,
    launch_audience,
    list_campaigns,
    outbox_status,
    push_campaign_ids,
)
from warehouse.ops import ops_transaction
from warehouse.ops.schema import outbox


def _outbox(engine: Engine) -> pd.DataFrame:
    with ops_transaction(engine, readonly=True) as connection:
        rows = connection.execute(select(outbox).order_by(outbox.c.message_id)).mappings().all()
    return pd.DataFrame(rows, columns=[c.name for c in outbox.c])


def test_a_push_launch_queues_one_message_per_treatment_customer_and_none_for_the_holdout(
    store: StoreCase, engine: Engine
) -> None:
    not_before = datetime(2026, 12, 4, 8, 0)
    launched = launch_push(store.db, 400, ops_url=store.url, not_before=not_before)
    queued = _outbox(engine)
    groups = stored_assignments(store.db, launched.campaign_id, ops_url=store.url)
    treatment = set(groups.loc[groups["group_name"] == "treatment", "customer_id"])
    control = set(groups.loc[groups["group_name"] == "control", "customer_id"])
    assert launched.count_queued == len(queued) == len(treatment) == launched.count_treatment
    assert set(queued["customer_id"]) == treatment and not control & set(queued["customer_id"])
    assert (queued["status"] == "queued").all() and (queued["attempts"] == 0).all()
    assert (queued["title"] == "Hello " + queued["customer_id"]).all()
    assert (queued["deep_link"] == "myapp://item/1108").all()
    assert (queued["idempotency_key"] == launched.campaign_id + ":" + queued["customer_id"]).all()
    assert (pd.to_datetime(queued["not_before"]) == not_before).all()
    assert queued["message_id"].is_unique
    launch_row = audit_log(store.db, ops_url=store.url).query("event == 'launch'")
    assert json.loads(launch_row["detail"].iloc[0])["queued"] == len(treatment)
    status = outbox_status(store.db, launched.campaign_id, datetime(2026, 12, 4, 7, 0),
                           ops_url=store.url)
    assert (status.held, status.due, status.held_until) == (len(treatment), 0, not_before)
    later = outbox_status(store.db, launched.campaign_id, not_before, ops_url=store.url)
    assert (later.held, later.due, later.total) == (0, len(treatment), len(treatment))
    assert push_campaign_ids(store.db, ops_url=store.url) == [(launched.campaign_id, "grapes")]


def test_a_launch_that_fails_in_its_transaction_stores_no_campaign_and_no_message(
    store: StoreCase, engine: Engine
) -> None:
    ids = [f"p{i}" for i in range(300)]
    now = utc_now()
    incomplete = PushMessages(messages_for(ids[:150]), not_before=now, queued_at=now)
    with pytest.raises(ValueError, match="have no rendered message"):
        launch_audience(store.db, ids, user="ana", name="broken", action="a", channel="push",
                        offer="o", kpi="k", source="push", control_share=0.1,
                        ops_url=store.url, messages=incomplete)
    assert list_campaigns(store.db, ops_url=store.url).empty
    with ops_transaction(engine, readonly=True) as connection:
        assert connection.execute(select(func.count()).select_from(outbox)).scalar_one() == 0


def test_messages_are_refused_for_a_channel_other_than_push(store: StoreCase) -> None:
    now = utc_now()
    with pytest.raises(ValueError, match="push campaigns only"):
        launch_audience(store.db, ["a", "b"], user="ana", name="mail", action="a",
                        channel="email", offer="o", kpi="k", source="board",
                        ops_url=store.url,
                        messages=PushMessages(messages_for(["a", "b"]), now, now))
    assert list_campaigns(store.db, ops_url=store.url).empty
