"""The decline job end to end on a real warehouse: registry, prediction log, stored results, the
published snapshot with its rule fields, the Action board's rules, run records."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics.decline.search import NotEnoughDataError
from tests.support.decline import TEST_CANDIDATES
from warehouse.commands import audit_log, delete_rule, list_rules, store_engine
from warehouse.commands.model_registry import list_versions, load_model, models_dir
from warehouse.commands.runs import list_runs
from warehouse.decline.job import DeclineSettings, run_decline
from warehouse.decline.results import results_dir
from warehouse.decline.rules import DECLINE_RULES, JOB_USER
from warehouse.decline.sources import market_profile
from warehouse.prediction_log import predictions_dir, read_predictions
from warehouse.schema.decline import DECLINE_TABLES, MODEL_NAME
from warehouse.snapshots import open_snapshot


def snapshot_frame(db: Path, sql: str) -> pd.DataFrame:
    with open_snapshot(db) as con:
        return con.execute(sql).df()


@pytest.fixture
def own_copy(decline_db: Path, tmp_path: Path) -> Path:
    """A copy of the scored shop, its stores and results included, to write to."""
    shutil.copytree(decline_db.parent, tmp_path / "copy")
    return tmp_path / "copy" / decline_db.name


def test_the_fitted_pipeline_is_registered_with_its_metrics(decline_db) -> None:
    engine = store_engine(decline_db)
    [version] = list_versions(engine, models_dir(decline_db), MODEL_NAME)
    assert version.version == 1
    assert version.params["source"] == "market"
    assert 0.5 < version.metrics["test_roc_auc"] <= 1
    assert {f["family"] for f in version.metrics["families"]} == {
        "logistic_regression", "knn", "svc", "decision_tree", "gradient_boosting"}
    pipeline, _ = load_model(engine, models_dir(decline_db), MODEL_NAME)
    profile = market_profile(decline_db).profile
    stored = snapshot_frame(decline_db, "SELECT customer_id, decline_risk FROM customer_decline "
                                        "ORDER BY customer_id")
    features = version.params["features"]
    np.testing.assert_allclose(pipeline.predict_proba(profile[features])[:, 1],
                               stored["decline_risk"], rtol=1e-12)


def test_every_scored_customer_is_in_the_prediction_log(decline_db) -> None:
    with duckdb.connect() as con:
        log = read_predictions(con, predictions_dir(decline_db)).df()
    stored = snapshot_frame(decline_db, "SELECT customer_id, decline_risk FROM customer_decline")
    assert set(log["model"]) == {MODEL_NAME} and set(log["version"]) == {1}
    merged = log.merge(stored, on="customer_id", validate="one_to_one")
    assert len(merged) == len(stored)
    np.testing.assert_array_equal(merged["score"], merged["decline_risk"])


def test_the_snapshot_gives_customers_the_decline_rule_fields(decline_db) -> None:
    scored = snapshot_frame(decline_db, "SELECT count(*) AS n FROM customer_decline")["n"][0]
    in_customers = snapshot_frame(
        decline_db, "SELECT count(decline_risk) AS n, count(DISTINCT decline_risk_band) AS bands "
                    "FROM customers")
    assert in_customers["n"][0] == scored > 200  # the shop's buyers are the scored customers
    fields = snapshot_frame(decline_db, "SELECT name, type FROM field_catalogue "
                                        "WHERE step = 'decline' ORDER BY name")
    assert fields.values.tolist() == [
        ["allows_notifications", "text"], ["decline_profit_band", "text"],
        ["decline_risk", "number"], ["decline_risk_band", "text"], ["decline_top_reason", "text"]]


def test_stored_contributions_sum_to_each_customers_model_output(decline_db) -> None:
    check = snapshot_frame(decline_db, """
        SELECT c.customer_id, any_value(c.model_output) AS model_output,
               any_value(r.base_value) + sum(k.contribution) AS summed
        FROM customer_decline c
        JOIN decline_contributions k USING (customer_id)
        CROSS JOIN decline_run r
        GROUP BY ALL""")
    np.testing.assert_allclose(check["summed"], check["model_output"], atol=1e-9)
    reasons = snapshot_frame(decline_db, "SELECT reasons FROM customer_decline")["reasons"]
    assert reasons.str.count("; ").eq(4).all()  # five reasons each
    assert reasons.str.match(r"^[a-z ()0-9-]+ \S.*: [+-]\d+\.\d\d(; |$)").all()


def test_the_risk_bands_and_groups_agree(decline_db) -> None:
    customers = snapshot_frame(decline_db, "SELECT * FROM customer_decline")
    high = customers["decline_risk"] > 0.7
    assert (customers.loc[high, "decline_risk_band"] == "high").all()
    assert (customers.loc[customers["decline_risk"] < 0.4, "decline_risk_band"] == "low").all()
    groups = snapshot_frame(decline_db, "SELECT * FROM decline_groups")
    assert groups["customers"].sum() == len(customers)
    assert groups["revenue_amount"].sum() == pytest.approx(customers["monthly_revenue"].sum())


def test_the_first_model_adds_the_decline_rules_to_the_board(decline_run, decline_db) -> None:
    names = [rule["name"] for rule in DECLINE_RULES]
    assert decline_run.rules_added == names
    rules = list_rules(decline_db)
    assert [rule.name for rule in rules][-len(names):] == names
    logged = audit_log(decline_db)
    added = logged[(logged["event"] == "rule_change") & (logged["user_name"] == JOB_USER)]
    assert sorted(added["rule_id"]) == [rule.rule_id for rule in rules[-len(names):]]


def test_the_run_is_recorded_with_its_counts(decline_db) -> None:
    runs = list_runs(store_engine(decline_db))
    run = runs[runs["kind"] == "decline"].iloc[0]
    assert run["status"] == "succeeded"
    assert run["counts"]["version"] == 1 and run["counts"]["scored"] > 200


def test_a_second_run_is_the_next_version_and_leaves_the_rules_as_the_user_left_them(
    own_copy
) -> None:
    deleted = next(r for r in list_rules(own_copy) if r.name == DECLINE_RULES[0]["name"])
    delete_rule(own_copy, deleted.rule_id, user="ana")
    second = run_decline(own_copy, DeclineSettings(candidates=TEST_CANDIDATES, seed=8))
    assert second.version == 2 and second.rules_added == []
    assert deleted.name not in [rule.name for rule in list_rules(own_copy)]
    assert snapshot_frame(own_copy, "SELECT version FROM decline_run")["version"][0] == 2
    assert sorted(p.name for p in results_dir(own_copy).iterdir()) == ["v1", "v2"]
    stored = pd.read_parquet(results_dir(own_copy) / "v2" / "decline_run.parquet")
    assert set(stored.columns) >= {"version", "source", "as_of", "unit"}
    assert {p.stem for p in (results_dir(own_copy) / "v2").iterdir()} == set(DECLINE_TABLES)


def test_too_few_qualifying_buyers_is_a_clear_error_and_registers_nothing(own_copy) -> None:
    with pytest.raises(NotEnoughDataError, match="labelled customers"):
        run_decline(own_copy, DeclineSettings(source="events", candidates=TEST_CANDIDATES))
    engine = store_engine(own_copy)
    assert [v.version for v in list_versions(engine, models_dir(own_copy), MODEL_NAME)] == [1]
    runs = list_runs(engine)
    failed = runs[runs["kind"] == "decline"].iloc[0]
    assert failed["status"] == "failed" and "NotEnoughDataError" in failed["error"]
