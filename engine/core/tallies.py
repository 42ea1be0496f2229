"""Counters kept current by the writes that change them: rows of (key columns…, a count),
added to in the writer's transaction with one INSERT … ON CONFLICT DO UPDATE per statement
(the same statement on SQLite and PostgreSQL), so a report sums a few rows instead of reading
everything they count.

A writer that adds to a tally takes the tally's row lock after the subject it writes and, in
the audit trail's case, after the audit head: every writer takes them in that order.
"""
from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection


def add(connection: Connection, table: Table, rows: Sequence[dict[str, Any]],
        count: str = "count") -> None:
    """Add each row's `count` to the tally row with the same primary key, creating it (with the
    row's other columns) when there is none. Other columns of an existing row are kept."""
    if not rows:
        return
    insert = postgres_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(table.primary_key.columns),
        set_={count: table.c[count] + statement.excluded[count]})
    connection.execute(statement, list(rows))
