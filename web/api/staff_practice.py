"""Supervisions and competencies: the staff workflows, with the same conventions as plans."""
from __future__ import annotations

from engine.care import coaching
from engine.care import competency as competencies
from engine.care import supervision as supervisions
from engine.care.language import vocabulary_of
from engine.care.models import Competency, Supervision

from ..extensions import db
from ..runtime import engine, load_body
from . import api
from .auth import current_actor
from .documents import iso
from .schemas import (
    AssessmentSchema,
    CompetencyCreateSchema,
    ObservationSchema,
    ReflectionsSchema,
    SupervisionCreateSchema,
    SupervisionRecordSchema,
    TrainingSchema,
)
from .workflow_routes import add_workflow_routes


def supervision_document(supervision: Supervision) -> dict:
    return {"id": supervision.id, "workflow": supervision.workflow,
            "state": supervision.state, "version": supervision.lock_version,
            "supervisee": supervision.supervisee.username,
            "supervisor": supervision.supervisor.username if supervision.supervisor else None,
            "service": supervision.service.name,
            "scheduled_for": supervision.scheduled_for.isoformat(),
            "period_start": supervision.period_start.isoformat(),
            "next_due_on": supervision.next_due_on.isoformat()
            if supervision.next_due_on else None,
            "record": supervision.record, "reflections": supervision.reflections,
            "language_flags": coaching.advise(vocabulary_of(engine().registry),
                                              coaching.supervision_texts(supervision.record)),
            "recorded_by": supervision.recorded_by.username if supervision.recorded_by else None,
            "recorded_at": iso(supervision.recorded_at),
            "created_at": iso(supervision.created_at), "updated_at": iso(supervision.updated_at)}


def competency_document(competency: Competency) -> dict:
    return {"id": competency.id, "workflow": competency.workflow, "state": competency.state,
            "version": competency.lock_version, "worker": competency.worker.username,
            "service": competency.service.name, "training": competency.training,
            "assessment": competency.assessment,
            "observations": [observation_document(o) for o in
                             competencies.observations(db.session, competency)],
            "competent_since": _day(competency.competent_since),
            "refresher_due_on": _day(competency.refresher_due_on),
            "created_at": iso(competency.created_at), "updated_at": iso(competency.updated_at)}


def observation_document(observation) -> dict:
    return {"id": observation.id, "assessor": observation.assessor.username,
            "observed_on": observation.observed_on.isoformat(), "setting": observation.setting,
            "observed": observation.observed, "how_applied": observation.how_applied,
            "created_at": iso(observation.created_at)}


def _day(value) -> str | None:
    return value.isoformat() if value else None


# --- supervisions ------------------------------------------------------------------------

@api.post("/supervisions")
def create_supervision():
    body = load_body(SupervisionCreateSchema())
    supervision = supervisions.schedule(db.session, engine(), current_actor(),
                                        body["supervisee"], body["service"],
                                        body["scheduled_for"])
    return supervision_document(supervision), 201


@api.get("/supervisions")
def list_supervisions():
    return {"supervisions": [supervision_document(s) for s in
                             supervisions.visible(db.session, current_actor())]}


@api.get("/supervisions/<int:supervision_id>")
def get_supervision(supervision_id: int):
    return supervision_document(supervisions.get(db.session, current_actor(), supervision_id))


@api.put("/supervisions/<int:supervision_id>/record")
def write_supervision_record(supervision_id: int):
    actor = current_actor()
    supervisions.get(db.session, actor, supervision_id)
    body = load_body(SupervisionRecordSchema())
    return supervision_document(supervisions.write_record(db.session, actor, supervision_id,
                                                          body, engine().now()))


@api.put("/supervisions/<int:supervision_id>/reflections")
def write_supervision_reflections(supervision_id: int):
    actor = current_actor()
    supervisions.get(db.session, actor, supervision_id)
    body = load_body(ReflectionsSchema())
    return supervision_document(supervisions.write_reflections(
        db.session, actor, supervision_id, body["reflections"], engine().now()))


# --- competencies ------------------------------------------------------------------------

@api.post("/competencies")
def create_competency():
    body = load_body(CompetencyCreateSchema())
    competency = competencies.enrol(db.session, engine(), current_actor(), body["worker"],
                                    body["service"])
    return competency_document(competency), 201


@api.get("/competencies")
def list_competencies():
    return {"competencies": [competency_document(c) for c in
                             competencies.visible(db.session, current_actor())]}


@api.get("/competencies/<int:competency_id>")
def get_competency(competency_id: int):
    return competency_document(competencies.get(db.session, current_actor(), competency_id))


@api.put("/competencies/<int:competency_id>/<any(training, assessment):part>")
def record_competency_part(competency_id: int, part: str):
    actor = current_actor()
    competencies.get(db.session, actor, competency_id)
    schema = TrainingSchema() if part == "training" else AssessmentSchema()
    competency = competencies.record_part(db.session, actor, competency_id, part,
                                          load_body(schema), engine().now())
    return competency_document(competency)


@api.post("/competencies/<int:competency_id>/observations")
def observe_practice(competency_id: int):
    actor = current_actor()
    competencies.get(db.session, actor, competency_id)
    observation = competencies.observe(db.session, actor, competency_id,
                                       load_body(ObservationSchema()), engine().now())
    return observation_document(observation), 201


add_workflow_routes(api, "supervisions", "supervision", "supervision_id",
                    document=supervision_document)
add_workflow_routes(api, "competencies", "competency", "competency_id",
                    document=competency_document)
