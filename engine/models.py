"""Persistent records. Workflow state is read-only outside the engine (see WorkflowSubject)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import (Column, Date, ForeignKey, Index, Integer, String, Table, Text,
                        UniqueConstraint, event)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from .db import Base


class StateAssignmentError(AttributeError):
    """Raised when code other than the engine tries to set a workflow state."""


user_services = Table(
    "user_services",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
)


class Service(Base):
    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    # Loaded when asked for (an Actor needs them; an author shown on a page does not).
    services: Mapped[list[Service]] = relationship(secondary=user_services,
                                                   order_by=Service.name)

    @property
    def service_names(self) -> list[str]:
        return [service.name for service in self.services]


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    user: Mapped[User] = relationship(lazy="joined")


class LoginAttempt(Base):
    """A sign-in attempt, kept to throttle guessing per account and per address."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_username", "username", "at"),
                      Index("ix_login_attempts_address", "address", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    succeeded: Mapped[bool] = mapped_column()


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    created_at: Mapped[datetime]
    service: Mapped[Service] = relationship(lazy="joined")


class WorkflowSubject:
    """Mixin for anything a workflow moves. `state` can be read by all, written by the engine only.

    `lock_version` is the optimistic-locking counter that clients send back as `version`.
    """

    workflow: Mapped[str] = mapped_column(String(60))
    _state: Mapped[str] = mapped_column("state", String(40), index=True)
    lock_version: Mapped[int] = mapped_column(default=1)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)

    @declared_attr
    def service(cls) -> Mapped[Service]:
        return relationship(Service, lazy="joined")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.lock_version}

    @property
    def state(self) -> str:
        return self._state

    @state.setter
    def state(self, value: str) -> None:
        raise StateAssignmentError("workflow state changes only through engine.fire()")


class Plan(WorkflowSubject, Base):
    __tablename__ = "plans"
    subject_type = "plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The working draft: content being edited, and which draft round it is (1 for the first).
    draft: Mapped[Optional[dict[str, Any]]] = mapped_column()
    draft_number: Mapped[int] = mapped_column(default=1)
    # The approved version staff follow; None until the first approval.
    current_version: Mapped[Optional[int]] = mapped_column()
    # When the next review falls due, once a review or a reduction has set it; until then the
    # approved version's next_review_date stands.
    next_review_on: Mapped[Optional[date]] = mapped_column(Date)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    person: Mapped[Person] = relationship(lazy="joined")
    author: Mapped[User] = relationship(lazy="joined")


class DraftEditor(Base):
    """Everyone who authored or edited a draft round: the four-eyes rule reads this."""

    __tablename__ = "plan_draft_editors"

    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"),
                                         primary_key=True)
    draft_number: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    first_edit_at: Mapped[datetime]
    user: Mapped[User] = relationship(lazy="joined")


class PlanVersion(Base):
    """An approved, frozen version of a plan's content. Never updated after insert."""

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column()
    editors: Mapped[list[Any]] = mapped_column()
    approved_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime]
    # How the version came about: "approval" of a draft, a review's "reduction" of support,
    # or "reinstatement" of the support in force before a reduction.
    basis: Mapped[str] = mapped_column(String(20), default="approval",
                                       server_default="approval")
    approved_by: Mapped[Optional[User]] = relationship()


class Acknowledgement(Base):
    __tablename__ = "acknowledgements"
    __table_args__ = (UniqueConstraint("plan_id", "version_number", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    version_number: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]
    user: Mapped[User] = relationship(lazy="joined")


class Supervision(WorkflowSubject, Base):
    """A supervision session: scheduled, recorded with its strengths-based prompts, signed off."""

    __tablename__ = "supervisions"
    subject_type = "supervision"
    worker_field = "supervisee_id"  # the member of staff the record is about

    id: Mapped[int] = mapped_column(primary_key=True)
    supervisee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    supervisor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    scheduled_for: Mapped[date] = mapped_column(Date)
    # Evidence in the record (daily records for its outcome link) counts from this date.
    period_start: Mapped[date] = mapped_column(Date)
    record: Mapped[Optional[dict[str, Any]]] = mapped_column()
    # Set at sign-off: when the next supervision is due (scheduled_for + frequency_days).
    next_due_on: Mapped[Optional[date]] = mapped_column(Date)
    recorded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[Optional[datetime]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    supervisee: Mapped[User] = relationship(foreign_keys=[supervisee_id], lazy="joined")
    supervisor: Mapped[Optional[User]] = relationship(foreign_keys=[supervisor_id],
                                                      lazy="joined")
    recorded_by: Mapped[Optional[User]] = relationship(foreign_keys=[recorded_by_id],
                                                       lazy="joined")


class Competency(WorkflowSubject, Base):
    """A worker's strengths-based practice competency: training, assessment, observation."""

    __tablename__ = "competencies"
    subject_type = "competency"
    worker_field = "worker_id"  # the member of staff the record is about

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    training: Mapped[Optional[dict[str, Any]]] = mapped_column()
    assessment: Mapped[Optional[dict[str, Any]]] = mapped_column()
    competent_since: Mapped[Optional[date]] = mapped_column(Date)
    refresher_due_on: Mapped[Optional[date]] = mapped_column(Date)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    worker: Mapped[User] = relationship(lazy="joined")


class PracticeObservation(Base):
    """An assessor watching the worker apply strengths-based practice in real service delivery."""

    __tablename__ = "practice_observations"

    id: Mapped[int] = mapped_column(primary_key=True)
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id", ondelete="CASCADE"),
                                               index=True)
    assessor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    observed_on: Mapped[date] = mapped_column(Date)
    setting: Mapped[str] = mapped_column(Text)
    observed: Mapped[str] = mapped_column(Text)
    how_applied: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    assessor: Mapped[User] = relationship(lazy="joined")


class AccessLog(Base):
    """Who read which person's records, when and how (UK GDPR special-category data)."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_person", "person_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    username: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(20))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    what: Mapped[str] = mapped_column(String(60))   # plan, versions, records, reviews, audit…
    subject_id: Mapped[Optional[int]] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(10))  # api or page
    path: Mapped[str] = mapped_column(String(300))


class ReviewCycle(Base):
    """One stay in review_due: opened by start_review, closed by the transition that leaves."""

    __tablename__ = "review_cycles"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[datetime]
    trigger: Mapped[str] = mapped_column(Text)
    # Evidence counts from this date: the day the previous review closed, or the plan's start.
    evidence_since: Mapped[Optional[date]] = mapped_column(Date)
    closed_at: Mapped[Optional[datetime]]
    closed_by: Mapped[Optional[str]] = mapped_column(String(60))


class Review(Base):
    """The review record of a cycle; writing it again in the same cycle replaces it."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("review_cycles.id", ondelete="CASCADE"),
                                          unique=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    content: Mapped[dict[str, Any]] = mapped_column()
    written_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    author: Mapped[User] = relationship(lazy="joined")
    cycle: Mapped[ReviewCycle] = relationship(lazy="joined")


class DailyRecord(Base):
    """Evidence written against an outcome of the approved version in force."""

    __tablename__ = "daily_records"
    __table_args__ = (Index("ix_daily_records_outcome", "plan_id", "outcome_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    version_number: Mapped[int] = mapped_column(Integer)
    outcome_id: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    observed_strength: Mapped[str] = mapped_column(Text)
    support_provided: Mapped[str] = mapped_column(Text)
    independence_opportunity: Mapped[str] = mapped_column(Text)
    next_step: Mapped[str] = mapped_column(Text)
    prompts: Mapped[int] = mapped_column(Integer)
    completion: Mapped[str] = mapped_column(String(20))
    note: Mapped[Optional[str]] = mapped_column(Text)
    language_flags: Mapped[list[Any]] = mapped_column()
    vocabulary: Mapped[str] = mapped_column(String(120))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    author: Mapped[User] = relationship(lazy="joined")


class AuditEvent(Base):
    """One attempt to fire a transition. Append-only; `hash` covers `body`, which names the
    previous event's hash. See engine.audit."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id", "seq"),)

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(80))
    actor_role: Mapped[str] = mapped_column(String(20))
    workflow: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column(Integer)
    service: Mapped[str] = mapped_column(String(80))
    transition: Mapped[str] = mapped_column(String(60))
    from_state: Mapped[str] = mapped_column(String(40))
    to_state: Mapped[Optional[str]] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(20))
    rule_pack: Mapped[str] = mapped_column(String(120))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The canonical JSON that `hash` covers; the columns above repeat parts of it for filtering.
    body: Mapped[str] = mapped_column(Text)


class AuditHead(Base):
    """The single row naming the chain's last event; locking it serialises appends."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_subject", "subject_type", "subject_id", "kind", "status"),
        Index("ix_tasks_inbox", "service_id", "status", "due"),
        # The inbox's two halves (mine, and my services' unassigned pool) and escalation.
        Index("ix_tasks_open", "status", "assignee_id", "service_id", "due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    workflow: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column(Integer)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    title: Mapped[str] = mapped_column(String(300))
    assignee_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[Optional[str]] = mapped_column(String(20))
    due: Mapped[Optional[date]] = mapped_column(Date)
    # The day an overdue task is escalated to a manager: due + escalate_after_days.
    follow_up: Mapped[Optional[date]] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime]
    closed_at: Mapped[Optional[datetime]]
    escalated_at: Mapped[Optional[datetime]]
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("tasks.id"))

    service: Mapped[Service] = relationship(lazy="joined")
    assignee: Mapped[Optional[User]] = relationship(lazy="joined")


class Timer(Base):
    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workflow: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column(Integer, index=True)
    transition: Mapped[str] = mapped_column(String(60))
    due_at: Mapped[datetime]
    # The subject's version when the timer was set: if it has moved on since, firing is a no-op.
    subject_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    status: Mapped[str] = mapped_column(String(20), default="pending")
    created_at: Mapped[datetime]
    fired_at: Mapped[Optional[datetime]]
    # What firing did: the audit outcome, or the error that stopped it.
    result: Mapped[Optional[str]] = mapped_column(Text)


@event.listens_for(PlanVersion, "before_update")
@event.listens_for(AuditEvent, "before_update")
def _refuse_update(_mapper, _connection, target):
    raise StateAssignmentError(f"{type(target).__name__} rows are immutable")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(_mapper, _connection, target):
    raise StateAssignmentError("audit events are append-only")
