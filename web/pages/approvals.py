"""The approvals queue: plans waiting for a manager's approval; approve or return with a comment."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select

from engine import Actor, Option
from engine.care import plans
from engine.care.models import Plan
from engine.core.errors import Forbidden, NotFound
from engine.core.models import AuditEvent, Service, Task
from engine.core.tasks import OPEN_STATUSES

from ..auth import page_actor
from ..extensions import db
from ..runtime import engine
from .evidence import local
from .firing import fire_from_form

approvals = Blueprint("approvals", __name__)

APPROVAL_TASK = "approve_plan"
approvals.context_processor(lambda: {"local": local})


@dataclass(frozen=True)
class Waiting:
    """One plan in the queue: its open approval task and what approving it would take."""

    task: Task
    plan: Plan
    editors: list[str]
    requested_by: str | None
    approve: Option | None
    overdue: bool
    approvers: list[str]  # who could approve it: the service's managers who did not edit it

    @property
    def failing(self) -> list:
        return [verdict for verdict in self.approve.verdicts if not verdict.passed] \
            if self.approve else []

    @property
    def refusal(self) -> str | None:
        """Why the approve button is disabled, or None when it is not."""
        if self.approve is None:
            return f"The plan is {self.plan.state}, not a draft"
        failing = self.failing
        if len(failing) == 1:
            return failing[0].detail or failing[0].text
        return f"{len(failing)} rules are not met: see the checklist" if failing else None


@approvals.get("/approvals")
@login_required
def index():
    return _queue_page(_manager())


@approvals.post("/approvals/<int:plan_id>/approve")
@login_required
def approve(plan_id: int):
    actor = _manager()
    plan = plans.get_plan(db.session, actor, plan_id)
    person = plan.person.name
    return fire_from_form(
        "plan", plan.id, "approve", back=url_for("approvals.index"), version=_version(plan),
        not_done=lambda why: f"{person}'s plan was not approved: {why}.", stale=_stale(person),
        done=lambda fired: f"Approved {person}'s plan: version "
                           f"{fired.subject.current_version} is now in force. The key worker "
                           "acknowledges it, then a manager activates it.")


@approvals.post("/approvals/<int:plan_id>/return")
@login_required
def return_for_changes(plan_id: int):
    actor = _manager()
    plan = plans.get_plan(db.session, actor, plan_id)
    person = plan.person.name
    comment = request.form.get("comment", "").strip()
    if not comment:
        field = f"comment-{plan.id}"
        return _queue_page(actor, errors=[(field, f"Say what needs to change in {person}'s "
                                                  "plan before returning it")],
                           status=422)
    return fire_from_form(
        "plan", plan.id, "return_for_changes", back=url_for("approvals.index"),
        version=_version(plan), comment=comment,
        not_done=lambda why: f"{person}'s plan was not returned: {why}.", stale=_stale(person),
        done=lambda fired: f"Returned {person}'s plan to its authors with your comment. It "
                           "comes back here when approval is requested again.")


def _queue_page(actor: Actor, errors: list[tuple[str, str]] | None = None, status: int = 200):
    errors = errors or []
    return render_template("pages/approvals/index.html", waiting=_queue(actor), errors=errors,
                           field_errors=dict(errors), comments=request.form), status


def _queue(actor: Actor) -> list[Waiting]:
    """Plans in the actor's services with an open approval task, the earliest due first."""
    services = select(Service.id).where(Service.name.in_(actor.services))
    tasks = db.session.scalars(
        select(Task).where(Task.kind == APPROVAL_TASK, Task.subject_type == "plan",
                           Task.status.in_(OPEN_STATUSES), Task.service_id.in_(services))
        .order_by(Task.due.is_(None), Task.due, Task.created_at, Task.id))
    today = engine().today()
    waiting = []
    for task in tasks:
        try:
            plan = plans.get_plan(db.session, actor, task.subject_id)
        except NotFound:
            continue
        options = {option.transition.name: option
                   for option in engine().options(db.session, plan, actor)}
        waiting.append(Waiting(task=task, plan=plan, editors=plans.editors_of(db.session, plan),
                               requested_by=_requested_by(plan, task.created_at),
                               approve=options.get("approve"),
                               overdue=task.due is not None and task.due < today,
                               approvers=plans.possible_approvers(db.session, plan)))
    return waiting


def _requested_by(plan: Plan, since: datetime) -> str | None:
    """Who asked for this approval: the request_approval event that opened the task."""
    return db.session.scalar(
        select(AuditEvent.actor).where(
            AuditEvent.subject_type == "plan", AuditEvent.subject_id == plan.id,
            AuditEvent.transition == "request_approval", AuditEvent.outcome == "advanced",
            AuditEvent.at <= since)
        .order_by(AuditEvent.seq.desc()).limit(1))


def _manager() -> Actor:
    actor = page_actor()
    if actor.role != "manager":
        raise Forbidden("Only managers approve plans. Your own tasks are in your inbox.")
    return actor


def _version(plan: Plan) -> int:
    """The version the manager saw on the queue page; the plan's own if the form sent none."""
    sent = request.form.get("version", "")
    return int(sent) if sent.isascii() and sent.isdigit() else plan.lock_version


def _stale(person: str) -> str:
    return (f"{person}'s plan changed after this page was loaded. Nothing was done: check it "
            "again below.")
