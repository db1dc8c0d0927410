"""The continuation simulator: new days in the RetailRocket format, responses as stated.

One small demo (scale 0.1) is generated per module; the simulator runs on its state with two
campaigns and, as the counterfactual, without them. Expected effects come from the stated
parameters in demo.response; tolerances are four binomial standard deviations.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from demo.generator import KAGGLE_FILES, generate
from demo.properties import PRICE_KEY
from demo.response import DETER, PERSUADE
from demo.simulator import RunningCampaign, simulate
from demo.state import STATE_FILE
from demo.timeline import MS_PER_DAY
from warehouse.ingest.retailrocket import ingest_retailrocket

SCALE = 0.1
DAYS = 14
WEEK_MS = 7 * MS_PER_DAY
SIMULATED_FILES = (*KAGGLE_FILES, "ground_truth_archetypes.csv", "ground_truth_response.csv",
                   "ground_truth_effects.csv", STATE_FILE)


def read_events(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "events.csv", dtype={"transactionid": "Int64"})


def window_baskets(events: pd.DataFrame, visitors, window: tuple[int, int]) -> pd.Series:
    """Distinct baskets per visitor bought in [start, end), 0 for those who bought none."""
    buys = events[(events["event"] == "transaction")
                  & events["timestamp"].between(window[0], window[1] - 1)]
    return buys.groupby("visitorid")["transactionid"].nunique().reindex(visitors, fill_value=0)


def behaviour(events: pd.DataFrame) -> pd.DataFrame:
    """What visitors did, without the ids and duplicate rows that depend on everything else."""
    return (events[["timestamp", "visitorid", "event", "itemid"]].drop_duplicates()
            .sort_values(["timestamp", "visitorid", "event", "itemid"]).reset_index(drop=True))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sim-demo")
    generate(folder, scale=SCALE, seed=3, progress=False)
    return folder


@pytest.fixture(scope="module")
def generated(demo: Path) -> pd.DataFrame:
    return read_events(demo)


@pytest.fixture(scope="module")
def last_event(generated: pd.DataFrame) -> int:
    return int(generated["timestamp"].max())


@pytest.fixture(scope="module")
def truth(demo: Path) -> pd.DataFrame:
    return pd.read_csv(demo / "ground_truth_response.csv")


@pytest.fixture(scope="module")
def campaigns(truth: pd.DataFrame, last_event: int) -> list[RunningCampaign]:
    """Email to a random 80 % of all visitors for a week; push to every steady buyer for two."""
    rng = np.random.default_rng(0)
    email = truth["visitorid"].to_numpy()[rng.random(len(truth)) < 0.8]
    steady = truth.loc[truth["archetype"].isin(["deal_seeker", "loyal_high_spender"]),
                       "visitorid"].to_numpy()
    return [
        RunningCampaign("email-week", "email", last_event, last_event + WEEK_MS, email),
        RunningCampaign("push-fortnight", "push", last_event, last_event + 2 * WEEK_MS, steady),
    ]


@pytest.fixture(scope="module")
def with_contact(demo, last_event, campaigns, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sim-with")
    simulate(demo / STATE_FILE, out, last_event, DAYS, campaigns)
    return out


@pytest.fixture(scope="module")
def without_contact(demo, last_event, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sim-without")
    simulate(demo / STATE_FILE, out, last_event, DAYS)
    return out


@pytest.fixture(scope="module")
def events(with_contact: Path) -> pd.DataFrame:
    return read_events(with_contact)


@pytest.fixture(scope="module")
def counterfactual(without_contact: Path) -> pd.DataFrame:
    return read_events(without_contact)


@pytest.fixture(scope="module")
def effects(with_contact: Path) -> pd.DataFrame:
    return pd.read_csv(with_contact / "ground_truth_effects.csv")


def _first_line(path: Path) -> str:
    with path.open(encoding="ascii") as handle:
        return handle.readline().rstrip("\n")


# --- format -------------------------------------------------------------------------------------

def test_writes_the_retailrocket_files_with_their_exact_headers(with_contact: Path) -> None:
    assert {name: _first_line(with_contact / name) for name in KAGGLE_FILES} == {
        "events.csv": "timestamp,visitorid,event,itemid,transactionid",
        "item_properties_part1.csv": "timestamp,itemid,property,value",
        "item_properties_part2.csv": "timestamp,itemid,property,value",
        "category_tree.csv": "categoryid,parentid",
    }


def test_category_tree_is_the_generated_one(demo: Path, with_contact: Path) -> None:
    assert (with_contact / "category_tree.csv").read_bytes() == (
        demo / "category_tree.csv").read_bytes()


def test_events_are_integers_in_milliseconds_strictly_after_the_last_loaded_event(
    events: pd.DataFrame, last_event: int
) -> None:
    assert events["timestamp"].dtype == np.int64 and events["visitorid"].dtype == np.int64
    assert events["itemid"].dtype == np.int64
    assert events["timestamp"].min() > last_event
    assert events["timestamp"].max() < last_event + DAYS * MS_PER_DAY + MS_PER_DAY
    assert events["timestamp"].is_monotonic_increasing
    assert set(events["event"]) == {"view", "addtocart", "transaction"}
    assert ((events["event"] == "transaction") == events["transactionid"].notna()).all()


def test_transaction_ids_continue_after_the_generated_ones(
    events: pd.DataFrame, generated: pd.DataFrame
) -> None:
    buys = events[events["event"] == "transaction"].drop_duplicates()
    assert buys["transactionid"].min() == generated["transactionid"].max() + 1
    per_basket = buys.groupby("transactionid").agg(visitors=("visitorid", "nunique"))
    assert (per_basket["visitors"] == 1).all()
    assert sorted(per_basket.index) == list(range(per_basket.index.min(),
                                                  per_basket.index.max() + 1))


def test_items_are_catalogue_items_and_new_snapshots_are_weekly(
    demo: Path, with_contact: Path, events: pd.DataFrame, last_event: int
) -> None:
    old = pd.read_csv(demo / "item_properties_part1.csv", usecols=["timestamp", "itemid"])
    old2 = pd.read_csv(demo / "item_properties_part2.csv", usecols=["timestamp", "itemid"])
    known = set(old["itemid"]) | set(old2["itemid"])
    assert set(events["itemid"]) <= known
    new = pd.read_csv(with_contact / "item_properties_part1.csv",
                      dtype={"property": str, "value": str})
    assert len(pd.read_csv(with_contact / "item_properties_part2.csv")) == 0
    stamps = np.sort(new["timestamp"].unique())
    last_snapshot = max(old["timestamp"].max(), old2["timestamp"].max())
    schedule = last_snapshot + WEEK_MS * np.arange(1, 10)  # the weekly schedule carries on
    in_span = schedule[(schedule > last_event) & (schedule <= last_event + DAYS * MS_PER_DAY)]
    assert len(in_span) == 2
    assert list(stamps) == list(in_span)
    assert set(new["property"]) == {"categoryid", "available", PRICE_KEY}
    assert new.loc[new["property"] == PRICE_KEY, "value"].str.fullmatch(r"n\d+\.000").all()
    assert set(new.loc[new["property"] == "available", "value"]) == {"0", "1"}
    assert set(new["itemid"]) <= known


def test_new_visitors_get_fresh_ids_and_their_ground_truth(
    with_contact: Path, events: pd.DataFrame, truth: pd.DataFrame
) -> None:
    archetypes = pd.read_csv(with_contact / "ground_truth_archetypes.csv")
    response = pd.read_csv(with_contact / "ground_truth_response.csv")
    assert response[["visitorid", "archetype"]].equals(archetypes)
    assert list(archetypes["visitorid"]) == list(
        range(len(truth), len(truth) + len(archetypes)))
    assert set(events["visitorid"]) <= set(truth["visitorid"]) | set(archetypes["visitorid"])
    assert set(archetypes["visitorid"]) <= set(events["visitorid"])  # each arrival came once
    assert not archetypes["archetype"].isin(
        ["deal_seeker", "loyal_high_spender", "lapsing_high_spender"]).any()


def test_traffic_carries_on_at_the_level_of_the_last_generated_weeks(
    counterfactual: pd.DataFrame, generated: pd.DataFrame, last_event: int
) -> None:
    def per_day(frame: pd.DataFrame, start: int) -> pd.Series:
        full_days = frame[frame["timestamp"].between(start, start + DAYS * MS_PER_DAY - 1)]
        return pd.Series({"events": len(full_days),
                          "visitors": full_days["visitorid"].nunique()}) / DAYS

    before = per_day(generated, last_event - DAYS * MS_PER_DAY)
    after = per_day(counterfactual, last_event)
    assert (after / before).between(0.85, 1.15).all(), (before, after)


# --- responses ----------------------------------------------------------------------------------

def _treated(effects: pd.DataFrame, campaign_id: str, kind: str) -> pd.DataFrame:
    return effects[(effects["campaign_id"] == campaign_id) & (effects["response_type"] == kind)]


def test_treated_persuadables_buy_more_than_without_contact_by_the_stated_effect(
    events, counterfactual, effects, campaigns
) -> None:
    email, push = campaigns
    window = (email.starts_at_ms, email.ends_at_ms)
    persuadable = _treated(effects, email.campaign_id, "persuadable")["visitorid"]
    persuadable = persuadable[~persuadable.isin(push.treatment)]  # contacted once only
    extra = (window_baskets(events, persuadable, window)
             - window_baskets(counterfactual, persuadable, window))
    assert set(extra) <= {0, 1}
    n = len(persuadable)
    assert n > 3_000
    share = float(extra.mean())
    p = PERSUADE["email"]
    assert abs(share - p) <= 4 * np.sqrt(p * (1 - p) / n), share


def test_do_not_disturb_customers_buy_less_and_by_about_the_stated_share(
    events, counterfactual, effects, campaigns
) -> None:
    push = campaigns[1]
    window = (push.starts_at_ms, push.ends_at_ms)
    deterred = _treated(effects, push.campaign_id, "do_not_disturb")["visitorid"]
    with_contact = window_baskets(events, deterred, window)
    without = window_baskets(counterfactual, deterred, window)
    assert (with_contact <= without).all()
    n = int(without.sum())
    assert n >= 20
    dropped = 1 - with_contact.sum() / n
    p = DETER["push"]
    assert abs(dropped - p) <= 4 * np.sqrt(p * (1 - p) / n), dropped


@pytest.mark.parametrize("kind", ["lost_cause", "sure_thing"])
def test_contact_changes_nothing_for_lost_causes_and_sure_things(
    events, counterfactual, effects, kind
) -> None:
    who = set(_treated(effects, "email-week", kind)["visitorid"]) | set(
        _treated(effects, "push-fortnight", kind)["visitorid"])
    assert len(who) > (100 if kind == "lost_cause" else 20)
    mine = behaviour(events[events["visitorid"].isin(who)])
    assert mine.equals(behaviour(counterfactual[counterfactual["visitorid"].isin(who)]))
    if kind == "lost_cause":
        email = _treated(effects, "email-week", kind)
        assert (email["purchases_without_contact"] == 0).sum() > 0.99 * len(email)


def test_nobody_outside_the_treatment_lists_is_touched(
    events, counterfactual, effects, campaigns, truth
) -> None:
    treated = set(np.concatenate([c.treatment for c in campaigns]))
    assert set(effects["visitorid"]) <= treated
    hold_out = ~events["visitorid"].isin(treated)
    assert hold_out.sum() > 10_000
    cf_hold_out = ~counterfactual["visitorid"].isin(treated)
    assert behaviour(events[hold_out]).equals(behaviour(counterfactual[cf_hold_out]))


def test_realised_effects_add_up_to_the_purchases_in_the_events(
    events, counterfactual, effects, campaigns
) -> None:
    for campaign in campaigns:
        rows = effects[effects["campaign_id"] == campaign.campaign_id].set_index("visitorid")
        assert len(rows) == len(campaign.treatment)
        assert (rows["channel"] == campaign.channel).all()
        window = (campaign.starts_at_ms, campaign.ends_at_ms)
        single = rows.index[~rows.index.isin(
            np.intersect1d(campaigns[0].treatment, campaigns[1].treatment))]
        mine = rows.loc[single]
        bought = window_baskets(events, single, window)
        realised = (mine["purchases_without_contact"] - mine["purchases_prevented"]
                    + mine["purchases_caused"])
        assert (bought == realised).all(), campaign.campaign_id
        natural = window_baskets(counterfactual, single, window)
        assert (natural == mine["purchases_without_contact"]).all(), campaign.campaign_id


# --- determinism and continuity ----------------------------------------------------------------

def test_the_same_state_days_and_campaigns_give_identical_files(
    demo, last_event, campaigns, with_contact, tmp_path
) -> None:
    simulate(demo / STATE_FILE, tmp_path, last_event, DAYS, campaigns)
    for name in SIMULATED_FILES:
        assert (tmp_path / name).read_bytes() == (with_contact / name).read_bytes(), name


def test_seven_days_then_seven_more_is_repeatable_and_keeps_each_response(
    demo, last_event, campaigns, effects, tmp_path
) -> None:
    fortnight = [campaigns[1]]
    runs = []
    for label in ("a", "b"):
        first, second = tmp_path / label / "1", tmp_path / label / "2"
        simulate(demo / STATE_FILE, first, last_event, 7, fortnight)
        first_last = int(read_events(first)["timestamp"].max())
        simulate(first / STATE_FILE, second, first_last, 7, fortnight)
        runs.append((first, second))
    (a1, a2), (b1, b2) = runs
    for name in SIMULATED_FILES:
        assert (a1 / name).read_bytes() == (b1 / name).read_bytes(), name
        assert (a2 / name).read_bytes() == (b2 / name).read_bytes(), name
    first_events, second_events = read_events(runs[0][0]), read_events(runs[0][1])
    assert second_events["timestamp"].min() > first_events["timestamp"].max()
    assert second_events["transactionid"].min() > first_events["transactionid"].max()
    caused = pd.concat([pd.read_csv(folder / "ground_truth_effects.csv")
                        for folder in runs[0]]).groupby("visitorid")["purchases_caused"].sum()
    in_one_run = _treated(effects, "push-fortnight", "persuadable").set_index("visitorid")
    assert caused.loc[in_one_run.index].equals(in_one_run["purchases_caused"])


def test_a_state_that_does_not_belong_to_the_loaded_data_is_refused(
    demo, last_event, with_contact
) -> None:
    with pytest.raises(ValueError, match="use the state written with the files loaded last"):
        simulate(demo / STATE_FILE, with_contact / "later", last_event + 30 * MS_PER_DAY, 7)
    with pytest.raises(ValueError, match="files are not loaded"):
        simulate(with_contact / STATE_FILE, with_contact / "later", last_event, 7)
    with pytest.raises(FileNotFoundError, match="simulator state"):
        simulate(with_contact / "missing.npz", with_contact / "later", last_event, 7)
    with pytest.raises(ValueError, match="days"):
        simulate(demo / STATE_FILE, with_contact / "later", last_event, 0)


def test_treatment_ids_unknown_to_the_demo_are_counted_and_left_alone(
    demo, last_event, truth, tmp_path
) -> None:
    strangers = np.array([len(truth) + 10**6, -5, len(truth) + 10**6])
    campaign = RunningCampaign("strangers", "sms", last_event, last_event + WEEK_MS,
                               np.concatenate([strangers, [0, 1]]))
    summary = simulate(demo / STATE_FILE, tmp_path, last_event, 1, [campaign])
    assert (summary.treated, summary.unknown_treated) == (2, 2)
    assert sorted(pd.read_csv(tmp_path / "ground_truth_effects.csv")["visitorid"]) == [0, 1]


def test_a_campaign_needs_a_known_channel_and_a_window() -> None:
    with pytest.raises(ValueError, match="unknown channel 'fax'"):
        RunningCampaign("c", "fax", 0, 1, np.array([1]))
    with pytest.raises(ValueError, match="ends before it starts"):
        RunningCampaign("c", "email", 5, 5, np.array([1]))


def test_simulated_days_load_into_the_warehouse_after_the_generated_data(tmp_path) -> None:
    """The files are ready for the ordinary ingest: nothing rejected, nothing already loaded."""
    generate(tmp_path / "demo", scale=0.01, seed=9, progress=False)
    db = tmp_path / "warehouse.duckdb"
    ingest_retailrocket(db, tmp_path / "demo", progress=False)
    last = int(read_events(tmp_path / "demo")["timestamp"].max())
    simulate(tmp_path / "demo" / STATE_FILE, tmp_path / "week", last, 7)
    summary = ingest_retailrocket(db, tmp_path / "week", progress=False)
    files = {f.file: f for f in summary.files}
    events = files["events.csv"]
    assert events.rows_read == len(read_events(tmp_path / "week"))
    assert (events.rows_rejected, events.already_loaded) == (0, 0)
    assert events.rows_loaded == events.rows_read - events.duplicates_in_file > 0
    properties = files["item_properties_part1.csv"]
    assert properties.rows_rejected == 0 and properties.rows_loaded > 0


def test_a_campaign_from_the_store_keeps_its_window_and_numeric_customer_ids() -> None:
    campaign = RunningCampaign.from_store(
        "c-1", " Email ", datetime(2015, 9, 18, 21, 0), datetime(2015, 10, 2, tzinfo=UTC),
        ["12", 5, " 7 ", "guest-3", "12"])
    assert campaign.channel == "email"
    assert campaign.starts_at_ms == 1_442_610_000_000  # 2015-09-18 21:00 UTC
    assert campaign.ends_at_ms == 1_443_744_000_000  # 2015-10-02 00:00 UTC
    assert campaign.treatment.tolist() == [-1, 5, 7, 12]
