"""The Segments page's layout and callbacks, called directly on the demo warehouse, and on
hand-made snapshots for states the demo does not reach."""

from __future__ import annotations

import io
from urllib.parse import urlencode

import dash
import duckdb
import pandas as pd
import pytest
from dash import html

from analytics.segments import segment_definitions
from dashboard.app import create_app
from dashboard.data import snapshot_reader
from dashboard.pages.segments import callbacks, figures, ids, layout, profile
from tests.support.signed_in import add_team, signed_in
from warehouse.commands import audit_log
from warehouse.ops import sqlite_path
from warehouse.queries import clv as clv_queries
from warehouse.queries import segments as queries
from warehouse.schema.customers import SEGMENT_SUMMARY_TABLE, TOP_CUSTOMERS
from warehouse.snapshots import new_snapshot_path, publish_snapshot
from warehouse.sql.runner import Materialization, build_model


@pytest.fixture
def page(demo_db):
    """An app reading the demo warehouse (the callbacks read the app created last)."""
    return create_app(demo_db)


@pytest.fixture
def overview(page):
    return queries.segment_overview(snapshot_reader().cursor()).set_index("segment")


def test_page_is_registered_second_at_segments(page):
    registered = [p for p in dash.page_registry.values() if p["path"] == "/segments"]
    assert [(p["name"], p["order"]) for p in registered] == [("Segments", 1)]


def test_profile_shows_the_segment_size_counted_in_the_snapshot(page, overview):
    segment = overview[overview["segment_kind"] == "rfm"]["customers"].idxmax()
    members = queries.segment_export(snapshot_reader().cursor(), segment)
    (style, name, description, size, stats, scores, rows, caption, disabled, href,
     sizing) = callbacks.show_profile(segment)
    assert style == {} and name == segment and disabled is False
    assert href == f"/download/segment.csv?{urlencode({'segment': segment})}"
    assert sizing == "responsiveSizeToFit"
    assert description == overview.loc[segment, "description"]
    buyers = int(overview.loc[overview["segment_kind"] == "rfm", "customers"].sum())
    assert size == profile.size_text(len(members), buyers, "rfm")
    assert size.endswith(f"({len(members) / buyers:.1%} of buyers)")
    assert len(rows) == len(members) == overview.loc[segment, "customers"]
    assert caption.startswith(f"All {len(members):,} customers")
    assert sum(sum(bar.y) for bar in scores.data) == 3 * len(members)  # R, F and M per buyer
    customers_card = stats[0].children.children.children  # Col → Card → CardBody → parts
    assert customers_card[1].children == f"{len(members):,}"
    assert customers_card[2].children == f"{len(members) / buyers:.1%} of buyers"


def test_a_behavioural_segment_is_a_share_of_the_visitors_who_never_bought(page, overview):
    visitors = overview[overview["segment_kind"] == "behavioural"]
    segment = visitors["customers"].idxmin()
    size = callbacks.show_profile(segment)[3]
    share = overview.loc[segment, "customers"] / visitors["customers"].sum()
    assert size.endswith(f"({share:.1%} of visitors who never bought)")


def test_the_p_alive_card_names_the_model_that_estimated_it(page, overview):
    purchase_model = clv_queries.purchase_model(snapshot_reader().cursor())
    assert purchase_model in ("bg_nbd", "mbg_nbd")
    stats = callbacks.show_profile("Lost")[4]
    p_alive_card = stats[3].children.children.children
    label = {"bg_nbd": "BG/NBD", "mbg_nbd": "MBG/NBD"}[purchase_model]
    assert p_alive_card[2].children == f"{label} estimate of the chance the buyer is still active"


def test_the_treemap_shows_buyers_or_visitors_and_gmv_sizing_only_for_buyers(page, overview):
    buyers, options = callbacks.update_treemap("buyers", "customers")
    assert not any(o.get("disabled") for o in options)
    kinds = overview.loc[list(buyers.data[0].ids)[1:], "segment_kind"]
    assert set(kinds) == {"rfm"}
    visitors, options = callbacks.update_treemap("visitors", "customers")
    assert set(overview.loc[list(visitors.data[0].ids)[1:], "segment_kind"]) == {"behavioural"}
    assert [o["value"] for o in options if o.get("disabled")] == ["gmv_amount"]


def test_profile_of_a_large_segment_shows_a_capped_grid_and_says_how_many(page, overview):
    segment = overview["customers"].idxmax()
    total = int(overview.loc[segment, "customers"])
    assert total > TOP_CUSTOMERS  # the demo's one-visit browsers outnumber the grid
    *_, rows, caption, _, _, _ = callbacks.show_profile(segment)
    assert len(rows) == TOP_CUSTOMERS
    assert f"Showing {TOP_CUSTOMERS:,} of {total:,} customers" in caption
    assert f"Export CSV downloads all {total:,}" in caption


def test_no_segment_or_an_unknown_one_hides_the_profile(page):
    for segment in (None, "Nobody"):
        style, *_, disabled, _, _ = callbacks.show_profile(segment)
        assert style == layout.PROFILE_HIDDEN and disabled is True


def test_clicking_a_segment_selects_it_and_clicking_a_group_only_zooms(page):
    assert callbacks.pick_clicked_segment({"points": [{"id": "Lost", "label": "Lost"}]}) == "Lost"
    root = figures.VIEWS["buyers"][1]
    group = {"points": [{"id": root, "label": root}]}
    assert callbacks.pick_clicked_segment(group) is dash.no_update


def _export(app, db, segment: str, ops_url: str | None = None):
    """The segment's export as an analyst downloads it: (response, its rows)."""
    add_team(db, ops_url)
    response = signed_in(app, "analyst").get(callbacks.export_href(segment))
    assert response.status_code == 200, response.get_data(as_text=True)
    frame = pd.read_csv(io.BytesIO(response.get_data()), dtype={"customer_id": str})
    return response, frame


def test_export_downloads_every_customer_of_the_segment(page, overview, demo_db):
    segment = overview[overview["segment_kind"] == "behavioural"]["customers"].idxmin()
    response, frame = _export(page, demo_db, segment)
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{profile.export_file_name(segment)}"')
    assert list(frame.columns) == list(queries.EXPORT_COLUMNS)
    assert len(frame) == overview.loc[segment, "customers"]
    assert set(frame["segment"]) == {segment}
    assert frame["customer_id"].is_unique


def test_export_file_names_are_plain_slugs(page):
    assert profile.export_file_name("Can't Lose Them") == "segment-cant-lose-them.csv"
    assert profile.export_file_name("One-visit Browsers") == "segment-one-visit-browsers.csv"
    assert profile.export_file_name("=cmd|' /C calc'!A0") == "segment-cmd-c-calc-a0.csv"
    assert profile.export_file_name("…") == "segment-segment.csv"


def test_layout_preselects_the_segment_named_in_the_url(page):
    assert layout.layout(segment="Lost")[ids.SEGMENTS_PICKER].value == "Lost"
    assert layout.layout(segment="=cmd")[ids.SEGMENTS_PICKER].value is None


def test_cluster_scatter_callback_draws_one_trace_per_cluster(page):
    fig = callbacks.update_cluster_scatter("recency_days", "monetary_amount")
    clusters = snapshot_reader().cursor().execute("SELECT count(*) FROM cluster_profiles")
    assert len(fig.data) == clusters.fetchone()[0]
    assert fig.layout.yaxis.type == "log"


# --- a hand-made snapshot for states the demo does not reach -----------------------------------

CUSTOMERS_DDL = """
CREATE TABLE customers (customer_id VARCHAR, segment VARCHAR, segment_kind VARCHAR,
    r_score TINYINT, f_score TINYINT, m_score TINYINT, recency_days INTEGER, frequency INTEGER,
    monetary_amount DOUBLE, count_views BIGINT, count_cart_adds BIGINT, count_orders BIGINT,
    gmv_amount DOUBLE, p_alive DOUBLE, clv_amount DOUBLE, last_event_at TIMESTAMP,
    last_purchase_at TIMESTAMP)
"""
RISKY_IDS = ['=HYPERLINK("http://x")', "+1", "@SUM(A1)", "plain"]


def _publish_customers(db, rows: list[tuple]) -> None:
    building = new_snapshot_path(db)
    con = duckdb.connect(str(building))
    try:
        con.execute(CUSTOMERS_DDL)
        if rows:
            con.executemany(
                "INSERT INTO customers (customer_id, segment, segment_kind, r_score, f_score,"
                " m_score, gmv_amount) VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        con.register("definitions_frame", segment_definitions())
        con.execute("CREATE TABLE segment_definitions AS SELECT * FROM definitions_frame")
        build_model(con, SEGMENT_SUMMARY_TABLE, Materialization.TABLE)  # as a refresh does
    finally:
        con.close()
    publish_snapshot(db, building)


def test_export_neutralises_cells_a_spreadsheet_would_run(tmp_path):
    db = tmp_path / "actionboard.duckdb"
    _publish_customers(db, [(cid, "Lost", "rfm", 1, 1, 2, 10.0) for cid in RISKY_IDS])
    _, frame = _export(create_app(db), db, "Lost")
    assert sorted(frame["customer_id"]) == sorted(
        "'" + cid if cid[0] in "=+@" else cid for cid in RISKY_IDS
    )


def test_every_segment_export_is_in_the_audit_log_of_the_apps_store(tmp_path):
    db = tmp_path / "actionboard.duckdb"
    _publish_customers(db, [(cid, "Lost", "rfm", 1, 1, 2, 10.0) for cid in RISKY_IDS])
    elsewhere = tmp_path / "elsewhere" / "team.sqlite"
    url = f"sqlite:///{elsewhere}"
    _export(create_app(db, ops_url=url), db, "Lost", ops_url=url)
    logged = audit_log(db, ops_url=url).query("event == 'export'")
    assert logged[["user_name", "event", "segment", "row_count", "file_name"]].values.tolist() \
        == [["analyst", "export", "Lost", len(RISKY_IDS), "segment-lost.csv"]]
    assert not sqlite_path(db).exists()  # the app's store, not the default one


def test_snapshot_without_customers_asks_for_data(tmp_path):
    db = tmp_path / "actionboard.duckdb"
    _publish_customers(db, [])
    create_app(db)
    assert "no customers yet" in layout.layout()[ids.SEGMENTS_MESSAGE].children


def test_without_a_published_snapshot_the_page_says_to_run_refresh(tmp_path):
    create_app(tmp_path / "empty.duckdb")
    text = layout.layout()[ids.SEGMENTS_MESSAGE].children
    assert "No data has been published yet" in text and "python app.py refresh --db" in text
    _, _, description, *_ = callbacks.show_profile("Lost")
    assert "No data has been published yet" in description


def test_the_clusters_are_built_when_their_section_is_first_opened(page):
    assert callbacks.open_clusters(None, None) is dash.no_update  # closed: nothing drawn
    section = html.Div(callbacks.open_clusters(layout.CLUSTERS_ITEM, None))
    rule = section[ids.SEGMENTS_CLUSTER_RULE].children
    assert "highest balanced silhouette" in rule and "at least 2% of the buyers" in rule
    assert section[ids.SEGMENTS_CLUSTER_SILHOUETTE].figure.data
    scatter = section[ids.SEGMENTS_CLUSTER_SCATTER].figure  # drawn at once, default axes
    assert 0 < sum(len(trace.x) for trace in scatter.data) <= layout.SCATTER_POINTS
    assert callbacks.open_clusters(layout.CLUSTERS_ITEM, ["built"]) is dash.no_update
