"""The Uplift page's callbacks without a browser: what users type is checked and said back, an
uploaded results file is loaded through the command side, a pooled model is drawn but not
targeted, and nothing raises."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from dashboard.app import create_app
from dashboard.pages.uplift import callbacks, ids, layout
from tests.support.uplift import DEMO_CAMPAIGN_ID, copy_demo_warehouse
from warehouse.commands import list_campaigns, list_rules
from warehouse.queries import uplift as queries
from warehouse.snapshots import open_snapshot


def _upload(text: str) -> str:
    return "data:text/csv;base64," + base64.b64encode(text.encode()).decode()


@pytest.fixture
def app_db(uplift_demo_db: Path, tmp_path: Path) -> Path:
    db = copy_demo_warehouse(uplift_demo_db, tmp_path)
    create_app(db)
    return db


def _text(component) -> str:
    return str(component)


def test_an_uploaded_file_becomes_a_campaign(app_db: Path):
    rows = "\n".join(f"{i},{'control' if i % 5 == 0 else 'treatment'},{i % 2}"
                     for i in range(40))
    answer = callbacks.import_results(_upload("customer_id,group,converted\n" + rows),
                                      "partner.csv", "Partner mailing", "2015-09-01", "")
    assert "color='success'" in _text(answer) and "from partner.csv: 40 customers" in _text(answer)
    campaigns = list_campaigns(app_db)
    [row] = campaigns[campaigns["source"] == "import"].to_dict("records")
    assert row["name"] == "Partner mailing" and row["audience_size"] == 40


@pytest.mark.parametrize(("contents", "name", "start", "message"), [
    (_upload("customer_id,group,converted\n1,control,0\n"), "", "", "Give the campaign a name"),
    (_upload("customer_id,group,converted\n1,control,0\n"), "X", "1st May", "YYYY-MM-DD"),
    ("data:text/csv;base64,@@@", "X", "", "could not be read"),
    (_upload("customer_id,converted\n1,0\n"), "X", "", "missing column 'group'"),
])
def test_a_bad_upload_says_what_is_wrong_and_stores_nothing(app_db: Path, contents, name, start,
                                                            message):
    answer = callbacks.import_results(contents, "f.csv", name, start, None)
    assert message in _text(answer) and "color='warning'" in _text(answer)
    assert not (list_campaigns(app_db)["source"] == "import").any()


@pytest.mark.parametrize("top", [None, "", "abc", 0, 101])
def test_a_bad_share_is_refused_before_anything_is_launched(app_db: Path, top):
    assert "percentage above 0" in _text(callbacks.launch(ids.UPLIFT_LAUNCH, 1, None, top, None))
    assert "percentage above 0" in _text(callbacks.update_economics(DEMO_CAMPAIGN_ID, top, 1,
                                                                    None))
    assert not (list_campaigns(app_db)["source"] == "uplift").any()


def test_a_negative_cost_and_an_unknown_campaign_are_said(app_db: Path):
    assert "at least 0" in _text(callbacks.update_economics(DEMO_CAMPAIGN_ID, 30, -1, None))
    summary, *_ = callbacks.update_campaign("no-such-campaign")
    assert "Choose a campaign with an uplift model" in _text(summary)


def test_the_rule_button_creates_the_persuadables_rule(app_db: Path):
    answer = callbacks.launch(ids.UPLIFT_RULE, None, 1, 25, "")
    assert "Created rule" in _text(answer) and "color='success'" in _text(answer)
    [rule] = [r for r in list_rules(app_db) if r.name.startswith("Persuadables")]
    assert rule.name == "Persuadables: top 25% by predicted uplift"
    assert rule.conditions == [{"field": "response_type", "op": "=", "value": "persuadable"},
                               {"field": "uplift_score", "op": "top_pct", "value": 25}]
    assert (rule.action, rule.channel) == ("Win-back voucher", "email")


@pytest.fixture(scope="module")
def pool_app(uplift_pool, tmp_path_factory: pytest.TempPathFactory):
    """A private copy of the published pool's warehouse, served."""
    db = copy_demo_warehouse(uplift_pool.db, tmp_path_factory.mktemp("uplift-pool-page"))
    create_app(db)
    return db, uplift_pool.pool_id, uplift_pool.campaign_ids


def _pooled_audience(db: Path, campaign_ids: list[str]) -> int:
    with open_snapshot(db) as con:
        [(count,)] = con.execute("SELECT count(*) FROM campaign_outcomes WHERE campaign_id IN "
                                 "(SELECT UNNEST($ids))", {"ids": campaign_ids}).fetchall()
    return int(count)


def test_the_picker_lists_the_pool_after_the_campaigns_and_says_how_to_learn_one(pool_app):
    db, pool, campaign_ids = pool_app
    with open_snapshot(db) as con:
        options = layout.campaign_options(queries.uplift_models(con))
    values = [o["value"] for o in options]
    assert sorted(values[:-1]) == campaign_ids and values[-1] == pool
    assert options[-1]["label"].startswith("Pool: September win-back, Win back lapsed buyers")
    assert "python app.py uplift --campaigns A,B" in _text(layout.layout())


def test_the_page_draws_a_pool_and_its_money_for_the_pooled_audiences(pool_app):
    db, pool, campaign_ids = pool_app
    summary, learners, qini, deciles, types = callbacks.update_campaign(pool)
    assert "Pool: September win-back" in _text(summary)
    assert "scores no customers" in _text(summary)
    assert "(chosen)" in _text(learners)
    assert len(qini.data) == 4  # three learners and the random line
    assert list(deciles.data[0].x) == list(range(1, 11))
    assert "a pool scores no customers" in _text(types)
    money = _text(callbacks.update_economics(pool, 30, 1, None))
    assert "Contact everyone" in money
    assert f"{_pooled_audience(db, campaign_ids):,}" in money


def test_targeting_is_disabled_and_refused_for_a_pool(pool_app):
    db, pool, _ = pool_app
    assert callbacks.targeting(pool) == (True, True, callbacks.POOL_TARGETING)
    assert callbacks.targeting(DEMO_CAMPAIGN_ID) == (False, False, "")
    rules = len(list_rules(db))
    for trigger, clicks in ((ids.UPLIFT_LAUNCH, (1, None)), (ids.UPLIFT_RULE, (None, 1))):
        answer = _text(callbacks.launch(trigger, *clicks, 30, None, pool))
        assert "A pool scores no customers" in answer and "color='warning'" in answer
    assert not (list_campaigns(db)["source"] == "uplift").any()
    assert len(list_rules(db)) == rules
