"""Feedback and complaints (SPEC §10.4): record feedback about a person's support, list a
service's, read one; a complaint's steps and trail through the shared workflow routes."""
from __future__ import annotations

from typing import Any

from flask import request

from engine.care import feedback as feedback_ops
from engine.care.models import Feedback
from engine.core.errors import Invalid

from ..extensions import db
from ..runtime import engine, load_body
from . import api
from .auth import current_actor
from .documents import iso
from .filters import service_filter
from .schemas import FEEDBACK_KINDS, ComplaintTransitionSchema, FeedbackSchema
from .workflow_routes import add_workflow_routes


def feedback_document(item: Feedback) -> dict[str, Any]:
    """The feedback as recorded; a complaint adds its workflow state, version, deadlines,
    each step's record and which deadlines it has missed."""
    document: dict[str, Any] = {
        "id": item.id, "person_id": item.person_id, "person": item.person.name,
        "service": item.service.name, "received_on": item.received_on.isoformat(),
        "source": item.source, "kind": item.kind, "text": item.text,
        "from_whom": item.from_whom, "from": feedback_ops.source_words(item),
        "workflow": item.workflow, "recorded_by": item.recorded_by.username,
        "created_at": iso(item.created_at), "updated_at": iso(item.updated_at)}
    if item.kind == "complaint":
        document.update({
            "state": item.state, "version": item.lock_version,
            "acknowledge_by": _day(item.acknowledge_by), "respond_by": _day(item.respond_by),
            "acknowledgement": item.acknowledgement, "response": item.response,
            "closure": item.closure, "acknowledged_on": _day(item.acknowledged_on),
            "responded_on": _day(item.responded_on), "closed_on": _day(item.closed_on),
            "overdue": feedback_ops.overdue(item, engine().today())})
    return document


def _day(value) -> str | None:
    return value.isoformat() if value else None


@api.post("/people/<int:person_id>/feedback")
def record_feedback(person_id: int):
    actor = current_actor()
    feedback_ops.PEOPLE.find(db.session, actor, person_id)  # unseen: not found, before the body
    item = feedback_ops.record(db.session, engine(), actor, person_id, load_body(FeedbackSchema()))
    return feedback_document(item), 201


@api.get("/people/<int:person_id>/feedback")
def person_feedback(person_id: int):
    actor = current_actor()
    person = feedback_ops.PEOPLE.find(db.session, actor, person_id)
    return {"feedback": [feedback_document(item) for item in
                         feedback_ops.visible(db.session, actor, person_id=person.id)]}


@api.get("/feedback")
def list_feedback():
    actor = current_actor()
    kind = request.args.get("kind") or None
    if kind is not None and kind not in FEEDBACK_KINDS:
        raise Invalid("unknown kind", {"kind": [f"must be one of {', '.join(FEEDBACK_KINDS)}"]})
    service = service_filter()
    state = request.args.get("state") or None
    if state is not None and state not in _complaint_states():
        raise Invalid("unknown state", {"state": [
            f"must be one of {', '.join(_complaint_states())}"]})
    # A service outside the caller's scope lists nothing, as one with no feedback does.
    return {"feedback": [feedback_document(item) for item in feedback_ops.visible(
        db.session, actor, service=service, kind=kind, state=state)]}


@api.get("/feedback/<int:feedback_id>")
def get_feedback(feedback_id: int):
    return feedback_document(feedback_ops.get(db.session, current_actor(), feedback_id))


def _complaint_states() -> tuple[str, ...]:
    return tuple(engine().registry.workflow(feedback_ops.COMPLAINT).states)


add_workflow_routes(api, "feedback", "feedback", "feedback_id", document=feedback_document,
                    request_schema=ComplaintTransitionSchema)
