"""Whatever runs the sweep, a timer fires at most once: CLI ticks, concurrent processes, kills."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.helpers import run_cli, seed_active_plans

ROOT = Path(__file__).resolve().parents[2]
DUE = "2027-01-12T09:00"


def counts(database_url: str) -> dict[str, int]:
    """What the sweep has done so far, read straight from the database."""
    engine = create_engine(database_url)
    with engine.connect() as conn:
        result = {
            "review_due": conn.scalar(text("SELECT count(*) FROM plans WHERE state='review_due'")),
            "fired": conn.scalar(text("SELECT count(*) FROM timers WHERE status='fired'")),
            "tasks": conn.scalar(text("SELECT count(*) FROM tasks WHERE kind='complete_review' "
                                      "AND status IN ('open','claimed')")),
            "events": conn.scalar(text("SELECT count(*) FROM audit_events WHERE "
                                       "transition='start_review' AND outcome='advanced'")),
            "cycles": conn.scalar(text("SELECT count(*) FROM review_cycles")),
        }
        result["per_plan"] = conn.execute(text(
            "SELECT p.id, p.state, "
            " (SELECT count(*) FROM timers t WHERE t.subject_id=p.id AND t.status='fired'), "
            " (SELECT count(*) FROM tasks k WHERE k.subject_id=p.id AND k.kind='complete_review'),"
            " (SELECT count(*) FROM audit_events e WHERE e.subject_id=p.id "
            "   AND e.transition='start_review') FROM plans p")).all()
    engine.dispose()
    return result


def assert_whole_plans(state: dict) -> None:
    """Every plan is either untouched or completely moved, never half of it."""
    for plan_id, plan_state, fired, review_tasks, events in state["per_plan"]:
        moved = (1, 1, 1) if plan_state == "review_due" else (0, 0, 0)
        assert (fired, review_tasks, events) == moved, (plan_id, plan_state)


def tick_process(database_url: str, batch_size: int = 100) -> subprocess.Popen:
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "strengthwise"), "tick", "--now", DUE], cwd=ROOT,
        env={**os.environ, "STRENGTHWISE_DATABASE_URL": database_url,
             "STRENGTHWISE_SCHEDULER_BATCH_SIZE": str(batch_size)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_tick_prints_what_it_did_and_does_nothing_the_second_time(app, users, database_url):
    [plan_id] = seed_active_plans(app, 1)
    first = run_cli("tick", "--now", DUE, database_url=database_url)
    assert first.returncode == 0, first.stderr
    assert f"start_review on plan {plan_id}: advanced — active → review_due" in first.stdout
    assert "1 timer fired (1 advanced)" in first.stdout
    second = run_cli("tick", "--now", DUE, database_url=database_url)
    assert second.returncode == 0 and "0 timers fired" in second.stdout
    assert counts(database_url)["events"] == 1


def test_tick_refuses_a_time_that_is_not_iso(database_url):
    result = run_cli("tick", "--now", "next tuesday", database_url=database_url)
    assert result.returncode == 2 and "ISO date-time" in result.stderr


@pytest.mark.slow
def test_two_ticks_started_together_fire_each_of_500_plans_once(app, users, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrent sweeps claim disjoint rows with SKIP LOCKED on PostgreSQL")
    seed_active_plans(app, 500)
    processes = [tick_process(database_url, batch_size=25) for _ in range(2)]
    outputs = [process.communicate(timeout=300) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    fired_by = [out.count(": advanced") for out, _ in outputs]
    assert sum(fired_by) == 500 and all(fired_by), fired_by  # both processes did some work
    state = counts(database_url)
    assert (state["review_due"], state["fired"], state["tasks"], state["events"],
            state["cycles"]) == (500, 500, 500, 500, 500)
    assert_whole_plans(state)
    verify = run_cli("audit", "verify", database_url=database_url)
    assert verify.returncode == 0, verify.stderr


@pytest.mark.slow
def test_a_tick_killed_mid_sweep_leaves_whole_plans_and_the_next_tick_finishes(
        app, users, database_url):
    total = 300
    seed_active_plans(app, total)
    process = tick_process(database_url, batch_size=5)
    deadline = time.monotonic() + 120
    while counts(database_url)["fired"] == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    partial = counts(database_url)
    assert 0 < partial["fired"] < total, "the kill should land mid-sweep"
    assert_whole_plans(partial)

    finish = run_cli("tick", "--now", DUE, database_url=database_url)
    assert finish.returncode == 0, finish.stderr
    state = counts(database_url)
    assert (state["review_due"], state["fired"], state["tasks"], state["events"]) == (
        total, total, total, total)
    assert_whole_plans(state)
    assert run_cli("audit", "verify", database_url=database_url).returncode == 0
