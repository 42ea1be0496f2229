"""Page sessions kept on the server: the cookie names one by a random id; the row decides.

Signing out, deactivation, a password change and "sign out everywhere" end rows, so a copied
or replayed cookie opens nothing. Idle and absolute timeouts are judged from the row's times,
never from anything the client sends.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from engine.core.models import User, UserSession
from engine.core.uow import unit_of_work

# seen_at is written at most this often, so reading pages does not mean a write per request.
SEEN_RESOLUTION = timedelta(seconds=30)


@dataclass(frozen=True)
class Timeouts:
    idle: timedelta
    absolute: timedelta


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8")).hexdigest()


def start_session(session: Session, user: User, now: datetime, address: str,
                  user_agent: str) -> str:
    """A new session for `user`; returns its id, for the cookie only (the row keeps a hash)."""
    sid = secrets.token_urlsafe(32)
    with unit_of_work(session):
        session.add(UserSession(sid_hash=_digest(sid), user_id=user.id, created_at=now,
                                seen_at=now, address=address[:64],
                                user_agent=user_agent[:200]))
        session.execute(update(User).where(User.id == user.id).values(last_sign_in_at=now))
    return sid


def resume_session(session: Session, sid: str, now: datetime,
                   timeouts: Timeouts) -> tuple[UserSession | None, str | None]:
    """The live session named by `sid`, or None and why not: "ended" (signed out, ended by
    someone, unknown, or its user deactivated), "idle" or "expired" (ended now)."""
    row = session.scalar(select(UserSession).where(UserSession.sid_hash == _digest(sid)))
    if row is None or row.ended_at is not None:
        return None, "ended"
    why = None
    if not row.user.active:
        why = "deactivated"
    elif now - row.seen_at > timeouts.idle:
        why = "idle"
    elif now - row.created_at > timeouts.absolute:
        why = "expired"
    if why is not None:
        _end(session, [row.id], now, why)
        return None, "ended" if why == "deactivated" else why
    if now - row.seen_at >= SEEN_RESOLUTION:
        row_id = row.id
        with unit_of_work(session):
            session.execute(update(UserSession).where(UserSession.id == row_id)
                            .values(seen_at=now))
        row = session.get(UserSession, row_id)
    return row, None


def end_session(session: Session, sid: str, now: datetime, why: str = "signed_out") -> None:
    row_id = session.scalar(select(UserSession.id).where(UserSession.sid_hash == _digest(sid),
                                                          UserSession.ended_at.is_(None)))
    if row_id is not None:
        _end(session, [row_id], now, why)


def end_sessions_of(session: Session, user_id: int, now: datetime, why: str,
                    keep_sid: str | None = None) -> int:
    """End every live session of a user (but `keep_sid`'s), in the caller's transaction."""
    query = update(UserSession).where(UserSession.user_id == user_id,
                                      UserSession.ended_at.is_(None))
    if keep_sid is not None:
        query = query.where(UserSession.sid_hash != _digest(keep_sid))
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]  # a DML result
        query.values(ended_at=now, ended_why=why))
    return result.rowcount


def live_sessions(session: Session, user_id: int, now: datetime,
                  timeouts: Timeouts) -> list[UserSession]:
    """A user's sessions that would still open a page now, newest first."""
    rows = session.scalars(select(UserSession).where(
        UserSession.user_id == user_id, UserSession.ended_at.is_(None),
        UserSession.seen_at >= now - timeouts.idle,
        UserSession.created_at >= now - timeouts.absolute)
        .order_by(UserSession.created_at.desc())).all()
    return list(rows)


def is_current(row: UserSession, sid: str | None) -> bool:
    return sid is not None and row.sid_hash == _digest(sid)


def _end(session: Session, ids: list[int], now: datetime, why: str) -> None:
    with unit_of_work(session):
        session.execute(update(UserSession).where(UserSession.id.in_(ids))
                        .values(ended_at=now, ended_why=why))
