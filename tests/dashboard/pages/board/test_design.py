"""The Action board's design and launch card: callbacks called directly on a private copy of the
demo warehouse."""

from __future__ import annotations

import re
from pathlib import Path

import dash

from dashboard.pages.board import (
    campaigns,
    design,
    ids,
)
from tests.support.board import BROWSERS, only_segment_rules, save, snapshot_stats
from tests.support.campaigns import stored_assignments
from tests.support.components import find, text_of
from warehouse.commands import (
    list_campaigns,
    list_rules,
    set_rule_enabled,
)


def test_design_panel_plans_the_audience_with_the_split_a_launch_makes(page, board_db) -> None:
    n_a, *_ = only_segment_rules(board_db)
    rule_a = list_rules(board_db)[0]
    baseline_text, table = design.update_design(str(rule_a.rule_id), 20, 5, 80, 2, "pp", 10, {})
    control = n_a // 5  # ⌊N × 20 %⌋, as assign_groups splits
    assert f"Audience now: {n_a:,} customers ({n_a - control:,} treatment / {control:,} " \
        "control)" in text_of(baseline_text)
    assert f"{n_a - control:,} / {control:,}" in text_of(table)
    assert "customers in the same segments on" in text_of(baseline_text)  # an earlier cohort
    _, version, _ = design.launch(1, str(rule_a.rule_id), 20, "", 28, True, {"n": 0})
    groups = stored_assignments(board_db, version["campaign_id"])["group_name"].value_counts()
    assert (groups["treatment"], groups["control"]) == (n_a - control, control)


def test_design_warns_when_the_audience_is_too_small_for_the_planned_effect(page, board_db):
    n_a, *_ = only_segment_rules(board_db)
    rule_id = str(list_rules(board_db)[0].rule_id)
    _, tiny_effect = design.update_design(rule_id, 20, 5, 80, 0.1, "pp", 1, {})
    _, huge_effect = design.update_design(rule_id, 20, 5, 80, 90, "pp", 2000, {})
    assert f"Conversion: not feasible with this audience. It has {n_a:,} of the" \
        in text_of(tiny_effect)
    assert "Revenue (GMV) per customer: not feasible with this audience" in text_of(tiny_effect)
    assert "not feasible" not in text_of(huge_effect)
    assert "cannot be planned" not in text_of(huge_effect)  # both metrics were planned


def test_design_inputs_out_of_range_are_explained(page, board_db: Path) -> None:
    rule_id = str(list_rules(board_db)[0].rule_id)
    _, table = design.update_design(rule_id, 70, 5, 80, 2, "pp", 10, {})
    assert "Control share must be a percentage above 0 and up to 50" in text_of(table)
    _, table = design.update_design(rule_id, 20, 5, None, 2, "pp", 10, {})
    assert ("Power must be a percentage above 0 and up to 100 (100 excluded); the box is empty "
            "or outside that range.") in text_of(table)
    assert "None" not in text_of(table)


def test_launch_freezes_the_audience_and_shows_group_sizes_that_add_up(page, board_db) -> None:
    *_, rule_id, _ = save("Browsers nudge", *BROWSERS)
    won = snapshot_stats(board_db).rules.set_index("rule_id").loc[rule_id, "count_won"]
    result, version, _ = design.launch(1, str(rule_id), 20, "", 28, True, {"n": 0})
    campaign_id = version["campaign_id"]
    groups = stored_assignments(board_db, campaign_id)["group_name"].value_counts()
    treatment = find(result, ids.BOARD_LAUNCH_TREATMENT).children
    control = find(result, ids.BOARD_LAUNCH_CONTROL).children
    assert (treatment, control) == (f"{groups['treatment']:,}", f"{groups['control']:,}")
    assert groups.sum() == won
    assert campaign_id in text_of(result)
    assert "waiting for data after launch" in text_of(result)
    assert "the end of the data" in text_of(result)  # the demo's data is from 2015
    rows, _options, value = campaigns.render_campaigns(version, None)
    assert value == campaign_id == rows[0]["campaign_id"]
    assert rows[0]["count_treatment"] + rows[0]["count_control"] == won


def test_launch_refuses_an_invalid_control_share_and_stores_nothing(page, board_db) -> None:
    rule_id = list_rules(board_db)[0].rule_id
    result, version, _ = design.launch(1, str(rule_id), 80, "", 28, True, {"n": 0})
    assert "Not launched: Control share must be a percentage" in text_of(result)
    assert version is dash.no_update
    assert not list_campaigns(board_db)["source"].eq("board").any()


def test_launching_asks_first_with_the_power_of_the_design(page, board_db) -> None:
    n_a, *_ = only_segment_rules(board_db)
    rule_id = str(list_rules(board_db)[0].rule_id)
    is_open, body, go_disabled = design.confirm_launch(
        ids.BOARD_LAUNCH_BUTTON, 1, None, rule_id, 20, 5, 80, 2, "pp", 10, 28)
    control = n_a // 5
    assert is_open and not go_disabled
    assert (f"reaches {n_a:,} customers now: {n_a - control:,} treatment / {control:,} control "
            "(20% held out), for 28 days") in " ".join(text_of(body).split())
    _, table = design.update_design(rule_id, 20, 5, 80, 2, "pp", 10, {})
    powers = re.search(r"Power with this audience (\S+%) (\S+%)", text_of(table)).groups()
    assert f"Conversion {powers[0]}; Revenue (GMV) per customer {powers[1]}" in text_of(
        find(body, ids.BOARD_LAUNCH_POWER))
    assert "Left out at launch: 0 already in a running campaign" in text_of(
        find(body, ids.BOARD_LAUNCH_LEFT_OUT))
    assert list_campaigns(board_db)["source"].eq("board").sum() == 0  # nothing launched yet
    closed = design.confirm_launch(ids.BOARD_LAUNCH_CANCEL, 1, 1, rule_id, 20, 5, 80, 2, "pp",
                                   10, 28)
    assert closed[0] is False


def test_a_launch_asked_with_an_invalid_duration_cannot_be_confirmed(page, board_db) -> None:
    rule_id = str(list_rules(board_db)[0].rule_id)
    is_open, body, go_disabled = design.confirm_launch(
        ids.BOARD_LAUNCH_BUTTON, 1, None, rule_id, 20, 5, 80, 2, "pp", 10, 0)
    assert is_open and go_disabled
    assert "Duration must be a whole number of days from 1 to 365; got 0." in text_of(body)


def test_customers_in_a_running_campaign_are_left_out_unless_chosen_otherwise(page, board_db):
    n_a, n_b, _ = only_segment_rules(board_db)
    rule_a, rule_ab = list_rules(board_db)
    _, first, _ = design.launch(1, str(rule_a.rule_id), 20, "", 28, True, {"n": 0})
    set_rule_enabled(board_db, rule_a.rule_id, False, user="test")  # 'A or B' now wins A too
    _, asked, _ = design.confirm_launch(ids.BOARD_LAUNCH_BUTTON, 2, None, str(rule_ab.rule_id),
                                        20, 5, 80, 2, "pp", 10, 28)
    assert (f"Left out at launch: {n_a:,} already in a running campaign (unless you switch that "
            "off below) and 0 who refused notifications by email.") in " ".join(
        text_of(find(asked, ids.BOARD_LAUNCH_LEFT_OUT)).split())
    result, second, is_open = design.launch(1, str(rule_ab.rule_id), 20, "", 28, True, first)
    assert is_open is False
    assert len(stored_assignments(board_db, second["campaign_id"])) == n_b
    assert f"Left out: {n_a:,} already in a running campaign" in " ".join(
        text_of(result).split())
    overridden, third, _ = design.launch(1, str(rule_ab.rule_id), 20, "", 28, False, second)
    assert len(stored_assignments(board_db, third["campaign_id"])) == n_a + n_b
    assert "Customers already in a running campaign were kept, as chosen" in " ".join(
        text_of(overridden).split())
