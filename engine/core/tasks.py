"""Tasks that workflow definitions open and close. Nobody ticks a task done by hand."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Iterable, Mapping, Sequence

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    bindparam,
    false,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session

from engine.core import audit
from engine.core.access import Actor
from engine.core.definitions import Registry, TaskSpec, WorkflowDef
from engine.core.errors import Conflict, Forbidden
from engine.core.models import Service, Task
from engine.core.scope import Scope, in_services, register_scope, service_ids
from engine.core.uow import unit_of_work
from engine.core.words import long_date, with_article

OPEN_STATUSES = ("open", "claimed")


def open_task(session: Session, registry: Registry, workflow: WorkflowDef, subject: Any,
              spec: TaskSpec, now: datetime, today: date, actor: Actor | None = None,
              inputs: Mapping[str, Any] | None = None) -> Task | None:
    """Open the task `spec` describes, unless the same task is already open for the subject
    (or the subject is in none of the states the task is for: then None).

    Its title names the subject in words (the kind's `describe`) and `{actor}`, who handed the
    work on; `spec.note` carries one of the step's inputs (a comment) with the task.
    """
    kind = workflow.kind
    if spec.in_states and subject.state not in spec.in_states:
        return None
    existing = session.scalar(select(Task).where(
        Task.subject_type == kind.name, Task.subject_id == subject.id, Task.kind == spec.kind,
        Task.status.in_(OPEN_STATUSES)))
    if existing is not None:
        return existing
    return new_task(session, registry, workflow, subject, spec, now, today, actor, inputs)


def open_tasks(session: Session, registry: Registry, workflow: WorkflowDef,
               openings: Sequence[tuple[Any, TaskSpec]], now: datetime, today: date) -> None:
    """`open_task` for many (subject, spec) pairs of one workflow: one query finds the tasks
    already open, and the new ones are inserted together when the session flushes."""
    if not openings:
        return
    kind = workflow.kind
    already: set[tuple[int, str]] = {(subject_id, task_kind) for subject_id, task_kind in
                                     session.execute(select(Task.subject_id, Task.kind).where(
        Task.subject_type == kind.name,
        Task.subject_id.in_({subject.id for subject, _ in openings}),
        Task.kind.in_({spec.kind for _, spec in openings}),
        Task.status.in_(OPEN_STATUSES)))}
    rows = []
    for subject, spec in openings:
        if spec.in_states and subject.state not in spec.in_states:
            continue
        if (subject.id, spec.kind) not in already:
            already.add((subject.id, spec.kind))
            rows.append(_task_values(session, registry, workflow, subject, spec, now, today))
    if rows:  # a Core executemany: the ORM inserts one row at a time where it needs the ids
        session.connection().execute(_INSERT, rows)


def new_task(session: Session, registry: Registry, workflow: WorkflowDef, subject: Any,
             spec: TaskSpec, now: datetime, today: date, actor: Actor | None = None,
             inputs: Mapping[str, Any] | None = None) -> Task | None:
    """Open the task `spec` describes, without looking for one already open (None when the
    subject is in none of the states the task is for)."""
    if spec.in_states and subject.state not in spec.in_states:
        return None
    task = Task(**_task_values(session, registry, workflow, subject, spec, now, today, actor,
                               inputs))
    session.add(task)
    return task


def insert_task(session: Session, registry: Registry, workflow: WorkflowDef, subject: Any,
                spec: TaskSpec, now: datetime, today: date, actor: Actor | None = None,
                inputs: Mapping[str, Any] | None = None) -> None:
    """`new_task` as a Core INSERT at once, for a caller that needs no Task object back."""
    if spec.in_states and subject.state not in spec.in_states:
        return
    session.connection().execute(_INSERT, _task_values(session, registry, workflow, subject,
                                                       spec, now, today, actor, inputs))


def _task_values(session: Session, registry: Registry, workflow: WorkflowDef, subject: Any,
                 spec: TaskSpec, now: datetime, today: date, actor: Actor | None = None,
                 inputs: Mapping[str, Any] | None = None) -> dict[str, Any]:
    kind = workflow.kind
    assignee_id = kind.people[spec.assignee](session, subject) if spec.assignee else None
    not_for_id = kind.people[spec.not_for](session, subject) if spec.not_for else None
    if assignee_id is not None and assignee_id == not_for_id:
        assignee_id = None  # the person it is not for falls back to the role, like nobody
    words = {**kind.describe(subject), "actor": actor.username if actor else "the system"}
    due_days = registry.setting(spec.due_days)
    due = today + timedelta(days=due_days) if due_days is not None else None
    if spec.due_on is not None:
        due = kind.dates[spec.due_on](subject)
    return dict(
        kind=spec.kind, workflow=workflow.name, subject_type=kind.name, subject_id=subject.id,
        service_id=subject.service_id, title=spec.title.format(**words),
        assignee_id=assignee_id, not_for_id=not_for_id,
        note=(inputs or {}).get(spec.note) if spec.note else None,
        # A task whose named assignee cannot be resolved falls to the role or, failing that,
        # to the service's managers: work is never assigned to nobody.
        role=spec.role or (None if assignee_id else "manager"),
        due=due, status="open", created_at=now,
        follow_up=due + timedelta(days=registry.settings["review.escalate_after_days"])
        if due else None, closed_at=None, escalated_at=None, parent_id=None,
    )


def hand_on(session: Session, registry: Registry, workflow: WorkflowDef, subject: Any,
            actor: Actor, action: str, now: datetime, today: date) -> list[Task]:
    """What a change recorded outside transitions does to tasks, as the workflow's
    `[actions.<action>]` says: close some of the subject's tasks, open others. Returns the
    tasks opened (none when the definition says nothing, or the actor is not the person the
    action is for)."""
    spec = workflow.actions.get(action)
    if spec is None:
        return []
    if spec.by is not None and not actor.is_system:
        person = workflow.kind.people[spec.by](session, subject)
        if person is None or person != actor.user_id:
            return []
    close_tasks(session, workflow.kind.name, subject.id, spec.closes_tasks, now)
    session.flush()
    opened = [open_task(session, registry, workflow, subject, task, now, today, actor)
              for task in spec.opens_tasks]
    return [task for task in opened if task is not None]


_tasks: Table = Task.__table__
_INSERT = insert(_tasks)
_CLOSE = (update(_tasks)
          .where(_tasks.c.subject_type == bindparam("b_subject_type"),
                 _tasks.c.subject_id == bindparam("b_subject_id"),
                 _tasks.c.kind.in_(bindparam("kinds", expanding=True)),
                 _tasks.c.status.in_(OPEN_STATUSES))
          .values(status=bindparam("new_status"), closed_at=bindparam("now")))


def escalate(session: Session, task: Task, now: datetime, today: date) -> Task:
    """Open a task for the service's managers about `task`, which is past its follow-up date."""
    escalation = Task(
        kind=f"{task.kind}.escalated", workflow=task.workflow, subject_type=task.subject_type,
        subject_id=task.subject_id, service_id=task.service_id,
        title=f"Overdue since {long_date(task.due)}: {task.title}", role="manager",
        status="open", due=today, created_at=now, parent_id=task.id, note=task.note,
        not_for_id=task.not_for_id)
    session.add(escalation)
    task.escalated_at = now
    return escalation


def close_tasks(session: Session, subject_type: str, subject_id: int, kinds: Iterable[str],
                now: datetime, status: str = "done") -> None:
    """Close the subject's open tasks of these kinds, and their escalations (a Core statement:
    no flush first)."""
    kinds = [kind for base in kinds for kind in (base, f"{base}.escalated")]
    if kinds:
        session.connection().execute(_CLOSE, {
            "b_subject_type": subject_type, "b_subject_id": subject_id, "kinds": kinds,
            "new_status": status, "now": now})


def close_tasks_many(session: Session, subject_type: str,
                     closings: Sequence[tuple[int, Sequence[str]]], now: datetime) -> None:
    """`close_tasks` for many (subject id, task kinds) pairs, in one executemany."""
    # executemany takes no IN lists (they expand per row): equalities, one statement per set
    # of kinds.
    by_kinds: dict[tuple[str, ...], list[int]] = {}
    for subject_id, kinds in closings:
        if kinds:
            by_kinds.setdefault(tuple(kinds), []).append(subject_id)
    for kinds, subject_ids in by_kinds.items():
        statement = (update(_tasks)
                     .where(_tasks.c.subject_type == subject_type,
                            _tasks.c.subject_id == bindparam("b_subject_id"),
                            or_(*(_tasks.c.kind == kind for base in kinds
                                  for kind in (base, f"{base}.escalated"))),
                            or_(*(_tasks.c.status == status for status in OPEN_STATUSES)))
                     .values(status="done", closed_at=now))
        session.connection().execute(statement, [{"b_subject_id": subject_id}
                                                 for subject_id in subject_ids])


def open_tasks_for(session: Session, subject_type: str, subject_id: int) -> list[Task]:
    return list(session.scalars(
        select(Task).where(Task.subject_type == subject_type, Task.subject_id == subject_id,
                           Task.status.in_(OPEN_STATUSES)).order_by(Task.id)))


# --- the inbox ---------------------------------------------------------------------------

INBOX_LIMIT = 200


def inbox_queries(actor: Actor, status: str | None = None, scope: str | None = None) -> list:
    """The queries whose tasks make up the actor's inbox.

    `scope="mine"`: tasks assigned to the actor. `scope="service"`: unassigned tasks in the
    actor's services for their role (auditors and admins see every task there). Neither: both,
    as two queries rather than one OR, so each uses the (status, assignee, service, due) index
    instead of scanning every unassigned task in history. `status` narrows to one status; by
    default the open and claimed tasks.
    """
    statuses = (status,) if status else OPEN_STATUSES
    services = select(Service.id).where(Service.name.in_(actor.services))
    mine: ColumnElement[bool] = Task.assignee_id == actor.user_id
    pool: ColumnElement[bool]
    if actor.role not in TASK_ROLES:
        return []
    if actor.role in ("auditor",):
        pool = Task.service_id.in_(services)
    else:
        pool = and_(Task.assignee_id.is_(None), Task.service_id.in_(services),
                    or_(Task.role.is_(None), Task.role == actor.role), _not_excluded(actor))
    by_scope: dict[str | None, list[ColumnElement[bool]]] = {"mine": [mine], "service": [pool]}
    wanted = by_scope.get(scope, [mine, pool])
    return [select(Task).where(Task.status.in_(statuses), where).order_by(*INBOX_ORDER)
            for where in wanted]


INBOX_ORDER = (Task.due.is_(None), Task.due, Task.id)


def inbox(session: Session, actor: Actor, status: str | None = None, scope: str | None = None,
          limit: int = INBOX_LIMIT) -> list[Task]:
    """The actor's inbox, overdue (earliest due) first, at most `limit` tasks."""
    found = {task.id: task for query in inbox_queries(actor, status, scope)
             for task in session.scalars(query.limit(limit))}
    return sorted(found.values(), key=lambda t: (t.due is None, t.due or date.min, t.id))[:limit]


def claim(session: Session, actor: Actor, task_id: int, now: datetime) -> Task:
    """Take an unassigned task of the actor's services and role."""
    with unit_of_work(session):
        task = _visible_task(session, actor, task_id)  # unseen is not found, before any role
        if not actor.may("claim_task"):
            raise Forbidden(f"{with_article(actor.role).capitalize()} may not claim tasks")
        if task.status not in OPEN_STATUSES:
            raise Conflict(f"task {task_id} is {task.status}", {"status": task.status})
        if task.assignee_id is not None:
            assignee = task.assignee
            assert assignee is not None  # assignee_id is set, and is a foreign key to users.id
            holder = "you" if task.assignee_id == actor.user_id else assignee.username
            raise Conflict(f"task {task_id} is already with {holder}",
                           {"assignee": assignee.username})
        if task.role not in (None, actor.role):
            raise Forbidden(f"task {task_id} is for {with_article(task.role)}")
        if task.not_for_id == actor.user_id:
            raise Forbidden(f"task {task_id} is for someone other than you: "
                            f"{task.title[:1].lower()}{task.title[1:]}")
        task.assignee_id, task.status = actor.user_id, "claimed"
        _record(session, actor, task, now, "task_claimed",
                f"task '{task.title}' claimed by {actor.username}")
    return task


def release(session: Session, actor: Actor, task_id: int, now: datetime) -> Task:
    """Hand a task the actor holds back to the service's pool."""
    with unit_of_work(session):
        task = _visible_task(session, actor, task_id)
        if not actor.may("claim_task"):
            raise Forbidden(f"{with_article(actor.role).capitalize()} may not release tasks")
        if task.status not in OPEN_STATUSES or task.assignee_id != actor.user_id:
            raise Conflict(f"task {task_id} is not yours to release",
                           {"status": task.status,
                            "assignee": task.assignee.username if task.assignee else None})
        task.assignee_id, task.status = None, "open"
        _record(session, actor, task, now, "task_released",
                f"task '{task.title}' handed back by {actor.username}")
    return task


def _record(session: Session, actor: Actor, task: Task, now: datetime, action: str,
            change: str) -> None:
    """A claim or a release, on the trail of the task's subject."""
    audit.record_change(session, at=now, actor=actor,
                        workflow=task.workflow, subject_type=task.subject_type,
                        subject_id=task.subject_id, service=task.service.name, state=None,
                        action=action, changes=[change])


def _visible_task(session: Session, actor: Actor, task_id: int) -> Task:
    return TASKS.find(session, actor, task_id, locked=True)


# Roles that oversee a service see all its tasks; the others see their own and the pool of
# unassigned tasks for their role (a colleague's task is not theirs to see).
OVERSEEING = frozenset({"manager", "auditor"})
# Tasks name the people whose care they are about: roles without care records have none.
TASK_ROLES = frozenset({"staff", "manager", "auditor"})


def _sees_task(actor: Actor, task: Task) -> bool:
    if not actor.is_system and actor.role not in TASK_ROLES:
        return False
    if not in_services(actor, task.service.name):
        return False
    return (actor.role in OVERSEEING or actor.is_system or task.assignee_id == actor.user_id
            or (task.assignee_id is None and task.role in (None, actor.role)
                and task.not_for_id != actor.user_id))


def _not_excluded(actor: Actor) -> ColumnElement[bool]:
    """Not a task its definition keeps from this actor (`not_for`)."""
    return or_(Task.not_for_id.is_(None), Task.not_for_id != actor.user_id)


def _tasks_seen(actor: Actor):
    if actor.is_system:
        return true()
    if actor.role not in TASK_ROLES:
        return false()
    in_pool = and_(Task.assignee_id.is_(None), or_(Task.role.is_(None), Task.role == actor.role),
                   _not_excluded(actor))
    mine_or_pool = true() if actor.role in OVERSEEING else or_(
        Task.assignee_id == actor.user_id, in_pool)
    return and_(Task.service_id.in_(service_ids(actor)), mine_or_pool)


TASKS = register_scope(Scope("task", Task, _sees_task, _tasks_seen))
