"""The learning loop's records (SPEC §10.4): incidents, and the restrictions of plans in force
as subjects of their own review workflow (the restrictive-practice register)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.care.models import Person, Plan
from engine.core.db import Base
from engine.core.models import User, WorkflowSubject


class Incident(WorkflowSubject, Base):
    """Something that happened to a person: reported, reviewed by a manager, closed with what
    was learned."""

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_service_occurred", "service_id", "occurred_at"),)
    subject_type = "incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    plan_id: Mapped[Optional[int]] = mapped_column(ForeignKey("plans.id"), index=True)
    occurred_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    immediate_action: Mapped[str] = mapped_column(Text)
    people_informed: Mapped[list[Any]] = mapped_column()
    # Risk ids of the plan's restrictions the incident involved (a use of each).
    restriction_ids: Mapped[list[Any]] = mapped_column()
    language_flags: Mapped[list[Any]] = mapped_column()
    # What reporting did to the plan: {"action": "review_started" | "further_reason" | …, "note"}.
    plan_effect: Mapped[Optional[dict[str, Any]]] = mapped_column()
    notifications: Mapped[Optional[dict[str, Any]]] = mapped_column()
    review_comment: Mapped[Optional[str]] = mapped_column(Text)
    learning: Mapped[Optional[str]] = mapped_column(Text)
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reviewed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[Optional[datetime]]
    closed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[Optional[datetime]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    person: Mapped[Person] = relationship(lazy="joined")
    plan: Mapped[Optional[Plan]] = relationship()
    reported_by: Mapped[User] = relationship(foreign_keys=[reported_by_id], lazy="joined")
    reviewed_by: Mapped[Optional[User]] = relationship(foreign_keys=[reviewed_by_id])
    closed_by: Mapped[Optional[User]] = relationship(foreign_keys=[closed_by_id])


class Restriction(WorkflowSubject, Base):
    """A restrictive practice in a plan in force, registered from the plan's approved version:
    its review date sets a timer, reviewing it records keep, reduce or remove and why."""

    __tablename__ = "restrictions"
    __table_args__ = (Index("ix_restrictions_plan_risk", "plan_id", "risk_id"),)
    subject_type = "restriction"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    risk_id: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    justification: Mapped[Optional[str]] = mapped_column(Text)
    review_date: Mapped[Optional[date]] = mapped_column(Date)
    started_on: Mapped[date] = mapped_column(Date)
    # When the restriction left the register (removed at a review, or no longer in the plan).
    ended_on: Mapped[Optional[date]] = mapped_column(Date)
    ended_why: Mapped[Optional[str]] = mapped_column(Text)
    decision: Mapped[Optional[str]] = mapped_column(String(20))   # keep, reduce, remove
    decision_reason: Mapped[Optional[str]] = mapped_column(Text)
    reviewed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[Optional[datetime]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    person: Mapped[Person] = relationship(lazy="joined")
    reviewed_by: Mapped[Optional[User]] = relationship(foreign_keys=[reviewed_by_id])
