"""Segments page: figure builders on small frames, callbacks on the demo warehouse."""

from __future__ import annotations

import io

import dash
import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics.segments import segment_definitions
from dashboard import ids
from dashboard.app import create_app
from dashboard.data import snapshot_reader
from dashboard.figures import segments as figures
from warehouse.queries import segments as queries
from warehouse.schema.customers import SEGMENT_SUMMARY_TABLE, TOP_CUSTOMERS
from warehouse.snapshots import new_snapshot_path, publish_snapshot
from warehouse.sql.runner import Materialization, build_model

# --- figure builders ---------------------------------------------------------------------------

OVERVIEW = pd.DataFrame(
    {
        "segment": ["Champions", "Lost", "Cart Abandoners", "Browsers"],
        "segment_kind": ["rfm", "rfm", "behavioural", "behavioural"],
        "description": ["a", "b", "c", "d"],
        "customers": [10, 30, 40, 20],
        "gmv_amount": [600.0, 400.0, 0.0, 0.0],
        "gmv_share": [0.6, 0.4, 0.0, 0.0],
        "avg_clv_amount": [200.0, 20.0, np.nan, np.nan],
        "avg_p_alive": [0.9, 0.3, np.nan, np.nan],
    }
)


def _treemap(fig):
    return next(trace for trace in fig.data if trace.type == "treemap")


def _node(trace, name: str) -> int:
    return list(trace.ids).index(name)


def test_treemap_holds_every_segment_under_its_group_sized_by_customers():
    trace = _treemap(figures.treemap_figure(OVERVIEW, "customers"))
    for segment, kind, customers in OVERVIEW[["segment", "segment_kind", "customers"]].values:
        i = _node(trace, segment)
        assert trace.values[i] == customers
        assert trace.parents[i] == figures.PARENT_OF_KIND[kind]
    assert trace.values[_node(trace, figures.BUYERS_PARENT)] == 40
    assert trace.values[_node(trace, figures.NON_BUYERS_PARENT)] == 60
    assert trace.values[_node(trace, figures.ROOT)] == 100
    assert trace.branchvalues == "total"


def test_treemap_sized_by_gmv_gives_non_buyers_no_area():
    fig = figures.treemap_figure(OVERVIEW, "gmv_amount")
    trace = _treemap(fig)
    assert trace.values[_node(trace, "Champions")] == 600.0
    assert trace.values[_node(trace, figures.NON_BUYERS_PARENT)] == 0.0
    assert "non-buyers have no GMV" in fig.layout.title.text


def test_treemap_hover_gives_counts_shares_clv_and_p_alive():
    trace = _treemap(figures.treemap_figure(OVERVIEW, "customers"))
    champions = list(trace.customdata[_node(trace, "Champions")])
    assert champions[:6] == ["10", "10.0%", "600.00", "60.0%", "200.00", "90.0%"]
    abandoners = list(trace.customdata[_node(trace, "Cart Abandoners")])
    assert abandoners[:4] == ["40", "40.0%", "0.00", "0.0%"]
    assert abandoners[4:6] == ["none (non-buyers)", "none (non-buyers)"]
    # A group's averages weigh its segments by customers: (10·200 + 30·20) / 40.
    buyers = list(trace.customdata[_node(trace, figures.BUYERS_PARENT)])
    assert buyers[4] == "65.00"


def test_treemap_colours_buyers_by_clv_and_non_buyers_grey_with_a_clv_colour_bar():
    fig = figures.treemap_figure(OVERVIEW, "customers")
    trace = _treemap(fig)
    colours = {name: trace.marker.colors[_node(trace, name)] for name in OVERVIEW["segment"]}
    assert colours["Cart Abandoners"] == colours["Browsers"] == figures.NO_CLV_COLOUR
    assert colours["Champions"] != colours["Lost"]
    assert figures.NO_CLV_COLOUR not in (colours["Champions"], colours["Lost"])
    bar = next(trace for trace in fig.data if trace.name == "CLV scale")
    assert (bar.marker.cmin, bar.marker.cmax) == (20.0, 200.0)


def test_treemap_without_any_clv_says_so_and_has_no_colour_bar():
    fig = figures.treemap_figure(OVERVIEW.assign(avg_clv_amount=np.nan), "customers")
    assert [trace.type for trace in fig.data] == ["treemap"]
    assert "not computed" in fig.layout.title.text


def test_treemap_rejects_an_unknown_size():
    with pytest.raises(ValueError, match="size_by"):
        figures.treemap_figure(OVERVIEW, "clv_amount")


def test_rf_heatmap_is_5_by_5_with_each_count_in_its_cell():
    cells = pd.DataFrame(
        {
            "r_score": [5, 1, 3],
            "f_score": [1, 1, 5],
            "customers": [7, 4, 2],
            "avg_monetary_amount": [10.0, 20.0, 30.0],
        }
    )
    fig = figures.rf_heatmap_figure(cells)
    z = np.asarray(fig.data[0].z)
    assert z.shape == (5, 5)
    assert list(fig.data[0].x) == list(fig.data[0].y) == [1, 2, 3, 4, 5]
    assert (z[4, 0], z[0, 0], z[2, 4]) == (7, 4, 2)  # row = R score − 1, column = F score − 1
    assert z.sum() == 13
    assert "F concentrates" in fig.layout.title.text


def test_score_distribution_has_three_panels_and_explains_non_buyers():
    counts = pd.DataFrame(
        {
            "score": np.repeat(["r_score", "f_score", "m_score"], 5),
            "score_value": np.tile(np.arange(1, 6), 3),
            "customers": np.arange(15),
        }
    )
    fig = figures.score_distribution_figure(counts, "Lost")
    assert [list(bar.y) for bar in fig.data] == [
        [0, 1, 2, 3, 4],
        [5, 6, 7, 8, 9],
        list(range(10, 15)),
    ]
    empty = figures.score_distribution_figure(counts.assign(customers=0), "Browsers")
    assert "Non-buyers have no RFM scores" in empty.layout.annotations[0].text


def test_cluster_scatter_uses_log_axes_only_for_positive_skewed_features():
    sample = pd.DataFrame(
        {
            "customer_id": ["1", "2", "3"],
            "x": [10.0, 200.0, 3000.0],
            "y": [0.0, 1.0, 5.0],
            "cluster_id": [0, 0, 1],
            "cluster_name": ["Typical", "Typical", "High spend"],
        }
    )
    fig = figures.cluster_scatter_figure(sample, "monetary_amount", "count_cart_adds")
    assert fig.layout.xaxis.type == "log" and "(log scale)" in fig.layout.xaxis.title.text
    assert fig.layout.yaxis.type == "linear"  # a zero cannot sit on a log axis
    assert [trace.name for trace in fig.data] == ["Typical", "High spend"]


def test_cluster_score_figures_mark_the_chosen_k():
    scores = pd.DataFrame(
        {
            "method": ["kmeans", "kmeans", "gmm", "gmm"],
            "k": [2, 3, 2, 3],
            "silhouette": [0.5, 0.6, 0.4, 0.3],
            "bic": [np.nan, np.nan, 100.0, 80.0],
            "inertia": [9.0, 7.0, np.nan, np.nan],
            "is_chosen": [False, True, False, False],
        }
    )
    silhouette = figures.cluster_score_figure(scores, "silhouette")
    star = next(trace for trace in silhouette.data if trace.name == "chosen")
    assert (list(star.x), list(star.y)) == ([3], [0.6])
    assert "chosen: K-Means, k = 3" in silhouette.layout.title.text
    bic = figures.cluster_score_figure(scores, "bic")
    assert [trace.name for trace in bic.data] == ["Gaussian mixture"]  # K-Means has no BIC
    assert bic.layout.shapes[0].x0 == 3


# --- callbacks on the demo warehouse -----------------------------------------------------------


@pytest.fixture
def page(demo_db):
    create_app(demo_db)
    from dashboard.pages import segments

    return segments


@pytest.fixture
def overview(page):
    return queries.segment_overview(snapshot_reader().cursor()).set_index("segment")


def test_page_is_registered_second_at_segments(page):
    registered = [p for p in dash.page_registry.values() if p["path"] == "/segments"]
    assert [(p["name"], p["order"]) for p in registered] == [("Segments", 1)]


def test_profile_shows_the_segment_size_counted_in_the_snapshot(page, overview):
    segment = overview[overview["segment_kind"] == "rfm"]["customers"].idxmax()
    members = queries.segment_export(snapshot_reader().cursor(), segment)
    style, name, description, size, stats, scores, rows, caption, disabled = page.show_profile(
        segment
    )
    assert style == {} and name == segment and disabled is False
    assert description == overview.loc[segment, "description"]
    assert size == page.size_text(len(members), int(overview["customers"].sum()))
    assert len(rows) == len(members) == overview.loc[segment, "customers"]
    assert caption.startswith(f"All {len(members):,} customers")
    assert sum(sum(bar.y) for bar in scores.data) == 3 * len(members)  # R, F and M per buyer
    customers_card = stats[0].children.children.children  # Col → Card → CardBody → parts
    assert customers_card[1].children == f"{len(members):,}"


def test_profile_of_a_large_segment_shows_a_capped_grid_and_says_how_many(page, overview):
    segment = overview["customers"].idxmax()
    total = int(overview.loc[segment, "customers"])
    assert total > TOP_CUSTOMERS  # the demo's one-visit browsers outnumber the grid
    *_, rows, caption, _ = page.show_profile(segment)
    assert len(rows) == TOP_CUSTOMERS
    assert f"Showing {TOP_CUSTOMERS:,} of {total:,} customers" in caption
    assert f"Export CSV downloads all {total:,}" in caption


def test_no_segment_or_an_unknown_one_hides_the_profile(page):
    for segment in (None, "Nobody"):
        style, *_, disabled = page.show_profile(segment)
        assert style == page.PROFILE_HIDDEN and disabled is True


def test_clicking_a_segment_selects_it_and_clicking_a_group_only_zooms(page):
    assert page.pick_clicked_segment({"points": [{"id": "Lost", "label": "Lost"}]}) == "Lost"
    group = {"points": [{"id": figures.BUYERS_PARENT, "label": figures.BUYERS_PARENT}]}
    assert page.pick_clicked_segment(group) is dash.no_update


def test_export_downloads_every_customer_of_the_segment(page, overview):
    segment = overview[overview["segment_kind"] == "behavioural"]["customers"].idxmin()
    download, message = page.export_segment(1, segment)
    assert message is None
    assert download["filename"] == page.export_file_name(segment)
    frame = pd.read_csv(io.StringIO(download["content"]), dtype={"customer_id": str})
    assert list(frame.columns) == list(queries.EXPORT_COLUMNS)
    assert len(frame) == overview.loc[segment, "customers"]
    assert set(frame["segment"]) == {segment}
    assert frame["customer_id"].is_unique


def test_export_file_names_are_plain_slugs(page):
    assert page.export_file_name("Can't Lose Them") == "segment-cant-lose-them.csv"
    assert page.export_file_name("One-visit Browsers") == "segment-one-visit-browsers.csv"
    assert page.export_file_name("=cmd|' /C calc'!A0") == "segment-cmd-c-calc-a0.csv"
    assert page.export_file_name("…") == "segment-segment.csv"


def test_layout_preselects_the_segment_named_in_the_url(page):
    assert page.layout(segment="Lost")[ids.SEGMENTS_PICKER].value == "Lost"
    assert page.layout(segment="=cmd")[ids.SEGMENTS_PICKER].value is None


def test_cluster_scatter_callback_draws_one_trace_per_cluster(page):
    fig = page.update_cluster_scatter("recency_days", "monetary_amount")
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
    create_app(db)
    from dashboard.pages import segments

    download, _ = segments.export_segment(1, "Lost")
    frame = pd.read_csv(io.StringIO(download["content"]), dtype={"customer_id": str})
    assert sorted(frame["customer_id"]) == sorted(
        "'" + cid if cid[0] in "=+@" else cid for cid in RISKY_IDS
    )


def test_snapshot_without_customers_asks_for_data(tmp_path):
    db = tmp_path / "actionboard.duckdb"
    _publish_customers(db, [])
    create_app(db)
    from dashboard.pages import segments

    assert "no customers yet" in segments.layout()[ids.SEGMENTS_MESSAGE].children


def test_without_a_published_snapshot_the_page_says_to_run_refresh(tmp_path):
    create_app(tmp_path / "empty.duckdb")
    from dashboard.pages import segments

    text = segments.layout()[ids.SEGMENTS_MESSAGE].children
    assert "No data has been published yet" in text and "python app.py refresh --db" in text
    _, _, description, *_ = segments.show_profile("Lost")
    assert "No data has been published yet" in description
