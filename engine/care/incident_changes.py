"""What an incident changed in the plan (SPEC §10.4, the issue's "which plans changed because
of it"): the reviews opened while it was open or naming it (started by it, or it
was a further reason), the versions approved while it was
open (the ones its closing rule counted as the plan considered) and the first version approved
after a review it opened, and the decisions on the plan's restrictions while it was open.

Read-only; the incidents list, the incident's page and its API document show the same list.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional, Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engine.care.learning_models import Incident, Restriction
from engine.care.models import PlanVersion, Review, ReviewCycle
from engine.core.words import long_date

DECISION_WORDS = {"keep": "kept", "reduce": "reduced", "remove": "removed"}


def names_incident(trigger: Optional[str], incident_id: int) -> bool:
    """Whether a review's trigger names the incident ("Incident 7: fall on …", as written by
    the report that started it or added it as a further reason)."""
    return f"Incident {incident_id}:" in (trigger or "")


def plan_changes(session: Session, incident: Incident, today_of=None) -> list[dict[str, Any]]:
    """The plan's changes that followed the incident, oldest first, each with its words."""
    return plan_changes_many(session, [incident], today_of)[incident.id]


def plan_changes_many(session: Session, incidents: Sequence[Incident],
                      today_of=None) -> dict[int, list[dict[str, Any]]]:
    """`plan_changes` of each incident, by id: the plans' reviews, versions and restrictions
    read once for all of them (four statements however long the list)."""
    day = today_of or (lambda moment: moment.date())
    plan_ids = {incident.plan_id for incident in incidents if incident.plan_id is not None}
    facts = _facts(session, plan_ids) if plan_ids else _PlanFacts()
    return {incident.id: _changes(incident, facts, day) if incident.plan_id is not None else []
            for incident in incidents}


@dataclass
class _PlanFacts:
    """What the incidents' plans did, by plan id, oldest first: the columns the changes read,
    not the rows (a version's content, a review's answers) behind them."""

    cycles: dict[int, list[Any]] = field(default_factory=dict)
    reviews: dict[int, Any] = field(default_factory=dict)  # by cycle id
    versions: dict[int, list[Any]] = field(default_factory=dict)
    restrictions: dict[int, list[Any]] = field(default_factory=dict)


def _facts(session: Session, plan_ids: set[int]) -> _PlanFacts:
    facts = _PlanFacts()
    ours = {"plan_ids": sorted(plan_ids)}
    for cycle in session.execute(_CYCLES, ours):
        facts.cycles.setdefault(cycle.plan_id, []).append(cycle)
    facts.reviews = {review.cycle_id: review for review in session.execute(_REVIEWS, ours)}
    for version in session.execute(_VERSIONS, ours):
        facts.versions.setdefault(version.plan_id, []).append(version)
    for restriction in session.execute(_RESTRICTIONS, ours):
        facts.restrictions.setdefault(restriction.plan_id, []).append(restriction)
    return facts


_PLANS: Any = bindparam("plan_ids", expanding=True)
_CYCLES = (select(ReviewCycle.id, ReviewCycle.plan_id, ReviewCycle.number,
                  ReviewCycle.opened_at, ReviewCycle.closed_at, ReviewCycle.trigger)
           .where(ReviewCycle.plan_id.in_(_PLANS)).order_by(ReviewCycle.number))
_REVIEWS = select(Review.id, Review.cycle_id).where(Review.plan_id.in_(_PLANS))
_VERSIONS = (select(PlanVersion.plan_id, PlanVersion.number, PlanVersion.approved_at)
             .where(PlanVersion.plan_id.in_(_PLANS)).order_by(PlanVersion.number))
_RESTRICTIONS = (select(Restriction.id, Restriction.plan_id, Restriction.reviewed_at,
                        Restriction.decision, Restriction.description)
                 .where(Restriction.plan_id.in_(_PLANS), Restriction.reviewed_at.is_not(None))
                 .order_by(Restriction.id))


def _changes(incident: Incident, facts: _PlanFacts, day) -> list[dict[str, Any]]:
    plan_id = incident.plan_id
    assert plan_id is not None  # an incident without a plan changed none (plan_changes_many)
    changes: list[tuple[datetime, dict[str, Any]]] = []
    until = incident.closed_at
    cycles = [cycle for cycle in facts.cycles.get(plan_id, [])
              if cycle.opened_at >= incident.occurred_at
              and (names_incident(cycle.trigger, incident.id) or until is None
                   or cycle.opened_at <= until)]
    for cycle in cycles:
        review = facts.reviews.get(cycle.id)
        words = f"Review {cycle.number} opened on {long_date(day(cycle.opened_at))}"
        if cycle.closed_at is not None:
            words += f", closed on {long_date(day(cycle.closed_at))}"
        changes.append((cycle.opened_at, {
            "kind": "review", "number": cycle.number, "on": day(cycle.opened_at).isoformat(),
            "review_id": review.id if review else None, "words": words}))
    versions = [version for version in facts.versions.get(plan_id, [])
                if version.approved_at > incident.created_at]
    counted = {v.number for v in versions if until is None or v.approved_at <= until}
    for cycle in cycles:  # the revision a review it opened led to, even after it closed
        after = next((v for v in versions if v.approved_at >= cycle.opened_at), None)
        if after is not None:
            counted.add(after.number)
    for version in versions:
        if version.number in counted:
            changes.append((version.approved_at, {
                "kind": "version", "number": version.number,
                "on": day(version.approved_at).isoformat(),
                "words": f"Version {version.number} approved on "
                         f"{long_date(day(version.approved_at))}"}))
    # As the closing rule counts them: any of the plan's restrictions reviewed since.
    for restriction in facts.restrictions.get(plan_id, []):
        at = restriction.reviewed_at
        if at is None or at < incident.occurred_at or (until is not None and at > until):
            continue
        decision = DECISION_WORDS.get(restriction.decision or "", "reviewed")
        changes.append((at, {
            "kind": "restriction", "restriction_id": restriction.id,
            "on": day(at).isoformat(),
            "words": f"Restriction {decision} on {long_date(day(at))}: "
                     f"{_short(restriction.description)}"}))
    changes.sort(key=lambda pair: pair[0])
    return [change for _, change in changes]


def _short(text: str, words: int = 8) -> str:
    parts = (text or "").split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")
