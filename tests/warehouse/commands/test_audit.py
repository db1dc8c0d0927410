"""The audit log's own entries: segment exports, sends and sign-ins, with their user, newest
first (both backends). Rule changes, launches and campaign exports are checked where they
happen."""

from __future__ import annotations

import json

import pytest

from tests.support.ops_store import StoreCase
from warehouse.commands import audit_log, log_segment_export, log_send, log_sign_in


def test_segment_exports_sends_and_sign_ins_are_logged_with_their_user(
    store: StoreCase,
) -> None:
    db, url = store.db, store.url
    log_sign_in(db, user="ana", succeeded=True, ops_url=url)
    log_segment_export(db, "Champions", 1_204, "segment_champions.csv", user="ana", ops_url=url)
    log_send(db, "c-20150918-1", "treatment", 800, user="ana", detail={"channel": "push"},
             ops_url=url)
    log_sign_in(db, user="mallory", succeeded=False, reason="wrong password", ops_url=url)
    log = audit_log(db, ops_url=url)
    assert log["event"].tolist() == ["sign_in", "send", "export", "sign_in"]
    assert log["user_name"].tolist() == ["mallory", "ana", "ana", "ana"]
    export = log.iloc[2]
    assert (export["segment"], export["row_count"], export["file_name"]) == (
        "Champions", 1_204, "segment_champions.csv")
    assert export["campaign_id"] is None
    send = log.iloc[1]
    assert (send["campaign_id"], send["group_name"], send["row_count"]) == (
        "c-20150918-1", "treatment", 800)
    assert json.loads(send["detail"]) == {"channel": "push"}
    assert json.loads(log.iloc[0]["detail"]) == {"succeeded": False, "reason": "wrong password"}
    assert json.loads(log.iloc[3]["detail"]) == {"succeeded": True, "reason": None}


def test_the_log_is_newest_first_and_limited(store: StoreCase) -> None:
    for number in range(5):
        log_send(store.db, f"c-{number}", "control", number, user="ana", ops_url=store.url)
    log = audit_log(store.db, limit=3, ops_url=store.url)
    assert log["campaign_id"].tolist() == ["c-4", "c-3", "c-2"]


def test_an_entry_without_a_user_is_refused(store: StoreCase) -> None:
    with pytest.raises(ValueError, match="acting user must be a non-empty name"):
        log_segment_export(store.db, "Champions", 1, "x.csv", user=" ", ops_url=store.url)
    assert audit_log(store.db, ops_url=store.url).empty
