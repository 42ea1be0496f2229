"""Bearer tokens: random, shown once, stored as SHA-256; revoked by rotation or deactivation,
expired after security.token_days."""
from __future__ import annotations

from engine.core.access import Actor
from engine.core.models import User
from engine.core.users import token_user

from ..extensions import db
from ..runtime import engine


def authenticate(header: str) -> User | None:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token_user(db.session, token.strip(), engine().now(),
                      engine().settings["security.token_days"])


def current_actor() -> Actor:
    from flask import g
    return Actor.of(g.user)
