"""The care domain's records: people, plans and their versions, reviews, daily records,
supervision, competency and the access log."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    event,
    select,
    text,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.core import tallies
from engine.core.db import Base
from engine.core.models import Service, StateAssignmentError, User, WorkflowSubject


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # What the person likes to be called, and what tells two people of one name apart.
    preferred_name: Mapped[Optional[str]] = mapped_column(String(200))
    date_of_birth: Mapped[Optional[date]] = mapped_column(Date)
    nhs_number: Mapped[Optional[str]] = mapped_column(String(10))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    created_at: Mapped[datetime]
    service: Mapped[Service] = relationship(lazy="joined")


class Plan(WorkflowSubject, Base):
    __tablename__ = "plans"
    # What the governance report reads instead of the wide rows (migration 0013).
    __table_args__ = (
        Index("ix_plans_governance", "service_id", "state", "person_id", "current_version",
              "next_review_on"),
        Index("ix_plans_interim", "service_id", sqlite_where=text("interim_support IS NOT NULL"),
              postgresql_where=text("interim_support IS NOT NULL")),
    )
    subject_type = "plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The working draft: content being edited, and which draft round it is (1 for the first).
    draft: Mapped[Optional[dict[str, Any]]] = mapped_column()
    draft_number: Mapped[int] = mapped_column(default=1)
    # The approved version staff follow; None until the first approval.
    current_version: Mapped[Optional[int]] = mapped_column()
    # When the next review falls due, once a review or a reduction has set it; until then the
    # approved version's next_review_date stands.
    next_review_on: Mapped[Optional[date]] = mapped_column(Date)
    # Extra support started at once by increase_support, in force until a review completes or
    # a revised version is approved: {hours_per_week, reason, since, by}.
    interim_support: Mapped[Optional[dict[str, Any]]] = mapped_column()
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    person: Mapped[Person] = relationship(lazy="joined")
    author: Mapped[User] = relationship(lazy="joined")


class DraftEditor(Base):
    """Everyone who authored or edited a draft round: the four-eyes rule reads this."""

    __tablename__ = "plan_draft_editors"

    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"),
                                         primary_key=True)
    draft_number: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    first_edit_at: Mapped[datetime]
    user: Mapped[User] = relationship(lazy="joined")


class PlanVersion(Base):
    """An approved, frozen version of a plan's content. Never updated after insert."""

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "number"),
                      Index("ix_plan_versions_review", "plan_id", "number", "next_review_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column()
    editors: Mapped[list[Any]] = mapped_column()
    approved_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime]
    # How the version came about: "approval" of a draft, a review's "reduction" of support,
    # or "reinstatement" of the support in force before a reduction.
    basis: Mapped[str] = mapped_column(String(20), default="approval",
                                       server_default="approval")
    # The content's next_review_date as a date, written with the version (content is never
    # changed), so reports compare review dates in the database without reading the content.
    next_review_on: Mapped[Optional[date]] = mapped_column(Date)
    approved_by: Mapped[Optional[User]] = relationship()


class Acknowledgement(Base):
    __tablename__ = "acknowledgements"
    __table_args__ = (UniqueConstraint("plan_id", "version_number", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    version_number: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]
    user: Mapped[User] = relationship(lazy="joined")


class Supervision(WorkflowSubject, Base):
    """A supervision session: scheduled, recorded with its strengths-based prompts, signed off."""

    __tablename__ = "supervisions"
    subject_type = "supervision"
    worker_field = "supervisee_id"  # the member of staff the record is about

    id: Mapped[int] = mapped_column(primary_key=True)
    supervisee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    supervisor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    scheduled_for: Mapped[date] = mapped_column(Date)
    # Evidence in the record (daily records for its outcome link) counts from this date.
    period_start: Mapped[date] = mapped_column(Date)
    record: Mapped[Optional[dict[str, Any]]] = mapped_column()
    # The supervisee's own reflections: theirs to write, kept apart from the supervisor's record.
    reflections: Mapped[Optional[dict[str, Any]]] = mapped_column()
    # Set at sign-off: when the next supervision is due (scheduled_for + frequency_days).
    next_due_on: Mapped[Optional[date]] = mapped_column(Date)
    recorded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[Optional[datetime]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    supervisee: Mapped[User] = relationship(foreign_keys=[supervisee_id], lazy="joined")
    supervisor: Mapped[Optional[User]] = relationship(foreign_keys=[supervisor_id],
                                                      lazy="joined")
    recorded_by: Mapped[Optional[User]] = relationship(foreign_keys=[recorded_by_id],
                                                       lazy="joined")


class Competency(WorkflowSubject, Base):
    """A worker's strengths-based practice competency: training, assessment, observation."""

    __tablename__ = "competencies"
    subject_type = "competency"
    worker_field = "worker_id"  # the member of staff the record is about

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    training: Mapped[Optional[dict[str, Any]]] = mapped_column()
    assessment: Mapped[Optional[dict[str, Any]]] = mapped_column()
    competent_since: Mapped[Optional[date]] = mapped_column(Date)
    refresher_due_on: Mapped[Optional[date]] = mapped_column(Date)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    worker: Mapped[User] = relationship(lazy="joined")


class PracticeObservation(Base):
    """An assessor watching the worker apply strengths-based practice in real service delivery."""

    __tablename__ = "practice_observations"

    id: Mapped[int] = mapped_column(primary_key=True)
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id", ondelete="CASCADE"),
                                               index=True)
    assessor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    observed_on: Mapped[date] = mapped_column(Date)
    setting: Mapped[str] = mapped_column(Text)
    observed: Mapped[str] = mapped_column(Text)
    how_applied: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    assessor: Mapped[User] = relationship(lazy="joined")


class AccessLog(Base):
    """Who read which person's records, when and how (UK GDPR special-category data)."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_person", "person_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    username: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(20))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    what: Mapped[str] = mapped_column(String(60))   # plan, versions, records, reviews, audit…
    subject_id: Mapped[Optional[int]] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(10))  # api or page
    path: Mapped[str] = mapped_column(String(300))


class ReviewCycle(Base):
    """One stay in review_due: opened by start_review, closed by the transition that leaves."""

    __tablename__ = "review_cycles"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[datetime]
    trigger: Mapped[str] = mapped_column(Text)
    # Evidence counts from this date: the day the previous review closed, or the plan's start.
    evidence_since: Mapped[Optional[date]] = mapped_column(Date)
    # The date the review fell due: the plan's review date when the cycle opened (never the
    # day someone started it). Timeliness is measured from it.
    due_on: Mapped[Optional[date]] = mapped_column(Date)
    closed_at: Mapped[Optional[datetime]]
    closed_by: Mapped[Optional[str]] = mapped_column(String(60))


class Review(Base):
    """The review record of a cycle; writing it again in the same cycle replaces it."""

    __tablename__ = "reviews"
    __table_args__ = (Index("ix_reviews_plan_cycle", "plan_id", "cycle_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("review_cycles.id", ondelete="CASCADE"),
                                          unique=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    content: Mapped[dict[str, Any]] = mapped_column()
    written_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    author: Mapped[User] = relationship(lazy="joined")
    cycle: Mapped[ReviewCycle] = relationship(lazy="joined")


class DailyRecord(Base):
    """Evidence written against an outcome of the approved version in force."""

    __tablename__ = "daily_records"
    __table_args__ = (Index("ix_daily_records_outcome", "plan_id", "outcome_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    version_number: Mapped[int] = mapped_column(Integer)
    outcome_id: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    observed_strength: Mapped[str] = mapped_column(Text)
    support_provided: Mapped[str] = mapped_column(Text)
    independence_opportunity: Mapped[str] = mapped_column(Text)
    next_step: Mapped[str] = mapped_column(Text)
    prompts: Mapped[int] = mapped_column(Integer)
    completion: Mapped[str] = mapped_column(String(20))
    note: Mapped[Optional[str]] = mapped_column(Text)
    language_flags: Mapped[list[Any]] = mapped_column()
    vocabulary: Mapped[str] = mapped_column(String(120))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]  # server time the record was written (its recorded_at)
    # Written more than records.late_entry_hours after the end of its date: shown as a late
    # entry and not counted as contemporaneous evidence.
    late_entry: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    author: Mapped[User] = relationship(lazy="joined")


@event.listens_for(PlanVersion, "before_update")
def _refuse_update(_mapper, _connection, target):
    raise StateAssignmentError(f"{type(target).__name__} rows are immutable")


class Feedback(WorkflowSubject, Base):
    """What a person, their family, an advocate or a professional said about the support: a
    compliment, concern, complaint or suggestion. Complaints run the `complaint` workflow;
    the rest are kept on the `feedback` one (recorded, nothing to move)."""

    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_service", "service_id", "received_on"),)
    subject_type = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(20))   # person, family, advocate, professional
    kind: Mapped[str] = mapped_column(String(20))     # compliment, concern, complaint, suggestion
    # Who said it, in the recorder's words ("Kieran's sister, Aoife"), if they gave a name.
    from_whom: Mapped[Optional[str]] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # A complaint's deadlines, fixed when it is received (config feedback.*_days).
    acknowledge_by: Mapped[Optional[date]] = mapped_column(Date)
    respond_by: Mapped[Optional[date]] = mapped_column(Date)
    # What each step of a complaint recorded: {text, by, on} (response also `finding`),
    # and on closing, what changed because of it.
    acknowledgement: Mapped[Optional[dict[str, Any]]] = mapped_column()
    response: Mapped[Optional[dict[str, Any]]] = mapped_column()
    closure: Mapped[Optional[dict[str, Any]]] = mapped_column()
    # The service's dates each step was taken, for timeliness (the figures read these).
    acknowledged_on: Mapped[Optional[date]] = mapped_column(Date)
    responded_on: Mapped[Optional[date]] = mapped_column(Date)
    closed_on: Mapped[Optional[date]] = mapped_column(Date)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    person: Mapped[Person] = relationship(lazy="joined")
    recorded_by: Mapped[User] = relationship(lazy="joined")
class RecordTally(Base):
    """How many daily records a service has per date and vocabulary (kind "records"), how many
    of them the coach flagged ("flagged"), per term ("term", name = the term, with its
    category) and per category ("category"). Kept current by `_tally_record`, in the record's
    unit of work (records are never changed once written); the governance report sums them."""

    __tablename__ = "record_tallies"

    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True)
    date: Mapped[date] = mapped_column(Date, primary_key=True)
    vocabulary: Mapped[str] = mapped_column(String(120), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    category: Mapped[str] = mapped_column(String(60), default="")
    count: Mapped[int] = mapped_column(Integer)


def record_tally_rows(service_id: int, day: date, vocabulary: str,
                      flags: Optional[list[Any]]) -> list[dict[str, Any]]:
    """What one record adds to its service's tallies: a record; if flagged, a flagged record,
    one per distinct term (its last flag's category) and one per category it was flagged in."""
    key = {"service_id": service_id, "date": day, "vocabulary": vocabulary, "count": 1,
           "category": ""}
    rows = [{**key, "kind": "records", "name": ""}]
    if flags:
        terms = {flag["term"]: flag.get("category") or "" for flag in flags}
        rows.append({**key, "kind": "flagged", "name": ""})
        rows += [{**key, "kind": "term", "name": term, "category": category}
                 for term, category in terms.items()]
        rows += [{**key, "kind": "category", "name": category}
                 for category in sorted({flag.get("category") or "" for flag in flags})]
    return rows


class ReviewRating(Base):
    """How many outcomes a review rated with each rating, kept current by `_tally_review`
    whenever the review is written or rewritten: the governance report counts them."""

    __tablename__ = "review_ratings"

    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"),
                                           primary_key=True)
    rating: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


def review_rating_rows(review_id: int, content: Optional[dict[str, Any]]) -> list[dict[str, Any]]:
    """The review_ratings rows of a review's content."""
    counts: dict[str, int] = {}
    for rating in (content or {}).get("outcome_ratings") or []:
        counts[rating["rating"]] = counts.get(rating["rating"], 0) + 1
    return [{"review_id": review_id, "rating": rating, "count": count}
            for rating, count in counts.items()]


_TALLIES = RecordTally.__table__
_RATINGS = ReviewRating.__table__
_SERVICE_OF_PLAN = select(Plan.service_id).where(Plan.id == bindparam("plan_id"))


@event.listens_for(DailyRecord, "after_insert")
def _tally_record(_mapper, connection, target):
    service_id = connection.execute(_SERVICE_OF_PLAN, {"plan_id": target.plan_id}).scalar_one()
    tallies.add(connection, _TALLIES, record_tally_rows(service_id, target.date,
                                                        target.vocabulary, target.language_flags))


@event.listens_for(Review, "after_insert")
@event.listens_for(Review, "after_update")
def _tally_review(_mapper, connection, target):
    connection.execute(_RATINGS.delete().where(_RATINGS.c.review_id == target.id))
    rows = review_rating_rows(target.id, target.content)
    if rows:
        connection.execute(_RATINGS.insert(), rows)


def review_date_of(content: dict[str, Any]) -> Optional[date]:
    """A plan content's next_review_date as a date (None when it has none)."""
    value = content.get("next_review_date")
    try:
        return date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:  # not a date: the content's validation says so, not this column
        return None
