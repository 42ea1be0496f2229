"""The access log: who read which person's records, when and through what (UK GDPR)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
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


def reads_of(session: Session, person_id: int, limit: int = 1000) -> list[AccessLog]:
    """The person's access log, newest first."""
    return list(session.scalars(select(AccessLog).where(AccessLog.person_id == person_id)
                                .order_by(AccessLog.at.desc(), AccessLog.id.desc())
                                .limit(limit)))
