"""The generic engine's records: users and services, workflow subjects' shared columns, the
audit chain, tasks and timers. Workflow state is read-only outside the engine (WorkflowSubject)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table, Text, event
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from engine.core.db import Base


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
    last_sign_in_at: Mapped[Optional[datetime]]
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
    # Tokens made before expiry existed have none and last security.token_days from creation.
    expires_at: Mapped[Optional[datetime]]
    revoked_at: Mapped[Optional[datetime]]
    user: Mapped[User] = relationship(lazy="joined")


class UserSession(Base):
    """A signed-in page session. The cookie carries only its random id; this row, stored by
    the id's SHA-256, is what makes it valid, so ending it here ends it everywhere."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    sid_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    seen_at: Mapped[datetime]
    address: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(200))
    ended_at: Mapped[Optional[datetime]]
    # Why it ended: signed_out, idle, expired, deactivated, password_changed, signed_out_everywhere.
    ended_why: Mapped[Optional[str]] = mapped_column(String(40))
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
    def __mapper_args__(cls: type[Base]) -> dict[str, Any]:  # the mapped model mixing this in
        return {"version_id_col": cls.__table__.c.lock_version}

    @property
    def state(self) -> str:
        return self._state

    @state.setter
    def state(self, value: str) -> None:
        raise StateAssignmentError("workflow state changes only through engine.fire()")


class AuditEvent(Base):
    """One attempt to fire a transition, or one change recorded outside transitions.
    Append-only; `hash` covers `body`, which names the previous event's hash (engine.core.audit)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id", "seq"),
                      Index("ix_audit_events_action", "subject_type", "subject_id", "action"),
                      Index("ix_audit_events_outcome", "service", "outcome", "transition"))

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(80))
    actor_role: Mapped[str] = mapped_column(String(20))
    workflow: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column(Integer)
    service: Mapped[str] = mapped_column(String(80))
    # "transition", or the change recorded outside one (draft_saved, record_added, …).
    action: Mapped[str] = mapped_column(String(40), default="transition",
                                        server_default="transition")
    transition: Mapped[Optional[str]] = mapped_column(String(60))
    from_state: Mapped[Optional[str]] = mapped_column(String(40))
    to_state: Mapped[Optional[str]] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(20))
    rule_pack: Mapped[str] = mapped_column(String(120))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The canonical JSON that `hash` covers; the columns above repeat parts of it for filtering.
    body: Mapped[str] = mapped_column(Text)


class BlockedRuleTally(Base):
    """How often each rule refused a transition in a service: one added per failed check of
    every blocked event, in the transaction that appends it (engine.core.audit), so reports
    rank the blocking rules without parsing event bodies. `text` is the rule's text when it
    first blocked there."""

    __tablename__ = "blocked_rule_tallies"

    service: Mapped[str] = mapped_column(String(80), primary_key=True)
    rule: Mapped[str] = mapped_column(String(120), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    count: Mapped[int] = mapped_column(Integer)


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
    # What the person handing the work on said (a returned draft's comment), if anything.
    note: Mapped[Optional[str]] = mapped_column(Text)
    # Someone who never sees this task although their role and service match (a review's
    # writer does not complete it).
    not_for_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))

    service: Mapped[Service] = relationship(lazy="joined")
    assignee: Mapped[Optional[User]] = relationship(foreign_keys=[assignee_id], lazy="joined")


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


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(_mapper, _connection, target):
    raise StateAssignmentError(f"{type(target).__name__} rows are immutable")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(_mapper, _connection, target):
    raise StateAssignmentError("audit events are append-only")
