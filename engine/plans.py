"""Support plans: people, drafts, approved versions and acknowledgements, and the "plan" kind
that tells the engine how the support-plan workflow reads and changes a plan."""
from __future__ import annotations

import copy
from datetime import date, datetime
from functools import cached_property
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from .access import Actor
from .errors import Conflict, Forbidden, Invalid, NotFound
from .models import (Acknowledgement, DraftEditor, Person, Plan, PlanVersion, Service, User)
from .subjects import EffectContext, SubjectKind, register
from .uow import lock, unit_of_work

WORKFLOW = "support_plan"
EMPTY_CONTENT: dict[str, Any] = {
    "commissioned_hours_per_week": None, "start_date": None, "next_review_date": None,
    "key_worker": None,
    "involvement": {"person_views": None, "involved_on": None, "advocate": None,
                    "consent": None, "best_interests_record": None},
    "strengths": [], "outcomes": [], "actions": [], "risks": [],
}


# --- reading ---------------------------------------------------------------------------------

def content_of(plan: Plan, session: Session) -> dict[str, Any]:
    """The working draft if there is one, else the approved version in force."""
    if plan.draft is not None:
        return plan.draft
    version = current_version(session, plan)
    return version.content if version else copy.deepcopy(EMPTY_CONTENT)


def current_version(session: Session, plan: Plan) -> Optional[PlanVersion]:
    if plan.current_version is None:
        return None
    return session.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan.id,
                                                    PlanVersion.number == plan.current_version))


def versions(session: Session, plan: Plan) -> list[PlanVersion]:
    return list(session.scalars(select(PlanVersion).where(PlanVersion.plan_id == plan.id)
                                .order_by(PlanVersion.number.desc())))


def get_person(session: Session, actor: Actor, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None or not actor.sees(person.service.name):
        raise NotFound(f"person {person_id} not found")
    return person


def get_plan(session: Session, actor: Actor, plan_id: int) -> Plan:
    plan = session.get(Plan, plan_id)
    if plan is None or not actor.sees(plan.service.name):
        raise NotFound(f"plan {plan_id} not found")
    return plan


def editors_of(session: Session, plan: Plan) -> list[str]:
    return list(session.scalars(
        select(User.username).join(DraftEditor, DraftEditor.user_id == User.id)
        .where(DraftEditor.plan_id == plan.id, DraftEditor.draft_number == plan.draft_number)
        .order_by(DraftEditor.first_edit_at, User.username)))


# --- writing ---------------------------------------------------------------------------------

def create_person(session: Session, actor: Actor, name: str, service_name: str,
                  now: datetime) -> Person:
    _require(actor, "create_person")
    with unit_of_work(session):
        service = session.scalar(select(Service).where(Service.name == service_name))
        if service is None or not actor.sees(service.name):
            raise Invalid("unknown service", {"service": [f"no service {service_name!r} "
                                                          "among your services"]})
        person = Person(name=name, service_id=service.id, created_at=now)
        session.add(person)
    return person


def create_plan(session: Session, actor: Actor, person_id: int, content: dict[str, Any],
                now: datetime) -> Plan:
    _require(actor, "create_plan")
    with unit_of_work(session):
        person = get_person(session, actor, person_id)
        plan = Plan(workflow=WORKFLOW, _state="draft", person_id=person.id,
                    service_id=person.service_id, author_id=actor.user_id,
                    draft={**copy.deepcopy(EMPTY_CONTENT), **content}, draft_number=1,
                    created_at=now, updated_at=now)
        session.add(plan)
        session.flush()
        session.add(DraftEditor(plan_id=plan.id, draft_number=1, user_id=actor.user_id,
                                first_edit_at=now))
    return plan


def update_draft(session: Session, actor: Actor, plan_id: int, content: dict[str, Any],
                 expected_version: int, now: datetime) -> Plan:
    """Replace the working draft's content; the editor joins this round's editors."""
    _require(actor, "edit_plan")
    with unit_of_work(session):
        plan = _locked_plan(session, actor, plan_id)
        if plan.lock_version != expected_version:
            raise Conflict(f"plan {plan.id} is at version {plan.lock_version}, not "
                           f"{expected_version}", {"version": plan.lock_version})
        if plan.draft is None:
            raise Invalid("only a draft can be edited",
                          {"state": [f"the plan is {plan.state}; content is editable only in "
                                     "draft (revise the plan to open a new draft)"]})
        plan.draft = content
        plan.updated_at = now
        _add_editor(session, plan, actor, now)
    return plan


def acknowledge(session: Session, actor: Actor, plan_id: int, now: datetime) -> Acknowledgement:
    """Record that the actor has read the approved version in force. Idempotent."""
    _require(actor, "acknowledge")
    with unit_of_work(session):
        plan = _locked_plan(session, actor, plan_id)
        if plan.current_version is None:
            raise Invalid("nothing to acknowledge",
                          {"version": ["the plan has no approved version yet"]})
        ack = session.scalar(select(Acknowledgement).where(
            Acknowledgement.plan_id == plan.id,
            Acknowledgement.version_number == plan.current_version,
            Acknowledgement.user_id == actor.user_id))
        if ack is None:
            ack = Acknowledgement(plan_id=plan.id, version_number=plan.current_version,
                                  user_id=actor.user_id, at=now)
            session.add(ack)
    return ack


def _locked_plan(session: Session, actor: Actor, plan_id: int) -> Plan:
    plan = lock(session, Plan, plan_id)
    if plan is None or not actor.sees(plan.service.name):
        raise NotFound(f"plan {plan_id} not found")
    return plan


def _add_editor(session: Session, plan: Plan, actor: Actor, now: datetime) -> None:
    key = (plan.id, plan.draft_number, actor.user_id)
    if session.get(DraftEditor, key) is None:
        session.add(DraftEditor(plan_id=plan.id, draft_number=plan.draft_number,
                                user_id=actor.user_id, first_edit_at=now))


def _require(actor: Actor, permission: str) -> None:
    if not actor.may(permission):
        raise Forbidden(f"a {actor.role} may not {permission.replace('_', ' ')}")


# --- the "plan" subject kind -----------------------------------------------------------------

class PlanSnapshot:
    """What the plan.* and review.* rules read. Facts load on first use, once."""

    def __init__(self, session: Session, plan: Plan):
        self._session = session
        self._plan = plan
        self.id = plan.id
        self.state = plan.state
        self.service = plan.service.name
        self.current_version = plan.current_version
        self.has_approved_version = plan.current_version is not None
        self.review = None  # review records arrive with the reviews issue

    @cached_property
    def current_content(self) -> Optional[dict[str, Any]]:
        version = current_version(self._session, self._plan)
        return version.content if version else None

    @cached_property
    def content(self) -> dict[str, Any]:
        """The content under judgement: the draft being approved, else the version in force."""
        if self._plan.draft is not None:
            return self._plan.draft
        return self.current_content or {}

    @cached_property
    def editors(self) -> list[str]:
        """Who authored or edited the current draft round, in the order they first edited."""
        return editors_of(self._session, self._plan)

    @cached_property
    def acknowledged_by(self) -> set[str]:
        if self.current_version is None:
            return set()
        return set(self._session.scalars(
            select(User.username).join(Acknowledgement, Acknowledgement.user_id == User.id)
            .where(Acknowledgement.plan_id == self.id,
                   Acknowledgement.version_number == self.current_version)))

    @cached_property
    def key_worker(self) -> Optional[dict[str, Any]]:
        name = self.content.get("key_worker")
        user = name and self._session.scalar(select(User).where(User.username == name))
        if not user:
            return None
        return {"username": user.username, "role": user.role, "active": user.active,
                "services": set(user.service_names)}


def _freeze_version(ctx: EffectContext) -> None:
    plan: Plan = ctx.subject
    number = (plan.current_version or 0) + 1
    editors = ctx.snapshot.editors if ctx.snapshot else editors_of(ctx.session, plan)
    ctx.session.add(PlanVersion(
        plan_id=plan.id, number=number, content=plan.draft, editors=editors,
        approved_by_id=ctx.actor.user_id, approved_at=ctx.now))
    plan.current_version = number
    plan.draft = None


def _open_draft(ctx: EffectContext) -> None:
    plan: Plan = ctx.subject
    version = current_version(ctx.session, plan)
    plan.draft = copy.deepcopy(version.content) if version else copy.deepcopy(EMPTY_CONTENT)
    plan.draft_number += 1


def _not_yet(ctx: EffectContext) -> None:
    raise NotImplementedError("review outcomes arrive with the reviews issue")


def _next_review_date(plan: Plan) -> Optional[date]:
    session = Session.object_session(plan)
    version = current_version(session, plan)
    value = version.content.get("next_review_date") if version else None
    return date.fromisoformat(value) if value else None


def _key_worker_id(session: Session, plan: Plan) -> Optional[int]:
    version = current_version(session, plan)
    name = version.content.get("key_worker") if version else None
    if not name:
        return None
    user = session.scalar(select(User).where(User.username == name, User.active.is_(True)))
    return user.id if user and plan.service.name in user.service_names else None


PLAN_KIND = register(SubjectKind(
    name="plan",
    model=Plan,
    snapshot=PlanSnapshot,
    describe=lambda plan: {"person": plan.person.name, "service": plan.service.name},
    effects={"freeze_version": _freeze_version, "open_draft": _open_draft,
             "adopt_review_date": _not_yet, "apply_reduction": _not_yet},
    dates={"next_review_date": _next_review_date},
    people={"key_worker": _key_worker_id},
))
