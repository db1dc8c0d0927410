"""The Dash shell: pages registered with their menu order, each app with its own callbacks (tests
build many apps in one process), and ids unique across pages."""

from __future__ import annotations

import importlib
import pkgutil

import dash
import pytest

import dashboard.pages
from dashboard import ids as shell_ids
from dashboard.app import create_app
from dashboard.pages import PAGES
from tests.support.signed_in import add_team, signed_in


def _dependencies(app: dash.Dash) -> list[dict]:
    """The callbacks the app serves to browsers (Dash's /_dash-dependencies endpoint)."""
    response = signed_in(app, "viewer").get("/_dash-dependencies")
    assert response.status_code == 200
    return response.get_json()


@pytest.fixture(autouse=True)
def team(overview_snapshot):
    add_team(overview_snapshot.db)


def _navbar_links(client) -> list[str]:
    """The page links of the navbar the signed-in user is served."""
    layout = client.get("/_dash-layout").get_json()
    navbar = layout["props"]["children"][0]
    assert navbar["props"]["id"] == shell_ids.APP_NAVBAR
    return [item["props"]["children"]["props"]["children"] for item in navbar["props"]["children"]
            if item["props"]["children"]["type"] == "NavLink"]


def test_app_can_be_created_twice_and_lists_the_pages_in_menu_order(overview_snapshot):
    create_app(overview_snapshot.db)
    app = create_app(overview_snapshot.db)
    registered = list(dash.page_registry.values())
    assert [p["name"] for p in registered] == ["Overview", "Segments", "Migration", "CLV",
                                               "Action board", "Uplift", "Daily list",
                                               "Decline risk", "Promote an item", "Users"]
    assert [p["path"] for p in registered] == ["/", "/segments", "/migration", "/clv", "/board",
                                               "/uplift", "/daily-list", "/decline", "/promote",
                                               "/users"]
    assert registered[0]["module"] == "dashboard.pages.overview"
    # The navbar is built per request: it names the user and links only the pages they may see.
    assert _navbar_links(signed_in(app, "campaign_owner")) == [
        p["name"] for p in registered if p["name"] != "Users"]
    assert _navbar_links(signed_in(app, "admin")) == [p["name"] for p in registered]


def test_each_app_serves_each_page_callback_once(overview_snapshot):
    first = create_app(overview_snapshot.db)
    second = create_app(overview_snapshot.db)
    for app in (first, second):
        outputs = [callback["output"] for callback in _dependencies(app)]
        assert len(outputs) == len(set(outputs))
        assert len([o for o in outputs if "overview-" in o]) == 4  # incl. the URL sync
        assert len([o for o in outputs if "board-" in o]) >= 15
    assert len(_dependencies(first)) == len(_dependencies(second))


def test_every_page_answers_its_path(overview_snapshot):
    client = signed_in(create_app(overview_snapshot.db), "viewer")
    for page in PAGES:
        assert client.get(page.path).status_code == 200, page.path


def test_component_ids_are_unique_and_prefixed_by_their_page():
    seen: dict[str, str] = {}
    modules = [shell_ids] + [
        importlib.import_module(f"dashboard.pages.{info.name}.ids")
        for info in pkgutil.iter_modules(dashboard.pages.__path__) if info.ispkg
    ]
    assert len(modules) == len(PAGES) + 1
    for module in modules:
        prefix = "app" if module is shell_ids else module.__name__.split(".")[-2]
        for name, value in vars(module).items():
            if name.isupper():
                values = value.values() if isinstance(value, dict) else [value]
                for component_id in values:
                    assert component_id.startswith(f"{prefix}-"), (name, component_id)
                    assert component_id not in seen, (component_id, name, seen.get(component_id))
                    seen[component_id] = name
    assert len(seen) > 100
