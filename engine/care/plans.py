"""Support plans: people, drafts, approved versions and acknowledgements, and the "plan" kind
that tells the engine how the support-plan workflow reads and changes a plan."""
from __future__ import annotations

import copy
import json
from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import bindparam, func, insert, or_, select
from sqlalchemy.orm import Session

from engine.care import CARE_ROLES, plan_changes
from engine.care.models import (
    Acknowledgement,
    DraftEditor,
    Person,
    Plan,
    PlanVersion,
    review_date_of,
)
from engine.core import audit
from engine.core.access import Actor
from engine.core.errors import Conflict, Forbidden, Invalid, NotFound
from engine.core.models import AuditEvent, Service, User
from engine.core.scope import by_service, in_services, register_scope, scope_of
from engine.core.uow import transaction_cache, unit_of_work
from engine.core.words import long_date

WORKFLOW = "support_plan"
# People are care records too: members of the person's service see them.
PEOPLE = register_scope(by_service("person", Person, roles=CARE_ROLES))
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


def version_of(session: Session, plan: Plan, number: int) -> PlanVersion:
    """Approved version `number` of the plan; NotFound if it has none by that number."""
    version = session.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan.id,
                                                       PlanVersion.number == number))
    if version is None:
        raise NotFound(f"plan {plan.id} has no version {number}")
    return version


def compare_versions(session: Session, plan: Plan, number: int,
                     against: int | None = None) -> list[dict[str, Any]]:
    """What changed in version `number` since version `against` (default: the one before)."""
    after = version_of(session, plan, number)
    base = against if against is not None else number - 1
    before = version_of(session, plan, base).content if base >= 1 or against is not None \
        else {}
    return plan_changes.compare(before, after.content)


def get_person(session: Session, actor: Actor, person_id: int) -> Person:
    return PEOPLE.find(session, actor, person_id)


def get_plan(session: Session, actor: Actor, plan_id: int) -> Plan:
    return scope_of("plan").find(session, actor, plan_id)


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


# The steps that start, end or answer a request for approval: the latest of them says where
# a draft stands.
_DRAFT_STEPS = ("request_approval", "return_for_changes", "approve", "revise")


def status_note(session: Session, plan: Plan) -> Optional[dict[str, Any]]:
    """Where the plan is waiting, and for whom, in the plan document's terms (SPEC §10.3):
    {kind: "returned", comment, by, at}, {kind: "awaiting_approval", since, by, approvers},
    {kind: "awaiting_acknowledgement", by}, {kind: "awaiting_activation", acknowledged_by,
    at}, {kind: "awaiting_review", by}, {kind: "awaiting_review_completion", written_by, at};
    None when nobody is waiting on anybody."""
    from engine.care import reviews  # reviews builds on this module

    state = plan.state
    if state == "draft":
        last = session.execute(
            select(AuditEvent.transition, AuditEvent.actor, AuditEvent.at, AuditEvent.body)
            .where(AuditEvent.subject_type == "plan", AuditEvent.subject_id == plan.id,
                   AuditEvent.outcome == "advanced", AuditEvent.transition.in_(_DRAFT_STEPS))
            .order_by(AuditEvent.seq.desc()).limit(1)).first()
        if last is not None and last.transition == "return_for_changes":
            return {"kind": "returned", "comment": json.loads(last.body).get("comment"),
                    "by": last.actor, "at": last.at}
        if last is not None and last.transition == "request_approval":
            return {"kind": "awaiting_approval", "since": last.at, "by": last.actor,
                    "approvers": possible_approvers(session, plan)}
        return {"kind": "drafting", "editors": editors_of(session, plan)}
    version = current_version(session, plan)
    key_worker = version.content.get("key_worker") if version else None
    if state == "approved":
        read = session.execute(
            select(User.username, Acknowledgement.at).join(User, User.id == Acknowledgement.user_id)
            .where(Acknowledgement.plan_id == plan.id,
                   Acknowledgement.version_number == plan.current_version,
                   User.username == key_worker)).first() if key_worker else None
        if read is None:
            return {"kind": "awaiting_acknowledgement", "by": key_worker,
                    "version": plan.current_version}
        return {"kind": "awaiting_activation", "acknowledged_by": read.username, "at": read.at,
                "version": plan.current_version}
    if state == "review_due":
        cycle = reviews.open_cycle(session, plan)
        review = reviews.review_of(session, cycle) if cycle else None
        if review is None:
            return {"kind": "awaiting_review", "by": key_worker}
        return {"kind": "awaiting_review_completion", "written_by": review.author.username,
                "at": review.updated_at}
    return None


def managers_of(session: Session, service_id: int) -> list[str]:
    """The usernames of the service's active managers, in order."""
    return list(session.scalars(
        select(User.username).where(User.services.any(Service.id == service_id),
                                    User.role == "manager", User.active.is_(True))
        .order_by(User.username)))


def possible_approvers(session: Session, plan: Plan) -> list[str]:
    """Who could approve the plan's draft now: its service's managers who did not edit it."""
    editors = set(editors_of(session, plan))
    return [name for name in managers_of(session, plan.service_id) if name not in editors]


_EDITORS = (select(User.username).join(DraftEditor, DraftEditor.user_id == User.id)
            .where(DraftEditor.plan_id == bindparam("plan_id"),
                   DraftEditor.draft_number == bindparam("draft_number"))
            .order_by(DraftEditor.first_edit_at, User.username))


# --- writing ---------------------------------------------------------------------------------

def create_person(session: Session, actor: Actor, name: str, service_name: str,
                  now: datetime, *, preferred_name: str | None = None,
                  date_of_birth: date | None = None,
                  nhs_number: str | None = None) -> Person:
    require(actor, "create_person")
    with unit_of_work(session):
        service = session.scalar(select(Service).where(Service.name == service_name))
        if service is None or not in_services(actor, service.name):
            raise Invalid("unknown service", {"service": [f"no service {service_name!r} "
                                                          "among your services"]})
        person = Person(name=name, service_id=service.id, created_at=now,
                        preferred_name=preferred_name, date_of_birth=date_of_birth,
                        nhs_number=nhs_number)
        session.add(person)
    return person


def namesakes(session: Session, person: Person) -> list[Person]:
    """Other people of the person's service with the same name and date of birth (or the same
    name, when either date is unknown): maybe the same person, added twice."""
    query = select(Person).where(Person.service_id == person.service_id,
                                 Person.id != person.id,
                                 func.lower(Person.name) == person.name.lower())
    if person.date_of_birth is not None:
        query = query.where(or_(Person.date_of_birth == person.date_of_birth,
                                Person.date_of_birth.is_(None)))
    return list(session.scalars(query.order_by(Person.id)))


def duplicate_warnings(session: Session, person: Person) -> list[str]:
    """What to tell whoever just added `person` if someone like them is already there."""
    return [f"{other.name} (person {other.id}"
            + (f", born {long_date(other.date_of_birth)}" if other.date_of_birth else "")
            + f") is already in {person.service.title}: check this is not the same person "
            "added twice" for other in namesakes(session, person)]


def create_plan(session: Session, engine: Any, actor: Actor, person_id: int,
                content: dict[str, Any]) -> Plan:
    """A new plan in its workflow's first state (the engine puts it there), authored by the
    actor, whose content starts as `content`."""
    require(actor, "create_plan")
    now = engine.now()
    with unit_of_work(session):
        person = get_person(session, actor, person_id)
        plan = Plan(person_id=person.id, service_id=person.service_id, author_id=actor.user_id,
                    draft={**copy.deepcopy(EMPTY_CONTENT), **content}, draft_number=1,
                    created_at=now, updated_at=now)
        engine.start(session, plan, WORKFLOW)
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
        changes = plan_changes.sentences(plan.draft, content)
        plan.draft = content
        plan.updated_at = now
        _add_editor(session, plan, actor, now)
        session.flush()  # the version the event names is the one the client now holds
        record_change(session, actor, plan, "draft_saved",
                      changes or ["saved with no changes"], now)
    return plan


def acknowledge(session: Session, actor: Actor, plan_id: int, now: datetime, *,
                engine: Any) -> Acknowledgement:
    """Record that the actor has read the approved version in force. Idempotent.

    The workflow hands work on with it (the key worker's acknowledgement closes their task
    and puts activating the plan in the managers' inboxes): `engine` applies that."""
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
            record_change(session, actor, plan, "acknowledged",
                          [f"{actor.username} has read version {plan.current_version}"], now,
                          engine=engine)
    return ack


def record_change(session: Session, actor: Actor, plan: Plan, action: str,
                  changes: list[str], now: datetime, rule_pack: str | None = None,
                  engine: Any = None) -> None:
    """Put a change made outside a transition on the plan's audit trail; with the `engine`,
    the tasks its workflow hands on with that change open and close too."""
    if engine is not None:
        engine.record_change(session, plan, actor, action, changes, now=now,
                             rule_pack=rule_pack)
    else:
        audit.record_subject_change(session, at=now, actor=actor, subject=plan, action=action,
                                    changes=changes, rule_pack=rule_pack)


def add_version(session: Session, plan: Plan, content: dict[str, Any], *, basis: str,
                editors: list[str], approver: Actor, now: datetime) -> None:
    """Freeze `content` as the plan's next approved version, now in force.

    A prebuilt Core INSERT: versions are never changed once written, so the session need not
    hold the new one (current_version reads it when asked)."""
    number = (plan.current_version or 0) + 1
    values = {"plan_id": plan.id, "number": number, "content": content, "editors": editors,
              "approved_by_id": approver.user_id, "approved_at": now, "basis": basis,
              "next_review_on": review_date_of(content)}
    inserted = session.connection().execute(_INSERT_VERSION, values).inserted_primary_key
    plan.current_version = number
    # What the rest of the transaction reads of the version in force (the key worker its
    # task goes to), without reading back the row just written: a detached copy of it.
    transaction_cache(session)[("plan_version", plan.id, number)] = PlanVersion(
        id=inserted[0] if inserted else None, **values)


_INSERT_VERSION = insert(PlanVersion.__table__)


def locked_plan(session: Session, actor: Actor, plan_id: int) -> Plan:
    """The plan, locked for this transaction, if the actor may see it; else NotFound."""
    return _locked_plan(session, actor, plan_id)


def _locked_plan(session: Session, actor: Actor, plan_id: int) -> Plan:
    return scope_of("plan").find(session, actor, plan_id, locked=True)


def _add_editor(session: Session, plan: Plan, actor: Actor, now: datetime) -> None:
    key = (plan.id, plan.draft_number, actor.user_id)
    if session.get(DraftEditor, key) is None:
        session.add(DraftEditor(plan_id=plan.id, draft_number=plan.draft_number,
                                user_id=actor.user_id, first_edit_at=now))


def require(actor: Actor, permission: str) -> None:
    if not actor.may(permission):
        article = "an" if actor.role[:1] in "aeiou" else "a"  # an admin, an auditor
        raise Forbidden(f"{article} {actor.role} may not {permission.replace('_', ' ')}")


