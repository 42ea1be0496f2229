"""What an incident changed in the plan (SPEC §10.4, the issue's "which plans changed because
of it"): the reviews opened while it was open or naming it (started by it, or it
was a further reason), the versions approved while it was
open (the ones its closing rule counted as the plan considered) and the first version approved
after a review it opened, and the decisions on the plan's restrictions while it was open.

Read-only; the incidents list, the incident's page and its API document show the same list.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import select
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
    if incident.plan_id is None:
        return []
    day = today_of or (lambda moment: moment.date())
    changes: list[tuple[datetime, dict[str, Any]]] = []
    until = incident.closed_at
    cycles = [cycle for cycle in session.scalars(
        select(ReviewCycle).where(ReviewCycle.plan_id == incident.plan_id,
                                  ReviewCycle.opened_at >= incident.occurred_at)
        .order_by(ReviewCycle.number))
        if names_incident(cycle.trigger, incident.id) or until is None
        or cycle.opened_at <= until]
    records = {review.cycle_id: review for review in session.scalars(
        select(Review).where(Review.cycle_id.in_([cycle.id for cycle in cycles])))} \
        if cycles else {}
    for cycle in cycles:
        review = records.get(cycle.id)
        words = f"Review {cycle.number} opened on {long_date(day(cycle.opened_at))}"
        if cycle.closed_at is not None:
            words += f", closed on {long_date(day(cycle.closed_at))}"
        changes.append((cycle.opened_at, {
            "kind": "review", "number": cycle.number, "on": day(cycle.opened_at).isoformat(),
            "review_id": review.id if review else None, "words": words}))
    versions = list(session.scalars(
        select(PlanVersion).where(PlanVersion.plan_id == incident.plan_id,
                                  PlanVersion.approved_at > incident.created_at)
        .order_by(PlanVersion.number)))
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
    for restriction in session.scalars(
            select(Restriction).where(Restriction.plan_id == incident.plan_id,
                                      Restriction.reviewed_at.is_not(None),
                                      Restriction.reviewed_at >= incident.occurred_at)
            .order_by(Restriction.id)):
        at = restriction.reviewed_at
        if at is None or (until is not None and at > until):
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
