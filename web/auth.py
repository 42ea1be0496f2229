"""Signing in and out of the pages. Sessions live on the server (engine.core.sessions): the
cookie carries only a random session id, and every page request checks its row, so signing
out, deactivation, a password change or "sign out everywhere" end it for good. Idle and
absolute timeouts come from config.toml and are judged from the row."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, session, url_for
from flask_login import LoginManager, current_user, login_user, logout_user

from engine.core.access import Actor
from engine.core.models import User, UserSession
from engine.core.sessions import Timeouts, end_session, resume_session, start_session
from engine.core.users import Throttled, ThrottlePolicy, sign_in

from .extensions import db
from .runtime import engine

auth = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."
# Flask-Login's "strong" protection hashes the User-Agent and X-Forwarded-For, both of which
# the client chooses; a server-side session that can be ended is the protection instead.
login_manager.session_protection = None

ENDED = {
    "idle": "after a period without activity",
    "expired": "because sessions last at most {hours} hours",
    "ended": "because your session was ended",
}


class SignedIn:
    """The Flask-Login view of a live server-side session and its user."""

    is_authenticated, is_active, is_anonymous = True, True, False

    def __init__(self, row: UserSession, sid: str):
        self.user: User = row.user
        self.session_row, self.sid = row, sid

    def get_id(self) -> str:
        return self.sid


@login_manager.user_loader
def load_user(sid: str) -> SignedIn | None:
    row, why = resume_session(db.session, sid, engine().now(), timeouts())
    g.session_ended = why
    return SignedIn(row, sid) if row is not None else None


def timeouts() -> Timeouts:
    settings = engine().settings
    return Timeouts(idle=timedelta(minutes=settings["security.idle_timeout_minutes"]),
                    absolute=timedelta(hours=settings["security.absolute_timeout_hours"]))


def throttle_policy() -> ThrottlePolicy:
    settings = engine().settings
    return ThrottlePolicy(pair_failures=settings["security.login_max_failures"],
                          account_failures=settings["security.account_max_failures"],
                          first_wait_minutes=settings["security.login_window_minutes"])


def page_actor() -> Actor:
    """Who is using the pages (the login_required views only)."""
    return Actor.of(current_user.user)


def current_sid() -> str | None:
    return current_user.sid if current_user.is_authenticated else None


def init_auth(app: Flask) -> None:
    login_manager.init_app(app)
    app.register_blueprint(auth)

    @app.before_request
    def check_session():
        if request.blueprint in ("api", "static"):
            return None
        if current_user.is_authenticated:
            g.actor = page_actor()
            return None
        if "_user_id" not in session:
            return None
        # A cookie naming a session that has ended: forget it and say why.
        why = g.get("session_ended") or "ended"
        session.clear()
        hours = engine().settings["security.absolute_timeout_hours"]
        flash(f"You were signed out {ENDED.get(why, ENDED['ended']).format(hours=hours)}. "
              "Please sign in again.", "info")
        if request.endpoint == "auth.login":
            return None
        return redirect(url_for("auth.login", next=request.full_path
                                if request.method == "GET" else None))


@auth.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("inbox.index"))
    error, status = None, 200
    username = request.form.get("username", "").strip()
    if request.method == "POST":
        try:
            user = sign_in(db.session, username, request.form.get("password", ""),
                           request.remote_addr or "unknown", engine().now(), throttle_policy())
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
    sid = current_sid()
    if sid is not None:
        end_session(db.session, sid, engine().now())
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


def _start_session(user: User) -> None:
    """A fresh session for every sign-in: nothing carried over from before."""
    session.clear()
    sid = start_session(db.session, user, engine().now(), request.remote_addr or "unknown",
                        request.user_agent.string)
    row, _ = resume_session(db.session, sid, engine().now(), timeouts())
    login_user(SignedIn(row, sid))


def end_page_session() -> None:
    """Forget the browser's session (after its row was ended by an account change)."""
    logout_user()
    session.clear()


def _safe_next(target: str | None) -> str:
    """Only a path on this site; anything else goes to the inbox."""
    if target and urlsplit(target).netloc == "" and target.startswith("/") \
            and not target.startswith("//"):
        return target
    return url_for("inbox.index")
