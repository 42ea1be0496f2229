"""Pages for the staff workflows: supervision and strengths-based practice competency."""
from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from marshmallow import ValidationError
from sqlalchemy import select

from engine.care import coaching
from engine.care import competency as competencies
from engine.care import supervision as supervisions
from engine.care.language import vocabulary_of
from engine.care.supervision import PROMPTS
from engine.core.audit import subject_events
from engine.core.errors import Invalid
from engine.core.models import AuditEvent, Service, User

from ..api.schemas import (
    AssessmentSchema,
    ObservationSchema,
    SupervisionRecordSchema,
    TrainingSchema,
)
from ..auth import page_actor
from ..extensions import db
from ..runtime import engine
from .evidence import FLAG_CATEGORIES
from .firing import fire_from_form

practice = Blueprint("practice", __name__)
MODULES = {"supervisions": supervisions, "competencies": competencies}
SUBJECT_KINDS = {"supervisions": "supervision", "competencies": "competency"}


@practice.get("/practice")
@login_required
def index():
    return _index_page()


def _index_page(problem: str | None = None):
    actor = page_actor()
    if problem:
        flash(problem, "error")
    page = render_template("pages/practice/index.html",
                           supervisions=supervisions.visible(db.session, actor),
                           competencies=competencies.visible(db.session, actor),
                           staff=_staff_of(actor), may_manage=actor.may("manage_staff_practice"),
                           today=engine().today())
    return page, 422 if problem else 200


@practice.post("/supervisions/new")
@login_required
def schedule():
    form = request.form
    try:
        supervisee, service = _staff_choice(form.get("supervisee"))
        supervision = supervisions.schedule(db.session, engine(), page_actor(), supervisee,
                                            service, _date(form.get("scheduled_for")))
    except Invalid as error:
        return _index_page(f"Could not schedule: {_explain(error)}")
    flash(f"Supervision with {supervision.supervisee.username} scheduled.", "success")
    return redirect(url_for("practice.supervision", supervision_id=supervision.id))


@practice.post("/competencies/new")
@login_required
def enrol():
    try:
        worker, service = _staff_choice(request.form.get("worker"))
        competency = competencies.enrol(db.session, engine(), page_actor(), worker, service)
    except Invalid as error:
        return _index_page(f"Could not enrol: {_explain(error)}")
    return redirect(url_for("practice.competency", competency_id=competency.id))


def _staff_choice(value: str | None) -> tuple[str, str]:
    """A "username@service" choice from the staff list, or Invalid."""
    username, at, service = (value or "").partition("@")
    if not (username and at and service):
        raise Invalid("choose a member of staff", {"staff": ["choose a member of staff"]})
    return username, service


@practice.route("/supervisions/<int:supervision_id>", methods=["GET", "POST"])
@login_required
def supervision(supervision_id: int):
    actor = page_actor()
    item = supervisions.get(db.session, actor, supervision_id)
    errors, values = {}, item.record or {}
    if request.method == "POST":
        supervisions.require_recorder(actor, item)  # before the form: a supervisee never may
        values = _supervision_form(request.form)
        try:
            supervisions.write_record(db.session, actor, supervision_id,
                                      SupervisionRecordSchema().load(values), engine().now())
        except ValidationError as error:
            errors = _flatten(error.messages)
        except Invalid as error:
            errors = _flatten(error.details)
        else:
            flash("Supervision record saved.", "success")
            return redirect(url_for("practice.supervision", supervision_id=supervision_id))
    return render_template("pages/practice/supervision.html", item=item, values=values,
                           errors=errors, prompts=PROMPTS, outcomes=_outcomes_of(item),
                           **_workflow_view(item, actor),
                           **_coach_view(item.record))


def _coach_view(record) -> dict:
    """The recording coach's advice on a supervision record, with its fields in words."""
    fields = {"observed_strength": ("the observed strength",),
              "support_provided": ("the support provided",),
              "independence_opportunity": ("the independence opportunity",),
              "next_step": ("the next step",),
              **{f"prompts.{name}": (f"what you wrote on {words}",)
                 for name, words in PROMPTS.items()}}
    return {"coach_flags": coaching.advise(vocabulary_of(engine().registry),
                                           coaching.supervision_texts(record)),
            "coach_fields": fields, "flag_categories": FLAG_CATEGORIES}


@practice.post("/supervisions/<int:supervision_id>/reflections")
@login_required
def reflections(supervision_id: int):
    """The supervisee's own reflections: theirs alone to write (the engine refuses others)."""
    actor = page_actor()
    supervisions.get(db.session, actor, supervision_id)
    text = (request.form.get("reflections") or "").strip()
    if not text:
        flash("Write your reflections before saving them.", "error")
    else:
        supervisions.write_reflections(db.session, actor, supervision_id, text, engine().now())
        flash("Your reflections are saved with the supervision.", "success")
    return redirect(url_for("practice.supervision", supervision_id=supervision_id))


@practice.route("/competencies/<int:competency_id>", methods=["GET", "POST"])
@login_required
def competency(competency_id: int):
    actor = page_actor()
    item = competencies.get(db.session, actor, competency_id)
    errors, part = {}, request.form.get("part")
    if request.method == "POST":
        schemas = {"training": TrainingSchema, "assessment": AssessmentSchema,
                   "observation": ObservationSchema}
        fields = {key: value for key, value in request.form.items()
                  if key not in ("csrf_token", "part")}
        try:
            content = schemas[part]().load(fields)
            if part == "observation":
                competencies.observe(db.session, actor, competency_id, content, engine().now())
            else:
                competencies.record_part(db.session, actor, competency_id, part, content,
                                         engine().now())
        except ValidationError as error:
            errors = {f"{part}-{key}": " ".join(value) for key, value in error.messages.items()}
        except Invalid as error:
            errors = {f"{part}-{key}": " ".join(value) for key, value in error.details.items()}
        else:
            flash(f"{part.capitalize()} recorded.", "success")
            return redirect(url_for("practice.competency", competency_id=competency_id))
    return render_template("pages/practice/competency.html", item=item, errors=errors,
                           form=request.form if errors else {},
                           observations=competencies.observations(db.session, item),
                           may_manage=actor.may("manage_staff_practice"),
                           **_workflow_view(item, actor))


@practice.post("/<any(supervisions, competencies):kind>/<int:subject_id>/transitions/<name>")
@login_required
def fire(kind: str, subject_id: int, name: str):
    endpoint = "practice.supervision" if kind == "supervisions" else "practice.competency"
    back = url_for(endpoint, **{_id_arg(kind): subject_id})
    return fire_from_form(SUBJECT_KINDS[kind], subject_id, name, back=back)


def _id_arg(kind: str) -> str:
    return "supervision_id" if kind == "supervisions" else "competency_id"


def _workflow_view(item, actor) -> dict:
    workflow = engine().workflow_of(item)
    events = [json.loads(body) for (body,) in db.session.execute(
        subject_events(type(item).subject_type, item.id, AuditEvent.body))]
    from ..diagram import state_diagram
    return {"workflow": workflow, "options": engine().options(db.session, item, actor),
            "events": events, "diagram": state_diagram(workflow, item.state)}


def _staff_of(actor) -> list[tuple[str, str]]:
    """(value "username@service", label) for the staff the actor may supervise or enrol."""
    rows = db.session.execute(select(User.username, Service.name).join(User.services)
                              .where(Service.name.in_(actor.services),
                                     User.role.in_(("staff", "manager")), User.active)
                              .order_by(Service.name, User.username))
    return [(f"{user}@{service}", f"{user} ({service})") for user, service in rows]


def _outcomes_of(item) -> list[tuple[str, str]]:
    """(value "plan:outcome", words) for each outcome of the plans in force in the supervision's
    service: the link is chosen by its words, never typed as an id."""
    from engine.care import plans
    from engine.care.models import Plan
    options = []
    for plan in db.session.scalars(select(Plan).where(Plan.service_id == item.service_id,
                                                      Plan.current_version.is_not(None))
                                   .order_by(Plan.id)):
        version = plans.current_version(db.session, plan)
        for outcome in (version.content.get("outcomes") or []) if version else []:
            options.append((f"{plan.id}:{outcome['id']}",
                            f"{plan.person.name} — {outcome.get('statement') or 'an outcome'}"))
    return options


def _supervision_form(form) -> dict:
    plan_id, outcome_id = form.get("plan_id", "").strip(), form.get("outcome_id", "")
    if ":" in form.get("outcome", ""):  # the page's one choice of plan and outcome
        plan_id, outcome_id = form["outcome"].split(":", 1)
    return {
        **{key: form.get(key, "") for key in ("observed_strength", "support_provided",
                                              "independence_opportunity", "next_step")},
        "outcome_link": {"plan_id": int(plan_id) if plan_id.isascii() and plan_id.isdigit()
                         else plan_id,
                         "outcome_id": outcome_id},
        "prompts": {key: form.get(f"prompts-{key}", "") for key in PROMPTS},
    }


def _flatten(messages: dict, prefix: str = "") -> dict[str, str]:
    flat = {}
    for key, value in messages.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}-"))
        else:
            flat[name.replace("outcome_link-", "")] = " ".join(value)
    return flat


def _date(value: str | None):
    from datetime import date
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        raise Invalid("choose a date", {"scheduled_for": ["choose a date"]}) from None


def _explain(error: Invalid) -> str:
    return "; ".join(" ".join(v) for v in (error.details or {}).values())
