"""Tasks that workflow definitions open and close. Nobody ticks a task done by hand."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Iterable

from sqlalchemy import select, update
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


def close_tasks(session: Session, subject_type: str, subject_id: int, kinds: Iterable[str],
                now: datetime, status: str = "done") -> None:
    kinds = list(kinds)
    if not kinds:
        return
    session.execute(
        update(Task)
        .where(Task.subject_type == subject_type, Task.subject_id == subject_id,
               Task.kind.in_(kinds), Task.status.in_(OPEN_STATUSES))
        .values(status=status, closed_at=now)
        .execution_options(synchronize_session=False))


def open_tasks_for(session: Session, subject_type: str, subject_id: int) -> list[Task]:
    return list(session.scalars(
        select(Task).where(Task.subject_type == subject_type, Task.subject_id == subject_id,
                           Task.status.in_(OPEN_STATUSES)).order_by(Task.id)))
