"""Finding the member of staff a supervision or competency record is about. (Who may see such
records is their scope, declared with their subject kinds: engine.core.scope.about_a_worker.)"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.access import Actor
from engine.core.errors import Invalid
from engine.core.models import Service, User
from engine.core.scope import in_services


def staff_member(session: Session, actor: Actor, username: str, service: str,
                 field: str) -> tuple[User, Service]:
    """The member of staff called `username` in one of the actor's services; else Invalid."""
    worker = session.scalar(select(User).where(User.username == username))
    place = session.scalar(select(Service).where(Service.name == service))
    errors = {}
    if place is None or not in_services(actor, service):
        errors["service"] = [f"no service {service!r} among your services"]
    if worker is None or worker.role not in ("staff", "manager"):
        errors[field] = [f"no member of staff called {username!r}"]
    elif place is not None and service not in worker.service_names:
        errors[field] = [f"{username} does not work in {service}"]
    if errors:
        raise Invalid(f"no such member of staff in {service}", errors)
    assert worker is not None and place is not None  # either being None recorded an error above
    return worker, place
