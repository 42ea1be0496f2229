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


@pytest.fixture
def server(tmp_path):
    """A fresh SQLite database, three users made with the CLI, and a running server."""
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    assert run_cli("init", database_url=url).returncode == 0
    tokens = {}
    for name, role in (("sam", "staff"), ("mia", "manager"), ("max", "manager"),
                       ("ada", "auditor")):
        result = run_cli("user", "add", name, "--role", role, "--service", "riverside",
                         database_url=url)
        tokens[name] = result.stdout.strip().splitlines()[-1]
    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "strengthwise"), "serve", "--port", str(port)],
        cwd=ROOT, env={**os.environ, "STRENGTHWISE_DATABASE_URL": url,
                       "STRENGTHWISE_SCHEDULER_EMBEDDED": "false"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
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
    process.terminate()
    process.wait(timeout=10)


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

    status, trail = call(base, tokens["ada"], "GET", f"/plans/{plan['id']}/audit")
    assert [(e["actor"], e["transition"], e["outcome"]) for e in trail["events"]] == [
        ("mia", "approve", "blocked"), ("mia", "approve", "blocked"),
        ("max", "approve", "advanced"), ("max", "activate", "advanced")]
    assert all(len(e["checks"]) >= 2 for e in trail["events"])
    verified = run_cli("audit", "verify", database_url=url)
    assert verified.returncode == 0 and "4 events verified" in verified.stdout
