"""What every workflow subject's API shares: its transitions, firing one, its audit trail.

Scope is the engine's: each view asks the engine for the subject (NotFound, the same words,
whether it is absent or out of the caller's scope) and fires through `Engine.fire`.
"""
from __future__ import annotations

from typing import Any, Callable

from flask import Response, request

from engine.core.access import Actor
from engine.core.audit import RECORDED, documents_json, subject_events
from engine.core.errors import Invalid
from engine.core.models import AuditEvent, WorkflowSubject

from ..extensions import db
from ..runtime import engine, load_body
from .auth import current_actor
from .documents import event_document
from .schemas import TransitionRequestSchema

OUTCOMES = ("advanced", "blocked", "denied", RECORDED)


def transitions_document(subject: WorkflowSubject, actor: Actor) -> dict[str, Any]:
    """`{transitions: [{name, to, allowed, checks}]}` for what the actor's role may fire now."""
    options = engine().options(db.session, subject, actor)
    return {"state": subject.state, "version": subject.lock_version, "transitions": [
        {"name": option.transition.name, "title": option.transition.title,
         "to": option.transition.dest, "allowed": option.allowed,
         "checks": [verdict.as_dict() for verdict in option.verdicts]}
        for option in options]}


def fire_from_request(kind: str, ident: int, name: str, document: Callable[[Any], dict],
                      request_schema: Callable[[], Any] = TransitionRequestSchema
                      ) -> dict[str, Any]:
    """Fire `name` with the request's {version, comment, reason}: `{<kind>: …, event: …,
    warnings: […]}`, the warnings being the rules of severity warning that did not pass.

    The body is read only once the engine knows the caller sees the subject and may fire the
    transition, so a bad body on someone else's record still answers "not found".
    """
    fired = engine().fire(db.session, kind, ident, name, current_actor(),
                          read_inputs=lambda: load_body(request_schema()))
    return {kind: document(fired.subject), "event": event_document(fired.event),
            "warnings": [{"rule": verdict.rule, "text": verdict.text, "detail": verdict.detail}
                         for verdict in fired.warnings]}


def audit_response(subject_type: str, subject_id: int) -> Response:
    """The subject's audit events as stored (the hashed JSON), filtered by the query string."""
    outcome, action = request.args.get("outcome"), request.args.get("action")
    if outcome and outcome not in OUTCOMES:
        raise Invalid("unknown outcome", {"outcome": [f"must be one of {', '.join(OUTCOMES)}"]})
    if action and (len(action) > 40 or not action.replace("_", "").isalpha()):
        raise Invalid("unknown action", {"action": ["an action name such as transition or "
                                                    "draft_saved"]})
    query = subject_events(subject_type, subject_id, AuditEvent.body, AuditEvent.hash,
                           outcome=outcome, transition=request.args.get("transition"),
                           actor=request.args.get("actor"), action=action)
    return Response(documents_json(db.session.execute(query)), mimetype="application/json")


def add_workflow_routes(blueprint, collection: str, kind: str, id_name: str,
                        document: Callable[[Any], dict],
                        request_schema: Callable[[], Any] = TransitionRequestSchema) -> None:
    """GET …/{id}/transitions, POST …/{id}/transitions/{name} and GET …/{id}/audit for one
    kind of subject (`request_schema`: what its steps take, if more than {version, comment,
    reason})."""

    def transitions(**args):
        actor = current_actor()
        return transitions_document(engine().get(db.session, kind, args[id_name], actor), actor)

    def fire(name, **args):
        return fire_from_request(kind, args[id_name], name, document, request_schema)

    def audit(**args):
        subject = engine().get(db.session, kind, args[id_name], current_actor())
        return audit_response(kind, subject.id)

    base = f"/{collection}/<int:{id_name}>"
    blueprint.add_url_rule(f"{base}/transitions", f"{kind}_transitions", transitions)
    blueprint.add_url_rule(f"{base}/transitions/<name>", f"fire_{kind}", fire,
                           methods=["POST"])
    blueprint.add_url_rule(f"{base}/audit", f"{kind}_audit", audit)
