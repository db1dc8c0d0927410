"""Training the item propensity model on a small grocery shop, then sizing, guarding and
launching an item's push audience: registry, prediction log, results file, report, campaign."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from analytics.propensity.audience import capture_sizes
from tests.support.grocery import build_grocery_warehouse
from warehouse.clock import utc_now
from warehouse.commands import audit_log, fetch_campaign
from warehouse.commands.model_registry import list_versions, load_model, models_dir
from warehouse.delivery.quiet_hours import QuietHours
from warehouse.ops import ops_store, ops_transaction
from warehouse.ops.schema import campaign_assignments, outbox
from warehouse.prediction_log import predictions_dir, read_predictions
from warehouse.promote.audience import launch_promotion, log_launch_scores, plan_audience
from warehouse.promote.data import PromoteSettings
from warehouse.promote.job import PromoteTraining, train_propensity
from warehouse.promote.report import read_report
from warehouse.promote.scoring import NoPropensityModelError, latest_results, score_item
from warehouse.schema.promote import MODEL_NAME, RESULT_TABLES
from warehouse.snapshots import open_snapshot

SETTINGS = PromoteSettings(train_items=60, eval_items=30)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, PromoteTraining]:
    db = build_grocery_warehouse(tmp_path_factory.mktemp("grocery"))
    with pytest.raises(NoPropensityModelError, match="promote-train"):
        latest_results(db)
    return db, train_propensity(db, SETTINGS)


@pytest.fixture(scope="module")
def popular_item(trained) -> str:
    db, _ = trained
    with open_snapshot(db) as con:
        return con.execute("SELECT item_id FROM item_catalogue "
                           "ORDER BY count_buyers_28d DESC, item_id LIMIT 1").fetchone()[0]


def pushable(db: Path) -> set[str]:
    with open_snapshot(db) as con:
        return {r[0] for r in con.execute(
            "SELECT customer_id FROM customer_push_consent "
            "WHERE has_consent AND opted_out_at IS NULL").fetchall()}


def test_the_chosen_model_is_registered_with_its_test_figures(trained):
    db, result = trained
    [version] = list_versions(ops_store(db), models_dir(db), MODEL_NAME)
    assert version.version == result.version == 1
    assert version.params["family"] == result.chosen
    assert version.metrics["test_top_decile_lift"] == result.test[result.chosen][
        "top_decile_lift"]
    model, _ = load_model(ops_store(db), models_dir(db), MODEL_NAME)
    assert hasattr(model, "predict_proba")


def test_out_of_time_the_model_beats_both_baselines_and_the_lift_target(trained):
    _, result = trained
    model = result.test[result.chosen]
    assert model["top_decile_lift"] >= 3.0
    assert model["top_decile_lift"] > result.test["personal_frequency"]["top_decile_lift"]
    assert model["average_lift"] > result.test["personal_frequency"]["average_lift"]
    assert result.test["popularity"]["roc_auc"] == pytest.approx(0.5)


def test_the_test_windows_scores_are_in_the_prediction_log(trained):
    db, result = trained
    with duckdb.connect() as con:
        logged = read_predictions(con, predictions_dir(db)).df()
    assert set(logged["model"]) == {MODEL_NAME}
    assert set(logged["version"]) == {result.version}
    assert logged["item_id"].nunique() == SETTINGS.eval_items
    assert logged["score"].between(0, 1).all()


def test_results_file_and_report_hold_every_scorer(trained):
    _, result = trained
    with duckdb.connect(str(result.results), read_only=True) as con:
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        scorers = {r[0] for r in con.execute("SELECT DISTINCT scorer FROM promote_metrics")
                   .fetchall()}
    assert set(RESULT_TABLES) <= tables
    assert scorers == {"logistic_l2", "logistic_l1", "sgd", "popularity", "personal_frequency"}
    report = result.report.read_text(encoding="utf-8")
    for heading in ("Test window", "Lift by decile", "Calibration", "What the coefficients say",
                    "Findings"):
        assert heading in report


def test_the_stored_report_reads_back_the_registered_figures(trained):
    db, result = trained
    stored = read_report(db)
    [version] = list_versions(ops_store(db), models_dir(db), MODEL_NAME)
    assert stored.report_file == result.report and stored.run["model"] == result.chosen
    metrics = stored.metrics.set_index("scorer")
    assert list(metrics.index) == list(result.test)  # models, then the baselines
    for name in ("roc_auc", "pr_auc", "top_decile_lift", "average_lift", "precision_at_100"):
        assert metrics.loc[result.chosen, name] == version.metrics[f"test_{name}"]
    assert metrics.loc["popularity", "kind"] == "baseline"
    assert metrics.loc["popularity", "top_decile_lift"] == pytest.approx(1.0)  # ties within
    assert stored.deciles.groupby("scorer")["decile"].apply(list).map(len).eq(10).all()
    assert len(stored.calibration) == 10 and stored.calibration["customers"].sum() == (
        result.test[result.chosen]["rows"])
    assert stored.coefficients["sentence"].iloc[0].endswith("per standard deviation")


def test_scoring_an_item_ranks_every_customer_by_probability(trained, popular_item):
    db, result = trained
    scores = score_item(db, popular_item)
    with open_snapshot(db) as con:
        customers = con.execute("SELECT count(DISTINCT customer_id) FROM order_lines")\
            .fetchone()[0]
    assert len(scores.scores) == customers
    assert scores.scores["probability"].is_monotonic_decreasing
    assert scores.version == result.version
    with pytest.raises(ValueError, match="neither in the catalogue"):
        score_item(db, "no-such-item")


def test_the_audience_keeps_only_consenting_customers_and_says_how_many_left(trained,
                                                                            popular_item):
    db, _ = trained
    plan = plan_audience(db, popular_item, size=200)
    ranked = score_item(db, popular_item).scores
    top = ranked.head(200)
    allowed = top["customer_id"].isin(pushable(db))
    assert plan.removed_no_consent == int((~allowed).sum()) > 0
    assert plan.audience["customer_id"].tolist() == top.loc[allowed, "customer_id"].tolist()
    # the suggested sizes capture 50/70/90 % of everyone's expected qualifying purchases
    assert plan.sizes == capture_sizes(ranked["probability"].to_numpy())
    assert plan.sizes[0.5] < plan.sizes[0.7] < plan.sizes[0.9] < plan.scored
    assert plan_audience(db, popular_item).size == plan.sizes[0.7]
    with open_snapshot(db) as con:
        segments = dict(con.execute("SELECT customer_id, segment FROM customers").fetchall())
    assert plan.audience["segment"].tolist() == [segments.get(c) for c in
                                                 plan.audience["customer_id"]]
    assert f"Segments: {plan.audience['segment'].value_counts().index[0]}" in plan.describe()


def test_launch_holds_out_a_random_tenth_audited_and_the_cap_counts_it(trained, popular_item):
    db, _ = trained
    plan = plan_audience(db, popular_item, size=300)
    now = utc_now()
    quiet = QuietHours((now - timedelta(hours=1)).time(), (now + timedelta(hours=1)).time())
    launched = launch_promotion(db, plan, user="ana", name="promote test", quiet_hours=quiet,
                                title="{item_name} for {segment|you}", body="Only {price}",
                                deep_link="myapp://item/{item_id}")
    campaign = fetch_campaign(db, launched.campaign_id)
    assert (campaign["source"], campaign["channel"]) == ("push", "push")
    with ops_transaction(ops_store(db), readonly=True) as connection:
        groups = pd.DataFrame(connection.execute(
            select(campaign_assignments.c.customer_id, campaign_assignments.c.group_name)
            .where(campaign_assignments.c.campaign_id == launched.campaign_id)).all(),
            columns=["customer_id", "group_name"])
    assert set(groups["customer_id"]) == set(plan.audience["customer_id"])
    assert launched.count_control == int((groups["group_name"] == "control").sum())
    assert launched.count_control / len(groups) == pytest.approx(0.1, abs=0.03)
    log = audit_log(db)
    assert ((log["campaign_id"] == launched.campaign_id) & (log["user_name"] == "ana")).any()
    # one push in the last 7 days: a cap of 1 removes exactly the treated consenting customers
    capped = plan_audience(db, popular_item, size=300, frequency_cap=1)
    treated = set(groups.loc[groups["group_name"] == "treatment", "customer_id"])
    assert capped.removed_frequency_cap == len(treated)
    assert not treated & set(capped.audience["customer_id"])
    assert np.isclose(capped.removed_no_consent, plan.removed_no_consent)
    # the treatment group's messages are queued, rendered per customer, held by quiet hours
    with ops_transaction(ops_store(db), readonly=True) as connection:
        queued = pd.DataFrame(connection.execute(
            select(outbox.c.customer_id, outbox.c.title, outbox.c.body, outbox.c.deep_link,
                   outbox.c.not_before, outbox.c.status)
            .where(outbox.c.campaign_id == launched.campaign_id)).all(),
            columns=["customer_id", "title", "body", "deep_link", "not_before", "status"])
    assert set(queued["customer_id"]) == treated and launched.count_queued == len(treated)
    segments = plan.audience.set_index("customer_id")["segment"]
    expected = plan.item_name + " for " + queued["customer_id"].map(segments).fillna("you")
    assert (queued["title"] == expected).all()
    assert (queued["body"] == f"Only {plan.price_amount:.2f}").all()
    assert (queued["deep_link"] == f"myapp://item/{popular_item}").all()
    assert (queued["status"] == "queued").all()
    assert (queued["not_before"] == launched.not_before).all()
    assert now < launched.not_before <= now + timedelta(hours=1)

    # the scores the launch used are in the prediction log, as of the model's cut-off
    assert logged_scores(db, plan.model_version, plan.cutoff_at.date())[popular_item] == (
        plan.audience.set_index("customer_id")["probability"].to_dict())


def test_the_plan_says_how_many_quiet_hours_would_hold_back(trained, popular_item):
    db, _ = trained
    night = QuietHours(time(21, 0), time(8, 0))
    held = plan_audience(db, popular_item, size=100, quiet_hours=night,
                         now=datetime(2026, 12, 3, 22, 0))
    assert held.held_quiet_hours == len(held.audience) > 0
    assert held.quiet_until == datetime(2026, 12, 4, 8, 0)
    assert (f"{len(held.audience):,} held by quiet hours until 2026-12-04 08:00 UTC"
            in held.describe())
    day = plan_audience(db, popular_item, size=100, quiet_hours=night,
                        now=datetime(2026, 12, 3, 12, 0))
    assert day.held_quiet_hours == 0 and "0 held by quiet hours" in day.describe()


def logged_scores(db: Path, version: int, as_of: object) -> dict[str, dict[str, float]]:
    with duckdb.connect() as con:
        logged = read_predictions(con, predictions_dir(db)).filter(
            f"version = {version} AND as_of = DATE '{as_of}'").df()
    assert not logged.duplicated(["customer_id", "item_id"]).any()
    return {item: rows.set_index("customer_id")["score"].to_dict()
            for item, rows in logged.groupby("item_id")}


def test_logging_another_items_launch_keeps_the_first_items_scores(trained, popular_item):
    db, result = trained
    first = plan_audience(db, popular_item, size=300)
    with open_snapshot(db) as con:
        second = con.execute("SELECT item_id FROM item_catalogue WHERE item_id <> ? "
                             "ORDER BY count_buyers_28d DESC, item_id LIMIT 1",
                             [popular_item]).fetchone()[0]
    second_plan = plan_audience(db, second, size=80)
    log_launch_scores(db, second_plan)
    log_launch_scores(db, first)  # again: replaces its rows, no duplicates
    logged = logged_scores(db, result.version, first.cutoff_at.date())
    assert set(logged) == {popular_item, second}
    assert logged[second] == second_plan.audience.set_index("customer_id")[
        "probability"].to_dict()
    assert logged[popular_item] == first.audience.set_index("customer_id")[
        "probability"].to_dict()
