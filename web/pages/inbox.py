"""The inbox: my tasks and my services' unclaimed ones, overdue first; claim and release."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

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
    return render_template("pages/inbox.html", tasks=rows, today=engine().today(), scope=scope,
                           may_claim=actor.may("claim_task"))


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


def subject_url(task) -> str:
    """Where a task's work is done."""
    if task.subject_type == "plan":
        if task.kind.startswith("approve_plan"):
            return url_for("plans.show", plan_id=task.subject_id, _anchor="transitions")
        if task.kind.startswith("complete_review"):
            return url_for("evidence.review", plan_id=task.subject_id)
        return url_for("plans.show", plan_id=task.subject_id)
    if task.subject_type == "supervision":
        return url_for("practice.supervision", supervision_id=task.subject_id)
    if task.subject_type == "competency":
        return url_for("practice.competency", competency_id=task.subject_id)
    return url_for("inbox.index")


@inbox.app_template_global()
def task_link(task) -> str:
    return subject_url(task)
