"""The refresh's steps and the order they run in, computed from what each reads and writes.

Each step declares the tables and views of the snapshot it reads and writes, and the customer
fields it publishes (``warehouse.schema.fields.Field``: name, type, label, description, and the
step's table holding the column). ``StepRegistry.ordered`` sorts the steps so that each runs after
the steps writing its inputs (ties keep the order of registration) and refuses declarations that
cannot run, with a message naming the step and the table: an input that no step writes and the
refresh does not provide (the staging views), a table written by two steps, a cycle.

Step modules register into ``REGISTRY`` when imported; ``warehouse.pipeline.steps`` imports them
all and the refresh imports that package, so no step imports the refresh. A new model step that
scores buyers::

    from warehouse.pipeline.registry import REGISTRY, Step
    from warehouse.schema.fields import NUMBER, Field

    def build_uplift(con, ctx):  # writes customer_uplift (customer_id, uplift_score)
        ...

    REGISTRY.register(Step(
        "uplift", build_uplift,
        reads=("order_lines", "campaign_outcomes"),
        writes=("customer_uplift",),
        fields=(Field("uplift_score", NUMBER, "Uplift score", "Expected extra conversion "
                      "if treated", table="customer_uplift"),),
    ))

and import its module in ``warehouse/pipeline/steps/__init__.py``. The customers step joins
``customer_uplift`` into ``customers`` (it reads every table that holds a declared field), and the
refresh publishes ``uplift_score`` in the snapshot's ``field_catalogue``, where rules find it.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb

from warehouse.identifiers import check_identifier
from warehouse.schema.fields import Field
from warehouse.sql.runner import model_names

if TYPE_CHECKING:
    from warehouse.pipeline.context import RefreshContext

StepFunction = Callable[[duckdb.DuckDBPyConnection, "RefreshContext"], None]


class StepOrderError(ValueError):
    """The steps' declarations cannot be run in any order; the message says which step and why."""


@dataclass(frozen=True)
class Step:
    """One unit of the refresh: ``run(con, ctx)`` reads ``reads`` and (re)creates ``writes``.

    ``fields`` are the customer fields it publishes; ``reads_field_tables`` marks the step that
    builds ``customers``, which also reads every table holding another step's fields.
    ``scratch`` tables are dropped before the snapshot is published; ``reported`` tables have
    their rows counted in the refresh summary; steps sharing a ``timing_group`` are timed as one.
    """

    name: str
    run: StepFunction
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    fields: tuple[Field, ...] = ()
    reads_field_tables: bool = False
    scratch: tuple[str, ...] = ()
    reported: tuple[str, ...] = ()
    timing_group: str | None = None

    def __post_init__(self) -> None:
        check_identifier(self.name, "step name")
        for table in (*self.reads, *self.writes):
            check_identifier(table, f"step {self.name!r}: table")
        own = set(self.reads) & set(self.writes)
        if own:
            raise StepOrderError(f"step {self.name!r} declares {', '.join(sorted(own))} as both "
                                 "read and written; declare only what other steps write as read")
        for kind, tables in (("scratch", self.scratch), ("reported", self.reported)):
            if not set(tables) <= set(self.writes):
                raise StepOrderError(f"step {self.name!r}: {kind} tables must be among its "
                                     f"writes, got {', '.join(tables)}")
        for field in self.fields:
            if field.table is not None and field.table not in self.writes:
                raise StepOrderError(f"step {self.name!r} publishes field {field.name!r} from "
                                     f"{field.table!r}, which it does not write")


class StepRegistry:
    """Steps in the order they were registered, and the run order their declarations give.

    ``inputs`` are the relations the refresh provides before any step runs (the staging views).
    """

    def __init__(self, inputs: Iterable[str] = (), steps: Iterable[Step] = ()) -> None:
        self.inputs = frozenset(inputs)
        self._steps: dict[str, Step] = {}
        for step in steps:
            self.register(step)

    def register(self, step: Step) -> Step:
        """Add ``step``; its name must be new."""
        if step.name in self._steps:
            raise StepOrderError(f"a step named {step.name!r} is already registered")
        self._steps[step.name] = step
        return step

    def extended(self, *steps: Step) -> StepRegistry:
        """A copy of this registry with ``steps`` registered after the others."""
        return StepRegistry(self.inputs, [*self._steps.values(), *steps])

    @property
    def steps(self) -> tuple[Step, ...]:
        """The registered steps, in registration order."""
        return tuple(self._steps.values())

    def field_tables(self) -> tuple[str, ...]:
        """Every table that holds a published field, in registration order."""
        tables = (f.table for step in self._steps.values() for f in step.fields if f.table)
        return tuple(dict.fromkeys(tables))

    def reads(self, step: Step) -> tuple[str, ...]:
        """What ``step`` reads: its declared inputs, plus the field tables for the step that
        builds ``customers``."""
        if not step.reads_field_tables:
            return step.reads
        extra = [table for table in self.field_tables() if table not in step.writes]
        return tuple(dict.fromkeys([*step.reads, *extra]))

    def writers(self) -> dict[str, str]:
        """Table → the name of the one step that writes it."""
        writers: dict[str, str] = {}
        for step in self._steps.values():
            for table in step.writes:
                if table in self.inputs:
                    raise StepOrderError(f"step {step.name!r} writes {table!r}, an input the "
                                         "refresh provides before any step runs")
                if table in writers:
                    raise StepOrderError(f"table {table!r} is written by two steps: "
                                         f"{writers[table]!r} and {step.name!r}")
                writers[table] = step.name
        return writers

    def ordered(self) -> list[Step]:
        """The steps in an order that runs each after the steps writing what it reads.

        Among steps whose inputs are ready, the one registered first runs first. Raises
        StepOrderError for an input nobody writes, a table written twice, or a cycle.
        """
        writers = self.writers()
        position = {name: index for index, name in enumerate(self._steps)}
        waiting: dict[str, set[str]] = {}
        for step in self._steps.values():
            for table in self.reads(step):
                if table not in writers and table not in self.inputs:
                    provided = ", ".join(sorted(self.inputs)) or "none"
                    raise StepOrderError(
                        f"step {step.name!r} reads {table!r}, which no step writes and the refresh "
                        f"does not provide (it provides: {provided})"
                    )
            waiting[step.name] = {writers[t] for t in self.reads(step) if t in writers}
        ready = [(position[name], name) for name, deps in waiting.items() if not deps]
        heapq.heapify(ready)
        order: list[Step] = []
        while ready:
            _, name = heapq.heappop(ready)
            order.append(self._steps[name])
            for other, deps in waiting.items():
                if name in deps:
                    deps.discard(name)
                    if not deps:
                        heapq.heappush(ready, (position[other], other))
        if len(order) < len(self._steps):
            raise StepOrderError(f"steps form a cycle: {' → '.join(self._cycle(waiting))}; "
                                 "each reads a table the next one writes")
        self.check_order(order)
        return order

    @staticmethod
    def _cycle(waiting: dict[str, set[str]]) -> list[str]:
        """One cycle among the steps still waiting (each waits on the next)."""
        start = next(name for name, deps in waiting.items() if deps)
        path = [start]
        while True:
            following = min(waiting[path[-1]])
            if following in path:
                return [*path[path.index(following):], following]
            path.append(following)

    def check_order(self, order: Sequence[Step]) -> None:
        """Raise StepOrderError unless every step of ``order`` runs after what it reads exists."""
        writers = self.writers()
        written = set(self.inputs)
        for step in order:
            for table in self.reads(step):
                if table not in written:
                    by = f" (written by {writers[table]!r})" if table in writers else ""
                    raise StepOrderError(
                        f"step {step.name!r} would run before {table!r}{by} exists"
                    )
            written.update(step.writes)

    def fields(self) -> list[tuple[Step, Field]]:
        """Every published field with its step, in run order; names must be unique."""
        published: list[tuple[Step, Field]] = []
        seen: dict[str, str] = {}
        for step in self.ordered():
            for field in step.fields:
                if field.name in seen:
                    raise StepOrderError(f"field {field.name!r} is published by two steps: "
                                         f"{seen[field.name]!r} and {step.name!r}")
                seen[field.name] = step.name
                published.append((step, field))
        return published


# The refresh's registry: the staging views are its inputs; step modules register into it.
REGISTRY = StepRegistry(inputs=model_names("staging"))
