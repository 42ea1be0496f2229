"""What the API answers, as marshmallow schemas: the OpenAPI document is generated from these,
and the test suite holds every real answer to them (schemathesis' response conformance).

Request bodies are described by the schemas in schemas.py that load them; documents carry the
content fields of those schemas plus what the server adds.
"""
from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields

from .schemas import (
    DailyRecordSchema,
    PlanContentSchema,
    ReviewSchema,
)


class Open(Schema):
    """A document that may carry more than these fields (clients must ignore what they do not
    know: the contract lets us add fields, never drop them)."""

    class Meta:
        unknown = INCLUDE


def when(**kwargs) -> fields.Str:
    return fields.Str(allow_none=True, metadata={"format": "date-time"}, **kwargs)


def day(**kwargs) -> fields.Str:
    return fields.Str(allow_none=True, metadata={"format": "date"}, **kwargs)


class ErrorSchema(Schema):
    error = fields.Str(required=True, metadata={"enum": [
        "unauthorized", "not_found", "forbidden", "invalid", "conflict", "blocked",
        "too_large", "method_not_allowed", "too_many_requests", "internal"]})
    message = fields.Str(required=True)
    details = fields.Raw(allow_none=True)


class MeSchema(Open):
    username = fields.Str(required=True)
    role = fields.Str(required=True)
    services = fields.List(fields.Str(), required=True)


class PersonDocumentSchema(Open):
    id = fields.Int(required=True)
    name = fields.Str(required=True)
    service = fields.Str(required=True)
    created_at = when()


class PeopleSchema(Schema):
    people = fields.List(fields.Nested(PersonDocumentSchema), required=True)


class PlanDocumentSchema(PlanContentSchema, Open):
    id = fields.Int(required=True)
    person_id = fields.Int(required=True)
    person_name = fields.Str()
    service = fields.Str(required=True)
    workflow = fields.Str()
    state = fields.Str(required=True)
    version = fields.Int(required=True)
    author = fields.Str()
    approved_version = fields.Int(allow_none=True)
    is_draft = fields.Bool()
    draft_number = fields.Int()
    editors = fields.List(fields.Str())
    review_due_on = day()
    created_at = when()
    updated_at = when()
    language_flags = fields.List(fields.Dict())


class PlansSchema(Schema):
    plans = fields.List(fields.Nested(PlanDocumentSchema), required=True)


class VersionSchema(PlanContentSchema, Open):
    number = fields.Int(required=True)
    basis = fields.Str(required=True)
    approved_at = when()
    approved_by = fields.Str(allow_none=True)
    editors = fields.List(fields.Str())


class VersionsSchema(Schema):
    versions = fields.List(fields.Nested(VersionSchema), required=True)


class ChangeSchema(Schema):
    section = fields.Str(required=True)
    item = fields.Str(allow_none=True, required=True)
    field = fields.Str(allow_none=True, required=True)
    before = fields.Raw(allow_none=True, required=True)
    after = fields.Raw(allow_none=True, required=True)


class VersionChangesSchema(Open):
    plan_id = fields.Int(required=True)
    version = fields.Int(required=True)
    against = fields.Int(required=True)
    changes = fields.List(fields.Nested(ChangeSchema), required=True)


class CheckSchema(Open):
    rule = fields.Str(required=True)
    text = fields.Str(required=True)
    passed = fields.Bool(required=True)
    detail = fields.Str(allow_none=True)


class OptionSchema(Open):
    name = fields.Str(required=True)
    title = fields.Str()
    to = fields.Str(required=True)
    allowed = fields.Bool(required=True)
    checks = fields.List(fields.Nested(CheckSchema), required=True)


class TransitionsSchema(Open):
    state = fields.Str()
    version = fields.Int()
    transitions = fields.List(fields.Nested(OptionSchema), required=True)


class EventSchema(Open):
    """An audit event exactly as hashed, with its hash."""

    seq = fields.Int(required=True)
    at = when(required=True)
    actor = fields.Str(required=True)
    actor_role = fields.Str()
    action = fields.Str()
    transition = fields.Str(allow_none=True)
    from_ = fields.Str(allow_none=True, data_key="from")
    to = fields.Str(allow_none=True)
    outcome = fields.Str(required=True, metadata={
        "enum": ["advanced", "blocked", "denied", "recorded"]})
    checks = fields.List(fields.Nested(CheckSchema))
    changes = fields.List(fields.Str())
    comment = fields.Str(allow_none=True)
    reason = fields.Str(allow_none=True)
    rule_pack = fields.Str()
    hash = fields.Str(required=True)
    prev_hash = fields.Str(required=True)


class EventsSchema(Schema):
    events = fields.List(fields.Nested(EventSchema), required=True)


# Further kinds' documents, added by the modules that describe them (learning_responses).
FIRED_DOCUMENTS: dict[str, type[Schema]] = {}


def fired(kind: str) -> type[Schema]:
    """`{<kind>: document, event}`: what firing a transition answers."""
    document = {"plan": PlanDocumentSchema, "supervision": SupervisionSchema,
                "competency": CompetencySchema, "feedback": FeedbackDocumentSchema,
                **FIRED_DOCUMENTS}[kind]
    return Schema.from_dict({kind: fields.Nested(document, required=True),
                             "event": fields.Nested(EventSchema, required=True)},
                            name=f"{kind.capitalize()}Fired")


class RecordSchema(DailyRecordSchema, Open):
    id = fields.Int(required=True)
    plan_id = fields.Int(required=True)
    version = fields.Int()
    date = day(required=True)
    language_flags = fields.List(fields.Dict())
    vocabulary = fields.Str()
    author = fields.Str()
    created_at = when()
    incident_suggested = fields.Dict(allow_none=True)  # {kind, reason, person_id, plan_id, …}


class RecordsSchema(Schema):
    records = fields.List(fields.Nested(RecordSchema), required=True)


class ReviewDocumentSchema(ReviewSchema, Open):
    id = fields.Int(required=True)
    plan_id = fields.Int(required=True)
    cycle = fields.Int()
    trigger = fields.Str(allow_none=True)
    opened_at = when()
    closed_at = when()
    closed_by = fields.Str(allow_none=True)
    evidence_since = day()
    author = fields.Str()
    written_at = when()
    updated_at = when()
    next_review_date = day()
    language_flags = fields.List(fields.Dict())


class ReviewsSchema(Schema):
    reviews = fields.List(fields.Nested(ReviewDocumentSchema), required=True)


class AcknowledgementSchema(Open):
    plan_id = fields.Int()
    version = fields.Int(required=True)
    user = fields.Str(required=True)
    at = when(required=True)


class AcknowledgementsSchema(Schema):
    acknowledgements = fields.List(fields.Nested(AcknowledgementSchema), required=True)


class TaskSchema(Open):
    id = fields.Int(required=True)
    kind = fields.Str(required=True)
    workflow = fields.Str(required=True)
    subject_type = fields.Str()
    subject_id = fields.Int(required=True)
    title = fields.Str(required=True)
    assignee = fields.Str(allow_none=True, required=True)
    role = fields.Str(allow_none=True, required=True)
    service = fields.Str(required=True)
    due = day(required=True)
    status = fields.Str(required=True, metadata={
        "enum": ["open", "claimed", "done", "cancelled"]})


class TasksSchema(Schema):
    tasks = fields.List(fields.Nested(TaskSchema), required=True)


class SupervisionSchema(Open):
    id = fields.Int(required=True)
    workflow = fields.Str()
    state = fields.Str(required=True)
    version = fields.Int(required=True)
    supervisee = fields.Str(required=True)
    supervisor = fields.Str(allow_none=True)
    service = fields.Str(required=True)
    scheduled_for = day()
    record = fields.Dict(allow_none=True)
    reflections = fields.Dict(allow_none=True)  # {text, by, at}
    language_flags = fields.List(fields.Dict())


class SupervisionsSchema(Schema):
    supervisions = fields.List(fields.Nested(SupervisionSchema), required=True)


class CompetencySchema(Open):
    id = fields.Int(required=True)
    workflow = fields.Str()
    state = fields.Str(required=True)
    version = fields.Int(required=True)
    worker = fields.Str(required=True)
    service = fields.Str(required=True)
    training = fields.Dict(allow_none=True)
    assessment = fields.Dict(allow_none=True)
    observations = fields.List(fields.Dict())


class CompetenciesSchema(Schema):
    competencies = fields.List(fields.Nested(CompetencySchema), required=True)


class ObservationDocumentSchema(Open):
    id = fields.Int(required=True)
    assessor = fields.Str(required=True)
    observed_on = day(required=True)


class AccessLogSchema(Schema):
    person_id = fields.Int(required=True)
    entries = fields.List(fields.Dict(), required=True)


class GovernanceSchema(Open):
    service = fields.Dict(required=True)
    as_of = day(required=True)
    plans_by_state = fields.Dict(required=True)
    review_timeliness = fields.Dict(required=True)
    overdue_reviews = fields.Dict(required=True)
    tasks = fields.Dict(required=True)
    blocking_rules = fields.Dict(required=True)
    recording_quality = fields.Dict(required=True)
    outcome_progress = fields.Dict(required=True)
    staff_practice = fields.Dict(required=True)
    incidents = fields.Dict(required=True)      # SPEC §10.4
    restrictions = fields.Dict(required=True)
    feedback = fields.Dict(required=True)


class FeedbackStepSchema(Open):
    text = fields.Str(required=True)
    by = fields.Str(required=True)
    on = day(required=True)
    finding = fields.Str(allow_none=True)


class FeedbackDocumentSchema(Open):
    """Feedback as recorded; a complaint also carries its workflow state and version."""

    id = fields.Int(required=True)
    person_id = fields.Int(required=True)
    person = fields.Str()
    service = fields.Str(required=True)
    received_on = day(required=True)
    source = fields.Str(required=True, metadata={
        "enum": ["person", "family", "advocate", "professional"]})
    kind = fields.Str(required=True, metadata={
        "enum": ["compliment", "concern", "complaint", "suggestion"]})
    text = fields.Str(required=True)
    from_whom = fields.Str(allow_none=True)
    workflow = fields.Str()
    recorded_by = fields.Str()
    created_at = when()
    updated_at = when()
    state = fields.Str()
    version = fields.Int()
    acknowledge_by = day()
    respond_by = day()
    acknowledgement = fields.Nested(FeedbackStepSchema, allow_none=True)
    response = fields.Nested(FeedbackStepSchema, allow_none=True)
    closure = fields.Nested(FeedbackStepSchema, allow_none=True)
    acknowledged_on = day()
    responded_on = day()
    closed_on = day()
    overdue = fields.List(fields.Str(metadata={"enum": ["acknowledgement", "response"]}))


class FeedbackListSchema(Schema):
    feedback = fields.List(fields.Nested(FeedbackDocumentSchema), required=True)
