"""The sweep: fire the timers that have fallen due and escalate overdue tasks.

Run by `strengthwise tick`, by the scheduler inside `serve`, or by the dedicated `strengthwise
scheduler` process. Due timers are claimed a batch at a time in one transaction: on PostgreSQL
with FOR UPDATE SKIP LOCKED, so concurrent sweeps take disjoint batches; on SQLite the
transaction's IMMEDIATE write lock serialises sweeps. A batch fires set-wise, each subject
judged on its own but read and written together (engine/core/batch.py), and what the subject's
kind cannot fire set-wise fires one timer at a time. A batch that hits an unexpected error is
redone one timer at a time with a savepoint each, so one failure cannot undo the others.
A timer's row is marked in the same transaction that moved the subject: a sweep killed half
way leaves whole plans moved or untouched, and the next sweep finishes the work. A timer set
for a version of the subject that has since moved on is stale and does nothing, so a duplicate
never fires twice.
"""
from __future__ import annotations

from dataclasses import astuple, dataclass, field
from datetime import datetime
from typing import Callable

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session, lazyload

from engine.core.access import Actor
from engine.core.batch import STALE, Due, fire_due, lock_subjects
from engine.core.clock import FixedClock
from engine.core.db import begin_write
from engine.core.errors import Conflict, EngineError, NotFound
from engine.core.models import Task, Timer
from engine.core.tasks import OPEN_STATUSES, escalate
from engine.core.workflow import Engine


@dataclass
class TimerResult:
    timer_id: int
    workflow: str
    subject_type: str
    subject_id: int
    transition: str
    outcome: str  # advanced, blocked, stale or failed
    detail: str = ""

    def describe(self) -> str:
        return (f"timer {self.timer_id}: {self.transition} on {self.subject_type} "
                f"{self.subject_id}: {self.outcome}{' — ' + self.detail if self.detail else ''}")


@dataclass
class SweepReport:
    now: datetime
    timers: list[TimerResult] = field(default_factory=list)
    escalated: list[Task] = field(default_factory=list)
    # Timers left pending because another transaction held their subject: the next sweep
    # fires them (a sweep never waits for a subject, see batch.lock_subjects).
    busy: int = 0

    def count(self, outcome: str) -> int:
        return sum(1 for result in self.timers if result.outcome == outcome)

    def summary(self) -> str:
        counts = ", ".join(f"{self.count(o)} {o}" for o in ("advanced", "blocked", "stale",
                                                             "failed") if self.count(o))
        return (f"Swept as of {self.now.isoformat()}: {len(self.timers)} timer"
                f"{'' if len(self.timers) == 1 else 's'} fired"
                f"{' (' + counts + ')' if counts else ''}; {len(self.escalated)} overdue task"
                f"{'' if len(self.escalated) == 1 else 's'} escalated"
                + (f"; {self.busy} left for the next sweep, {'its' if self.busy == 1 else 'their'}"
                   f" subject{'' if self.busy == 1 else 's'} being changed" if self.busy else "")
                + ".")


def sweep(engine: Engine, session: Session, now: datetime | None = None, batch_size: int = 100,
          on_result: Callable[[TimerResult], None] | None = None) -> SweepReport:
    """Fire every timer due at `now` (default: the engine's clock) and escalate overdue tasks."""
    now = now or engine.now()
    at_now = Engine(engine.registry, FixedClock(now))
    report = SweepReport(now=now)
    busy: set[int] = set()  # timer ids whose subject was held: not claimed again this sweep
    while True:
        try:
            results, claimed = _run_batch(at_now, session, now, batch_size, guarded=False,
                                          busy=busy)
        except Exception:  # noqa: BLE001  something unexpected: redo the batch one by one
            results, claimed = _run_batch(at_now, session, now, batch_size, guarded=True,
                                          busy=busy)
        report.timers += results
        if on_result is not None:
            for result in results:
                on_result(result)
        if claimed < batch_size:
            break
    report.busy = len(busy)
    report.escalated = _escalate_overdue(at_now, session, now)
    return report


def _run_batch(engine: Engine, session: Session, now: datetime, batch_size: int,
               guarded: bool, busy: set[int] | None = None) -> tuple[list[TimerResult], int]:
    """Claim and fire one batch in one transaction; what each timer did, and how many were
    claimed. Unguarded, the batch fires set-wise (engine/core/batch.py) and what cannot is
    fired one timer at a time; an unexpected error undoes the whole batch (the caller retries
    it guarded). Guarded, each timer fires alone in a savepoint, so a failing one is marked
    failed and the others still fire. A timer whose subject another transaction holds is left
    pending, its id added to `busy` (which the claim then passes over)."""
    busy = set() if busy is None else busy
    begin_write(session)
    try:
        claimed = _claim_due(session, now, batch_size, busy)
        # Every subject first, then the audit head (fire_due appends the batch's events
        # before the one-subject path fires what it left; guarded, each timer appends its own).
        held = lock_subjects(engine, session, claimed)
        dues = [due for due in claimed if (due.subject_type, due.subject_id) not in held]
        busy |= {due.timer_id for due in claimed if (due.subject_type, due.subject_id) in held}
        done = {} if guarded else fire_due(engine, session, dues, now)
        results = [_result(due, *astuple(done[due.timer_id])) if due.timer_id in done
                   else _fire_timer(engine, session, due, guarded) for due in dues]
        _mark(session, results, now)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return results, len(claimed)


_timers: Table = Timer.__table__
_CLAIM = (select(_timers.c.id, _timers.c.workflow, _timers.c.subject_type,
                 _timers.c.subject_id, _timers.c.transition, _timers.c.subject_version)
          .where(_timers.c.status == "pending", _timers.c.due_at <= bindparam("now"))
          .order_by(_timers.c.due_at, _timers.c.id).limit(bindparam("batch_size"))
          .with_for_update(skip_locked=True))
# … once a batch has found a subject busy: its timer is not claimed again in this sweep.
_CLAIM_PASSING_OVER = _CLAIM.where(_timers.c.id.not_in(bindparam("passed_over",
                                                                expanding=True)))
_MARK = (update(_timers).where(_timers.c.id == bindparam("timer_id"))
         .values(status=bindparam("new_status"), fired_at=bindparam("fired_at"),
                 result=bindparam("new_result")))


def _claim_due(session: Session, now: datetime, batch_size: int,
               passed_over: set[int]) -> list[Due]:
    if passed_over:
        statement, given = _CLAIM_PASSING_OVER, {"passed_over": sorted(passed_over)}
    else:
        statement, given = _CLAIM, {}
    return [Due(*row) for row in session.connection().execute(
        statement, {"now": now, "batch_size": batch_size, **given})]


def _mark(session: Session, results: list[TimerResult], now: datetime) -> None:
    """Record what each timer did, in the transaction that did it (one executemany)."""
    if results:
        session.connection().execute(_MARK, [
            {"timer_id": result.timer_id, "fired_at": now,
             "new_status": {"advanced": "fired"}.get(result.outcome, result.outcome),
             "new_result": f"{result.outcome}: {result.detail}".rstrip(": ")}
            for result in results])


def _result(due: Due, outcome: str, detail: str = "") -> TimerResult:
    return TimerResult(due.timer_id, due.workflow, due.subject_type, due.subject_id,
                       due.transition, outcome, detail)


def _fire_timer(engine: Engine, session: Session, due: Due, guarded: bool) -> TimerResult:
    """Fire one timer through the one-subject path (in a savepoint when guarded)."""
    result = _result(due, "advanced")
    savepoint = session.begin_nested() if guarded else None
    try:
        engine.registry.workflow(due.workflow)  # a workflow no longer defined cannot fire
        # The timer's version is the optimistic check: a subject that moved on since the
        # timer was set is stale, and firing it again would be a duplicate.
        fired = engine.fire_in_transaction(session, due.subject_type, due.subject_id,
                                           due.transition, Actor.system(),
                                           version=due.version or None)  # 0: unversioned
        result.detail = f"{fired.event.document()['from']} → {fired.subject.state}"
    except (Conflict, NotFound):
        result.outcome, result.detail = "stale", STALE.detail
    except EngineError as refusal:  # audited (blocked, denied); the audit event is kept
        result.outcome, result.detail = "blocked", refusal.message
    except Exception as error:  # noqa: BLE001
        if savepoint is None:
            raise
        savepoint.rollback()
        result.outcome, result.detail = "failed", f"{type(error).__name__}: {error}"
    if savepoint is not None and savepoint.is_active:
        savepoint.commit()
    return result


def _escalate_overdue(engine: Engine, session: Session, now: datetime) -> list[Task]:
    """Open one manager task for each task past its follow-up date, once."""
    today = engine.today(now)
    begin_write(session)
    try:
        overdue = list(session.scalars(
            select(Task).where(Task.status.in_(OPEN_STATUSES), Task.follow_up <= today,
                               Task.escalated_at.is_(None), Task.parent_id.is_(None))
            .order_by(Task.follow_up, Task.id).options(lazyload("*"))
            .with_for_update(skip_locked=True, of=Task)))
        opened = [escalate(session, task, now, today) for task in overdue]
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return opened
