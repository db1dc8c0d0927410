"""Shared figure pieces: titles that fit their chart, blank charts that say why."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from dashboard.figures import TITLE_CHARS, empty_figure, set_title, title_text


def test_a_title_and_its_note_wrap_to_the_chart_width_and_push_the_plot_down():
    short = set_title(go.Figure(), "GMV per week")
    note = "Lighter, hatched bars: partial weeks, only some of their days fall in the range. " * 2
    long = set_title(go.Figure(), "Where customers went between the two snapshots", note,
                     width="third")
    for line in long.layout.title.text.split("<br>"):
        assert len(line) <= TITLE_CHARS["third"]
    note_lines = long.layout.title.subtitle.text.split("<br>")
    assert len(note_lines) == 3  # 162 characters in lines of at most 56 (40 × 1.4)
    assert all(len(line) <= 56 for line in note_lines)
    assert long.layout.margin.t > short.layout.margin.t
    assert title_text(long).startswith("Where customers went between the two snapshots Lighter")


def test_a_title_too_long_for_its_chart_is_refused():
    with pytest.raises(ValueError, match="too long for a third chart"):
        set_title(go.Figure(), "word " * 40, width="third")


def test_a_blank_chart_says_why():
    fig = empty_figure("Segments", "No buyers in the published data")
    assert fig.data == () and fig.layout.annotations[0].text == "No buyers in the published data"
    assert title_text(fig) == "Segments"
