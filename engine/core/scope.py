"""Who may see what: one scope per kind of record, applied by every engine entry point.

A scope pairs a predicate (may this actor see this record?) with the query filter that selects
exactly the records the predicate admits, so a list, a read, a write, a transition and a link
between records all answer the same question the same way. A record outside the actor's scope
does not exist for them: `find` raises the same NotFound, with the same words, as for an id that
was never used.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, false, select, true
from sqlalchemy.orm import Session

from engine.core.access import Actor
from engine.core.errors import NotFound
from engine.core.models import Service
from engine.core.uow import lock

T = TypeVar("T")


@dataclass(frozen=True)
class Scope(Generic[T]):
    """Who may see records of one kind: a predicate and the matching query filter."""

    name: str           # the word in "plan 7 not found"
    model: type[T]
    visible: Callable[[Actor, T], bool]
    where: Callable[[Actor], ColumnElement[bool]]

    def not_found(self, ident: Any) -> NotFound:
        """The one answer for an id that is absent or out of scope."""
        return NotFound(f"{self.name} {ident} not found")

    def find(self, session: Session, actor: Actor, ident: int, *, locked: bool = False) -> T:
        """The record if it exists and the actor may see it (locked if asked); else NotFound."""
        record = lock(session, self.model, ident) if locked else session.get(self.model, ident)
        if record is None or not self.visible(actor, record):
            raise self.not_found(ident)
        return record

    def query(self, actor: Actor) -> Select[T]:
        """Every record of the kind the actor may see (add order and filters to taste)."""
        return select(self.model).where(self.where(actor))


def in_services(actor: Actor, service_name: str) -> bool:
    """The service rule every care record follows: the system sees all, people their services."""
    return actor.is_system or service_name in actor.services


def service_ids(actor: Actor) -> Any:
    """The ids of the actor's services, as a subquery for filters."""
    return select(Service.id).where(Service.name.in_(actor.services)).scalar_subquery()


def by_service(name: str, model: type[T], *, roles: frozenset[str] | None = None) -> Scope[T]:
    """Records that belong to a service (a `service_id` column): its members see them.

    `roles`, when given, are the only roles that see records of this kind at all.
    """

    def visible(actor: Actor, record: T) -> bool:
        if roles is not None and not actor.is_system and actor.role not in roles:
            return False
        return in_services(actor, record.service.name)  # type: ignore[attr-defined]

    def where(actor: Actor) -> ColumnElement[bool]:
        if actor.is_system:
            return true()
        if roles is not None and actor.role not in roles:
            return false()
        return model.service_id.in_(service_ids(actor))  # type: ignore[attr-defined]

    return Scope(name, model, visible, where)


def about_a_worker(name: str, model: type[T], worker_field: str, *,
                   roles: frozenset[str] | None = None) -> Scope[T]:
    """Records about one member of staff: staff see their own, other roles their services'."""
    services = by_service(name, model, roles=roles)
    column = getattr(model, worker_field)

    def visible(actor: Actor, record: T) -> bool:
        if actor.role == "staff":
            return getattr(record, worker_field) == actor.user_id
        return services.visible(actor, record)

    def where(actor: Actor) -> ColumnElement[bool]:
        if actor.role == "staff":
            return column == actor.user_id
        return services.where(actor)

    return Scope(name, model, visible, where)


SCOPES: dict[str, Scope[Any]] = {}


def register_scope(scope: Scope[T]) -> Scope[T]:
    """Make `scope` the policy for its name (each kind says who may see it, once)."""
    SCOPES[scope.name] = scope
    return scope


def scope_of(name: str) -> Scope[Any]:
    return SCOPES[name]
