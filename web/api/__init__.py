"""The JSON API under /api/v1. Every error, including 404 and 405, is the contract's JSON."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from engine.core.errors import Blocked, Conflict, EngineError, Forbidden, Invalid, NotFound

from .auth import authenticate

api = Blueprint("api", __name__, url_prefix="/api/v1")

STATUS = {NotFound: 404, Forbidden: 403, Invalid: 422, Conflict: 409, Blocked: 422}
HTTP_CODES = {400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "invalid",
              422: "invalid", 429: "too_many_requests"}


def error(code: str, message: str, status: int, details=None, **extra):
    body = {"error": code, "message": message, "details": details, **extra}
    return jsonify(body), status


@api.before_request
def require_token():
    if request.endpoint == "api.openapi":
        return None
    user = authenticate(request.headers.get("Authorization", ""))
    if user is None:
        return error("unauthorized", "a valid Bearer token is required", 401)
    g.user = user
    return None


@api.errorhandler(EngineError)
def engine_error(exc: EngineError):
    """Every domain error as the contract's JSON. A refusal's audit event is kept but never
    numbered in the reply: the global sequence would tell the caller what others do."""
    status = next(code for cls, code in STATUS.items() if isinstance(exc, cls))
    return error(exc.code, exc.message, status, exc.details)


@api.errorhandler(ValidationError)
def validation_error(exc: ValidationError):
    return error("invalid", "the request has invalid fields", 422, exc.messages)


@api.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    message = {404: "no such API endpoint",
               413: "the request body is larger than this server accepts"}.get(
        exc.code or 0, exc.description or exc.name)
    return error(HTTP_CODES.get(exc.code, "error"), message, exc.code)


@api.errorhandler(Exception)
def unexpected(exc: Exception):
    # Logged with its traceback by Flask; the client still gets JSON, never an HTML page.
    from flask import current_app
    current_app.logger.exception("unhandled error in the API")
    return error("internal", "something went wrong on our side; it has been logged", 500)


from . import evidence, me, openapi, people, plans, reports, staff_practice, tasks  # noqa: E402,F401 (routes)
from . import incidents  # noqa: E402,F401 (routes: incidents and the restriction register)
from . import feedback  # noqa: E402,F401 (routes)
