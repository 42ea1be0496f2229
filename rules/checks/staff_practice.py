"""Checks for supervision and competency (rule ids supervision.* and competency.*)."""
from __future__ import annotations

from engine.care.supervision import PROMPTS, RECORD_FIELDS
from engine.core.rules import RuleContext, check

from .text import and_join, as_date, blank

FIELD_WORDS = {"observed_strength": "observed strength", "support_provided": "support provided",
               "independence_opportunity": "independence opportunity",
               "outcome_link": "outcome link", "next_step": "next step"}


@check("supervision.record_written")
def record_written(ctx: RuleContext) -> list[str]:
    record = ctx.subject.record
    if record is None:
        return ["no supervision record has been written"]
    missing = [FIELD_WORDS[f] for f in RECORD_FIELDS if blank(record.get(f))]
    missing += [PROMPTS[p] for p in PROMPTS if blank((record.get("prompts") or {}).get(p))]
    return [f"the record does not say {and_join(missing)}"] if missing else []


@check("supervision.independent_sign_off")
def independent_sign_off(ctx: RuleContext) -> list[str]:
    if ctx.actor.username == ctx.subject.supervisee:
        return [f"{ctx.actor.username} is the supervisee"]
    return []


@check("supervision.progression_understood")
def progression_understood(ctx: RuleContext) -> list[str]:
    if ctx.subject.record is None:
        return ["no supervision record names an outcome"]
    linked = ctx.subject.linked
    link = linked["link"]
    if linked["plan"] is None:
        return [f"the outcome link names no plan (plan {link.get('plan_id')} does not exist)"]
    if linked["outcome"] is None:
        return [f"plan {link['plan_id']} has no outcome {link.get('outcome_id')!r} in force"]
    problems = []
    if not linked["supports"]:
        problems.append(f"{ctx.subject.supervisee} neither is the key worker of plan "
                        f"{link['plan_id']} nor has written its daily records")
    if not linked["records"]:
        start, end = ctx.subject.period
        problems.append(f"outcome {link['outcome_id']} of plan {link['plan_id']} has no daily "
                        f"records between {start} and {end}")
    return problems


@check("competency.training_recorded")
def training_recorded(ctx: RuleContext) -> list[str]:
    training = ctx.subject.training
    if training is None:
        return ["no training record"]
    labels = {"completed_on": "completion date", "learning_outcomes": "practical learning "
              "outcomes", "case_study": "case study participation"}
    missing = [label for key, label in labels.items() if blank(training.get(key))]
    return [f"the training record lacks {and_join(missing)}"] if missing else []


@check("competency.check_recorded")
def check_recorded(ctx: RuleContext) -> list[str]:
    assessment = ctx.subject.assessment or {}
    return [] if not blank(assessment.get("competency_check")) else [
        "no competency check is recorded"]


@check("competency.practice_observed")
def practice_observed(ctx: RuleContext) -> list[str]:
    independent = [o for o in ctx.subject.observations if o["assessor"] != ctx.subject.worker]
    if not ctx.subject.observations:
        return ["no practice observation is recorded"]
    if not independent:
        return [f"every practice observation was made by {ctx.subject.worker} themself"]
    if all(blank(o["how_applied"]) for o in independent):
        return ["no observation says how strengths-based practice applied to real service "
                "delivery"]
    return []


@check("competency.follow_up_supervision")
def follow_up_supervision(ctx: RuleContext) -> list[str]:
    assessment = ctx.subject.assessment or {}
    return [] if as_date(assessment.get("follow_up_supervision_on")) else [
        "the assessment sets no follow-up supervision date"]


@check("competency.independent_sign_off")
def competency_independent(ctx: RuleContext) -> list[str]:
    if ctx.actor.username == ctx.subject.worker:
        return [f"{ctx.actor.username} cannot sign off their own competency"]
    return []


@check("competency.refresher_date_reached")
def refresher_date_reached(ctx: RuleContext) -> list[str]:
    due = ctx.subject.refresher_due_on
    if not blank(ctx.inputs.get("reason")) or (due is not None and ctx.today >= due):
        return []
    return [f"the refresher is not due until {due} and no reason was given"]


@check("competency.refresher_recorded")
def refresher_recorded(ctx: RuleContext) -> list[str]:
    problems = training_recorded(ctx)
    if problems:
        return problems
    completed = as_date(ctx.subject.training.get("completed_on"))
    due = ctx.subject.refresher_due_on
    if due is not None and completed is not None and completed < due:
        return [f"the latest training was completed on {completed}, before the refresher fell "
                f"due on {due}"]
    return []
