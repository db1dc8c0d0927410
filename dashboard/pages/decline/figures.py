"""Figures of the Decline risk page: frames of ``warehouse.queries.decline`` in, Plotly figures
out. shap draws with matplotlib only, so its bar, beeswarm and waterfall charts are drawn here.
Contributions are in the published run's unit (log-odds of decline, or probability for a tree)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from dashboard import formatting
from dashboard.figures import empty_figure

PUBLISHED_BAR = 0.924  # test ROC-AUC of the published notebooks on the real One Click files
CHOSEN, OTHER, UNEXPLAINABLE, TEST = "#18bc9c", "#2c3e50", "#95a5a6", "#e74c3c"
RAISES, LOWERS = "#e74c3c", "#18bc9c"
LAYOUT = {
    "template": "plotly_white",
    "margin": {"l": 10, "r": 20, "t": 70, "b": 50},
    "hoverlabel": {"align": "left"},
}
_TEMPLATE = pio.templates[LAYOUT["template"]].to_plotly_json()
WATERFALL_FEATURES = 10  # the largest contributions shown one by one; the rest summed
BEESWARM_BINS = 40
BEESWARM_STEP = 0.035  # vertical spread of points sharing a bin, in rows


def unit_words(unit: str) -> str:
    """How a contribution's unit reads on an axis."""
    return "probability" if unit == "probability" else "log-odds"


def families_figure(families: pd.DataFrame) -> go.Figure:
    """Each family's best candidate: CV ROC-AUC (mean ± sd over the folds) and test ROC-AUC."""
    title = "Model comparison: ROC-AUC by family"
    if families.empty:
        return empty_figure(title, "No model in the published data")
    rows = families.sort_values("cv_mean")
    colours = [CHOSEN if chosen else (OTHER if explainable else UNEXPLAINABLE)
               for chosen, explainable in zip(rows["is_chosen"], rows["explainable"], strict=True)]
    labels = [f"{label} ✓" if chosen else label
              for label, chosen in zip(rows["label"], rows["is_chosen"], strict=True)]
    fig = go.Figure([
        go.Bar(
            x=rows["cv_mean"], y=labels, orientation="h", name="CV mean ± sd (training split)",
            marker_color=colours,
            error_x={"type": "data", "array": rows["cv_sd"], "color": "#7b8a8b"},
            customdata=np.stack([rows["cv_sd"], rows["candidates"], rows["params"]], axis=-1),
            hovertemplate=("%{y}<br>CV ROC-AUC %{x:.3f} ± %{customdata[0]:.3f} over "
                           "%{customdata[1]} candidates<br>best: %{customdata[2]}<extra></extra>"),
        ),
        go.Scatter(
            x=rows["test_roc_auc"], y=labels, mode="markers", name="test ROC-AUC (held out)",
            marker={"symbol": "diamond", "size": 11, "color": TEST},
            hovertemplate="%{y}<br>test ROC-AUC %{x:.3f}<extra></extra>",
        ),
    ])
    low = float(min(rows["cv_mean"].min() - rows["cv_sd"].max(), rows["test_roc_auc"].min(),
                    0.5))
    fig.add_vline(x=PUBLISHED_BAR, line_dash="dash", line_color="#7b8a8b")
    fig.add_annotation(x=PUBLISHED_BAR, y=1.0, yref="paper", yanchor="bottom", xanchor="right",
                       text=f"published bar {PUBLISHED_BAR} ┐", showarrow=False,
                       font={"size": 11, "color": "#7b8a8b"})
    fig.update_layout(
        title={"text": f"{title}<br><sup>✓ chosen: best CV score among the families an exact "
                       "explainer supports (grey: none does)</sup>", "x": 0.01},
        xaxis={"title": "ROC-AUC", "range": [max(low - 0.02, 0.0), 1.0]},
        legend={"orientation": "h", "y": -0.25},
        barmode="overlay",
        **LAYOUT,
    )
    return fig


def calibration_figure(calibration: pd.DataFrame) -> go.Figure:
    """Predicted probability against the observed share of decreased customers per bin of the
    test split; the diagonal is perfect calibration."""
    title = "Calibration on the test split"
    shown = calibration[calibration["customers"] > 0]
    if shown.empty:
        return empty_figure(title, "No test customers in the published data")
    size = 8 + 24 * np.sqrt(shown["customers"] / shown["customers"].max())
    fig = go.Figure([
        go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfect",
                   line={"dash": "dot", "color": "#7b8a8b"}, hoverinfo="skip"),
        go.Scatter(
            x=shown["mean_predicted"], y=shown["observed_rate"], mode="markers+lines",
            name="model", marker={"size": size, "color": OTHER}, line={"color": OTHER},
            customdata=shown["customers"],
            hovertemplate=("predicted %{x:.0%}<br>observed %{y:.0%}<br>%{customdata} customers"
                           "<extra></extra>"),
        ),
    ])
    fig.update_layout(
        title={"text": f"{title}<br><sup>each point: a bin of predicted risk, sized by its "
                       "customers</sup>", "x": 0.01},
        xaxis={"title": "predicted risk", "range": [0, 1], "tickformat": ".0%"},
        yaxis={"title": "share that decreased", "range": [0, 1], "tickformat": ".0%"},
        showlegend=False,
        **LAYOUT,
    )
    return fig


def importance_figure(importance: pd.DataFrame, unit: str) -> go.Figure:
    """Mean absolute contribution per feature, the largest on top (SHAP's bar chart)."""
    title = "What drives decline risk overall"
    if importance.empty:
        return empty_figure(title, "No explanations in the published data")
    rows = importance.iloc[::-1]
    fig = go.Figure(go.Bar(
        x=rows["mean_abs"], y=rows["label"], orientation="h", marker_color=OTHER,
        hovertemplate="%{y}<br>mean |contribution| %{x:.3f}<extra></extra>",
    ))
    fig.update_layout(
        title={"text": f"{title}<br><sup>mean absolute SHAP value over the scored customers "
                       f"({unit_words(unit)})</sup>", "x": 0.01},
        xaxis={"title": f"mean |contribution| ({unit_words(unit)})"},
        **LAYOUT,
    )
    return fig


def _spread(points: pd.DataFrame) -> np.ndarray:
    """A vertical offset per point so that points with close contributions do not overlap:
    within a bin of a feature, alternately above and below the row, further out each time."""
    low, high = points["contribution"].min(), points["contribution"].max()
    width = (high - low) / BEESWARM_BINS or 1.0
    bins = ((points["contribution"] - low) // width).astype(int)
    order = points.assign(bin=bins).groupby(["feature", "bin"]).cumcount().to_numpy()
    side = np.where(order % 2 == 0, 1, -1)
    return np.clip(side * ((order + 1) // 2) * BEESWARM_STEP, -0.42, 0.42)


def beeswarm_figure(points: pd.DataFrame, importance: pd.DataFrame, unit: str) -> go.Figure:
    """Each customer's contribution per feature, coloured by the feature's value (low blue, high
    red; categories grey), features by importance (SHAP's beeswarm)."""
    title = "How each feature's values move the risk"
    if points.empty or importance.empty:
        return empty_figure(title, "No explanations in the published data")
    order = list(importance["feature"].iloc[::-1])
    row = {feature: index for index, feature in enumerate(order)}
    frame = points[points["feature"].isin(row)].sort_values(["feature", "contribution"])
    y = frame["feature"].map(row).to_numpy() + _spread(frame)
    numbers = frame["value_scaled"].notna().to_numpy()
    hover = ("%{customdata[0]}<br>value %{customdata[1]}<br>contribution %{x:+.3f}"
             "<extra></extra>")
    custom = np.stack([frame["label"], frame["value"]], axis=-1)
    fig = go.Figure([
        go.Scatter(
            x=frame["contribution"][numbers], y=y[numbers], mode="markers", name="number",
            customdata=custom[numbers], hovertemplate=hover,
            marker={"size": 5, "color": frame["value_scaled"][numbers], "colorscale": "RdBu_r",
                    "cmin": 0, "cmax": 1, "opacity": 0.75,
                    "colorbar": {"title": {"text": "feature value"}, "tickvals": [0, 1],
                                 "ticktext": ["low", "high"], "thickness": 12}},
        ),
        go.Scatter(
            x=frame["contribution"][~numbers], y=y[~numbers], mode="markers", name="category",
            customdata=custom[~numbers], hovertemplate=hover,
            marker={"size": 5, "color": UNEXPLAINABLE, "opacity": 0.75},
        ),
    ])
    labels = importance.set_index("feature")["label"]
    fig.add_vline(x=0, line_color="#7b8a8b", line_width=1)
    fig.update_layout(
        title={"text": f"{title}<br><sup>one point per customer and feature; right of 0 raises "
                       f"the risk ({unit_words(unit)})</sup>", "x": 0.01},
        xaxis={"title": f"contribution ({unit_words(unit)})"},
        yaxis={"tickvals": list(range(len(order))), "ticktext": [labels[f] for f in order],
               "range": [-0.6, len(order) - 0.4]},
        showlegend=False,
        **LAYOUT,
    )
    return fig


def waterfall_figure(contributions: pd.DataFrame, base_value: float, output: float, unit: str,
                     customer_id: str, risk: float) -> dict:
    """From the average customer (base value) to this customer's model output, feature by
    feature, the largest on top (SHAP's waterfall); the smallest are summed in one bar.

    A plain figure dict (the template expanded once, at import): drawn on every click, it must
    not pay for plotly's validation of every property (about 20 ms)."""
    title = f"Why customer {customer_id}'s risk is {formatting.percent(risk, 0)}"
    if contributions.empty:
        return empty_figure(title, "No explanation stored for this customer").to_plotly_json()
    ranked = contributions.sort_values("rank")
    shown = ranked.head(WATERFALL_FEATURES - 1) if len(ranked) > WATERFALL_FEATURES else ranked
    rest = ranked.iloc[len(shown):]
    labels = [f"{label} = {value}" for label, value in zip(shown["label"], shown["value"],
                                                            strict=True)]
    values = [float(v) for v in shown["contribution"]]
    if len(rest):
        labels.append(f"{len(rest)} other features")
        values.append(float(rest["contribution"].sum()))
    words = unit_words(unit)
    path = np.cumsum([base_value, *values])
    low, high = float(min(0.0, path.min(), output)), float(max(0.0, path.max(), output))
    pad = 0.18 * (high - low or 1.0)
    trace = {
        "type": "waterfall",
        "orientation": "h",
        "measure": ["absolute", *["relative"] * len(values), "total"],
        "y": ["average customer (base value)", *labels, "this customer"],
        "x": [float(base_value), *values, float(output)],
        "text": [f"{base_value:.2f}", *[f"{v:+.2f}" for v in values], f"{output:.2f}"],
        "textposition": "outside",
        "cliponaxis": False,
        "increasing": {"marker": {"color": RAISES}},
        "decreasing": {"marker": {"color": LOWERS}},
        "totals": {"marker": {"color": OTHER}},
        "connector": {"line": {"color": "#bdc3c7"}},
        "hovertemplate": "%{y}<br>%{x:.3f}<extra></extra>",
    }
    layout = {
        **LAYOUT,
        "template": _TEMPLATE,
        "margin": {"l": 10, "r": 60, "t": 70, "b": 50},
        "title": {"text": f"{title}<br><sup>red raises the risk, green lowers it ({words}; the "
                          "contributions sum to the customer's output)</sup>", "x": 0.01},
        "xaxis": {"title": {"text": words}, "range": [low - pad, high + pad]},
        "yaxis": {"autorange": "reversed"},
    }
    return {"data": [trace], "layout": layout}


RISK_ROWS = ("high", "medium", "low")
PROFIT_COLUMNS = ("high", "low")


def risk_profit_figure(groups: pd.DataFrame, medium_from: float, high_above: float) -> go.Figure:
    """The six risk × profit groups: customers, revenue at stake and main reasons, coloured by
    the risk-weighted revenue."""
    title = "Risk × profit: where the revenue at stake is"
    if groups.empty:
        return empty_figure(title, "No scored customers in the published data")
    cells = groups.set_index(["risk_band", "profit_band"])
    z, text, hover = [], [], []
    for risk in RISK_ROWS:
        z_row, text_row, hover_row = [], [], []
        for profit in PROFIT_COLUMNS:
            cell = cells.loc[(risk, profit)]
            z_row.append(float(cell["revenue_at_risk_amount"]))
            text_row.append(f"<b>{formatting.count(cell['customers'])} customers</b><br>"
                            f"{formatting.money(cell['revenue_amount'])} a month")
            hover_row.append(
                f"{risk} risk, {profit} profit: {formatting.count(cell['customers'])} customers "
                f"({formatting.percent(cell['share'])})<br>revenue at stake "
                f"{formatting.money(cell['revenue_amount'])} a month, "
                f"{formatting.money(cell['revenue_at_risk_amount'])} weighted by risk<br>"
                f"main reasons: {cell['main_reasons'] or 'none'}")
        z.append(z_row)
        text.append(text_row)
        hover.append(hover_row)
    bands = {"high": f"high risk (> {high_above:g})",
             "medium": f"medium ({medium_from:g}–{high_above:g})",
             "low": f"low risk (< {medium_from:g})"}
    fig = go.Figure(go.Heatmap(
        z=z, x=["high profit", "low profit"], y=[bands[r] for r in RISK_ROWS], text=text,
        texttemplate="%{text}", customdata=hover, hovertemplate="%{customdata}<extra></extra>",
        colorscale="Reds", showscale=False, xgap=3, ygap=3,
    ))
    fig.update_layout(
        title={"text": f"{title}<br><sup>colour: monthly revenue weighted by decline risk</sup>",
               "x": 0.01},
        yaxis={"autorange": "reversed"},
        **LAYOUT,
    )
    return fig
