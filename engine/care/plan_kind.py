"""The "plan" subject kind: how the support-plan workflow reads a plan and what its effects do."""
from __future__ import annotations

import copy
from datetime import date, timedelta
from functools import cached_property
from typing import Any, Optional, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session, joinedload

from engine.care import CARE_ROLES, plans, restrictions, reviews
from engine.care.models import Acknowledgement, DailyRecord, DraftEditor, Person, Plan, PlanVersion
from engine.core.models import User, user_services
from engine.core.scope import by_service
from engine.core.subjects import EffectContext, SubjectKind, register
from engine.core.uow import transaction_cache


class PlanSnapshot:
    """What the plan.*, review.* and reduce.* rules read. Facts load on first use, once."""

    def __init__(self, session: Session, plan: Plan):
        self._session = session
        self._plan = plan
        self.id = plan.id
        self.state = plan.state
        self.service = plan.service.name
        self.person = plan.person.name
        self.current_version = plan.current_version
        self.has_approved_version = plan.current_version is not None

    @cached_property
    def current_content(self) -> Optional[dict[str, Any]]:
        version = plans.current_version(self._session, self._plan)
        return version.content if version else None

    @cached_property
    def content(self) -> dict[str, Any]:
        """The content under judgement: the draft being approved, else the version in force."""
        if self._plan.draft is not None:
            return self._plan.draft
        return self.current_content or {}

    @cached_property
    def editors(self) -> list[str]:
        """Who authored or edited the current draft round, in the order they first edited."""
        return plans.editors_of(self._session, self._plan)

    @cached_property
    def managers(self) -> list[str]:
        """The active managers of the plan's service (who could approve it)."""
        return plans.managers_of(self._session, self._plan.service_id)

    @cached_property
    def acknowledged_by(self) -> set[str]:
        if self.current_version is None:
            return set()
        return set(self._session.scalars(
            select(User.username).join(Acknowledgement, Acknowledgement.user_id == User.id)
            .where(Acknowledgement.plan_id == self.id,
                   Acknowledgement.version_number == self.current_version)))

    @cached_property
    def key_worker(self) -> Optional[dict[str, Any]]:
        name = self.content.get("key_worker")
        user = name and self._session.scalar(select(User).where(User.username == name))
        if not user:
            return None
        return {"username": user.username, "role": user.role, "active": user.active,
                "services": set(user.service_names)}

    @cached_property
    def next_review_on(self) -> Optional[date]:
        return plans.next_review_on(self._session, self._plan)

    @cached_property
    def cycle(self):
        return reviews.open_cycle(self._session, self._plan)

    @cached_property
    def _review(self):
        return reviews.review_of(self._session, self.cycle) if self.cycle else None

    @property
    def review(self) -> Optional[dict[str, Any]]:
        """The review record of the open cycle, or None."""
        return self._review.content if self._review else None

    @property
    def review_author(self) -> Optional[str]:
        return self._review.author.username if self._review else None

    @property
    def evidence_since(self) -> Optional[date]:
        return self.cycle.evidence_since if self.cycle else None

    @cached_property
    def records(self) -> dict[str, list[DailyRecord]]:
        """Daily records since the last review, per outcome, oldest first."""
        query = select(DailyRecord).where(DailyRecord.plan_id == self.id)
        if self.evidence_since is not None:
            query = query.where(DailyRecord.date >= self.evidence_since)
        by_outcome: dict[str, list[DailyRecord]] = {}
        for record in self._session.scalars(query.order_by(DailyRecord.date, DailyRecord.id)):
            by_outcome.setdefault(record.outcome_id, []).append(record)
        return by_outcome


# --- effects named by workflows/support_plan.toml -----------------------------------------

def _freeze_version(ctx: EffectContext) -> None:
    """approve: the draft becomes the next approved version; its review date now applies."""
    plan: Plan = ctx.subject
    editors = ctx.snapshot.editors if ctx.snapshot else plans.editors_of(ctx.session, plan)
    # approve fires only from the draft state, and a plan in it always has a draft (created
    # with one, revise opens one, only this effect clears it).
    assert plan.draft is not None
    plans.add_version(ctx.session, plan, plan.draft, basis="approval", editors=editors,
                      approver=ctx.actor, now=ctx.now)
    plan.draft = None
    plan.next_review_on = None
    plan.interim_support = None  # the revised version now says what support is given


def _open_draft(ctx: EffectContext) -> None:
    """revise: a new draft round starts from the version in force, which stays in force."""
    plan: Plan = ctx.subject
    version = plans.current_version(ctx.session, plan)
    plan.draft = copy.deepcopy(version.content if version else plans.EMPTY_CONTENT)
    plan.draft_number += 1


def _open_review_cycle(ctx: EffectContext) -> None:
    """The review falls due on the plan's review date (set before, never moved by starting
    it early), or today if the plan has none."""
    due_on = plans.next_review_on(ctx.session, ctx.subject) or ctx.today
    reviews.open_new_cycle(ctx.session, ctx.subject, ctx.now,
                           trigger=ctx.inputs.get("reason") or "the review date arrived",
                           zone=ZoneInfo(ctx.settings["timezone"]), due_on=due_on,
                           completing=ctx.engine.workflow_of(ctx.subject)
                           .transitions_tagged("completes_review"))


def _open_review_cycles(contexts: Sequence[EffectContext]) -> None:
    """open_review_cycle for a batch of plans (the sweep's start_review)."""
    if contexts:
        first = contexts[0]
        reviews.open_new_cycles(
            first.session,
            [(ctx.subject, ctx.inputs.get("reason") or "the review date arrived",
              plans.next_review_on(ctx.session, ctx.subject) or ctx.today)
             for ctx in contexts],
            first.now, zone=ZoneInfo(first.settings["timezone"]),
            completing=first.engine.workflow_of(first.subject)
            .transitions_tagged("completes_review"))


def _close_review_cycle(ctx: EffectContext) -> None:
    reviews.close_cycle(ctx.session, ctx.subject, ctx.now, ctx.transition)


def _adopt_review_date(ctx: EffectContext) -> None:
    """complete_review, revise: the review's next review date (if it sets one after today)
    becomes the date the version in force is next reviewed; a review now done ends any
    interim support on complete_review (revise keeps it until the revision is approved)."""
    review = (ctx.snapshot.review if ctx.snapshot else None) or {}
    given = review.get("next_review_date")
    if given and date.fromisoformat(given) > ctx.today:
        ctx.subject.next_review_on = date.fromisoformat(given)


def _end_interim_support(ctx: EffectContext) -> None:
    """A completed review decides the support: the interim increase ends."""
    ctx.subject.interim_support = None


def _bring_review_forward(plan: Plan, ctx: EffectContext, days: int) -> date:
    """The plan's next review falls due within `days`, or sooner if it already does: a review
    that has fallen due is never postponed."""
    latest = ctx.today + timedelta(days=days)
    due = plans.next_review_on(ctx.session, plan)
    due = latest if due is None else min(due, latest)
    plan.next_review_on = due
    cycle = reviews.open_cycle(ctx.session, plan)
    if cycle is not None and (cycle.due_on is None or cycle.due_on > due):
        cycle.due_on = due
    return due


def _start_interim_support(ctx: EffectContext) -> None:
    """increase_support: extra support starts at once, and the review falls due within
    review.urgent_review_days."""
    plan: Plan = ctx.subject
    plan.interim_support = {"hours_per_week": ctx.inputs.get("hours_per_week"),
                            "reason": ctx.inputs.get("reason"),
                            "since": ctx.now.isoformat().replace("+00:00", "Z"),
                            "by": ctx.actor.username}
    _bring_review_forward(plan, ctx, ctx.settings["review.urgent_review_days"])


def _apply_reduction(ctx: EffectContext) -> None:
    """reduce_support: the review's hours become a new approved version at once."""
    plan: Plan = ctx.subject
    review = ctx.snapshot.review
    trial_ends = ctx.today + timedelta(days=ctx.settings["review.reduced_support_review_days"])
    content = copy.deepcopy(ctx.snapshot.current_content)
    content["commissioned_hours_per_week"] = review["proposed_hours_per_week"]
    hours = {item["id"]: item["hours_per_week"] for item in review["proposed_actions"]}
    for action in content["actions"]:
        action["hours_per_week"] = hours.get(action["id"], action["hours_per_week"])
    content["next_review_date"] = trial_ends.isoformat()
    plans.add_version(ctx.session, plan, content, basis="reduction",
                      editors=[ctx.snapshot.review_author], approver=ctx.actor, now=ctx.now)
    plan.next_review_on = trial_ends


def _restore_support(ctx: EffectContext) -> None:
    """reinstate: the support in force before the latest reduction comes back at once, and
    the plan is reviewed within review.reinstate_review_days, or on the date its review
    already fell due if that is sooner (reinstating never postpones a review)."""
    plan: Plan = ctx.subject
    review_on = _bring_review_forward(plan, ctx, ctx.settings["review.reinstate_review_days"])
    current = plans.current_version(ctx.session, plan)
    if current is None or current.basis != "reduction":
        return  # support was not reduced: nothing to restore
    before = ctx.session.scalar(
        select(PlanVersion).where(PlanVersion.plan_id == plan.id,
                                  PlanVersion.number < current.number,
                                  PlanVersion.basis != "reduction")
        .order_by(PlanVersion.number.desc()).limit(1))
    # A reduction copies a version in force, and a plan's first version is an approval.
    assert before is not None
    content = copy.deepcopy(before.content)
    content["next_review_date"] = review_on.isoformat()
    plans.add_version(ctx.session, plan, content, basis="reinstatement", editors=[],
                      approver=ctx.actor, now=ctx.now)


def _next_review_date(plan: Plan) -> Optional[date]:
    session = Session.object_session(plan)
    assert session is not None  # the engine reads dates of subjects in its session only
    return plans.next_review_on(session, plan)


def _key_worker_id(session: Session, plan: Plan) -> Optional[int]:
    """The key worker named by the version in force, if active and in the plan's service
    (read once per transaction, or ahead for many plans by _prepare)."""
    version = plans.current_version(session, plan)
    name = version.content.get("key_worker") if version else None
    if not name:
        return None
    cache = transaction_cache(session)
    key = ("key_worker_id", name, plan.service_id)
    if key not in cache:
        cache[key] = session.connection().execute(
            _KEY_WORKER, {"username": name, "service_id": plan.service_id}).scalar()
    return cache[key]


# Built once: the statement the approve path runs for every plan it approves.
_KEY_WORKER = (select(User.id).join(user_services, user_services.c.user_id == User.id)
               .where(User.username == bindparam("username"), User.active.is_(True),
                      user_services.c.service_id == bindparam("service_id")))


def _prepare(session: Session, batch: Sequence[Plan]) -> None:
    """For a batch of plans, read in three statements what their snapshots, task titles and
    assignees read one plan at a time: the people, the versions in force, the key workers."""
    if not batch:
        return
    cache = transaction_cache(session)
    # The identity map holds objects weakly: the cache keeps the people for the transaction.
    cache.setdefault("prepared_people", []).extend(session.scalars(
        select(Person).where(Person.id.in_({plan.person_id for plan in batch}))))
    versions = session.scalars(
        select(PlanVersion).join(Plan, and_(Plan.id == PlanVersion.plan_id,
                                            Plan.current_version == PlanVersion.number))
        .where(Plan.id.in_({plan.id for plan in batch})))
    wanted = set()
    service_of = {plan.id: plan.service_id for plan in batch}
    for version in versions:
        cache[("plan_version", version.plan_id, version.number)] = version
        name = version.content.get("key_worker")
        if name:
            wanted.add((name, service_of[version.plan_id]))
    for name, service_id in wanted:
        cache[("key_worker_id", name, service_id)] = None
    if wanted:
        for user_id, name, service_id in session.execute(
                select(User.id, User.username, user_services.c.service_id)
                .join(user_services, user_services.c.user_id == User.id)
                .where(User.username.in_({name for name, _ in wanted}), User.active.is_(True),
                       user_services.c.service_id.in_({service for _, service in wanted}))):
            if (name, service_id) in wanted:
                cache[("key_worker_id", name, service_id)] = user_id


def _author_id(session: Session, plan: Plan) -> Optional[int]:
    """Who started the current draft round (its first editor), else who created the plan."""
    first = session.scalar(select(DraftEditor.user_id).where(
        DraftEditor.plan_id == plan.id, DraftEditor.draft_number == plan.draft_number)
        .order_by(DraftEditor.first_edit_at).limit(1))
    return first if first is not None else plan.author_id


def _review_author_id(session: Session, plan: Plan) -> Optional[int]:
    """Who wrote the review record of the open review cycle, if anyone has."""
    cycle = reviews.open_cycle(session, plan)
    review = reviews.review_of(session, cycle) if cycle else None
    return review.author_id if review else None


def _describe(plan: Plan) -> dict[str, str]:
    """The words a task's title may use about a plan."""
    session = Session.object_session(plan)
    content = plans.content_of(plan, session) if session is not None else {}
    return {"person": plan.person.name, "service": plan.service.title,
            "version": str(plan.current_version or ""),
            "key_worker": content.get("key_worker") or "the key worker"}


PLAN_KIND = register(SubjectKind(
    name="plan",
    model=Plan,
    scope=by_service("plan", Plan, roles=CARE_ROLES),
    snapshot=PlanSnapshot,
    describe=_describe,
    effects={"freeze_version": _freeze_version, "open_draft": _open_draft,
             "open_review_cycle": _open_review_cycle, "close_review_cycle": _close_review_cycle,
             "adopt_review_date": _adopt_review_date, "apply_reduction": _apply_reduction,
             "restore_support": _restore_support,
             "start_interim_support": _start_interim_support,
             "end_interim_support": _end_interim_support,
             # The restrictive-practice register follows the version in force (§10.4).
             "sync_restrictions": restrictions.sync_effect},
    dates={"next_review_date": _next_review_date},
    people={"key_worker": _key_worker_id, "author": _author_id,
            "review_author": _review_author_id},
    batch_effects={"open_review_cycle": _open_review_cycles},
    prepare=_prepare,
    # The person's name (the snapshot's), loaded with the lock; not the person's service (the
    # plan's is loaded). The editors the approve rules read come by a statement of their own:
    # loading them as a joined collection of ORM objects took twice as long as the rest of
    # the lock (0.8 ms against 0.7 on SQLite), and one column statement takes a tenth of it.
    lock_options=(joinedload(Plan.person, innerjoin=True).lazyload(Person.service),),
))
