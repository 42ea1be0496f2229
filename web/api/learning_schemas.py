"""Request schemas of the learning loop (SPEC §10.4): incidents and restriction reviews."""
from __future__ import annotations

from datetime import timezone

from marshmallow import fields, validate, validates_schema

from engine.care.incidents import KINDS, SEVERITIES
from engine.care.restrictions import DECISIONS

from .schemas import NoNul, ident, not_blank, record_id_range, text


class IncidentCreateSchema(NoNul):
    # Without an offset, a time is read as UTC.
    occurred_at = fields.AwareDateTime(required=True, default_timezone=timezone.utc)
    kind = fields.Str(required=True, validate=validate.OneOf(KINDS))
    severity = fields.Str(required=True, validate=validate.OneOf(SEVERITIES))
    description = fields.Str(required=True, validate=[validate.Length(min=1, max=4000),
                                                      not_blank])
    immediate_action = text(4000)
    people_informed = fields.List(fields.Str(validate=validate.Length(min=1, max=200)),
                                  load_default=list, validate=validate.Length(max=50))
    restriction_ids = fields.List(ident(), load_default=list, validate=validate.Length(max=50))
    plan_id = fields.Int(allow_none=True, load_default=None, strict=True,
                         validate=record_id_range())


class NotificationsSchema(NoNul):
    family_informed = fields.Bool(allow_none=True, load_default=None)
    cqc_notification = fields.Bool(allow_none=True, load_default=None)
    safeguarding_referral = fields.Bool(allow_none=True, load_default=None)
    reason = text(2000)


class IncidentTransitionSchema(NoNul):
    version = fields.Int(required=True, strict=True, validate=record_id_range())
    comment = text(2000)
    reason = text(2000)
    notifications = fields.Nested(NotificationsSchema, allow_none=True, load_default=None)
    learning = text(4000)


class RestrictionTransitionSchema(NoNul):
    version = fields.Int(required=True, strict=True, validate=record_id_range())
    comment = text(2000)
    reason = text(2000)
    decision = fields.Str(allow_none=True, load_default=None, validate=validate.OneOf(DECISIONS))
    next_review_date = fields.Date(allow_none=True, load_default=None)
    reduced_to = text(2000)

    @validates_schema
    def _dates_as_text(self, data, **kwargs):
        if data.get("next_review_date") is not None:
            data["next_review_date"] = data["next_review_date"].isoformat()
