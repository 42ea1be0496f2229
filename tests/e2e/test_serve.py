"""The issue's "done when", against a real `strengthwise serve` (waitress) over HTTP."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import plan_content, run_cli

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(command: list[str], url: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "strengthwise"), *command], cwd=ROOT,
        env={**os.environ, "STRENGTHWISE_DATABASE_URL": url, **env},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=10)


@pytest.fixture
def server(request, tmp_path):
    """A fresh SQLite database, users made with the CLI, and a running server.

    Parametrise indirectly with extra environment for `serve` to change its settings.
    """
    extra_env = getattr(request, "param", {"STRENGTHWISE_SCHEDULER_EMBEDDED": "false"})
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    assert run_cli("init", database_url=url).returncode == 0
    tokens = {}
    for name, role in (("sam", "staff"), ("mia", "manager"), ("max", "manager"),
                       ("ada", "auditor")):
        result = run_cli("user", "add", name, "--role", role, "--service", "riverside",
                         database_url=url)
        tokens[name] = result.stdout.strip().splitlines()[-1]
    port = free_port()
    process = start(["serve", "--port", str(port)], url, **extra_env)
    base = f"http://127.0.0.1:{port}/api/v1"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/openapi.json", timeout=1)
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"serve exited: {process.stdout.read()}")
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("serve did not answer within 30 s")
    yield base, tokens, url
    stop(process)


def call(base, token, method, path, body=None):
    request = urllib.request.Request(
        base + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        assert error.headers["Content-Type"].startswith("application/json")
        return error.code, json.loads(error.read())


@pytest.mark.slow
def test_a_plan_goes_from_draft_to_active_over_http_and_the_chain_verifies(server):
    base, tokens, url = server
    sam, mia, max_ = (lambda *a: call(base, tokens["sam"], *a),
                      lambda *a: call(base, tokens["mia"], *a),
                      lambda *a: call(base, tokens["max"], *a))

    status, person = sam("POST", "/people", {"name": "Margaret Ellis", "service": "riverside"})
    assert status == 201
    status, plan = sam("POST", "/plans", {"person_id": person["id"]})
    assert status == 201 and plan["state"] == "draft"

    status, refused = mia("POST", f"/plans/{plan['id']}/transitions/approve",
                          {"version": plan["version"]})
    assert status == 422 and refused["error"] == "blocked"
    assert {"plan.has-outcomes", "plan.person-involved"} <= {d["rule"] for d in refused["details"]}

    status, plan = mia("PUT", f"/plans/{plan['id']}",
                       {**plan_content(), "version": plan["version"]})
    assert status == 200
    status, own = mia("POST", f"/plans/{plan['id']}/transitions/approve",
                      {"version": plan["version"]})
    assert status == 422 and [d["rule"] for d in own["details"]] == ["plan.independent-approver"]

    status, approved = max_("POST", f"/plans/{plan['id']}/transitions/approve",
                            {"version": plan["version"], "comment": "Deliverable"})
    assert status == 200 and approved["plan"]["state"] == "approved"
    assert sam("POST", f"/plans/{plan['id']}/acknowledgements", {})[0] == 201
    status, active = max_("POST", f"/plans/{plan['id']}/transitions/activate",
                          {"version": approved["plan"]["version"]})
    assert status == 200 and active["plan"]["state"] == "active"

    status, trail = call(base, tokens["ada"], "GET",
                         f"/plans/{plan['id']}/audit?action=transition")
    assert [(e["actor"], e["transition"], e["outcome"]) for e in trail["events"]] == [
        ("mia", "approve", "blocked"), ("mia", "approve", "blocked"),
        ("max", "approve", "advanced"), ("max", "activate", "advanced")]
    assert all(len(e["checks"]) >= 2 for e in trail["events"])
    everything = call(base, tokens["ada"], "GET", f"/plans/{plan['id']}/audit")[1]["events"]
    assert {e["action"] for e in everything} == {"transition", "draft_saved", "acknowledged"}
    verified = run_cli("audit", "verify", database_url=url)
    # The plan's events, after the four `user add` account_created events.
    assert verified.returncode == 0 and \
        f"{len(everything) + 4} events verified" in verified.stdout


def activate_a_plan_due_today(base, tokens) -> int:
    """Through the running server (real clock): a plan whose review date is today."""
    from datetime import date, timedelta
    today = date.today()
    sam = lambda *a: call(base, tokens["sam"], *a)  # noqa: E731
    status, person = sam("POST", "/people", {"name": "Kieran Walsh", "service": "riverside"})
    content = plan_content(start_date=(today - timedelta(days=10)).isoformat(),
                           next_review_date=today.isoformat())
    status, plan = sam("POST", "/plans", {"person_id": person["id"], **content})
    assert status == 201, plan
    status, fired = call(base, tokens["max"], "POST", f"/plans/{plan['id']}/transitions/approve",
                         {"version": plan["version"]})
    assert status == 200, fired
    assert sam("POST", f"/plans/{plan['id']}/acknowledgements", {})[0] == 201
    status, fired = call(base, tokens["max"], "POST", f"/plans/{plan['id']}/transitions/activate",
                         {"version": fired["plan"]["version"]})
    assert status == 200, fired
    return plan["id"]


def wait_for_state(base, token, plan_id, wanted, seconds=30) -> str:
    deadline, state = time.monotonic() + seconds, None
    while time.monotonic() < deadline:
        state = call(base, token, "GET", f"/plans/{plan_id}")[1]["state"]
        if state == wanted:
            break
        time.sleep(0.25)
    return state


FAST = {"STRENGTHWISE_SCHEDULER_INTERVAL_SECONDS": "1"}


@pytest.mark.slow
@pytest.mark.parametrize("server", [{**FAST, "STRENGTHWISE_SCHEDULER_EMBEDDED": "true"}],
                         indirect=True)
def test_serve_runs_the_scheduler_in_process(server):
    base, tokens, _ = server
    plan_id = activate_a_plan_due_today(base, tokens)
    assert wait_for_state(base, tokens["sam"], plan_id, "review_due") == "review_due"


@pytest.mark.slow
def test_the_dedicated_scheduler_process_fires_due_reviews_for_the_web_workers(server):
    base, tokens, url = server
    plan_id = activate_a_plan_due_today(base, tokens)
    time.sleep(1.5)  # the web worker (scheduler.embedded = false) must not move it
    assert call(base, tokens["sam"], "GET", f"/plans/{plan_id}")[1]["state"] == "active"
    scheduler = start(["scheduler"], url, **FAST)
    try:
        assert wait_for_state(base, tokens["sam"], plan_id, "review_due") == "review_due"
    finally:
        stop(scheduler)
    events = call(base, tokens["ada"], "GET", f"/plans/{plan_id}/audit")[1]["events"]
    assert [e["actor"] for e in events].count("system") == 1
