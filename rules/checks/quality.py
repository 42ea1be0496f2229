"""Auditable-validation checks for the plan quality audit (rule ids quality.*)."""
from __future__ import annotations

from datetime import timedelta

from engine.care.quality import Issue
from engine.care.supervision import SupervisionSnapshot
from engine.core.rules import RuleContext, check

from .text import as_date


@check("quality.evidence_current", stale_evidence_days=int)
def evidence_current(ctx: RuleContext) -> list[Issue]:
    since = ctx.today - timedelta(days=ctx.params["stale_evidence_days"])
    issues = []
    for plan, content, person in ctx.subject.plans:
        for outcome in content.get("outcomes") or []:
            last = ctx.subject.last_record_on.get((plan.id, outcome["id"]))
            if last is None or last < since:
                when = f"last on {last}" if last else "none at all"
                issues.append(Issue("plan", plan.id, plan.id, person,
                                    f"outcome {outcome['id']} has no daily record since {since} "
                                    f"({when})"))
    return issues


@check("quality.reviews_on_time")
def reviews_on_time(ctx: RuleContext) -> list[Issue]:
    issues = []
    for plan, content, person in ctx.subject.plans:
        task = ctx.subject.overdue_review_tasks.get(plan.id)
        due = plan.next_review_on or as_date(content.get("next_review_date"))
        if task is not None:
            issues.append(Issue("plan", plan.id, plan.id, person,
                                f"the review has been due since {task.due} and "
                                f"is not complete"))
        elif plan.state != "review_due" and due is not None and due < ctx.today:
            issues.append(Issue("plan", plan.id, plan.id, person,
                                f"the review was due on {due} and has not started"))
    return issues


@check("quality.restrictions_reviewed")
def restrictions_reviewed(ctx: RuleContext) -> list[Issue]:
    """The review date is the register's (a review moves it on; a removal ends it), else the
    plan's own."""
    issues = []
    register = ctx.subject.restriction_reviews
    for plan, content, person in ctx.subject.plans:
        for risk in content.get("risks") or []:
            key = (plan.id, risk.get("id"))
            review = register[key] if key in register else as_date(risk.get("review_date"))
            if risk.get("restrictive") and review is not None and review < ctx.today:
                issues.append(Issue("plan", plan.id, plan.id, person,
                                    f"restriction {risk['id']} was due for review on {review}"))
    return issues


@check("quality.key_workers_competent")
def key_workers_competent(ctx: RuleContext) -> list[Issue]:
    issues = []
    for plan, content, person in ctx.subject.plans:
        worker = content.get("key_worker")
        if worker and worker not in ctx.subject.competent_workers:
            issues.append(Issue("plan", plan.id, plan.id, person,
                                f"key worker {worker} has no current competency sign-off"))
    return issues


@check("quality.supervision_links_match")
def supervision_links_match(ctx: RuleContext) -> list[Issue]:
    issues = []
    for supervision in ctx.subject.signed_off_supervisions:
        facts = SupervisionSnapshot(ctx.subject.session, supervision).linked
        plan, link = facts["plan"], facts["link"]
        if plan is not None and plan.service_id != supervision.service_id:
            plan = None  # another service's plan does not exist here: not even its person
        problem = None
        if plan is None:
            problem = f"names plan {link.get('plan_id')}, which is not a plan of this service"
        elif facts["outcome"] is None:
            problem = f"names outcome {link.get('outcome_id')!r}, which plan {plan.id} lacks"
        elif not facts["supports"]:
            problem = f"names plan {plan.id}, which {supervision.supervisee.username} does " \
                      "not support"
        elif not facts["records"]:
            problem = f"names outcome {link['outcome_id']} of plan {plan.id}, which has no " \
                      "daily records in the supervision period"
        if problem:
            issues.append(Issue("supervision", supervision.id, plan.id if plan else None,
                                plan.person.name if plan else None,
                                f"the supervision of {supervision.supervisee.username} on "
                                f"{supervision.scheduled_for} {problem}"))
    return issues


@check("quality.strengths_based_recording", stale_evidence_days=int)
def strengths_based_recording(ctx: RuleContext) -> list[Issue]:
    since = ctx.today - timedelta(days=ctx.params["stale_evidence_days"])
    issues = []
    for record, person in ctx.subject.flagged_records(since):
        words = ", ".join(f"\"{flag['words']}\"" for flag in record.language_flags)
        issues.append(Issue("daily_record", record.id, record.plan_id, person,
                            f"the record of {record.date} by {record.author.username} uses "
                            f"{words}"))
    return issues
