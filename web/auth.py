"""Signing in and out of the pages, and the session rules: throttled sign-in, a new session on
every sign-in, idle and absolute timeouts from config.toml."""
from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, session, url_for
from flask_login import LoginManager, current_user, login_user, logout_user

from engine.core.access import Actor
from engine.core.models import User
from engine.core.users import Throttled, sign_in

from .extensions import db
from .runtime import engine

auth = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."
login_manager.session_protection = "strong"


class SignedIn:
    """The Flask-Login view of an engine User."""

    is_authenticated, is_active, is_anonymous = True, True, False

    def __init__(self, user: User):
        self.user = user

    def get_id(self) -> str:
        return str(self.user.id)


@login_manager.user_loader
def load_user(user_id: str) -> SignedIn | None:
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return SignedIn(user) if user and user.active else None


def page_actor() -> Actor:
    """Who is using the pages (the login_required views only)."""
    return Actor.of(current_user.user)


def init_auth(app: Flask) -> None:
    login_manager.init_app(app)
    app.register_blueprint(auth)

    @app.before_request
    def enforce_timeouts():
        if request.blueprint in ("api", "static") or not current_user.is_authenticated:
            return None
        settings, now = engine().settings, engine().now().timestamp()
        idle = settings["security.idle_timeout_minutes"] * 60
        absolute = settings["security.absolute_timeout_hours"] * 3600
        if now - session.get("seen_at", 0) > idle or now - session.get("login_at", 0) > absolute:
            why = ("after a period without activity" if now - session.get("seen_at", 0) > idle
                   else "because sessions last at most "
                        f"{settings['security.absolute_timeout_hours']} hours")
            logout_user()
            session.clear()
            flash(f"You were signed out {why}. Please sign in again.", "info")
            return redirect(url_for("auth.login", next=request.full_path
                                    if request.method == "GET" else None))
        session["seen_at"] = now
        g.actor = page_actor()
        return None


@auth.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("inbox.index"))
    error, status = None, 200
    username = request.form.get("username", "").strip()
    if request.method == "POST":
        settings = engine().settings
        try:
            user = sign_in(db.session, username, request.form.get("password", ""),
                           request.remote_addr or "unknown", engine().now(),
                           settings["security.login_max_failures"],
                           settings["security.login_window_minutes"])
        except Throttled as throttled:
            error, status = (f"Too many failed sign-ins. Try again in "
                             f"{throttled.retry_after_minutes} minutes.", 429)
        else:
            if user is None:
                error, status = "The username or password is not right.", 401
            else:
                _start_session(user)
                return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", error=error, username=username), status


@auth.post("/logout")
def logout():
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


def _start_session(user: User) -> None:
    """A fresh session for every sign-in: nothing carried over from before."""
    session.clear()
    login_user(SignedIn(user))
    now = engine().now().timestamp()
    session.update(login_at=now, seen_at=now, sid=secrets.token_urlsafe(16))


def _safe_next(target: str | None) -> str:
    """Only a path on this site; anything else goes to the inbox."""
    if target and urlsplit(target).netloc == "" and target.startswith("/") \
            and not target.startswith("//"):
        return target
    return url_for("inbox.index")

