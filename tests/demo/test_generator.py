"""The demo generator writes RetailRocket-format files with the real data's encodings and shape."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from demo.archetypes import NAMES
from demo.generator import KAGGLE_FILES, generate
from demo.properties import PRICE_KEY, REAL_PART1_ROWS
from demo.response import CHANNELS, PERSUADE, TYPES
from demo.timeline import END_MS, START_MS
from tests.conftest import DEMO_TEST_SCALE

WEEK_MS = 7 * 24 * 3_600_000

# Most checks read the session's shared demo files (``demo_folder`` in tests/conftest.py, written
# at DEMO_TEST_SCALE); only the seed and error tests generate their own.


@pytest.fixture(scope="module")
def events(demo_folder: Path) -> pd.DataFrame:
    return pd.read_csv(demo_folder / "events.csv", dtype={"transactionid": "Int64"})


@pytest.fixture(scope="module")
def properties(demo_folder: Path) -> pd.DataFrame:
    parts = [pd.read_csv(demo_folder / name, dtype={"property": str, "value": str})
             for name in ("item_properties_part1.csv", "item_properties_part2.csv")]
    return pd.concat(parts, ignore_index=True)


@pytest.fixture(scope="module")
def tree(demo_folder: Path) -> pd.DataFrame:
    return pd.read_csv(demo_folder / "category_tree.csv", dtype={"parentid": "Int64"})


def _first_line(path: Path) -> str:
    with path.open(encoding="ascii") as handle:
        return handle.readline().rstrip("\n")


def test_writes_the_four_kaggle_files_with_their_exact_headers(demo_folder: Path) -> None:
    headers = {name: _first_line(demo_folder / name) for name in KAGGLE_FILES}
    assert headers == {
        "events.csv": "timestamp,visitorid,event,itemid,transactionid",
        "item_properties_part1.csv": "timestamp,itemid,property,value",
        "item_properties_part2.csv": "timestamp,itemid,property,value",
        "category_tree.csv": "categoryid,parentid",
    }


def test_values_are_written_unquoted_like_the_published_files(demo_folder: Path) -> None:
    for name in (*KAGGLE_FILES, "demo_campaign.csv", "ground_truth_archetypes.csv",
                 "ground_truth_response.csv", "ground_truth_effects.csv"):
        assert '"' not in (demo_folder / name).read_text(encoding="ascii")[:200_000], name


def test_event_timestamps_are_milliseconds_inside_the_period(events: pd.DataFrame) -> None:
    assert events["timestamp"].min() >= START_MS
    assert events["timestamp"].max() < END_MS
    assert set(events["event"]) == {"view", "addtocart", "transaction"}


def test_transactionid_is_set_exactly_on_transactions(events: pd.DataFrame) -> None:
    is_buy = events["event"] == "transaction"
    assert (events["transactionid"].notna() == is_buy).all()


def test_prices_are_n_prefixed_numbers_with_three_decimals(properties: pd.DataFrame) -> None:
    prices = properties.loc[properties["property"] == PRICE_KEY, "value"]
    assert len(prices) > properties["itemid"].nunique()  # a first price, then changes
    assert prices.str.fullmatch(r"n\d+\.\d{3}").all()


def test_other_values_are_hashed_tokens(properties: pd.DataFrame) -> None:
    other = properties.loc[~properties["property"].isin(["categoryid", "available", PRICE_KEY])]
    assert other["property"].str.fullmatch(r"\d+").all()
    assert other["value"].str.fullmatch(r"(\d+|n\d+\.\d{3})( (\d+|n\d+\.\d{3}))*").all()


def test_available_is_one_or_zero_and_categoryid_is_a_tree_node(
    properties: pd.DataFrame, tree: pd.DataFrame
) -> None:
    available = properties.loc[properties["property"] == "available", "value"]
    assert set(available) == {"0", "1"}
    categories = properties.loc[properties["property"] == "categoryid", "value"].astype(int)
    assert set(categories) <= set(tree["categoryid"])


def test_price_and_availability_change_over_time(properties: pd.DataFrame) -> None:
    for key in (PRICE_KEY, "available"):
        rows = properties[properties["property"] == key]
        distinct = rows.groupby("itemid")["value"].nunique()
        assert (distinct > 1).mean() > 0.3, key


def test_properties_come_in_18_weekly_snapshots(properties: pd.DataFrame) -> None:
    stamps = np.sort(properties["timestamp"].unique())
    assert len(stamps) == 18
    assert set(np.diff(stamps)) == {WEEK_MS}
    assert stamps[0] >= START_MS and stamps[-1] < END_MS


def test_part1_holds_at_most_its_scaled_share(demo_folder: Path, properties: pd.DataFrame) -> None:
    part1 = pd.read_csv(demo_folder / "item_properties_part1.csv", usecols=["itemid"])
    assert len(part1) == min(round(REAL_PART1_ROWS * DEMO_TEST_SCALE), len(properties))
    assert len(properties) > len(part1)


def test_category_tree_has_25_roots_and_depth_up_to_5(tree: pd.DataFrame) -> None:
    assert len(tree) == 1_669
    assert tree["categoryid"].is_unique
    parent = tree.set_index("categoryid")["parentid"]
    depth = pd.Series(1, index=parent.index)
    node = parent.copy()
    while node.notna().any():  # walk up one level per round
        depth[node.notna()] += 1
        node = node.map(parent)
    assert int(parent.isna().sum()) == 25
    assert depth.max() == 5


def test_event_mix_and_one_event_visitors_match_the_real_shape(events: pd.DataFrame) -> None:
    share = events["event"].value_counts(normalize=True)
    assert share["view"] == pytest.approx(0.967, abs=0.01)
    assert share["addtocart"] == pytest.approx(0.025, abs=0.006)
    assert share["transaction"] == pytest.approx(0.008, abs=0.003)
    per_visitor = events.groupby("visitorid").size()
    assert (per_visitor == 1).mean() == pytest.approx(0.71, abs=0.02)


def test_exact_duplicate_rows_are_present(events: pd.DataFrame) -> None:
    assert events.duplicated().sum() >= 3


def test_some_purchases_precede_their_items_first_price_snapshot(
    events: pd.DataFrame, properties: pd.DataFrame
) -> None:
    prices = properties[properties["property"] == PRICE_KEY]
    first_price = prices.groupby("itemid")["timestamp"].min()
    buys = events[events["event"] == "transaction"]
    assert (buys["timestamp"] < buys["itemid"].map(first_price)).sum() > 0


def test_every_transaction_follows_a_view_of_the_same_item(events: pd.DataFrame) -> None:
    views = events[events["event"] == "view"].groupby(["visitorid", "itemid"])["timestamp"].min()
    buys = events[events["event"] == "transaction"].set_index(["visitorid", "itemid"])
    first_view = views.reindex(buys.index)
    assert first_view.notna().all()
    assert (first_view.to_numpy() < buys["timestamp"].to_numpy()).all()


def test_most_bought_items_were_added_to_the_cart_first(events: pd.DataFrame) -> None:
    carts = events[events["event"] == "addtocart"].set_index(["visitorid", "itemid"]).index
    buys = events[events["event"] == "transaction"].set_index(["visitorid", "itemid"]).index
    assert buys.isin(carts).mean() > 0.8


def test_basket_items_share_an_id_and_a_time_within_seconds(events: pd.DataFrame) -> None:
    buys = events[events["event"] == "transaction"].drop_duplicates()
    baskets = buys.groupby("transactionid").agg(
        visitors=("visitorid", "nunique"), spread=("timestamp", lambda t: t.max() - t.min()),
        items=("itemid", "size"),
    )
    assert (baskets["visitors"] == 1).all()
    assert baskets["spread"].max() <= 3_000
    assert baskets["items"].mean() == pytest.approx(1.27, abs=0.15)


def test_ground_truth_archetypes_cover_every_visitor(
    demo_folder: Path, events: pd.DataFrame
) -> None:
    truth = pd.read_csv(demo_folder / "ground_truth_archetypes.csv")
    assert list(truth.columns) == ["visitorid", "archetype"]
    assert truth["visitorid"].is_unique
    assert set(truth["visitorid"]) == set(events["visitorid"])
    assert set(truth["archetype"]) == set(NAMES)


def test_campaign_file_is_consistent(demo_folder: Path, events: pd.DataFrame) -> None:
    campaign = pd.read_csv(demo_folder / "demo_campaign.csv")
    assert list(campaign.columns) == [
        "campaign_id", "campaign_name", "action", "channel", "offer", "kpi", "launched_at",
        "ends_at", "control_share", "visitorid", "group",
    ]
    assert campaign["campaign_id"].nunique() == 1
    assert (campaign["launched_at"] == "2015-08-01").all()
    assert (campaign["ends_at"] == "2015-08-28").all()
    assert campaign["visitorid"].is_unique
    assert set(campaign["group"]) == {"treatment", "control"}
    n = len(campaign)
    assert abs((campaign["group"] == "control").sum() - 0.2 * n) <= 1
    assert campaign["visitorid"].isin(events["visitorid"]).all()
    launch = pd.Timestamp("2015-08-01", tz="UTC").value // 1_000_000
    buyers_before = events.loc[
        (events["event"] == "transaction") & (events["timestamp"] < launch), "visitorid"
    ]
    assert campaign["visitorid"].isin(buyers_before).all()  # all bought before launch


def test_ground_truth_response_gives_every_visitor_a_type_and_effect_per_channel(
    demo_folder: Path
) -> None:
    response = pd.read_csv(demo_folder / "ground_truth_response.csv")
    archetypes = pd.read_csv(demo_folder / "ground_truth_archetypes.csv")
    assert list(response.columns) == [
        "visitorid", "archetype", "type_email", "type_push", "type_sms",
        "effect_email", "effect_push", "effect_sms"]
    assert response[["visitorid", "archetype"]].equals(archetypes)
    for channel in CHANNELS:
        kind, effect = response[f"type_{channel}"], response[f"effect_{channel}"]
        assert set(kind) <= set(TYPES)
        assert (effect[kind == "persuadable"] == PERSUADE[channel]).all()
        assert (effect[kind.isin(["sure_thing", "lost_cause"])] == 0).all()
        assert (effect[kind == "do_not_disturb"] < 0).all()


def _window_purchases(events: pd.DataFrame, truth: dict) -> pd.Series:
    """Baskets bought in the planted campaign's window, per visitor."""
    start = pd.Timestamp(truth["window_start"], tz="UTC").value // 1_000_000
    end = (pd.Timestamp(truth["window_end"], tz="UTC") + pd.Timedelta(days=1)).value // 1_000_000
    buys = events[(events["event"] == "transaction") & events["timestamp"].between(start, end - 1)]
    return buys.groupby("visitorid")["transactionid"].nunique()


def test_treated_members_bought_what_their_realised_effects_say(
    demo_folder: Path, events: pd.DataFrame
) -> None:
    truth = json.loads((demo_folder / "ground_truth_campaign.json").read_text())
    effects = pd.read_csv(demo_folder / "ground_truth_effects.csv")
    campaign = pd.read_csv(demo_folder / "demo_campaign.csv")
    treated = campaign.loc[campaign["group"] == "treatment", "visitorid"]
    assert sorted(effects["visitorid"]) == sorted(treated)
    bought = _window_purchases(events, truth).reindex(effects["visitorid"], fill_value=0)
    realised = (effects["purchases_without_contact"] - effects["purchases_prevented"]
                + effects["purchases_caused"])
    assert (bought.to_numpy() == realised.to_numpy()).all()
    kind = effects["response_type"]
    assert (effects.loc[kind != "persuadable", "purchases_caused"] == 0).all()
    assert (effects.loc[kind != "do_not_disturb", "purchases_prevented"] == 0).all()
    assert effects["purchases_caused"].sum() == truth["caused_purchases"] > 0


def test_the_planted_average_effect_follows_from_the_types(demo_folder: Path) -> None:
    truth = json.loads((demo_folder / "ground_truth_campaign.json").read_text())
    response = pd.read_csv(demo_folder / "ground_truth_response.csv", index_col="visitorid")
    campaign = pd.read_csv(demo_folder / "demo_campaign.csv")
    kinds = response.loc[campaign["visitorid"], "type_email"].to_numpy()
    groups = ("treatment", "control")
    counts = {t: {g: int((kinds[(campaign["group"] == g).to_numpy()] == t).sum()) for g in groups}
              for t in TYPES}
    assert counts == truth["types"]
    # one-time buyers and lapsing high spenders do not come back on their own: nearly all of the
    # effect is the persuadables' caused purchase, so it is at least PERSUADE × their share less
    # the few who would have bought anyway
    persuadable_share = (kinds == "persuadable").mean()
    effect = truth["p_treatment"] - truth["p_control"]
    assert effect >= PERSUADE["email"] * persuadable_share - truth["p_control"]
    assert effect > 0.1


def test_window_purchases_in_events_match_the_planted_ground_truth(
    demo_folder: Path, events: pd.DataFrame
) -> None:
    truth = json.loads((demo_folder / "ground_truth_campaign.json").read_text())
    campaign = pd.read_csv(demo_folder / "demo_campaign.csv")
    start = pd.Timestamp(truth["window_start"], tz="UTC").value // 1_000_000
    end = (pd.Timestamp(truth["window_end"], tz="UTC") + pd.Timedelta(days=1)).value // 1_000_000
    is_buy = events["event"] == "transaction"
    in_window = events[is_buy & events["timestamp"].between(start, end - 1)]
    converted = campaign["visitorid"].isin(in_window["visitorid"])
    counts = converted.groupby(campaign["group"]).sum()
    assert counts["control"] == truth["converted_control"]
    assert counts["treatment"] == truth["converted_treatment"]
    assert truth["audience_size"] == len(campaign)
    assert truth["p_treatment"] > truth["p_control"]


def test_same_seed_gives_identical_files_and_another_seed_differs(tmp_path: Path) -> None:
    names = (*KAGGLE_FILES, "ground_truth_archetypes.csv", "ground_truth_response.csv",
             "demo_campaign.csv", "ground_truth_effects.csv", "ground_truth_campaign.json",
             "simulator_state.npz")
    runs = {}
    for label, seed in (("a", 3), ("b", 3), ("c", 4)):
        generate(tmp_path / label, scale=0.005, seed=seed, progress=False)
        runs[label] = {name: (tmp_path / label / name).read_bytes() for name in names}
    assert runs["a"] == runs["b"]
    assert runs["a"]["events.csv"] != runs["c"]["events.csv"]
    assert runs["a"]["item_properties_part1.csv"] != runs["c"]["item_properties_part1.csv"]


def test_summary_names_each_file_with_its_rows(tmp_path: Path) -> None:
    summary = generate(tmp_path / "new" / "folder", scale=0.002, seed=1, progress=False)
    events = pd.read_csv(tmp_path / "new" / "folder" / "events.csv")
    assert summary.rows["events.csv"] == len(events)
    assert "events.csv" in str(summary) and f"{len(events):,}" in str(summary)


@pytest.mark.parametrize("scale", [0, -1, 101])
def test_generate_rejects_a_scale_out_of_range(tmp_path: Path, scale: float) -> None:
    with pytest.raises(ValueError, match="scale"):
        generate(tmp_path, scale=scale, progress=False)


def _with_archetype(folder: Path, events: pd.DataFrame) -> pd.DataFrame:
    truth = pd.read_csv(folder / "ground_truth_archetypes.csv")
    return events.merge(truth, on="visitorid", validate="many_to_one")


def test_deal_seekers_buy_cheaper_items_than_high_spenders(
    demo_folder: Path, events: pd.DataFrame, properties: pd.DataFrame
) -> None:
    prices = properties[properties["property"] == PRICE_KEY]
    first_price = prices.sort_values("timestamp").groupby("itemid")["value"].first()
    buys = _with_archetype(demo_folder, events[events["event"] == "transaction"])
    buys["price"] = buys["itemid"].map(first_price).str[1:].astype(float)
    median = buys.groupby("archetype")["price"].median()
    assert median["deal_seeker"] * 3 < median["loyal_high_spender"]
    assert median["deal_seeker"] * 3 < median["lapsing_high_spender"]


def test_lapsing_high_spenders_stop_buying_before_july_unless_won_back(
    demo_folder: Path, events: pd.DataFrame
) -> None:
    buys = _with_archetype(demo_folder, events[events["event"] == "transaction"])
    lapsing = buys[buys["archetype"] == "lapsing_high_spender"]
    per_visitor = lapsing.groupby("visitorid").size()
    assert (per_visitor >= 2).mean() > 0.5  # they bought repeatedly
    launch = pd.Timestamp("2015-08-01", tz="UTC").value // 1_000_000
    window_end = pd.Timestamp("2015-08-29", tz="UTC").value // 1_000_000
    outside_window = lapsing[~lapsing["timestamp"].between(launch, window_end - 1)]
    assert outside_window["timestamp"].max() < pd.Timestamp("2015-07-05", tz="UTC").value // 10**6


def test_window_shoppers_add_to_cart_far_more_often_than_they_buy(
    demo_folder: Path, events: pd.DataFrame
) -> None:
    shoppers = _with_archetype(demo_folder, events).query("archetype == 'window_shopper'")
    counts = shoppers["event"].value_counts()
    assert counts["addtocart"] > 10 * counts.get("transaction", 0)
    assert shoppers.groupby("visitorid").size().mean() > 5
