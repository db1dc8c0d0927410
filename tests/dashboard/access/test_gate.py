"""Every page, callback and download needs a signed-in user, and each role can call exactly its
part: the endpoints called directly over HTTP (callback requests built from the app's own
``/_dash-layout`` and ``/_dash-dependencies``), as nobody and as each role."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from bench.dash_client import request_body
from dashboard.access import required_role
from dashboard.app import create_app
from dashboard.pages import PAGES
from dashboard.pages.board import ids as board_ids
from dashboard.pages.daily_list import ids as daily_ids
from dashboard.pages.promote import ids as promote_ids
from dashboard.pages.uplift import ids as uplift_ids
from dashboard.pages.users import ids as users_ids
from tests.support.dash_requests import (
    CALLBACK_PATH,
    dependencies,
    first_input,
    page_props,
    synthetic_props,
)
from tests.support.signed_in import add_team, signed_in
from tests.support.warehouses import copy_warehouse
from warehouse.commands import ROLES, audit_log, list_campaigns, list_rules

# The callbacks that change something, by their first output ("id.property"), with the role they
# need: rules, launches and loads for campaign owners and up, users for admins. Every other
# callback only shows data: any signed-in user.
PROTECTED_CALLBACKS = sorted([
    (f"{board_ids.BOARD_DELETE_CONFIRM}.displayed", "campaign_owner"),  # asks before deleting
    (f"{board_ids.BOARD_RULE_MESSAGE}.children", "campaign_owner"),  # moves, switches, deletes
    (f"{board_ids.BOARD_RULE_MESSAGE}.children", "campaign_owner"),  # saves a rule
    (f"{board_ids.BOARD_LAUNCH_CONFIRM}.is_open", "campaign_owner"),  # a launch's confirmation
    (f"{board_ids.BOARD_LAUNCH_RESULT}.children", "campaign_owner"),  # launches a rule
    (f"{uplift_ids.UPLIFT_LAUNCHED}.children", "campaign_owner"),  # the persuadables, or a rule
    (f"{uplift_ids.UPLIFT_IMPORTED}.children", "campaign_owner"),  # uploads a results file
    (f"{daily_ids.DAILY_LAUNCH_RESULT}.children", "campaign_owner"),  # launches a daily list
    (f"{promote_ids.PROMOTE_LAUNCH_RESULT}.children", "campaign_owner"),  # sends a push
    (f"{users_ids.USERS_TABLE}.children", "admin"),
    (f"{users_ids.USERS_MESSAGE}.children", "admin"),  # adds a user
    (f"{users_ids.USERS_MESSAGE}.children", "admin"),  # sets a role or password, removes
])
# Customer lists: analysts and up; a campaign's groups: campaign owners and up.
DOWNLOADS = {
    "/download/segment.csv": "analyst",
    "/download/clv-top.csv": "analyst",
    "/download/daily-list/<report_type>/<day>.csv": "analyst",
    "/download/campaign/<campaign_id>/<group>.csv": "campaign_owner",
}
ALLOWED = {"viewer": {"viewer", "analyst", "campaign_owner", "admin"},
           "analyst": {"analyst", "campaign_owner", "admin"},
           "campaign_owner": {"campaign_owner", "admin"},
           "admin": {"admin"}}
ROLE_NAMES = {"analyst": "analyst", "campaign_owner": "campaign owner", "admin": "admin"}


def first_output(output: str) -> str:
    """"id.property" of the first output of a callback's output key (Dash's "..a.b...c.d.."
    for several outputs, "@hash" after a duplicate)."""
    return output.strip(".").split("...")[0].split("@")[0]


def needed_role(output: str) -> str:
    return dict(PROTECTED_CALLBACKS).get(first_output(output), "viewer")


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
                 "/download/campaign/demo-1/treatment.csv", "/download/clv-top.csv?limit=100",
                 "/download/daily-list/prediction/2015-09-10.csv"):
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
        if role in ALLOWED[needed]:
            assert response.status_code in (200, 204), (dependency["output"], response.json)
        else:
            assert response.status_code == 403, dependency["output"]
            assert "needs the campaign owner role" in response.get_json()["message"]
    # Every protected callback of the board was among them, and the read-only ones too.
    board_protected = {output for output, _ in PROTECTED_CALLBACKS if output.startswith("board")}
    assert board_protected <= {first_output(output) for output in fired}
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
    ("/download/clv-top.csv?limit=100", "analyst"),
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


def test_every_callback_and_download_declares_the_role_its_work_needs(app) -> None:
    declared = sorted((first_output(output), required_role(entry["callback"]))
                      for output, entry in app.callback_map.items() if "callback" in entry)
    assert [item for item in declared if item[1] != "viewer"] == PROTECTED_CALLBACKS
    # every page's callbacks are among them, the read-only ones declared by default
    assert {output.split("-")[0] for output, _ in declared} >= {
        page.module.split(".")[-1] for page in PAGES}
    downloads = {rule.rule: required_role(app.server.view_functions[rule.endpoint])
                 for rule in app.server.url_map.iter_rules() if rule.rule.startswith("/download/")}
    assert downloads == DOWNLOADS


@pytest.fixture(scope="module")
def every_callback(app) -> dict[str, dict]:
    """A request for every server callback, built from the page that shows its components as an
    admin sees it, or with no values where no page shows them with this data."""
    client = signed_in(app, "admin")
    bodies: dict[str, dict] = {}
    server_side = [d for d in dependencies(client) if not d.get("clientside_function")]
    for page in PAGES:
        props = page_props(client, page.path)
        for dependency in server_side:
            body = request_body(dependency, props, changed=[first_input(dependency)])
            if body is not None:
                bodies.setdefault(dependency["output"], body)
    for dependency in server_side:
        if dependency["output"] not in bodies:
            bodies[dependency["output"]] = request_body(
                dependency, synthetic_props(dependency), changed=[first_input(dependency)])
    return bodies


@pytest.mark.parametrize("role", [None, *ROLES])
def test_each_role_may_call_exactly_the_callbacks_of_every_page_its_role_allows(
    app, team_db: Path, every_callback: dict[str, dict], role: str | None,
) -> None:
    client = app.server.test_client() if role is None else signed_in(app, role)
    campaigns, audited = len(list_campaigns(team_db)), len(audit_log(team_db))
    for output, body in every_callback.items():
        needed = needed_role(output)
        if role is not None and role in ALLOWED[needed] and (needed != "viewer"
                                                              or role == "viewer"):
            # as the page fires it before anyone clicked: answered, nothing done
            response = client.post(CALLBACK_PATH, json=body)
            assert response.status_code in (200, 204), (output, response.get_data(as_text=True))
        elif role is None or role not in ALLOWED[needed]:
            response = client.post(CALLBACK_PATH, json=body)
            expected = (401, "Sign in first.") if role is None else (
                403, f"This needs the {ROLE_NAMES[needed]} role or higher")
            assert response.status_code == expected[0], (role, output)
            assert response.get_json()["message"].startswith(expected[1]), (role, output)
    assert len(list_campaigns(team_db)) == campaigns
    assert len(audit_log(team_db)) == audited
