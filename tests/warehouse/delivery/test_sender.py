"""The sender against a real local HTTP receiver that also fails on purpose: batches of at most
500, retries with bounded back-off on 5xx, 429, timeouts and dropped connections, no retry on a
4xx, each message received once by its idempotency key across retries and re-runs, the hold-out
never receiving anything, quiet hours, the run record and the audit row."""

from __future__ import annotations

import json
import time as time_module
from datetime import time, timedelta

import duckdb
import pandas as pd
import pytest
from sqlalchemy import select

from tests.support.campaigns import stored_assignments
from tests.support.ops_store import StoreCase
from tests.support.push_campaigns import launch_push
from tests.support.push_receiver import (
    BAD_REQUEST,
    DROP,
    OK,
    SERVER_ERROR,
    SLOW,
    TOO_MANY,
    push_receiver,
)
from warehouse.clock import utc_now
from warehouse.commands import audit_log
from warehouse.commands.runs import list_runs, record_run
from warehouse.commands.store import store_engine
from warehouse.delivery.quiet_hours import QuietHours
from warehouse.delivery.sender import send_lock_path, send_queued
from warehouse.delivery.settings import DeliverySettings
from warehouse.locks import held_exclusively
from warehouse.ops import ops_transaction
from warehouse.ops.schema import outbox
from warehouse.snapshots import new_snapshot_path, publish_snapshot

NO_QUIET = QuietHours(time(0, 0), time(0, 0))


def _settings(url: str, **values: object) -> DeliverySettings:
    base = {"adapter": "webhook", "url": url, "timeout_seconds": 0.3, "backoff_seconds": 0.01,
            "backoff_max_seconds": 0.04, "max_attempts": 5, "rate_per_second": 1e6,
            "quiet_hours": NO_QUIET}
    return DeliverySettings(**{**base, **values})  # type: ignore[arg-type]


def _outbox(db) -> pd.DataFrame:
    with ops_transaction(store_engine(db), readonly=True) as connection:
        rows = connection.execute(select(outbox).order_by(outbox.c.message_id)).mappings().all()
    return pd.DataFrame(rows, columns=[c.name for c in outbox.c])


@pytest.fixture
def db(tmp_path):
    return tmp_path / "shop.duckdb"


def test_every_treatment_customer_receives_one_message_in_batches_of_at_most_500(db):
    launched = launch_push(db, 1_400)  # 1,260 treatment, 140 hold-out
    with push_receiver() as receiver:
        summary = send_queued(db, _settings(receiver.url), user="ana")
    groups = stored_assignments(db, launched.campaign_id)
    treatment = set(groups.loc[groups["group_name"] == "treatment", "customer_id"])
    control = set(groups.loc[groups["group_name"] == "control", "customer_id"])
    assert [len(r) for r in receiver.requests] == [500, 500, 260]
    assert receiver.received_customers == treatment and not receiver.received_customers & control
    assert sum(receiver.delivered.values()) == 1_260 and not receiver.duplicates
    first = receiver.requests[0][0]
    assert first["title"] == f"Hello {first['customer_id']}"
    assert first["idempotency_key"] == f"{launched.campaign_id}:{first['customer_id']}"
    stored = _outbox(db)
    assert (stored["status"] == "sent").all() and (stored["attempts"] == 1).all()
    assert stored["provider_response"].str.startswith("HTTP 200").all()
    assert (summary.sent, summary.failed, summary.retry_later, summary.held) == (1_260, 0, 0, 0)
    [row] = audit_log(db).query("event == 'send'").itertuples()
    assert (row.user_name, row.campaign_id, row.group_name, row.row_count) == (
        "ana", launched.campaign_id, "treatment", 1_260)
    assert json.loads(row.detail)["adapter"] == "webhook"
    run = list_runs(store_engine(db)).iloc[0]
    assert (run["kind"], run["status"], run["counts"]["sent"]) == ("send", "succeeded", 1_260)


def test_transient_failures_are_retried_with_doubling_bounded_waits_and_received_once(db):
    launch_push(db, 300)  # 270 messages: one batch
    script = [SERVER_ERROR, DROP, SLOW, TOO_MANY, OK]
    with push_receiver(script=list(script), slow_seconds=0.6) as receiver:
        settings = _settings(receiver.url)
        waits: list[float] = []
        summary = send_queued(db, settings, user="ana", sleep=waits.append)
    assert receiver.answers == script
    keys = [[m["idempotency_key"] for m in request] for request in receiver.requests]
    assert all(k == keys[0] for k in keys)  # the same keys on every attempt
    # the dropped and the slow answer were accepted by the provider: the retries are copies
    assert sum(receiver.delivered.values()) == 270
    assert set(receiver.duplicates.values()) == {2}
    assert waits == [0.01, 0.02, 0.04, 0.04]  # doubled, capped at backoff_max_seconds
    stored = _outbox(db)
    assert (stored["status"] == "sent").all() and (stored["attempts"] == 5).all()
    assert summary.sent == 270


def test_a_provider_that_keeps_failing_stops_the_run_and_the_messages_wait_for_the_next(db):
    launch_push(db, 1_200)  # 1,080 messages: three batches
    with push_receiver(default=SERVER_ERROR) as receiver:
        first = send_queued(db, _settings(receiver.url, max_attempts=3), user="ana",
                            sleep=lambda _: None)
    assert len(receiver.requests) == 3  # one batch, three attempts, then the run stopped
    stored = _outbox(db)
    tried = stored["attempts"] == 3
    assert tried.sum() == 500 and (stored["status"] == "queued").all()
    assert stored.loc[tried, "provider_response"].str.startswith("HTTP 500").all()
    assert (first.sent, first.retry_later) == (0, 500)
    with push_receiver() as receiver:
        second = send_queued(db, _settings(receiver.url), user="ana")
    assert second.sent == 1_080 and sum(receiver.delivered.values()) == 1_080
    assert (_outbox(db)["status"] == "sent").all()


def test_a_client_error_marks_the_batch_failed_without_retrying_and_a_rerun_sends_nothing(db):
    launch_push(db, 100)  # 90 messages
    with push_receiver(script=[BAD_REQUEST]) as receiver:
        summary = send_queued(db, _settings(receiver.url), user="ana")
    assert receiver.answers == [BAD_REQUEST] and summary.failed == 90
    stored = _outbox(db)
    assert (stored["status"] == "failed").all() and (stored["attempts"] == 1).all()
    assert stored["provider_response"].str.contains("HTTP 400.*title too long").all()
    with push_receiver() as receiver:
        again = send_queued(db, _settings(receiver.url), user="ana")
    assert receiver.requests == [] and again.sent == again.failed == 0


def test_a_rerun_never_sends_a_sent_message_again(db):
    launch_push(db, 200, name="first")
    with push_receiver() as receiver:
        send_queued(db, _settings(receiver.url), user="ana")
        launch_push(db, 50, name="second", first=1_000)  # new messages since the first run
        send_queued(db, _settings(receiver.url), user="ana")
        send_queued(db, _settings(receiver.url), user="ana")
    assert sum(receiver.delivered.values()) == 180 + 45 and not receiver.duplicates
    assert [len(r) for r in receiver.requests] == [180, 45]


def test_messages_the_provider_refuses_one_by_one_are_failed_and_the_rest_sent(db):
    launched = launch_push(db, 100)
    refused = {f"{launched.campaign_id}:p{i}" for i in range(0, 100, 7)}
    with push_receiver() as receiver:
        receiver.fail_keys = set(refused)
        summary = send_queued(db, _settings(receiver.url), user="ana")
    stored = _outbox(db)
    failed = stored["idempotency_key"].isin(refused)
    assert (stored.loc[failed, "status"] == "failed").all()
    assert stored.loc[failed, "provider_response"].str.contains("unregistered token").all()
    assert (stored.loc[~failed, "status"] == "sent").all()
    assert summary.failed == failed.sum() and summary.sent == (~failed).sum()


def test_inside_the_quiet_hours_nothing_is_sent_and_the_run_says_how_many_wait(db):
    launch_push(db, 100)
    now = utc_now()
    quiet = QuietHours((now - timedelta(hours=1)).time(), (now + timedelta(hours=1)).time())
    with push_receiver() as receiver:
        summary = send_queued(db, _settings(receiver.url, quiet_hours=quiet), user="ana")
    assert receiver.requests == [] and summary.held == 90 and summary.sent == 0
    assert summary.quiet_until is not None
    assert abs(summary.quiet_until - (now + timedelta(hours=1))) < timedelta(minutes=1)
    assert "90 messages wait" in summary.describe()
    assert (_outbox(db)["status"] == "queued").all()


def test_messages_queued_during_quiet_hours_wait_for_their_not_before_time(db):
    launch_push(db, 100, name="tonight", not_before=utc_now() + timedelta(hours=3))
    now = launch_push(db, 100, name="now", first=500)
    with push_receiver() as receiver:
        summary = send_queued(db, _settings(receiver.url), user="ana")
    groups = stored_assignments(db, now.campaign_id)
    assert receiver.received_customers == set(
        groups.loc[groups["group_name"] == "treatment", "customer_id"])
    assert (summary.sent, summary.held) == (90, 90)


def test_one_campaign_can_be_sent_alone_and_an_unknown_one_is_refused(db):
    first = launch_push(db, 100, name="one")
    launch_push(db, 100, name="two", first=500)
    with push_receiver() as receiver:
        summary = send_queued(db, _settings(receiver.url), user="ana",
                              campaign_id=first.campaign_id)
        with pytest.raises(ValueError, match="no campaign 'c-nope'"):
            send_queued(db, _settings(receiver.url), user="ana", campaign_id="c-nope")
    assert summary.sent == 90 and set(summary.by_campaign) == {first.campaign_id}
    assert all(int(c[1:]) < 500 for c in receiver.received_customers)


def test_the_rate_limit_spaces_the_batches(db):
    launch_push(db, 1_200)  # 1,080 messages: batches of 500, 500, 80
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time_module.sleep(seconds)

    with push_receiver() as receiver:
        send_queued(db, _settings(receiver.url, rate_per_second=1000.0), user="ana",
                    sleep=sleep)
    # before the second and the third batch: the previous batch's 0.5 s, less the time it took
    assert len(waits) == 2 and all(0 < w <= 0.5 for w in waits)


def test_customers_who_opted_out_since_the_launch_are_skipped_not_sent(db):
    launched = launch_push(db, 100)  # no data published yet: nobody refused at the launch
    treated = sorted(_outbox(db)["customer_id"])
    opted_out = set(treated[:7])
    snapshot = new_snapshot_path(db)
    with duckdb.connect(str(snapshot)) as con:  # the next refresh publishes the opt-outs
        con.execute("CREATE TABLE customer_push_consent AS SELECT customer_id, "
                    "customer_id NOT IN (SELECT unnest(?)) AS is_pushable "
                    "FROM (SELECT unnest(?) AS customer_id)", [sorted(opted_out), treated])
    publish_snapshot(db, snapshot)
    with push_receiver() as receiver:
        summary = send_queued(db, _settings(receiver.url), user="ana")
    assert receiver.received_customers == set(treated) - opted_out
    stored = _outbox(db).set_index("customer_id")
    assert (stored.loc[sorted(opted_out), "status"] == "skipped").all()
    assert (stored.loc[sorted(opted_out), "attempts"] == 0).all()
    assert (summary.sent, summary.skipped) == (83, 7)
    assert summary.by_campaign[launched.campaign_id] == {"sent": 83, "skipped": 7}


def test_send_and_resend_on_each_store_backend(store: StoreCase):
    launched = launch_push(store.db, 600, ops_url=store.url)  # 540 messages
    with push_receiver(script=[SERVER_ERROR]) as receiver:
        first = send_queued(store.db, _settings(receiver.url), user="ana", ops_url=store.url)
        again = send_queued(store.db, _settings(receiver.url), user="ana", ops_url=store.url)
    assert (first.sent, again.sent) == (540, 0) and not receiver.duplicates
    assert [len(r) for r in receiver.requests] == [500, 500, 40]
    with ops_transaction(store_engine(store.db, ops_url=store.url), readonly=True) as connection:
        rows = connection.execute(select(outbox.c.status, outbox.c.attempts)).all()
    assert sorted(set(rows)) == [("sent", 1), ("sent", 2)]
    assert sum(attempts == 2 for _, attempts in rows) == 500
    sends = audit_log(store.db, ops_url=store.url).query("event == 'send'")
    assert sends[["campaign_id", "row_count"]].values.tolist() == [[launched.campaign_id, 540]]


def test_a_second_sender_refuses_to_start_while_one_is_delivering(db):
    launch_push(db, 20)
    with (push_receiver() as receiver, record_run(store_engine(db), "send"),
          pytest.raises(ValueError, match=r"another send run .* is still delivering")):
        send_queued(db, _settings(receiver.url), user="ana")
    assert receiver.requests == [] and set(_outbox(db)["status"]) == {"queued"}


def test_a_second_sender_started_at_the_same_instant_is_refused_by_the_lock(db):
    """The run check alone lets two senders started together both pass; the lock does not."""
    launch_push(db, 20)
    with (push_receiver() as receiver, held_exclusively(send_lock_path(db)),
          pytest.raises(ValueError, match=r"another send run is still delivering")):
        send_queued(db, _settings(receiver.url), user="ana")
    assert receiver.requests == [] and set(_outbox(db)["status"]) == {"queued"}
    assert list_runs(store_engine(db)).query("kind == 'send'").empty
    with push_receiver() as receiver:  # freed: the next run sends
        assert send_queued(db, _settings(receiver.url), user="ana").sent == 18
