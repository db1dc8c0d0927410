"""The uplift refresh step on the demo: the planted campaign is learnt once, registered, every
customer scored into the prediction log and published as the rule fields of ``customers``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from tests.support.raw_warehouse import add_raw_rows, ms
from tests.support.uplift import DEMO_CAMPAIGN_ID, copy_demo_warehouse
from warehouse.clock import cutoff_after
from warehouse.commands.uplift_models import uplift_versions
from warehouse.features import open_raw, set_cutoff
from warehouse.pipeline.refresh import refresh
from warehouse.pipeline.steps.uplift_data import scoring_data, training_data
from warehouse.prediction_log import predictions_dir, read_predictions
from warehouse.schema.fields import read_field_catalogue
from warehouse.snapshots import open_snapshot

LAUNCH = datetime(2015, 8, 1)


def _model_row(db: Path) -> dict:
    with open_snapshot(db) as con:
        cursor = con.execute("SELECT * FROM uplift_models WHERE campaign_id = ?",
                             [DEMO_CAMPAIGN_ID])
        names = [c[0] for c in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def test_the_planted_campaign_is_learnt_and_registered(uplift_demo_db: Path):
    row = _model_row(uplift_demo_db)
    [version] = uplift_versions(uplift_demo_db)
    assert row["is_trained"] and row["is_published"] and row["reason"] is None
    assert row["model_version"] == version.version
    assert version.params["campaign_id"] == DEMO_CAMPAIGN_ID
    assert version.params["learner"] == row["learner"]
    assert version.train_start == LAUNCH
    assert row["count_train"] + row["count_holdout"] == (
        row["count_treatment"] + row["count_control"])
    with open_snapshot(uplift_demo_db) as con:
        learners = con.execute("SELECT learner, is_chosen, qini_coefficient FROM uplift_learners "
                               "WHERE campaign_id = ? ORDER BY learner", [DEMO_CAMPAIGN_ID]
                               ).fetchall()
        deciles = con.execute("SELECT sum(n_treatment + n_control) FROM uplift_deciles "
                              "WHERE campaign_id = ?", [DEMO_CAMPAIGN_ID]).fetchone()[0]
    assert [name for name, *_ in learners] == ["class_transformation", "interaction",
                                               "two_model"]
    assert [name for name, chosen, _ in learners if chosen] == [row["learner"]]
    assert max(learners, key=lambda r: r[2])[0] == row["learner"]
    assert deciles == row["count_holdout"]


def test_every_buyer_gets_the_published_score_as_rule_fields_and_no_visitor(
    uplift_demo_db: Path
):
    with open_snapshot(uplift_demo_db) as con:
        catalogue = read_field_catalogue(con)
        steps = dict(con.execute("SELECT name, step FROM field_catalogue WHERE name IN "
                                 "('uplift_score', 'response_type')").fetchall())
        counts = con.execute(
            "SELECT c.segment_kind, count(*), count(c.uplift_score), "
            "count(*) FILTER (WHERE c.uplift_score = u.uplift_score "
            "AND c.response_type = u.response_type) "
            "FROM customers AS c LEFT JOIN customer_uplift AS u USING (customer_id) "
            "GROUP BY ALL ORDER BY 1").fetchall()
        types = {t for (t,) in con.execute(
            "SELECT DISTINCT response_type FROM customers").fetchall()}
    assert steps == {"uplift_score": "uplift", "response_type": "uplift"}
    assert catalogue["uplift_score"].type == "number"
    assert [kind for kind, *_ in counts] == ["behavioural", "rfm"]
    (_, visitors, visitors_scored, _), (_, buyers, buyers_scored, same) = counts
    assert visitors > 0 and visitors_scored == 0
    assert buyers == buyers_scored == same > 0
    assert types <= {"persuadable", "sure_thing", "lost_cause", "do_not_disturb", None}


def test_the_scores_go_to_the_prediction_log(uplift_demo_db: Path):
    version = _model_row(uplift_demo_db)["model_version"]
    with open_snapshot(uplift_demo_db) as con:
        logged = read_predictions(con, predictions_dir(uplift_demo_db)).filter(
            "model = 'uplift'").to_arrow_table()
        published = con.sql("SELECT customer_id, uplift_score FROM customer_uplift"
                            ).to_arrow_table()
    assert set(logged["version"].to_pylist()) == {version}
    by_customer = dict(zip(logged["customer_id"].to_pylist(), logged["score"].to_pylist(),
                           strict=True))
    assert len(by_customer) == published.num_rows == logged.num_rows
    assert all(by_customer[c] == s for c, s in zip(published["customer_id"].to_pylist(),
                                                   published["uplift_score"].to_pylist(),
                                                   strict=True))


def test_type_counts_cover_the_audience_and_everyone(uplift_demo_db: Path):
    row = _model_row(uplift_demo_db)
    with open_snapshot(uplift_demo_db) as con:
        sums = dict(con.execute("SELECT scope, sum(customers) FROM uplift_types GROUP BY 1"
                                ).fetchall())
        shares = con.execute("SELECT scope, sum(share) FROM uplift_types GROUP BY 1").fetchall()
    assert sums == {"audience": row["count_treatment"] + row["count_control"],
                    "all": row["count_scored"]}
    assert all(share == pytest.approx(1.0) for _, share in shares)


def test_training_features_read_only_what_happened_before_the_launch(uplift_demo_db: Path):
    with open_raw(uplift_demo_db) as con:
        expected = dict(con.execute(
            "SELECT CAST(visitorid AS VARCHAR), count(*) FROM raw.events "
            "WHERE to_timestamp(timestamp / 1000)::TIMESTAMP < ? GROUP BY 1", [LAUNCH]
        ).fetchall())
        audience = pa.table({"customer_id": list(expected)[:300],
                             "is_treated": [True] * 300, "is_converted": [False] * 300})
        data = training_data(con, audience, LAUNCH)
    counts = dict(zip(data.customer_ids.to_pylist(), data.features["count_events"], strict=True))
    assert counts == {c: expected[c] for c in audience["customer_id"].to_pylist()}
    assert (data.features["days_since_last_event"] >= 0).all()


def test_scoring_features_describe_exactly_the_buyers_as_the_customers_mart_does(
    uplift_demo_db: Path
):
    # features are computed for the buyers only; their activity must still be all of it
    with open_snapshot(uplift_demo_db) as con:
        [(as_of,)] = con.execute("SELECT as_of_date FROM refresh_info").fetchall()
        published = con.sql(
            "SELECT customer_id, count_events, count_views, count_cart_adds, count_orders, "
            "gmv_amount FROM customers WHERE count_orders > 0 ORDER BY customer_id").df()
    with open_raw(uplift_demo_db) as con:
        set_cutoff(con, cutoff_after(as_of))
        data = scoring_data(con)
    assert data.customer_ids.to_pylist() == published["customer_id"].tolist()
    for column in ("count_events", "count_views", "count_cart_adds", "count_orders"):
        assert data.features[column].tolist() == published[column].tolist(), column
    np.testing.assert_allclose(data.features["gmv_amount"], published["gmv_amount"], rtol=1e-12)


def test_a_second_refresh_reuses_the_registered_model(uplift_demo_db: Path, tmp_path: Path):
    db = copy_demo_warehouse(uplift_demo_db, tmp_path)
    with open_snapshot(db) as con:
        before = con.sql("SELECT * FROM customer_uplift ORDER BY customer_id").df()
    refresh(db, progress=False)
    assert len(uplift_versions(db)) == 1
    with open_snapshot(db) as con:
        after = con.sql("SELECT * FROM customer_uplift ORDER BY customer_id").df()
    np.testing.assert_allclose(after["uplift_score"], before["uplift_score"])
    assert _model_row(db)["model_version"] == 1


def test_a_warehouse_without_completed_campaigns_has_empty_uplift_tables(demo_db: Path):
    # the small demo's campaign is too small to learn from: it says so and publishes nothing
    with open_snapshot(demo_db) as con:
        reasons = con.execute("SELECT is_trained, reason FROM uplift_models").fetchall()
        scored = con.execute("SELECT count(uplift_score) FROM customers").fetchone()[0]
    assert reasons and all(not trained and "at least 100 in each group" in reason
               for trained, reason in reasons)
    assert scored == 0


def test_training_features_of_visitors_and_orders_file_customers_by_hand(tmp_path: Path):
    # visitor 1: a visit ending in a purchase (one cart add), a browsing visit with a cart add,
    # a browsing visit; visitor 2 is outside the campaign; c9 (orders file) one order of two
    # lines; 77 never seen.
    db = add_raw_rows(
        tmp_path / "w.duckdb",
        events=[(ms("2015-06-01 10:00:00"), 1, "view", 10, None),
                (ms("2015-06-01 10:10:00"), 1, "addtocart", 10, None),
                (ms("2015-06-01 10:20:00"), 1, "transaction", 10, 100),
                (ms("2015-06-03 09:00:00"), 1, "view", 10, None),
                (ms("2015-06-03 09:29:00"), 1, "addtocart", 10, None),
                (ms("2015-06-05 12:00:00"), 1, "view", 10, None),
                (ms("2015-06-04 08:00:00"), 2, "view", 10, None),
                (ms("2015-06-12 08:00:00"), 1, "view", 10, None)],  # after the cut-off
        orders=[("c9", "o1", datetime(2015, 6, 8, 14), 30.0, "x", 2),
                ("c9", "o1", datetime(2015, 6, 8, 14), 10.0, "y", 1)],
        item_properties=[(ms("2015-05-01 00:00:00"), 10, "790", "n100.000")],
        category_tree=[(1, None)], settings=[("price_property", "790")])
    audience = pa.table({"customer_id": ["1", "77", "c9"], "is_treated": [True, False, True],
                         "is_converted": [False, False, True]})
    with open_raw(db) as con:
        data = training_data(con, audience, datetime(2015, 6, 10))
    columns = ["count_events", "count_views", "count_cart_adds", "count_sessions",
               "count_browsing_sessions", "count_browsing_cart_adds", "count_orders",
               "count_items", "gmv_amount"]
    got = data.features[columns].to_dict("records")
    assert data.customer_ids.to_pylist() == ["1", "77", "c9"]
    assert got == [
        {"count_events": 6, "count_views": 3, "count_cart_adds": 2, "count_sessions": 3,
         "count_browsing_sessions": 2, "count_browsing_cart_adds": 1, "count_orders": 1,
         "count_items": 1, "gmv_amount": 100.0},
        dict.fromkeys(columns, 0.0),
        {"count_events": 2, "count_views": 0, "count_cart_adds": 0, "count_sessions": 1,
         "count_browsing_sessions": 0, "count_browsing_cart_adds": 0, "count_orders": 1,
         "count_items": 3, "gmv_amount": 40.0},
    ]
    assert data.features["days_since_last_event"].tolist()[0] == 4  # 06-05 12:00, whole days


def _rows(db: Path, sql: str, *params: object) -> list[dict]:
    with open_snapshot(db) as con:
        cursor = con.execute(sql, list(params))
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_a_refresh_publishes_a_pooled_model_from_its_registration(uplift_pool):
    db, pool = uplift_pool.db, uplift_pool.pool_id
    versions = uplift_versions(db)
    assert len(versions) == uplift_pool.versions_before_refresh  # nothing learnt again
    [registered] = [v for v in versions if v.version == uplift_pool.version]
    [row] = _rows(db, "SELECT * FROM uplift_models WHERE campaign_id = ?", pool)
    assert pool == "pool:" + "+".join(uplift_pool.campaign_ids)
    assert row["name"] == ("Pool: September win-back, Win back lapsed buyers - August 2015 "
                           "(Win-back voucher)")
    assert (row["source"], row["action"], row["is_trained"], row["is_published"]) == (
        "pool", "Win-back voucher", True, False)
    assert (row["model_version"], row["learner"]) == (registered.version,
                                                      registered.params["learner"])
    [audience] = _rows(db, "SELECT count(*) FILTER (WHERE group_name = 'treatment') AS t, "
                       "count(*) FILTER (WHERE group_name = 'control') AS c, "
                       "min(launched_at) AS launched_at, max(ends_at) AS ends_at "
                       "FROM campaign_outcomes JOIN campaigns USING (campaign_id) "
                       "WHERE campaign_id IN (?, ?)", *uplift_pool.campaign_ids)
    assert (row["count_treatment"], row["count_control"]) == (audience["t"], audience["c"])
    assert (row["launched_at"], row["ends_at"]) == (audience["launched_at"], audience["ends_at"])
    assert row["count_train"] + row["count_holdout"] == audience["t"] + audience["c"]
    [published] = _rows(db, "SELECT campaign_id FROM uplift_models WHERE is_published")
    assert published["campaign_id"] != pool

    m = registered.metrics
    learners = _rows(db, "SELECT learner, qini_coefficient, is_chosen FROM uplift_learners "
                     "WHERE campaign_id = ? ORDER BY learner", pool)
    assert learners == sorted(({k: r[k] for k in ("learner", "qini_coefficient", "is_chosen")}
                               for r in m["comparison"]), key=lambda r: r["learner"])
    for table, stored in (("uplift_curves", m["curves"]), ("uplift_deciles", m["deciles"]),
                          ("uplift_targeting", m["targeting"])):
        [counted] = _rows(db, f"SELECT count(*) AS n FROM {table} WHERE campaign_id = ?", pool)
        assert counted["n"] == len(stored) > 0, table
    [held_out] = _rows(db, "SELECT sum(n_treatment + n_control) AS n FROM uplift_deciles "
                       "WHERE campaign_id = ?", pool)
    assert held_out["n"] == row["count_holdout"]
    assert _rows(db, "SELECT * FROM uplift_types WHERE campaign_id = ?", pool) == []
