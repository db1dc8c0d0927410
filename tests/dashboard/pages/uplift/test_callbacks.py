"""The Uplift page's callbacks without a browser: what users type is checked and said back, an
uploaded results file is loaded through the command side, and nothing raises."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from dashboard.app import create_app
from dashboard.pages.uplift import callbacks, ids
from tests.support.uplift import DEMO_CAMPAIGN_ID, copy_demo_warehouse
from warehouse.commands import list_campaigns, list_rules


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
    assert "percentage above 0" in _text(callbacks.launch(ids.UPLIFT_LAUNCH, 1, None, top,
                                                          "buyers", None))
    assert "percentage above 0" in _text(callbacks.update_economics(DEMO_CAMPAIGN_ID, top, 1,
                                                                    None))
    assert not (list_campaigns(app_db)["source"] == "uplift").any()


def test_a_negative_cost_and_an_unknown_campaign_are_said(app_db: Path):
    assert "at least 0" in _text(callbacks.update_economics(DEMO_CAMPAIGN_ID, 30, -1, None))
    summary, *_ = callbacks.update_campaign("no-such-campaign")
    assert "Choose a campaign with an uplift model" in _text(summary)


def test_the_rule_button_creates_the_persuadables_rule(app_db: Path):
    answer = callbacks.launch(ids.UPLIFT_RULE, None, 1, 25, "buyers", "")
    assert "Created rule" in _text(answer) and "color='success'" in _text(answer)
    [rule] = [r for r in list_rules(app_db) if r.name.startswith("Persuadables")]
    assert rule.name == "Persuadables: top 25% by predicted uplift"
    assert rule.conditions == [{"field": "response_type", "op": "=", "value": "persuadable"},
                               {"field": "uplift_score", "op": "top_pct", "value": 25}]
    assert (rule.action, rule.channel) == ("Win-back voucher", "email")
