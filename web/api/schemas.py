"""Request schemas (marshmallow). Unknown fields, wrong types and dangling ids are refused."""
from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

APPROACHES = ("prompting", "coaching", "environmental_adjustment", "communication",
              "practical_support", "accompanying")
CONSENT = ("given", "best_interests")


def nul_errors(value: Any) -> Any:
    """Where a NUL character hides in a JSON value (PostgreSQL text cannot hold one), as
    marshmallow-shaped field errors; None when there is none."""
    if isinstance(value, str):
        return ["must not contain a NUL character"] if "\x00" in value else None
    if isinstance(value, dict):
        found = {key: errors for key, item in value.items()
                 if (errors := nul_errors(item)) is not None}
        return found or None
    if isinstance(value, list):
        found = {index: errors for index, item in enumerate(value)
                 if (errors := nul_errors(item)) is not None}
        return found or None
    return None


class NoNul(Schema):
    """Refuses a NUL character in any field, as a field error, before anything else."""

    @pre_load
    def _refuse_nul(self, data, **kwargs):
        errors = nul_errors(data) if isinstance(data, dict) else None
        if errors:
            raise ValidationError(errors)
        return data


class IsoDate(fields.Date):
    """A calendar date given as YYYY-MM-DD; kept as that string in the stored content."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).isoformat()


def text(max_length: int = 4000, **kwargs) -> fields.Str:
    return fields.Str(allow_none=True, load_default=None,
                      validate=validate.Length(max=max_length), **kwargs)


def ident() -> fields.Str:
    return fields.Str(required=True, validate=validate.Regexp(
        r"^[A-Za-z0-9_.-]{1,40}$", error="must be 1–40 letters, digits, '.', '_' or '-'"))


def record_id_range() -> validate.Range:
    """Ids and version numbers as the database holds them (INTEGER columns)."""
    return validate.Range(min=0, max=2**31 - 1, error="must be a whole number from 0 to "
                                                      "2147483647")


def hours() -> fields.Float:
    return fields.Float(allow_none=True, load_default=None,
                        validate=validate.Range(min=0, max=168,
                                                error="must be between 0 and 168 hours a week"))


class StrengthSchema(Schema):
    id = ident()
    description = text()
    used_as = text()


class OutcomeSchema(Schema):
    id = ident()
    statement = text()
    target = text()
    measure = text()
    strength_ids = fields.List(fields.Str(), load_default=list)


class ActionSchema(Schema):
    id = ident()
    outcome_id = fields.Str(required=True)
    description = text()
    approach = fields.Str(allow_none=True, load_default=None, validate=validate.OneOf(APPROACHES))
    when = text(500)
    hours_per_week = hours()


class RiskSchema(Schema):
    id = ident()
    description = text()
    why_proportionate = text()
    monitoring = text()
    escalation = text()
    restrictive = fields.Bool(load_default=False)
    justification = text()
    review_date = IsoDate(allow_none=True, load_default=None)


class InvolvementSchema(Schema):
    person_views = text()
    involved_on = IsoDate(allow_none=True, load_default=None)
    advocate = text(500)
    consent = fields.Str(allow_none=True, load_default=None, validate=validate.OneOf(CONSENT))
    best_interests_record = text()


class PlanContentSchema(Schema):
    commissioned_hours_per_week = hours()
    start_date = IsoDate(allow_none=True, load_default=None)
    next_review_date = IsoDate(allow_none=True, load_default=None)
    key_worker = fields.Str(allow_none=True, load_default=None, validate=validate.Length(max=80))
    involvement = fields.Nested(InvolvementSchema,
                                load_default=lambda: InvolvementSchema().load({}))
    strengths = fields.List(fields.Nested(StrengthSchema), load_default=list)
    outcomes = fields.List(fields.Nested(OutcomeSchema), load_default=list)
    actions = fields.List(fields.Nested(ActionSchema), load_default=list)
    risks = fields.List(fields.Nested(RiskSchema), load_default=list)

    @validates_schema
    def ids_resolve(self, data, **kwargs):
        """Ids are unique within their list, and every reference points at something real."""
        errors: dict = {}
        for name in ("strengths", "outcomes", "actions", "risks"):
            counts = Counter(item["id"] for item in data.get(name, []))
            for index, item in enumerate(data.get(name, [])):
                if counts[item["id"]] > 1:
                    _add(errors, name, index, "id", f"id {item['id']!r} is used more than once")
        strengths = {item["id"] for item in data.get("strengths", [])}
        outcomes = {item["id"] for item in data.get("outcomes", [])}
        for index, outcome in enumerate(data.get("outcomes", [])):
            for ref in outcome.get("strength_ids", []):
                if ref not in strengths:
                    _add(errors, "outcomes", index, "strength_ids",
                         f"no strength {ref!r} in this plan")
        for index, action in enumerate(data.get("actions", [])):
            if action["outcome_id"] not in outcomes:
                _add(errors, "actions", index, "outcome_id",
                     f"no outcome {action['outcome_id']!r} in this plan")
        if errors:
            raise ValidationError(errors)


class PlanUpdateSchema(PlanContentSchema):
    version = fields.Int(required=True, strict=True, validate=record_id_range())


class PlanCreateSchema(PlanContentSchema):
    person_id = fields.Int(required=True, strict=True, validate=record_id_range())


def nhs_number_valid(value: str) -> bool:
    """Ten digits whose last is the modulus-11 check digit of the first nine (NHS rule)."""
    if len(value) != 10 or not value.isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value[:9], range(10, 1, -1)))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(value[9])


class PersonSchema(Schema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    service = fields.Str(required=True, validate=validate.Length(min=1, max=80))
    preferred_name = fields.Str(allow_none=True, load_default=None,
                                validate=validate.Length(max=200))
    date_of_birth = fields.Date(allow_none=True, load_default=None)
    nhs_number = fields.Str(allow_none=True, load_default=None)

    @validates_schema
    def check_person(self, data, **_kwargs):
        number = (data.get("nhs_number") or "").replace(" ", "").replace("-", "")
        if number and not nhs_number_valid(number):
            raise ValidationError(
                "an NHS number is 10 digits whose last is its check digit (modulus 11); "
                "check it against the person's NHS letter or card", "nhs_number")
        born = data.get("date_of_birth")
        if born is not None and born > date.today():
            raise ValidationError("a date of birth cannot be in the future", "date_of_birth")
        data["nhs_number"] = number or None


class TransitionRequestSchema(NoNul):
    version = fields.Int(required=True, strict=True, validate=record_id_range())
    comment = text(2000)
    reason = text(2000)
    hours_per_week = hours()  # increase_support: the interim weekly hours


class EmptySchema(Schema):
    pass


def _add(errors: dict, name: str, index: int, field: str, message: str) -> None:
    errors.setdefault(name, {}).setdefault(index, {}).setdefault(field, []).append(message)


COMPLETION = ("independent", "with_prompts", "with_support", "not_done")
RATINGS = ("achieved", "progressing", "no_change", "deteriorated")
DECISIONS = ("continue", "reduce_support", "revise")


def not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("must not be blank")


def required_text(max_length: int = 4000) -> fields.Str:
    return fields.Str(required=True, validate=[validate.Length(max=max_length), not_blank])


class DailyRecordSchema(Schema):
    outcome_id = fields.Str(required=True, validate=validate.Length(min=1, max=40))
    date = fields.Date(required=True)
    observed_strength = required_text()
    support_provided = required_text()
    independence_opportunity = required_text()
    next_step = required_text()
    prompts = fields.Int(required=True, strict=True,
                         validate=validate.Range(min=0, max=1000, error="must be 0 to 1000"))
    completion = fields.Str(required=True, validate=validate.OneOf(COMPLETION))
    note = text()


class Answer(fields.Field):
    """Yes, or a few words saying how (e.g. how the person took part): a bool or text."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str) and len(value) <= 2000:
            return value
        raise ValidationError("must be true/false or a short text")


class OutcomeRatingSchema(Schema):
    outcome_id = fields.Str(required=True)
    rating = fields.Str(required=True, validate=validate.OneOf(RATINGS))
    evidence = text()


class ProposedActionSchema(Schema):
    id = fields.Str(required=True)
    hours_per_week = fields.Float(required=True, validate=validate.Range(
        min=0, max=168, error="must be between 0 and 168 hours a week"))


class ReassessmentSchema(Schema):
    monitoring = text()
    reinstate_when = text()


INVOLVEMENT_HOW = ("in_person", "easy_read", "communication_aid", "advocate", "family",
                   "observation", "declined")
AGREEMENT = ("agrees", "does_not_agree", "lacks_capacity")


class ReviewInvolvementSchema(Schema):
    """How the person took part in their review (SPEC §10.2)."""

    took_part = fields.Bool(allow_none=True, load_default=None)
    how = fields.Str(allow_none=True, load_default=None, validate=validate.OneOf(INVOLVEMENT_HOW))
    views = text()                       # in the person's own words
    sought_otherwise = text()            # when they declined: how their views were sought
    advocate_present = fields.Bool(load_default=False)
    family_present = fields.Bool(load_default=False)


class AgreementSchema(Schema):
    decision = fields.Str(allow_none=True, load_default=None, validate=validate.OneOf(AGREEMENT))
    best_interests_record = text()


class ReviewSchema(Schema):
    improved = text()
    less_support = text()
    new_strengths = text()
    reduce_safely = text()
    matters_most = text()
    person_involved = Answer(load_default=None, allow_none=True)  # old free text: kept, not enough
    involvement = fields.Nested(ReviewInvolvementSchema, allow_none=True, load_default=None)
    outcome_ratings = fields.List(fields.Nested(OutcomeRatingSchema), load_default=list)
    risks_reviewed = fields.List(fields.Str(), load_default=list)
    decision = fields.Str(allow_none=True, load_default=None, validate=validate.OneOf(DECISIONS))
    next_review_date = IsoDate(allow_none=True, load_default=None)
    proposed_hours_per_week = hours()
    proposed_actions = fields.List(fields.Nested(ProposedActionSchema), load_default=list)
    reduced_outcome_ids = fields.List(fields.Str(), load_default=list)
    reassessment = fields.Nested(ReassessmentSchema,
                                 load_default=lambda: {"monitoring": None, "reinstate_when": None})
    person_agrees = Answer(load_default=None, allow_none=True)  # old answer: kept, not enough
    agreement = fields.Nested(AgreementSchema, allow_none=True, load_default=None)

    @validates_schema
    def one_rating_per_outcome(self, data, **kwargs):
        errors: dict = {}
        counts = Counter(item["outcome_id"] for item in data.get("outcome_ratings", []))
        for index, item in enumerate(data.get("outcome_ratings", [])):
            if counts[item["outcome_id"]] > 1:
                _add(errors, "outcome_ratings", index, "outcome_id",
                     f"outcome {item['outcome_id']!r} is rated more than once")
        if errors:
            raise ValidationError(errors)


class OutcomeLinkSchema(Schema):
    plan_id = fields.Int(required=True, strict=True, validate=record_id_range())
    outcome_id = fields.Str(required=True, validate=validate.Length(min=1, max=40))


class SupervisionPromptsSchema(Schema):
    strengths_identified = required_text()
    deficit_drift = required_text()
    risk_balance = required_text()
    support_reduction = required_text()
    outcomes_changed = required_text()
    learning_to_share = required_text()


class SupervisionRecordSchema(Schema):
    observed_strength = required_text()
    support_provided = required_text()
    independence_opportunity = required_text()
    outcome_link = fields.Nested(OutcomeLinkSchema, required=True)
    next_step = required_text()
    prompts = fields.Nested(SupervisionPromptsSchema, required=True)


class ReflectionsSchema(Schema):
    reflections = required_text()


class SupervisionCreateSchema(Schema):
    supervisee = fields.Str(required=True, validate=validate.Length(min=1, max=80))
    service = fields.Str(required=True, validate=validate.Length(min=1, max=80))
    scheduled_for = fields.Date(required=True)


class CompetencyCreateSchema(Schema):
    worker = fields.Str(required=True, validate=validate.Length(min=1, max=80))
    service = fields.Str(required=True, validate=validate.Length(min=1, max=80))


class TrainingSchema(Schema):
    completed_on = IsoDate(required=True)
    learning_outcomes = required_text()
    case_study = required_text()


class AssessmentSchema(Schema):
    competency_check = required_text()
    follow_up_supervision_on = IsoDate(required=True)


class ObservationSchema(Schema):
    observed_on = fields.Date(required=True)
    setting = required_text(500)
    observed = required_text()
    how_applied = required_text()


# --- feedback and complaints (SPEC §10.4) ----------------------------------------------------

FEEDBACK_SOURCES = ("person", "family", "advocate", "professional")
FEEDBACK_KINDS = ("compliment", "concern", "complaint", "suggestion")
COMPLAINT_FINDINGS = ("upheld", "partly_upheld", "not_upheld")


class FeedbackSchema(NoNul):
    received_on = fields.Date(required=True)
    source = fields.Str(required=True, validate=validate.OneOf(FEEDBACK_SOURCES))
    kind = fields.Str(required=True, validate=validate.OneOf(FEEDBACK_KINDS))
    text = required_text()
    from_whom = fields.Str(allow_none=True, load_default=None,
                           validate=validate.Length(max=200))


class ComplaintTransitionSchema(TransitionRequestSchema):
    """A complaint's step: acknowledge {acknowledgement}, respond {response, finding}, close
    {what_changed}. The rules judge whether each says enough; the schema only its shape."""

    acknowledgement = text(4000)
    response = text(4000)
    finding = fields.Str(allow_none=True, load_default=None,
                         validate=validate.OneOf(COMPLAINT_FINDINGS))
    what_changed = text(4000)
