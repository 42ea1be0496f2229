"""The restrictive-practice register (SPEC §10.4).

Every restrictive risk of a plan's approved version in force is registered as a subject of the
`restriction` workflow when the version comes into force (the plan kind's `sync_restrictions`
effect, named by workflows/support_plan.toml). Its review date sets a timer that opens a
`review_restriction` task for the service's managers; marking it reviewed records the decision
(keep, reduce, remove) and why, on its own audit trail.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Optional

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from engine.care import CARE_ROLES
from engine.care.learning_models import Incident, Restriction
from engine.care.models import Plan
from engine.care.plans import current_version
from engine.core import tasks, timers
from engine.core.access import Actor
from engine.core.models import Service
from engine.core.scope import by_service
from engine.core.subjects import EffectContext, SubjectKind, register
from engine.core.words import long_date

WORKFLOW = "restriction"
DECISIONS = ("keep", "reduce", "remove")
RESTRICTIONS = by_service("restriction", Restriction, roles=CARE_ROLES)
_INSERT = insert(Restriction.__table__)


# --- keeping the register in step with the plans -----------------------------------------

def sync_effect(ctx: EffectContext) -> None:
    """A plan's version in force changed (approved, reduced, reinstated) or the plan closed:
    its restrictions enter, change in, or leave the register."""
    plan: Plan = ctx.subject
    engine, session = ctx.engine, ctx.session
    workflow = engine.registry.workflow(WORKFLOW)
    closed = plan.state in engine.workflow_of(plan).final_states
    version = None if closed else current_version(session, plan)
    wanted = {risk["id"]: risk for risk in (version.content.get("risks") or [] if version
                                            else []) if risk.get("restrictive")}
    # A plan that had no version in force before this step has nothing in the register.
    first = ctx.snapshot is not None and not ctx.snapshot.has_approved_version
    registered = {} if first else {row.risk_id: row for row in session.scalars(
        select(Restriction).where(Restriction.plan_id == plan.id,
                                  Restriction.ended_on.is_(None)))}
    for risk_id, row in registered.items():
        if risk_id not in wanted:
            why = "the plan was closed" if closed else \
                f"version {plan.current_version} of the plan no longer has it"
            _end(session, row, ctx, why)
        else:
            _update(session, engine, workflow, row, wanted[risk_id], ctx)
    for risk_id, risk in wanted.items():
        if risk_id not in registered:
            _register(session, engine, workflow, plan, risk, ctx)


@dataclass(frozen=True)
class _Registered:
    """A restriction just inserted, as its timers and its first event read it (the row itself
    is not read back)."""

    id: int
    review_date: Optional[date]
    workflow: str
    state: str
    subject_type: str = Restriction.subject_type
    lock_version: int = 1


def _register(session, engine, workflow, plan: Plan, risk: dict[str, Any],
              ctx: EffectContext) -> None:
    """A new restriction: inserted without flushing (the plan's own changes are still being
    made), then its timers set as entering its first state does."""
    review_date = _day(risk.get("review_date"))
    result = session.connection().execute(_INSERT, {
        "plan_id": plan.id, "person_id": plan.person_id, "risk_id": risk["id"],
        "description": risk.get("description") or "", "justification": risk.get("justification"),
        "review_date": review_date, "started_on": ctx.today,
        "created_at": ctx.now, "updated_at": ctx.now, "workflow": workflow.name,
        "state": workflow.initial, "lock_version": 1, "service_id": plan.service_id})
    row = _Registered(result.inserted_primary_key[0], review_date, workflow.name,
                      workflow.initial)
    for spec in workflow.states[workflow.initial].timers:
        timers.schedule(session, engine.registry, workflow, row, spec, ctx.now)
    ctx.record(row, "restriction_registered",
               [f"registered from version {plan.current_version} of the plan; review by "
                f"{long_date(review_date)}"], service=plan.service.name)


def _update(session, engine, workflow, row: Restriction, risk: dict[str, Any],
            ctx: EffectContext) -> None:
    """The plan's new version may re-word a restriction or move its review date; a date a
    review has set since is kept if it is later."""
    changes = []
    for field in ("description", "justification"):
        if risk.get(field) and risk.get(field) != getattr(row, field) and row.decision != "reduce":
            setattr(row, field, risk[field])
            changes.append(f"{field} changed with the plan")
    given = _day(risk.get("review_date"))
    if given is not None and given != row.review_date and (
            row.reviewed_at is None or row.review_date is None or given > row.review_date):
        row.review_date = given
        changes.append(f"review date now {long_date(given)}")
        if row.state == workflow.initial:
            timers.cancel_pending(session, "restriction", row.id)
            for spec in workflow.states[row.state].timers:
                timers.schedule(session, engine.registry, workflow, row, spec, ctx.now)
    if changes:
        row.updated_at = ctx.now
        ctx.record(row, "restriction_updated", changes)


def _end(session, row: Restriction, ctx: EffectContext, why: str) -> None:
    row.ended_on, row.ended_why, row.updated_at = ctx.today, why, ctx.now
    timers.cancel_pending(session, "restriction", row.id)
    tasks.close_tasks(session, "restriction", row.id, ["review_restriction"], ctx.now,
                      status="cancelled")
    ctx.record(row, "restriction_ended", [f"left the register: {why}"])


def _day(value: Any) -> Optional[date]:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


# --- reading the register ------------------------------------------------------------------

def get(session: Session, actor: Actor, restriction_id: int) -> Restriction:
    return RESTRICTIONS.find(session, actor, restriction_id)


def register_of(session: Session, actor: Actor, today: date, *, service: Optional[str] = None,
                plan_id: Optional[int] = None, window_days: int = 90,
                final_states: tuple[str, ...] = ("removed",)) -> list[dict[str, Any]]:
    """Every restriction in the register the actor may see: in force, with its uses in the last
    `window_days` days (incidents naming it) and whether its review is overdue."""
    query = RESTRICTIONS.query(actor).where(Restriction.ended_on.is_(None),
                                            Restriction._state.not_in(final_states))
    if service is not None:
        query = query.join(Service, Service.id == Restriction.service_id).where(
            Service.name == service)
    if plan_id is not None:
        query = query.where(Restriction.plan_id == plan_id)
    rows = list(session.scalars(query.order_by(Restriction.review_date, Restriction.id)))
    uses = uses_since(session, {row.plan_id for row in rows}, today - timedelta(days=window_days))
    return [entry(row, today, uses.get((row.plan_id, row.risk_id), 0)) for row in rows]


def entry(row: Restriction, today: date, uses: int) -> dict[str, Any]:
    return {"id": row.id, "plan_id": row.plan_id, "person": row.person.name,
            "person_id": row.person_id, "service": row.service.name, "risk_id": row.risk_id,
            "description": row.description, "justification": row.justification,
            "review_date": row.review_date.isoformat() if row.review_date else None,
            "overdue": is_overdue(row, today), "uses_90_days": uses, "state": row.state,
            "version": row.lock_version, "decision": row.decision,
            "decision_reason": row.decision_reason,
            "reviewed_at": row.reviewed_at.isoformat().replace("+00:00", "Z")
            if row.reviewed_at else None,
            "reviewed_by": row.reviewed_by.username if row.reviewed_by else None,
            "started_on": row.started_on.isoformat()}


def is_overdue(row: Restriction, today: date) -> bool:
    return row.ended_on is None and row.review_date is not None and row.review_date < today


def uses_since(session: Session, plan_ids: set[int], since: date) -> dict[tuple[int, str], int]:
    """(plan id, risk id) → how many incidents since `since` named that restriction."""
    if not plan_ids:
        return {}
    counts: dict[tuple[int, str], int] = {}
    start = datetime.combine(since, datetime.min.time())
    for plan_id, named in session.execute(
            select(Incident.plan_id, Incident.restriction_ids)
            .where(Incident.plan_id.in_(plan_ids), Incident.occurred_at >= start)):
        for risk_id in named or []:
            counts[(plan_id, risk_id)] = counts.get((plan_id, risk_id), 0) + 1
    return counts


def count_of(session: Session, service_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Restriction).where(
        Restriction.service_id == service_id, Restriction.ended_on.is_(None))) or 0


# --- the "restriction" subject kind --------------------------------------------------------

class RestrictionSnapshot:
    """What the restriction.* rules read (they judge the review's inputs)."""

    def __init__(self, session: Session, restriction: Restriction):
        self.risk_id = restriction.risk_id
        self.review_date = restriction.review_date


def _record_decision(ctx: EffectContext) -> None:
    """mark_reviewed, remove_restriction: the decision and why, and what follows from it."""
    row: Restriction = ctx.subject
    decision = ctx.inputs.get("decision") or ("remove" if ctx.transition == "remove_restriction"
                                              else None)
    row.decision, row.decision_reason = decision, (ctx.inputs.get("reason") or "").strip()
    row.reviewed_by_id, row.reviewed_at = ctx.actor.user_id, ctx.now
    if decision == "remove":
        row.ended_on, row.ended_why = ctx.today, f"removed at review: {row.decision_reason}"
        return
    row.review_date = _day(ctx.inputs.get("next_review_date"))
    if decision == "reduce" and ctx.inputs.get("reduced_to"):
        row.description = ctx.inputs["reduced_to"].strip()


def _describe(row: Restriction) -> dict[str, str]:
    words = row.description.split()
    return {"person": row.person.name, "service": row.service.title,
            "description": " ".join(words[:12]) + ("…" if len(words) > 12 else "")}


RESTRICTION_KIND = register(SubjectKind(
    name="restriction",
    model=Restriction,
    scope=RESTRICTIONS,
    snapshot=RestrictionSnapshot,
    describe=_describe,
    effects={"record_restriction_decision": _record_decision},
    dates={"review_date": lambda row: row.review_date},
))
