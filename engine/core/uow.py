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
    """A writing transaction: commits when the block ends, rolls back if it raises.

    Units of work nest: inside another one this is part of it, and only the outermost commits
    (so a request that creates a person and their plan commits once). A refusal that was
    audited (`error.audited`) commits its audit event and nothing else was written.
    """
    if session.info.get(_DEPTH, 0):
        session.info[_DEPTH] += 1
        try:
            yield session
        finally:
            session.info[_DEPTH] -= 1
        return
    begin_write(session)
    session.info[_DEPTH] = 1
    try:
        yield session
    except BaseException as error:
        session.info[_DEPTH] = 0
        if getattr(error, "audited", False):
            session.commit()  # the refusal's audit event, and nothing else
        else:
            session.rollback()
        raise
    session.info[_DEPTH] = 0
    session.commit()


_DEPTH = "unit_of_work_depth"


def lock(session: Session, model: type[T], ident: int) -> T | None:
    """Load a row for update, refreshing anything the session already held for it.

    Only the row itself: related records load when (and if) they are used.
    """
    statement = _LOCKS.get(model)
    if statement is None:  # built once per model: building a statement costs more than running it
        # T is any mapped class with an `id` column; its attributes are looked up by name.
        mapped: Any = model
        options = [lazyload("*")]
        if hasattr(model, "service_id"):  # every workflow subject: scope checks need its service
            options.append(joinedload(mapped.service, innerjoin=True))
        statement = _LOCKS[model] = (
            select(model).where(mapped.id == bindparam("ident")).with_for_update(of=model)
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
