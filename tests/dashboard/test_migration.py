"""Migration page: figure builders on small frames, callbacks called directly on the demo data."""

from datetime import date

import duckdb
import pandas as pd
import pytest

from dashboard import ids
from dashboard.app import create_app
from dashboard.figures import migration as figures
from warehouse.snapshots import current_snapshot

ORDER = ["Champions", "New Customers", "Lost", "Window Shoppers"]
COUNTS = pd.DataFrame(
    [
        ("Champions", "Champions", 5),
        ("Champions", "Lost", 2),
        ("New Customers", "Champions", 3),
        ("New Customers", "Lost", 1),
        ("Lost", "(gone)", 4),
        ("(new)", "New Customers", 6),
        ("(new)", "Window Shoppers", 10),
    ],
    columns=["from_segment", "to_segment", "customers"],
)


@pytest.fixture
def page(demo_db):
    create_app(demo_db)
    from dashboard.pages import migration

    return migration


@pytest.fixture(scope="module")
def snapshots(demo_db) -> pd.DataFrame:
    con = duckdb.connect(str(current_snapshot(demo_db)), read_only=True)
    try:
        return con.execute("SELECT period_end, customer_id, segment FROM segment_snapshots").df()
    finally:
        con.close()


# --- figure builders ---------------------------------------------------------------------------


def test_sizes_figure_stacks_one_trace_per_segment_in_display_order_with_zeros_filled():
    sizes = pd.DataFrame(
        {
            "period_end": pd.to_datetime(["2024-01-31"] * 2 + ["2024-02-29"] * 3),
            "segment": ["Champions", "Lost", "Champions", "New Customers", "Lost"],
            "customers": [4, 6, 5, 2, 7],
        }
    )
    colours = figures.segment_colours(ORDER)
    fig = figures.sizes_figure(sizes, ORDER)
    assert [t.name for t in fig.data] == ["Champions", "New Customers", "Lost"]
    assert {t.stackgroup for t in fig.data} == {"sizes"}
    new = next(t for t in fig.data if t.name == "New Customers")
    assert list(new.y) == [0, 2]
    assert [t.line.color for t in fig.data] == [
        colours[s] for s in ["Champions", "New Customers", "Lost"]
    ]


def test_sankey_nodes_and_links_equal_the_transition_counts():
    colours = figures.segment_colours(ORDER)
    sankey = figures.sankey_figure(COUNTS, ORDER, "2024-01-31", "2024-02-29").data[0]
    labels = list(sankey.node.label)
    lefts = ["Champions", "New Customers", "Lost", "(new)"]
    rights = ["Champions", "New Customers", "Lost", "Window Shoppers", "(gone)"]
    assert labels == [f"{s} (2024-01-31)" for s in lefts] + [f"{s} (2024-02-29)" for s in rights]
    links = {
        (labels[s].rsplit(" (", 1)[0], labels[t].rsplit(" (", 1)[0]): v
        for s, t, v in zip(sankey.link.source, sankey.link.target, sankey.link.value, strict=True)
    }
    assert links == {(f, t): n for f, t, n in COUNTS.itertuples(index=False)}
    assert all(s < len(lefts) <= t for s, t in zip(sankey.link.source, sankey.link.target,
                                                   strict=True))
    assert sankey.node.color[0] == colours["Champions"]  # same colour as on the area chart


def test_sankey_can_leave_out_customers_who_stayed_in_their_segment():
    fig = figures.sankey_figure(COUNTS, ORDER, "a", "b", movers_only=True)
    assert sum(fig.data[0].link.value) == COUNTS["customers"].sum() - 5
    assert "changed segment" in fig.layout.title.text


def test_matrix_figure_shows_counts_and_row_percentages_with_new_and_gone_last():
    fig = figures.matrix_figure(COUNTS, ORDER, "2024-01-31", "2024-02-29")
    heat = fig.data[0]
    assert list(heat.y) == ["Champions", "New Customers", "Lost", "(new)"]
    assert list(heat.x) == ["Champions", "New Customers", "Lost", "Window Shoppers", "(gone)"]
    # New Customers: 3 of 4 became Champions.
    assert heat.text[1][0] == "3<br>75.0%"
    assert heat.z[1][0] == pytest.approx(0.75)
    assert heat.customdata.sum() == COUNTS["customers"].sum()
    assert heat.text[0][1] == ""  # empty cells stay blank


# --- callbacks on the demo warehouse -----------------------------------------------------------


def test_layout_offers_every_snapshot_and_defaults_to_the_first_and_last(page, snapshots):
    layout = page.layout()
    dates = sorted(snapshots["period_end"].dt.date.unique())
    choice = layout[ids.MIGRATION_FROM]
    assert [o["value"] for o in choice.options] == [d.isoformat() for d in dates]
    assert (choice.value, layout[ids.MIGRATION_TO].value) == (
        dates[0].isoformat(),
        dates[-1].isoformat(),
    )


def test_transition_matrix_totals_equal_customers_at_both_dates_plus_new_ones(page, snapshots):
    dates = sorted(snapshots["period_end"].dt.date.unique())
    start, end = dates[1], dates[-1]
    message, sankey, matrix = page.update_transitions(start.isoformat(), end.isoformat(), False)
    at = {d: set(snapshots.loc[snapshots["period_end"].dt.date == d, "customer_id"])
          for d in (start, end)}
    both, new, gone = at[start] & at[end], at[end] - at[start], at[start] - at[end]
    heat = matrix.data[0]
    cells = pd.DataFrame(heat.customdata, index=list(heat.y), columns=list(heat.x))
    kept = cells.drop(columns=["(gone)"], errors="ignore")
    assert kept.to_numpy().sum() == len(both) + len(new)
    assert kept.loc["(new)"].sum() == len(new)
    assert cells.get("(gone)", pd.Series(dtype=int)).sum() == len(gone)
    assert sum(sankey.data[0].link.value) == len(both) + len(new) + len(gone)
    assert f"{len(new):,} are new" in message.children


@pytest.mark.parametrize(
    ("pick", "expected"),
    [
        (lambda d: (d[-1], d[0]), "must be before"),
        (lambda d: (d[0], d[0]), "must be before"),
        (lambda d: (date(2001, 1, 31), d[-1]), "There is no segment snapshot on 2001-01-31"),
        (lambda d: (None, d[-1]), "Choose both"),
    ],
)
def test_invalid_snapshot_choice_gives_a_clear_message_instead_of_charts(
    page, snapshots, pick, expected
):
    dates = sorted(snapshots["period_end"].dt.date.unique())
    start, end = pick(dates)
    message, sankey, matrix = page.update_transitions(
        start and start.isoformat(), end.isoformat(), False
    )
    assert expected in message.children
    assert sankey.data == () and expected in matrix.layout.annotations[0].text


def test_sizes_callback_shows_buyers_only_on_request(page, snapshots):
    everyone = page.update_sizes("all")
    buyers = page.update_sizes("rfm")
    assert len(everyone.data) == snapshots["segment"].nunique()
    assert {t.name for t in buyers.data} < {t.name for t in everyone.data}
    assert "Window Shoppers" not in {t.name for t in buyers.data}
    last = snapshots["period_end"].max()
    assert sum(t.y[-1] for t in everyone.data) == (snapshots["period_end"] == last).sum()


def test_without_a_published_snapshot_the_page_says_to_run_refresh(tmp_path):
    create_app(tmp_path / "empty.duckdb")
    from dashboard.pages import migration

    text = migration.layout()[ids.MIGRATION_MESSAGE].children
    assert "python app.py refresh --db" in text
