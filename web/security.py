"""Browser-facing protections: CSRF on every form, security headers (HSTS over HTTPS), session
cookies, and the client's real address and scheme from trusted reverse proxies only."""
from __future__ import annotations

from ipaddress import ip_address, ip_network

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from engine import Settings

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


class TrustedProxies:
    """WSGI middleware: X-Forwarded-For and -Proto are applied (by Werkzeug's ProxyFix, one
    hop) only when the immediate peer is a configured proxy; from anyone else they are
    ignored, so a client cannot choose the address its sign-in failures count against."""

    def __init__(self, wsgi_app, proxies: list[str]):
        self.direct = wsgi_app
        self.proxied = ProxyFix(wsgi_app, x_for=1, x_proto=1)
        self.networks = [ip_network(proxy, strict=False) for proxy in proxies]

    def __call__(self, environ, start_response):
        handler = self.proxied if self._trusted(environ.get("REMOTE_ADDR", "")) else self.direct
        return handler(environ, start_response)

    def _trusted(self, peer: str) -> bool:
        try:
            address = ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self.networks)


def init_security(app: Flask, settings: Settings) -> None:
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_NAME="strengthwise_session", WTF_CSRF_TIME_LIMIT=None)
    app.session_interface = SessionInterface()
    csrf.init_app(app)
    if settings["server.trusted_proxies"]:
        app.wsgi_app = TrustedProxies(app.wsgi_app, settings["server.trusted_proxies"])
    hsts = f"max-age={settings['security.hsts_max_age_days'] * 86400}; includeSubDomains"

    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:
            # Only over HTTPS: over plain HTTP the header means nothing (RFC 6797 §8.1).
            response.headers.setdefault("Strict-Transport-Security", hsts)
        if not request.path.startswith("/static/"):
            # Pages and API answers carry personal data: never keep them in a cache.
            response.headers["Cache-Control"] = "no-store"
        return response
