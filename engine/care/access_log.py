"""The access log: who read which person's records, when and through what (UK GDPR)."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from engine.care.models import AccessLog
from engine.core.access import Actor
from engine.core.uow import unit_of_work


def record_read(session: Session, actor: Actor, person_id: int, what: str,
                subject_id: int | None, channel: str, path: str, now: datetime) -> None:
    """Append one read, in its own transaction."""
    with unit_of_work(session):
        session.add(AccessLog(at=now, username=actor.username, role=actor.role,
                              person_id=person_id, what=what[:60], subject_id=subject_id,
                              channel=channel, path=path[:300]))


def read_row(actor: Actor, person_id: int, what: str, subject_id: int | None, channel: str,
             path: str, now: datetime) -> dict[str, Any]:
    """One read, as the row `write_reads` inserts."""
    return {"at": now, "username": actor.username, "role": actor.role, "person_id": person_id,
            "what": what[:60], "subject_id": subject_id, "channel": channel, "path": path[:300]}


def write_reads(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Append many reads with one executemany, in the caller's transaction."""
    if rows:
        connection.execute(_INSERT, list(rows))


_INSERT = insert(AccessLog.__table__)


def reads_of(session: Session, person_id: int, limit: int = 1000) -> list[AccessLog]:
    """The person's access log, newest first."""
    return list(session.scalars(select(AccessLog).where(AccessLog.person_id == person_id)
                                .order_by(AccessLog.at.desc(), AccessLog.id.desc())
                                .limit(limit)))
