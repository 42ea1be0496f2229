"""Support plans: people, drafts, approved versions and acknowledgements, and the "plan" kind
that tells the engine how the support-plan workflow reads and changes a plan."""
from __future__ import annotations

import copy
from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engine.care.models import Acknowledgement, DraftEditor, Person, Plan, PlanVersion
from engine.core.access import Actor
from engine.core.errors import Conflict, Forbidden, Invalid, NotFound
from engine.core.models import Service, User
from engine.core.uow import lock, transaction_cache, unit_of_work

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
    """The approved version in force, read once per transaction (versions never change)."""
    if plan.current_version is None:
        return None
    cache = transaction_cache(session)
    key = ("plan_version", plan.id, plan.current_version)
    if key not in cache:
        cache[key] = session.scalar(select(PlanVersion).where(
            PlanVersion.plan_id == plan.id, PlanVersion.number == plan.current_version))
    return cache[key]


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


def next_review_on(session: Session, plan: Plan) -> Optional[date]:
    """When the next review falls due: set by the last review or reduction, else the version's."""
    if plan.next_review_on is not None:
        return plan.next_review_on
    version = current_version(session, plan)
    value = version.content.get("next_review_date") if version else None
    return date.fromisoformat(value) if value else None


def editors_of(session: Session, plan: Plan) -> list[str]:
    """Who authored or edited the plan's current draft round, in the order they first did."""
    return list(session.scalars(_EDITORS, {"plan_id": plan.id,
                                           "draft_number": plan.draft_number}))


_EDITORS = (select(User.username).join(DraftEditor, DraftEditor.user_id == User.id)
            .where(DraftEditor.plan_id == bindparam("plan_id"),
                   DraftEditor.draft_number == bindparam("draft_number"))
            .order_by(DraftEditor.first_edit_at, User.username))


# --- writing ---------------------------------------------------------------------------------

def create_person(session: Session, actor: Actor, name: str, service_name: str,
                  now: datetime) -> Person:
    require(actor, "create_person")
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
    require(actor, "create_plan")
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
    require(actor, "edit_plan")
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
    require(actor, "acknowledge")
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


def add_version(session: Session, plan: Plan, content: dict[str, Any], *, basis: str,
                editors: list[str], approver: Actor, now: datetime) -> PlanVersion:
    """Freeze `content` as the plan's next approved version, now in force."""
    number = (plan.current_version or 0) + 1
    version = PlanVersion(plan_id=plan.id, number=number, content=content, editors=editors,
                          approved_by_id=approver.user_id, approved_at=now, basis=basis)
    session.add(version)
    plan.current_version = number
    return version


def locked_plan(session: Session, actor: Actor, plan_id: int) -> Plan:
    """The plan, locked for this transaction, if the actor may see it; else NotFound."""
    return _locked_plan(session, actor, plan_id)


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


def require(actor: Actor, permission: str) -> None:
    if not actor.may(permission):
        raise Forbidden(f"a {actor.role} may not {permission.replace('_', ' ')}")


