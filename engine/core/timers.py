"""Timers: rows in the database that fire a transition when they fall due."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.orm import Session

from engine.core.definitions import Registry, TimerSpec, WorkflowDef
from engine.core.models import Timer

UNVERSIONED = 0  # a timer's subject_version when it does not go stale with the subject


def schedule(session: Session, registry: Registry, workflow: WorkflowDef, subject: Any,
             spec: TimerSpec, now: datetime) -> None:
    """Schedule `spec` for `subject`; a date-based timer with no date set is not scheduled.

    A prebuilt Core INSERT, at once: nothing reads a timer back in the transaction that sets
    it, so the session need not hold it (and flush it later, one row at a time)."""
    values = timer_values(registry, workflow, subject, spec, now)
    if values is not None:
        session.connection().execute(_INSERT, values)


def schedule_many(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert the timers `timer_values` gave, in one executemany."""
    if rows:
        session.connection().execute(_INSERT, list(rows))


def timer_values(registry: Registry, workflow: WorkflowDef, subject: Any, spec: TimerSpec,
                 now: datetime) -> dict[str, Any] | None:
    """The row `schedule` inserts for `spec` and `subject` (None when its date is not set)."""
    if spec.at is not None:
        day = workflow.kind.dates[spec.at](subject)
        if day is None:
            return None
        if spec.before_days is not None:
            day -= timedelta(days=registry.setting(spec.before_days))
        # A review falls due at the start of its day where the service is.
        zone = ZoneInfo(registry.settings["timezone"])
        due_at = datetime.combine(day, time.min, tzinfo=zone)
    else:
        due_at = now + timedelta(days=registry.setting(spec.after_days))
    return dict(workflow=workflow.name, subject_type=workflow.kind.name, subject_id=subject.id,
                transition=spec.transition, due_at=due_at, status="pending", created_at=now,
                subject_version=subject.lock_version if spec.versioned else UNVERSIONED,
                fired_at=None, result=None)


_timers: Table = Timer.__table__
_INSERT = insert(_timers)
_CANCEL = (update(_timers)
           .where(_timers.c.subject_type == bindparam("b_subject_type"),
                  _timers.c.subject_id == bindparam("b_subject_id"),
                  _timers.c.status == "pending")
           .values(status="cancelled"))


def cancel_pending(session: Session, subject_type: str, subject_id: int) -> None:
    """Cancel the subject's pending timers (a Core statement: no flush first)."""
    session.connection().execute(_CANCEL, {"b_subject_type": subject_type,
                                           "b_subject_id": subject_id})


def cancel_pending_many(session: Session, subject_type: str, subject_ids: Sequence[int]) -> None:
    """`cancel_pending` for many subjects, in one executemany."""
    if subject_ids:
        session.connection().execute(_CANCEL, [{"b_subject_type": subject_type,
                                                "b_subject_id": subject_id}
                                               for subject_id in subject_ids])
