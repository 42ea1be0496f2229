"""Incidents (SPEC §10.4): reported by staff or managers against a person (and the plan in
force), reviewed by a manager with the notifications decided, closed with what was learned.

A moderate or serious incident starts the plan's review through the support-plan workflow
(`start_review` with the incident as its reason); a plan already under review records the
incident as a further reason. Which severities do so is configuration
(`incidents.review_severities`), not code.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from functools import cached_property
from typing import Any, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.care import CARE_ROLES, coaching, reviews
from engine.care.language import vocabulary_of
from engine.care.learning_models import Incident, Restriction
from engine.care.models import Person, Plan, PlanVersion, Review, ReviewCycle
from engine.care.plans import PEOPLE, current_version, require
from engine.core.access import Actor
from engine.core.errors import Blocked, Denied, Invalid, NotFound
from engine.core.models import Service
from engine.core.scope import by_service, scope_of
from engine.core.subjects import EffectContext, SubjectKind, register
from engine.core.uow import unit_of_work
from engine.core.words import long_date

WORKFLOW = "incident"
KINDS = ("fall", "injury", "medication_error", "safeguarding_concern", "distress",
         "missed_visit", "near_miss", "other")
SEVERITIES = ("low", "moderate", "serious")
KIND_WORDS = {"fall": "fall", "injury": "injury", "medication_error": "medication error",
              "safeguarding_concern": "safeguarding concern", "distress": "distress",
              "missed_visit": "missed visit", "near_miss": "near miss", "other": "incident"}

# Nothing a provider records now happened before this (and far-off years overflow on storing).
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)

INCIDENTS = by_service("incident", Incident, roles=CARE_ROLES)


def plan_in_force(session: Session, engine: Any, person: Person) -> Optional[Plan]:
    """The person's plan whose approved version staff follow now (the newest, if several)."""
    workflow = engine.registry.workflow("support_plan")
    states = set(workflow.states_tagged("in_force")) | set(workflow.states_tagged("in_revision"))
    return session.scalar(
        select(Plan).where(Plan.person_id == person.id, Plan.current_version.is_not(None),
                           Plan._state.in_(states))
        .order_by(Plan.id.desc()).limit(1))


def restrictive_risks(session: Session, plan: Optional[Plan]) -> dict[str, dict[str, Any]]:
    """The restrictive risks of the plan's version in force, by risk id."""
    version = current_version(session, plan) if plan is not None else None
    return {risk["id"]: risk for risk in (version.content.get("risks") or [] if version else [])
            if risk.get("restrictive")}


def report(session: Session, engine: Any, actor: Actor, person_id: int,
           fields: dict[str, Any]) -> Incident:
    """Report an incident about a person (staff and managers of their service)."""
    person = PEOPLE.find(session, actor, person_id)
    require(actor, "write_record")
    now = engine.now()
    with unit_of_work(session):
        plan = _plan_for(session, engine, actor, person, fields.get("plan_id"))
        _validate(session, engine, plan, fields, now)
        vocabulary = vocabulary_of(engine.registry)
        incident = Incident(
            person_id=person.id, plan_id=plan.id if plan else None, service_id=person.service_id,
            occurred_at=fields["occurred_at"], kind=fields["kind"], severity=fields["severity"],
            description=fields["description"].strip(),
            immediate_action=(fields.get("immediate_action") or "").strip(),
            people_informed=[who.strip() for who in fields.get("people_informed") or []
                             if who.strip()],
            restriction_ids=list(dict.fromkeys(fields.get("restriction_ids") or [])),
            language_flags=coaching.advise(vocabulary, incident_texts(fields), person.name),
            reported_by_id=actor.user_id, created_at=now, updated_at=now)
        engine.start(session, incident, WORKFLOW)
        engine.record_change(session, incident, actor, "incident_reported", [
            f"{KIND_WORDS[incident.kind]} ({incident.severity}) on "
            f"{long_date(engine.today(incident.occurred_at))} reported by {actor.username}"],
            now=now)
        if plan is not None:
            incident.plan_effect = _consider_plan(session, engine, actor, incident, plan)
    return incident


def incident_texts(fields: dict[str, Any]) -> dict[str, Optional[str]]:
    """What the recording coach reads in an incident report."""
    return {"description": fields.get("description"),
            "immediate_action": fields.get("immediate_action")}


def describe(incident: Incident, today_of=None) -> str:
    """"fall on 8 December 2026": an incident in words."""
    day = today_of(incident.occurred_at) if today_of else incident.occurred_at.date()
    return f"{KIND_WORDS.get(incident.kind, incident.kind)} on {long_date(day)}"


def _plan_for(session: Session, engine: Any, actor: Actor, person: Person,
              plan_id: Optional[int]) -> Optional[Plan]:
    if plan_id is None:
        return plan_in_force(session, engine, person)
    try:
        plan = scope_of("plan").find(session, actor, plan_id)
    except NotFound:
        plan = None
    if plan is None or plan.person_id != person.id:
        raise Invalid("the incident names no plan of this person",
                      {"plan_id": [f"plan {plan_id} does not exist"]})
    return plan


def _validate(session: Session, engine: Any, plan: Optional[Plan], fields: dict[str, Any],
              now: datetime) -> None:
    errors: dict[str, list[str]] = {}
    occurred = fields["occurred_at"]
    if occurred > now:
        errors["occurred_at"] = [f"{_moment_words(engine, occurred)} is in the future"]
    elif occurred < EARLIEST:
        errors["occurred_at"] = [f"{_moment_words(engine, occurred)} is before "
                                 f"{long_date(EARLIEST.date())}"]
    wanted = fields.get("restriction_ids") or []
    if wanted:
        known = restrictive_risks(session, plan)
        unknown = [risk for risk in wanted if risk not in known]
        if unknown:
            errors["restriction_ids"] = [
                f"{risk!r} is not a restriction in the plan in force" for risk in unknown]
    if errors:
        raise Invalid("the incident cannot be reported", errors)


def _moment_words(engine: Any, moment: datetime) -> str:
    """"21 November 2026 at 07:30" where the service is (as given, at the edges of time)."""
    try:
        local = moment.astimezone(ZoneInfo(engine.settings["timezone"]))
    except (OverflowError, ValueError):
        local = moment
    return f"{long_date(local.date())} at {local:%H:%M}"


def _consider_plan(session: Session, engine: Any, actor: Actor, incident: Incident,
                   plan: Plan) -> dict[str, Any]:
    """What a report does to the plan: a moderate or serious incident starts its review, or,
    if one is open, is recorded as a further reason for it."""
    words = describe(incident, engine.today)
    if incident.severity not in engine.settings["incidents.review_severities"]:
        return {"action": "none", "note": f"a {incident.severity} incident does not start a "
                                          "review of the plan"}
    workflow = engine.workflow_of(plan)
    reason = (f"Incident {incident.id}: {words} ({incident.severity}) — "
              f"{_short(incident.description)}")
    if plan.state in workflow.states_tagged("under_review"):
        cycle = reviews.open_cycle(session, plan)
        if cycle is not None:
            cycle.trigger = f"{cycle.trigger}; further reason: {reason}"
        engine.record_change(session, plan, actor, "review_reason_added",
                             [f"further reason for the open review: {reason}"])
        return {"action": "further_reason", "note": "recorded as a further reason for the "
                                                    "review already open"}
    start = workflow.transitions["start_review"]
    if plan.state not in start.sources:
        return {"action": "none", "note": f"the plan is {workflow.states[plan.state].title.lower()}"
                                          ": no review can start from there"}
    try:
        engine.fire_in_transaction(session, "plan", plan.id, "start_review", actor,
                                   version=None, reason=reason)
    except (Blocked, Denied) as refused:
        return {"action": "refused", "note": refused.message}
    return {"action": "review_started", "note": "the plan's review was started"}


def _short(text: str, words: int = 16) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def get(session: Session, actor: Actor, incident_id: int) -> Incident:
    return INCIDENTS.find(session, actor, incident_id)


def visible(session: Session, actor: Actor, *, service: Optional[str] = None,
            state: Optional[str] = None, person_id: Optional[int] = None,
            plan_id: Optional[int] = None, since: Optional[datetime] = None) -> list[Incident]:
    """The incidents the actor may see, newest first, filtered as asked."""
    query = INCIDENTS.query(actor)
    if service is not None:
        query = query.join(Service, Service.id == Incident.service_id).where(
            Service.name == service)
    if state is not None:
        query = query.where(Incident._state == state)
    if person_id is not None:
        query = query.where(Incident.person_id == person_id)
    if plan_id is not None:
        query = query.where(Incident.plan_id == plan_id)
    if since is not None:
        query = query.where(Incident.occurred_at >= since)
    return list(session.scalars(query.order_by(Incident.occurred_at.desc(),
                                               Incident.id.desc())))


def since_last_review(session: Session, actor: Actor, plan: Plan) -> list[Incident]:
    """The plan's incidents since its last completed review (all of them if it has none)."""
    last = session.scalar(select(ReviewCycle.closed_at).where(
        ReviewCycle.plan_id == plan.id, ReviewCycle.closed_at.is_not(None))
        .order_by(ReviewCycle.number.desc()).limit(1))
    return visible(session, actor, plan_id=plan.id, since=last)


# --- the "incident" subject kind -----------------------------------------------------------

class IncidentSnapshot:
    """What the incident.* rules read."""

    def __init__(self, session: Session, incident: Incident):
        self._session = session
        self.plan_id = incident.plan_id
        self.kind = incident.kind
        self.severity = incident.severity
        self.immediate_action = incident.immediate_action
        self.people_informed = list(incident.people_informed or [])
        self.occurred_at = incident.occurred_at
        self._reported_at = incident.created_at

    @cached_property
    def reviews_opened_since(self) -> list[date]:
        """The days reviews of the plan were opened since the incident, earliest first."""
        if self.plan_id is None:
            return []
        return [opened.date() for opened in self._session.scalars(
            select(ReviewCycle.opened_at).where(ReviewCycle.plan_id == self.plan_id,
                                                ReviewCycle.opened_at >= self.occurred_at)
            .order_by(ReviewCycle.opened_at))]

    @cached_property
    def risks_reviewed_since(self) -> list[date]:
        """The days the plan's risks were marked reviewed since the incident: in a review
        record, by approving a version once the incident was reported (its risks judged
        complete with the report to hand), or by reviewing one of its restrictions."""
        if self.plan_id is None:
            return []
        days = [review.updated_at.date() for review in self._session.scalars(
            select(Review).where(Review.plan_id == self.plan_id,
                                 Review.updated_at >= self.occurred_at))
            if review.content.get("risks_reviewed")]
        days += [at.date() for at in self._session.scalars(
            select(PlanVersion.approved_at).where(PlanVersion.plan_id == self.plan_id,
                                                  PlanVersion.approved_at > self._reported_at))]
        days += [at.date() for at in self._session.scalars(
            select(Restriction.reviewed_at).where(Restriction.plan_id == self.plan_id,
                                                  Restriction.reviewed_at >= self.occurred_at))
                 if at is not None]
        return sorted(days)


def _record_review(ctx: EffectContext) -> None:
    incident: Incident = ctx.subject
    incident.notifications = dict(ctx.inputs.get("notifications") or {})
    incident.review_comment = ctx.inputs.get("comment")
    incident.reviewed_by_id = ctx.actor.user_id
    incident.reviewed_at = ctx.now


def _record_learning(ctx: EffectContext) -> None:
    incident: Incident = ctx.subject
    incident.learning = (ctx.inputs.get("learning") or "").strip()
    incident.closed_by_id = ctx.actor.user_id
    incident.closed_at = ctx.now


def _describe(incident: Incident) -> dict[str, str]:
    return {"person": incident.person.name, "service": incident.service.title,
            "what": f"{KIND_WORDS.get(incident.kind, incident.kind)} "
                    f"({incident.severity}) on {long_date(incident.occurred_at.date())}"}


INCIDENT_KIND = register(SubjectKind(
    name="incident",
    model=Incident,
    scope=INCIDENTS,
    snapshot=IncidentSnapshot,
    describe=_describe,
    effects={"record_incident_review": _record_review,
             "record_incident_learning": _record_learning},
))


def open_past(incident: Incident, now: datetime, days: int) -> bool:
    """Still open more than `days` after it was reported."""
    return incident.closed_at is None and incident.created_at < now - timedelta(days=days)
