"""Users, services and API tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from .access import ROLES
from .errors import Invalid
from .models import ApiToken, Service, User
from .uow import unit_of_work


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
