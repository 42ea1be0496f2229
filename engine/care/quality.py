"""Auditable validation: the plan quality audit an auditor runs across a service.

The rules live in rules/quality.toml (kind "auditable_validation"); each names a check in
rules/checks/quality.py that reads a QualityContext — the service's plans in force, their
records, reviews, tasks, supervisions and competencies — and returns Findings, each naming its
rule and the record it is about.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from functools import cached_property
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.care.learning_models import Restriction
from engine.care.models import Competency, DailyRecord, Person, Plan, PlanVersion, Supervision
from engine.core.models import Service, Task, User
from engine.core.rules import CHECKS, RuleContext

PACK = "quality"


@dataclass(frozen=True)
class Finding:
    rule: str
    text: str
    record_type: str   # plan, daily_record, supervision, user
    record_id: int
    plan_id: int | None
    person: str | None
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Issue:
    """What a check reports, before the runner adds the rule's id and text."""

    record_type: str
    record_id: int
    plan_id: int | None
    person: str | None
    detail: str


class QualityContext:
    """Everything the quality checks read about one service, loaded once, on first use."""

    def __init__(self, session: Session, service: Service, today: date, registry: Any):
        self.session, self.service, self.today = session, service, today
        # Which states count as what comes from the workflow definitions' tags.
        plans = registry.workflow("support_plan")
        self.in_force = plans.states_tagged("in_force")
        # A plan being revised still has its approved version in force: it is audited too.
        self.in_revision = plans.states_tagged("in_revision")
        self.competent = registry.workflow("competency").states_tagged("competent")
        self.written = registry.workflow("supervision").states_tagged("written")

    @cached_property
    def plans(self) -> list[tuple[Plan, dict[str, Any], str]]:
        """(plan, content of the version in force, person's name) for plans in force."""
        rows = self.session.execute(
            select(Plan, PlanVersion.content, Person.name)
            .join(PlanVersion, (PlanVersion.plan_id == Plan.id)
                  & (PlanVersion.number == Plan.current_version))
            .join(Person, Person.id == Plan.person_id)
            .where(Plan.service_id == self.service.id,
                   Plan._state.in_(self.in_force) | Plan._state.in_(self.in_revision))
            .order_by(Plan.id))
        return [tuple(row) for row in rows]

    @cached_property
    def last_record_on(self) -> dict[tuple[int, str], date]:
        """The date of the latest daily record per (plan, outcome) in the service."""
        rows = self.session.execute(
            select(DailyRecord.plan_id, DailyRecord.outcome_id, func.max(DailyRecord.date))
            .join(Plan, Plan.id == DailyRecord.plan_id)
            .where(Plan.service_id == self.service.id)
            .group_by(DailyRecord.plan_id, DailyRecord.outcome_id))
        return {(plan_id, outcome_id): day for plan_id, outcome_id, day in rows}

    def flagged_records(self, since: date) -> list[tuple[DailyRecord, str]]:
        rows = self.session.execute(
            select(DailyRecord, Person.name).join(Plan, Plan.id == DailyRecord.plan_id)
            .join(Person, Person.id == Plan.person_id)
            .where(Plan.service_id == self.service.id, DailyRecord.date >= since)
            .order_by(DailyRecord.date, DailyRecord.id))
        return [(record, name) for record, name in rows if record.language_flags]

    @cached_property
    def overdue_review_tasks(self) -> dict[int, Task]:
        rows = self.session.scalars(select(Task).where(
            Task.service_id == self.service.id, Task.kind == "complete_review",
            Task.status.in_(("open", "claimed")), Task.due < self.today))
        return {task.subject_id: task for task in rows}

    @cached_property
    def restriction_reviews(self) -> dict[tuple[int, str], date | None]:
        """(plan id, risk id) → the review date the restrictive-practice register holds for
        that restriction (moved on by each review), or None once a review removed it."""
        rows = self.session.execute(
            select(Restriction.plan_id, Restriction.risk_id, Restriction.review_date,
                   Restriction.ended_on)
            .where(Restriction.service_id == self.service.id)
            .order_by(Restriction.id))
        return {(plan_id, risk_id): None if ended else review
                for plan_id, risk_id, review, ended in rows}

    @cached_property
    def competent_workers(self) -> set[str]:
        rows = self.session.scalars(
            select(User.username).join(Competency, Competency.worker_id == User.id)
            .where(Competency._state.in_(self.competent)))
        return set(rows)

    @cached_property
    def signed_off_supervisions(self) -> list[Supervision]:
        return list(self.session.scalars(
            select(Supervision).where(Supervision.service_id == self.service.id,
                                      Supervision._state.in_(self.written))
            .order_by(Supervision.scheduled_for)))


def run_quality_audit(session: Session, registry, service_name: str,
                      today: date) -> list[Finding]:
    """Every finding of every auditable-validation rule for one service."""
    service = session.scalar(select(Service).where(Service.name == service_name))
    if service is None:
        return []
    context = QualityContext(session, service, today, registry)
    findings = []
    for rule in registry.packs[PACK].rules.values():
        rule_context = RuleContext(subject=context, actor=None, now=None, today=today,
                                   params=rule.resolved_params(registry.settings))
        for issue in CHECKS[rule.check].func(rule_context):
            findings.append(Finding(rule.id, rule.text, issue.record_type, issue.record_id,
                                    issue.plan_id, issue.person, issue.detail))
    return sorted(findings, key=lambda f: (f.plan_id is None, f.plan_id or 0, f.rule,
                                           f.record_id))
