"""Scale-out (SPEC §10.6): `serve --workers 3` and two `strengthwise scheduler` processes against
one PostgreSQL database, under concurrent writers, for a bounded time on loopback."""
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.e2e.test_serve import activate_a_plan_due_today, call, free_port, stop
from tests.helpers import plan_content, run_cli

WRITERS, READERS = 4, 2
WRITE_SECONDS = 12
MAX_REQUESTS_EACH = 400
DUE_PLANS = 8
FAST = {"STRENGTHWISE_SCHEDULER_INTERVAL_SECONDS": "1"}


def launch(command, url, log_path, **env):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    log = open(log_path, "w")  # noqa: SIM115  closed with the process
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "strengthwise"), *command], cwd=root,
        env={**os.environ, "STRENGTHWISE_DATABASE_URL": url, **env},
        stdout=log, stderr=subprocess.STDOUT, text=True)
    process.log = log
    return process


def wait_until_serving(base, process, log_path, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            import urllib.request
            urllib.request.urlopen(base + "/openapi.json", timeout=1)
            return
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"serve exited: {Path(log_path).read_text()}")
            time.sleep(0.2)
    pytest.fail(f"serve did not answer within {seconds} s: {Path(log_path).read_text()}")


def rows(url, sql, **params):
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql), params).all()
    finally:
        engine.dispose()


@pytest.mark.slow
def test_three_workers_and_two_schedulers_lose_nothing_and_fire_nothing_twice(
        database_url, tmp_path):
    if not database_url.startswith("postgresql"):
        pytest.skip("several serve workers and schedulers share one PostgreSQL database")
    tokens = {}
    for name, role in (("sam", "staff"), ("mia", "manager"), ("max", "manager"),
                       ("ada", "auditor")):
        result = run_cli("user", "add", name, "--role", role, "--service", "riverside",
                         database_url=database_url)
        assert result.returncode == 0, result.stderr
        tokens[name] = result.stdout.strip().splitlines()[-1]
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    serve_log = tmp_path / "serve.log"
    serve = launch(["serve", "--workers", "3", "--port", str(port)], database_url, serve_log,
                   STRENGTHWISE_SCHEDULER_EMBEDDED="false")
    schedulers = [launch(["scheduler"], database_url, tmp_path / f"scheduler-{n}.log", **FAST)
                  for n in (1, 2)]
    processes = [serve, *schedulers]
    try:
        wait_until_serving(base, serve, serve_log)
        sam = lambda *a: call(base, tokens["sam"], *a)  # noqa: E731
        # Two drafts everyone edits at once, and plans whose reviews fall due while they do.
        drafts = []
        for number in (1, 2):
            status, person = sam("POST", "/people", {"name": f"Contended {number}",
                                                     "service": "riverside"})
            assert status == 201, person
            status, plan = sam("POST", "/plans", {"person_id": person["id"], **plan_content()})
            assert status == 201, plan
            drafts.append(plan)
        outcomes: Counter = Counter()
        reads: Counter = Counter()
        failures: list = []
        stop_at = time.monotonic() + WRITE_SECONDS

        def writer(index):
            plan_id = drafts[index % len(drafts)]["id"]
            for request in range(MAX_REQUESTS_EACH):
                if time.monotonic() > stop_at:
                    return
                status, current = sam("GET", f"/plans/{plan_id}")
                if status != 200:
                    failures.append(("GET", status, current))
                    return
                reads[plan_id] += 1
                content = {**plan_content(), "version": current["version"]}
                content["strengths"][0]["description"] = f"Edited by writer {index}, {request}"
                status, answer = sam("PUT", f"/plans/{plan_id}", content)
                if status not in (200, 409):
                    failures.append(("PUT", status, answer))
                    return
                outcomes[(plan_id, status)] += 1

        def reader(_index):
            while time.monotonic() < stop_at:
                for plan in drafts:
                    status, answer = call(base, tokens["mia"], "GET", f"/plans/{plan['id']}")
                    if status != 200:
                        failures.append(("read", status, answer))
                        return
                    reads[plan["id"]] += 1

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
        threads += [threading.Thread(target=reader, args=(n,)) for n in range(READERS)]
        for thread in threads:
            thread.start()
        due = [activate_a_plan_due_today(base, tokens) for _ in range(DUE_PLANS)]
        for thread in threads:
            thread.join(timeout=WRITE_SECONDS + 60)
        assert not failures, failures[:3]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            states = {plan_id: sam("GET", f"/plans/{plan_id}")[1]["state"] for plan_id in due}
            if set(states.values()) == {"review_due"}:
                break
            time.sleep(0.5)
        assert set(states.values()) == {"review_due"}, states
        assert all(process.poll() is None for process in processes), "a process died"
    finally:
        stop(*processes)  # gracefully: each worker writes the reads it buffered
        for process in processes:
            process.log.close()

    assert "run one `strengthwise scheduler`" in serve_log.read_text()  # none in the workers
    # No lost update: each plan's version moved once per edit that was answered 200.
    for plan in drafts:
        saved = outcomes[(plan["id"], 200)]
        assert saved > 0 and outcomes[(plan["id"], 409)] >= 0
        [(version,)] = rows(database_url, "SELECT lock_version FROM plans WHERE id = :id",
                            id=plan["id"])
        assert version == plan["version"] + saved, (plan["id"], version, saved)
        [(events,)] = rows(database_url, "SELECT count(*) FROM audit_events WHERE "
                           "subject_id = :id AND action = 'draft_saved'", id=plan["id"])
        assert events == saved
    # No timer fired twice, and every due plan's trail is complete and in order.
    for plan_id in due:
        trail = rows(database_url, "SELECT transition, outcome FROM audit_events WHERE "
                     "subject_type = 'plan' AND subject_id = :id AND action = 'transition' "
                     "ORDER BY seq", id=plan_id)
        assert [tuple(row) for row in trail] == [("approve", "advanced"),
                                                 ("activate", "advanced"),
                                                 ("start_review", "advanced")], plan_id
        [(fired, cycles, tasks)] = rows(
            database_url,
            "SELECT (SELECT count(*) FROM timers WHERE subject_id = :id AND status = 'fired'),"
            " (SELECT count(*) FROM review_cycles WHERE plan_id = :id),"
            " (SELECT count(*) FROM tasks WHERE subject_id = :id AND kind = 'complete_review')",
            id=plan_id)
        assert (fired, cycles, tasks) == (1, 1, 1), plan_id
    # Every successful read of the contended plans is in the access log.
    for plan in drafts:
        [(logged,)] = rows(database_url, "SELECT count(*) FROM access_log WHERE subject_id = :id "
                           "AND what = 'api.get_plan'", id=plan["id"])
        assert logged == reads[plan["id"]], (plan["id"], logged, reads[plan["id"]])
    verify = run_cli("audit", "verify", database_url=database_url)
    assert verify.returncode == 0, verify.stdout + verify.stderr
