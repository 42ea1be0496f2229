"""The strengthwise web application: create_app() builds it; nothing happens at import."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Mapping

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

from engine import Engine, load_registry, load_settings
from engine.core.db import configure_engine

from .extensions import db


def _digits_up_to(limit: int) -> str:
    """A regex for the decimal numbers 0 … limit (ASCII digits only)."""
    top = str(limit)
    parts = [f"[0-9]{{1,{len(top) - 1}}}"] if len(top) > 1 else []
    for place, digit in enumerate(top):
        low = 1 if place == 0 else 0
        rest = len(top) - place - 1
        if int(digit) > low:
            parts.append(f"{top[:place]}[{low}-{int(digit) - 1}]"
                         + (f"[0-9]{{{rest}}}" if rest else ""))
    return "(?:" + "|".join([*parts, top]) + ")"


class RecordId(IntegerConverter):
    """An id as the database stores it (an INTEGER column: 0 … 2**31 - 1). Anything else — a
    larger number, a negative one, digits of another script, letters — matches no route at all,
    so it is a 404, never an overflow in the driver nor a 405 from a neighbouring route."""

    MAX = 2**31 - 1
    regex = _digits_up_to(MAX)

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", self.MAX)
        super().__init__(map, *args, **kwargs)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. `test_config` may hold `settings` (overrides of config.toml keys),
    `database_url`, `clock`, and any Flask config keys."""
    test_config = dict(test_config or {})
    settings = load_settings(overrides=test_config.pop("settings", None))
    clock = test_config.pop("clock", None)
    database_url = test_config.pop("database_url", None) or settings.database_url

    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.config.update(
        SECRET_KEY=_secret_key(Path(app.instance_path)),
        SQLALCHEMY_DATABASE_URI=database_url,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(database_url),
        JSON_SORT_KEYS=False,
        SWEEP_BATCH_SIZE=settings["scheduler.batch_size"],
        MAX_CONTENT_LENGTH=settings["server.max_request_bytes"],
    )
    app.config.update(test_config)
    app.json.sort_keys = False

    # Before any route is added: every <int:…> in a URL is an id the database can hold.
    app.url_map.converters["int"] = RecordId
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    app.extensions["strengthwise"] = Engine(load_registry(settings), clock)

    app.config["STRENGTHWISE_SECURE_COOKIES"] = settings["security.secure_cookies"]
    from .api import api
    from .auth import init_auth
    from .home import home
    from .pages import register_pages
    from .security import csrf, init_security
    init_security(app, settings)
    csrf.exempt(api)  # the API authenticates each request with a Bearer token, not a cookie
    app.register_blueprint(api)
    app.register_blueprint(home)
    init_auth(app)
    register_pages(app)
    from .access_log import init_access_log
    init_access_log(app)
    from .cli import register_commands
    register_commands(app)
    return app


def _engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 10}


def _secret_key(instance: Path) -> str:
    """Generated into instance/ on first run and kept there; never committed."""
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)  # private when we make it
    path = instance / "secret_key"
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()
