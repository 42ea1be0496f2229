"""Firing transitions: the one function through which any workflow state ever changes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Mapping
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session, joinedload, lazyload

from engine.core import audit, tasks, timers
from engine.core.access import Actor
from engine.core.audit import Recorded
from engine.core.clock import Clock, SystemClock
from engine.core.definitions import Registry, TransitionDef, WorkflowDef
from engine.core.errors import Blocked, Conflict, Denied, NotFound, OutOfScope
from engine.core.models import Task, Timer, WorkflowSubject
from engine.core.rules import RuleContext, Verdict, evaluate
from engine.core.subjects import KINDS, EffectContext, SubjectKind
from engine.core.uow import flush_rest, unit_of_work, write_columns
from engine.core.words import and_join, plural, with_article

SOURCE_RULE = "workflow.source-state"


@dataclass(frozen=True)
class Fired:
    subject: WorkflowSubject
    event: Recorded
    verdicts: tuple[Verdict, ...] = ()

    @property
    def warnings(self) -> list[Verdict]:
        """Rules of severity warning that failed: the step went ahead, but someone should know."""
        return [verdict for verdict in self.verdicts if not verdict.passed]


@dataclass(frozen=True)
class Option:
    """A transition the actor's role may fire from the subject's state, with its verdicts."""

    transition: TransitionDef
    verdicts: list[Verdict]

    @property
    def allowed(self) -> bool:
        """Every blocking rule passes (a failing warning is shown, never blocks)."""
        return not any(verdict.blocks for verdict in self.verdicts)


class _StateHolder:
    """What the shared `transitions` machine moves: writes through to the subject's state."""

    def __init__(self, subject: WorkflowSubject):
        self._subject = subject

    @property
    def state(self) -> str:
        return self._subject._state

    @state.setter
    def state(self, value: str) -> None:
        self._subject._state = value


def move_state(workflow: WorkflowDef, transition: TransitionDef, subject: WorkflowSubject) -> None:
    """Move the subject's state through the workflow's shared machine (the engine's only way)."""
    assert workflow.machine is not None  # built when the registry loads
    workflow.machine.events[transition.name].trigger(_StateHolder(subject))


class Engine:
    """Workflow definitions, rule packs, settings and a clock: everything firing needs."""

    def __init__(self, registry: Registry, clock: Clock | None = None):
        self.registry = registry
        self.settings = registry.settings
        self.clock = clock or SystemClock()
        self._zone = ZoneInfo(self.settings["timezone"])

    def now(self) -> datetime:
        return self.clock.now()

    def today(self, now: datetime | None = None) -> date:
        """The date where the service is (config `timezone`), not in UTC."""
        return (now or self.now()).astimezone(self._zone).date()

    def workflow_of(self, subject: WorkflowSubject) -> WorkflowDef:
        return self.registry.workflow(subject.workflow)

    def kind(self, name: str) -> SubjectKind:
        """The subject kind called `name` ("plan", "supervision", …)."""
        return KINDS[name]

    def get(self, session: Session, kind: str, ident: int, actor: Actor) -> Any:
        """The subject if it exists and the actor may see it; else NotFound, the same words
        for both."""
        return self.kind(kind).scope.find(session, actor, ident)

    def fire(self, session: Session, kind: str, ident: int, name: str, actor: Actor, *,
             version: int | None = None, comment: str | None = None,
             reason: str | None = None, inputs: Mapping[str, Any] | None = None,
             read_inputs: Callable[[], Mapping[str, Any]] | None = None) -> Fired:
        """Fire transition `name` on subject `ident` of `kind` as `actor`, in one transaction.

        Checks scope and role, the client's version, the source state and every guarding rule.
        If all pass: moves the state through the workflow's machine, runs the transition's
        effects, closes and opens tasks, cancels and schedules timers, appends an `advanced`
        audit event and commits. A refusal appends a `denied` or `blocked` event, commits only
        that, and raises OutOfScope / Denied / Blocked (OutOfScope reads exactly as NotFound).
        A stale version raises Conflict and writes nothing. Any other failure rolls
        everything back. Inside a caller's unit of work, the caller commits.

        `inputs` are further named inputs the transition's rules and effects read (such as
        hours_per_week); they are recorded on the event as changes.
        `read_inputs`, if given, supplies {version, comment, reason, …} once the actor is known
        to see the subject and may fire the transition: a door parses its request only then,
        so a bad body on a record the caller cannot see still reads "not found".
        """
        with unit_of_work(session):
            return self.fire_in_transaction(session, kind, ident, name, actor,
                                            version=version, comment=comment, reason=reason,
                                            inputs=inputs, read_inputs=read_inputs)

    def start(self, session: Session, subject: WorkflowSubject, workflow_name: str) -> None:
        """Put a new subject in its workflow's initial state, inside the caller's transaction,
        opening the tasks and timers of that state."""
        workflow = self.registry.workflow(workflow_name)
        subject.workflow, subject._state = workflow.name, workflow.initial
        session.add(subject)
        session.flush()
        now = self.now()
        initial = workflow.states[workflow.initial]
        for timer_spec in initial.timers:
            timers.schedule(session, self.registry, workflow, subject, timer_spec, now)
        for task_spec in initial.tasks:
            tasks.open_task(session, self.registry, workflow, subject, task_spec, now,
                            self.today(now))

    def options(self, session: Session, subject: WorkflowSubject, actor: Actor) -> list[Option]:
        """Every transition from the current state that the actor's role may fire, judged now."""
        workflow = self.workflow_of(subject)
        snapshot = workflow.kind.snapshot(session, subject)
        now = self.now()
        return [Option(transition, self.judge(workflow, transition, snapshot, actor, now, {}))
                for transition in workflow.transitions_from(subject.state)
                if actor.role in transition.roles]

    # -- internals ----------------------------------------------------------------------------

    def fire_in_transaction(self, session: Session, kind: str, ident: int, name: str,
                            actor: Actor, *, version: int | None, comment: str | None = None,
                            reason: str | None = None, inputs: Mapping[str, Any] | None = None,
                            read_inputs: Callable[[], Mapping[str, Any]] | None = None
                            ) -> Fired:
        """`fire` inside the caller's writing transaction: the caller commits or rolls back.

        Refusals raise after appending their audit event; `version=None` skips the optimistic
        check (the scheduler holds the subject's lock and knows it is current).
        """
        scope = self.kind(kind).scope
        subject, pending = _lock_to_fire(session, self.kind(kind), ident)
        if subject is None:
            raise scope.not_found(ident)
        workflow = self.workflow_of(subject)
        transition = workflow.transitions.get(name)
        visible = scope.visible(actor, subject)
        if transition is None:
            raise scope.not_found(ident) if not visible else NotFound(
                f"{workflow.title} has no transition {name!r}")
        now = self.now()
        given_inputs: dict[str, Any] = {**(inputs or {}), "comment": comment, "reason": reason}
        record = dict(session=session, workflow=workflow, subject=subject, actor=actor,
                      transition=transition, now=now, inputs=given_inputs,
                      source=subject.state)
        inputs = given_inputs

        if not visible:
            # Audited like any refusal, answered exactly as an id that does not exist.
            event = self._audit(**record, outcome="denied", verdicts=[])
            raise OutOfScope(scope.not_found(ident).message, event=event)
        if actor.role not in transition.roles:
            event = self._audit(**record, outcome="denied", verdicts=[])
            raise Denied(f"{with_article(actor.role).capitalize()} may not "
                         f"{transition.title.lower()}; only "
                         f"{and_join([plural(role) for role in sorted(transition.roles)])} may",
                         event=event)
        if read_inputs is not None:
            given = read_inputs()
            version = given.get("version")
            inputs.update({key: value for key, value in given.items() if key != "version"})
            inputs.setdefault("comment", None)
            inputs.setdefault("reason", None)
        if version is not None and version != subject.lock_version:
            raise Conflict(f"{kind} {ident} is at version {subject.lock_version}, "
                           f"not {version}: reload and try again",
                           {"version": subject.lock_version, "state": subject.state})

        snapshot = None
        if subject.state not in transition.sources:
            verdicts = [Verdict(SOURCE_RULE, f"Cannot proceed from state {subject.state}.", False,
                                f"{transition.name} is possible from "
                                f"{', '.join(transition.sources)}, not from {subject.state}")]
        else:
            snapshot = workflow.kind.snapshot(session, subject)
            verdicts = self.judge(workflow, transition, snapshot, actor, now, inputs)
        failing = [verdict for verdict in verdicts if verdict.blocks]
        if failing:
            event = self._audit(**record, outcome="blocked", verdicts=verdicts)
            warnings = [verdict for verdict in verdicts
                        if not verdict.passed and not verdict.blocks]
            raise Blocked(f"{transition.name} refused: {len(failing)} rule"
                          f"{'s' if len(failing) != 1 else ''} failed",
                          [{"rule": v.rule, "text": v.text, "detail": v.detail} for v in failing]
                          + [{"rule": v.rule, "text": v.text, "detail": v.detail,
                              "severity": v.severity} for v in warnings],
                          event=event)

        recorded = self._advance(session, workflow, transition, subject, snapshot, actor, now,
                                 inputs, pending)
        # What the effects recorded of other subjects, then the transition: one chain step.
        *_, event = audit.append_many(session, [
            *recorded, self.audit_fields(**record, outcome="advanced", verdicts=verdicts)])
        return Fired(subject, event, tuple(verdicts))

    def record_change(self, session: Session, subject: WorkflowSubject, actor: Actor,
                      action: str, changes: list[str], *, now: datetime | None = None,
                      rule_pack: str | None = None) -> Recorded:
        """A change made outside transitions (`acknowledged`, `review_saved`, …), inside the
        caller's transaction: an event on the subject's trail, and the tasks the workflow's
        `[actions.<action>]` closes and opens with it."""
        now = now or self.now()
        event = audit.record_subject_change(session, at=now, actor=actor, subject=subject,
                                            action=action, changes=changes,
                                            rule_pack=rule_pack)
        tasks.hand_on(session, self.registry, self.workflow_of(subject), subject, actor, action,
                      now, self.today(now))
        return event

    def judge(self, workflow, transition, snapshot, actor, now, inputs) -> list[Verdict]:
        """Every rule guarding `transition`, judged on the snapshot."""
        context = RuleContext(subject=snapshot, actor=actor, now=now, today=self.today(now),
                              inputs=inputs)
        return evaluate(self.registry.rules_for(workflow, transition), context, self.settings)

    def _advance(self, session, workflow, transition, subject, snapshot, actor, now,
                 inputs, pending: Pending) -> list[dict[str, Any]]:
        """Move the subject and do what the transition, the state left and the state entered
        say; returns the audit fields of the changes its effects recorded of other subjects."""
        kind, source, today = workflow.kind, subject.state, self.today(now)
        moved = source != transition.dest
        # Every change to the subject is made before any SQL runs, so it is written by one
        # UPDATE (one version bump) in the single flush below.
        source_state, destination = workflow.states[source], workflow.states[transition.dest]
        with session.no_autoflush:
            move_state(workflow, transition, subject)
            effect_context = EffectContext(session=session, subject=subject, actor=actor,
                                           transition=transition.name, now=now, today=today,
                                           inputs=inputs, settings=self.settings,
                                           engine=self, snapshot=snapshot)
            # The transition's own effects, then leaving the old state, then entering the new.
            effects = list(transition.effects)
            if moved:
                effects += [*source_state.on_exit, *destination.on_enter]
            for effect in effects:
                kind.effects[effect](effect_context)
            if hasattr(subject, "updated_at"):
                subject.updated_at = now
            closing = list(transition.closes_tasks)
            if moved:
                closing += [task.kind for task in source_state.tasks]
            # Nothing open, or nothing pending: nothing to close or cancel, and no statement.
            if pending.tasks:
                tasks.close_tasks(session, kind.name, subject.id, closing, now)
            if moved and source_state.timers and pending.timers:
                timers.cancel_pending(session, kind.name, subject.id)
        write_columns(session, kind.model, [subject])
        flush_rest(session)
        opening = list(transition.opens_tasks)
        if moved:
            opening = list(destination.tasks) + opening
            for spec in destination.timers:
                timers.schedule(session, self.registry, workflow, subject, spec, now)
        opened: set[str] = set()
        for spec in opening:
            if pending.tasks:
                tasks.open_task(session, self.registry, workflow, subject, spec, now, today,
                                actor, inputs)
            elif spec.kind not in opened:  # none was open: no need to look for one
                tasks.insert_task(session, self.registry, workflow, subject, spec, now, today,
                                  actor, inputs)
            opened.add(spec.kind)
        return effect_context.events

    def _audit(self, *, session, outcome, verdicts, **record) -> Recorded:
        return audit.append(session, **self.audit_fields(**record, outcome=outcome,
                                                         verdicts=verdicts))

    def audit_fields(self, *, workflow, subject, actor, transition, now, inputs, source,
                     outcome, verdicts, session=None) -> dict[str, Any]:
        """The fields of the audit event for one attempt (what `audit.append` takes)."""
        # `to` is where the attempt was headed; `outcome` says whether it got there.
        return dict(
            at=now, actor=actor.username, actor_role=actor.role,
            workflow=workflow.name, subject_type=workflow.kind.name, subject_id=subject.id,
            service=subject.service.name, transition=transition.name,
            **{"from": source, "to": transition.dest},
            outcome=outcome, checks=[verdict.as_dict() for verdict in verdicts],
            comment=inputs.get("comment"), reason=inputs.get("reason"),
            # Inputs beyond the comment and reason are on the record too, as given.
            changes=[f"{key}: {value}" for key, value in sorted(inputs.items())
                     if key not in ("comment", "reason") and value is not None],
            rule_pack=self.registry.pack_for(workflow).label)


@dataclass(frozen=True)
class Pending:
    """Whether the subject had, when locked, any open task and any pending timer."""

    tasks: bool = True
    timers: bool = True


_FIRING_LOCKS: dict[str, Any] = {}


def _lock_to_fire(session: Session, kind: SubjectKind, ident: int) -> tuple[Any, Pending]:
    """The subject locked for update with its service and what the kind loads with the lock,
    and whether it has any open task or pending timer, in one statement built once per kind;
    (None, Pending()) if there is no such subject."""
    statement = _FIRING_LOCKS.get(kind.name)
    if statement is None:
        model: Any = kind.model
        open_task = (exists().where(Task.subject_type == kind.name, Task.subject_id == model.id,
                                    Task.status.in_(tasks.OPEN_STATUSES))
                     .label("has_open_tasks"))
        pending_timer = (exists().where(Timer.subject_type == kind.name,
                                        Timer.subject_id == model.id,
                                        Timer.status == "pending")
                         .label("has_pending_timers"))
        statement = _FIRING_LOCKS[kind.name] = (
            select(model, open_task, pending_timer).where(model.id == bindparam("ident"))
            .with_for_update(of=model)
            .options(lazyload("*"), joinedload(model.service, innerjoin=True),
                     *kind.lock_options)
            .execution_options(populate_existing=True))
    row = session.execute(statement, {"ident": ident}).unique().one_or_none()
    if row is None:
        return None, Pending()
    return row[0], Pending(tasks=bool(row[1]), timers=bool(row[2]))
