"""Supervision: scheduled, recorded with its strengths-based prompts, signed off by a manager
other than the supervisee; sign-off plans the next one, which a timer puts in the inbox."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.care import CARE_ROLES, staff_records
from engine.care.models import DailyRecord, Plan, Supervision
from engine.care.plans import current_version, require
from engine.core import audit
from engine.core.access import Actor
from engine.core.errors import Forbidden, Invalid, NotFound
from engine.core.scope import about_a_worker, scope_of
from engine.core.subjects import EffectContext, SubjectKind, register
from engine.core.uow import unit_of_work
from engine.core.words import long_date

WORKFLOW = "supervision"
RECORD_FIELDS = ("observed_strength", "support_provided", "independence_opportunity",
                 "outcome_link", "next_step")
PROMPTS = {
    "strengths_identified": "how strengths were identified in recent support",
    "deficit_drift": "where practice drifted towards deficits, and why",
    "risk_balance": "how risks were balanced with enablement",
    "support_reduction": "whether support could be reduced safely",
    "outcomes_changed": "what outcomes have changed for the person",
    "learning_to_share": "what learning should be shared across the team",
}


def schedule(session: Session, engine, actor: Actor, supervisee: str, service: str,
             scheduled_for: date) -> Supervision:
    """A manager schedules a supervision; it lands in their inbox, due on the day."""
    require(actor, "manage_staff_practice")
    with unit_of_work(session):
        worker, place = staff_records.staff_member(session, actor, supervisee, service,
                                                   "supervisee")
        previous = session.scalar(
            select(Supervision).where(Supervision.supervisee_id == worker.id,
                                      Supervision.scheduled_for < scheduled_for)
            .order_by(Supervision.scheduled_for.desc()).limit(1))
        frequency = engine.settings["supervision.frequency_days"]
        supervision = _new(worker.id, actor.user_id, place.id, scheduled_for,
                           previous.scheduled_for if previous
                           else scheduled_for - timedelta(days=frequency), engine.now())
        engine.start(session, supervision, WORKFLOW)
    return supervision


def write_record(session: Session, actor: Actor, supervision_id: int, record: dict[str, Any],
                 now: datetime) -> Supervision:
    """Save the supervision record (all required fields; checked by the schema)."""
    with unit_of_work(session):
        supervision = SUPERVISIONS.find(session, actor, supervision_id, locked=True)
        if supervision.state == "signed_off":
            raise Invalid("signed-off supervisions cannot change",
                          {"state": ["the supervision is signed off"]})
        require_recorder(actor, supervision)
        _check_link(session, actor, supervision, record)
        rewritten = supervision.record is not None
        supervision.record, supervision.recorded_by_id = record, actor.user_id
        supervision.recorded_at = supervision.updated_at = now
        audit.record_subject_change(
            session, at=now, actor=actor, subject=supervision, action="part_recorded",
            changes=[f"supervision record {'rewritten' if rewritten else 'written'} by "
                     f"{actor.username}"])
    return supervision


def require_recorder(actor: Actor, supervision: Supervision) -> None:
    """The supervisor (any member of staff or manager but the supervisee) writes the record."""
    require(actor, "write_record")
    if actor.user_id == supervision.supervisee_id:
        raise Forbidden("a supervisee may not record their own supervision: the supervisor "
                        "writes it; add your reflections instead")


def write_reflections(session: Session, actor: Actor, supervision_id: int, text: str,
                      now: datetime) -> Supervision:
    """The supervisee's own reflections on their supervision, kept beside the record."""
    with unit_of_work(session):
        supervision = SUPERVISIONS.find(session, actor, supervision_id, locked=True)
        if actor.user_id != supervision.supervisee_id:
            raise Forbidden("only the supervisee adds reflections to their supervision")
        rewritten = supervision.reflections is not None
        supervision.reflections = {"text": text, "by": actor.username,
                                   "at": now.isoformat().replace("+00:00", "Z")}
        supervision.updated_at = now
        audit.record_subject_change(
            session, at=now, actor=actor, subject=supervision, action="part_recorded",
            changes=[f"reflections {'rewritten' if rewritten else 'written'} by "
                     f"{actor.username}, the supervisee"])
    return supervision


def _check_link(session: Session, actor: Actor, supervision: Supervision,
                record: dict[str, Any]) -> None:
    """The outcome link names a plan the recorder can see in the supervision's service; an
    unseen plan reads exactly as one that does not exist."""
    plan_id = (record.get("outcome_link") or {}).get("plan_id")
    try:
        plan = scope_of("plan").find(session, actor, plan_id) if plan_id else None
    except NotFound:
        plan = None
    if plan is None or plan.service_id != supervision.service_id:
        raise Invalid("the outcome link names no plan of this service", {"outcome_link": {
            "plan_id": [f"plan {plan_id} does not exist"]}})


def get(session: Session, actor: Actor, supervision_id: int) -> Supervision:
    return SUPERVISIONS.find(session, actor, supervision_id)


def visible(session: Session, actor: Actor) -> list[Supervision]:
    return list(session.scalars(SUPERVISIONS.query(actor).order_by(
        Supervision.scheduled_for.desc(), Supervision.id.desc())))


def _new(supervisee_id: int, supervisor_id: int | None, service_id: int, scheduled_for: date,
         period_start: date, now: datetime) -> Supervision:
    return Supervision(supervisee_id=supervisee_id, supervisor_id=supervisor_id,
                       service_id=service_id, scheduled_for=scheduled_for,
                       period_start=period_start, created_at=now, updated_at=now)


# --- the "supervision" subject kind ------------------------------------------------------

class SupervisionSnapshot:
    """What the supervision.* rules read."""

    def __init__(self, session: Session, supervision: Supervision):
        self._session = session
        self._service_id = supervision.service_id
        self.record = supervision.record
        self.supervisee = supervision.supervisee.username
        self.supervisee_id = supervision.supervisee_id
        self.period = (supervision.period_start, supervision.scheduled_for)

    @cached_property
    def linked(self) -> dict[str, Any]:
        """What the record's outcome link points at: the plan, the outcome, the evidence."""
        link = (self.record or {}).get("outcome_link") or {}
        plan = self._session.get(Plan, link.get("plan_id")) if link.get("plan_id") else None
        if plan is not None and plan.service_id != self._service_id:
            # A supervision links to the work of its own service: any other plan, for the
            # supervision, its readers and the quality audit, does not exist.
            plan = None
        version = current_version(self._session, plan) if plan else None
        outcomes = {o["id"]: o for o in (version.content["outcomes"] if version else [])}
        start, end = self.period
        records = list(self._session.scalars(select(DailyRecord).where(
            DailyRecord.plan_id == plan.id,
            DailyRecord.outcome_id == link.get("outcome_id"),
            DailyRecord.date >= start, DailyRecord.date <= end))) if plan else []
        supports = plan is not None and (
            (version and version.content.get("key_worker") == self.supervisee)
            or self._session.scalar(select(DailyRecord.id).where(
                DailyRecord.plan_id == plan.id,
                DailyRecord.author_id == self.supervisee_id).limit(1)) is not None)
        return {"plan": plan, "outcome": outcomes.get(link.get("outcome_id")),
                "records": records, "supports": supports, "link": link}


def _plan_next(ctx: EffectContext) -> None:
    """sign_off: the next supervision is due a frequency after this one was scheduled."""
    supervision: Supervision = ctx.subject
    supervision.next_due_on = supervision.scheduled_for + timedelta(
        days=ctx.settings["supervision.frequency_days"])


def _schedule_next(ctx: EffectContext) -> None:
    """schedule_next (by timer): the next supervision appears, unless one already exists."""
    done: Supervision = ctx.subject
    exists = ctx.session.scalar(select(Supervision.id).where(
        Supervision.supervisee_id == done.supervisee_id,
        Supervision.scheduled_for > done.scheduled_for).limit(1))
    if exists is None and done.next_due_on is not None:
        ctx.engine.start(ctx.session, _new(done.supervisee_id, done.supervisor_id,
                                           done.service_id, done.next_due_on,
                                           done.scheduled_for, ctx.now), WORKFLOW)


SUPERVISIONS = about_a_worker("supervision", Supervision, "supervisee_id",
                             roles=CARE_ROLES)

register(SubjectKind(
    name="supervision",
    model=Supervision,
    scope=SUPERVISIONS,
    snapshot=SupervisionSnapshot,
    describe=lambda s: {"supervisee": s.supervisee.username, "service": s.service.name,
                        "date": long_date(s.scheduled_for)},
    effects={"plan_next_supervision": _plan_next, "schedule_next_supervision": _schedule_next},
    dates={"scheduled_for": lambda s: s.scheduled_for, "next_due_on": lambda s: s.next_due_on},
    people={"supervisor": lambda session, s: s.supervisor_id,
            "supervisee": lambda session, s: s.supervisee_id},
))
