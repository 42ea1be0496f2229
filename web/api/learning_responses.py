"""What the learning loop's endpoints answer (SPEC §10.4), as marshmallow schemas for the
OpenAPI document and the conformance tests."""
from __future__ import annotations

from marshmallow import Schema, fields

from engine.care.incidents import KINDS, SEVERITIES

from .responses import FIRED_DOCUMENTS, Open, day, fired, when


class PlanChangeSchema(Open):
    kind = fields.Str(required=True, metadata={"enum": ["review", "version", "restriction"]})
    on = day(required=True)
    words = fields.Str(required=True)
    number = fields.Int()
    review_id = fields.Int(allow_none=True)
    restriction_id = fields.Int()


class IncidentSchema(Open):
    id = fields.Int(required=True)
    workflow = fields.Str()
    state = fields.Str(required=True)
    version = fields.Int(required=True)
    person_id = fields.Int(required=True)
    person = fields.Str()
    plan_id = fields.Int(allow_none=True, required=True)
    service = fields.Str(required=True)
    occurred_at = when(required=True)
    kind = fields.Str(required=True, metadata={"enum": list(KINDS)})
    severity = fields.Str(required=True, metadata={"enum": list(SEVERITIES)})
    description = fields.Str(required=True)
    immediate_action = fields.Str()
    people_informed = fields.List(fields.Str(), required=True)
    restriction_ids = fields.List(fields.Str(), required=True)
    restrictions = fields.List(fields.Dict())
    language_flags = fields.List(fields.Dict())
    plan_effect = fields.Dict(allow_none=True)
    notifications = fields.Dict(allow_none=True)
    review_comment = fields.Str(allow_none=True)
    learning = fields.Str(allow_none=True)
    reported_by = fields.Str()
    reported_at = when()
    reviewed_by = fields.Str(allow_none=True)
    reviewed_at = when()
    closed_by = fields.Str(allow_none=True)
    closed_at = when()
    updated_at = when()
    # The reviews, versions and restriction decisions that followed it, oldest first.
    plan_changes = fields.List(fields.Nested(PlanChangeSchema), required=True)


class IncidentsSchema(Schema):
    incidents = fields.List(fields.Nested(IncidentSchema), required=True)


class RestrictionEntrySchema(Open):
    id = fields.Int(required=True)
    plan_id = fields.Int(required=True)
    person = fields.Str(required=True)
    risk_id = fields.Str(required=True)
    description = fields.Str(required=True)
    justification = fields.Str(allow_none=True, required=True)
    review_date = day(required=True)
    overdue = fields.Bool(required=True)
    uses_90_days = fields.Int(required=True)
    state = fields.Str()
    version = fields.Int()
    decision = fields.Str(allow_none=True)
    decision_reason = fields.Str(allow_none=True)
    reviewed_at = when()
    reviewed_by = fields.Str(allow_none=True)


class RestrictionsSchema(Schema):
    restrictions = fields.List(fields.Nested(RestrictionEntrySchema), required=True)


FIRED_DOCUMENTS.update({"incident": IncidentSchema, "restriction": RestrictionEntrySchema})
IncidentFired = fired("incident")
RestrictionFired = fired("restriction")
