"""The step registry: the run order follows from what steps read and write, and declarations
that cannot run are refused with a message naming the step and the table."""

from __future__ import annotations

import pytest

import warehouse.pipeline.steps  # noqa: F401 -- registers the real steps
from warehouse.pipeline.registry import REGISTRY, Step, StepOrderError, StepRegistry
from warehouse.schema.fields import NUMBER, Field


def _noop(con, ctx) -> None:
    return None


def step(name: str, reads: tuple[str, ...] = (), writes: tuple[str, ...] = (), **kw) -> Step:
    return Step(name, _noop, reads=reads, writes=writes, **kw)


def names(steps) -> list[str]:
    return [s.name for s in steps]


def test_a_step_runs_after_the_steps_that_write_its_inputs_whatever_the_registration_order():
    registry = StepRegistry(inputs=("raw_events",), steps=[
        step("report", reads=("daily", "scores")),
        step("scores", reads=("daily",), writes=("scores",)),
        step("daily", reads=("raw_events",), writes=("daily",)),
    ])
    assert names(registry.ordered()) == ["daily", "scores", "report"]


def test_steps_that_do_not_depend_on_each_other_keep_their_registration_order():
    registry = StepRegistry(inputs=("raw",), steps=[
        step("c", reads=("raw",), writes=("c_out",)),
        step("a", reads=("raw",), writes=("a_out",)),
        step("late", reads=("c_out",)),
        step("b", reads=("raw",), writes=("b_out",)),
    ])
    assert names(registry.ordered()) == ["c", "a", "late", "b"]


def test_an_input_that_no_step_writes_and_the_refresh_does_not_provide_is_refused():
    registry = StepRegistry(inputs=("stg_events",), steps=[
        step("rfm", reads=("order_lines",), writes=("customer_rfm",)),
    ])
    with pytest.raises(StepOrderError, match=r"step 'rfm' reads 'order_lines', which no step "
                                             r"writes and the refresh does not provide "
                                             r"\(it provides: stg_events\)"):
        registry.ordered()


def test_a_cycle_is_refused_and_named():
    registry = StepRegistry(steps=[
        step("a", reads=("b_out",), writes=("a_out",)),
        step("b", reads=("a_out",), writes=("b_out",)),
        step("free", writes=("free_out",)),
    ])
    with pytest.raises(StepOrderError, match=r"steps form a cycle: (a → b → a|b → a → b)"):
        registry.ordered()


def test_a_table_written_by_two_steps_is_refused():
    registry = StepRegistry(steps=[step("a", writes=("t",)), step("b", writes=("t",))])
    with pytest.raises(StepOrderError, match=r"table 't' is written by two steps: 'a' and 'b'"):
        registry.ordered()


def test_a_step_may_not_overwrite_an_input_of_the_refresh():
    registry = StepRegistry(inputs=("stg_events",), steps=[step("a", writes=("stg_events",))])
    with pytest.raises(StepOrderError, match="an input the refresh provides"):
        registry.ordered()


def test_a_hand_made_order_that_runs_a_step_before_its_input_is_refused():
    first, second = step("first", writes=("t",)), step("second", reads=("t",))
    registry = StepRegistry(steps=[first, second])
    registry.check_order([first, second])
    with pytest.raises(StepOrderError,
                       match=r"step 'second' would run before 't' \(written by 'first'\) exists"):
        registry.check_order([second, first])


def test_declarations_are_checked_when_a_step_is_made():
    with pytest.raises(StepOrderError, match="a step named 'a' is already registered"):
        StepRegistry(steps=[step("a"), step("a")])
    with pytest.raises(StepOrderError, match="declares t as both read and written"):
        step("a", reads=("t",), writes=("t",))
    with pytest.raises(StepOrderError, match="scratch tables must be among its writes"):
        step("a", writes=("t",), scratch=("u",))
    with pytest.raises(StepOrderError, match="publishes field 'score' from 'scores', which it "
                                             "does not write"):
        step("a", fields=(Field("score", NUMBER, "Score", "a score", table="scores"),))
    with pytest.raises(ValueError, match="not a plain lower-case SQL identifier"):
        step("a", reads=("drop table x",))


def test_the_step_building_customers_reads_every_table_that_holds_a_field():
    score = Field("score", NUMBER, "Score", "a score", table="scores")
    registry = StepRegistry(steps=[
        step("customers", reads=("base",), reads_field_tables=True),
        step("base", writes=("base",)),
        step("model", writes=("scores",), fields=(score,)),
    ])
    assert registry.reads(registry.steps[0]) == ("base", "scores")
    assert names(registry.ordered()) == ["base", "model", "customers"]
    assert [(s.name, f.name) for s, f in registry.fields()] == [("model", "score")]


def test_a_field_published_by_two_steps_is_refused():
    registry = StepRegistry(steps=[
        step("a", fields=(Field("score", NUMBER, "Score", "a score"),)),
        step("b", fields=(Field("score", NUMBER, "Score", "another score"),)),
    ])
    with pytest.raises(StepOrderError, match="field 'score' is published by two steps"):
        registry.fields()


def test_the_refresh_runs_its_steps_in_this_order():
    assert names(REGISTRY.ordered()) == [
        "int_purchased_item_states", "int_customer_activity", "order_lines", "daily_kpis",
        "daily_category_gmv", "daily_leaf_category_gmv", "daily_item_gmv", "customer_summary",
        "refresh_info", "item_catalogue", "customer_push_consent", "segments", "clusters", "clv",
        "decline", "uplift", "customers", "segment_snapshots", "campaign_outcomes",
        "field_catalogue",
    ]
    assert REGISTRY.inputs == {"stg_events", "stg_orders", "stg_item_prices",
                               "stg_item_categories", "stg_category_tree", "stg_items",
                               "stg_push_consent"}


def test_the_customers_step_reads_the_model_tables_that_hold_fields():
    customers = next(s for s in REGISTRY.steps if s.name == "customers")
    assert {"customer_rfm", "customer_clusters", "customer_clv", "customer_decline",
            "customer_uplift"} <= set(
        REGISTRY.reads(customers))
