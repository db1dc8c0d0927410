"""On the demo that `python app.py` builds (scale 0.1), the board opens on a rule an experiment
can test: the first default rule with the design panel's default plan is feasible and
well-powered."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from actionboard_cli import DEMO_SCALE, DEMO_SEED
from dashboard.pages.board import design, design_inputs
from demo.generator import generate
from warehouse.commands import list_rules
from warehouse.ingest.retailrocket import ingest_retailrocket
from warehouse.pipeline.refresh import refresh
from warehouse.queries.board import audience_baseline
from warehouse.snapshots import current_snapshot


@pytest.fixture(scope="module")
def app_demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shop of the first start's demo (its scale and seed), loaded and refreshed."""
    folder = tmp_path_factory.mktemp("app-demo")
    generate(folder / "shop", scale=DEMO_SCALE, seed=DEMO_SEED, progress=False)
    db = folder / "actionboard.duckdb"
    ingest_retailrocket(db, folder / "shop", progress=False)
    refresh(db, progress=False)
    return db


@pytest.mark.slow
def test_the_first_default_rule_opens_a_well_powered_plan_on_the_app_demo(
    app_demo_db: Path,
) -> None:
    inputs = design_inputs.read_design_inputs(
        design.DEFAULT_CONTROL_PCT, design.DEFAULT_ALPHA_PCT, design.DEFAULT_POWER_PCT,
        design.DEFAULT_EFFECT_PP, design_inputs.PP, design.DEFAULT_REVENUE_EFFECT_PCT)
    rules = list_rules(app_demo_db)
    with duckdb.connect(str(current_snapshot(app_demo_db)), read_only=True) as con:
        baseline = audience_baseline(con, rules, rules[0].rule_id)
        [(abandoners,)] = con.execute(
            "SELECT count(*) FROM customers WHERE segment = 'Cart Abandoners'").fetchall()
    assert rules[0].name == "Cart abandoners"
    assert baseline["audience_size"] == abandoners > 0  # priority 1 wins all of them
    conversion = design_inputs.design_frame(baseline, inputs).set_index("metric").loc[
        "conversion"]
    assert conversion.is_feasible
    assert conversion.power_at_audience >= inputs.power
