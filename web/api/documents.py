"""How records look in the API: the plan document, versions, audit events."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.care import coaching, plans
from engine.care.language import vocabulary_of
from engine.care.models import Person, Plan, PlanVersion
from engine.core.audit import Recorded

from ..runtime import engine


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _date(value) -> str | None:
    return value.isoformat() if value else None


def person_document(person: Person) -> dict[str, Any]:
    return {"id": person.id, "name": person.name, "preferred_name": person.preferred_name,
            "date_of_birth": _date(person.date_of_birth), "nhs_number": person.nhs_number,
            "service": person.service.name, "created_at": iso(person.created_at)}


def plan_document(session: Session, plan: Plan, *, coached: bool = False) -> dict[str, Any]:
    """Server fields, then the content: the working draft if any, else the version in force.

    `coached`: with the recording coach's advice on its strengths and outcomes (one plan read
    or saved; lists and transition replies leave it out)."""
    content = plans.content_of(plan, session)
    extra: dict[str, Any] = {}
    if coached:
        vocabulary = vocabulary_of(engine().registry)
        extra = {"language_flags": coaching.advise(vocabulary, coaching.plan_texts(content),
                                                   plan.person.name)}
    return {
        "id": plan.id, "person_id": plan.person_id, "person_name": plan.person.name,
        "service": plan.service.name, "workflow": plan.workflow, "state": plan.state,
        "version": plan.lock_version, "author": plan.author.username,
        "approved_version": plan.current_version,
        "is_draft": plan.draft is not None, "draft_number": plan.draft_number,
        "editors": plans.editors_of(session, plan) if plan.draft is not None else [],
        "review_due_on": _date(plans.next_review_on(session, plan))
        if plan.current_version else None,
        "interim_support": plan.interim_support,
        "created_at": iso(plan.created_at), "updated_at": iso(plan.updated_at),
        "status_note": _note_document(plans.status_note(session, plan)),
        **content, **extra,
    }


def _note_document(note: dict[str, Any] | None) -> dict[str, Any] | None:
    """The status note with its times as ISO text."""
    if note is None:
        return None
    return {key: iso(value) if isinstance(value, datetime) else value
            for key, value in note.items()}


def version_document(version: PlanVersion) -> dict[str, Any]:
    return {"number": version.number, "basis": version.basis,
            "approved_at": iso(version.approved_at),
            "approved_by": version.approved_by.username if version.approved_by else None,
            "editors": version.editors, **version.content}


def event_document(event: Recorded) -> dict[str, Any]:
    """The hashed record of an attempt, with its hash."""
    return event.document()
