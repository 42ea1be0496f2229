"""Users, services, API tokens and signing in (throttled, and as slow for a stranger as for a
wrong password). Account changes made by someone, with their audit events, are in accounts.py."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from engine.core.access import ROLES
from engine.core.errors import Invalid
from engine.core.models import ApiToken, LoginAttempt, Service, User
from engine.core.passwords import password_problems
from engine.core.uow import unit_of_work

DEFAULT_TOKEN_DAYS = 365


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_password() -> str:
    return secrets.token_urlsafe(12)  # 16 characters from 96 random bits: passes the policy


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
             now: datetime, token_days: int = DEFAULT_TOKEN_DAYS) -> tuple[User, str]:
    """Create a user in the named services (created if new); return the user and an API token.

    Nothing is audited here: accounts.create_account is the door people use; this is the
    primitive it shares with seeding.
    """
    with unit_of_work(session):
        return insert_user(session, username, role, services, password, now, token_days)


def insert_user(session: Session, username: str, role: str, services: list[str],
                password: str, now: datetime, token_days: int) -> tuple[User, str]:
    """add_user inside the caller's transaction."""
    errors = {}
    if role not in ROLES:
        errors["role"] = [f"must be one of {', '.join(ROLES)}"]
    if not services:
        errors["service"] = ["a user belongs to at least one service"]
    if not username or len(username) > 80 or not username.replace("-", "").replace(
            "_", "").replace(".", "").isalnum():
        errors["username"] = ["1–80 letters, digits, '.', '_' or '-'"]
    problems = password_problems(password, username)
    if problems:
        errors["password"] = problems
    if errors:
        raise Invalid("invalid user", errors)
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise Invalid("username taken", {"username": [f"{username!r} already exists"]})
    user = User(username=username, role=role, password_hash=hash_password(password),
                active=True, created_at=now,
                services=[ensure_service(session, name) for name in services])
    session.add(user)
    session.flush()
    return user, issue_token(session, user, now, token_days)


def issue_token(session: Session, user: User, now: datetime,
                token_days: int = DEFAULT_TOKEN_DAYS) -> str:
    token = "sw_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), created_at=now,
                         expires_at=now + timedelta(days=token_days)))
    return token


def token_user(session: Session, token: str, now: datetime,
               token_days: int = DEFAULT_TOKEN_DAYS) -> User | None:
    """The active user a token belongs to, if it is neither revoked nor expired."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    expires = row.expires_at or row.created_at + timedelta(days=token_days)
    return row.user if now < expires else None


# --- signing in ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failures are allowed before sign-in waits, and how long the first wait is.

    Failures count per account from one address (someone's typos, or one guesser) and per
    account from every address (a guesser spread over many); never per address alone, so one
    office router is never the reason a whole team is shut out. Each failure beyond the
    allowance doubles the wait, up to 64 times the first.
    """

    pair_failures: int = 5
    account_failures: int = 20
    first_wait_minutes: int = 15

    def free_at(self, failures: list[datetime], allowed: int) -> datetime | None:
        """When sign-in is open again after these failures (oldest first), if it is shut."""
        if len(failures) < allowed:
            return None
        doublings = min(len(failures) - allowed, 6)
        return failures[-1] + timedelta(minutes=self.first_wait_minutes * 2 ** doublings)


# Failures older than this no longer count, whatever happened since.
FAILURE_MEMORY = timedelta(hours=24)


class Throttled(Exception):
    """Too many failed sign-ins for this account (from this address, or from everywhere)."""

    def __init__(self, retry_after_minutes: int):
        super().__init__(f"too many failed sign-ins; try again in {retry_after_minutes} minutes")
        self.retry_after_minutes = retry_after_minutes


def sign_in(session: Session, username: str, password: str, address: str, now: datetime,
            policy: ThrottlePolicy = ThrottlePolicy()) -> User | None:
    """The user if the password is right; None if not. Every attempt is recorded.

    Raises Throttled, without checking the password, while the account is shut for this
    address or for all. An unknown username costs the same password check as a known one.
    """
    username, address = username[:80], address[:64]
    with unit_of_work(session):
        free_at = throttled_until(session, username, address, now, policy)
        if free_at is not None:
            raise Throttled(max(1, -(-int((free_at - now).total_seconds()) // 60)))
        user = session.scalar(select(User).where(User.username == username))
        # Always one scrypt check, against a dummy hash when there is no such user.
        ok = check_password_hash(user.password_hash if user else _dummy_hash(), password)
        ok = ok and user is not None and user.active
        session.add(LoginAttempt(username=username, address=address, at=now, succeeded=ok))
    return user if ok else None


def throttled_until(session: Session, username: str, address: str | None, now: datetime,
                    policy: ThrottlePolicy) -> datetime | None:
    """When `username` may try again from `address` (from anywhere when None), if shut now."""
    failures = recent_failures(session, username, now)
    shut = [policy.free_at([at for at, _ in failures], policy.account_failures)]
    addresses = {where for _, where in failures} if address is None else {address}
    for where in addresses:
        shut.append(policy.free_at([at for at, a in failures if a == where],
                                   policy.pair_failures))
    closed = [at for at in shut if at is not None and at > now]
    return max(closed) if closed else None


def recent_failures(session: Session, username: str, now: datetime) -> list[tuple[datetime, str]]:
    """(at, address) of the account's failed sign-ins since its last success, oldest first."""
    since = now - FAILURE_MEMORY
    last_success = session.scalar(
        select(LoginAttempt.at).where(LoginAttempt.username == username,
                                      LoginAttempt.at >= since,
                                      LoginAttempt.succeeded.is_(True))
        .order_by(LoginAttempt.at.desc()).limit(1))
    query = select(LoginAttempt.at, LoginAttempt.address).where(
        LoginAttempt.username == username, LoginAttempt.succeeded.is_(False),
        LoginAttempt.at >= since)
    if last_success is not None:
        query = query.where(LoginAttempt.at > last_success)
    return [(at, address) for at, address in session.execute(query.order_by(LoginAttempt.at))]


def forget_failures(session: Session, username: str) -> int:
    """Clear an account's failed sign-ins (an admin's unlock), in the caller's transaction."""
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]  # a DML result
        delete(LoginAttempt).where(LoginAttempt.username == username,
                                   LoginAttempt.succeeded.is_(False)))
    return result.rowcount


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    """A hash made the way real ones are, of a password nobody knows."""
    if not _DUMMY:
        _DUMMY.append(generate_password_hash(secrets.token_urlsafe(16)))
    return _DUMMY[0]
