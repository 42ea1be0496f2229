"""Incidents and the restrictive-practice register (SPEC §10.4), with the same conventions as
plans: scope from the engine, transitions through the one route factory."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import request

from engine.care import incident_changes, incidents, restrictions
from engine.care.plans import PEOPLE
from engine.care.learning_models import Incident
from engine.core.errors import Invalid
from engine.core.scope import in_services

from ..extensions import db
from ..runtime import engine, load_body
from . import api
from .auth import current_actor
from .documents import iso
from .filters import service_filter
from .learning_schemas import (
    IncidentCreateSchema,
    IncidentTransitionSchema,
    RestrictionTransitionSchema,
)
from .workflow_routes import add_workflow_routes


def incident_document(incident: Incident,
                      changes: list[dict[str, Any]] | None = None) -> dict:
    """The incident as the API shows it; `changes`, its plan changes if already read (a list
    reads them for every incident at once)."""
    risks = incidents.restrictive_risks(db.session, incident.plan) if incident.plan else {}
    return {"id": incident.id, "workflow": incident.workflow, "state": incident.state,
            "version": incident.lock_version, "person_id": incident.person_id,
            "person": incident.person.name, "plan_id": incident.plan_id,
            "service": incident.service.name, "occurred_at": iso(incident.occurred_at),
            "kind": incident.kind, "severity": incident.severity,
            "description": incident.description, "immediate_action": incident.immediate_action,
            "people_informed": incident.people_informed,
            "restriction_ids": incident.restriction_ids,
            "restrictions": [{"risk_id": risk_id,
                              "description": (risks.get(risk_id) or {}).get("description")}
                             for risk_id in incident.restriction_ids],
            "language_flags": incident.language_flags, "plan_effect": incident.plan_effect,
            "notifications": incident.notifications, "review_comment": incident.review_comment,
            "learning": incident.learning, "reported_by": incident.reported_by.username,
            "reported_at": iso(incident.created_at),
            "reviewed_by": incident.reviewed_by.username if incident.reviewed_by else None,
            "reviewed_at": iso(incident.reviewed_at),
            "closed_by": incident.closed_by.username if incident.closed_by else None,
            "closed_at": iso(incident.closed_at), "updated_at": iso(incident.updated_at),
            "plan_changes": incident_changes.plan_changes(db.session, incident,
                                                          engine().today)
            if changes is None else changes}


@api.post("/people/<int:person_id>/incidents")
def report_incident(person_id: int):
    actor = current_actor()
    PEOPLE.find(db.session, actor, person_id)
    body = load_body(IncidentCreateSchema())
    incident = incidents.report(db.session, engine(), actor, person_id, body)
    return incident_document(incident), 201


@api.get("/incidents")
def list_incidents():
    state = request.args.get("state")
    states = engine().registry.workflow(incidents.WORKFLOW).states
    if state is not None and state not in states:
        raise Invalid("unknown state", {"state": [f"one of {', '.join(states)}"]})
    found = incidents.visible(db.session, current_actor(), service=service_filter(),
                              state=state)
    changes = incident_changes.plan_changes_many(db.session, found, engine().today)
    return {"incidents": [incident_document(i, changes[i.id]) for i in found]}


@api.get("/incidents/<int:incident_id>")
def get_incident(incident_id: int):
    return incident_document(incidents.get(db.session, current_actor(), incident_id))


@api.get("/restrictions")
def list_restrictions():
    actor = current_actor()
    service = service_filter()
    if service is not None and not in_services(actor, service):
        return {"restrictions": []}  # another service's register is nothing to this caller
    return {"restrictions": restrictions.register_of(
        db.session, actor, engine().today(), service=service,
        window_days=engine().settings["incidents.uses_window_days"])}


def restriction_document(row) -> dict:
    today = engine().today()
    since = today - timedelta(days=engine().settings["incidents.uses_window_days"])
    uses = restrictions.uses_since(db.session, {row.plan_id}, since)
    return restrictions.entry(row, today, uses.get((row.plan_id, row.risk_id), 0))


@api.get("/restrictions/<int:restriction_id>")
def get_restriction(restriction_id: int):
    return restriction_document(restrictions.get(db.session, current_actor(), restriction_id))


add_workflow_routes(api, "incidents", "incident", "incident_id", document=incident_document,
                    request_schema=IncidentTransitionSchema)
add_workflow_routes(api, "restrictions", "restriction", "restriction_id",
                    document=restriction_document, request_schema=RestrictionTransitionSchema)
