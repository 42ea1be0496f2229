"""Daily records and reviews: the evidence a plan's reviews stand on."""
from __future__ import annotations

from flask import request

from engine.care import coaching, incident_offer, plans, records, reviews
from engine.care.language import vocabulary_of
from engine.care.models import DailyRecord, Plan, Review

from ..extensions import db
from ..runtime import engine, load_body
from . import api
from .auth import current_actor
from .documents import iso
from .schemas import DailyRecordSchema, ReviewSchema


def record_document(record: DailyRecord) -> dict:
    return {"id": record.id, "plan_id": record.plan_id, "version": record.version_number,
            "outcome_id": record.outcome_id, "date": record.date.isoformat(),
            "observed_strength": record.observed_strength,
            "support_provided": record.support_provided,
            "independence_opportunity": record.independence_opportunity,
            "next_step": record.next_step, "prompts": record.prompts,
            "completion": record.completion, "note": record.note,
            "language_flags": record.language_flags, "vocabulary": record.vocabulary,
            "author": record.author.username, "created_at": iso(record.created_at),
            "recorded_at": iso(record.created_at), "late_entry": record.late_entry,
            # An offer to report an incident the record's words suggest; never a report.
            "incident_suggested": incident_offer.offer_for(db.session, engine().settings,
                                                           record)}


def review_document(review: Review) -> dict:
    cycle = review.cycle
    completed = reviews.completed_by(db.session, review)
    return {"id": review.id, "plan_id": review.plan_id, "cycle": cycle.number,
            "completed": completed is not None,
            "completed_by": completed["by"] if completed else None,
            "trigger": cycle.trigger, "opened_at": iso(cycle.opened_at),
            "closed_at": iso(cycle.closed_at), "closed_by": cycle.closed_by,
            "evidence_since": cycle.evidence_since.isoformat() if cycle.evidence_since else None,
            "due_on": cycle.due_on.isoformat() if cycle.due_on else None,
            "author": review.author.username, "written_at": iso(review.written_at),
            "updated_at": iso(review.updated_at), **review.content,
            # The coach's advice on the answers, as the vocabulary in use reads them today.
            "language_flags": coaching.advise(vocabulary_of(engine().registry),
                                              coaching.review_texts(review.content),
                                              db.session.get(Plan, review.plan_id).person.name),
            "vocabulary": vocabulary_of(engine().registry).label}


@api.post("/plans/<int:plan_id>/records")
def write_record(plan_id: int):
    actor = current_actor()
    plans.get_plan(db.session, actor, plan_id)
    body = load_body(DailyRecordSchema())
    record = records.write_record(db.session, engine(), actor, plan_id, body)
    return record_document(record), 201


@api.get("/plans/<int:plan_id>/records")
def list_records(plan_id: int):
    plan = plans.get_plan(db.session, current_actor(), plan_id)
    outcome_id = request.args.get("outcome_id")
    return {"records": [record_document(r) for r in records.records_of(db.session, plan,
                                                                       outcome_id)]}


@api.post("/plans/<int:plan_id>/reviews")
def write_review(plan_id: int):
    actor = current_actor()
    plans.get_plan(db.session, actor, plan_id)
    body = load_body(ReviewSchema())
    review = reviews.write_review(db.session, actor, plan_id, body, engine().now(),
                                 engine=engine())
    return review_document(review), 201


@api.get("/plans/<int:plan_id>/reviews")
def list_reviews(plan_id: int):
    plan = plans.get_plan(db.session, current_actor(), plan_id)
    return {"reviews": [review_document(r) for r in reviews.reviews_of(db.session, plan)]}
