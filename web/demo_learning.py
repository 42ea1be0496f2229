"""Demo data of the learning loop (SPEC §10.4), from the seeds' examples: Daniel's distress
incidents falling month by month as his visual schedule takes hold, and his knife-drawer
restriction reviewed and reduced; Margaret's one fall and what was learned from it. All of it
moves through the engine, so the trails are real."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import select

from engine.care import incidents
from engine.care.learning_models import Incident, Restriction
from engine.care.models import Person, Plan

# Daniel's distress incidents per month, oldest first: falling as the schedule takes hold.
DANIEL_MONTHS = (5, 4, 3, 2, 1)


def _moment(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=timezone.utc)


def _report(demo: Any, person: Person, plan: Plan, username: str, **fields) -> Incident:
    return incidents.report(demo.session, demo.engine, demo.actor(username), person.id,
                            {"plan_id": plan.id, "restriction_ids": [], **fields})


def _fire(demo: Any, subject: Any, transition: str, username: str, **inputs) -> None:
    demo.session.refresh(subject)
    demo.engine.fire(demo.session, subject.subject_type, subject.id, transition,
                     demo.actor(username), version=subject.lock_version,
                     comment=inputs.pop("comment", None), reason=inputs.pop("reason", None),
                     inputs=inputs)


def daniel_learning(demo: Any, person: Person, plan: Plan, today: date) -> None:
    """Five months of distress incidents, fewer each month; the knife drawer reduced."""
    reported = []
    for months_ago, count in zip(range(len(DANIEL_MONTHS), 0, -1), DANIEL_MONTHS):
        first = today - timedelta(days=30 * months_ago)
        for index in range(count):
            day = first + timedelta(days=2 + index * (26 // count))
            reported.append(_report(
                demo, person, plan, "leah", occurred_at=_moment(day, 17), kind="distress",
                severity="low",
                description="Daniel covered his ears and hit the wall when the bus was "
                            "cancelled without warning; the change was not on his schedule.",
                immediate_action="Staff used the low-arousal approach, moved to the quiet room "
                                 "and showed the picture card for the next bus.",
                people_informed=["Grace (sister)"],
                restriction_ids=["r2"] if index == 0 and months_ago >= 4 else []))
    restriction = demo.session.scalar(select(Restriction).where(
        Restriction.plan_id == plan.id, Restriction.risk_id == "r2"))
    if restriction is not None:
        _fire(demo, restriction, "restriction_review_due", "omar")
        _fire(demo, restriction, "mark_reviewed", "omar", decision="reduce",
              reason="No incident involving the knives for eight weeks; Daniel asked for the "
                     "vegetable knife to cook on Wednesdays.",
              reduced_to="Only the large chef's knife stays in the locked drawer; Daniel uses "
                         "the vegetable knife freely when he cooks.",
              next_review_date=(today + timedelta(days=28)).isoformat())
    for incident in reported[:-2]:  # the last two are still with the manager
        _fire(demo, incident, "review_incident", "omar",
              notifications={"family_informed": True},
              comment="Grace was told the same day; the pattern is changes not on the board.")
        _fire(demo, incident, "close_incident", "omar",
              learning="Unplanned changes cause the distress: every change now goes on the "
                       "visual schedule as a picture card two days ahead, and staff check the "
                       "bus app before leaving.")


def margaret_fall(demo: Any, person: Person, plan: Plan, today: date) -> Incident:
    """One fall in the kitchen, reported while her plan was being agreed."""
    return _report(
        demo, person, plan, "sam", occurred_at=_moment(today - timedelta(days=9), 8),
        kind="fall", severity="low",
        description="Margaret slipped reaching for the kettle on the top shelf and sat down "
                    "on the floor; she was not hurt and got up with one hand from Sam.",
        immediate_action="Checked her for injury, stayed until she had finished breakfast and "
                         "rang Claire.",
        people_informed=["Claire (daughter)"])


def margaret_learning(demo: Any, fall: Incident) -> None:
    """The fall reviewed and closed with what changed (the plan approved since took it in)."""
    _fire(demo, fall, "review_incident", "hannah", notifications={"family_informed": True},
          comment="Low: no injury. Claire knows.")
    _fire(demo, fall, "close_incident", "hannah",
          learning="The kettle and mugs now live on the worktop by the hob, within reach; the "
                   "kettle risk in the approved plan was checked with Margaret.")
