"""Checks for incidents (rule ids incident.*) and restriction reviews (restriction.*)."""
from __future__ import annotations

from engine.core.rules import Passed, RuleContext, check

from .text import and_join, as_date, blank


def _words(value) -> int:
    return len(value.split()) if isinstance(value, str) else 0


@check("incident.immediate_action_recorded", min_words=int)
def immediate_action_recorded(ctx: RuleContext) -> list[str]:
    action = ctx.subject.immediate_action
    if _words(action) < ctx.params["min_words"]:
        return ["the report does not say what was done at once to keep the person safe"
                if blank(action) else
                f"\"{action.strip()}\" does not say what was done at once (at least "
                f"{ctx.params['min_words']} words)"]
    return []


@check("incident.notifications_decided", statutory_severities=list, statutory_kinds=list)
def notifications_decided(ctx: RuleContext) -> list[str]:
    notes = ctx.inputs.get("notifications") or {}
    problems = []
    if not ctx.subject.people_informed and notes.get("family_informed") is None:
        problems.append("nobody is recorded as told: list who was informed, or say whether "
                        "the family was")
    statutory = (ctx.subject.severity in ctx.params["statutory_severities"]
                 or ctx.subject.kind in ctx.params["statutory_kinds"])
    if not statutory:
        return problems
    why = "a safeguarding concern" if ctx.subject.kind in ctx.params["statutory_kinds"] \
        else f"a {ctx.subject.severity} incident"
    undecided = [label for key, label in (("cqc_notification", "a CQC notification"),
                                          ("safeguarding_referral", "a safeguarding referral"))
                 if notes.get(key) is None]
    if undecided:
        problems.append(f"for {why}, whether {and_join(undecided)} "
                        f"{'was' if len(undecided) == 1 else 'were'} made is not recorded")
    not_made = [label for key, label in (("cqc_notification", "no CQC notification"),
                                         ("safeguarding_referral", "no safeguarding referral"))
                if notes.get(key) is False]
    if not_made and blank(notes.get("reason")):
        problems.append(f"{and_join(not_made)} was made for {why}, and no reason is given")
    return problems


@check("incident.learning_recorded", min_words=int)
def learning_recorded(ctx: RuleContext) -> list[str]:
    learning = ctx.inputs.get("learning")
    if blank(learning):
        return ["what was learned from the incident is not recorded"]
    if _words(learning) < ctx.params["min_words"]:
        return [f"\"{str(learning).strip()}\" is not yet a sentence about what was learned "
                f"(at least {ctx.params['min_words']} words)"]
    return []


@check("incident.plan_considered")
def plan_considered(ctx: RuleContext) -> list[str]:
    subject = ctx.subject
    if subject.plan_id is None:
        return Passed("the person has no plan in force to consider")
    if subject.reviews_opened_since:
        return Passed(f"a review of the plan was opened on {subject.reviews_opened_since[0]}")
    if subject.risks_reviewed_since:
        return Passed(f"the plan's risks were reviewed on {subject.risks_reviewed_since[0]}")
    return ["the plan's risks have not been reviewed since the incident and no review of the "
            "plan has been opened: start a review of the plan"]


@check("restriction.decision_recorded", decisions=list, min_words=int)
def decision_recorded(ctx: RuleContext) -> list[str]:
    allowed = ctx.params["decisions"]
    decision = ctx.inputs.get("decision")
    if len(allowed) == 1 and decision is None:
        decision = allowed[0]
    problems = []
    if decision not in allowed:
        problems.append(f"no decision: choose {' or '.join(allowed)}"
                        if decision is None else
                        f"the decision \"{decision}\" is not one of {' or '.join(allowed)}")
    if _words(ctx.inputs.get("reason")) < ctx.params["min_words"]:
        problems.append("why the decision was taken is not recorded (at least "
                        f"{ctx.params['min_words']} words)")
    if decision in ("keep", "reduce"):
        next_date = as_date(ctx.inputs.get("next_review_date"))
        if next_date is None:
            problems.append("no next review date for the restriction")
        elif next_date <= ctx.today:
            problems.append(f"the next review date {next_date} is not after today")
    if decision == "reduce" and blank(ctx.inputs.get("reduced_to")):
        problems.append("a reduction does not say what remains of the restriction")
    return problems
