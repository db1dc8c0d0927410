"""The Action board's tables and sentences: query frames → grid rows, Bootstrap tables, text.

Pure functions (no Dash state, no data access), so the page's callbacks stay thin and each piece of
wording is tested on its own. Money is in the shop's currency units; conversion is shown in %, its
lift in percentage points (pp).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from analytics.experiments.design import MAX_DURATION_DAYS
from dashboard import formatting
from dashboard.pages.board import figures, forms, ids
from warehouse.commands import LaunchedCampaign, LaunchPreview, Rule
from warehouse.queries.board import BoardStats
from warehouse.schema.fields import FieldCatalogue

STATUS_WORDS = {
    "scheduled": "Scheduled — waiting for data after launch",
    "running": "Running — interim results",
    "completed": "Completed",
}
NOT_MEASURED = "Launched after the last refresh — run a refresh to measure it"


def rules_rows(
    stats: BoardStats, rules: list[Rule], catalogue: FieldCatalogue
) -> list[dict[str, Any]]:
    """Rows of the rules grid: rule_stats columns plus the conditions in words."""
    words = {rule.rule_id: forms.describe_conditions(rule.conditions, catalogue)
             for rule in rules}
    frame = stats.rules.assign(conditions=stats.rules["rule_id"].map(words),
                               enabled=stats.rules["enabled"].map({True: "on", False: "off"}),
                               row_key=stats.rules["rule_id"].astype(str))
    return frame.to_dict("records")


def summary_text(stats: BoardStats) -> str:
    """How many customers the rules reach, and how many several enabled rules compete for."""
    share = stats.count_targeted / stats.count_customers if stats.count_customers else 0.0
    return (
        f"{formatting.count(stats.count_targeted)} of {formatting.count(stats.count_customers)} "
        f"customers ({formatting.percent(share)}) get an action. "
        f"{formatting.count(stats.count_multi_matched)} customers match two or more enabled "
        "rules; each gets only the action of the highest-priority one (compare 'Reached' "
        "with 'Matching' per rule)."
    )


def status_words(status: str, is_measured: bool) -> str:
    """A campaign's state in plain words for the list and the detail panel."""
    if status != "scheduled" and not is_measured:
        return NOT_MEASURED
    return STATUS_WORDS.get(status, status)


def stamp(value: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A timestamp as text, or empty when missing."""
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime(fmt)


def campaign_rows(overview: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of the campaigns grid."""
    return [
        {
            "campaign_id": row.campaign_id,
            "name": row.name,
            "rule": row.rule_name if isinstance(row.rule_name, str) else "(imported)",
            "launched": stamp(row.launched_at),
            "ends": stamp(row.ends_at),
            "status": status_words(row.status, bool(row.is_measured)),
            "audience_size": int(row.audience_size),
            "count_treatment": int(row.count_treatment),
            "count_control": int(row.count_control),
        }
        for row in overview.itertuples(index=False)
    ]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def audit_subject(row: Any) -> str:
    """What an audit row is about: its campaign, segment or rule."""
    if isinstance(row.campaign_id, str):
        return row.campaign_id
    if isinstance(row.segment, str):
        return f"segment {row.segment}"
    if not pd.isna(row.rule_id):
        return f"rule {int(row.rule_id)}"
    return ""


def audit_rows(entries: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of the audit grid, newest first as the query returns them."""
    return [
        {
            "when": stamp(row.logged_at, "%Y-%m-%d %H:%M:%S"),
            "user": _text(row.user_name),
            "event": row.event,
            "subject": audit_subject(row),
            "group_name": _text(row.group_name),
            "row_count": None if pd.isna(row.row_count) else int(row.row_count),
            "file_name": _text(row.file_name),
        }
        for row in entries.itertuples(index=False)
    ]


def _metric_value(metric: str, value: float) -> str:
    if metric == "conversion":
        return formatting.percent(value, 2)
    if metric == "gmv_per_customer":
        return formatting.money(value)
    return formatting.MISSING if math.isnan(value) else f"{value:.3f}"


def _lift_value(metric: str, value: float) -> str:
    if value is None or math.isnan(value):
        return formatting.MISSING
    if metric == "conversion":
        return f"{value * 100:+.2f} pp"
    if metric == "gmv_per_customer":
        return formatting.signed(formatting.money(abs(value)), value)
    return f"{value:+.3f}"


def _rel_value(value: float) -> str:
    if value is None or math.isnan(value):
        return formatting.MISSING
    return formatting.signed(formatting.percent(abs(value)), value)


def metric_name(metric: str) -> str:
    """A metric's name for tables and messages (the chart label without its unit)."""
    return figures.METRIC_LABELS.get(metric, metric).replace(" (percentage points)", "")


def results_table(results: pd.DataFrame) -> dbc.Table:
    """Control vs treatment per metric with absolute and relative lift, 95 % CIs and p-values."""
    header = html.Thead(html.Tr([html.Th(t) for t in (
        "Metric", "Control", "Treatment", "Lift (95% CI)", "Relative lift (95% CI)", "p-value")]))
    body = []
    for row in results.itertuples(index=False):
        m = row.metric
        body.append(html.Tr([
            html.Td(metric_name(m)),
            html.Td(_metric_value(m, row.control_mean)),
            html.Td(_metric_value(m, row.treatment_mean)),
            html.Td(f"{_lift_value(m, row.abs_lift)} "
                    + formatting.interval(row.abs_ci_low, row.abs_ci_high,
                                          lambda v, m=m: _lift_value(m, v))),
            html.Td(f"{_rel_value(row.rel_lift)} "
                    + formatting.interval(row.rel_ci_low, row.rel_ci_high, _rel_value)),
            html.Td(formatting.p_value(row.p_value)),
        ]))
    return dbc.Table([header, html.Tbody(body)], bordered=False, hover=True, size="sm",
                     className="mb-2")


def srm_message(results: pd.DataFrame, control_share: float) -> dbc.Alert:
    """The sample-ratio-mismatch check: observed split against the planned control share."""
    row = results.iloc[0]
    counts = (f"{formatting.count(row.n_treatment)} treatment / {formatting.count(row.n_control)} "
              f"control, planned {formatting.percent(control_share, 0)} control")
    p = formatting.p_statement(row.srm_p_value)
    if bool(row.is_srm):
        return dbc.Alert(
            f"Sample ratio mismatch: {counts} ({p}). The groups lost customers unevenly; do not "
            "trust the lift until this is explained.",
            color="danger", id=ids.BOARD_SRM)
    return dbc.Alert(f"Sample ratio check passed: {counts} ({p}).", color="light",
                     id=ids.BOARD_SRM)


def _design_value(metric: str, value: float, *, lift: bool = False) -> str:
    if value is None or math.isnan(value):
        return formatting.MISSING
    if metric == "conversion":
        return f"{value * 100:.2f} pp" if lift else formatting.percent(value, 2)
    return formatting.money(value)


NOT_FEASIBLE = "not feasible with this audience"


def _smallest_effect(metric: str, r: Any) -> str:
    """The smallest effect this audience can detect, in the metric's unit and relative (a
    relative figure of thousands of percent says nothing: beyond +100 % it reads "more than
    double the baseline"); none when no effect is detectable."""
    if math.isnan(r.n_total_required):
        return formatting.MISSING
    if not r.is_effect_detectable:
        return f"none: {NOT_FEASIBLE}"
    shown = "+" + _design_value(metric, r.mde_abs, lift=True)
    if math.isnan(r.mde_rel):
        return shown
    if r.mde_rel > 1:
        return f"{shown} (more than double the baseline)"
    return f"{shown} ({formatting.percent(r.mde_rel)} relative)"


def _verdict(metric: str, r: Any) -> str:
    if math.isnan(r.n_total_required):
        return formatting.MISSING
    if r.is_feasible:
        return "feasible"
    return f"{NOT_FEASIBLE}: needs {formatting.count(r.audience_needed)} customers"


def design_table(plan: pd.DataFrame, eligible_per_day: float) -> html.Div:
    """The design frame as a two-column table (conversion, revenue per customer) with notes."""
    conv, rev = (plan.set_index("metric").loc[m] for m in ("conversion", "gmv_per_customer"))

    def both(render: Callable[[str, pd.Series], str]) -> list[html.Td]:
        return [html.Td(render("conversion", conv)), html.Td(render("gmv_per_customer", rev))]

    def pair(a: float, b: float) -> str:
        if math.isnan(a):
            return formatting.MISSING
        return f"{formatting.count(a)} / {formatting.count(b)}"

    def days(_: str, r: pd.Series) -> str:
        if math.isnan(r.n_total_required):
            return formatting.MISSING
        if math.isnan(r.duration_days):
            return f"more than {MAX_DURATION_DAYS} days: not feasible"
        return f"about {formatting.count(r.duration_days)} days"

    lines = [
        ("Baseline without action", both(lambda m, r: _design_value(m, r.baseline))),
        ("Target with the chosen effect", both(lambda m, r: _design_value(m, r.target))),
        ("Customers needed: treatment / control",
         both(lambda m, r: pair(r.n_treatment_required, r.n_control_required))),
        ("Customers needed in total", both(lambda m, r: formatting.count(r.n_total_required))),
        ("This audience: treatment / control",
         both(lambda m, r: pair(r.audience_treatment, r.audience_control))),
        ("Planned effect with this audience", both(_verdict)),
        ("Power with this audience", both(lambda m, r: formatting.percent(r.power_at_audience))),
        ("Smallest detectable effect with this audience", both(_smallest_effect)),
        (f"Time to enrol the customers needed ({eligible_per_day:.1f} active per day)",
         both(days)),
    ]
    table = dbc.Table(
        [html.Thead(html.Tr([html.Th(""), html.Th("Conversion"),
                             html.Th("Revenue per customer")])),
         html.Tbody([html.Tr([html.Th(label, className="fw-normal"), *cells])
                     for label, cells in lines])],
        bordered=False, size="sm", className="mb-2",
    )
    notes = [html.Li(f"{'Conversion' if m == 'conversion' else 'Revenue'}: {note}")
             for m, note in zip(plan["metric"], plan["note"], strict=True) if note]
    notes_list = html.Ul(notes, className="small text-muted")
    return html.Div([*shortfall_warnings(plan), table, notes_list])


def shortfall_warnings(plan: pd.DataFrame) -> list:
    """A warning per planned metric this audience cannot test: launched as it is, the test would
    most likely miss the planned effect. Each says what would make the test feasible."""
    warnings = []
    for r in plan.itertuples(index=False):
        if math.isnan(r.n_total_required) or r.is_feasible:
            continue
        audience = r.audience_treatment + r.audience_control
        larger = (f", or plan for an effect of at least {_smallest_effect(r.metric, r)}"
                  if r.is_effect_detectable else
                  "; with so few customers no effect on it is detectable")
        warnings.append(dbc.Alert(
            f"{metric_name(r.metric)}: {NOT_FEASIBLE}. It has {formatting.count(audience)} of "
            f"the {formatting.count(r.n_total_required)} customers needed, so the test has "
            f"{formatting.percent(r.power_at_audience)} power and would probably miss the "
            f"planned effect. Feasible with an audience of "
            f"{formatting.count(r.audience_needed)} (widen the rule){larger}.",
            color="warning", className="py-2 mb-2 small",
        ))
    return warnings


LOW_POWER = 0.5  # below this, a test is more likely to miss the planned effect than to find it


def power_verdict(plan: pd.DataFrame, target_power: float) -> dbc.Alert:
    """How likely the planned test is to detect the planned effects with this audience, per
    metric; the alert is stronger the lower the best power is (under 50 %: most likely a miss)."""
    powers = {metric_name(r.metric): r.power_at_audience for r in plan.itertuples(index=False)}
    known = [p for p in powers.values() if not math.isnan(p)]
    each = "; ".join(f"{name} {formatting.percent(p)}" for name, p in powers.items()
                     if not math.isnan(p))
    if not known:
        return dbc.Alert("The power of this test cannot be computed: there is no baseline for "
                         "its audience. Launch it only if you accept not knowing what it can "
                         "detect.", color="warning", id=ids.BOARD_LAUNCH_POWER)
    best = max(known)
    if best >= target_power:
        reached = " and ".join(name for name, p in powers.items() if p >= target_power)
        return dbc.Alert(f"Power to detect the planned effects: {each}. The planned "
                         f"{formatting.percent(target_power, 0)} is reached for {reached}.",
                         color="success", id=ids.BOARD_LAUNCH_POWER)
    if best >= LOW_POWER:
        return dbc.Alert(f"Power below the planned {formatting.percent(target_power, 0)}: "
                         f"{each}. The test may well miss the planned effects.",
                         color="warning", id=ids.BOARD_LAUNCH_POWER)
    return dbc.Alert([html.Strong("Low power: this test would most likely miss the planned "
                                  "effects. "),
                      f"Power {each}. A result without significance would then say nothing "
                      "about the action. Widen the rule, plan for a larger effect or a larger "
                      "control share before launching."],
                     color="danger", id=ids.BOARD_LAUNCH_POWER)


def left_out_preview(preview: LaunchPreview, channel: str) -> html.P:
    """Who a launch would leave out: customers in a running campaign (unless the switch is
    off) and those who refused notifications on the rule's channel."""
    text = (f"Left out at launch: {formatting.count(preview.count_running)} already in a running "
            f"campaign (unless you switch that off below) and "
            f"{formatting.count(preview.count_no_consent)} who refused notifications by "
            f"{channel}.")
    if preview.audience_size and preview.count_running >= preview.audience_size:
        text += (" Every customer of this rule is in a running campaign: leaving them out, "
                 "nothing would be launched.")
    return html.P(text, className="small mb-0", id=ids.BOARD_LAUNCH_LEFT_OUT)


def launch_confirmation(rule: Rule, baseline: dict[str, Any], plan: pd.DataFrame,
                        inputs: Any, duration_days: int, preview: LaunchPreview) -> list:
    """The question before a launch: what is frozen, for how long, the design's power and who
    would be left out."""
    conversion = plan.set_index("metric").loc["conversion"]
    n_t, n_c = int(conversion.audience_treatment), int(conversion.audience_control)
    return [
        html.P([html.Strong(f"'{rule.name}'"),
                f" ({rule.action}, {rule.channel}) reaches "
                f"{formatting.count(baseline['audience_size'])} customers now: "
                f"{formatting.count(n_t)} treatment / {formatting.count(n_c)} control "
                f"({formatting.percent(inputs.control_share, 0)} held out), for "
                f"{duration_days} days."]),
        power_verdict(plan, inputs.power),
        left_out_preview(preview, rule.channel),
        html.P("The groups are frozen at launch; the power above is before anyone is left out.",
               className="small text-muted mb-0"),
    ]


def launch_text(launched: LaunchedCampaign, overview: pd.DataFrame, *,
                exclude_running: bool = True) -> list:
    """What the launch did: campaign id, frozen audience and group sizes, the customers left out
    (in a running campaign; refused notifications), the clock that dated it, and its state."""
    row = overview.set_index("campaign_id").loc[launched.campaign_id]
    state = status_words(row.status, bool(row.is_measured))
    refused = (f"{formatting.count(launched.count_no_consent)} who refused notifications on "
               "this channel")
    left_out = (f" Left out: {formatting.count(launched.count_excluded)} already in a running "
                f"campaign, {refused}." if exclude_running else
                f" Customers already in a running campaign were kept, as chosen; left out: "
                f"{refused}.")
    return [
        html.Strong(f"Campaign {launched.campaign_id} launched. "),
        f"{formatting.count(launched.audience_size)} customers frozen: ",
        html.Span(formatting.count(launched.count_treatment), id=ids.BOARD_LAUNCH_TREATMENT),
        " in treatment, ",
        html.Span(formatting.count(launched.count_control), id=ids.BOARD_LAUNCH_CONTROL),
        f" in control.{left_out} {launched.describe_clock()} Status: {state.lower()}.",
    ]


def status_panel(row: pd.Series, campaign_id: str, cutoff: pd.Timestamp | None) -> html.Div:
    """The campaign's state in words with its group sizes and window; a scheduled campaign says
    up to which day the data goes."""
    state = status_words(row.status, bool(row.is_measured))
    detail = (f"{formatting.count(row.audience_size)} customers: "
              f"{formatting.count(row.count_treatment)} treatment, "
              f"{formatting.count(row.count_control)} control; launched "
              f"{stamp(row.launched_at)}, ends {stamp(row.ends_at)} (UTC).")
    if row.status == "scheduled" and cutoff is not None:
        last_day = (cutoff - pd.Timedelta(days=1)).date()
        detail += (f" The data currently ends on {last_day}; results appear after a refresh "
                   "that includes days after the launch.")
    return html.Div([html.Strong(f"{campaign_id}: {state}. "), detail])
