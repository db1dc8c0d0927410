"""The grocery shop: generic orders format with item lines, shaped like public grocery data, and
its continuation answering push campaigns as its latent model says.

Shape targets are the public Instacart figures (about 10 items per order, 59 % of lines
re-orders); response checks take their expected values from the stated parameters in
demo.grocery.push and the ground truth files, with four-standard-deviation tolerances.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from demo.grocery.calendar import END_MS
from demo.grocery.catalogue import N_ITEMS
from demo.grocery.households import HOUSEHOLD_TYPES, TYPE_NAMES
from demo.grocery.push import (
    BASKET_FLOOR,
    OPT_OUT_WITHIN_MS,
    PUSH_DETER,
    PUSH_OPT_OUT,
    PUSH_PERSUADE_AISLE,
    PUSH_PERSUADE_BASE,
    PUSH_TOP_UP,
    PushCampaign,
)
from demo.grocery.shop import GROCERY_FILES, generate_grocery, simulate_grocery
from demo.grocery.state import GROCERY_STATE_FILE
from demo.response import TYPES
from warehouse.ingest.orders import ingest_orders

SCALE = 0.3
DAY_MS = 86_400_000
WINDOW_DAYS = 14
ORDER_COLUMNS = ["customer_id", "order_id", "ordered_at", "amount", "item_id", "quantity"]
SIMULATED_FILES = (*GROCERY_FILES, "ground_truth_households.csv", "ground_truth_staples.csv",
                   "ground_truth_push_effects.csv", GROCERY_STATE_FILE)


def read_orders(folder: Path) -> pd.DataFrame:
    orders = pd.read_csv(folder / "orders.csv")
    orders["at_ms"] = pd.to_datetime(orders["ordered_at"], format="%Y-%m-%d %H:%M:%S"
                                     ).astype("int64") // 1_000_000
    return orders


def within(observed: float, expected: float, n: int) -> bool:
    return abs(observed - expected) <= 4 * np.sqrt(expected * (1 - expected) / n)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("grocery")
    generate_grocery(folder, scale=SCALE, seed=5)
    return folder


@pytest.fixture(scope="module")
def orders(shop: Path) -> pd.DataFrame:
    return read_orders(shop)


@pytest.fixture(scope="module")
def items(shop: Path) -> pd.DataFrame:
    return pd.read_csv(shop / "items.csv")


@pytest.fixture(scope="module")
def households(shop: Path) -> pd.DataFrame:
    return pd.read_csv(shop / "ground_truth_households.csv")


@pytest.fixture(scope="module")
def baskets(orders: pd.DataFrame) -> pd.Series:
    return orders.groupby("order_id").size()


# --- the generated half year --------------------------------------------------------------------

def test_writes_the_files_with_their_exact_headers(shop: Path) -> None:
    def header(name: str) -> str:
        with (shop / name).open(encoding="utf-8") as handle:
            return handle.readline().rstrip("\n")

    assert header("orders.csv") == ",".join(ORDER_COLUMNS)
    assert header("items.csv") == "item_id,name,category,price"
    assert header("push_consent.csv") == "customer_id,consent,opted_out_at"
    assert header("ground_truth_staples.csv") == "customer_id,item_id,cycle_days"
    assert '"' not in (shop / "orders.csv").read_text(encoding="utf-8")[:100_000]


def test_order_lines_have_the_generic_orders_format(orders: pd.DataFrame, items) -> None:
    assert orders["ordered_at"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").all()
    assert orders["ordered_at"].min() >= "2024-01-01" and orders["ordered_at"].max() < "2024-07"
    for column in ("customer_id", "order_id", "item_id", "quantity"):
        assert orders[column].dtype == np.int64, column
    assert set(orders["quantity"]) == {1, 2, 3}
    assert orders["item_id"].isin(items["item_id"]).all()
    assert not orders.duplicated(["order_id", "item_id"]).any()
    per_order = orders.groupby("order_id").agg(customers=("customer_id", "nunique"),
                                               times=("ordered_at", "nunique"))
    assert (per_order == 1).all().all()


def test_amount_is_the_lines_price_times_quantity(orders: pd.DataFrame, items) -> None:
    price = orders["item_id"].map(items.set_index("item_id")["price"])
    assert np.allclose(orders["amount"], (price * orders["quantity"]).round(2), atol=1e-9)
    assert (orders["amount"].round(2) == orders["amount"]).all()


def test_order_ids_count_orders_in_time_order(orders: pd.DataFrame) -> None:
    first = orders.drop_duplicates("order_id").sort_values("order_id")
    assert list(first["order_id"]) == list(range(1, len(first) + 1))
    assert first["at_ms"].is_monotonic_increasing


def test_catalogue_has_fifty_thousand_named_items_in_departments_and_aisles(items) -> None:
    assert len(items) == N_ITEMS == 49_688
    assert items["item_id"].is_unique and items["name"].is_unique
    assert not items["name"].str.contains(",").any()
    parts = items["category"].str.split(" / ", expand=True)
    assert parts.notna().all().all() and parts.shape[1] == 2
    assert parts[0].nunique() >= 20 and items["category"].nunique() >= 80
    assert (items["price"] > 0).all()
    assert items["name"].str.fullmatch(r"[A-Za-z][A-Za-z0-9 ]+").all()


def test_baskets_hold_about_ten_items_and_most_hold_five_or_more(baskets: pd.Series) -> None:
    assert 9.0 <= baskets.mean() <= 11.0  # Instacart: 10.1
    assert (baskets >= 5).mean() >= 0.75


def test_most_lines_are_reorders(orders: pd.DataFrame) -> None:
    ordered = orders.sort_values(["customer_id", "at_ms", "order_id"])
    reorder = ordered.duplicated(["customer_id", "item_id"])
    assert 0.55 <= reorder.mean() <= 0.65  # Instacart: 0.59


def test_big_basket_households_always_buy_large_baskets(orders, households, baskets) -> None:
    kind = orders.drop_duplicates("order_id").set_index("order_id")["customer_id"].map(
        households.set_index("customer_id")["household_type"])
    big = baskets[kind.reindex(baskets.index) == "big_basket"]
    assert len(big) > 500
    assert (big >= 5).mean() >= 0.98
    assert big.mean() >= 2 * baskets.mean()


@pytest.mark.parametrize(("kind", "low", "high"), [("weekly_family", 6, 8),
                                                   ("monthly_bulk", 24, 36)])
def test_households_order_on_their_weekly_or_monthly_cycle(orders, households, kind, low, high):
    stated = next(t.cycle_days for t in HOUSEHOLD_TYPES if t.name == kind)
    assert low < stated < high
    mine = households.loc[households["household_type"] == kind, "customer_id"]
    first = orders[orders["customer_id"].isin(mine)].drop_duplicates("order_id")
    gaps = first.sort_values("at_ms").groupby("customer_id")["at_ms"].diff().dropna() / DAY_MS
    assert low <= gaps.median() <= high


@pytest.mark.parametrize(("low_cycle", "high_cycle"), [(6, 8.5), (25, 32)])
def test_weekly_households_rebuy_staples_on_the_staples_cycle(
    shop, orders, households, low_cycle, high_cycle
) -> None:
    staples = pd.read_csv(shop / "ground_truth_staples.csv")
    weekly = households.loc[households["household_type"] == "weekly_family", "customer_id"]
    chosen = staples[staples["customer_id"].isin(weekly)
                     & staples["cycle_days"].between(low_cycle, high_cycle)]
    bought = orders.merge(chosen[["customer_id", "item_id"]], on=["customer_id", "item_id"])
    gaps = bought.sort_values("at_ms").groupby(["customer_id", "item_id"])["at_ms"].diff()
    median = gaps.dropna().median() / DAY_MS
    # bought at the first weekly order after falling due: a little over the staple's cycle
    assert chosen["cycle_days"].median() * 0.9 <= median <= chosen["cycle_days"].median() + 7


def test_consent_file_lists_every_household_once(shop, households) -> None:
    consent = pd.read_csv(shop / "push_consent.csv")
    assert list(consent["customer_id"]) == list(households["customer_id"])
    assert set(consent["consent"]) == {0, 1}
    assert consent.loc[consent["consent"] == 1, "opted_out_at"].isna().all()
    assert consent.loc[consent["consent"] == 0, "opted_out_at"].notna().any()
    shares = households["household_type"].map({t.name: t.consent for t in HOUSEHOLD_TYPES})
    expected = float(shares.mean())
    assert within(float(consent["consent"].mean()), expected, len(consent))


def test_ground_truth_names_types_responses_and_staples(shop, households, items) -> None:
    assert set(households["household_type"]) == set(TYPE_NAMES)
    assert set(households["push_response"]) == set(TYPES)
    staples = pd.read_csv(shop / "ground_truth_staples.csv")
    assert staples["item_id"].isin(items["item_id"]).all()
    assert not staples.duplicated(["customer_id", "item_id"]).any()
    counts = staples.groupby("customer_id").size()
    mean_staples = households["household_type"].map({t.name: t.staples for t in HOUSEHOLD_TYPES})
    assert counts.mean() == pytest.approx(mean_staples.mean(), rel=0.05)


def test_the_same_seed_gives_identical_files(tmp_path: Path) -> None:
    names = (*GROCERY_FILES, "ground_truth_households.csv", "ground_truth_staples.csv",
             GROCERY_STATE_FILE)
    runs = {}
    for label, seed in (("a", 2), ("b", 2), ("c", 3)):
        generate_grocery(tmp_path / label, scale=0.02, seed=seed)
        runs[label] = {name: (tmp_path / label / name).read_bytes() for name in names}
    assert runs["a"] == runs["b"]
    assert runs["a"]["orders.csv"] != runs["c"]["orders.csv"]


def test_a_scale_out_of_range_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="scale"):
        generate_grocery(tmp_path, scale=0)


# --- the continuation with a push campaign --------------------------------------------------------

@pytest.fixture(scope="module")
def last_order(orders: pd.DataFrame) -> int:
    return int(orders["at_ms"].max())


@pytest.fixture(scope="module")
def campaign(orders, households, last_order) -> PushCampaign:
    """A push of the 30th best-selling item to a random 90 % of households for two weeks."""
    item = int(orders["item_id"].value_counts().index[30])
    rng = np.random.default_rng(4)
    pushed = households["customer_id"].to_numpy()[rng.random(len(households)) < 0.9]
    return PushCampaign("push-1", item, last_order, last_order + WINDOW_DAYS * DAY_MS, pushed)


@pytest.fixture(scope="module")
def pushed_run(shop, last_order, campaign, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("grocery-pushed")
    simulate_grocery(shop / GROCERY_STATE_FILE, out, last_order, WINDOW_DAYS, [campaign])
    return out


@pytest.fixture(scope="module")
def quiet_run(shop, last_order, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("grocery-quiet")
    simulate_grocery(shop / GROCERY_STATE_FILE, out, last_order, WINDOW_DAYS)
    return out


@pytest.fixture(scope="module")
def effects(pushed_run: Path) -> pd.DataFrame:
    return pd.read_csv(pushed_run / "ground_truth_push_effects.csv")


def lines(frame: pd.DataFrame, customers) -> pd.DataFrame:
    """What customers bought, without order ids (which count every order)."""
    mine = frame[frame["customer_id"].isin(customers)]
    return (mine[["customer_id", "ordered_at", "item_id", "quantity", "amount"]]
            .sort_values(["customer_id", "ordered_at", "item_id"]).reset_index(drop=True))


def orders_with_item(frame: pd.DataFrame, customers, item: int) -> pd.Series:
    hit = frame[(frame["item_id"] == item) & frame["customer_id"].isin(customers)]
    return hit.groupby("customer_id")["order_id"].nunique().reindex(customers, fill_value=0)


def test_new_orders_follow_the_last_loaded_one_with_new_ids(shop, pushed_run, orders, last_order):
    new = read_orders(pushed_run)
    assert list(new.columns[:6]) == ORDER_COLUMNS
    assert new["at_ms"].min() > last_order
    assert new["at_ms"].max() < END_MS + WINDOW_DAYS * DAY_MS  # the days after the data
    assert new["order_id"].min() == orders["order_id"].max() + 1
    assert (pushed_run / "items.csv").read_bytes() == (shop / "items.csv").read_bytes()


def test_pushed_persuadables_buy_the_item_as_the_stated_effect_says(
    shop, pushed_run, quiet_run, effects, campaign, items
) -> None:
    reached = effects[(effects["delivered"] == 1) & (effects["response_type"] == "persuadable")]
    who = reached["customer_id"].to_numpy()
    extra = (orders_with_item(read_orders(pushed_run), who, campaign.item_id)
             - orders_with_item(read_orders(quiet_run), who, campaign.item_id))
    assert set(extra) <= {0, 1}
    assert (extra.to_numpy() == reached["orders_caused"].to_numpy()).all()
    staples = pd.read_csv(shop / "ground_truth_staples.csv")
    aisle = items.set_index("item_id")["category"]
    same_aisle = staples[staples["item_id"].map(aisle) == aisle[campaign.item_id]]
    p = PUSH_PERSUADE_BASE + PUSH_PERSUADE_AISLE * np.isin(who, same_aisle["customer_id"])
    assert len(who) > 400
    expected = float(p.mean())
    sd = np.sqrt((p * (1 - p)).sum()) / len(who)
    assert abs(extra.mean() - expected) <= 4 * sd, (extra.mean(), expected)


def test_caused_orders_are_mostly_large_baskets(pushed_run, quiet_run, effects) -> None:
    caused_by = effects.loc[effects["orders_caused"] == 1, "customer_id"]
    pushed, quiet = read_orders(pushed_run), read_orders(quiet_run)
    key = ["customer_id", "ordered_at"]
    mine = pushed[pushed["customer_id"].isin(caused_by)]
    extra = mine.merge(quiet[key].drop_duplicates(), on=key, how="left", indicator=True)
    sizes = extra[extra["_merge"] == "left_only"].groupby("order_id").size()
    assert len(sizes) == len(caused_by) > 30
    assert (sizes >= BASKET_FLOOR).mean() >= PUSH_TOP_UP - 4 * np.sqrt(
        PUSH_TOP_UP * (1 - PUSH_TOP_UP) / len(sizes))


def test_do_not_disturb_households_cancel_orders_and_opt_out(
    pushed_run, quiet_run, effects, campaign
) -> None:
    reached = effects[(effects["delivered"] == 1) & (effects["response_type"] == "do_not_disturb")]
    who = reached["customer_id"]
    window = campaign.ends_at_ms

    def count(frame: pd.DataFrame) -> int:
        mine = frame[frame["customer_id"].isin(who) & (frame["at_ms"] < window)]
        return mine["order_id"].nunique()

    natural, kept = count(read_orders(quiet_run)), count(read_orders(pushed_run))
    assert natural == reached["orders_without_contact"].sum() > 200
    assert natural - kept == reached["orders_prevented"].sum()
    assert within(1 - kept / natural, PUSH_DETER, natural)

    consent = pd.read_csv(pushed_run / "push_consent.csv")
    opted = consent[consent["customer_id"].isin(who)]
    assert sorted(opted["customer_id"]) == sorted(reached.loc[reached["opted_out"] == 1,
                                                              "customer_id"])
    assert (opted["consent"] == 0).all()
    at = pd.to_datetime(opted["opted_out_at"]).astype("int64") // 1_000_000
    assert ((at > campaign.starts_at_ms) & (at <= campaign.starts_at_ms + OPT_OUT_WITHIN_MS)).all()
    assert within(len(opted) / len(who), PUSH_OPT_OUT, len(who))


def test_nobody_else_is_touched_not_even_pushed_customers_without_consent(
    pushed_run, quiet_run, effects, households, campaign
) -> None:
    hold_out = households.loc[~households["customer_id"].isin(campaign.treatment), "customer_id"]
    unreached = effects.loc[effects["delivered"] == 0, "customer_id"]
    unmoved = effects.loc[effects["response_type"].isin(["sure_thing", "lost_cause"]),
                          "customer_id"]
    pushed, quiet = read_orders(pushed_run), read_orders(quiet_run)
    for who in (hold_out, unreached, unmoved):
        assert len(who) > 100
        assert lines(pushed, who).equals(lines(quiet, who))
    assert set(effects["customer_id"]) == set(campaign.treatment)
    touched = effects[(effects["orders_caused"] + effects["orders_prevented"]
                       + effects["opted_out"]) > 0]
    assert (touched["delivered"] == 1).all()


def test_a_pushed_run_is_repeatable_and_continues_from_its_state(
    shop, last_order, campaign, pushed_run, tmp_path
) -> None:
    simulate_grocery(shop / GROCERY_STATE_FILE, tmp_path / "again", last_order, WINDOW_DAYS,
                     [campaign])
    for name in SIMULATED_FILES:
        assert (tmp_path / "again" / name).read_bytes() == (pushed_run / name).read_bytes()
    newest = int(read_orders(pushed_run)["at_ms"].max())
    simulate_grocery(pushed_run / GROCERY_STATE_FILE, tmp_path / "next", newest, 7)
    later = read_orders(tmp_path / "next")
    assert later["at_ms"].min() > newest
    assert later["order_id"].min() == read_orders(pushed_run)["order_id"].max() + 1
    with pytest.raises(ValueError, match="use the state written with the files loaded last"):
        simulate_grocery(shop / GROCERY_STATE_FILE, tmp_path / "x", newest, 7)
    with pytest.raises(ValueError, match="files are not loaded"):
        simulate_grocery(pushed_run / GROCERY_STATE_FILE, tmp_path / "x", last_order, 7)


def test_a_push_campaign_needs_a_catalogue_item_and_a_window(shop, last_order, tmp_path):
    with pytest.raises(ValueError, match="ends before it starts"):
        PushCampaign("p", 1, 10, 10, np.array([1]))
    unknown = PushCampaign("p", N_ITEMS + 1, last_order, last_order + DAY_MS, np.array([1]))
    with pytest.raises(ValueError, match="not in the catalogue"):
        simulate_grocery(shop / GROCERY_STATE_FILE, tmp_path, last_order, 1, [unknown])


def test_generated_and_simulated_orders_load_into_the_warehouse(tmp_path: Path) -> None:
    """Both files pass the ordinary orders ingest: nothing rejected, nothing loaded twice."""
    generate_grocery(tmp_path / "shop", scale=0.02, seed=6)
    db = tmp_path / "warehouse.duckdb"
    first = ingest_orders(db, tmp_path / "shop" / "orders.csv", progress=False)
    last = int(read_orders(tmp_path / "shop")["at_ms"].max())
    simulate_grocery(tmp_path / "shop" / GROCERY_STATE_FILE, tmp_path / "week", last, 7)
    second = ingest_orders(db, tmp_path / "week" / "orders.csv", progress=False)
    for summary, folder in ((first, "shop"), (second, "week")):
        (lines_file,) = summary.files
        assert lines_file.rows_read == len(read_orders(tmp_path / folder)) > 0
        assert lines_file.rows_loaded == lines_file.rows_read


def test_a_push_campaign_from_the_store_keeps_its_window_item_and_customer_ids() -> None:
    campaign = PushCampaign.from_store("p-1", "17", datetime(2024, 7, 1, 9, 30),
                                       datetime(2024, 7, 15), ["3", "x", 1])
    assert (campaign.item_id, campaign.starts_at_ms, campaign.ends_at_ms) == (
        17, 1_719_826_200_000, 1_721_001_600_000)
    assert campaign.treatment.tolist() == [-1, 1, 3]
