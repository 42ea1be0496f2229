"""What every workflow subject's API shares: its transitions, firing one, its audit trail."""
from __future__ import annotations

from typing import Any, Callable

from flask import Response, request

from engine.core.access import Actor
from engine.core.audit import documents_json, subject_events
from engine.core.errors import Invalid, NotFound
from engine.core.models import AuditEvent, WorkflowSubject

from ..extensions import db
from ..runtime import engine, load_body
from .auth import current_actor
from .documents import event_document
from .schemas import TransitionRequestSchema

OUTCOMES = ("advanced", "blocked", "denied")


def transitions_document(subject: WorkflowSubject, actor: Actor) -> dict[str, Any]:
    """`{transitions: [{name, to, allowed, checks}]}` for what the actor's role may fire now."""
    options = engine().options(db.session, subject, actor)
    return {"state": subject.state, "version": subject.lock_version, "transitions": [
        {"name": option.transition.name, "title": option.transition.title,
         "to": option.transition.dest, "allowed": option.allowed,
         "checks": [verdict.as_dict() for verdict in option.verdicts]}
        for option in options]}


def fire_from_request(model: type[WorkflowSubject], subject_id: int, name: str, actor: Actor,
                      visible: Callable[[WorkflowSubject], bool],
                      document: Callable[[WorkflowSubject], dict]) -> dict[str, Any]:
    """Fire `name` with the request's {version, comment, reason}; `{<kind>: …, event: …}`.

    An attempt on a subject the actor cannot see is still audited (denied) by the engine and
    answered as if the subject did not exist.
    """
    subject = db.session.get(model, subject_id)
    if subject is None or name not in engine().workflow_of(subject).transitions:
        raise NotFound(f"no {model.subject_type} {subject_id} with a transition {name!r}")
    if not visible(subject):
        engine().fire(db.session, subject, name, actor, version=None)
    body = load_body(TransitionRequestSchema())
    fired = engine().fire(db.session, subject, name, actor, version=body["version"],
                          comment=body["comment"], reason=body["reason"])
    return {model.subject_type: document(fired.subject), "event": event_document(fired.event)}


def audit_response(subject_type: str, subject_id: int) -> Response:
    """The subject's audit events as stored (the hashed JSON), filtered by the query string."""
    outcome = request.args.get("outcome")
    if outcome and outcome not in OUTCOMES:
        raise Invalid("unknown outcome", {"outcome": [f"must be one of {', '.join(OUTCOMES)}"]})
    query = subject_events(subject_type, subject_id, AuditEvent.body, AuditEvent.hash,
                           outcome=outcome, transition=request.args.get("transition"),
                           actor=request.args.get("actor"))
    return Response(documents_json(db.session.execute(query)), mimetype="application/json")


def add_workflow_routes(blueprint, collection: str, model: type[WorkflowSubject], id_name: str,
                        load: Callable, visible: Callable[[Actor, WorkflowSubject], bool],
                        document: Callable[[WorkflowSubject], dict]) -> None:
    """GET …/{id}/transitions, POST …/{id}/transitions/{name} and GET …/{id}/audit for one
    kind of subject. `load(session, actor, id)` raises NotFound outside the actor's scope."""
    kind = model.subject_type

    def transitions(**args):
        actor = current_actor()
        return transitions_document(load(db.session, actor, args[id_name]), actor)

    def fire(name, **args):
        actor = current_actor()
        return fire_from_request(model, args[id_name], name, actor,
                                 visible=lambda subject: visible(actor, subject),
                                 document=document)

    def audit(**args):
        return audit_response(kind, load(db.session, current_actor(), args[id_name]).id)

    base = f"/{collection}/<int:{id_name}>"
    blueprint.add_url_rule(f"{base}/transitions", f"{kind}_transitions", transitions)
    blueprint.add_url_rule(f"{base}/transitions/<name>", f"fire_{kind}", fire,
                           methods=["POST"])
    blueprint.add_url_rule(f"{base}/audit", f"{kind}_audit", audit)
