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
    """The member of staff called `username` in one of the actor's services; else Invalid.

    Nothing is said about people or services the actor cannot see: a service outside theirs
    reads as no service, and someone who works elsewhere as nobody by that name."""
    place = session.scalar(select(Service).where(Service.name == service))
    if place is None or not in_services(actor, service):
        raise Invalid(f"no service {service!r} among your services",
                      {"service": [f"no service {service!r} among your services"]})
    worker = session.scalar(select(User).where(User.username == username))
    if worker is None or worker.role not in ("staff", "manager") \
            or service not in worker.service_names:
        raise Invalid(f"no such member of staff in {service}",
                      {field: [f"no member of staff called {username!r} in {service}"]})
    return worker, place
