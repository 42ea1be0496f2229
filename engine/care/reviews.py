"""Review cycles and review records. A cycle is one stay in review_due; its record opens with
strengths (the five questions) and proposes a decision, which the manager's transition enacts."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from engine.care.models import Plan, Review, ReviewCycle
from engine.care.plans import current_version, locked_plan, record_change, require
from engine.core.access import Actor
from engine.core.errors import Invalid, NotFound
from engine.core.models import AuditEvent
from engine.core.uow import unit_of_work

QUESTIONS = {
    "improved": "what has improved since the last review",
    "less_support": "what the person can now do with less support",
    "new_strengths": "what new strengths staff or family noticed",
    "reduce_safely": "what support could be adapted or reduced safely",
    "matters_most": "what outcome matters most to the person now",
}


def open_cycle(session: Session, plan: Plan) -> Optional[ReviewCycle]:
    return session.scalar(select(ReviewCycle).where(ReviewCycle.plan_id == plan.id,
                                                    ReviewCycle.closed_at.is_(None))
                          .order_by(ReviewCycle.number.desc()).limit(1))


def review_of(session: Session, cycle: ReviewCycle) -> Optional[Review]:
    return session.scalar(select(Review).where(Review.cycle_id == cycle.id))


def open_new_cycle(session: Session, plan: Plan, now: datetime, trigger: str,
                   zone: ZoneInfo, due_on: date | None = None,
                   completing: tuple[str, ...] = ()) -> ReviewCycle:
    """Start the plan's next cycle, due on `due_on`; evidence counts from the day the last
    review was completed (a cycle closed by one of `completing`), not from one abandoned by
    reinstating."""
    previous = session.scalar(select(ReviewCycle).where(ReviewCycle.plan_id == plan.id)
                              .order_by(ReviewCycle.number.desc()).limit(1))
    completed = session.scalar(select(ReviewCycle).where(
        ReviewCycle.plan_id == plan.id, ReviewCycle.closed_by.in_(completing))
        .order_by(ReviewCycle.number.desc()).limit(1)) if completing else previous
    cycle = ReviewCycle(
        plan_id=plan.id, number=(previous.number + 1) if previous else 1, opened_at=now,
        trigger=trigger, due_on=due_on,
        evidence_since=completed.closed_at.astimezone(zone).date()
        if completed and completed.closed_at else None)
    session.add(cycle)
    return cycle


def open_new_cycles(session: Session, openings: Sequence[tuple[Plan, str, date]],
                    now: datetime, zone: ZoneInfo, completing: tuple[str, ...] = ()) -> None:
    """`open_new_cycle` for many (plan, trigger, due on) triples: the plans' earlier cycles
    read by one query, the new ones written by one executemany."""
    latest: dict[int, ReviewCycle] = {}
    completed: dict[int, ReviewCycle] = {}
    for cycle in session.scalars(select(ReviewCycle).where(
            ReviewCycle.plan_id.in_({plan.id for plan, _, _ in openings}))):
        if cycle.plan_id not in latest or cycle.number > latest[cycle.plan_id].number:
            latest[cycle.plan_id] = cycle
        done = not completing or cycle.closed_by in completing
        if done and (cycle.plan_id not in completed
                     or cycle.number > completed[cycle.plan_id].number):
            completed[cycle.plan_id] = cycle
    rows = []
    for plan, trigger, due_on in openings:
        previous, last_done = latest.get(plan.id), completed.get(plan.id)
        rows.append(dict(
            plan_id=plan.id, number=(previous.number + 1) if previous else 1, opened_at=now,
            trigger=trigger, due_on=due_on, closed_at=None, closed_by=None,
            evidence_since=last_done.closed_at.astimezone(zone).date()
            if last_done and last_done.closed_at else None))
    if rows:  # one executemany (the ORM would insert one row at a time to learn the ids)
        session.connection().execute(insert(ReviewCycle.__table__), rows)


def close_cycle(session: Session, plan: Plan, now: datetime, transition: str) -> None:
    cycle = open_cycle(session, plan)
    if cycle is not None:
        cycle.closed_at, cycle.closed_by = now, transition


def cycles(session: Session, plan: Plan) -> list[ReviewCycle]:
    return list(session.scalars(select(ReviewCycle).where(ReviewCycle.plan_id == plan.id)
                                .order_by(ReviewCycle.number)))


def write_review(session: Session, actor: Actor, plan_id: int, content: dict[str, Any],
                 now: datetime, *, engine: Any) -> Review:
    """Write the review record of the open cycle; a second write replaces the first. The
    `engine` hands the review on: completing it goes to the service's other managers."""
    require(actor, "write_review")
    with unit_of_work(session):
        plan = locked_plan(session, actor, plan_id)
        cycle = open_cycle(session, plan)  # a cycle is open exactly while a review is due
        if cycle is None:
            raise Invalid("no review is due", {"state": [
                f"the plan is {plan.state}; a review is written while it is review_due "
                "(start a review first)"]})
        version = current_version(session, plan)
        # A cycle opens on start_review, from active or reduced_support: after an approval,
        # and approved versions are never removed.
        assert version is not None
        _check_references(content, version.content)
        review = review_of(session, cycle)
        replaced = review is not None
        if review is None:
            review = Review(cycle_id=cycle.id, plan_id=plan.id, written_at=now)
            session.add(review)
        assert actor.user_id is not None  # require() passed: the system actor has no permissions
        review.author_id, review.content, review.updated_at = actor.user_id, content, now
        decision = str(content.get("decision") or "no decision").replace("_", " ")
        record_change(session, actor, plan, "review_saved", [
            f"review record for review {cycle.number} {'rewritten' if replaced else 'written'}"
            f" by {actor.username}, proposing: {decision}"], now, engine=engine)
        session.flush()
        session.refresh(review)
    return review


def _check_references(review: dict[str, Any], version: dict[str, Any]) -> None:
    """Every outcome, risk and action the review names exists in the version in force."""
    known = {name: {item["id"] for item in version.get(name) or []}
             for name in ("outcomes", "risks", "actions")}
    errors: dict[str, Any] = {}

    def dangling(field: str, index: int | None, key: str | None, ref: str, kind: str) -> None:
        message = f"no {kind} {ref!r} in the plan's approved version"
        if index is None:
            errors.setdefault(field, []).append(message)
        else:
            errors.setdefault(field, {}).setdefault(str(index), {}).setdefault(
                key, []).append(message)

    for index, rating in enumerate(review.get("outcome_ratings") or []):
        if rating["outcome_id"] not in known["outcomes"]:
            dangling("outcome_ratings", index, "outcome_id", rating["outcome_id"], "outcome")
    for ref in review.get("risks_reviewed") or []:
        if ref not in known["risks"]:
            dangling("risks_reviewed", None, None, ref, "risk")
    for ref in review.get("reduced_outcome_ids") or []:
        if ref not in known["outcomes"]:
            dangling("reduced_outcome_ids", None, None, ref, "outcome")
    for index, action in enumerate(review.get("proposed_actions") or []):
        if action["id"] not in known["actions"]:
            dangling("proposed_actions", index, "id", action["id"], "action")
    if errors:
        raise Invalid("the review names things the plan does not have", errors)


def reviews_of(session: Session, plan: Plan) -> list[Review]:
    """The plan's review records, one per cycle, newest first."""
    return list(session.scalars(select(Review).join(ReviewCycle)
                                .where(Review.plan_id == plan.id)
                                .order_by(ReviewCycle.number.desc())))


def review_in(session: Session, plan: Plan, review_id: int) -> Review:
    """One of the plan's review records; NotFound if the plan has none by that id."""
    review = session.get(Review, review_id)
    if review is None or review.plan_id != plan.id:
        raise NotFound(f"review {review_id} not found")
    return review


def completed_by(session: Session, review: Review) -> Optional[dict[str, Any]]:
    """Who ended the review's cycle, how and when ({by, transition, at}); None while open."""
    cycle = review.cycle
    if cycle.closed_at is None:
        return None
    row = session.execute(
        select(AuditEvent.actor, AuditEvent.transition, AuditEvent.at)
        .where(AuditEvent.subject_type == "plan", AuditEvent.subject_id == review.plan_id,
               AuditEvent.outcome == "advanced", AuditEvent.transition == cycle.closed_by,
               AuditEvent.at <= cycle.closed_at)
        .order_by(AuditEvent.seq.desc()).limit(1)).first()
    return {"by": row.actor if row else None, "transition": cycle.closed_by,
            "at": cycle.closed_at}
