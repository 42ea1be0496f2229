"""Test harness: every database test runs on SQLite and, when reachable, on PostgreSQL.

Each test gets a fresh database: SQLite copies a migrated template file; PostgreSQL migrates one
database per run and truncates it between tests. STRENGTHWISE_TEST_POSTGRES names the server
(CI sets it, so an unreachable server fails the run instead of skipping); without it, a local
server on 127.0.0.1:5432 is used if one answers.
"""
from __future__ import annotations

import os
import shutil
import socket
import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, text

from engine.core.clock import FixedClock
from engine.core.settings import resolve_database_url
from engine.schema import upgrade

from .helpers import Api, Users

START = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def _postgres_url() -> str | None:
    explicit = os.environ.get("STRENGTHWISE_TEST_POSTGRES")
    if explicit:
        return resolve_database_url(explicit, None)
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=0.5).close()
    except OSError:
        return None
    return resolve_database_url(LOCAL_POSTGRES, None)


POSTGRES = _postgres_url()
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES else [])


@pytest.fixture(autouse=True, scope="session")
def hash_each_password_once():
    """scrypt is deliberately slow (~0.1 s); the cast's passwords are hashed once per run."""
    import functools

    import engine.core.users
    original = engine.core.users.hash_password
    engine.core.users.hash_password = functools.lru_cache(maxsize=None)(original)
    yield
    engine.core.users.hash_password = original


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_database():
    """One migrated database for the run, dropped at the end."""
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    name = f"sw_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES.rsplit("/", 1)[0] + "/" + name
    engine = create_engine(url)
    upgrade(engine)
    tables = [row[0] for row in engine.connect().execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname='public' "
        "AND tablename <> 'alembic_version'"))]
    engine.dispose()
    yield url, tables
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """A fresh, migrated, empty database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "strengthwise.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url, tables = request.getfixturevalue("postgres_database")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        conn.execute(text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :genesis)"),
                     {"genesis": "0" * 64})
    engine.dispose()
    return url


@pytest.fixture
def clock():
    return FixedClock(START)


@pytest.fixture
def make_app(database_url, clock, tmp_path):
    """Build an app on this test's database; keyword arguments override config.toml settings."""
    from web import create_app

    apps = []

    def build(**settings):
        app = create_app({"database_url": database_url, "clock": clock, "TESTING": True,
                          "settings": settings})
        apps.append(app)
        return app

    yield build
    from web.extensions import db
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def users(app, clock):
    """The cast: two managers and two staff in riverside, an auditor, and staff elsewhere."""
    return Users.create(app, clock.now())


@pytest.fixture
def api(app, users):
    return Api(app.test_client(), users)
