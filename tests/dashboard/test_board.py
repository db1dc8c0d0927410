"""Action board: callbacks called directly on a private copy of the demo warehouse, the editor and
design helpers, and the figure builders."""

from __future__ import annotations

import csv
import io
import math
import shutil
from collections.abc import Callable
from contextvars import copy_context
from pathlib import Path
from typing import Any

import dash
import duckdb
import pandas as pd
import pytest
from dash._callback_context import context_value
from dash._utils import AttributeDict

from analytics import experiment_design as design
from dashboard import board_design, board_forms, board_tables, ids
from dashboard.app import create_app
from dashboard.figures import board as figures
from tests.support.catalogue import refresh_catalogue
from tests.warehouse.test_campaign_import import stored_assignments
from warehouse.commands import (
    EXPORT_COLUMNS,
    RuleError,
    audit_log,
    delete_rule,
    import_campaign_file,
    list_campaigns,
    list_rules,
)
from warehouse.commands.ops_store import open_ops
from warehouse.commands.rules import validate_conditions
from warehouse.paths import ops_path, snapshot_dir
from warehouse.pipeline.refresh import refresh
from warehouse.queries.board import rule_stats
from warehouse.snapshots import current_snapshot

DEMO_CAMPAIGN_FILE = "demo_campaign.csv"
FIELDS = refresh_catalogue()


# --- a private warehouse -----------------------------------------------------------------------


def copy_warehouse(source: Path, folder: Path) -> Path:
    """Copy a warehouse file, its published snapshots and its operational store into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    shutil.copy2(source, target)
    shutil.copytree(snapshot_dir(source), snapshot_dir(target))
    if ops_path(source).exists():
        shutil.copy2(ops_path(source), ops_path(target))
    return target


def has_demo_campaign(db: Path) -> bool:
    return list_campaigns(db)["campaign_id"].str.startswith("demo-").any()


def board_warehouse(demo_db: Path, demo_folder: Path, folder: Path) -> Path:
    """A copy of the demo warehouse whose snapshot measures the demo's completed campaign
    (imported and refreshed here if the ingest did not bring it)."""
    db = copy_warehouse(demo_db, folder)
    if not has_demo_campaign(db):
        import_campaign_file(db, demo_folder / DEMO_CAMPAIGN_FILE)
        refresh(db, progress=False)
    return db


@pytest.fixture(scope="module")
def board_source(
    demo_db: Path, demo_folder: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    return board_warehouse(demo_db, demo_folder, tmp_path_factory.mktemp("board-source"))


@pytest.fixture
def board_db(board_source: Path, tmp_path: Path) -> Path:
    """A private warehouse per test: rules and campaigns written here disturb nobody."""
    return copy_warehouse(board_source, tmp_path / "warehouse")


@pytest.fixture
def page(board_db: Path):
    """The board page module of an app reading ``board_db``, inside its Flask app context."""
    app = create_app(board_db)
    from dashboard.pages import board

    with app.server.app_context():
        yield board


def triggered(prop_id: str, callback: Callable[..., Any], *args: Any) -> Any:
    """Call ``callback`` as Dash does when ``prop_id`` (``"<id>.<prop>"``) changed."""

    def run() -> Any:
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": prop_id, "value": 1}]))
        return callback(*args)

    return copy_context().run(run)


def snapshot_stats(db: Path):
    with duckdb.connect(str(current_snapshot(db)), read_only=True) as con:
        return rule_stats(con, list_rules(db))


def segment_sizes(db: Path) -> pd.Series:
    """Customers per segment in the current snapshot, largest first."""
    with duckdb.connect(str(current_snapshot(db)), read_only=True) as con:
        frame = con.execute("SELECT segment, count(*) AS n FROM customers GROUP BY segment "
                            "ORDER BY n DESC, segment").df()
    return frame.set_index("segment")["n"]


def only_segment_rules(page, db: Path) -> tuple[int, int, int]:
    """Replace the rules by 'A' (the largest segment) then 'A or B' (the two largest): their
    figures are counted by hand from segment sizes. Returns (size of A, size of B, customers)."""
    for stored in list_rules(db):
        delete_rule(db, stored.rule_id)
    sizes = segment_sizes(db)
    a, b = sizes.index[:2]
    save(page, "A", ["segment"], ["="], [a])
    save(page, "A or B", ["segment"], ["in"], [f"{a}, {b}"])
    return int(sizes[a]), int(sizes[b]), int(sizes.sum())


def save(page, name: str, fields: list, ops: list, values: list, *, offer: str = "Offer",
         edit_id: int | None = None, mode: str = "rows", json_text: str = "") -> tuple:
    return page.save_rule(1, edit_id, name, "Action", "email", offer, "retention", True, mode,
                          fields, ops, values, json_text, {"n": 0})


def text_of(component: Any) -> str:
    """All text inside a Dash component tree."""
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(text_of(c) for c in component)
    return text_of(getattr(component, "children", None))


def find(component: Any, component_id: str) -> Any:
    """The component with ``component_id`` inside a tree, or None."""
    if getattr(component, "id", None) == component_id:
        return component
    children = getattr(component, "children", component if isinstance(component, list) else None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found = find(child, component_id)
            if found is not None:
                return found
    return None


CART = (["segment"], ["="], ["Cart Abandoners"])


# --- page and rules ----------------------------------------------------------------------------


def test_board_page_is_registered_at_board_as_the_fifth_page(page) -> None:
    registered = [p for p in dash.page_registry.values() if p["path"] == "/board"]
    assert len(registered) == 1
    assert registered[0]["name"] == "Action board" and registered[0]["order"] == 4


def test_without_published_data_the_page_asks_for_a_refresh(tmp_path: Path) -> None:
    create_app(tmp_path / "empty.duckdb")
    from dashboard.pages import board

    assert "python app.py refresh" in text_of(find(board.layout(), ids.BOARD_MESSAGE))


def test_rules_grid_lists_every_rule_in_priority_order_with_hand_counted_figures(
    page, board_db: Path
) -> None:
    n_a, n_b, total = only_segment_rules(page, board_db)
    rows, summary, _, options, value, problem = page.render_rules({"n": 0}, None)
    assert problem is None
    assert [(r["priority"], r["name"], r["count_matched"], r["count_won"]) for r in rows] == [
        (1, "A", n_a, n_a), (2, "A or B", n_a + n_b, n_b)]  # A's customers are shadowed in 2
    assert all(row["conditions"] for row in rows)  # in words
    assert f"{n_a + n_b:,} of {total:,} customers" in summary
    assert f"{n_a:,} customers match two or more" in summary
    assert value == options[0]["value"] == str(rows[0]["rule_id"])


def test_a_stored_rule_that_cannot_be_evaluated_is_named_and_can_still_be_deleted(
    page, board_db: Path
) -> None:
    bad = '[{"field": "last_event_at", "op": ">", "value": "2015-08-01xyz"}]'
    with open_ops(board_db) as con:  # saved before dates were fully validated
        con.execute("INSERT INTO rules VALUES (99, 'Old rule', 99, ?, 'A', 'email', 'O', 'K', "
                    "true, now(), now())", [bad])
    rows, _, _, options, _, problem = page.render_rules({"n": 0, "rule_id": 99}, None)
    assert rows == [] and "rule 'Old rule' cannot be evaluated" in text_of(problem)
    assert "2015-08-01xyz" in text_of(problem)
    baseline_text, _ = page.update_design("99", 20, 5, 80, 2, "pp", 10, {})
    assert "Old rule" in text_of(baseline_text)
    assert "99" in [o["value"] for o in options]  # still selectable
    triggered(f"{ids.BOARD_DELETE_CONFIRM}.submit_n_clicks", page.update_rule_list,
              None, None, None, 1, "99", {"n": 1})
    *_, problem = page.render_rules({"n": 2}, None)
    assert problem is None


@pytest.mark.parametrize(
    ("fields", "ops", "values"),
    [
        (["frequency"], [">="], ["two"]),  # not a number
        ([None], [None], [""]),  # empty
        (["segment"], ["in"], [""]),  # empty list
    ],
)
def test_an_invalid_condition_is_refused_with_the_rule_error_and_nothing_is_saved(
    page, board_db: Path, fields: list, ops: list, values: list
) -> None:
    before = list_rules(board_db)
    conditions = board_forms.rows_to_conditions(fields, ops, values, FIELDS)
    with pytest.raises(RuleError) as expected:
        validate_conditions(conditions, FIELDS)
    message, version, edit_id, _ = save(page, "New rule", fields, ops, values)
    assert message.color == "danger"
    assert str(expected.value) in text_of(message)
    assert version is dash.no_update and edit_id is dash.no_update
    assert list_rules(board_db) == before


def test_invalid_json_conditions_are_refused_with_the_parser_message(page, board_db) -> None:
    before = list_rules(board_db)
    message, *_ = save(page, "New rule", [], [], [], mode="json", json_text='[{"field": ')
    assert "conditions are not valid JSON" in text_of(message)
    assert list_rules(board_db) == before


def test_a_valid_rule_is_saved_last_and_shows_the_audience_rule_stats_gives_it(
    page, board_db: Path
) -> None:
    message, version, edit_id, title = save(page, "Cart abandoners", *CART)
    saved = list_rules(board_db)[-1]
    assert saved.name == "Cart abandoners" and saved.rule_id == edit_id
    assert saved.conditions == [{"field": "segment", "op": "=", "value": "Cart Abandoners"}]
    assert version["rule_id"] == saved.rule_id and title == "Editing rule 'Cart abandoners'"
    expected = snapshot_stats(board_db).rules.set_index("rule_id").loc[saved.rule_id]
    assert expected["count_won"] > 0
    assert f"{expected['count_won']:,} customers get its action" in text_of(message)
    rows, *_, value, _ = page.render_rules(version, None)
    row = next(r for r in rows if r["rule_id"] == saved.rule_id)
    assert row["count_won"] == expected["count_won"] and value == str(saved.rule_id)


def test_saving_an_edited_rule_updates_it_in_place(page, board_db: Path) -> None:
    *_, edit_id, _ = save(page, "Cart abandoners", *CART)
    save(page, "Cart abandoners, many views", ["segment", "count_views"], ["=", ">="],
         ["Cart Abandoners", "3"], edit_id=edit_id)
    rules = list_rules(board_db)
    assert [r.name for r in rules].count("Cart abandoners, many views") == 1
    assert rules[-1].conditions[1] == {"field": "count_views", "op": ">=", "value": 3}


def test_rules_move_up_down_switch_off_and_delete_after_confirmation(page, board_db) -> None:
    first, second = list_rules(board_db)[:2]
    state = {"n": 3}
    message, version = triggered(f"{ids.BOARD_RULE_DOWN}.n_clicks", page.update_rule_list,
                                 None, 1, None, None, str(first.rule_id), state)
    assert [r.rule_id for r in list_rules(board_db)][:2] == [second.rule_id, first.rule_id]
    assert version == {"n": 4, "rule_id": first.rule_id} and "priority 2" in text_of(message)
    triggered(f"{ids.BOARD_RULE_UP}.n_clicks", page.update_rule_list,
              1, 1, None, None, str(first.rule_id), state)
    assert list_rules(board_db)[0].rule_id == first.rule_id
    triggered(f"{ids.BOARD_RULE_TOGGLE}.n_clicks", page.update_rule_list,
              1, 1, 1, None, str(first.rule_id), state)
    assert list_rules(board_db)[0].enabled is False
    assert page.toggle_label(str(first.rule_id), state) == "Turn on"
    shown, question = page.ask_before_delete(1, str(first.rule_id))
    assert shown and first.name in question
    assert any(r.rule_id == first.rule_id for r in list_rules(board_db))  # not yet deleted
    triggered(f"{ids.BOARD_DELETE_CONFIRM}.submit_n_clicks", page.update_rule_list,
              1, 1, 1, 1, str(first.rule_id), state)
    assert [r.priority for r in list_rules(board_db)] == list(range(1, len(list_rules(board_db))
                                                                    + 1))
    assert all(r.rule_id != first.rule_id for r in list_rules(board_db))


def test_editing_a_rule_with_an_or_group_opens_the_json_editor(page, board_db) -> None:
    rule_with_group = next(r for r in list_rules(board_db)
                           if any("any" in c for c in r.conditions))
    out = triggered(f"{ids.BOARD_RULE_EDIT}.n_clicks", page.edit_form,
                    None, 1, None, [None], str(rule_with_group.rule_id), [None], [None], [""])
    _rows, edit_id, _, name, *_, json_text, mode = out
    assert (edit_id, name, mode) == (rule_with_group.rule_id, rule_with_group.name, "json")
    assert page.read_conditions(mode, [], [], [], json_text) == rule_with_group.conditions


def test_clicking_a_grid_row_selects_its_id_and_a_click_off_the_rows_does_nothing(page) -> None:
    assert page.clicked_row_id({"rowId": 7, "colId": "name"}) == "7"
    with pytest.raises(dash.exceptions.PreventUpdate):
        page.clicked_row_id({"colId": "name"})


def test_condition_rows_are_added_and_removed_keeping_what_was_typed(page) -> None:
    added, *rest = triggered(f"{ids.BOARD_CONDITION_ADD}.n_clicks", page.edit_form, None, None,
                             1, [None], None, ["frequency"], [">="], ["2"])
    assert len(added) == 2 and all(r is dash.no_update for r in rest)
    remove = f'{{"index":0,"type":"{ids.BOARD_COND_REMOVE}"}}.n_clicks'
    kept, *_ = triggered(remove, page.edit_form, None, None, 1, [1, None], None,
                         ["frequency", "segment"], [">=", "="], ["2", "Lost"])
    assert len(kept) == 1
    field = find(kept[0], {"type": ids.BOARD_COND_FIELD, "index": 0})
    value = find(kept[0], {"type": ids.BOARD_COND_VALUE, "index": 0})
    assert (field.value, value.value) == ("segment", "Lost")


# --- design and launch -------------------------------------------------------------------------


def test_design_panel_plans_the_audience_with_the_split_a_launch_makes(page, board_db) -> None:
    n_a, *_ = only_segment_rules(page, board_db)
    rule_a = list_rules(board_db)[0]
    baseline_text, table = page.update_design(str(rule_a.rule_id), 20, 5, 80, 2, "pp", 10, {})
    control = n_a // 5  # ⌊N × 20 %⌋, as assign_groups splits
    assert f"Audience now: {n_a:,} customers ({n_a - control:,} treatment / {control:,} " \
        "control)" in text_of(baseline_text)
    assert f"{n_a - control:,} / {control:,}" in text_of(table)
    assert "customers in the same segments on" in text_of(baseline_text)  # an earlier cohort
    _, version = page.launch(1, str(rule_a.rule_id), 20, "", 28, {"n": 0})
    groups = stored_assignments(board_db, version["campaign_id"])["group_name"].value_counts()
    assert (groups["treatment"], groups["control"]) == (n_a - control, control)


def test_design_warns_when_the_audience_is_too_small_for_the_planned_effect(page, board_db):
    n_a, *_ = only_segment_rules(page, board_db)
    rule_id = str(list_rules(board_db)[0].rule_id)
    _, tiny_effect = page.update_design(rule_id, 20, 5, 80, 0.1, "pp", 1, {})
    _, huge_effect = page.update_design(rule_id, 20, 5, 80, 90, "pp", 2000, {})
    assert f"Conversion: too few customers to test it. This audience has {n_a:,} of the" \
        in text_of(tiny_effect)
    assert "Revenue (GMV) per customer: too few customers" in text_of(tiny_effect)
    assert "too few customers" not in text_of(huge_effect)
    assert "cannot be planned" not in text_of(huge_effect)  # both metrics were planned


def test_design_inputs_out_of_range_are_explained(page, board_db: Path) -> None:
    rule_id = str(list_rules(board_db)[0].rule_id)
    _, table = page.update_design(rule_id, 70, 5, 80, 2, "pp", 10, {})
    assert "Control share must be a percentage above 0 and up to 50" in text_of(table)
    _, table = page.update_design(rule_id, 20, 5, None, 2, "pp", 10, {})
    assert "Power must be a percentage" in text_of(table)


def test_launch_freezes_the_audience_and_shows_group_sizes_that_add_up(page, board_db) -> None:
    *_, rule_id, _ = save(page, "Cart abandoners", *CART)
    won = snapshot_stats(board_db).rules.set_index("rule_id").loc[rule_id, "count_won"]
    result, version = page.launch(1, str(rule_id), 20, "", 28, {"n": 0})
    campaign_id = version["campaign_id"]
    groups = stored_assignments(board_db, campaign_id)["group_name"].value_counts()
    treatment = find(result, ids.BOARD_LAUNCH_TREATMENT).children
    control = find(result, ids.BOARD_LAUNCH_CONTROL).children
    assert (treatment, control) == (f"{groups['treatment']:,}", f"{groups['control']:,}")
    assert groups.sum() == won
    assert campaign_id in text_of(result)
    assert "waiting for data after launch" in text_of(result)
    rows, _options, value = page.render_campaigns(version, None)
    assert value == campaign_id == rows[0]["campaign_id"]
    assert rows[0]["count_treatment"] + rows[0]["count_control"] == won


def test_launch_refuses_an_invalid_control_share_and_stores_nothing(page, board_db) -> None:
    rule_id = list_rules(board_db)[0].rule_id
    result, version = page.launch(1, str(rule_id), 80, "", 28, {"n": 0})
    assert "Not launched: Control share must be a percentage" in text_of(result)
    assert version is dash.no_update
    assert not list_campaigns(board_db)["source"].eq("board").any()


def test_a_campaign_launched_on_old_data_waits_for_data_after_launch(page, board_db) -> None:
    _, version = page.launch(1, str(list_rules(board_db)[0].rule_id), 20, "", 28, {"n": 0})
    status, results, _figure, *disabled = page.campaign_detail(version["campaign_id"], version)
    assert "Scheduled — waiting for data after launch" in text_of(status)
    assert "The data currently ends on" in text_of(status)
    assert results is None and disabled == [False, False]


def test_the_demo_campaign_shows_its_lift_with_confidence_intervals(page, board_db) -> None:
    demo = list_campaigns(board_db).query("campaign_id.str.startswith('demo-')").iloc[0]
    status, results, figure, *_ = page.campaign_detail(demo["campaign_id"], {})
    assert "Completed" in text_of(status)
    with duckdb.connect(str(current_snapshot(board_db)), read_only=True) as con:
        measured = con.execute(
            "SELECT abs_ci_low, abs_ci_high FROM campaign_results "
            "WHERE campaign_id = ? AND metric = 'conversion'", [demo["campaign_id"]]).fetchone()
    low, high = (f"{v * 100:+.2f} pp" for v in measured)
    assert f"[{low}, {high}]" in text_of(results)
    assert "Sample ratio check" in text_of(results)
    conversion = figure.data[0]
    assert conversion.error_x.array[0] == pytest.approx(measured[1] * 100 - conversion.x[0])


def test_download_returns_a_formula_safe_csv_of_the_group_and_logs_it(page, board_db) -> None:
    *_, rule_id, _ = save(page, "Risky offer", *CART, offer="=HYPERLINK(\"http://x\")")
    _, version = page.launch(1, str(rule_id), 20, "", 28, {"n": 0})
    campaign_id = version["campaign_id"]
    data, message, audit_version = triggered(f"{ids.BOARD_DOWNLOAD_CONTROL}.n_clicks",
                                             page.download_group, None, 1, campaign_id, {"n": 0})
    rows = list(csv.DictReader(io.StringIO(data["content"])))
    control = stored_assignments(board_db, campaign_id).query("group_name == 'control'")
    assert data["filename"] == f"{campaign_id}_control.csv"
    assert list(rows[0]) == list(EXPORT_COLUMNS)
    assert [r["customer_id"] for r in rows] == control["customer_id"].tolist()
    assert {r["offer"] for r in rows} == {"'=HYPERLINK(\"http://x\")"}
    assert {r["group"] for r in rows} == {"control"}
    logged = audit_log(board_db).iloc[0]
    assert (logged["event"], logged["group_name"], logged["row_count"], logged["file_name"]) == (
        "export", "control", len(control), data["filename"])
    assert audit_version == {"n": 1}
    newest = page.render_audit({}, audit_version)[0]
    assert (newest["event"], newest["file_name"]) == ("export", data["filename"])
    assert f"{len(control):,} customers" in message


# --- editor and design helpers -----------------------------------------------------------------


def test_rows_become_typed_conditions_and_blank_rows_are_ignored() -> None:
    conditions = board_forms.rows_to_conditions(
        ["recency_days", "segment", None, "last_event_at", "p_alive"],
        ["top_pct", "in", None, ">=", "<"],
        ["30", "Lost, At Risk ", "", "2015-08-01", "0,5"],
        FIELDS,
    )
    assert conditions == [
        {"field": "recency_days", "op": "top_pct", "value": 30},
        {"field": "segment", "op": "in", "value": ["Lost", "At Risk"]},
        {"field": "last_event_at", "op": ">=", "value": "2015-08-01"},
        {"field": "p_alive", "op": "<", "value": 0.5},
    ]
    assert validate_conditions(conditions, FIELDS) == []


def test_conditions_read_as_words_with_or_groups_in_brackets() -> None:
    words = board_forms.describe_conditions([
        {"field": "monetary_amount", "op": "top_pct", "value": 20},
        {"any": [{"field": "segment", "op": "=", "value": "Lost"},
                 {"field": "last_event_at", "op": "<", "value": "2015-08-01"}]},
    ], FIELDS)
    assert words == ("total spend (monetary) in the top 20% AND (segment is 'Lost' OR "
                     "last visit before 2015-08-01)")


def test_operators_follow_the_field_type() -> None:
    assert [o["value"] for o in board_forms.op_options("segment", FIELDS)] == ["=", "!=", "in"]
    assert "top_pct" in [o["value"] for o in board_forms.op_options("clv_amount", FIELDS)]
    assert board_forms.op_options(None, FIELDS) == []


@pytest.mark.parametrize(
    ("value", "message"),
    [("abc", "got 'abc'"), (None, "got None"), (0, "got 0"), (55, "got 55")],
)
def test_percent_input_names_the_input_and_the_range(value: object, message: str) -> None:
    with pytest.raises(ValueError, match="Control share must be a percentage") as error:
        board_design.percent_input(value, "Control share", 0, 50, allow_high=True)
    assert message in str(error.value)


def test_design_frame_matches_the_power_functions_for_both_metrics() -> None:
    baseline = {"audience_size": 5000, "conversion": 0.1, "gmv_mean": 20.0, "gmv_std": 60.0,
                "eligible_per_day": 50.0, "window_days": 28}
    inputs = board_design.read_design_inputs(20, 5, 80, 2, board_design.PP, 10)
    plan = board_design.design_frame(baseline, inputs).set_index("metric")
    conversion, revenue = plan.loc["conversion"], plan.loc["gmv_per_customer"]
    needed = design.proportion_sample_size(0.1, 0.12, control_share=0.2)
    assert (conversion.n_treatment_required, conversion.n_control_required) == (
        needed.n_treatment, needed.n_control)
    assert conversion.duration_days == math.ceil(needed.n_total / 50.0)
    assert conversion.power_at_audience == pytest.approx(
        design.proportion_power(0.1, 0.12, 4000, 1000))
    assert revenue.target == pytest.approx(22.0)
    assert revenue.mde_abs == pytest.approx(design.mean_mde(60.0, 4000, 1000))
    assert revenue.mde_rel == pytest.approx(revenue.mde_abs / 20.0)


def test_campaign_states_read_in_plain_words() -> None:
    assert board_tables.status_words("scheduled", False) == (
        "Scheduled — waiting for data after launch")
    assert board_tables.status_words("completed", True) == "Completed"
    assert "run a refresh" in board_tables.status_words("running", False)  # not in this snapshot


def test_a_sample_ratio_mismatch_is_flagged_below_one_in_a_thousand() -> None:
    results = pd.DataFrame({"n_treatment": [900], "n_control": [100], "srm_p_value": [2e-4],
                            "is_srm": [True]})
    flagged = board_tables.srm_message(results, 0.2)
    assert flagged.color == "danger" and "Sample ratio mismatch" in text_of(flagged)
    passed = board_tables.srm_message(results.assign(srm_p_value=0.4, is_srm=False), 0.2)
    assert passed.color == "light" and "900 treatment / 100 control" in text_of(passed)


# --- figure builders ---------------------------------------------------------------------------


def test_audience_figure_draws_matched_and_reached_bars_per_rule_top_priority_first() -> None:
    rules = pd.DataFrame({"priority": [1, 2], "name": ["A", "B"], "enabled": [True, False],
                          "count_matched": [50, 30], "count_won": [50, 0],
                          "count_shadowed": [0, 30]})
    fig = figures.audience_figure(rules)
    matched, won = fig.data
    assert list(matched.y) == ["2. B (disabled)", "1. A"]  # horizontal bars: last is on top
    assert list(matched.x) == [30, 50] and list(won.x) == [0, 50]
    assert fig.layout.xaxis.title.text == "Customers"


def test_lift_figure_draws_each_metric_with_its_confidence_interval() -> None:
    results = pd.DataFrame({
        "metric": ["conversion", "gmv_per_customer"],
        "abs_lift": [0.02, -5.0], "abs_ci_low": [0.01, -8.0], "abs_ci_high": [0.03, 1.0],
        "rel_lift": [0.2, -0.1], "p_value": [0.01, 0.3],
        "control_mean": [0.1, 50.0], "treatment_mean": [0.12, 45.0],
    })
    fig = figures.lift_figure(results)
    conversion, revenue = fig.data
    assert conversion.x[0] == pytest.approx(2.0)  # percentage points
    assert conversion.error_x.array[0] == pytest.approx(1.0)
    assert conversion.error_x.arrayminus[0] == pytest.approx(1.0)
    assert conversion.marker.color == figures.UP  # the interval is above 0
    assert revenue.marker.color == figures.FLAT  # the interval crosses 0
    assert (revenue.error_x.array[0], revenue.error_x.arrayminus[0]) == (6.0, 3.0)


def test_figures_explain_why_they_are_empty() -> None:
    assert "No rules yet" in figures.audience_figure(pd.DataFrame(
        columns=["priority", "name", "enabled", "count_matched", "count_won", "count_shadowed"]
    )).layout.annotations[0].text
    empty = pd.DataFrame(columns=["metric", "abs_lift", "abs_ci_low", "abs_ci_high"])
    assert figures.lift_figure(empty).layout.annotations[0].text == "No measured results yet."
