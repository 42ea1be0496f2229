"""GET /api/v1/openapi.json: the OpenAPI 3 document, built from the request schemas."""
from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app
from marshmallow import Schema

from . import api, learning_responses, responses
from .learning_schemas import (
    IncidentCreateSchema,
    IncidentTransitionSchema,
    RestrictionTransitionSchema,
)
from .schemas import (
    AssessmentSchema,
    CompetencyCreateSchema,
    ComplaintTransitionSchema,
    DailyRecordSchema,
    FeedbackSchema,
    ObservationSchema,
    PersonSchema,
    PlanContentSchema,
    PlanCreateSchema,
    PlanUpdateSchema,
    ReflectionsSchema,
    ReviewSchema,
    SupervisionCreateSchema,
    SupervisionRecordSchema,
    TrainingSchema,
    TransitionRequestSchema,
)

ERROR = {"$ref": "#/components/schemas/Error"}

# (path, method) → the schema of the success answer (web/api/responses.py).
ANSWERS: dict[tuple[str, str], type[Schema]] = {
    ("/me", "get"): responses.MeSchema,
    ("/people", "get"): responses.PeopleSchema, ("/people", "post"): responses.PersonDocumentSchema,
    ("/people/{id}", "get"): responses.PersonDocumentSchema,
    ("/people/{id}/access-log", "get"): responses.AccessLogSchema,
    ("/plans", "get"): responses.PlansSchema, ("/plans", "post"): responses.PlanDocumentSchema,
    ("/plans/{id}", "get"): responses.PlanDocumentSchema,
    ("/plans/{id}", "put"): responses.PlanDocumentSchema,
    ("/plans/{id}/versions", "get"): responses.VersionsSchema,
    ("/plans/{id}/versions/{number}", "get"): responses.VersionSchema,
    ("/plans/{id}/versions/{number}/changes", "get"): responses.VersionChangesSchema,
    ("/plans/{id}/transitions", "get"): responses.TransitionsSchema,
    ("/plans/{id}/transitions/{name}", "post"): responses.fired("plan"),
    ("/plans/{id}/audit", "get"): responses.EventsSchema,
    ("/plans/{id}/records", "get"): responses.RecordsSchema,
    ("/plans/{id}/records", "post"): responses.RecordSchema,
    ("/plans/{id}/reviews", "get"): responses.ReviewsSchema,
    ("/plans/{id}/reviews", "post"): responses.ReviewDocumentSchema,
    ("/plans/{id}/acknowledgements", "get"): responses.AcknowledgementsSchema,
    ("/plans/{id}/acknowledgements", "post"): responses.AcknowledgementSchema,
    ("/tasks", "get"): responses.TasksSchema,
    ("/tasks/{id}/claim", "post"): responses.TaskSchema,
    ("/tasks/{id}/release", "post"): responses.TaskSchema,
    ("/supervisions", "get"): responses.SupervisionsSchema,
    ("/supervisions", "post"): responses.SupervisionSchema,
    ("/supervisions/{id}", "get"): responses.SupervisionSchema,
    ("/supervisions/{id}/record", "put"): responses.SupervisionSchema,
    ("/supervisions/{id}/reflections", "put"): responses.SupervisionSchema,
    ("/supervisions/{id}/transitions", "get"): responses.TransitionsSchema,
    ("/supervisions/{id}/transitions/{name}", "post"): responses.fired("supervision"),
    ("/supervisions/{id}/audit", "get"): responses.EventsSchema,
    ("/competencies", "get"): responses.CompetenciesSchema,
    ("/competencies", "post"): responses.CompetencySchema,
    ("/competencies/{id}", "get"): responses.CompetencySchema,
    ("/competencies/{id}/training", "put"): responses.CompetencySchema,
    ("/competencies/{id}/assessment", "put"): responses.CompetencySchema,
    ("/competencies/{id}/observations", "post"): responses.ObservationDocumentSchema,
    ("/competencies/{id}/transitions", "get"): responses.TransitionsSchema,
    ("/competencies/{id}/transitions/{name}", "post"): responses.fired("competency"),
    ("/competencies/{id}/audit", "get"): responses.EventsSchema,
    ("/reports/governance", "get"): responses.GovernanceSchema,
    # The learning loop (SPEC §10.4).
    ("/people/{id}/incidents", "post"): learning_responses.IncidentSchema,
    ("/incidents", "get"): learning_responses.IncidentsSchema,
    ("/incidents/{id}", "get"): learning_responses.IncidentSchema,
    ("/incidents/{id}/transitions", "get"): responses.TransitionsSchema,
    ("/incidents/{id}/transitions/{name}", "post"): learning_responses.IncidentFired,
    ("/incidents/{id}/audit", "get"): responses.EventsSchema,
    ("/restrictions", "get"): learning_responses.RestrictionsSchema,
    ("/restrictions/{id}", "get"): learning_responses.RestrictionEntrySchema,
    ("/restrictions/{id}/transitions", "get"): responses.TransitionsSchema,
    ("/restrictions/{id}/transitions/{name}", "post"): learning_responses.RestrictionFired,
    ("/restrictions/{id}/audit", "get"): responses.EventsSchema,
    ("/people/{id}/feedback", "get"): responses.FeedbackListSchema,
    ("/people/{id}/feedback", "post"): responses.FeedbackDocumentSchema,
    ("/feedback", "get"): responses.FeedbackListSchema,
    ("/feedback/{id}", "get"): responses.FeedbackDocumentSchema,
    ("/feedback/{id}/transitions", "get"): responses.TransitionsSchema,
    ("/feedback/{id}/transitions/{name}", "post"): responses.fired("feedback"),
    ("/feedback/{id}/audit", "get"): responses.EventsSchema,
}


def _query(name: str, description: str, kind: str = "string", required: bool = False,
           **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": {"type": kind, **schema}}


AUDIT_FILTERS = [
    _query("action", "transition, or a change: draft_saved, acknowledged, record_added, …",
           maxLength=40),
    _query("outcome", "advanced, blocked, denied or recorded",
           enum=["advanced", "blocked", "denied", "recorded"]),
    _query("transition", "a transition's name"), _query("actor", "a username")]
# (path, method) → the query parameters it reads.
QUERIES: dict[tuple[str, str], list[dict[str, Any]]] = {
    ("/plans", "get"): [_query("state", "only plans in this state"),
                        _query("person_id", "only this person's plans", "integer")],
    ("/plans/{id}/records", "get"): [_query("outcome_id", "only this outcome's records")],
    ("/plans/{id}/versions/{number}/changes", "get"): [
        _query("against", "the version to compare with (default the one before)",
               "integer", minimum=1)],
    ("/tasks", "get"): [
        _query("status", "one status", enum=["open", "claimed", "done", "cancelled"]),
        _query("scope", "mine, or the service's unclaimed pool", enum=["mine", "service"]),
        _query("limit", "at most this many tasks", "integer", minimum=1, maximum=1000)],
    ("/reports/governance", "get"): [_query("service", "the service's name", required=True,
                                             minLength=1)],
    ("/feedback", "get"): [
        _query("service", "only this service's feedback", maxLength=80),
        _query("kind", "only this kind",
               enum=["compliment", "concern", "complaint", "suggestion"]),
        _query("state", "only complaints in this state",
               enum=["received", "acknowledged", "responded", "closed"])],
    **{(f"/{kind}/{{id}}/audit", "get"): AUDIT_FILTERS
       for kind in ("plans", "supervisions", "competencies", "incidents", "restrictions",
                    "feedback")},
    ("/incidents", "get"): [_query("service", "only this service's incidents", minLength=1,
                                   maxLength=80),
                            _query("state", "only incidents in this state",
                                   enum=["reported", "reviewed", "closed"])],
    ("/restrictions", "get"): [_query("service", "only this service's register", minLength=1,
                                      maxLength=80)],
}

# path → method → (summary, request schema or None, {status: description})
ENDPOINTS = {
    "/me": {"get": ("The signed-in user", None, {200: "username, role, services"})},
    "/people": {
        "get": ("People in your services", None, {200: "{people: [...]}"}),
        "post": ("Add a person", "Person", {201: "the person", 422: "invalid"}),
    },
    "/people/{id}": {"get": ("One person", None, {200: "the person", 404: "not found"})},
    "/plans": {
        "get": ("Plans in your services (?state=, ?person_id=)", None, {200: "{plans: [...]}"}),
        "post": ("Start a plan in draft", "PlanCreate", {201: "plan document", 404: "no person",
                                                        422: "invalid"}),
    },
    "/plans/{id}": {
        "get": ("The plan: working draft if any, else the version in force", None,
                {200: "plan document", 404: "not found"}),
        "put": ("Replace the draft's content", "PlanUpdate",
                {200: "plan document", 409: "stale version", 422: "not in draft, or invalid"}),
    },
    "/plans/{id}/versions": {"get": ("Approved versions, newest first", None,
                                     {200: "{versions: [...]}"})},
    "/plans/{id}/versions/{number}": {"get": ("One approved version", None,
                                              {200: "version", 404: "not found"})},
    "/plans/{id}/versions/{number}/changes": {"get": (
        "What changed in version {number} since version ?against= (default the one before)",
        None, {200: "{changes: [{section, item, field, before, after}]}",
               404: "no such plan or version", 422: "against is not a version number"})},
    "/plans/{id}/transitions": {"get": (
        "Transitions your role may fire now, each with its rule checklist", None,
        {200: "{transitions: [{name, to, allowed, checks}]}"})},
    "/plans/{id}/transitions/{name}": {"post": (
        "Fire a transition", "TransitionRequest",
        {200: "{plan, event}", 403: "your role may not", 404: "unknown plan or transition",
         409: "stale version", 422: "blocked (details: failing rules) or invalid"})},
    "/plans/{id}/audit": {"get": ("Every attempt on this plan, and every change to it "
                                  "(?action=, ?outcome=, ?transition=, ?actor=)",
                                  None, {200: "{events: [...]}"})},
    "/plans/{id}/records": {
        "get": ("Daily records, newest first (?outcome_id=)", None, {200: "{records: [...]}"}),
        "post": ("Write a daily record against an outcome of the version in force",
                 "DailyRecord", {201: "the record with its language_flags", 422: "invalid"}),
    },
    "/plans/{id}/reviews": {
        "get": ("Review records, one per review cycle, newest first", None,
                {200: "{reviews: [...]}"}),
        "post": ("Write (or replace) the review record of the current cycle", "Review",
                 {201: "the review", 422: "no review due, or invalid"}),
    },
    "/tasks": {"get": ("Your inbox: your tasks and your services' unclaimed ones, overdue first "
                       "(?status=open|claimed|done|cancelled, ?scope=mine|service, ?limit=)",
                       None, {200: "{tasks: [...]}"})},
    "/tasks/{id}/claim": {"post": ("Claim an unassigned task", None,
                                   {200: "the task", 404: "not found", 409: "already taken"})},
    "/tasks/{id}/release": {"post": ("Hand a task you hold back to the pool", None,
                                     {200: "the task", 409: "not yours"})},
    "/people/{id}/access-log": {"get": (
        "Who read this person's records, newest first (auditors and admins)", None,
        {200: "{person_id, entries: [...]}", 403: "not an auditor", 404: "not found"})},
    "/supervisions": {
        "get": ("Supervisions you may see (staff: their own)", None, {200: "{supervisions: []}"}),
        "post": ("Schedule a supervision (managers)", "SupervisionCreate",
                 {201: "the supervision", 422: "invalid"}),
    },
    "/supervisions/{id}": {"get": ("One supervision", None, {200: "supervision", 404: "no"})},
    "/supervisions/{id}/record": {"put": ("Write the supervision record", "SupervisionRecord",
                                          {200: "supervision", 403: "the supervisee",
                                           422: "missing fields"})},
    "/supervisions/{id}/reflections": {"put": (
        "The supervisee's own reflections (the supervisee only)", "Reflections",
        {200: "supervision", 403: "not the supervisee", 422: "missing"})},
    "/supervisions/{id}/transitions": {"get": ("Transitions you may fire, with checklists",
                                               None, {200: "{transitions: [...]}"})},
    "/supervisions/{id}/transitions/{name}": {"post": (
        "Fire a supervision transition", "TransitionRequest",
        {200: "{supervision, event}", 403: "role", 409: "stale", 422: "blocked"})},
    "/supervisions/{id}/audit": {"get": ("The supervision's audit trail", None,
                                         {200: "{events: [...]}"})},
    "/competencies": {
        "get": ("Competencies you may see (staff: their own)", None,
                {200: "{competencies: [...]}"}),
        "post": ("Enrol a worker (managers)", "CompetencyCreate",
                 {201: "the competency", 422: "invalid"}),
    },
    "/competencies/{id}": {"get": ("One competency", None, {200: "competency", 404: "no"})},
    "/competencies/{id}/training": {"put": ("Record training", "Training",
                                            {200: "competency", 422: "missing fields"})},
    "/competencies/{id}/assessment": {"put": ("Record the assessment (managers)", "Assessment",
                                              {200: "competency", 422: "missing fields"})},
    "/competencies/{id}/observations": {"post": (
        "Record a practice observation (the caller is the assessor)", "Observation",
        {201: "observation", 422: "missing fields"})},
    "/competencies/{id}/transitions": {"get": ("Transitions you may fire, with checklists",
                                               None, {200: "{transitions: [...]}"})},
    "/competencies/{id}/transitions/{name}": {"post": (
        "Fire a competency transition", "TransitionRequest",
        {200: "{competency, event}", 403: "role", 409: "stale", 422: "blocked"})},
    "/competencies/{id}/audit": {"get": ("The competency's audit trail", None,
                                         {200: "{events: [...]}"})},
    "/reports/governance": {"get": (
        "Governance figures for one service (?service=S)", None,
        {200: "the report", 404: "service outside your scope", 422: "no service"})},
    "/people/{id}/incidents": {"post": (
        "Report an incident about a person (staff and managers of their service)",
        "IncidentCreate", {201: "the incident", 422: "invalid"})},
    "/incidents": {"get": ("Incidents in your services, newest first (?service=, ?state=)",
                           None, {200: "{incidents: [...]}"})},
    "/incidents/{id}": {"get": ("One incident", None, {200: "incident", 404: "not found"})},
    "/incidents/{id}/transitions": {"get": ("Transitions you may fire, with checklists",
                                            None, {200: "{transitions: [...]}"})},
    "/incidents/{id}/transitions/{name}": {"post": (
        "Review or close an incident (managers)", "IncidentTransition",
        {200: "{incident, event}", 403: "role", 409: "stale", 422: "blocked"})},
    "/incidents/{id}/audit": {"get": ("The incident's audit trail", None,
                                      {200: "{events: [...]}"})},
    "/restrictions": {"get": ("The restrictive-practice register (?service=)", None,
                              {200: "{restrictions: [...]}"})},
    "/restrictions/{id}": {"get": ("One restriction in the register", None,
                                   {200: "restriction", 404: "not found"})},
    "/restrictions/{id}/transitions": {"get": ("Transitions you may fire, with checklists",
                                               None, {200: "{transitions: [...]}"})},
    "/restrictions/{id}/transitions/{name}": {"post": (
        "Open a restriction's review, mark it reviewed (keep or reduce) or remove it",
        "RestrictionTransition",
        {200: "{restriction, event}", 403: "role", 409: "stale", 422: "blocked"})},
    "/restrictions/{id}/audit": {"get": ("The restriction's audit trail", None,
                                         {200: "{events: [...]}"})},
    "/people/{id}/feedback": {
        "get": ("Feedback about this person, newest first", None, {200: "{feedback: [...]}"}),
        "post": ("Record feedback from the person, family, an advocate or a professional "
                 "(a complaint starts the complaint workflow)", "Feedback",
                 {201: "the feedback", 404: "no such person", 422: "invalid"}),
    },
    "/feedback": {"get": ("Feedback in your services, newest first (?service=, ?kind=, "
                          "?state=)", None, {200: "{feedback: [...]}"})},
    "/feedback/{id}": {"get": ("One piece of feedback", None,
                               {200: "feedback", 404: "not found"})},
    "/feedback/{id}/transitions": {"get": ("A complaint's next steps you may take, with "
                                           "checklists", None, {200: "{transitions: [...]}"})},
    "/feedback/{id}/transitions/{name}": {"post": (
        "Take a complaint's step: acknowledge {acknowledgement}, respond {response, finding}, "
        "close {what_changed}", "ComplaintTransitionRequest",
        {200: "{feedback, event}", 403: "role", 409: "stale", 422: "blocked or invalid"})},
    "/feedback/{id}/audit": {"get": ("The feedback's audit trail", None,
                                     {200: "{events: [...]}"})},
    "/plans/{id}/acknowledgements": {
        "get": ("Who acknowledged which version", None, {200: "{acknowledgements: [...]}"}),
        "post": ("Acknowledge the version in force", None, {201: "acknowledgement",
                                                           422: "no approved version"}),
    },
}


def build_spec() -> dict:
    spec = APISpec(title="strengthwise API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "Support plans, their workflow, rules and audit trail. "
                                        "Authenticate with `Authorization: Bearer <token>`."})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name, schema in (("Person", PersonSchema), ("PlanContent", PlanContentSchema),
                         ("PlanCreate", PlanCreateSchema), ("PlanUpdate", PlanUpdateSchema),
                         ("TransitionRequest", TransitionRequestSchema),
                         ("DailyRecord", DailyRecordSchema), ("Review", ReviewSchema),
                         ("SupervisionCreate", SupervisionCreateSchema),
                         ("SupervisionRecord", SupervisionRecordSchema),
                         ("Reflections", ReflectionsSchema),
                         ("CompetencyCreate", CompetencyCreateSchema),
                         ("Training", TrainingSchema), ("Assessment", AssessmentSchema),
                         ("Observation", ObservationSchema),
                         ("IncidentCreate", IncidentCreateSchema),
                         ("IncidentTransition", IncidentTransitionSchema),
                         ("RestrictionTransition", RestrictionTransitionSchema),
                         ("Feedback", FeedbackSchema),
                         ("ComplaintTransitionRequest", ComplaintTransitionSchema)):
        spec.components.schema(name, schema=schema)
    spec.components.schema("Error", schema=responses.ErrorSchema)
    answers = {}
    for schema in dict.fromkeys(ANSWERS.values()):
        name = schema.__name__.removesuffix("Schema")
        if name not in spec.components.schemas:  # a nested schema is registered on first use
            spec.components.schema(name, schema=schema)
        answers[schema] = {"$ref": f"#/components/schemas/{name}"}
    for path, methods in ENDPOINTS.items():
        operations = {}
        for method, (summary, body, statuses) in methods.items():
            success = answers[ANSWERS[(path, method)]]
            statuses = dict(statuses)
            if body or QUERIES.get((path, method)) or "{" in path:
                statuses.setdefault(422, "invalid input: details name each field")
            if method in ("post", "put"):
                statuses.setdefault(403, "your role may not do this")
            operation = {"summary": summary, "security": [{"bearer": []}], "responses": {
                str(status): {"description": text, "content": {"application/json": {
                    "schema": ERROR if status >= 400 else success}}}
                for status, text in {**statuses, 401: "no valid token",
                                     413: "the body is too large"}.items()}}
            params = [part[1:-1] for part in path.split("/") if part.startswith("{")]
            operation["parameters"] = list(QUERIES.get((path, method), []))
            if params:  # a record that is absent, or outside your scope, is not found
                operation["responses"].setdefault("404", {
                    "description": "not found (or outside your scope: the same answer)",
                    "content": {"application/json": {"schema": ERROR}}})
                operation["parameters"] += [
                    {"name": p, "in": "path", "required": True,
                     "schema": {"type": "string"} if p == "name" else
                     {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}} for p in params]
            if body:
                operation["requestBody"] = {"required": True, "content": {"application/json": {
                    "schema": {"$ref": f"#/components/schemas/{body}"}}}}
            operations[method] = operation
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    document["servers"] = [{"url": "/api/v1"}]
    return document


@api.get("/openapi.json")
def openapi():
    cache = current_app.extensions.setdefault("strengthwise_openapi", build_spec())
    return cache
