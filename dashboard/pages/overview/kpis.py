"""The Overview's headline KPIs: cards with their change against the previous period, and the
KPI tree's frame (``analytics.kpi_tree`` splits the GMV change among its drivers)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd

from analytics.kpi_tree import DRIVERS, decompose_gmv_change, period_drivers
from dashboard import components, formatting
from dashboard.pages.overview import ids

KPI_CARDS = {  # column → (title, formatter, footnote)
    "gmv_amount": ("GMV", formatting.money, "sum of order line amounts"),
    "traffic": ("Traffic (visits)", formatting.count, "a visitor active on a day = 1 visit"),
    "conversion_rate": ("Conversion rate", lambda v: formatting.percent(v, 2), "orders ÷ visits"),
    "avg_ticket_amount": ("Average ticket size", formatting.money, "GMV ÷ orders"),
}


def _drivers(kpis: pd.DataFrame) -> dict[str, float]:
    row = kpis.iloc[0]
    return period_drivers(
        float(row["traffic"]), float(row["count_orders"]), float(row["gmv_amount"])
    )


def kpi_tree_frame(current: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """Rows gmv_amount + drivers with ``current``, ``previous``, ``contribution_amount`` and
    the decomposition ``method`` (see ``analytics.kpi_tree``)."""
    now = _drivers(current)
    gmv_now = float(current.iloc[0]["gmv_amount"])
    if previous is None:
        values = {"gmv_amount": gmv_now, **now}
        return pd.DataFrame(
            {"current": values, "previous": float("nan"), "contribution_amount": float("nan")}
        )
    before = _drivers(previous)
    split = decompose_gmv_change(before, now).set_index("driver")
    gmv_before = float(previous.iloc[0]["gmv_amount"])
    top = pd.DataFrame(
        {"current": gmv_now, "previous": gmv_before, "contribution_amount": gmv_now - gmv_before},
        index=["gmv_amount"],
    )
    drivers = split.loc[list(DRIVERS), ["current", "previous", "contribution_amount", "method"]]
    return pd.concat([top, drivers])


def _change_text(key: str, now: float, before: float | None) -> tuple[str, int | None]:
    if before is None or pd.isna(before) or pd.isna(now):
        return "no previous period to compare", None
    delta = now - before
    direction = int(delta > 0) - int(delta < 0)
    if key == "conversion_rate":
        absolute = formatting.signed(f"{abs(delta) * 100:.2f} pp", delta)
    else:
        fmt = KPI_CARDS[key][1]
        absolute = formatting.signed(fmt(abs(delta)), delta)
    relative = formatting.relative_change(now, before)
    if relative is not None:
        absolute += f" ({formatting.signed(formatting.percent(abs(relative)), relative)})"
    return f"{absolute} vs previous period", direction


def kpi_cards(current: pd.DataFrame, previous: pd.DataFrame | None) -> list[dbc.Col]:
    """One card per KPI: value for the period, change against the previous period."""
    cards = []
    for key, (title, fmt, footnote) in KPI_CARDS.items():
        now = float(current.iloc[0][key])
        before = None if previous is None else float(previous.iloc[0][key])
        change_text, direction = _change_text(key, now, before)
        previous_text = "" if before is None else f"previous: {fmt(before)} · "
        cards.append(
            dbc.Col(
                components.kpi_card(
                    title,
                    fmt(now),
                    value_id=ids.OVERVIEW_KPI_VALUE[key],
                    change_id=ids.OVERVIEW_KPI_CHANGE[key],
                    change_text=change_text,
                    direction=direction,
                    footnote=previous_text + footnote,
                ),
                xs=12,
                sm=6,
                lg=3,
                className="mb-3",
            )
        )
    return cards
