"""Migration figure builders, on small frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.pages.migration import figures

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
    names = list(sankey.node.customdata)
    lefts = ["Champions", "New Customers", "Lost", "(new)"]
    rights = ["Champions", "New Customers", "Lost", "Window Shoppers", "(gone)"]
    assert names == lefts + rights
    assert sankey.node.label[0] == "Champions  7" and sankey.node.label[4] == "Champions  8"
    links = {
        (names[s], names[t]): v
        for s, t, v in zip(sankey.link.source, sankey.link.target, sankey.link.value, strict=True)
    }
    assert links == {(f, t): n for f, t, n in COUNTS.itertuples(index=False)}
    assert all(s < len(lefts) <= t for s, t in zip(sankey.link.source, sankey.link.target,
                                                   strict=True))
    assert sankey.node.color[0] == colours["Champions"]  # same colour as on the area chart


def test_sankey_labels_of_twenty_segments_never_overlap():
    """One large group and nineteen small ones: each label gets its own line."""
    left = [20_000, *range(1, 20)]
    right = [15_000, 5_000, *range(1, 19)]
    placed = figures.sankey_layout(left, right)
    for column, values in ((placed.left, left), (placed.right, right)):
        centres = np.asarray(column) * placed.plot_px
        assert len(centres) == len(values)
        assert (np.diff(centres) >= figures.LABEL_PX).all()
        assert centres[0] >= 0 and centres[-1] <= placed.plot_px
    # the large nodes are drawn ky × value tall and do not overlap their neighbours
    ky = (placed.plot_px - (len(left) - 1) * placed.pad) / sum(left)
    big = ky * left[0]
    gap = (placed.left[1] - placed.left[0]) * placed.plot_px
    assert gap >= big / 2 + figures.LABEL_PX / 2


def test_sankey_figure_grows_with_the_number_of_nodes():
    few = figures.sankey_figure(COUNTS, ORDER, "a", "b")
    many_segments = [f"S{i}" for i in range(20)]
    many = pd.DataFrame([(s, t, 1 + i) for i, (s, t) in
                         enumerate(zip(many_segments, reversed(many_segments), strict=True))],
                        columns=["from_segment", "to_segment", "customers"])
    tall = figures.sankey_figure(many, many_segments, "a", "b")
    assert tall.layout.height > few.layout.height


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
