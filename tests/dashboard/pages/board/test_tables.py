"""The board's tables and sentences: campaign states, the sample-ratio check, the launch
sentence and the audit grid."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pandas as pd

from analytics.experiments.design import design_summary
from dashboard.pages.board import (
    tables,
)
from tests.support.components import text_of
from warehouse.commands import LaunchedCampaign


def test_campaign_states_read_in_plain_words() -> None:
    assert tables.status_words("scheduled", False) == (
        "Scheduled — waiting for data after launch")
    assert tables.status_words("completed", True) == "Completed"
    assert "run a refresh" in tables.status_words("running", False)  # not in this snapshot


def test_a_sample_ratio_mismatch_is_flagged_below_one_in_a_thousand() -> None:
    results = pd.DataFrame({"n_treatment": [900], "n_control": [100], "srm_p_value": [2e-4],
                            "is_srm": [True]})
    flagged = tables.srm_message(results, 0.2)
    assert flagged.color == "danger" and "Sample ratio mismatch" in text_of(flagged)
    passed = tables.srm_message(results.assign(srm_p_value=0.4, is_srm=False), 0.2)
    assert passed.color == "light" and "900 treatment / 100 control" in text_of(passed)


def test_the_launch_sentence_says_who_was_left_out_and_which_clock_dated_it() -> None:
    launched = LaunchedCampaign(
        campaign_id="c-20150919-1", name="n", source="board",
        launched_at=datetime(2015, 9, 19), ends_at=datetime(2015, 10, 17), clock="data",
        count_treatment=1_600, count_control=400, count_excluded=35)
    overview = pd.DataFrame({"campaign_id": ["c-20150919-1"], "status": ["scheduled"],
                             "is_measured": [False]})
    text = " ".join(text_of(tables.launch_text(launched, overview)).split())
    assert "2,000 customers frozen: 1,600 in treatment, 400 in control." in text
    assert ("Left out: 35 already in a running campaign, 0 who refused notifications on this "
            "channel.") in text
    assert "Dated 2015-09-19 00:00 UTC, the end of the data" in text
    kept = " ".join(text_of(tables.launch_text(
        replace(launched, count_excluded=0, count_no_consent=7, clock="wall"), overview,
        exclude_running=False)).split())
    assert ("Customers already in a running campaign were kept, as chosen; left out: 7 who "
            "refused notifications on this channel.") in kept
    assert "now: the data is current" in kept


def _plan(power_conversion: float, power_revenue: float) -> pd.DataFrame:
    return pd.DataFrame({"metric": ["conversion", "gmv_per_customer"],
                         "power_at_audience": [power_conversion, power_revenue]})


def test_the_power_before_a_launch_warns_more_strongly_the_lower_it_is() -> None:
    enough = tables.power_verdict(_plan(0.83, 0.42), 0.8)
    assert enough.color == "success"
    assert ("Conversion 83.0%; Revenue (GMV) per customer 42.0%. The planned 80% is reached "
            "for Conversion.") in text_of(enough)
    short = tables.power_verdict(_plan(0.62, 0.42), 0.8)
    assert short.color == "warning" and "Power below the planned 80%" in text_of(short)
    low = tables.power_verdict(_plan(0.49, 0.05), 0.8)
    assert low.color == "danger" and "most likely miss" in text_of(low)
    unknown = tables.power_verdict(_plan(float("nan"), float("nan")), 0.8)
    assert unknown.color == "warning" and "cannot be computed" in text_of(unknown)


def test_audit_rows_name_the_user_and_what_each_entry_is_about() -> None:
    entries = pd.DataFrame({
        "logged_at": pd.to_datetime(["2015-09-19 10:00"] * 3), "user_name": ["ana", "ben", None],
        "event": ["export", "rule_change", "launch"], "campaign_id": [None, None, "c-1"],
        "segment": ["Lost", None, None], "rule_id": pd.array([None, 4, None], dtype="Int64"),
        "group_name": [None] * 3, "row_count": pd.array([12, None, 30], dtype="Int64"),
        "file_name": ["segment-lost.csv", None, None], "detail": [None] * 3})
    rows = tables.audit_rows(entries)
    assert [(r["user"], r["subject"], r["row_count"]) for r in rows] == [
        ("ana", "segment Lost", 12), ("ben", "rule 4", None), ("", "c-1", 30)]


def test_results_write_intervals_and_p_values_one_way_with_an_open_relative_interval() -> None:
    results = pd.DataFrame({
        "metric": ["conversion"], "control_mean": [0.0], "treatment_mean": [0.142],
        "abs_lift": [0.142], "abs_ci_low": [0.031], "abs_ci_high": [0.253],
        "rel_lift": [float("nan")], "rel_ci_low": [0.52], "rel_ci_high": [float("inf")],
        "p_value": [0.0004]})
    text = " ".join(text_of(tables.results_table(results)).split())
    assert "+14.20 pp [+3.10 pp, +25.30 pp]" in text
    assert "— [+52.0%, no upper limit]" in text
    assert "< 0.001" in text


def test_an_infeasible_plan_says_so_and_what_would_make_it_feasible() -> None:
    plan = design_summary(audience_size=82, control_share=0.2, p_control=0.127,
                          revenue_mean=879.0, revenue_std=3917.0, eligible_per_day=0.5)
    conversion = plan.set_index("metric").loc["conversion"]
    text = " ".join(text_of(tables.design_table(plan, 0.5)).split())
    assert (f"Conversion: not feasible with this audience. It has 82 of the "
            f"{conversion.n_total_required:,.0f} customers needed") in text
    assert f"Feasible with an audience of {conversion.audience_needed:,.0f} (widen the rule)" \
        in text
    assert "(more than double the baseline)" in text  # the smallest effect 82 could show
    assert "more than 365 days: not feasible" in text  # 0.5 a day
    assert "about" not in text and "days relative" not in text
    feasible = design_summary(audience_size=200_000, control_share=0.2, p_control=0.127,
                              revenue_mean=879.0, revenue_std=3917.0, eligible_per_day=9000)
    text = " ".join(text_of(tables.design_table(feasible, 9000)).split())
    assert "not feasible" not in text
    assert "Planned effect with this audience feasible feasible" in text
