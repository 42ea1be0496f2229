"""Access to the app's engine and the request's JSON body, shared by the views."""
from __future__ import annotations

from typing import Any

from flask import current_app, request
from marshmallow import Schema

from engine import Engine
from engine.core.errors import Invalid


def engine() -> Engine:
    return current_app.extensions["strengthwise"]


def load_body(schema: Schema) -> dict[str, Any]:
    """Parse the JSON body with `schema`; anything but a JSON object is refused."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid("the body must be a JSON object", {"_body": ["expected a JSON object"]})
    from .api.schemas import nul_errors  # here: web.api imports this module
    nul = nul_errors(body)  # a NUL would reach PostgreSQL, which refuses it with a 500
    if nul:
        raise Invalid("the request has invalid fields", nul)
    return schema.load(body)
