"""Firing due timers set-wise: many subjects, one transition each, in a few statements.

Each subject is still judged on its own, exactly as `Engine.fire_in_transaction` judges it: the
timer's version against the subject's, the source state, every rule of the transition against
the subject's own snapshot. What is shared is the work around the judging: the subjects are
locked by one statement, the kind's `prepare` loads what snapshots, tasks and timers read, the
effects run once for all the subjects of a batch, tasks are closed and opened, timers cancelled
and audit events chained with one statement each. Only what the kind declares batch-safe is done
here; anything else (an effect with no batch form, a refusal by role or scope, an unknown
workflow) is left to the one-subject path, which the caller runs for it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, lazyload, scoped_session

from engine.core import audit, tasks, timers
from engine.core.access import Actor
from engine.core.definitions import StateDef, TransitionDef, WorkflowDef
from engine.core.rules import Verdict
from engine.core.subjects import EffectContext, SubjectKind
from engine.core.uow import flush_rest, write_columns
from engine.core.workflow import SOURCE_RULE, Engine, move_state


@dataclass(frozen=True)
class Due:
    """A due timer: the transition to fire on a subject, if it is still at `version`."""

    timer_id: int
    workflow: str
    subject_type: str
    subject_id: int
    transition: str
    version: int


@dataclass(frozen=True)
class Outcome:
    outcome: str  # advanced, blocked or stale
    detail: str


STALE = Outcome("stale", "the subject has moved on since it was set")


@dataclass
class _Move:
    """One subject judged able to move: what the advance and its audit event need."""

    due: Due
    subject: Any
    snapshot: Any
    verdicts: list[Verdict]


def fire_due(engine: Engine, session: Session, dues: Sequence[Due],
             now: datetime) -> dict[int, Outcome]:
    """Fire what can be fired set-wise, inside the caller's transaction; the outcome per timer
    id. A timer missing from the answer was not touched: fire it through the one-subject path."""
    if isinstance(session, scoped_session):  # look the session up once, not per use
        session = session()
    actor = Actor.system()
    outcomes: dict[int, Outcome] = {}
    events: list[dict[str, Any]] = []
    moves: dict[tuple[str, str, str], list[_Move]] = {}
    moved_ids: set[tuple[str, int]] = set()
    for kind, kind_dues in _by_kind(engine, dues):
        subjects = _lock(session, kind, {due.subject_id for due in kind_dues})
        if kind.prepare is not None:
            kind.prepare(session, list(subjects.values()))
        for due in kind_dues:
            subject = subjects.get(due.subject_id)
            # A timer for a subject that moved on since it was set (here: by an earlier timer
            # of this batch) is stale: firing it again would be a duplicate.
            # An unversioned timer (version 0) stands while the subject stays in its state.
            if subject is None or (due.version and subject.lock_version != due.version) \
                    or (kind.name, subject.id) in moved_ids:
                outcomes[due.timer_id] = STALE
                continue
            workflow = engine.workflow_of(subject)
            transition = workflow.transitions.get(due.transition)
            if transition is None or not _batch_safe(workflow, transition, subject.state) \
                    or not kind.scope.visible(actor, subject) or actor.role not in transition.roles:
                continue  # the one-subject path refuses or fires it, and audits it
            record = dict(workflow=workflow, subject=subject, actor=actor,
                          transition=transition, now=now, inputs={"comment": None,
                                                                  "reason": None},
                          source=subject.state)
            snapshot, verdicts = _judge(engine, session, workflow, transition, subject, actor,
                                        now)
            failing = [verdict for verdict in verdicts if verdict.blocks]
            if failing:
                events.append(engine.audit_fields(**record, outcome="blocked", verdicts=verdicts))
                outcomes[due.timer_id] = Outcome(
                    "blocked", f"{transition.name} refused: {len(failing)} rule"
                               f"{'s' if len(failing) != 1 else ''} failed")
                continue
            events.append(engine.audit_fields(**record, outcome="advanced", verdicts=verdicts))
            outcomes[due.timer_id] = Outcome("advanced", f"{subject.state} → {transition.dest}")
            moves.setdefault((workflow.name, transition.name, subject.state), []).append(
                _Move(due, subject, snapshot, verdicts))
            moved_ids.add((kind.name, subject.id))
    # What the effects recorded of other subjects goes on the chain before the transitions.
    audit.append_many(session, _advance(engine, session, moves, actor, now) + events)
    return outcomes


def lock_subjects(engine: Engine, session: Session, dues: Sequence[Due]) -> set[tuple[str, int]]:
    """Lock every subject the batch may fire on, before anything takes the audit head: kind by
    kind (by name), each in id order, skipping any another transaction holds. Returns those
    busy subjects (kind name, id): the batch leaves their timers for the next sweep.

    A request firing on one subject locks it, then its timers (to cancel them) and then the
    head. A sweep that waited for a subject a request held, while holding that subject's timer
    (claimed) and soon the head, would wait in a cycle with it; skipping it never waits."""
    models: dict[str, Any] = {}
    for workflow in engine.registry.workflows.values():
        models.setdefault(workflow.kind.name, workflow.kind.model)
    wanted: dict[str, set[int]] = {}
    for due in dues:
        if due.subject_type in models:
            wanted.setdefault(due.subject_type, set()).add(due.subject_id)
    connection = session.connection()
    if connection.dialect.name == "sqlite":  # its write lock, taken first, serialises writers
        return set()
    busy: set[tuple[str, int]] = set()
    for name in sorted(wanted):
        model = models[name]
        locked = set(connection.execute(
            select(model.id).where(model.id.in_(wanted[name])).order_by(model.id)
            .with_for_update(skip_locked=True)).scalars())
        if len(locked) < len(wanted[name]):  # busy, or gone (a gone one fires as stale)
            busy |= {(name, ident) for ident in connection.execute(
                select(model.id).where(model.id.in_(wanted[name] - locked))).scalars()}
    return busy


def _by_kind(engine: Engine, dues: Sequence[Due]) -> list[tuple[SubjectKind, list[Due]]]:
    """The dues whose workflow is known and names their kind, per kind, in order."""
    grouped: dict[str, tuple[SubjectKind, list[Due]]] = {}
    for due in dues:
        workflow = engine.registry.workflows.get(due.workflow)
        if workflow is not None and workflow.kind.name == due.subject_type:
            grouped.setdefault(workflow.kind.name, (workflow.kind, []))[1].append(due)
    return list(grouped.values())


def _lock(session: Session, kind: SubjectKind, ids: set[int]) -> dict[int, Any]:
    """The subjects, locked for update by one statement, in id order (so that two sweeps
    that want the same subjects queue instead of deadlocking)."""
    model: Any = kind.model
    statement = (select(model).where(model.id.in_(ids)).order_by(model.id)
                 .with_for_update(of=model)
                 .options(lazyload("*"), joinedload(model.service, innerjoin=True))
                 .execution_options(populate_existing=True))
    return {subject.id: subject for subject in session.scalars(statement).unique()}


def _effects(workflow: WorkflowDef, transition: TransitionDef, source: str) -> list[str]:
    """The effects firing runs, in order: the transition's, then leaving, then entering."""
    effects = list(transition.effects)
    if source != transition.dest and source in workflow.states:
        effects += [*workflow.states[source].on_exit,
                    *workflow.states[transition.dest].on_enter]
    return effects


def _batch_safe(workflow: WorkflowDef, transition: TransitionDef, source: str) -> bool:
    """Whether every effect of firing from `source` has a batch form in the kind."""
    return all(effect in workflow.kind.batch_effects
               for effect in _effects(workflow, transition, source))


def _judge(engine: Engine, session: Session, workflow: WorkflowDef, transition: TransitionDef,
           subject: Any, actor: Actor, now: datetime) -> tuple[Any, list[Verdict]]:
    if subject.state not in transition.sources:
        return None, [Verdict(SOURCE_RULE, f"Cannot proceed from state {subject.state}.", False,
                              f"{transition.name} is possible from "
                              f"{', '.join(transition.sources)}, not from {subject.state}")]
    snapshot = workflow.kind.snapshot(session, subject)
    return snapshot, engine.judge(workflow, transition, snapshot, actor, now, {})


def _advance(engine: Engine, session: Session, moves: dict[tuple[str, str, str], list[_Move]],
             actor: Actor, now: datetime) -> list[dict[str, Any]]:
    """Move every judged subject, as `Engine._advance` moves one: all changes to the subjects
    before one flush, then the timers and tasks of the states entered. Returns the events the
    effects recorded (`EffectContext.record`)."""
    today = engine.today(now)
    groups, recorded = [], []
    with session.no_autoflush:
        for (workflow_name, transition_name, source), group in moves.items():
            workflow = engine.registry.workflow(workflow_name)
            transition = workflow.transitions[transition_name]
            source_state, destination = workflow.states[source], workflow.states[transition.dest]
            kind = workflow.kind
            contexts = []
            for move in group:
                move_state(workflow, transition, move.subject)
                contexts.append(EffectContext(
                    session=session, subject=move.subject, actor=actor,
                    transition=transition.name, now=now, today=today,
                    inputs={"comment": None, "reason": None}, settings=engine.settings,
                    engine=engine, snapshot=move.snapshot))
                if hasattr(move.subject, "updated_at"):
                    move.subject.updated_at = now
            for effect in _effects(workflow, transition, source):
                kind.batch_effects[effect](contexts)
            recorded += [fields for context in contexts for fields in context.events]
            moved = source != transition.dest
            ids = [move.subject.id for move in group]
            closing = list(transition.closes_tasks) + (
                [task.kind for task in source_state.tasks] if moved else [])
            tasks.close_tasks_many(session, kind.name, [(ident, closing) for ident in ids], now)
            if moved and source_state.timers:
                timers.cancel_pending_many(session, kind.name, ids)
            groups.append((workflow, transition, destination, moved, group))
            write_columns(session, kind.model, [move.subject for move in group])
    flush_rest(session)  # what the effects added or changed beyond the subjects' columns
    for workflow, transition, destination, moved, group in groups:
        _enter(engine, session, workflow, transition, destination, moved,
               [move.subject for move in group], now, today)
    return recorded


def _enter(engine: Engine, session: Session, workflow: WorkflowDef, transition: TransitionDef,
           destination: StateDef, moved: bool, subjects: list[Any], now: datetime,
           today: Any) -> None:
    opening = list(transition.opens_tasks)
    if moved:
        opening = list(destination.tasks) + opening
        timers.schedule_many(session, [
            row for subject in subjects for spec in destination.timers
            if (row := timers.timer_values(engine.registry, workflow, subject, spec, now))])
    tasks.open_tasks(session, engine.registry, workflow,
                     [(subject, spec) for subject in subjects for spec in opening], now, today)

