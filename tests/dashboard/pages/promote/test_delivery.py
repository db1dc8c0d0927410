"""The Promote page's delivery card called directly on a real store: a campaign's outbox by
state, held messages with the time they may go, and the newest campaign chosen after a launch."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard.app import create_app
from dashboard.pages.promote import delivery, ids
from tests.support.push_campaigns import launch_push
from warehouse.clock import utc_now


def _cells(shown) -> dict[str, str]:
    table = shown.children[0]
    return {row.children[0].children: row.children[1].children
            for row in table.children[0].children}


@pytest.fixture
def db(tmp_path):
    db = tmp_path / "shop.duckdb"
    create_app(db)  # the callbacks read the app created last
    return db


def test_without_push_campaigns_the_card_says_so(db):
    assert delivery.campaign_choices(None, None, None, None) == ([], None)
    assert "No push campaign" in delivery.update_status(None).children


def test_the_card_counts_a_campaigns_messages_and_when_the_held_ones_may_go(db):
    opens = (utc_now() + timedelta(hours=5)).replace(microsecond=0)
    night = launch_push(db, 200, name="tonight", not_before=opens)
    cells = _cells(delivery.update_status(night.campaign_id))
    assert cells == {"Queued, due": "0", "Held by quiet hours":
                     f"180 (until {opens:%Y-%m-%d %H:%M} UTC)", "Sent": "0", "Failed": "0",
                     "Skipped": "0"}
    assert f"python app.py send --campaign {night.campaign_id}" in \
        delivery.update_status(night.campaign_id).children[1].children
    assert "held by quiet hours until" in delivery.queued_text(night)
    now = launch_push(db, 100, name="now", first=1_000)
    assert _cells(delivery.update_status(now.campaign_id))["Queued, due"] == "90"
    assert "180 messages queued" in delivery.queued_text(night)
    assert "held" not in delivery.queued_text(now)


def test_a_launch_chooses_the_newest_campaign_and_a_refresh_keeps_the_chosen_one(db):
    first = launch_push(db, 20, name="first")
    second = launch_push(db, 20, name="second", first=100)
    options, chosen = delivery.campaign_choices(ids.PROMOTE_LAUNCH_RESULT, "launched", None,
                                                first.campaign_id)
    assert [o["value"] for o in options] == [second.campaign_id, first.campaign_id]
    assert chosen == second.campaign_id
    _, kept = delivery.campaign_choices(delivery.DELIVERY_REFRESH, None, 1, first.campaign_id)
    assert kept == first.campaign_id
