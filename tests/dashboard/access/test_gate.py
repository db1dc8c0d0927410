"""Every page, callback and download needs a signed-in user, and each role can call exactly its
part: the endpoints called directly over HTTP (callback requests built from the app's own
``/_dash-layout`` and ``/_dash-dependencies``), as nobody and as each role."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from bench.dash_client import request_body
from dashboard.app import create_app
from dashboard.pages import PAGES
from dashboard.pages.board import ids as board_ids
from tests.support.dash_requests import CALLBACK_PATH, dependencies, first_input, page_props
from tests.support.signed_in import add_team, signed_in
from tests.support.warehouses import copy_warehouse
from warehouse.commands import ROLES, audit_log, list_campaigns, list_rules

# The callbacks that change rules or launch campaigns, by their first output: campaign owners
# and admins only. Every other callback only shows data: any signed-in user.
OWNER_CALLBACKS = (
    f"..{board_ids.BOARD_DELETE_CONFIRM}.displayed",  # asks before deleting a rule
    f"..{board_ids.BOARD_RULE_MESSAGE}.children",  # moves, switches, deletes and saves rules
    f"..{board_ids.BOARD_LAUNCH_RESULT}.children",  # launches
)
ALLOWED = {"viewer": {"viewer", "analyst", "campaign_owner", "admin"},
           "analyst": {"analyst", "campaign_owner", "admin"},
           "campaign_owner": {"campaign_owner", "admin"}}


def needed_role(output: str) -> str:
    return "campaign_owner" if output.startswith(OWNER_CALLBACKS) else "viewer"


@pytest.fixture(scope="module")
def team_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = copy_warehouse(demo_db, tmp_path_factory.mktemp("team") / "warehouse")
    add_team(db)
    return db


@pytest.fixture(scope="module")
def app(team_db: Path):
    return create_app(team_db)


def test_without_a_session_pages_send_to_sign_in_and_everything_else_is_refused(app) -> None:
    client = app.server.test_client()
    for page in PAGES:
        response = client.get(page.path)
        assert response.status_code == 302, page.path
        assert response.headers["Location"] == f"/login?next={quote(page.path, safe='')}"
    for path in ("/_dash-layout", "/_dash-dependencies", "/_reload-hash",
                 "/download/segment.csv?segment=Champions",
                 "/download/campaign/demo-1/treatment.csv"):
        response = client.get(path)
        assert (response.status_code, response.get_json()) == (
            401, {"message": "Sign in first."}), path
    for dependency in dependencies(signed_in(app, "admin")):
        response = client.post(CALLBACK_PATH, json={"output": dependency["output"], "inputs": [],
                                                    "state": []})
        assert response.status_code == 401, dependency["output"]


def test_the_sign_in_page_health_and_static_files_are_open(app) -> None:
    client = app.server.test_client()
    assert client.get("/login").status_code == 200
    assert client.get("/health").status_code == 200
    assert client.get("/assets/actionboard.css").status_code == 200
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/assets/00-bootstrap-flatly.min.css"' in page
    suites = signed_in(app, "viewer").get("/").get_data(as_text=True)
    script = suites.split('src="', 2)[1].split('"')[0]  # the first of Dash's own scripts
    assert script.startswith("/_dash-component-suites/")
    assert client.get(script).status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_fire_exactly_the_board_callbacks_its_role_allows(
    demo_db: Path, tmp_path: Path, role: str,
) -> None:
    db = copy_warehouse(demo_db, tmp_path / "warehouse")
    add_team(db)
    client = signed_in(create_app(db), role)
    props = page_props(client, "/board")
    fired = []
    for dependency in dependencies(client):
        body = request_body(dependency, props, changed=[first_input(dependency)])
        if body is None or not dependency["output"].startswith(("..board", "board")):
            continue
        fired.append(dependency["output"])
        response = client.post(CALLBACK_PATH, json=body)
        needed = needed_role(dependency["output"])
        if role in ALLOWED.get(needed, {"admin"}):
            assert response.status_code in (200, 204), (dependency["output"], response.json)
        else:
            assert response.status_code == 403, dependency["output"]
            assert "needs the campaign owner role" in response.get_json()["message"]
    # Every protected callback was among them, and the read-only ones too.
    assert all(any(output.startswith(owner) for output in fired) for owner in OWNER_CALLBACKS)
    assert len([output for output in fired if needed_role(output) == "viewer"]) >= 10


def test_a_refused_launch_changes_nothing_and_an_allowed_one_is_audited(
    demo_db: Path, tmp_path: Path,
) -> None:
    db = copy_warehouse(demo_db, tmp_path / "warehouse")
    add_team(db)
    app = create_app(db)
    rule_id = str(list_rules(db)[0].rule_id)
    launch = next(d for d in dependencies(signed_in(app, "admin"))
                  if d["output"].startswith(f"..{board_ids.BOARD_LAUNCH_RESULT}.children"))
    before = len(list_campaigns(db))
    for role in ("viewer", "analyst", "campaign_owner"):
        client = signed_in(app, role)
        props = page_props(client, "/board")
        values = {f"{board_ids.BOARD_RULE_SELECT}.value": rule_id,
                  f"{board_ids.BOARD_LAUNCH_BUTTON}.n_clicks": 1}
        body = request_body(launch, props, values=values,
                            changed=[f"{board_ids.BOARD_LAUNCH_BUTTON}.n_clicks"])
        response = client.post(CALLBACK_PATH, json=body)
        if role == "campaign_owner":
            assert response.status_code == 200
            assert "launched" in response.get_data(as_text=True)
        else:
            assert response.status_code == 403
            assert len(list_campaigns(db)) == before
    assert len(list_campaigns(db)) == before + 1
    launched = audit_log(db).query("event == 'launch'")
    assert launched["user_name"].tolist() == ["campaign_owner"]


@pytest.mark.parametrize(("path", "needed"), [
    ("/download/segment.csv?segment=Champions", "analyst"),
    ("/download/campaign/{demo}/treatment.csv", "campaign_owner"),
    ("/download/campaign/{demo}/control.csv", "campaign_owner"),
])
def test_downloads_are_handed_only_to_their_roles_and_each_is_audited(
    app, team_db: Path, path: str, needed: str,
) -> None:
    demo = list_campaigns(team_db)["campaign_id"].iloc[0]
    path = path.format(demo=demo)
    for role in ROLES:
        before = (audit_log(team_db)["event"] == "export").sum()
        response = signed_in(app, role).get(path)
        after = (audit_log(team_db)["event"] == "export").sum()
        if role in ALLOWED[needed]:
            assert response.status_code == 200, (role, path)
            assert response.mimetype == "text/csv"
            assert after == before + 1
            assert audit_log(team_db).iloc[0]["user_name"] == role
        else:
            assert response.status_code == 403, (role, path)
            assert after == before


def test_a_new_role_applies_to_the_next_request(app, team_db: Path) -> None:
    from warehouse.commands import add_user, set_role

    add_user(team_db, "promoted", "viewer", "a team password", user="admin")
    client = signed_in(app, "promoted")
    path = "/download/segment.csv?segment=Champions"
    assert client.get(path).status_code == 403
    set_role(team_db, "promoted", "analyst", user="admin")
    assert client.get(path).status_code == 200
