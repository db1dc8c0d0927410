"""The refresh's steps. Importing this package registers every step into
``warehouse.pipeline.registry.REGISTRY``, in the order below, which breaks ties of the run order
(the run order itself follows from what each step reads and writes)."""

# isort: off
from warehouse.pipeline.steps import marts  # noqa: F401 -- imported to register its steps
from warehouse.pipeline.steps import segments  # noqa: F401
from warehouse.pipeline.steps import clusters  # noqa: F401
from warehouse.pipeline.steps import clv  # noqa: F401
from warehouse.pipeline.steps import decline  # noqa: F401
from warehouse.pipeline.steps import customers  # noqa: F401
from warehouse.pipeline.steps import segment_snapshots  # noqa: F401
from warehouse.pipeline.steps import campaign_outcomes  # noqa: F401
from warehouse.pipeline.steps import uplift  # noqa: F401
from warehouse.pipeline.steps import catalogue  # noqa: F401
# isort: on
