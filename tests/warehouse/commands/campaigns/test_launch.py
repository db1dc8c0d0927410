"""Campaign launch on real snapshot files and both store backends: frozen audience, assignment,
exclusion of running campaigns' customers, the campaign clock, the audit log."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import duckdb
import pandas as pd
import pytest

from demo.simulator import RunningCampaign, simulate
from demo.state import STATE_FILE
from tests.support.campaigns import stored_assignments, stored_campaign
from tests.support.ops_store import StoreCase
from tests.support.rule_snapshots import publish, repeat_rule, shop, write_snapshot
from tests.support.warehouses import copy_warehouse
from warehouse.clock import utc_now
from warehouse.commands import (
    LAUNCH_SOURCES,
    RuleError,
    UnknownCampaignError,
    audit_log,
    campaign_clock,
    launch_audience,
    launch_campaign,
    list_campaigns,
    list_rules,
    preview_launch,
    set_rule_enabled,
)
from warehouse.commands.campaigns.assignment import rule_audience, with_units
from warehouse.ingest.retailrocket import ingest_retailrocket
from warehouse.pipeline.refresh import refresh
from warehouse.queries.board import campaign_results
from warehouse.schema.fields import read_field_catalogue
from warehouse.snapshots import NoSnapshotError, current_snapshot

LAUNCHED = datetime(2015, 6, 10, 9, 0)
OFFER = {"name": "Daily picks", "action": "Call", "channel": "email", "offer": "10% off",
         "kpi": "conversion rate"}


def crowd(n: int) -> pd.DataFrame:
    """n customers in three segments, all with frequency 2 (so one rule wins them all)."""
    return pd.DataFrame({
        "customer_id": [f"u{i:05d}" for i in range(n)],
        "segment": [("Champions", "Loyal", "At Risk")[i % 3] for i in range(n)],
        "segment_kind": "rfm",
        "frequency": 2,
        "monetary_amount": 50.0,
        "clv_amount": [float(i) for i in range(n)],
    })


def test_launch_freezes_the_won_audience_with_segment_and_clv(store: StoreCase) -> None:
    db, url = store.db, store.url
    publish(db, shop())
    rule_id = repeat_rule(db, url)
    launched = launch_campaign(db, rule_id, control_share=0.5, launched_at=LAUNCHED,
                               duration_days=14, user="ana", ops_url=url)
    assert launched.campaign_id == "c-20150610-1"
    assert (launched.count_treatment, launched.count_control, launched.count_excluded) == (1, 1, 0)
    frozen = stored_assignments(db, launched.campaign_id, url)
    assert frozen["customer_id"].tolist() == ["c09", "c10"]  # frequency 2 and 3
    assert frozen["segment"].tolist() == ["Champions", "Hibernating"]
    assert frozen["clv_amount"].tolist() == [9.0, 10.0]
    assert sorted(frozen["group_name"]) == ["control", "treatment"]  # one of two in control
    campaign = stored_campaign(db, launched.campaign_id, url)
    assert campaign["audience_size"] == 2 and campaign["source"] == "board"
    assert campaign["ends_at"] == datetime(2015, 6, 24, 9, 0) == launched.ends_at
    assert campaign["rule_name"] == "Repeat buyers" and campaign["clock"] == "given"
    assert campaign["name"] == "Repeat buyers (2015-06-10)" == launched.name

    # A later snapshot: new repeat buyers, changed segments and CLV. The campaign does not move.
    later = shop(20).assign(segment="Lost", clv_amount=99.0, frequency=2)
    publish(db, later)
    assert stored_assignments(db, launched.campaign_id, url).equals(frozen)


def test_launch_writes_one_audit_row_with_its_user(store: StoreCase) -> None:
    db, url = store.db, store.url
    publish(db, crowd(30))
    launched = launch_campaign(db, repeat_rule(db, url), user="ana", ops_url=url)
    log = audit_log(db, ops_url=url).query("event == 'launch'")
    assert log[["user_name", "campaign_id", "row_count"]].values.tolist() == [
        ["ana", launched.campaign_id, 30]]
    assert json.loads(log["detail"].iloc[0]) == {"source": "board", "clock": "data",
                                                 "excluded": 0, "no_consent": 0,
                                                 "rule_id": 5}


def test_units_are_the_documented_md5_hash_and_do_not_depend_on_other_customers(
    store: StoreCase, tmp_path
) -> None:
    rule_id = repeat_rule(store.db, store.url)
    rules = list_rules(store.db, ops_url=store.url)
    small = write_snapshot(tmp_path / "small.duckdb", crowd(50))
    large = write_snapshot(tmp_path / "large.duckdb", crowd(80))
    with duckdb.connect(str(small), read_only=True) as con:
        before = with_units(rule_audience(con, rules, rule_id, read_field_catalogue(con)), "salt")
    with duckdb.connect(str(large), read_only=True) as con:
        after = with_units(rule_audience(con, rules, rule_id, read_field_catalogue(con)), "salt")
    assert after.set_index("customer_id").loc[before["customer_id"], "unit"].tolist() == \
        before["unit"].tolist()
    expected = [int(hashlib.md5(f"salt:{c}".encode()).hexdigest()[:13], 16) / 2**52
                for c in before["customer_id"]]
    assert before["unit"].tolist() == expected


def test_the_split_holds_overall_and_in_every_segment(store: StoreCase) -> None:
    db, url = store.db, store.url
    publish(db, crowd(900))
    launched = launch_campaign(db, repeat_rule(db, url), control_share=0.2, user="ana",
                               ops_url=url)
    frozen = stored_assignments(db, launched.campaign_id, url)
    shares = frozen.groupby("segment")["group_name"].apply(lambda g: (g == "control").mean())
    assert (shares == 0.2).all()  # 300 per segment: exactly 60 in control
    assert (frozen["group_name"] == "control").sum() == 180 == launched.count_control


def test_campaign_ids_number_launches_of_the_same_day(store: StoreCase) -> None:
    db, url = store.db, store.url
    publish(db, crowd(10))
    rule_id = repeat_rule(db, url)
    ids = [launch_campaign(db, rule_id, launched_at=LAUNCHED, exclude_running=False,
                           user="ana", ops_url=url).campaign_id for _ in range(2)]
    assert ids == ["c-20150610-1", "c-20150610-2"]
    listed = list_campaigns(db, ops_url=url)
    assert set(listed["campaign_id"]) == set(ids)
    assert (listed["count_treatment"] + listed["count_control"] == 10).all()


def test_simultaneous_launches_get_distinct_ids_and_all_are_stored(store: StoreCase) -> None:
    db, url = store.db, store.url
    publish(db, crowd(10))
    rule_id = repeat_rule(db, url)
    with ThreadPoolExecutor(4) as pool:
        ids = list(pool.map(
            lambda _: launch_campaign(db, rule_id, launched_at=LAUNCHED, exclude_running=False,
                                      user="ana", ops_url=url).campaign_id, range(4)))
    assert sorted(ids) == [f"c-20150610-{n}" for n in range(1, 5)]
    assert sorted(list_campaigns(db, ops_url=url)["campaign_id"]) == sorted(ids)


def test_simultaneous_launches_to_one_audience_take_each_customer_once(
    store: StoreCase,
) -> None:
    db, url = store.db, store.url
    publish(db, crowd(10))
    ids = [f"u{i:05d}" for i in range(10)]
    with ThreadPoolExecutor(4) as pool:
        launched = list(pool.map(
            lambda _: launch_or_none(db, url, ids), range(4)))
    done = [campaign for campaign in launched if campaign is not None]
    assert len(done) == 1 and done[0].audience_size == 10


def launch_or_none(db, url, ids):
    try:
        return launch_audience(db, ids, source="daily_list", user="ana", ops_url=url, **OFFER)
    except ValueError as error:
        assert "in a campaign running" in str(error)
        return None


@pytest.mark.parametrize("share", [0, 0.7, -0.1, "half"])
def test_a_control_share_outside_zero_to_half_is_refused(store: StoreCase, share: object) -> None:
    db, url = store.db, store.url
    publish(db, crowd(10))
    with pytest.raises(ValueError, match=r"control share must be .*\(0, 0.5\]"):
        launch_campaign(db, repeat_rule(db, url), control_share=share, user="ana", ops_url=url)
    with pytest.raises(ValueError, match=r"control share must be .*\(0, 0.5\]"):
        launch_audience(db, ["a"], control_share=share, source="uplift", user="ana",
                        ops_url=url, **OFFER)
    assert list_campaigns(db, ops_url=url).empty


def test_launch_refuses_disabled_unknown_and_empty_rules(store: StoreCase) -> None:
    db, url = store.db, store.url
    with pytest.raises(NoSnapshotError):
        launch_campaign(db, 1, user="ana", ops_url=url)
    publish(db, shop())
    with pytest.raises(RuleError, match="no rule with id 999"):
        launch_campaign(db, 999, user="ana", ops_url=url)
    rule_id = repeat_rule(db, url)
    set_rule_enabled(db, rule_id, False, user="ana", ops_url=url)
    with pytest.raises(RuleError, match="is disabled"):
        launch_campaign(db, rule_id, user="ana", ops_url=url)
    window = next(r for r in list_rules(db, ops_url=url) if r.name == "Window shoppers")
    with pytest.raises(ValueError, match="wins no customer"):
        launch_campaign(db, window.rule_id, user="ana", ops_url=url)
    assert list_campaigns(db, ops_url=url).empty
    assert set(audit_log(db, ops_url=url)["event"]) == {"rule_change"}


def test_an_unknown_campaign_id_is_a_clear_error(store: StoreCase) -> None:
    with pytest.raises(UnknownCampaignError, match="no campaign 'c-nope'"):
        stored_campaign(store.db, "c-nope", store.url)


# --- explicit audiences ---------------------------------------------------------------------


def test_an_explicit_audience_is_frozen_with_its_segments_and_split_by_them(
    store: StoreCase,
) -> None:
    db, url = store.db, store.url
    publish(db, shop())
    audience = crowd(30)[["customer_id", "segment", "clv_amount"]].assign(score=1.0)
    launched = launch_audience(db, audience.iloc[::-1], control_share=0.2, duration_days=7,
                               source="daily_list", user="ana", ops_url=url, **OFFER)
    assert (launched.count_treatment, launched.count_control) == (24, 6)
    campaign = stored_campaign(db, launched.campaign_id, url)
    assert {key: campaign[key] for key in ("name", "action", "channel", "offer", "kpi",
                                           "source", "rule_id", "rule_name")} == {
        **OFFER, "source": "daily_list", "rule_id": None, "rule_name": None}
    frozen = stored_assignments(db, launched.campaign_id, url)
    assert frozen[["customer_id", "segment", "clv_amount"]].equals(
        audience[["customer_id", "segment", "clv_amount"]])
    assert (frozen.groupby("segment")["group_name"].apply(
        lambda g: (g == "control").sum()) == 2).all()  # 10 per segment, 2 in control each
    assert campaign["ends_at"] - campaign["launched_at"] == timedelta(days=7)


def test_a_list_of_ids_is_an_audience_without_segments(store: StoreCase) -> None:
    db, url = store.db, store.url
    launched = launch_audience(db, [3, "b", "a"], source="push", user="ana", ops_url=url,
                               **OFFER)
    frozen = stored_assignments(db, launched.campaign_id, url)
    assert frozen["customer_id"].tolist() == ["3", "a", "b"]
    assert frozen["segment"].isna().all() and frozen["clv_amount"].isna().all()
    assert launched.clock == "wall"  # nothing published: no data end to date it by


@pytest.mark.parametrize(
    ("audience", "message"),
    [
        ([], "the audience is empty"),
        (["a", "b", "a"], "customer 'a' appears more than once"),
        (["a", None], "audience row 2: the customer id is empty"),
        (["a", "  "], "audience row 2: the customer id is empty"),
        (pd.DataFrame({"id": ["a"]}), "needs a customer_id column"),
        (pd.DataFrame({"customer_id": ["a", "b"], "clv_amount": [1.0, "lots"]}),
         "audience row 2: clv_amount must be a number"),
        ("abc", "not one text"),
    ],
)
def test_a_bad_audience_is_refused_naming_the_row(
    store: StoreCase, audience: object, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        launch_audience(store.db, audience, source="uplift", user="ana", ops_url=store.url,
                        **OFFER)
    assert list_campaigns(store.db, ops_url=store.url).empty


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"channel": "fax"}, "channel must be one of email, push, sms, onsite"),
        ({"source": "demo"}, "source must be one of board, import, daily_list"),
        ({"source": "somewhere"}, "source must be one of"),
        ({"name": "  "}, "campaign name must not be empty"),
        ({"offer": ""}, "offer must not be empty"),
        ({"duration_days": 0}, "duration must be a whole number of days, at least 1"),
        ({"duration_days": 2.5}, "duration must be a whole number of days"),
        ({"user": ""}, "acting user"),
    ],
)
def test_bad_campaign_attributes_are_refused(
    store: StoreCase, change: dict, message: str
) -> None:
    arguments = {**OFFER, "source": "uplift", "user": "ana", **change}
    with pytest.raises(ValueError, match=message):
        launch_audience(store.db, ["a", "b"], ops_url=store.url, **arguments)
    assert list_campaigns(store.db, ops_url=store.url).empty


def test_every_launch_source_but_the_demo_import_is_accepted(store: StoreCase) -> None:
    assert "demo" not in LAUNCH_SOURCES
    for number, source in enumerate(LAUNCH_SOURCES):
        launch_audience(store.db, [f"x{number}"], source=source, user="ana", ops_url=store.url,
                        **OFFER)
    assert sorted(list_campaigns(store.db, ops_url=store.url)["source"]) == sorted(LAUNCH_SOURCES)


# --- running campaigns ----------------------------------------------------------------------


def test_customers_of_a_running_campaign_are_left_out_and_counted(store: StoreCase) -> None:
    db, url = store.db, store.url
    first = launch_audience(db, ["a", "b", "c"], launched_at=LAUNCHED, duration_days=10,
                            source="uplift", user="ana", ops_url=url, **OFFER)
    second = launch_audience(db, ["b", "c", "d", "e"], launched_at=LAUNCHED + timedelta(days=9),
                             source="daily_list", user="ana", ops_url=url, **OFFER)
    assert (second.count_excluded, second.audience_size) == (2, 2)
    assert stored_assignments(db, second.campaign_id, url)["customer_id"].tolist() == ["d", "e"]
    assert json.loads(audit_log(db, ops_url=url)["detail"].iloc[0])["excluded"] == 2
    # The first campaign ends after 10 days: from then on its customers are free again.
    third = launch_audience(db, ["a", "d"], launched_at=first.ends_at, source="push",
                            user="ana", ops_url=url, **OFFER)
    assert (third.count_excluded, third.audience_size) == (1, 1)  # d is in the second one


def test_running_customers_can_be_included_on_purpose(store: StoreCase) -> None:
    db, url = store.db, store.url
    launch_audience(db, ["a", "b"], launched_at=LAUNCHED, source="uplift", user="ana",
                    ops_url=url, **OFFER)
    with pytest.raises(ValueError, match="all 2 customers of the audience are in a campaign"):
        launch_audience(db, ["a", "b"], launched_at=LAUNCHED, source="uplift", user="ana",
                        ops_url=url, **OFFER)
    again = launch_audience(db, ["a", "b"], launched_at=LAUNCHED, source="uplift",
                            exclude_running=False, user="ana", ops_url=url, **OFFER)
    assert (again.count_excluded, again.audience_size) == (0, 2)


def test_a_rule_launch_leaves_out_running_customers_too(store: StoreCase) -> None:
    db, url = store.db, store.url
    publish(db, crowd(12))
    launch_audience(db, ["u00000", "u00001", "u00002"], source="daily_list", user="ana",
                    ops_url=url, **OFFER)
    launched = launch_campaign(db, repeat_rule(db, url), user="ana", ops_url=url)
    assert (launched.count_excluded, launched.audience_size) == (3, 9)


# --- the campaign clock ---------------------------------------------------------------------


def test_a_launch_on_past_data_is_dated_at_the_end_of_the_data(store: StoreCase) -> None:
    db, url = store.db, store.url
    publish(db, crowd(6), as_of="2015-06-30")
    launched = launch_audience(db, ["u00001"], source="daily_list", user="ana", ops_url=url,
                               **OFFER)
    assert (launched.launched_at, launched.clock) == (datetime(2015, 7, 1), "data")
    assert launched.campaign_id == "c-20150701-1"
    assert stored_campaign(db, launched.campaign_id, url)["clock"] == "data"
    assert "the end of the data" in launched.describe_clock()
    # In the snapshot it was launched on, it waits for data after its launch.
    listed = list_campaigns(db, datetime(2015, 7, 1), ops_url=url)
    assert listed["status"].tolist() == ["scheduled"]


def test_a_launch_on_current_data_is_dated_by_the_wall_clock(store: StoreCase) -> None:
    db, url = store.db, store.url
    yesterday = (utc_now() - timedelta(days=1)).date()
    publish(db, crowd(6), as_of=str(yesterday))
    before = utc_now()
    launched = launch_audience(db, ["u00001"], source="daily_list", user="ana", ops_url=url,
                               **OFFER)
    assert launched.clock == "wall" and before <= launched.launched_at <= utc_now()
    assert stored_campaign(db, launched.campaign_id, url)["clock"] == "wall"


def test_the_clock_can_be_asked_before_a_launch(store: StoreCase) -> None:
    db = store.db
    now = datetime(2015, 7, 2, 12, 0)
    assert campaign_clock(db, now=now).clock == "wall"  # nothing published
    publish(db, crowd(3), as_of="2015-06-30")
    clock = campaign_clock(db, now=now)
    assert (clock.launched_at, clock.clock, clock.data_end) == (
        datetime(2015, 7, 1), "data", datetime(2015, 7, 1))
    current = campaign_clock(db, now=datetime(2015, 7, 1, 23, 0))  # data ends yesterday
    assert (current.launched_at, current.clock) == (datetime(2015, 7, 1, 23, 0), "wall")


def test_a_campaign_launched_on_the_demo_is_measured_once_the_shop_carries_on(
    demo_db, demo_folder, tmp_path
) -> None:
    """The campaign clock end to end: launched on the 2015 demo (default store), the shop
    simulated for the week after with the treatment group contacted, loaded and refreshed: the
    campaign is completed and measured with the groups it was launched with."""
    db = copy_warehouse(demo_db, tmp_path / "warehouse")
    with duckdb.connect(str(current_snapshot(db)), read_only=True) as con:
        buyers = con.execute("SELECT customer_id, segment, clv_amount FROM customers "
                             "WHERE count_orders > 0 ORDER BY customer_id").df()
        [(last_day,)] = con.execute("SELECT last_event_date FROM refresh_info").fetchall()
    launched = launch_audience(db, buyers, duration_days=7, source="daily_list", user="ana",
                               **OFFER)
    assert (launched.clock, launched.launched_at) == (
        "data", datetime.combine(last_day + timedelta(days=1), datetime.min.time()))
    treatment = stored_assignments(db, launched.campaign_id).query("group_name == 'treatment'")
    running = RunningCampaign.from_store(launched.campaign_id, OFFER["channel"],
                                         launched.launched_at, launched.ends_at,
                                         treatment["customer_id"])
    last_event = int(pd.read_csv(demo_folder / "events.csv")["timestamp"].max())
    simulate(demo_folder / STATE_FILE, tmp_path / "later", last_event, 10, [running])
    ingest_retailrocket(db, tmp_path / "later", progress=False)
    refresh(db, progress=False)
    with duckdb.connect(str(current_snapshot(db)), read_only=True) as con:
        status = con.execute("SELECT status FROM campaigns WHERE campaign_id = ?",
                             [launched.campaign_id]).fetchone()
        results = campaign_results(con, launched.campaign_id)
    assert status == ("completed",)
    assert results["metric"].tolist() == ["conversion", "orders_per_customer", "gmv_per_customer"]
    assert (results["n_treatment"] == launched.count_treatment).all()
    assert (results["n_control"] == launched.count_control).all()


def test_the_preview_counts_who_a_launch_would_leave_out_and_stores_nothing(
    store: StoreCase,
) -> None:
    db, url = store.db, store.url
    publish(db, shop())  # data ends 2015-06-30: a launch now is dated 2015-07-01 00:00
    rule_id = repeat_rule(db, url)
    before = preview_launch(db, rule_id, ops_url=url)
    assert (before.audience_size, before.count_running, before.count_no_consent) == (2, 0, 0)
    launch_campaign(db, rule_id, launched_at=LAUNCHED, duration_days=28, user="ana",
                    ops_url=url)  # runs until 2015-07-08
    after = preview_launch(db, rule_id, ops_url=url)
    assert (after.audience_size, after.count_running) == (2, 2)
    assert len(list_campaigns(db, ops_url=url)) == 1
    with pytest.raises(ValueError, match="all 2 customers of the audience are in a campaign"):
        launch_campaign(db, rule_id, user="ana", ops_url=url)
    with pytest.raises(RuleError, match="no rule with id 999"):
        preview_launch(db, 999, ops_url=url)
