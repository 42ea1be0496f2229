"""Server-rendered pages. Each feature is a blueprint; all of them share the engine's policy
(engine.access.Actor and the engine's own scope checks), so a page never shows what the API
would hide: a record outside the user's services is a 404 page here too."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from engine.core.errors import Forbidden, NotFound

NAV = {
    "staff": [("inbox.index", "Inbox"), ("plans.index", "Plans"),
              ("incidents.index", "Incidents"), ("practice.index", "My practice")],
    "manager": [("inbox.index", "Inbox"), ("approvals.index", "Approvals"),
                ("plans.index", "Plans"), ("incidents.index", "Incidents"),
                ("incidents.register", "Restrictions"), ("feedback.index", "Feedback"),
                ("practice.index", "Supervision"), ("governance.index", "Governance"),
                ("quality.index", "Quality audit")],
    "auditor": [("inbox.index", "Inbox"), ("plans.index", "Plans"),
                ("incidents.index", "Incidents"), ("incidents.register", "Restrictions"),
                ("feedback.index", "Feedback"), ("practice.index", "Supervision"),
                ("governance.index", "Governance"), ("quality.index", "Quality audit"),
                ("chain.index", "Audit chain")],
    # No care records for admins (SPEC §1): accounts, the chain and aggregate reports (not the
    # quality audit, whose findings name people and their records).
    "admin": [("governance.index", "Governance"), ("accounts.users", "Users"),
              ("chain.index", "Audit chain")],
}


def _words_filters(app: Flask) -> None:
    """Dates said as people say them, on every page (see web/words.py)."""
    from zoneinfo import ZoneInfo

    from ..runtime import engine
    from ..words import dates_in_words, moment_in_words

    app.jinja_env.filters["dates_in_words"] = dates_in_words
    app.jinja_env.filters["moment_in_words"] = lambda value: moment_in_words(
        value, ZoneInfo(engine().settings["timezone"]))


def register_pages(app: Flask) -> None:
    from .accounts import account_pages
    from .approvals import approvals
    from .audit import audit
    from .chain import chain
    from .evidence import evidence
    from .feedback import feedback
    from .governance import governance
    from .inbox import inbox
    from .incidents import learning
    from .plans import plans
    from .practice import practice
    from .quality import quality
    from .review_records import review_records

    for blueprint in (inbox, plans, evidence, approvals, audit, governance, practice, quality,
                      account_pages, chain, review_records, learning, feedback):
        app.register_blueprint(blueprint)

    # Macros imported without context (the checklists) ask who is reading, too.
    app.jinja_env.globals["current_user"] = current_user
    _words_filters(app)

    @app.context_processor
    def navigation():
        def nav_items():
            if not current_user.is_authenticated:
                return []
            return [item for item in NAV.get(current_user.user.role, [])
                    if item[0] in app.view_functions]
        return {"nav_items": nav_items}

    @app.errorhandler(NotFound)
    def not_found(exc):
        return _error_page(404, "Page not found",
                           "There is nothing here, or nothing you have access to.")

    @app.errorhandler(Forbidden)
    def forbidden(exc):
        return _error_page(403, "You cannot do that", exc.message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if request.path.startswith("/api/"):
            from ..api import http_error as api_error
            return api_error(exc)
        if exc.code == 404:
            return not_found(exc)
        if exc.code == 400 and "CSRF" in (exc.description or ""):
            return _error_page(400, "The form has expired",
                               "For your security the form could not be sent. Go back, "
                               "reload the page and try again.")
        return _error_page(exc.code or 500, exc.name, exc.description or "")


def _error_page(status: int, heading: str, message: str):
    return render_template("errors/page.html", heading=heading, message=message), status
