"""The account lifecycle: what an admin (or the command line) does to users, and what users do
to their own account. Each change is one transaction with its audit event on the chain
(workflow "account", subject "user"), saying what changed in words."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from engine.core import users
from engine.core.access import ROLES, Actor
from engine.core.audit import record_change
from engine.core.errors import Forbidden, Invalid, NotFound
from engine.core.models import ApiToken, Service, User
from engine.core.passwords import password_problems
from engine.core.sessions import end_sessions_of
from engine.core.uow import unit_of_work
from engine.core.words import with_article

# The command line acts as this system actor on the audit chain.
CLI = Actor(None, "cli", "system", frozenset())


def create_account(session: Session, actor: Actor, username: str, role: str,
                   services: list[str], password: str, now: datetime,
                   token_days: int = users.DEFAULT_TOKEN_DAYS) -> tuple[User, str]:
    """A new user with an API token, recorded as "account_created"."""
    _may_manage(actor)
    with unit_of_work(session):
        user, token = users.insert_user(session, username, role, services, password, now,
                                        token_days)
        _record(session, actor, user, now, "account_created",
                [f"account created: {role} in {_services_text(user)}"])
    return user, token


def deactivate(session: Session, actor: Actor, username: str, now: datetime) -> User:
    """Stop a leaver: inactive, every session ended and every token revoked, at once."""
    _may_manage(actor)
    with unit_of_work(session):
        user = _user(session, username)
        if user.id == actor.user_id:
            raise Forbidden("you cannot deactivate your own account: ask another admin")
        if not user.active:
            raise Invalid("already inactive", {"username": [f"{username} is already inactive"]})
        user.active = False
        ended = end_sessions_of(session, user.id, now, "deactivated")
        revoked = _revoke_tokens(session, user.id, now)
        _record(session, actor, user, now, "account_deactivated",
                [f"account deactivated; {_count(ended, 'session')} ended, "
                 f"{_count(revoked, 'API token')} revoked"])
    return user


def reactivate(session: Session, actor: Actor, username: str, now: datetime) -> User:
    """Let a returning user sign in again (their old tokens stay revoked: rotate for a new one)."""
    _may_manage(actor)
    with unit_of_work(session):
        user = _user(session, username)
        if user.active:
            raise Invalid("already active", {"username": [f"{username} is already active"]})
        user.active = True
        _record(session, actor, user, now, "account_reactivated", ["account reactivated"])
    return user


def set_role(session: Session, actor: Actor, username: str, role: str, now: datetime) -> User:
    _may_manage(actor)
    if role not in ROLES:
        raise Invalid("invalid role", {"role": [f"must be one of {', '.join(ROLES)}"]})
    with unit_of_work(session):
        user = _user(session, username)
        if user.id == actor.user_id:
            raise Forbidden("you cannot change your own role: ask another admin")
        if user.role != role:
            before, user.role = user.role, role
            _record(session, actor, user, now, "role_changed",
                     [f"role changed from {before} to {role}"])
    return user


def set_services(session: Session, actor: Actor, username: str, services: list[str],
                 now: datetime) -> User:
    """The user's services become exactly these (created if new)."""
    _may_manage(actor)
    names = sorted(set(name.strip() for name in services if name.strip()))
    if not names:
        raise Invalid("no services", {"service": ["a user belongs to at least one service"]})
    with unit_of_work(session):
        user = _user(session, username)
        before = _services_text(user)
        user.services = [users.ensure_service(session, name) for name in names]
        session.flush()
        if before != _services_text(user):
            _record(session, actor, user, now, "services_changed",
                    [f"services changed from {before} to {_services_text(user)}"])
    return user


def add_approver(session: Session, actor: Actor, username: str, service_name: str,
                 now: datetime) -> User:
    """A manager of another service becomes a manager of this one too, so that a plan whose
    own managers all edited it can still be approved by someone independent. Recorded as
    "approver_added"."""
    _may_manage(actor)
    with unit_of_work(session):
        user = _user(session, username)
        if user.role != "manager":
            raise Invalid("not a manager", {"username": [
                f"{username} is {with_article(user.role)}: only a manager approves plans"]})
        if not user.active:
            raise Invalid("inactive", {"username": [f"{username} is inactive"]})
        service = session.scalar(select(Service).where(Service.name == service_name))
        if service is None:
            raise NotFound(f"no service {service_name}")
        if service in user.services:
            raise Invalid("already a manager there", {"service": [
                f"{username} already manages {service_name}"]})
        before = _services_text(user)
        user.services = [*user.services, service]
        session.flush()
        _record(session, actor, user, now, "approver_added",
                [f"added as an approver for {service_name} (services were {before}, now "
                 f"{_services_text(user)})"])
    return user


def rotate_token(session: Session, actor: Actor, username: str, now: datetime,
                 token_days: int = users.DEFAULT_TOKEN_DAYS) -> str:
    """A new API token for the user; every earlier one stops working."""
    _may_manage(actor)
    with unit_of_work(session):
        user = _user(session, username)
        if not user.active:
            raise Invalid("inactive", {"username": [f"{username} is inactive: reactivate first"]})
        revoked = _revoke_tokens(session, user.id, now)
        token = users.issue_token(session, user, now, token_days)
        expires = now + timedelta(days=token_days)
        _record(session, actor, user, now, "token_rotated",
                [f"API token rotated; {_count(revoked, 'earlier token')} revoked; the new one "
                 f"expires on {expires:%Y-%m-%d}"])
    return token


def unlock(session: Session, actor: Actor, username: str, now: datetime) -> int:
    """Clear the failed sign-ins that hold the account shut; returns how many there were."""
    _may_manage(actor)
    with unit_of_work(session):
        user = _user(session, username)
        cleared = users.forget_failures(session, username)
        _record(session, actor, user, now, "account_unlocked",
                [f"sign-in unlocked; {_count(cleared, 'failed attempt')} cleared"])
    return cleared


def change_password(session: Session, actor: Actor, current: str, new: str, now: datetime,
                    keep_sid: str | None = None) -> int:
    """The actor changes their own password; every other session of theirs ends.
    Returns how many were ended."""
    with unit_of_work(session):
        user = session.get(User, actor.user_id)
        if user is None or not users.password_matches(user, current):
            raise Invalid("wrong password", {"current": ["your current password is not right"]})
        problems = password_problems(new, user.username)
        if problems:
            raise Invalid("weak password", {"new": problems})
        if users.password_matches(user, new):
            raise Invalid("same password", {"new": ["the new password is your current one"]})
        user.password_hash = users.hash_password(new)
        ended = end_sessions_of(session, user.id, now, "password_changed", keep_sid=keep_sid)
        _record(session, actor, user, now, "password_changed",
                [f"password changed; {_count(ended, 'other session')} ended"])
    return ended


def sign_out_everywhere(session: Session, actor: Actor, now: datetime) -> int:
    """End every session of the actor's own account, this one included."""
    with unit_of_work(session):
        user = session.get(User, actor.user_id)
        if user is None:
            raise NotFound("your account no longer exists")
        ended = end_sessions_of(session, user.id, now, "signed_out_everywhere")
        _record(session, actor, user, now, "signed_out_everywhere",
                [f"signed out everywhere; {_count(ended, 'session')} ended"])
    return ended


def list_users(session: Session, actor: Actor) -> list[User]:
    _may_manage(actor)
    return list(session.scalars(select(User).order_by(User.username)))


def find_user(session: Session, actor: Actor, username: str) -> User:
    _may_manage(actor)
    return _user(session, username)


def _may_manage(actor: Actor) -> None:
    if not (actor.is_system or actor.may("manage")):
        raise Forbidden("only an admin manages user accounts")


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user {username}")
    return user


def _revoke_tokens(session: Session, user_id: int, now: datetime) -> int:
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]  # a DML result
        update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now))
    return result.rowcount


def _record(session: Session, actor: Actor, user: User, now: datetime, action: str,
            changes: list[str]) -> None:
    record_change(session, at=now, actor=actor, workflow="account", subject_type="user",
                  subject_id=user.id, service=user.services[0].name if user.services else "",
                  state="active" if user.active else "inactive", action=action,
                  changes=changes)


def _services_text(user: User) -> str:
    return ", ".join(sorted(user.service_names)) or "no service"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
