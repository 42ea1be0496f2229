"""The declarative base and the database engine's settings that the engine relies on."""
from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import JSON, DateTime, MetaData, Table, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Marks a transaction that will write, so SQLite takes its write lock at BEGIN (see below).
WRITE = {"strengthwise_write": True}


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC: the same on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}

    if TYPE_CHECKING:
        # SQLAlchemy types __table__ as a FromClause (a class may be mapped to a join or a
        # select); every model here names a __tablename__, so its __table__ is a Table.
        __table__: ClassVar[Table]


def configure_engine(engine: Engine) -> None:
    """SQLite: WAL, foreign keys, and BEGIN IMMEDIATE for writing transactions.

    pysqlite starts transactions lazily and as DEFERRED, so two writers can both read and then
    fail to upgrade their lock. We take control of BEGIN: a unit of work that will write asks for
    IMMEDIATE, which serialises writers at the start instead of failing them at the end.
    """
    if engine.dialect.name != "sqlite":
        return
    if engine.url.database is not None and not _is_memory(engine):
        _create_private(engine.url.database)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if not _is_memory(engine):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        immediate = conn.get_execution_options().get("strengthwise_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_write(session: Session) -> None:
    """Start a writing transaction: discards any read-only transaction the caller had open."""
    if isinstance(session, scoped_session):
        session = session()
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write called with unsaved changes in the session")
        session.rollback()
    session.connection(execution_options=WRITE)


def _create_private(path: str) -> None:
    """Create the database file readable by this user only (SQLite gives its -wal and -shm
    files the same mode); an existing file is left as it is."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError:  # a folder that does not exist: SQLite reports it when it connects
        pass


def _is_memory(engine: Engine) -> bool:
    return engine.url.database in (None, "", ":memory:")
