"""Support plans: content, versions, transitions, audit trail and acknowledgements."""
from __future__ import annotations

from flask import request
from sqlalchemy import select

from engine.care import plans
from engine.care.models import Acknowledgement, Plan
from engine.core.errors import Invalid
from engine.core.scope import scope_of

from ..extensions import db
from ..runtime import engine, load_body
from . import api
from .auth import current_actor
from .documents import iso, plan_document, version_document
from .schemas import EmptySchema, PlanCreateSchema, PlanUpdateSchema
from .workflow_routes import add_workflow_routes


@api.post("/plans")
def create_plan():
    body = load_body(PlanCreateSchema())
    person_id = body.pop("person_id")
    plan = plans.create_plan(db.session, engine(), current_actor(), person_id, body)
    return plan_document(db.session, plan), 201


@api.get("/plans")
def list_plans():
    actor = current_actor()
    query = scope_of("plan").query(actor).order_by(Plan.id)
    if request.args.get("state"):
        query = query.where(Plan._state == request.args["state"])
    person_id = request.args.get("person_id")
    if person_id is not None:
        if not (person_id.isascii() and person_id.isdigit() and int(person_id) < 2**31):
            raise Invalid("person_id must be a person's id", {"person_id": ["a person's id"]})
        query = query.where(Plan.person_id == int(person_id))
    return {"plans": [plan_document(db.session, plan) for plan in db.session.scalars(query)]}


@api.get("/plans/<int:plan_id>")
def get_plan(plan_id: int):
    return plan_document(db.session, plans.get_plan(db.session, current_actor(), plan_id),
                         coached=True)


@api.put("/plans/<int:plan_id>")
def update_plan(plan_id: int):
    actor = current_actor()
    plans.get_plan(db.session, actor, plan_id)  # 404 before validating a body for nothing
    body = load_body(PlanUpdateSchema())
    version = body.pop("version")
    plan = plans.update_draft(db.session, actor, plan_id, body, version, engine().now())
    return plan_document(db.session, plan, coached=True)


@api.get("/plans/<int:plan_id>/versions")
def list_versions(plan_id: int):
    plan = plans.get_plan(db.session, current_actor(), plan_id)
    return {"versions": [version_document(v) for v in plans.versions(db.session, plan)]}


@api.get("/plans/<int:plan_id>/versions/<int:number>")
def get_version(plan_id: int, number: int):
    plan = plans.get_plan(db.session, current_actor(), plan_id)
    return version_document(plans.version_of(db.session, plan, number))


@api.get("/plans/<int:plan_id>/versions/<int:number>/changes")
def version_changes(plan_id: int, number: int):
    """`{changes: [{section, item, field, before, after}]}`: version n against version m
    (`?against=m`, default n - 1)."""
    plan = plans.get_plan(db.session, current_actor(), plan_id)
    against = request.args.get("against")
    if against is not None and not (against.isascii() and against.isdigit() and len(against) <= 9):
        raise Invalid("against must be a version number", {"against": ["a version number"]})
    changes = plans.compare_versions(db.session, plan, number,
                                     int(against) if against is not None else None)
    return {"plan_id": plan.id, "version": number,
            "against": int(against) if against is not None else number - 1,
            "changes": changes}


add_workflow_routes(api, "plans", "plan", "plan_id",
                    document=lambda plan: plan_document(db.session, plan))


@api.post("/plans/<int:plan_id>/acknowledgements")
def acknowledge(plan_id: int):
    actor = current_actor()
    plans.get_plan(db.session, actor, plan_id)
    if request.get_data(cache=True):
        load_body(EmptySchema())
    ack = plans.acknowledge(db.session, actor, plan_id, engine().now(), engine=engine())
    return {"plan_id": plan_id, "version": ack.version_number, "user": actor.username,
            "at": iso(ack.at)}, 201


@api.get("/plans/<int:plan_id>/acknowledgements")
def list_acknowledgements(plan_id: int):
    plan = plans.get_plan(db.session, current_actor(), plan_id)
    rows = db.session.scalars(select(Acknowledgement).where(Acknowledgement.plan_id == plan.id)
                              .order_by(Acknowledgement.at))
    return {"acknowledgements": [{"version": a.version_number, "user": a.user.username,
                                  "at": iso(a.at)} for a in rows]}
