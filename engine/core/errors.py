"""Domain errors. The web layer maps each to one response of the external contract."""
from __future__ import annotations

from typing import Any


class EngineError(Exception):
    code = "error"
    audited = False  # True: the refusal appended an audit event, which must be kept

    def __init__(self, message: str, details: Any = None, event: Any = None):
        super().__init__(message)
        self.message = message
        self.details = details
        self.event = event  # the audit event that recorded a refused attempt, if any


class NotFound(EngineError):
    """The record does not exist, or not for this user (out of scope looks the same)."""
    code = "not_found"


class Forbidden(EngineError):
    """The user's role may not do this."""
    code = "forbidden"


class Invalid(EngineError):
    """Bad input: details maps field names to messages."""
    code = "invalid"


class Conflict(EngineError):
    """The client's version is stale; details carries the current version."""
    code = "conflict"


class Blocked(EngineError):
    """A transition was refused by its rules; details lists the failing rules."""
    code = "blocked"
    audited = True


class Denied(Forbidden):
    """A transition attempt refused for role; the audit event is attached."""

    audited = True


class OutOfScope(NotFound):
    """A transition attempt on a record outside the user's scope; audited, answered exactly as
    NotFound (the event is never shown to the caller)."""

    audited = True
