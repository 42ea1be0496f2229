"""Strengths-based practice competency: enrolled → trained → assessed → competent, refreshed
on a cycle. Competent needs a practice observation by an assessor other than the worker."""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.care import CARE_ROLES, staff_records
from engine.care.models import Competency, PracticeObservation
from engine.care.plans import require
from engine.core import audit
from engine.core.access import Actor
from engine.core.errors import Invalid
from engine.core.scope import about_a_worker
from engine.core.subjects import EffectContext, SubjectKind, register
from engine.core.uow import unit_of_work

WORKFLOW = "competency"
COMPETENCIES = about_a_worker("competency", Competency, "worker_id", roles=CARE_ROLES)
EDITABLE = {"training": ("enrolled", "trained", "refresher_due"),
            "assessment": ("trained", "assessed")}


def enrol(session: Session, engine, actor: Actor, worker: str, service: str) -> Competency:
    require(actor, "manage_staff_practice")
    with unit_of_work(session):
        user, place = staff_records.staff_member(session, actor, worker, service, "worker")
        now = engine.now()
        competency = Competency(worker_id=user.id, service_id=place.id, created_at=now,
                                updated_at=now)
        engine.start(session, competency, WORKFLOW)
    return competency


def record_part(session: Session, actor: Actor, competency_id: int, part: str,
                content: dict[str, Any], now: datetime) -> Competency:
    """Save the training or the assessment record (required fields checked by the schema)."""
    with unit_of_work(session):
        competency = COMPETENCIES.find(session, actor, competency_id, locked=True)
        if part == "assessment" or actor.user_id != competency.worker_id:
            require(actor, "manage_staff_practice")
        if competency.state not in EDITABLE[part]:
            raise Invalid(f"the {part} cannot be recorded now", {"state": [
                f"the competency is {competency.state}; the {part} is recorded while it is "
                f"{' or '.join(EDITABLE[part])}"]})
        rewritten = getattr(competency, part) is not None
        setattr(competency, part, {**content, "recorded_by": actor.username,
                                   "recorded_at": now.isoformat()})
        competency.updated_at = now
        audit.record_subject_change(
            session, at=now, actor=actor, subject=competency, action="part_recorded",
            changes=[f"{part} record {'rewritten' if rewritten else 'written'} by "
                     f"{actor.username}"])
    return competency


def observe(session: Session, actor: Actor, competency_id: int, observation: dict[str, Any],
            now: datetime) -> PracticeObservation:
    """An assessor records a practice observation of the worker."""
    require(actor, "manage_staff_practice")
    with unit_of_work(session):
        competency = COMPETENCIES.find(session, actor, competency_id, locked=True)
        row = PracticeObservation(competency_id=competency.id, assessor_id=actor.user_id,
                                  created_at=now, **observation)
        session.add(row)
        session.flush()
        session.refresh(row)
        audit.record_subject_change(
            session, at=now, actor=actor, subject=competency, action="part_recorded",
            changes=[f"practice observation of {row.observed_on.isoformat()} recorded by "
                     f"{actor.username}"])
    return row


def observations(session: Session, competency: Competency) -> list[PracticeObservation]:
    return list(session.scalars(select(PracticeObservation)
                                .where(PracticeObservation.competency_id == competency.id)
                                .order_by(PracticeObservation.observed_on)))


def get(session: Session, actor: Actor, competency_id: int) -> Competency:
    return COMPETENCIES.find(session, actor, competency_id)


def visible(session: Session, actor: Actor) -> list[Competency]:
    return list(session.scalars(COMPETENCIES.query(actor).order_by(Competency.id)))


# --- the "competency" subject kind -------------------------------------------------------

class CompetencySnapshot:
    def __init__(self, session: Session, competency: Competency):
        self._session, self._competency = session, competency
        self.worker = competency.worker.username
        self.training = competency.training
        self.assessment = competency.assessment
        self.refresher_due_on = competency.refresher_due_on
        self.state = competency.state

    @cached_property
    def observations(self) -> list[dict[str, Any]]:
        return [{"assessor": o.assessor.username, "observed_on": o.observed_on,
                 "observed": o.observed, "how_applied": o.how_applied, "setting": o.setting}
                for o in observations(self._session, self._competency)]


def _set_refresher_date(ctx: EffectContext) -> None:
    competency: Competency = ctx.subject
    competency.competent_since = ctx.today
    competency.refresher_due_on = ctx.today + timedelta(
        days=ctx.settings["competency.refresher_cycle_days"])


register(SubjectKind(
    name="competency",
    model=Competency,
    scope=COMPETENCIES,
    snapshot=CompetencySnapshot,
    describe=lambda c: {"worker": c.worker.username, "service": c.service.name},
    effects={"set_refresher_date": _set_refresher_date},
    dates={"refresher_due_on": lambda c: c.refresher_due_on},
    people={"worker": lambda session, c: c.worker_id},
))
