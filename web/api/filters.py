"""Query-string filters that several lists share."""
from __future__ import annotations

from flask import request

from engine.core.errors import Invalid


def service_filter() -> str | None:
    """?service=: the name of one of the caller's services (any other name is simply none of
    theirs, and lists nothing); None when not given. Given empty or overlong, it names no
    service at all: a 422 that says so, on every list that takes it."""
    name = request.args.get("service")
    if name is None:
        return None
    name = name.strip()
    if not name or len(name) > 80:
        raise Invalid("which service?", {"service": ["the name of one of your services"]})
    return name
