"""Browser-facing protections: CSRF on every form, security headers, session cookies."""
from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "font-src 'self'", "connect-src 'self'", "form-action 'self'", "base-uri 'self'",
    "frame-ancestors 'none'", "object-src 'none'",
])


class SessionInterface(SecureCookieSessionInterface):
    """Session cookie marked Secure when the request came over HTTPS (secure_cookies = auto)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        setting = app.config["STRENGTHWISE_SECURE_COOKIES"]
        return request.is_secure if setting == "auto" else bool(setting)


def init_security(app: Flask) -> None:
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_NAME="strengthwise_session", WTF_CSRF_TIME_LIMIT=None)
    app.session_interface = SessionInterface()
    csrf.init_app(app)

    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if not request.path.startswith("/static/"):
            # Pages and API answers carry personal data: never keep them in a cache.
            response.headers["Cache-Control"] = "no-store"
        return response
