"""Subject kinds: what the engine needs to know about a thing a workflow moves.

A workflow definition names its subject kind ("plan", later "supervision", …). The kind says
which model holds the subjects, how to build the snapshot that rules read, which named effects a
definition may ask for, and how to resolve the names a definition uses for dates and people.
Adding a workflow adds a kind; the engine itself has no branch per workflow.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Mapping, Optional, Sequence

from sqlalchemy.orm import Session

from engine.core import audit
from engine.core.models import WorkflowSubject
from engine.core.scope import Scope, register_scope


@dataclass
class EffectContext:
    """Handed to a named effect while a transition is being fired."""

    session: Session
    subject: Any
    actor: Any
    transition: str
    now: datetime
    today: date
    inputs: Mapping[str, Any]
    settings: Any
    engine: Any = None    # the Engine: an effect may start another subject (Engine.start)
    snapshot: Any = None  # what the rules judged, so effects need not read it again
    # Changes the effects made to other subjects, as audit fields: appended with the
    # transition's own event, before it, in one step of the chain (see `record`).
    events: list[dict[str, Any]] = field(default_factory=list)

    def record(self, subject: Any, action: str, changes: list[str], *,
               service: str | None = None) -> None:
        """Put a change this effect made to `subject` (a workflow subject, or anything with its
        workflow, subject_type, id and state) on that subject's trail, as `actor`, now."""
        self.events.append(audit.subject_change_fields(
            at=self.now, actor=self.actor, subject=subject, action=action, changes=changes,
            service=service))


@dataclass(frozen=True)
class SubjectKind:
    name: str
    model: type[WorkflowSubject]
    scope: Scope[Any]  # who may see subjects of this kind: every engine entry point asks it
    snapshot: Callable[[Session, Any], Any]
    describe: Callable[[Any], Mapping[str, str]]
    effects: Mapping[str, Callable[[EffectContext], None]] = field(default_factory=dict)
    # Names a definition may use for a timer's date ("next_review_date") …
    dates: Mapping[str, Callable[[Any], Optional[date]]] = field(default_factory=dict)
    # … and for a task's assignee ("key_worker"): each returns a user id or None.
    people: Mapping[str, Callable[[Session, Any], Optional[int]]] = field(default_factory=dict)
    # Set-wise firing (the sweep). `batch_effects` are effects that can run for many subjects
    # at once, each given the contexts of one batch (one transition, one source state) and
    # reading what it needs in a few statements; a transition whose effects are not all here
    # fires one subject at a time. `prepare`, if given, loads for many subjects at once what
    # describe, dates, people and snapshots would otherwise read one subject at a time.
    batch_effects: Mapping[str, Callable[[Sequence[EffectContext]], None]] = field(
        default_factory=dict)
    prepare: Optional[Callable[[Session, Sequence[Any]], None]] = None
    # Loader options for the statement that locks a subject to fire a transition: what the
    # rules read on every firing can come with the lock instead of in statements of its own.
    lock_options: tuple[Any, ...] = ()


KINDS: dict[str, SubjectKind] = {}


def register(kind: SubjectKind) -> SubjectKind:
    KINDS[kind.name] = kind
    register_scope(kind.scope)
    return kind
