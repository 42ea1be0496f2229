"""The inbox: my tasks and my services' unclaimed ones, overdue first; claim and release."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engine.core import tasks
from engine.core.errors import Conflict

from ..auth import page_actor
from ..extensions import db
from ..runtime import engine

inbox = Blueprint("inbox", __name__)


@inbox.get("/")
@login_required
def home():
    return redirect(url_for("inbox.index"))


@inbox.get("/inbox")
@login_required
def index():
    actor = page_actor()
    scope = request.args.get("scope") if request.args.get("scope") in ("mine", "service") else None
    rows = tasks.inbox(db.session, actor, scope=scope)
    today = engine().today()
    return render_template("pages/inbox.html", tasks=rows, groups=inbox_groups(rows, actor, today),
                           today=today, scope=scope, may_claim=actor.may("claim_task"))


def inbox_groups(rows, actor, today) -> list[tuple[str, str, list]]:
    """The inbox in three groups (id, heading, tasks): overdue first, whoever holds them; then
    what is waiting for this user; then their team's unclaimed work."""
    overdue = [task for task in rows if task.due and task.due < today]
    rest = [task for task in rows if task not in overdue]
    return [("overdue", "Overdue", overdue),
            ("mine", "Waiting for you", [t for t in rest if t.assignee_id == actor.user_id]),
            ("team", "Your team's, unclaimed", [t for t in rest if t.assignee_id is None]),
            ("others", "With colleagues", [t for t in rest if t.assignee_id not in
                                           (None, actor.user_id)])]


@inbox.post("/tasks/<int:task_id>/<any(claim, release):action>")
@login_required
def change(task_id: int, action: str):
    try:
        task = getattr(tasks, action)(db.session, page_actor(), task_id, engine().now())
    except Conflict as conflict:
        flash(f"Could not {action} the task: {conflict.message}.", "error")
    else:
        flash(f"{'Claimed' if action == 'claim' else 'Released'}: {task.title}.", "success")
    return redirect(url_for("inbox.index"))


# Where each hand-off of a plan is done: (endpoint, anchor).
PLAN_STEPS = {
    "approve_plan": ("approvals.index", "approval-{id}"),
    "make_changes": ("plans.edit", None),
    "acknowledge_plan": ("plans.show", "status-title"),  # the banner: "Your next step"
    "activate_plan": ("plans.show", "status-title"),
}


def subject_url(task) -> str:
    """Where a task's work is done: the page with the step's button or form."""
    kind = task.kind.removesuffix(".escalated")
    if task.subject_type == "plan":
        if kind == "complete_review":
            # The key worker writes it; once written, a manager decides on it there.
            written = task.role == "manager" and task.assignee_id is None
            return url_for("evidence.review", plan_id=task.subject_id,
                           _anchor="next-steps" if written else None)
        endpoint, anchor = PLAN_STEPS.get(kind, ("plans.show", None))
        return url_for(endpoint, plan_id=task.subject_id,
                       _anchor=anchor.format(id=task.subject_id) if anchor else None) \
            if endpoint != "approvals.index" else url_for(endpoint, _anchor=anchor.format(
                id=task.subject_id))
    if task.subject_type == "supervision":
        return url_for("practice.supervision", supervision_id=task.subject_id)
    if task.subject_type == "competency":
        return url_for("practice.competency", competency_id=task.subject_id)
    if task.subject_type == "feedback":
        return url_for("feedback.show", feedback_id=task.subject_id, _anchor="next-step")
    return url_for("inbox.index")


@inbox.app_template_global()
def task_link(task) -> str:
    # An auditor reads: the plan, not a queue or form they may not use.
    if task.subject_type == "plan" and current_user.user.role == "auditor":
        return url_for("plans.show", plan_id=task.subject_id)
    return subject_url(task)
