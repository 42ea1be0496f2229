"""A sweep batch takes its locks in the order a request does: the subjects first, then the audit
head. A request firing on a plan locks the plan and then the head; a batch that held the head
and then wanted that plan would deadlock with it on PostgreSQL. And a sweep never waits for a
plan a request holds: it leaves that plan's timer for the next sweep."""
from datetime import datetime, timezone

import threading

import pytest
from sqlalchemy import event, select

from engine.core.clock import FixedClock
from engine.care.models import Plan
from engine.core.models import Timer
from engine.core.sweep import _run_batch, sweep
from engine.core.workflow import Engine
from tests.helpers import seed_active_plans
from web.extensions import db

DUE = datetime(2027, 1, 12, 9, tzinfo=timezone.utc)


def locks_taken(app, guarded: bool) -> list[str]:
    """The tables each row-locking statement of one batch locked, in order."""
    engine = Engine(app.extensions["strengthwise"].registry, FixedClock(DUE))  # as sweep()
    taken: list[str] = []

    def seen(_conn, _cursor, statement, *_):
        text = " ".join(statement.split())
        if text.startswith("SELECT") and "FOR UPDATE" in text:
            taken.append(text.split(" FROM ", 1)[1].split()[0])
        elif text.startswith("BEGIN IMMEDIATE"):
            taken.append("database")

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            results, _claimed = _run_batch(engine, db.session, DUE, 10, guarded=guarded)
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
        db.session.remove()
    assert [result.outcome for result in results] == ["advanced"] * 3
    return taken


def assert_subjects_before_the_head(taken: list[str], dialect: str) -> None:
    if dialect == "sqlite":  # one write lock for the whole database, taken before anything
        assert taken[:1] == ["database"] or "audit_head" not in taken, taken
        return
    head = taken.index("audit_head")
    assert "plans" in taken[:head], taken
    assert "plans" not in taken[head:], taken


def test_a_guarded_batch_locks_every_plan_before_the_audit_head(app, users):
    seed_active_plans(app, 3)
    with app.app_context():
        dialect = db.engine.dialect.name
    # Guarded, each timer fires alone and appends its own event: without the locks up front
    # the second plan would be locked after the first event took the head.
    assert_subjects_before_the_head(locks_taken(app, guarded=True), dialect)


def test_a_set_wise_batch_locks_every_plan_before_the_audit_head(app, users):
    seed_active_plans(app, 3)
    with app.app_context():
        dialect = db.engine.dialect.name
    assert_subjects_before_the_head(locks_taken(app, guarded=False), dialect)


def test_a_sweep_leaves_a_plan_another_transaction_holds_for_the_next_sweep(app, users):
    """Waiting for it could deadlock (the sweep holds the plan's timer, which the holder's
    request cancels next), so the sweep passes it over and fires it the next time."""
    held_id, free_id = seed_active_plans(app, 2)
    engine = app.extensions["strengthwise"]
    seen: dict = {}

    def run_sweep() -> None:
        with app.app_context():
            seen["report"] = sweep(engine, db.session, DUE)
            seen["states"] = dict(db.session.execute(select(Plan.id, Plan._state)).all())
            seen["pending"] = db.session.scalars(select(Timer.subject_id).where(
                Timer.subject_type == "plan", Timer.status == "pending")).all()
            db.session.remove()

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            pytest.skip("SQLite's one write lock serialises the request and the sweep")
        with db.engine.connect() as holder:
            holder.execute(select(Plan.id).where(Plan.id == held_id).with_for_update())
            sweeper = threading.Thread(target=run_sweep)
            sweeper.start()
            sweeper.join(timeout=20)
            waited = sweeper.is_alive()
            holder.rollback()  # a sweep that waited for the plan goes on now
            sweeper.join()
    assert not waited, "the sweep waited for a plan another transaction held"
    report = seen["report"]
    assert [(r.subject_id, r.outcome) for r in report.timers] == [(free_id, "advanced")]
    assert report.busy == 1
    assert "1 left for the next sweep, its subject being changed" in report.summary()
    assert seen["states"][held_id] == "active" and seen["states"][free_id] == "review_due"
    assert held_id in seen["pending"]
    with app.app_context():
        again = sweep(engine, db.session, DUE)
        db.session.remove()
    assert [(r.subject_id, r.outcome) for r in again.timers] == [(held_id, "advanced")]
    assert again.busy == 0
