"""Units of work: one transaction per engine operation, committed once or not at all."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, TypeVar

from sqlalchemy import bindparam, event, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, joinedload, lazyload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

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


def write_columns(session: Session, model: type, subjects: list[Any]) -> None:
    """UPDATE changed versioned rows as the ORM's flush would (each checked against its
    version and given the next), with one prebuilt statement per set of changed columns run
    by one executemany: the ORM writes versioned rows one at a time and builds each
    statement anew. A row whose relationships changed too is left for the flush."""
    mapper: Any = sa_inspect(model)
    version_column = mapper.version_id_col
    version_key = mapper.get_property_by_column(version_column).key
    columns = [attr.key for attr in mapper.column_attrs if attr.key != version_key]
    groups: dict[tuple[str, ...], list[tuple[Any, dict[str, Any]]]] = {}
    for subject in subjects:
        state = sa_inspect(subject)
        if any(state.attrs[rel.key].history.has_changes() for rel in mapper.relationships
               if not rel.viewonly):
            continue
        changed = {}
        for key in state.committed_state.keys() & set(columns):
            added = state.attrs[key].history.added
            if added:
                changed[key] = added[0]
        if changed:
            groups.setdefault(tuple(sorted(changed)), []).append((subject, changed))
    for keys, group in groups.items():
        result = session.connection().execute(_update_of(mapper, keys), [
            {"b_id": subject.id, "b_version": getattr(subject, version_key),
             "b_next": getattr(subject, version_key) + 1,
             **{f"v_{key}": value for key, value in changed.items()}}
            for subject, changed in group])
        if result.rowcount != len(group):
            raise StaleDataError(f"{len(group) - result.rowcount} of {len(group)} "
                                 f"{mapper.local_table.name} rows changed under their lock")
        for subject, _ in group:
            # Written in full: the next version, and every value committed as a flush leaves
            # them (the ORM's own post-flush step), so that committing runs no flush over it.
            set_committed_value(subject, version_key, getattr(subject, version_key) + 1)
            state = sa_inspect(subject)
            state._commit_all(state.dict, session.identity_map)


def _update_of(mapper: Any, keys: tuple[str, ...]) -> Any:
    statement = _UPDATES.get((mapper, keys))
    if statement is None:
        table, version_column = mapper.local_table, mapper.version_id_col
        names = {attr.key: attr.columns[0].name for attr in mapper.column_attrs}
        statement = _UPDATES[(mapper, keys)] = (
            update(table)
            .where(table.c.id == bindparam("b_id"), version_column == bindparam("b_version"))
            .values({names[key]: bindparam(f"v_{key}") for key in keys}
                    | {version_column.name: bindparam("b_next")}))
    return statement


_UPDATES: dict[tuple[Any, tuple[str, ...]], Any] = {}


def flush_rest(session: Session) -> None:
    """Flush whatever is still pending (`dirty` is optimistic: rows write_columns wrote are
    listed there with no change left)."""
    if session.new or session.deleted or any(session.is_modified(obj)
                                             for obj in session.dirty):
        session.flush()
