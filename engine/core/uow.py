"""Units of work: one transaction per engine operation, committed once or not at all."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, TypeVar

from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session, joinedload, lazyload

from engine.core.db import begin_write

T = TypeVar("T")


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """A writing transaction: commits when the block ends, rolls back if it raises."""
    begin_write(session)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def lock(session: Session, model: type[T], ident: int) -> T | None:
    """Load a row for update, refreshing anything the session already held for it.

    Only the row itself: related records load when (and if) they are used.
    """
    statement = _LOCKS.get(model)
    if statement is None:  # built once per model: building a statement costs more than running it
        options = [lazyload("*")]
        if hasattr(model, "service_id"):  # every workflow subject: scope checks need its service
            options.append(joinedload(model.service, innerjoin=True))
        statement = _LOCKS[model] = (
            select(model).where(model.id == bindparam("ident")).with_for_update(of=model)
            .options(*options).execution_options(populate_existing=True))
    return session.execute(statement, {"ident": ident}).unique().scalar_one_or_none()


_LOCKS: dict[type, Any] = {}


def transaction_cache(session: Session) -> dict:
    """A dict that lives as long as the session's current transaction (cleared at its end)."""
    return session.info.setdefault("transaction_cache", {})


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_transaction_cache(session: Session, *_args) -> None:
    session.info.pop("transaction_cache", None)
