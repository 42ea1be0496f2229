"""Users, services and API tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from engine.core.access import ROLES
from engine.core.errors import Invalid
from engine.core.models import ApiToken, LoginAttempt, Service, User
from engine.core.uow import unit_of_work


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_password() -> str:
    return secrets.token_urlsafe(12)


def hash_password(password: str) -> str:
    return generate_password_hash(password)  # scrypt, salted


def password_matches(user: User, password: str) -> bool:
    return check_password_hash(user.password_hash, password)


def ensure_service(session: Session, name: str, title: str | None = None) -> Service:
    """The service called `name`, created if new (within the caller's transaction)."""
    service = session.scalar(select(Service).where(Service.name == name))
    if service is None:
        service = Service(name=name, title=title or name)
        session.add(service)
        session.flush()
    return service


def add_user(session: Session, username: str, role: str, services: list[str], password: str,
             now: datetime) -> tuple[User, str]:
    """Create a user in the named services (created if new); return the user and an API token."""
    errors = {}
    if role not in ROLES:
        errors["role"] = [f"must be one of {', '.join(ROLES)}"]
    if not services:
        errors["service"] = ["a user belongs to at least one service"]
    if not username or len(username) > 80 or not username.replace("-", "").replace(
            "_", "").replace(".", "").isalnum():
        errors["username"] = ["1–80 letters, digits, '.', '_' or '-'"]
    if len(password) < 8:
        errors["password"] = ["at least 8 characters"]
    if errors:
        raise Invalid("invalid user", errors)
    with unit_of_work(session):
        if session.scalar(select(User).where(User.username == username)) is not None:
            raise Invalid("username taken", {"username": [f"{username!r} already exists"]})
        user = User(username=username, role=role, password_hash=hash_password(password),
                    active=True, created_at=now,
                    services=[ensure_service(session, name) for name in services])
        session.add(user)
        session.flush()
        token = issue_token(session, user, now)
    return user, token


def issue_token(session: Session, user: User, now: datetime) -> str:
    token = "sw_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), created_at=now))
    return token


class Throttled(Exception):
    """Too many failed sign-ins for this account or from this address."""

    def __init__(self, retry_after_minutes: int):
        super().__init__(f"too many failed sign-ins; try again in {retry_after_minutes} minutes")
        self.retry_after_minutes = retry_after_minutes


def sign_in(session: Session, username: str, password: str, address: str, now: datetime,
            max_failures: int, window_minutes: int) -> User | None:
    """The user if the password is right; None if not. Every attempt is recorded.

    Raises Throttled, without checking the password, once the account or the address has had
    `max_failures` failures within the window.
    """
    since = now - timedelta(minutes=window_minutes)
    with unit_of_work(session):
        for column, value in ((LoginAttempt.username, username),
                              (LoginAttempt.address, address)):
            failures = session.scalars(
                select(LoginAttempt.at).where(column == value, LoginAttempt.at >= since,
                                              LoginAttempt.succeeded.is_(False))
                .order_by(LoginAttempt.at)).all()
            if len(failures) >= max_failures:
                free_at = failures[-max_failures] + timedelta(minutes=window_minutes)
                raise Throttled(max(1, -(-int((free_at - now).total_seconds()) // 60)))
        user = session.scalar(select(User).where(User.username == username))
        ok = bool(user and user.active and password_matches(user, password))
        session.add(LoginAttempt(username=username[:80], address=address[:64], at=now,
                                 succeeded=ok))
    return user if ok else None
