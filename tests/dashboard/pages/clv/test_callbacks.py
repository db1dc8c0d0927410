"""The CLV page on a snapshot with a real CLV fit and on copies of the demo snapshot where a
model was rejected: layout and callback called directly."""

import io
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboard.app import create_app
from dashboard.downloads import csv_response
from dashboard.pages.clv import callbacks, export, ids
from dashboard.pages.clv.layout import TOP_COLUMNS, layout
from tests.support.clv_snapshots import AS_OF, fitted_clv_warehouse, publish_built
from tests.support.signed_in import add_team, signed_in
from warehouse.commands import audit_log
from warehouse.snapshots import current_snapshot

REJECTED = "Gamma-Gamma fit rejected: q = 0.9 <= 1 (test)"
CORRELATED = "frequency and monetary value are correlated among repeat buyers (r = 0.55)"


@pytest.fixture(scope="module")
def fitted_db(tmp_path_factory) -> Path:
    """A snapshot whose CLV step fitted both models (400 simulated buyers, 120 days)."""
    return fitted_clv_warehouse(tmp_path_factory.mktemp("clv-fitted"))


def _demo_copy(demo_db: Path, folder: Path, *statements: tuple[str, list]) -> Path:
    """A copy of the demo snapshot, changed by ``statements``, published for a new warehouse."""
    db = folder / "actionboard.duckdb"

    def build(con):
        for sql, params in statements:
            con.execute(sql, params)

    publish_built(db, build, source=current_snapshot(demo_db))
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


def _params(db: Path) -> dict[tuple[str, str], tuple[float | None, str | None]]:
    con = duckdb.connect(str(current_snapshot(db)), read_only=True)
    rows = con.execute("SELECT model, parameter, value, note FROM model_params").fetchall()
    con.close()
    return {(model, parameter): (value, note) for model, parameter, value, note in rows}


def test_page_draws_every_chart_and_the_validation_callouts_when_models_fitted(fitted_db):
    page = _page_layout(fitted_db)
    assert _text(page[ids.CLV_MODEL_ALERTS]) == ""
    histogram = page[ids.CLV_HISTOGRAM].children.figure
    con = duckdb.connect(str(current_snapshot(fitted_db)), read_only=True)
    buyers = con.execute("SELECT count(clv_amount) FROM customer_clv").fetchone()[0]
    con.close()
    params = _params(fitted_db)
    assert sum(histogram.data[0].y) == buyers
    assert len(page[ids.CLV_HOLDOUT_CHART].children.figure.data) == 3
    assert page[ids.CLV_P_ALIVE_HEATMAP].children.figure.data[0].type == "heatmap"
    callouts = _text(page[ids.CLV_METRICS])
    assert f"{params['validation', 'bucket_rmse'][0]:.3f}" in callouts
    assert f"naive baseline {params['validation', 'baseline_bucket_rmse'][0]:.3f}" in callouts
    assert f"{abs(params['validation', 'total_pct_error'][0]):.1f}%" in callouts
    assert "independence check" in _text(page[ids.CLV_CORRELATION])
    assert page[ids.CLV_CORRELATION].color == "light"
    grid = page[ids.CLV_PARAMS_GRID].rowData
    r = next(row for row in grid if (row["model"], row["parameter"]) == ("bg_nbd", "r"))
    assert r["value"] > 0 and r["standard_error"] > 0 and r["calibration_end"] == str(AS_OF)


def test_the_page_names_the_chosen_model_and_why_with_both_holdout_errors(fitted_db):
    page = _page_layout(fitted_db)
    params = _params(fitted_db)
    chosen = params["clv", "purchase_model"][1]
    label, other = {"bg_nbd": ("BG/NBD", "MBG/NBD"), "mbg_nbd": ("MBG/NBD", "BG/NBD")}[chosen]
    other_name = "mbg_nbd" if chosen == "bg_nbd" else "bg_nbd"
    choice = _text(page[ids.CLV_MODEL_CHOICE])
    assert choice.startswith(f"Purchase model: {label}, chosen because it predicted the last "
                             "56 days better")
    assert f"{params[f'validation_{chosen}', 'bucket_rmse'][0]:.3f}" in choice
    assert f"than {other} {params[f'validation_{other_name}', 'bucket_rmse'][0]:.3f}" in choice
    verdict = page[ids.CLV_VERDICT]  # the demo-like data beats the naive baseline
    assert verdict.color == "success" and "better than simply repeating" in _text(verdict)
    one_time = _text(page[ids.CLV_ONE_TIME])
    if chosen == "bg_nbd":
        assert "P(alive) = 100% under BG/NBD by construction" in one_time
    else:
        assert "falls the longer ago they bought" in one_time
    assert "P(alive) = 100%" not in _text(page) or chosen == "bg_nbd"
    assert f"{label} prediction" in [t.name for t in
                                     page[ids.CLV_HOLDOUT_CHART].children.figure.data]


def test_the_page_says_how_a_one_time_buyers_first_order_counts(fitted_db):
    page = _page_layout(fitted_db)
    params = _params(fitted_db)
    p, q = params["gamma_gamma", "p"][0], params["gamma_gamma", "q"][0]
    scale = params["gamma_gamma", "first_purchase_scale"][0]
    note = _text(page[ids.CLV_SPEND_NOTE])
    assert f"weight {p / (p + q - 1):.1%}" in note and f"scaling by {scale:.2f}" in note


def test_jargon_is_explained_where_it_appears(fitted_db):
    glossary = _text(_page_layout(fitted_db)[ids.CLV_GLOSSARY])
    for term in ("BTYD", "frequency, recency, T", "r, alpha", "a, b", "p, q, v"):
        assert term in glossary


def test_top_customers_callback_lists_the_chosen_number_highest_clv_first(fitted_db):
    create_app(fitted_db)
    caption, rows, href = callbacks.update_top_customers("50")
    assert href == "/download/clv-top.csv?limit=50"
    assert len(rows) == 50 and "The 50 buyers with the highest CLV" in _text(caption)
    values = [row["clv_amount"] for row in rows]
    assert values == sorted(values, reverse=True)
    assert set(rows[0]) == set(TOP_COLUMNS)
    message, rows, _ = callbacks.update_top_customers("7; DROP TABLE customer_clv")
    assert "Choose how many customers to show" in _text(message) and rows == []


def test_export_downloads_the_chosen_top_customers_and_records_it(fitted_db):
    app = create_app(fitted_db)
    add_team(fitted_db)
    client = signed_in(app, "analyst")
    exports_before = len(audit_log(fitted_db).query("event == 'export'"))
    response = client.get(callbacks.export_href("100"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="clv-top-100.csv"'
    frame = pd.read_csv(io.StringIO(response.get_data(as_text=True)), dtype={"customer_id": str})
    assert list(frame.columns) == list(export.EXPORT_COLUMNS)
    assert len(frame) == 100 and frame["clv_amount"].is_monotonic_decreasing
    _, rows, _ = callbacks.update_top_customers("100")
    assert frame["customer_id"].tolist() == [row["customer_id"] for row in rows]
    logged = audit_log(fitted_db).query("event == 'export'")
    assert len(logged) == exports_before + 1
    assert logged[["user_name", "segment", "row_count", "file_name"]].values.tolist()[0] == [
        "analyst", export.AUDIT_SEGMENT, 100, "clv-top-100.csv"]
    refused = client.get(callbacks.export_href("99999"))
    assert refused.status_code == 400
    assert "Choose how many customers to show" in refused.get_data(as_text=True)
    assert len(audit_log(fitted_db).query("event == 'export'")) == exports_before + 1


def test_export_neutralises_cells_a_spreadsheet_would_run():
    top = pd.DataFrame([{column: 1 for column in export.EXPORT_COLUMNS}]).assign(
        customer_id="=HYPERLINK(\"http://x\")"
    )
    text = b"".join(csv_response("clv-top-1.csv", [top], export.EXPORT_COLUMNS).response).decode()
    assert "'=HYPERLINK" in text


# --- the page when a model was rejected or did worse than the baseline --------------------------


SPEND_VERDICT = ("CLV is not shown: order values vary so much between customers (test). What to "
                 "do: look for bulk orders.")


def test_a_rejected_spend_model_is_explained_once_with_what_to_do(demo_db, tmp_path):
    db = _demo_copy(
        demo_db,
        tmp_path,
        ("UPDATE customer_clv SET clv_amount = NULL", []),
        (
            "INSERT INTO model_params (model, parameter, fitted_at, note) VALUES "
            "('clv', 'not_computed', now()::TIMESTAMP, ?), "
            "('clv', 'spend_verdict', now()::TIMESTAMP, ?)",
            [REJECTED, SPEND_VERDICT],
        ),
    )
    page = _page_layout(db)
    assert _text(page[ids.CLV_SPEND_VERDICT]) == SPEND_VERDICT
    assert _text(page).count("What to do") == 1  # said once, not beside every empty chart
    assert REJECTED not in _text(page[ids.CLV_MODEL_ALERTS])
    assert "see the note on spend above" in _text(page[ids.CLV_HISTOGRAM])
    assert ids.CLV_TOP_GRID not in str(page)
    # The purchase model is still usable: P(alive) is drawn.
    assert page[ids.CLV_P_ALIVE_HEATMAP].children.figure.data[0].type == "heatmap"


def test_a_model_worse_than_the_naive_baseline_says_so(demo_db, tmp_path):
    worse = "The purchase model (MBG/NBD) predicted the last 56 days worse than simply repeating"
    db = _demo_copy(
        demo_db,
        tmp_path,
        (
            "INSERT INTO model_params (model, parameter, fitted_at, note) "
            "VALUES ('validation', 'verdict', now()::TIMESTAMP, ?)",
            [worse],
        ),
    )
    verdict = _page_layout(db)[ids.CLV_VERDICT]
    assert verdict.color == "warning" and _text(verdict) == worse


def test_skipped_validation_and_a_correlation_warning_are_shown(demo_db, tmp_path):
    skipped = "holdout validation skipped: the data span allows a 4-day holdout (test)"
    db = _demo_copy(
        demo_db,
        tmp_path,
        ("DELETE FROM model_params WHERE model LIKE 'validation%'", []),
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
    assert "Without a holdout check" in _text(page[ids.CLV_MODEL_CHOICE])
    warning = page[ids.CLV_CORRELATION]
    assert warning.color == "warning" and CORRELATED in _text(warning)


def test_without_a_published_snapshot_the_page_says_to_run_refresh(tmp_path):
    page = _page_layout(tmp_path / "empty.duckdb")
    assert "python app.py refresh --db" in _text(page[ids.CLV_MESSAGE])

