"""Bearer tokens: random, shown once, stored as SHA-256."""
from __future__ import annotations

from sqlalchemy import select

from engine.core.access import Actor
from engine.core.models import ApiToken, User
from engine.core.users import hash_token

from ..extensions import db


def authenticate(header: str) -> User | None:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    digest = hash_token(token.strip())
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if row is None or not row.user.active:
        return None
    return row.user


def current_actor() -> Actor:
    from flask import g
    return Actor.of(g.user)
