"""Units of work: one transaction per engine operation, committed once or not at all."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from .db import begin_write

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
    return session.execute(
        select(model).where(model.id == ident).with_for_update(of=model)
        .options(lazyload("*")).execution_options(populate_existing=True)
    ).scalar_one_or_none()
