"""The real field catalogue for tests that build snapshots by hand: the fields the registered
refresh steps publish, as the refresh writes them."""

from __future__ import annotations

import duckdb

import warehouse.pipeline.steps  # noqa: F401 -- registers the real steps
from warehouse.pipeline.registry import REGISTRY
from warehouse.pipeline.steps.catalogue import write_field_catalogue
from warehouse.schema.fields import Field, FieldCatalogue


def published_fields() -> list[tuple[str, Field]]:
    """(step name, field) of every field the refresh publishes, in run order."""
    return [(step.name, field) for step, field in REGISTRY.fields()]


def refresh_catalogue() -> FieldCatalogue:
    """The catalogue a refresh writes, by field name."""
    return {field.name: field for _, field in published_fields()}


def write_catalogue(con: duckdb.DuckDBPyConnection) -> None:
    """Write the refresh's ``field_catalogue`` into a hand-made snapshot."""
    write_field_catalogue(con, published_fields())
