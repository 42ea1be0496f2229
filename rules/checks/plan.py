"""Checks for the content of a support plan (rule ids plan.*)."""
from __future__ import annotations

import re
from datetime import timedelta

from engine.core.rules import RuleContext, check
from engine.core.words import long_date

from .text import and_join, as_date, blank, missing_fields


def _outcomes(ctx: RuleContext) -> list[dict]:
    return ctx.subject.content.get("outcomes") or []


@check("plan.has_outcomes")
def has_outcomes(ctx: RuleContext) -> list[str]:
    return [] if _outcomes(ctx) else ["the plan has no outcomes"]


@check("plan.outcomes_observable", vague_targets=list)
def outcomes_observable(ctx: RuleContext) -> list[str]:
    vague = {_normalise(phrase) for phrase in ctx.params["vague_targets"]}
    problems = []
    for outcome in _outcomes(ctx):
        gaps = missing_fields(outcome, {"statement": "statement", "target": "target",
                                        "measure": "measure"})
        if gaps:
            problems.append(f"outcome {outcome['id']} has no {and_join(gaps)}")
        elif _normalise(outcome["target"]) in vague:
            problems.append(f"outcome {outcome['id']}'s target \"{outcome['target']}\" is not "
                            "observable: say what the person does, how often, with what support")
    return problems


@check("plan.outcomes_use_strengths")
def outcomes_use_strengths(ctx: RuleContext) -> list[str]:
    problems = [f"outcome {outcome['id']} builds on no recorded strength"
                for outcome in _outcomes(ctx) if not outcome.get("strength_ids")]
    problems += [f"strength {strength['id']} does not say how staff use it"
                 for strength in ctx.subject.content.get("strengths") or []
                 if blank(strength.get("used_as"))]
    return problems


@check("plan.outcomes_have_actions")
def outcomes_have_actions(ctx: RuleContext) -> list[str]:
    actions = ctx.subject.content.get("actions") or []
    problems = []
    for outcome in _outcomes(ctx):
        own = [action for action in actions if action.get("outcome_id") == outcome["id"]]
        if not own:
            problems.append(f"outcome {outcome['id']} has no support action")
        elif all(blank(action.get("description")) for action in own):
            problems.append(f"outcome {outcome['id']} has no action that says what staff do")
    return problems


@check("plan.hours_allocated", tolerance=float)
def hours_allocated(ctx: RuleContext) -> list[str]:
    content = ctx.subject.content
    commissioned = content.get("commissioned_hours_per_week")
    if commissioned is None:
        return ["the plan has no commissioned hours"]
    actions = content.get("actions") or []
    allocated = sum(action.get("hours_per_week") or 0 for action in actions)
    problems = [f"action {action['id']} has no hours" for action in actions
                if not action.get("hours_per_week")]
    if abs(allocated - commissioned) > ctx.params["tolerance"]:
        gap = commissioned - allocated
        what = f"{_hours(gap)} unallocated" if gap > 0 else f"{_hours(-gap)} over"
        problems.append(f"actions allocate {_hours(allocated)} of {_hours(commissioned)} "
                        f"commissioned hours per week ({what})")
    return problems


@check("plan.risks_complete")
def risks_complete(ctx: RuleContext) -> list[str]:
    labels = {"description": "what the risk is",
              "why_proportionate": "why the approach is proportionate",
              "monitoring": "what staff monitor", "escalation": "when to escalate or reassess"}
    problems = []
    for risk in ctx.subject.content.get("risks") or []:
        gaps = missing_fields(risk, labels)
        if gaps:
            problems.append(f"risk {risk['id']} does not record {and_join(gaps)}")
    return problems


@check("plan.restrictions_justified")
def restrictions_justified(ctx: RuleContext) -> list[str]:
    next_review = as_date(ctx.subject.content.get("next_review_date"))
    problems = []
    for risk in ctx.subject.content.get("risks") or []:
        if not risk.get("restrictive"):
            continue
        if blank(risk.get("justification")):
            problems.append(f"restriction {risk['id']} has no justification")
        review = as_date(risk.get("review_date"))
        if review is None:
            problems.append(f"restriction {risk['id']} has no review date")
        elif next_review is not None and review > next_review:
            problems.append(f"restriction {risk['id']} is reviewed on {review}, after the plan's "
                            f"next review on {next_review}")
    return problems


@check("plan.restriction_review_dates_ahead")
def restriction_review_dates_ahead(ctx: RuleContext) -> list[str]:
    """A version staff follow from today cannot carry a restriction whose review is already
    due or past: the review would be missed the day the version is approved."""
    problems = []
    for risk in ctx.subject.content.get("risks") or []:
        review = as_date(risk.get("review_date")) if risk.get("restrictive") else None
        if review is not None and review <= ctx.today:
            when = "today" if review == ctx.today else "already past"
            problems.append(f"restriction {risk['id']} ({_risk_words(risk)}) is to be reviewed on "
                            f"{long_date(review)}, {when}: set a review date after "
                            f"{long_date(ctx.today)}")
    return problems


def _risk_words(risk: dict) -> str:
    words = (risk.get("description") or "").strip() or "no description"
    return words if len(words) <= 60 else words[:59].rstrip() + "…"


@check("plan.person_involved")
def person_involved(ctx: RuleContext) -> list[str]:
    involvement = ctx.subject.content.get("involvement") or {}
    problems = []
    if blank(involvement.get("person_views")):
        problems.append("the person's views in their own words are not recorded")
    if blank(involvement.get("involved_on")):
        problems.append("the date the person was involved is not recorded")
    consent = involvement.get("consent")
    if consent is None:
        problems.append("neither consent nor a best-interests decision is recorded")
    elif consent == "best_interests" and blank(involvement.get("best_interests_record")):
        problems.append("consent is by best interests but no best-interests decision is recorded")
    return problems


@check("plan.review_date_set", first_review_days=int, review_interval_days=int)
def review_date_set(ctx: RuleContext) -> list[str]:
    content = ctx.subject.content
    start = as_date(content.get("start_date"))
    next_review = as_date(content.get("next_review_date"))
    if next_review is None:
        return ["the plan has no next review date"]
    if ctx.subject.has_approved_version:
        # A revision: the next review is within the normal interval from today.
        limit, why = ctx.today + timedelta(days=ctx.params["review_interval_days"]), (
            f"{ctx.params['review_interval_days']} days from today")
    elif start is None:
        return ["the plan has no start date, so the first review cannot be checked"]
    else:
        limit, why = start + timedelta(days=ctx.params["first_review_days"]), (
            f"{ctx.params['first_review_days']} days after the start date {start}")
    problems = []
    if next_review > limit:
        problems.append(f"the next review on {next_review} is later than policy allows "
                        f"({limit}, {why})")
    if start is not None and next_review < start:
        problems.append(f"the next review on {next_review} is before the start date {start}")
    return problems


@check("plan.independent_approver")
def independent_approver(ctx: RuleContext) -> list[str]:
    if ctx.actor.username in ctx.subject.editors:
        return [f"{ctx.actor.username} authored or edited this version"]
    return []


@check("plan.approver_available")
def approver_available(ctx: RuleContext) -> list[str]:
    """Somebody could pass plan.independent-approver: an active manager who did not edit it."""
    editors = set(ctx.subject.editors)
    if any(manager not in editors for manager in ctx.subject.managers):
        return []
    if not ctx.subject.managers:
        who = "the service has no manager"
    else:
        who = f"{and_join(sorted(ctx.subject.managers))} authored or edited this version"
    return [f"no manager could approve it: {who}. An admin can add a manager of another "
            f"service as an approver (strengthwise user add-approver USERNAME --service "
            f"{ctx.subject.service})"]


@check("plan.key_worker_assigned")
def key_worker_assigned(ctx: RuleContext) -> list[str]:
    name = ctx.subject.content.get("key_worker")
    if blank(name):
        return ["no key worker is named"]
    worker = ctx.subject.key_worker
    if worker is None or ctx.subject.service not in worker["services"]:
        # Whether someone by that name works elsewhere is not this service's business.
        return [f"key worker {name} is not a member of staff in service {ctx.subject.service}"]
    if not worker["active"]:
        return [f"key worker {name} is no longer active"]
    if worker["role"] not in ("staff", "manager"):
        return [f"key worker {name} is an {worker['role']}, not a member of staff"]
    return []


@check("plan.team_briefed")
def team_briefed(ctx: RuleContext) -> list[str]:
    name = ctx.subject.content.get("key_worker")
    if blank(name):
        return ["no key worker is named to acknowledge the plan"]
    if name not in ctx.subject.acknowledged_by:
        return [f"key worker {name} has not acknowledged version "
                f"{ctx.subject.current_version}"]
    return []


def _normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]+", "", text.lower()).strip()


def _hours(value: float) -> str:
    return f"{value:g}"
