"""Tasks that workflow definitions open and close. Nobody ticks a task done by hand."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Iterable

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from .definitions import Registry, TaskSpec, WorkflowDef
from .models import Task

OPEN_STATUSES = ("open", "claimed")


def open_task(session: Session, registry: Registry, workflow: WorkflowDef, subject: Any,
              spec: TaskSpec, now: datetime, today: date) -> Task:
    """Open the task `spec` describes, unless the same task is already open for the subject."""
    kind = workflow.kind
    existing = session.scalar(select(Task).where(
        Task.subject_type == kind.name, Task.subject_id == subject.id, Task.kind == spec.kind,
        Task.status.in_(OPEN_STATUSES)))
    if existing is not None:
        return existing
    assignee_id = kind.people[spec.assignee](session, subject) if spec.assignee else None
    due_days = registry.setting(spec.due_days)
    task = Task(
        kind=spec.kind, workflow=workflow.name, subject_type=kind.name, subject_id=subject.id,
        service_id=subject.service_id, title=spec.title.format(**kind.describe(subject)),
        assignee_id=assignee_id,
        # A task whose named assignee cannot be resolved falls to the role or, failing that,
        # to the service's managers: work is never assigned to nobody.
        role=spec.role or (None if assignee_id else "manager"),
        due=today + timedelta(days=due_days) if due_days is not None else None,
        status="claimed" if assignee_id else "open", created_at=now,
    )
    session.add(task)
    return task


_tasks = Task.__table__
_CLOSE = (update(_tasks)
          .where(_tasks.c.subject_type == bindparam("b_subject_type"),
                 _tasks.c.subject_id == bindparam("b_subject_id"),
                 _tasks.c.kind.in_(bindparam("kinds", expanding=True)),
                 _tasks.c.status.in_(OPEN_STATUSES))
          .values(status=bindparam("new_status"), closed_at=bindparam("now")))


def close_tasks(session: Session, subject_type: str, subject_id: int, kinds: Iterable[str],
                now: datetime, status: str = "done") -> None:
    """Close the subject's open tasks of these kinds (a Core statement: no flush first)."""
    kinds = list(kinds)
    if kinds:
        session.connection().execute(_CLOSE, {
            "b_subject_type": subject_type, "b_subject_id": subject_id, "kinds": kinds,
            "new_status": status, "now": now})


def open_tasks_for(session: Session, subject_type: str, subject_id: int) -> list[Task]:
    return list(session.scalars(
        select(Task).where(Task.subject_type == subject_type, Task.subject_id == subject_id,
                           Task.status.in_(OPEN_STATUSES)).order_by(Task.id)))
