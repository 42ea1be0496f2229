"""A sweep batch takes its locks in the order a request does: the subjects first, then the audit
head. A request firing on a plan locks the plan and then the head; a batch that held the head
and then wanted that plan would deadlock with it on PostgreSQL."""
from datetime import datetime, timezone

from sqlalchemy import event

from engine.core.clock import FixedClock
from engine.core.sweep import _run_batch
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
            results = _run_batch(engine, db.session, DUE, 10, guarded=guarded)
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
