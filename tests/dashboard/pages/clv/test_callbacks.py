"""The CLV page on a snapshot with a real CLV fit and on copies of the demo snapshot where a
model was rejected: layout and callback called directly."""

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dashboard.app import create_app
from dashboard.pages.clv import callbacks, ids
from dashboard.pages.clv.layout import TOP_COLUMNS, layout
from tests.support.btyd_orders import make_order_lines
from tests.support.shops import step_context
from warehouse.pipeline.steps.clv import build_clv
from warehouse.snapshots import current_snapshot, new_snapshot_path, publish_snapshot

AS_OF = date(2024, 4, 29)
REJECTED = "Gamma-Gamma fit rejected: q = 0.9 <= 1 (test)"
CORRELATED = "frequency and monetary value are correlated among repeat buyers (r = 0.55)"


def _publish(db: Path, build, source: Path | None = None) -> Path:
    """Publish a snapshot for ``db``: a copy of ``source`` (or a new file) changed by
    ``build(con)``."""
    building = new_snapshot_path(db)
    if source is not None:
        shutil.copy2(source, building)
    con = duckdb.connect(str(building))
    try:
        build(con)
    finally:
        con.close()
    return publish_snapshot(db, building)


@pytest.fixture(scope="module")
def fitted_db(tmp_path_factory) -> Path:
    """A snapshot whose CLV step fitted both models (400 simulated buyers, 120 days)."""
    db = tmp_path_factory.mktemp("clv-fitted") / "actionboard.duckdb"

    def build(con):
        make_order_lines(con, n=400, days=120, seed=3)
        build_clv(con, step_context(AS_OF))

    _publish(db, build)
    return db


def _demo_copy(demo_db: Path, folder: Path, *statements: tuple[str, list]) -> Path:
    """A copy of the demo snapshot, changed by ``statements``, published for a new warehouse."""
    db = folder / "actionboard.duckdb"

    def build(con):
        for sql, params in statements:
            con.execute(sql, params)

    _publish(db, build, source=current_snapshot(demo_db))
    return db


def _page_layout(db: Path):
    """The CLV page's layout on an app reading ``db`` (the page reads the app created last)."""
    create_app(db)
    return layout()


def _text(component) -> str:
    """All text under a component."""
    if isinstance(component, str):
        return component
    if isinstance(component, list | tuple):
        return " ".join(_text(c) for c in component)
    children = getattr(component, "children", None)
    return "" if children is None else _text(children)


# --- the page on a snapshot with a real fit ----------------------------------------------------


def test_page_draws_every_chart_and_the_validation_callouts_when_models_fitted(fitted_db):
    page = _page_layout(fitted_db)
    assert _text(page[ids.CLV_MODEL_ALERTS]) == ""
    histogram = page[ids.CLV_HISTOGRAM].children.figure
    con = duckdb.connect(str(current_snapshot(fitted_db)), read_only=True)
    buyers = con.execute("SELECT count(clv_amount) FROM customer_clv").fetchone()[0]
    metrics = dict(
        con.execute("SELECT parameter, value FROM model_params WHERE model = 'validation'")
        .fetchall()
    )
    con.close()
    assert sum(histogram.data[0].y) == buyers
    assert len(page[ids.CLV_HOLDOUT_CHART].children.figure.data) == 3
    assert page[ids.CLV_P_ALIVE_HEATMAP].children.figure.data[0].type == "heatmap"
    callouts = _text(page[ids.CLV_METRICS])
    assert f"{metrics['mae_per_customer']:.3f}" in callouts
    assert f"naive baseline {metrics['baseline_mae_per_customer']:.3f}" in callouts
    assert f"{abs(metrics['total_pct_error']):.1f}%" in callouts
    assert "independence check" in _text(page[ids.CLV_CORRELATION])
    assert page[ids.CLV_CORRELATION].color == "light"
    assert "P(alive) = 1 under BG/NBD by construction" in _text(page)
    params = page[ids.CLV_PARAMS_GRID].rowData
    r = next(row for row in params if (row["model"], row["parameter"]) == ("bg_nbd", "r"))
    assert r["value"] > 0 and r["standard_error"] > 0 and r["calibration_end"] == str(AS_OF)


def test_top_customers_callback_lists_the_chosen_number_highest_clv_first(fitted_db):
    create_app(fitted_db)
    caption, rows = callbacks.update_top_customers("50")
    assert len(rows) == 50 and "The 50 buyers with the highest CLV" in _text(caption)
    values = [row["clv_amount"] for row in rows]
    assert values == sorted(values, reverse=True)
    assert set(rows[0]) == set(TOP_COLUMNS)
    message, rows = callbacks.update_top_customers("7; DROP TABLE customer_clv")
    assert "Choose how many customers to show" in _text(message) and rows == []


# --- the page when a model was rejected --------------------------------------------------------


def test_rejected_spend_model_shows_its_reason_instead_of_empty_charts(demo_db, tmp_path):
    db = _demo_copy(
        demo_db,
        tmp_path,
        ("DELETE FROM model_params WHERE model = 'clv' AND parameter = 'not_computed'", []),
        ("UPDATE customer_clv SET clv_amount = NULL", []),
        (
            "INSERT INTO model_params (model, parameter, fitted_at, note) "
            "VALUES ('clv', 'not_computed', now()::TIMESTAMP, ?)",
            [REJECTED],
        ),
    )
    page = _page_layout(db)
    assert REJECTED in _text(page[ids.CLV_MODEL_ALERTS])
    assert f"CLV distribution: {REJECTED}" == _text(page[ids.CLV_HISTOGRAM])
    assert REJECTED in _text(page)  # the top-customer table gives way to the reason
    assert ids.CLV_TOP_GRID not in str(page)
    # The purchase model is still usable: P(alive) is drawn.
    assert page[ids.CLV_P_ALIVE_HEATMAP].children.figure.data[0].type == "heatmap"


def test_skipped_validation_and_a_correlation_warning_are_shown(demo_db, tmp_path):
    skipped = "holdout validation skipped: the data span allows a 4-day holdout (test)"
    db = _demo_copy(
        demo_db,
        tmp_path,
        ("DELETE FROM model_params WHERE model = 'validation'", []),
        ("DELETE FROM clv_holdout", []),
        (
            "INSERT INTO model_params (model, parameter, fitted_at, note) "
            "VALUES ('validation', 'skipped', now()::TIMESTAMP, ?)",
            [skipped],
        ),
        (
            "UPDATE model_params SET value = 0.55, note = ? "
            "WHERE model = 'gamma_gamma' AND parameter = 'freq_monetary_corr'",
            [CORRELATED],
        ),
    )
    page = _page_layout(db)
    assert skipped in _text(page[ids.CLV_METRICS])
    assert skipped in _text(page[ids.CLV_HOLDOUT_CHART])
    warning = page[ids.CLV_CORRELATION]
    assert warning.color == "warning" and CORRELATED in _text(warning)


def test_without_a_published_snapshot_the_page_says_to_run_refresh(tmp_path):
    page = _page_layout(tmp_path / "empty.duckdb")
    assert "python app.py refresh --db" in _text(page[ids.CLV_MESSAGE])

