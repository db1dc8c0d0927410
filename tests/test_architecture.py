"""The layering the tree promises (docs/ARCHITECTURE.md), checked on the source: every module
imports, no module imports itself back through others, and each package imports only what its
place in the one-way flow allows. Imports are read from the source with ``ast``."""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("warehouse", "analytics", "dashboard", "demo")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {
    _module_name(path): path
    for package in PACKAGES
    for path in sorted((ROOT / package).rglob("*.py"))
    # Alembic runs migration scripts itself, inside its own context: they are not importable.
    if "migrations" not in path.relative_to(ROOT).parts
}


def _imports(path: Path) -> Iterator[str]:
    """Every module name ``path`` imports at run time (``if TYPE_CHECKING:`` blocks left out),
    resolved to the deepest module of the project where one is named."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING",
                                                                   "typing.TYPE_CHECKING"):
            skipped.update(id(child) for child in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                yield full if full in MODULES else node.module


GRAPH = {name: set(_imports(path)) for name, path in MODULES.items()}


def _importers_of(prefix: str) -> dict[str, set[str]]:
    """Module → the modules it imports that are ``prefix`` or below it."""
    found = {}
    for name, imported in GRAPH.items():
        hits = {i for i in imported if i == prefix or i.startswith(prefix + ".")}
        if hits:
            found[name] = hits
    return found


def _in(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_imports(module: str) -> None:
    importlib.import_module(module)


def test_no_module_imports_itself_back_through_others() -> None:
    project = {name: {i for i in imported if i in MODULES} for name, imported in GRAPH.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for following in project[node]:
            if following not in index:
                visit(following)
                low[node] = min(low[node], low[following])
            elif following in stack:
                low[node] = min(low[node], index[following])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for name in project:
        if name not in index:
            visit(name)
    assert cycles == []


def test_analytics_opens_no_database_draws_no_page_and_knows_no_warehouse() -> None:
    for forbidden in ("duckdb", "dash", "flask", "dash_bootstrap_components", "warehouse",
                      "dashboard"):
        importers = {m: i for m, i in _importers_of(forbidden).items() if _in(m, "analytics")}
        assert importers == {}, forbidden


def test_the_warehouse_knows_no_dashboard() -> None:
    for forbidden in ("dash", "dashboard", "flask"):
        importers = {m: i for m, i in _importers_of(forbidden).items() if _in(m, "warehouse")}
        assert importers == {}, forbidden


def test_read_queries_import_no_pipeline() -> None:
    importers = {m: i for m, i in _importers_of("warehouse.pipeline").items()
                 if _in(m, "warehouse.queries")}
    assert importers == {}


def test_pages_reach_the_command_side_only_through_its_public_functions() -> None:
    importers = _importers_of("warehouse.commands")
    from_pages = {m: i for m, i in importers.items() if _in(m, "dashboard")}
    assert from_pages, "the board uses the command side"
    assert all(imported == {"warehouse.commands"} for imported in from_pages.values()), from_pages


def test_pages_never_run_the_pipeline_or_a_load() -> None:
    for forbidden in ("warehouse.pipeline", "warehouse.ingest", "warehouse.sql"):
        importers = {m: i for m, i in _importers_of(forbidden).items() if _in(m, "dashboard")}
        allowed = {"warehouse.pipeline.defaults"}  # refresh settings shown on a page
        assert {m: i - allowed for m, i in importers.items() if i - allowed} == {}, forbidden


def test_only_the_command_side_opens_the_operational_store() -> None:
    importers = set(_importers_of("warehouse.ops"))
    outside = {m for m in importers
               if not _in(m, "warehouse.commands") and not _in(m, "warehouse.ops")}
    assert outside == set()
    # the refresh reads campaigns through the command side, read-only
    step = "warehouse.pipeline.steps.campaign_outcomes"
    assert "warehouse.commands.campaigns.storage" in GRAPH[step]


def test_the_import_reader_sees_imports_and_type_checking_blocks_are_not_dependencies() -> None:
    assert "warehouse.pipeline.registry" in GRAPH["warehouse.pipeline.steps.segments"]
    assert "warehouse.pipeline.context" not in GRAPH["warehouse.pipeline.steps.segments"]
    assert "warehouse.commands" in GRAPH["dashboard.pages.board.common"]
