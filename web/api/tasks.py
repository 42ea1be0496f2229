"""The task inbox: my tasks and my services' unclaimed ones; claim and release."""
from __future__ import annotations

from datetime import date

from flask import request

from engine.core import tasks
from engine.core.errors import Invalid
from engine.core.models import Task

from ..extensions import db
from ..runtime import engine
from . import api
from .auth import current_actor
from .documents import iso

STATUSES = ("open", "claimed", "done", "cancelled")
SCOPES = ("mine", "service")


def task_document(task: Task, today: date) -> dict:
    return {"id": task.id, "kind": task.kind, "workflow": task.workflow,
            "subject_type": task.subject_type, "subject_id": task.subject_id,
            "title": task.title, "assignee": task.assignee.username if task.assignee else None,
            "role": task.role, "service": task.service.name,
            "due": task.due.isoformat() if task.due else None,
            "follow_up": task.follow_up.isoformat() if task.follow_up else None,
            "status": task.status,
            "overdue": bool(task.due and task.due < today and task.status in tasks.OPEN_STATUSES),
            "escalated": task.escalated_at is not None, "parent_id": task.parent_id,
            "note": task.note,
            "created_at": iso(task.created_at), "closed_at": iso(task.closed_at)}


@api.get("/tasks")
def inbox():
    status, scope = request.args.get("status"), request.args.get("scope")
    errors = {}
    if status and status not in STATUSES:
        errors["status"] = [f"must be one of {', '.join(STATUSES)}"]
    if scope and scope not in SCOPES:
        errors["scope"] = [f"must be one of {', '.join(SCOPES)}"]
    limit = request.args.get("limit", str(tasks.INBOX_LIMIT))
    if not (limit.isascii() and limit.isdigit()) or not 1 <= int(limit) <= 1000:
        errors["limit"] = ["must be a whole number from 1 to 1000"]
    if errors:
        raise Invalid("invalid filter", errors)
    today = engine().today()
    rows = tasks.inbox(db.session, current_actor(), status, scope, int(limit))
    return {"tasks": [task_document(task, today) for task in rows]}


@api.post("/tasks/<int:task_id>/claim")
def claim(task_id: int):
    return task_document(tasks.claim(db.session, current_actor(), task_id,
                                           engine().now()), engine().today())


@api.post("/tasks/<int:task_id>/release")
def release(task_id: int):
    return task_document(tasks.release(db.session, current_actor(), task_id,
                                             engine().now()), engine().today())
