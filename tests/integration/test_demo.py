"""`strengthwise init --demo`, run twice as a real command against a fresh SQLite database.

The demo must be idempotent, print working sign-in details, and leave plans in the states it
promises, moved through the engine so that their audit trail is real and verifies.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PROJECT = Path(__file__).resolve().parents[2]
ROLES = ("staff", "manager", "auditor", "admin")
DEMO_PEOPLE = {"Margaret Ellis": "active", "Daniel Okafor": "approved",
               "Kieran Walsh": "draft", "Arthur Pennington": "draft"}


def _strengthwise(workdir: Path, database_url: str, *args: str) -> subprocess.CompletedProcess:
    executable = Path(sys.executable).parent / "strengthwise"
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("STRENGTHWISE_")}
    env["STRENGTHWISE_DATABASE_URL"] = database_url
    return subprocess.run([str(executable), *args], cwd=workdir, env=env, capture_output=True,
                          text=True, timeout=180)


def _users_table(output: str) -> dict[str, dict[str, str]]:
    """The printed users: {username: {role, services, password, token}}."""
    users = {}
    for line in output.splitlines():
        cells = line.split()
        if len(cells) == 5 and cells[1] in ROLES and cells[4].startswith("sw_"):
            username, role, services, password, token = cells
            users[username] = {"role": role, "services": services, "password": password,
                               "token": token}
    return users


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A project directory with its own config.toml (so instance/ lands there) and links to
    the project's workflow definitions and rule packs, a database, and the output of two
    `init --demo` runs."""
    workdir = tmp_path_factory.mktemp("demo")
    shutil.copyfile(PROJECT / "config.toml", workdir / "config.toml")
    for folder in ("workflows", "rules"):
        (workdir / folder).symlink_to(PROJECT / folder, target_is_directory=True)
    database = workdir / "demo.db"
    url = f"sqlite:///{database}"
    first = _strengthwise(workdir, url, "init", "--demo")
    second = _strengthwise(workdir, url, "init", "--demo")
    return {"workdir": workdir, "database": database, "url": url,
            "first": first, "second": second}


@pytest.fixture(scope="module")
def client(demo):
    from web import create_app

    with contextlib.chdir(demo["workdir"]):
        app = create_app({"database_url": demo["url"], "TESTING": True})
    yield app.test_client()
    from web.extensions import db
    with app.app_context():
        db.engine.dispose()


def _query(demo, sql: str, *params) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(demo["database"])) as conn:
        return conn.execute(sql, params).fetchall()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _plan_ids(demo) -> dict[str, int]:
    return dict(_query(demo, "SELECT people.name, plans.id FROM plans "
                             "JOIN people ON people.id = plans.person_id"))


def test_both_runs_of_init_demo_succeed(demo):
    assert demo["first"].returncode == 0, demo["first"].stderr
    assert demo["second"].returncode == 0, demo["second"].stderr


def test_the_first_run_prints_a_username_password_and_token_for_every_demo_role(demo):
    users = _users_table(demo["first"].stdout)
    roles = [user["role"] for user in users.values()]
    assert roles.count("manager") >= 2 and roles.count("staff") >= 2
    assert "auditor" in roles and "admin" in roles
    for user in users.values():
        assert len(user["password"]) >= 8
        assert user["token"].startswith("sw_")
    assert "Sign in" in demo["first"].stdout


def test_the_second_run_prints_the_same_passwords_and_tokens(demo):
    first, second = _users_table(demo["first"].stdout), _users_table(demo["second"].stdout)
    assert first and first == second


def test_the_credentials_file_is_private_and_holds_what_was_printed(demo):
    path = demo["workdir"] / "instance" / "demo-credentials.txt"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _users_table(path.read_text()) == _users_table(demo["first"].stdout)


def test_the_second_run_creates_no_second_user_person_or_plan(demo):
    users = _users_table(demo["first"].stdout)
    assert _query(demo, "SELECT count(*) FROM users") == [(len(users),)]
    people = _query(demo, "SELECT name, count(*) FROM people GROUP BY name")
    assert dict(people) == {name: 1 for name in DEMO_PEOPLE}
    assert _query(demo, "SELECT count(*) FROM plans") == [(len(DEMO_PEOPLE),)]
    assert _query(demo, "SELECT count(*) FROM services") == [(3,)]


def test_the_second_run_writes_no_further_audit_events(demo):
    first_run_events = _query(demo, "SELECT count(*) FROM audit_events")[0][0]
    rerun = _strengthwise(demo["workdir"], demo["url"], "init", "--demo")
    assert rerun.returncode == 0, rerun.stderr
    assert _query(demo, "SELECT count(*) FROM audit_events")[0][0] == first_run_events


def test_the_plans_are_in_the_intended_states(demo, client):
    auditor = next(user for user in _users_table(demo["first"].stdout).values()
                   if user["role"] == "auditor")
    for name, plan_id in _plan_ids(demo).items():
        response = client.get(f"/api/v1/plans/{plan_id}", headers=_bearer(auditor["token"]))
        assert response.status_code == 200, response.json
        assert response.json["state"] == DEMO_PEOPLE[name], name


def test_the_active_plan_was_approved_after_a_blocked_attempt_by_a_manager_who_did_not_edit_it(
        demo, client):
    users = _users_table(demo["first"].stdout)
    plan_id = _plan_ids(demo)["Margaret Ellis"]
    events = client.get(f"/api/v1/plans/{plan_id}/audit?action=transition",
                        headers=_bearer(users["ruth"]["token"])).json["events"]
    steps = [(event["transition"], event["outcome"]) for event in events]
    assert steps == [("request_approval", "advanced"), ("approve", "blocked"),
                     ("approve", "advanced"), ("activate", "advanced")]
    approval = events[2]
    assert users[approval["actor"]]["role"] == "manager"
    versions = client.get(f"/api/v1/plans/{plan_id}/versions",
                          headers=_bearer(users["ruth"]["token"])).json["versions"]
    assert approval["actor"] not in versions[0]["editors"]


def test_the_approved_plan_awaits_its_key_workers_acknowledgement(demo, client):
    users = _users_table(demo["first"].stdout)
    plan_id = _plan_ids(demo)["Daniel Okafor"]
    plan = client.get(f"/api/v1/plans/{plan_id}", headers=_bearer(users["ruth"]["token"])).json
    acknowledgements = client.get(f"/api/v1/plans/{plan_id}/acknowledgements",
                                  headers=_bearer(users["ruth"]["token"])).json
    assert plan["key_worker"] and acknowledgements["acknowledgements"] == []
    restrictions = [risk for risk in plan["risks"] if risk["restrictive"]]
    assert restrictions and all(r["justification"] and r["review_date"] for r in restrictions)


def test_a_manager_has_an_approval_task_for_the_plan_awaiting_approval(demo):
    plan_id = _plan_ids(demo)["Kieran Walsh"]
    tasks = _query(demo, "SELECT kind, role, status FROM tasks WHERE subject_type = 'plan' "
                         "AND subject_id = ?", plan_id)
    assert tasks == [("approve_plan", "manager", "open")]


def test_the_incomplete_draft_shows_failing_rules_on_its_approve_checklist(demo, client):
    users = _users_table(demo["first"].stdout)
    plan_id = _plan_ids(demo)["Arthur Pennington"]
    transitions = client.get(f"/api/v1/plans/{plan_id}/transitions",
                             headers=_bearer(users["hannah"]["token"])).json["transitions"]
    approve = next(t for t in transitions if t["name"] == "approve")
    assert not approve["allowed"]
    assert "plan.person-involved" in {c["rule"] for c in approve["checks"] if not c["passed"]}


def test_the_audit_chain_verifies(demo):
    result = _strengthwise(demo["workdir"], demo["url"], "audit", "verify")
    assert result.returncode == 0, result.stderr
    assert "intact" in result.stdout


def test_a_printed_manager_token_works_on_me(demo, client):
    username, manager = next((name, user) for name, user in
                             _users_table(demo["second"].stdout).items()
                             if user["role"] == "manager")
    response = client.get("/api/v1/me", headers=_bearer(manager["token"]))
    assert response.status_code == 200
    assert response.json["username"] == username
    assert response.json["role"] == "manager"
    assert sorted(response.json["services"]) == sorted(manager["services"].split(","))
