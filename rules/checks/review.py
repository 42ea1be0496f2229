"""Checks for starting and recording a review (rule ids review.* and reduce.*)."""
from __future__ import annotations

from engine.rules import RuleContext, check

from .text import as_date, blank

NO_REVIEW = "no review record has been written for this review cycle"


@check("review.trigger_recorded")
def trigger_recorded(ctx: RuleContext) -> list[str]:
    if not blank(ctx.inputs.get("reason")):
        return []
    due = as_date((ctx.subject.current_content or {}).get("next_review_date"))
    if due is not None and ctx.today >= due:
        return []
    when = f"the review date {due} has not arrived" if due else "the plan has no review date"
    return [f"{when} and no reason (incident, change in needs, request) was given"]


def _needs_review(name: str, **params: type):
    """Review-cycle checks: they fail with NO_REVIEW until a review record exists."""

    def register(func):
        def wrapped(ctx: RuleContext) -> list[str]:
            if ctx.subject.review is None:
                return [NO_REVIEW]
            return func(ctx)
        wrapped.__name__ = func.__name__
        return check(name, **params)(wrapped)

    return register


@_needs_review("review.recorded")
def recorded(ctx):
    raise NotImplementedError("review records arrive with the reviews issue")


@_needs_review("review.person_involved")
def person_involved(ctx):
    raise NotImplementedError("review records arrive with the reviews issue")


@_needs_review("review.outcomes_evidenced")
def outcomes_evidenced(ctx):
    raise NotImplementedError("review records arrive with the reviews issue")


@_needs_review("review.risks_reviewed")
def risks_reviewed(ctx):
    raise NotImplementedError("review records arrive with the reviews issue")


@_needs_review("review.next_date_set", review_interval_days=int)
def next_date_set(ctx):
    raise NotImplementedError("review records arrive with the reviews issue")


@_needs_review("review.independent_approver")
def independent_approver(ctx):
    raise NotImplementedError("review records arrive with the reviews issue")


@_needs_review("reduce.progress_evidenced", min_records=int)
def progress_evidenced(ctx):
    raise NotImplementedError("review records arrive with the reviews issue")


@_needs_review("reduce.hours_reallocated", tolerance=float)
def hours_reallocated(ctx):
    raise NotImplementedError("review records arrive with the reviews issue")


@_needs_review("reduce.risk_reassessed")
def risk_reassessed(ctx):
    raise NotImplementedError("review records arrive with the reviews issue")


@_needs_review("reduce.person_agrees")
def person_agrees(ctx):
    raise NotImplementedError("review records arrive with the reviews issue")
