"""Completed (and written) reviews, to read: a list per plan and a page per review, for every
role that reads the plan. Writing a review is the review form's (evidence.py)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import login_required

from engine.care import plans, reviews
from engine.care.models import Plan, Review

from ..auth import page_actor
from ..extensions import db
from .evidence import DECISION_LABELS, QUESTION_LABELS, RATING_LABELS, local

review_records = Blueprint("reviews", __name__)
review_records.context_processor(lambda: {"local": local})
CLOSED_BY = {"complete_review": "completed: the plan continues",
             "reduce_support": "completed: support reduced",
             "revise": "completed: the plan is being revised",
             "reinstate": "ended when support was reinstated",
             "close": "ended when the plan closed"}


@review_records.get("/plans/<int:plan_id>/reviews")
@login_required
def index(plan_id: int):
    plan = plans.get_plan(db.session, page_actor(), plan_id)
    rows = [(review, reviews.completed_by(db.session, review))
            for review in reviews.reviews_of(db.session, plan)]
    return render_template("pages/reviews/index.html", plan=plan, rows=rows,
                           decisions=DECISION_LABELS, closed_by=CLOSED_BY)


@review_records.get("/plans/<int:plan_id>/reviews/<int:review_id>")
@login_required
def show(plan_id: int, review_id: int):
    plan = plans.get_plan(db.session, page_actor(), plan_id)
    review = reviews.review_in(db.session, plan, review_id)
    return render_template("pages/reviews/show.html", plan=plan, review=review,
                           completed=reviews.completed_by(db.session, review),
                           names=_names(plan, review), questions=QUESTION_LABELS,
                           ratings=RATING_LABELS, decisions=DECISION_LABELS,
                           closed_by=CLOSED_BY)


def _names(plan: Plan, review: Review) -> dict[str, dict[str, str]]:
    """Outcomes, risks and actions by their words, from the versions the review could name."""
    names: dict[str, dict[str, str]] = {"outcomes": {}, "risks": {}, "actions": {}}
    for version in reversed(plans.versions(db.session, plan)):
        content: dict[str, Any] = version.content
        for section, field in (("outcomes", "statement"), ("risks", "description"),
                               ("actions", "description")):
            names[section].update({item["id"]: item.get(field) or "unnamed"
                                   for item in content.get(section) or []})
    return names
