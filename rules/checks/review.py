"""Checks for starting, recording and concluding a review (rule ids review.* and reduce.*)."""
from __future__ import annotations

from datetime import timedelta

from engine.care.reviews import QUESTIONS
from engine.core.rules import Passed, RuleContext, check

from .text import and_join, as_date, blank

NO_REVIEW = "no review record has been written for this review cycle"


@check("review.trigger_recorded")
def trigger_recorded(ctx: RuleContext) -> list[str]:
    if not blank(ctx.inputs.get("reason")):
        return []
    due = ctx.subject.next_review_on
    if due is not None and ctx.today >= due:
        return []
    when = f"the review date {due} has not arrived" if due else "the plan has no review date"
    return [f"{when} and no reason (incident, change in needs, request) was given"]


@check("revision.review_date_passed")
def review_date_passed(ctx: RuleContext) -> list[str]:
    """A revision is overdue once the version in force reaches its review date."""
    if not ctx.subject.has_approved_version:
        return ["the plan has no approved version in force yet"]
    due = ctx.subject.next_review_on
    if due is None or ctx.today < due:
        return [f"the version in force is not due for review until {due}" if due else
                "the version in force has no review date"]
    return []


def needs_review(func):
    """A review-cycle check fails with NO_REVIEW until the cycle has a review record."""

    def judged(ctx: RuleContext) -> list[str]:
        return [NO_REVIEW] if ctx.subject.review is None else func(ctx, ctx.subject.review)

    judged.__name__, judged.__doc__ = func.__name__, func.__doc__
    return judged


def _outcomes(ctx: RuleContext) -> list[dict]:
    return (ctx.subject.current_content or {}).get("outcomes") or []


def _since(ctx: RuleContext) -> str:
    since = ctx.subject.evidence_since
    return f"since the last review ({since})" if since else "since the plan started"


@check("review.recorded")
@needs_review
def recorded(ctx, review):
    unanswered = [question for field, question in QUESTIONS.items() if blank(review.get(field))]
    return [f"the review does not answer {and_join(unanswered)}"] if unanswered else []


def _first_name(ctx: RuleContext) -> str:
    name = (getattr(ctx.subject, "person", None) or "").split()
    return name[0] if name else "the person"


def _old_words(value) -> str:
    """What an old free-text answer said, for a detail that explains why it is not enough."""
    if isinstance(value, str) and not blank(value):
        return f" (the free-text answer {value.strip()!r} is kept but is not enough on its own)"
    return ""


@check("review.person_involved")
@needs_review
def person_involved(ctx, review):
    """took_part with the person's views in their own words, or declined with how their views
    were sought otherwise. The old person_involved text alone never satisfies it."""
    involvement = review.get("involvement") or {}
    person = _first_name(ctx)
    if involvement.get("how") == "declined":
        if not blank(involvement.get("sought_otherwise")) or not blank(involvement.get("views")):
            return []
        return [f"{person} declined to take part, and the review does not say how their views "
                "were sought otherwise"]
    if involvement.get("took_part") is True:
        missing = []
        if blank(involvement.get("how")):
            missing.append(f"how {person} took part")
        if blank(involvement.get("views")):
            missing.append(f"{person}'s views in their own words")
        return [f"{person} took part, but the review does not record {and_join(missing)}"] \
            if missing else []
    if involvement.get("took_part") is False:
        return [f"the review records that {person} did not take part, and not that they "
                "declined and how their views were sought otherwise"]
    return [f"the review does not record whether {person} took part, how, and their views in "
            f"their own words{_old_words(review.get('person_involved'))}"]


@check("review.outcomes_evidenced")
@needs_review
def outcomes_evidenced(ctx, review):
    ratings = {item["outcome_id"]: item for item in review.get("outcome_ratings") or []}
    problems = []
    for outcome in _outcomes(ctx):
        rating = ratings.get(outcome["id"])
        if rating is None:
            problems.append(f"outcome {outcome['id']} has no progress rating")
        elif blank(rating.get("evidence")):
            problems.append(f"outcome {outcome['id']}'s rating gives no evidence")
        if not ctx.subject.records.get(outcome["id"]):
            problems.append(f"outcome {outcome['id']} has no daily record {_since(ctx)}")
    return problems


@check("review.risks_reviewed")
@needs_review
def risks_reviewed(ctx, review):
    reviewed = set(review.get("risks_reviewed") or [])
    risks = (ctx.subject.current_content or {}).get("risks") or []
    return [f"{'restriction' if risk.get('restrictive') else 'risk'} {risk['id']} is not "
            "marked as reviewed" for risk in risks if risk["id"] not in reviewed]


@check("review.next_date_set", review_interval_days=int)
@needs_review
def next_date_set(ctx, review):
    next_review = as_date(review.get("next_review_date"))
    if next_review is None:
        return ["the review sets no next review date"]
    limit = ctx.today + timedelta(days=ctx.params["review_interval_days"])
    if next_review <= ctx.today:
        return [f"the next review date {next_review} is not after today ({ctx.today})"]
    if next_review > limit:
        return [f"the next review on {next_review} is later than policy allows ({limit}, "
                f"{ctx.params['review_interval_days']} days from today)"]
    return []


@check("review.independent_approver")
@needs_review
def independent_approver(ctx, review):
    if ctx.actor.username == ctx.subject.review_author:
        return [f"{ctx.actor.username} wrote the review record"]
    return []


def reduced_outcomes(ctx: RuleContext, review: dict) -> list[str]:
    """The outcomes whose support the review reduces: those it names, and every outcome whose
    actions lose hours (naming one outcome cannot exempt another whose hours are cut)."""
    current = {a["id"]: a for a in (ctx.subject.current_content or {}).get("actions") or []}
    reduced = list(dict.fromkeys(review.get("reduced_outcome_ids") or []))
    for proposed in review.get("proposed_actions") or []:
        action = current.get(proposed["id"])
        if (action and proposed["hours_per_week"] < (action.get("hours_per_week") or 0)
                and action["outcome_id"] not in reduced):
            reduced.append(action["outcome_id"])
    return reduced


def slope(values: list[float]) -> float:
    """Least-squares slope of values against their position."""
    n = len(values)
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    spread = sum((x - mean_x) ** 2 for x in range(n))
    return sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values)) / spread


def _records(count: int) -> str:
    return f"{count} daily record{'' if count == 1 else 's'}"


@check("reduce.progress_evidenced", min_records=int, late_entry_hours=float)
@needs_review
def progress_evidenced(ctx, review):
    """Per reduced outcome: rated achieved or progressing, and across its contemporaneous
    records since the last review (at least min_records; late entries left out) either prompts
    falling or every record independent with no prompts."""
    ratings = {item["outcome_id"]: item.get("rating") for item in
               review.get("outcome_ratings") or []}
    outcomes = reduced_outcomes(ctx, review)
    if not outcomes:
        return ["the review names no outcome whose support is reduced"]
    problems, ways = [], []
    least = ctx.params["min_records"]
    for outcome_id in outcomes:
        rating = ratings.get(outcome_id)
        if rating not in ("achieved", "progressing"):
            problems.append(f"outcome {outcome_id} is rated {rating or 'not at all'}, not "
                            "achieved or progressing")
        written = ctx.subject.records.get(outcome_id, [])
        timely = [record for record in written if not getattr(record, "late_entry", False)]
        late = len(written) - len(timely)
        left_out = (f" ({late} late entr{'y' if late == 1 else 'ies'}, written more than "
                    f"{ctx.params['late_entry_hours']:g} hours after the day they describe, "
                    f"{'is' if late == 1 else 'are'} left out)") if late else ""
        prompts = [record.prompts for record in timely]
        if len(prompts) < least:
            problems.append(f"outcome {outcome_id} has {_records(len(prompts))} "
                            f"{_since(ctx)}{left_out}; at least {least} are needed to show "
                            "prompts falling")
        elif all(record.completion == "independent" and record.prompts == 0
                 for record in timely):
            ways.append(f"outcome {outcome_id}: independent with no prompts in all "
                        f"{_records(len(timely))}{left_out}")
        elif slope(prompts) < 0:
            ways.append(f"outcome {outcome_id}: prompts falling across "
                        f"{_records(len(prompts))} ({', '.join(str(p) for p in prompts)})"
                        f"{left_out}")
        else:
            problems.append(f"prompts for outcome {outcome_id} are not falling across its "
                            f"{len(prompts)} records {_since(ctx)} "
                            f"({', '.join(str(p) for p in prompts)}){left_out}")
    return problems or Passed("; ".join(ways))


@check("reduce.hours_reallocated", tolerance=float)
@needs_review
def hours_reallocated(ctx, review):
    content = ctx.subject.current_content or {}
    commissioned = content.get("commissioned_hours_per_week") or 0
    proposed = review.get("proposed_hours_per_week")
    if proposed is None:
        return ["the review proposes no new hours"]
    problems = []
    if proposed >= commissioned:
        problems.append(f"the proposed {proposed:g} hours are not lower than the "
                        f"{commissioned:g} commissioned")
    if not review.get("proposed_actions"):
        return problems + ["the review does not say how the new hours are spread over the "
                           "plan's actions"]
    hours = {item["id"]: item["hours_per_week"] for item in review["proposed_actions"]}
    allocated = sum(hours.get(a["id"], a.get("hours_per_week") or 0)
                    for a in content.get("actions") or [])
    if abs(allocated - proposed) > ctx.params["tolerance"]:
        problems.append(f"the plan's actions would have {allocated:g} hours, not the proposed "
                        f"{proposed:g}")
    return problems


@check("reduce.risk_reassessed")
@needs_review
def risk_reassessed(ctx, review):
    reassessment = review.get("reassessment") or {}
    missing = [label for key, label in (("monitoring", "what staff monitor under reduced support"),
                                        ("reinstate_when", "when support is reinstated"))
               if blank(reassessment.get(key))]
    return [f"the reassessment does not say {and_join(missing)}"] if missing else []


@check("reduce.person_agrees")
@needs_review
def person_agrees(ctx, review):
    """agrees, or lacks_capacity with a best-interests record; does_not_agree blocks. The old
    person_agrees answer alone never satisfies it."""
    agreement = review.get("agreement") or {}
    person = _first_name(ctx)
    decision = agreement.get("decision")
    if decision == "agrees":
        return []
    if decision == "does_not_agree":
        return [f"{person} does not agree to the reduction"]
    if decision == "lacks_capacity":
        if not blank(agreement.get("best_interests_record")):
            return []
        return [f"{person} lacks capacity to agree to the reduction, and no best-interests "
                "record is given"]
    return [f"the review does not record whether {person} agrees to the reduction"
            f"{_old_words(review.get('person_agrees'))}"]


@check("increase.hours_recorded")
def hours_recorded(ctx: RuleContext) -> list[str]:
    """The interim weekly hours are given and more than the commissioned hours in force."""
    given = ctx.inputs.get("hours_per_week")
    if given is None:
        return ["no hours per week were given for the increased support"]
    commissioned = (ctx.subject.current_content or {}).get("commissioned_hours_per_week") or 0
    if given <= commissioned:
        return [f"the {given:g} hours a week are not more than the {commissioned:g} "
                "commissioned"]
    return []
