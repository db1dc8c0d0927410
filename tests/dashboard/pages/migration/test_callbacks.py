"""The Migration page's layout and callbacks, called directly on the demo warehouse."""

from __future__ import annotations

import logging
from datetime import date

import duckdb
import pandas as pd
import pytest

from analytics.segments import segment_definitions
from dashboard.app import create_app
from dashboard.figures import title_text
from dashboard.pages.migration import callbacks, ids
from dashboard.pages.migration.layout import layout
from warehouse.snapshots import current_snapshot


@pytest.fixture
def page(demo_db):
    """An app reading the demo warehouse (the callbacks read the app created last)."""
    return create_app(demo_db)


@pytest.fixture(scope="module")
def snapshots(demo_db) -> pd.DataFrame:
    con = duckdb.connect(str(current_snapshot(demo_db)), read_only=True)
    try:
        return con.execute("SELECT period_end, customer_id, segment FROM segment_snapshots").df()
    finally:
        con.close()


def test_layout_offers_every_snapshot_and_defaults_to_the_first_and_last(page, snapshots):
    page_layout = layout()
    dates = sorted(snapshots["period_end"].dt.date.unique())
    choice = page_layout[ids.MIGRATION_FROM]
    assert [o["value"] for o in choice.options] == [d.isoformat() for d in dates]
    assert (choice.value, page_layout[ids.MIGRATION_TO].value) == (
        dates[0].isoformat(),
        dates[-1].isoformat(),
    )


def test_transition_matrix_totals_equal_customers_at_both_dates_plus_new_ones(page, snapshots):
    dates = sorted(snapshots["period_end"].dt.date.unique())
    start, end = dates[1], dates[-1]
    message, sankey, style, matrix = callbacks.update_transitions(
        start.isoformat(), end.isoformat(), "all", False, True)
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
    assert style == {"height": f"{sankey.layout.height}px"}


def test_every_filter_reaches_both_the_sankey_and_the_matrix(page, snapshots):
    dates = sorted(snapshots["period_end"].dt.date.unique())
    start, end = dates[1].isoformat(), dates[-1].isoformat()
    kinds = dict(zip(segment_definitions()["segment"], segment_definitions()["segment_kind"],
                     strict=True))
    for scope, movers, arrivals in [("rfm", False, True), ("rfm", True, True),
                                    ("all", True, False), ("all", False, False)]:
        _, sankey, _, matrix = callbacks.update_transitions(start, end, scope, movers, arrivals)
        link = sankey.data[0].link
        names = list(sankey.data[0].node.customdata)
        sankey_pairs = {(names[s], names[t]): v
                        for s, t, v in zip(link.source, link.target, link.value, strict=True)}
        heat = matrix.data[0]
        cells = pd.DataFrame(heat.customdata, index=list(heat.y), columns=list(heat.x))
        matrix_pairs = {(f, t): n for f in cells.index for t in cells.columns
                        if (n := int(cells.loc[f, t]))}
        assert sankey_pairs == matrix_pairs
        if scope == "rfm":
            assert all("rfm" in (kinds.get(f), kinds.get(t)) for f, t in sankey_pairs)
        if movers:
            assert all(f != t and f != "(new)" and t != "(gone)" for f, t in sankey_pairs)
        if not arrivals:
            assert "(new)" not in cells.index


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
    page, snapshots, pick, expected, caplog
):
    dates = sorted(snapshots["period_end"].dt.date.unique())
    start, end = pick(dates)
    with caplog.at_level(logging.INFO, logger="dashboard"):
        message, sankey, _, matrix = callbacks.update_transitions(
            start and start.isoformat(), end.isoformat(), "rfm", False, True
        )
    assert expected in message.children
    assert sankey.data == () and expected in matrix.layout.annotations[0].text
    [record] = [r for r in caplog.records if r.name == "dashboard"]  # one line, no traceback
    assert record.levelno == logging.INFO and record.exc_info is None
    assert expected in record.getMessage()


def test_sizes_callback_shows_buyers_only_on_request(page, snapshots):
    everyone = callbacks.update_sizes("all")
    buyers = callbacks.update_sizes("rfm")
    assert len(everyone.data) == snapshots["segment"].nunique()
    assert {t.name for t in buyers.data} < {t.name for t in everyone.data}
    assert "Window Shoppers" not in {t.name for t in buyers.data}
    last = snapshots["period_end"].max()
    assert sum(t.y[-1] for t in everyone.data) == (snapshots["period_end"] == last).sum()
    assert "buyers only" in title_text(buyers)


def test_without_a_published_snapshot_the_page_says_to_run_refresh(tmp_path):
    create_app(tmp_path / "empty.duckdb")
    text = layout()[ids.MIGRATION_MESSAGE].children
    assert "python app.py refresh --db" in text
