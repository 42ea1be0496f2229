"""Records about a member of staff (supervision, competency): who may see them, and finding
the member of staff they are about. Staff see their own; managers and auditors their services'."""
from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.access import Actor
from engine.core.errors import Invalid, NotFound
from engine.core.models import Service, User
from engine.core.uow import lock

T = TypeVar("T")


def find(session: Session, actor: Actor, model: type[T], ident: int, *,
         locked: bool = False) -> T:
    """The record if the actor may see it (locked for this transaction if asked); else NotFound."""
    record = lock(session, model, ident) if locked else session.get(model, ident)
    if record is None or not actor.sees_staff_record(record.service.name,
                                                     getattr(record, model.worker_field)):
        raise NotFound(f"{model.subject_type} {ident} not found")
    return record


def visible(session: Session, actor: Actor, model: type[T], *order_by) -> list[T]:
    query = select(model).join(Service, model.service_id == Service.id)
    if actor.role == "staff":
        query = query.where(getattr(model, model.worker_field) == actor.user_id)
    else:
        query = query.where(Service.name.in_(actor.services))
    return list(session.scalars(query.order_by(*order_by)))


def staff_member(session: Session, actor: Actor, username: str, service: str,
                 field: str) -> tuple[User, Service]:
    """The member of staff called `username` in one of the actor's services; else Invalid."""
    worker = session.scalar(select(User).where(User.username == username))
    place = session.scalar(select(Service).where(Service.name == service))
    errors = {}
    if place is None or not actor.sees(service):
        errors["service"] = [f"no service {service!r} among your services"]
    if worker is None or worker.role not in ("staff", "manager"):
        errors[field] = [f"no member of staff called {username!r}"]
    elif place is not None and service not in worker.service_names:
        errors[field] = [f"{username} does not work in {service}"]
    if errors:
        raise Invalid(f"no such member of staff in {service}", errors)
    return worker, place
