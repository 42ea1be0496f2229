"""Records every successful read of a person's records, through the API or the pages."""
from __future__ import annotations

import logging

from flask import Flask, g, request
from flask_login import current_user
from sqlalchemy import select

from engine.care.access_log import record_read
from engine.care.models import Plan
from engine.core.access import Actor

from .extensions import db
from .runtime import engine

log = logging.getLogger("strengthwise.access")


def init_access_log(app: Flask) -> None:
    @app.after_request
    def log_person_reads(response):
        if request.method != "GET" or not 200 <= response.status_code < 300:
            return response
        args = request.view_args or {}
        if "plan_id" not in args and "person_id" not in args:
            return response
        actor = _reader()
        if actor is None:
            return response
        try:
            person_id, subject_id = _person_of(args)
            if person_id is not None:
                record_read(db.session, actor, person_id, request.endpoint or "?", subject_id,
                            "api" if request.blueprint == "api" else "page",
                            request.full_path.rstrip("?"), engine().now())
        except Exception:  # noqa: BLE001  the read happened; say so loudly, keep the answer
            log.exception("could not record a read of %s in the access log", request.path)
        return response


def _reader() -> Actor | None:
    if request.blueprint == "api":
        user = g.get("user")
        return Actor.of(user) if user else None
    return Actor.of(current_user.user) if current_user.is_authenticated else None


def _person_of(args: dict) -> tuple[int | None, int | None]:
    if "plan_id" in args:
        person_id = db.session.scalar(select(Plan.person_id).where(Plan.id == args["plan_id"]))
        return person_id, args["plan_id"]
    return args["person_id"], None
