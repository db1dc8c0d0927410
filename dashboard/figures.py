"""Figure pieces shared by the pages (each page's own builders are in its figures.py): pure
functions, a frame in and a Plotly figure out, no Dash, no database."""

from __future__ import annotations

import textwrap

import plotly.graph_objects as go
import plotly.io as pio

# Every chart of the pages uses Plotly's white template. Set once as the default, it is sent with
# each figure as it is; set on each figure, Plotly validates a copy of it every time (about 8 ms a
# figure, most of a callback's time).
pio.templates.default = "plotly_white"

# Characters of a title line that fit a chart of each width class at 1024 px and wider (title
# 17 px, about 9 px a character; the note under it, 12 px, about 6.5 px). A "half" chart is half
# the page from 1200 px on and the whole page below (the layouts stack there).
TITLE_CHARS = {"full": 90, "half": 62, "third": 40}
NOTE_RATIO = 1.4
MAX_TITLE_LINES = 2  # Plotly places a top-anchored title of more lines too low
TITLE_LINE_PX, NOTE_LINE_PX, TOP_PAD_PX, PLOT_GAP_PX = 22, 16, 8, 18


def wrap(text: str, chars: int) -> list[str]:
    """``text`` broken into lines of at most ``chars`` characters (at spaces; explicit line
    breaks kept)."""
    return [line for part in text.split("\n") for line in (textwrap.wrap(part, chars) or [""])]


def set_title(
    fig: go.Figure, text: str, note: str | None = None, *, width: str = "full"
) -> go.Figure:
    """Give ``fig`` a title and an optional smaller note under it (Plotly's subtitle), wrapped
    to fit its width class (``TITLE_CHARS``), pinned to the top of the chart with a top margin
    that holds every line: no title is clipped at the right or runs into the plot. Newlines in
    ``note`` start new lines. A title longer than ``MAX_TITLE_LINES`` lines is a ValueError."""
    chars = TITLE_CHARS[width]
    title_lines = wrap(text, chars)
    if len(title_lines) > MAX_TITLE_LINES:
        raise ValueError(f"chart title too long for a {width} chart: {text!r}")
    note_lines = wrap(note, int(chars * NOTE_RATIO)) if note else []
    # A top-anchored title of two lines is drawn one line higher than asked: pad it down.
    pad = TOP_PAD_PX + TITLE_LINE_PX * (len(title_lines) - 1)
    fig.update_layout(
        title={
            "text": "<br>".join(title_lines),
            "subtitle": {"text": "<br>".join(note_lines)},
            "x": 0.01, "xanchor": "left", "xref": "container",
            "y": 1, "yanchor": "top", "yref": "container", "pad": {"t": pad},
        },
        margin={"t": TOP_PAD_PX + TITLE_LINE_PX * len(title_lines)
                + NOTE_LINE_PX * len(note_lines) + PLOT_GAP_PX},
    )
    return fig


def title_text(fig: go.Figure) -> str:
    """A figure's title and note as plain words, line breaks and tags removed (for tests)."""
    title = fig.layout.title
    text = f"{title.text or ''} {title.subtitle.text or ''}"
    for tag in ("<br>", "<sup>", "</sup>", "<b>", "</b>"):
        text = text.replace(tag, " ")
    return " ".join(text.split())


def empty_figure(title: str, text: str, *, width: str = "full") -> go.Figure:
    """A blank chart that says why it is blank (no data, invalid dates, a failed query)."""
    fig = go.Figure()
    fig.update_layout(
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[{"text": "<br>".join(wrap(text, 70)), "showarrow": False,
                      "font": {"size": 14}, "xref": "paper", "yref": "paper", "x": 0.5,
                      "y": 0.5}],
    )
    return set_title(fig, title, width=width)
