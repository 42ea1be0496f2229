"""Feedback from the person, their family, an advocate or a professional (SPEC §10.4):
compliments, concerns, complaints and suggestions about a person's support. A complaint runs
the `complaint` workflow (received → acknowledged → responded → closed) with its deadlines fixed
when it is received; the rest are recorded and read, on the `feedback` workflow."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.care import CARE_ROLES
from engine.care.models import Feedback, Person
from engine.care.plans import PEOPLE, require
from engine.core import audit
from engine.core.access import Actor
from engine.core.errors import Invalid
from engine.core.scope import by_service
from engine.core.subjects import EffectContext, SubjectKind, register
from engine.core.uow import unit_of_work
from engine.core.words import long_date

COMPLAINT, OTHER = "complaint", "feedback"   # the two workflows
SOURCES = {"person": "the person", "family": "family", "advocate": "an advocate",
           "professional": "a professional"}
EARLIEST_FEEDBACK = date(2000, 1, 1)  # nothing a provider records now was received before this
KINDS = ("compliment", "concern", "complaint", "suggestion")
FINDINGS = {"upheld": "upheld", "partly_upheld": "partly upheld", "not_upheld": "not upheld"}
FEEDBACK = by_service("feedback", Feedback, roles=CARE_ROLES)


def record(session: Session, engine: Any, actor: Actor, person_id: int,
           content: dict[str, Any]) -> Feedback:
    """Record feedback about the person's support (staff and managers of their service).

    `content`: {received_on, source, kind, text, from_whom?}, its fields checked by the door's
    schema. A date in the future is refused here, by the engine's clock.
    """
    with unit_of_work(session):
        person = PEOPLE.find(session, actor, person_id)  # unseen reads as absent, before roles
        require(actor, "write_record")
        now = engine.now()
        today = engine.today(now)
        received_on: date = content["received_on"]
        if received_on > today:
            raise Invalid("feedback cannot be received in the future", {"received_on": [
                f"{long_date(received_on)} is after today, {long_date(today)}"]})
        if received_on < EARLIEST_FEEDBACK:
            raise Invalid("feedback cannot be that old", {"received_on": [
                f"{long_date(received_on)} is before {long_date(EARLIEST_FEEDBACK)}"]})
        complaint = content["kind"] == "complaint"
        settings = engine.settings
        item = Feedback(
            person_id=person.id, service_id=person.service_id, received_on=received_on,
            source=content["source"], kind=content["kind"], text=content["text"].strip(),
            from_whom=(content.get("from_whom") or "").strip() or None,
            recorded_by_id=actor.user_id, created_at=now, updated_at=now,
            acknowledge_by=received_on + timedelta(days=settings["feedback.acknowledge_days"])
            if complaint else None,
            respond_by=received_on + timedelta(days=settings["feedback.respond_days"])
            if complaint else None)
        item.person = person
        engine.start(session, item, COMPLAINT if complaint else OTHER)
        audit.record_subject_change(
            session, at=now, actor=actor, subject=item, action="feedback_recorded",
            changes=[f"{item.kind} from {source_words(item)} received on "
                     f"{long_date(received_on)} recorded by {actor.username}"])
    return item


def get(session: Session, actor: Actor, feedback_id: int) -> Feedback:
    return FEEDBACK.find(session, actor, feedback_id)


def visible(session: Session, actor: Actor, *, service: Optional[str] = None,
            person_id: Optional[int] = None, kind: Optional[str] = None,
            state: Optional[str] = None, since: Optional[date] = None) -> list[Feedback]:
    """The feedback the actor may see, newest first, narrowed as asked."""
    query = FEEDBACK.query(actor).join(Person, Feedback.person_id == Person.id)
    if service is not None:
        query = query.where(Feedback.service.has(name=service))
    if person_id is not None:
        query = query.where(Feedback.person_id == person_id)
    if kind is not None:
        query = query.where(Feedback.kind == kind)
    if state is not None:
        query = query.where(Feedback._state == state)
    if since is not None:
        query = query.where(Feedback.received_on >= since)
    return list(session.scalars(query.order_by(Feedback.received_on.desc(),
                                               Feedback.id.desc())))


def about_person(session: Session, person_id: int, since: Optional[date] = None,
                 until: Optional[date] = None) -> list[Feedback]:
    """A person's feedback received in a period (the caller has already seen the person)."""
    query = select(Feedback).where(Feedback.person_id == person_id)
    if since is not None:
        query = query.where(Feedback.received_on >= since)
    if until is not None:
        query = query.where(Feedback.received_on <= until)
    return list(session.scalars(query.order_by(Feedback.received_on.desc(), Feedback.id.desc())))


def source_words(item: Feedback) -> str:
    """Who gave the feedback, in words: "Aoife (family)" or "Kieran Doyle's family"."""
    if item.from_whom:
        return f"{item.from_whom} ({item.source})"
    if item.source == "person":
        return item.person.name
    return f"{item.person.name}'s {item.source}" if item.source == "family" \
        else f"{SOURCES[item.source]} for {item.person.name}"


def overdue(item: Feedback, today: date) -> list[str]:
    """Which of a complaint's steps are past their deadline today: "acknowledgement",
    "response" (none for other feedback or a complaint taken past them)."""
    if item.kind != "complaint":
        return []
    late = []
    if item.acknowledged_on is None and item.acknowledge_by and today > item.acknowledge_by:
        late.append("acknowledgement")
    if item.responded_on is None and item.respond_by and today > item.respond_by:
        late.append("response")
    return late


# --- the "feedback" subject kind -----------------------------------------------------------

class FeedbackSnapshot:
    """What the complaint.* rules read."""

    def __init__(self, session: Session, item: Feedback):
        self.kind = item.kind
        self.received_on = item.received_on
        self.acknowledgement = item.acknowledgement
        self.response = item.response
        self.closure = item.closure


def _step(ctx: EffectContext, field: str, **extra: Any) -> dict[str, Any]:
    return {"text": (ctx.inputs.get(field) or "").strip(), **extra,
            "by": ctx.actor.username, "on": ctx.today.isoformat()}


def _record_acknowledgement(ctx: EffectContext) -> None:
    item: Feedback = ctx.subject
    item.acknowledgement = _step(ctx, "acknowledgement")
    item.acknowledged_on = ctx.today


def _record_response(ctx: EffectContext) -> None:
    item: Feedback = ctx.subject
    item.response = _step(ctx, "response", finding=ctx.inputs.get("finding"))
    item.responded_on = ctx.today


def _record_closure(ctx: EffectContext) -> None:
    item: Feedback = ctx.subject
    item.closure = _step(ctx, "what_changed")
    item.closed_on = ctx.today


def _day_after(day: Optional[date]) -> Optional[date]:
    return day + timedelta(days=1) if day else None


def _describe(item: Feedback) -> dict[str, str]:
    return {"person": item.person.name, "from": source_words(item),
            "service": item.service.name, "received": long_date(item.received_on),
            "acknowledge_by": long_date(item.acknowledge_by),
            "respond_by": long_date(item.respond_by)}


register(SubjectKind(
    name="feedback",
    model=Feedback,
    scope=FEEDBACK,
    snapshot=FeedbackSnapshot,
    describe=_describe,
    effects={"record_acknowledgement": _record_acknowledgement,
             "record_response": _record_response, "record_closure": _record_closure},
    dates={"acknowledge_by": lambda f: f.acknowledge_by, "respond_by": lambda f: f.respond_by,
           # A deadline is met on its day; the chase starts the day after.
           "acknowledgement_late_from": lambda f: _day_after(f.acknowledge_by),
           "response_late_from": lambda f: _day_after(f.respond_by)},
    people={"recorder": lambda session, f: f.recorded_by_id},
))
