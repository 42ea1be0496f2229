"""Pages: a user's own account (password, sessions, sign out everywhere) and the admin's user
pages (list, add, deactivate, role, services, unlock, token). Every change is an
engine.core.accounts call, audited there."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select

from engine.core import accounts
from engine.core.access import ROLES
from engine.core.errors import Invalid
from engine.core.models import Service
from engine.core.sessions import is_current, live_sessions
from engine.core.users import new_password, throttled_until

from ..auth import current_sid, end_page_session, page_actor, throttle_policy, timeouts
from ..extensions import db
from ..runtime import engine

account_pages = Blueprint("accounts", __name__)
ROLE_OPTIONS = [(role, role) for role in ROLES]


def _zone() -> ZoneInfo:
    return ZoneInfo(engine().settings["timezone"])


def _problems(invalid: Invalid) -> str:
    return "; ".join(message for messages in (invalid.details or {}).values()
                     for message in messages) or invalid.message


# --- one's own account -----------------------------------------------------------------------

@account_pages.get("/account")
@login_required
def account(errors: dict | None = None, status: int = 200):
    actor = page_actor()
    sessions = live_sessions(db.session, actor.user_id, engine().now(), timeouts())
    sid = current_sid()
    return render_template("pages/accounts/account.html", user=page_actor(), zone=_zone(),
                           sessions=[(row, is_current(row, sid)) for row in sessions],
                           errors=errors or {}), status


@account_pages.post("/account/password")
@login_required
def change_password():
    new, confirm = request.form.get("new", ""), request.form.get("confirm", "")
    if new != confirm:
        return account(errors={"confirm": "The two new passwords are not the same."},
                       status=422)
    try:
        ended = accounts.change_password(db.session, page_actor(),
                                         request.form.get("current", ""), new, engine().now(),
                                         keep_sid=current_sid())
    except Invalid as invalid:
        errors = {field: "; ".join(messages) for field, messages in invalid.details.items()}
        return account(errors=errors, status=422)
    flash(f"Your password is changed. {ended} other session{'' if ended == 1 else 's'} "
          "signed out.", "success")
    return redirect(url_for("accounts.account"))


@account_pages.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    accounts.sign_out_everywhere(db.session, page_actor(), engine().now())
    end_page_session()
    flash("You have signed out everywhere, this browser included.", "info")
    return redirect(url_for("auth.login"))


# --- the admin's user pages ------------------------------------------------------------------

@account_pages.get("/admin/users")
@login_required
def users():
    actor, now = page_actor(), engine().now()
    listed = [(user, throttled_until(db.session, user.username, None, now, throttle_policy()))
              for user in accounts.list_users(db.session, actor)]
    return render_template("pages/accounts/users.html", users=listed, zone=_zone())


@account_pages.route("/admin/users/new", methods=["GET", "POST"])
@login_required
def new_user():
    actor = page_actor()
    accounts.list_users(db.session, actor)  # admins only, before anything is shown
    form, errors = request.form, {}
    if request.method == "POST":
        services = form.getlist("service") + [name.strip() for name in
                                              form.get("new_services", "").split(",")]
        services = [name for name in services if name]
        password = form.get("password", "")
        generated = not password  # left blank: one is made and shown once
        password = password or new_password()
        try:
            user, token = accounts.create_account(
                db.session, actor, form.get("username", "").strip(), form.get("role", ""),
                services, password, engine().now(), engine().settings["security.token_days"])
        except Invalid as invalid:
            errors = {field: "; ".join(messages) for field, messages in invalid.details.items()}
        else:
            return render_template("pages/accounts/issued.html", user=user, token=token,
                                   password=password if generated else None,
                                   heading=f"{user.username} added")
    return render_template("pages/accounts/new_user.html", form=form, errors=errors,
                           roles=ROLE_OPTIONS, services=_service_names()), \
        422 if errors else 200


@account_pages.get("/admin/users/<username>")
@login_required
def user(username: str):
    actor, now = page_actor(), engine().now()
    found = accounts.find_user(db.session, actor, username)
    return render_template("pages/accounts/user.html", user=found, roles=ROLE_OPTIONS,
                           zone=_zone(), services=_service_names(),
                           is_self=found.id == actor.user_id,
                           locked=throttled_until(db.session, username, None, now,
                                                  throttle_policy()))


@account_pages.post("/admin/users/<username>/<action>")
@login_required
def change(username: str, action: str):
    actor, now, form = page_actor(), engine().now(), request.form
    here = url_for("accounts.user", username=username)
    try:
        if action == "role":
            accounts.set_role(db.session, actor, username, form.get("role", ""), now)
            done = f"{username} is now {form.get('role')}."
        elif action == "services":
            services = form.getlist("service") + form.get("new_services", "").split(",")
            user = accounts.set_services(db.session, actor, username, services, now)
            done = f"{username} works in {', '.join(user.service_names)}."
        elif action == "deactivate":
            accounts.deactivate(db.session, actor, username, now)
            done = f"{username} is deactivated: every session and API token has ended."
        elif action == "reactivate":
            accounts.reactivate(db.session, actor, username, now)
            done = f"{username} is active again. Rotate their token if they need the API."
        elif action == "unlock":
            cleared = accounts.unlock(db.session, actor, username, now)
            done = f"{username} can sign in again ({cleared} failed attempts cleared)."
        elif action == "token":
            token = accounts.rotate_token(db.session, actor, username, now,
                                          engine().settings["security.token_days"])
            return render_template("pages/accounts/issued.html", token=token, password=None,
                                   user=accounts.find_user(db.session, actor, username),
                                   heading=f"New API token for {username}")
        else:
            return redirect(here)
    except Invalid as invalid:
        flash(f"Not changed: {_problems(invalid)}.", "error")
        return redirect(here)
    flash(done, "success")
    return redirect(here)


def _service_names() -> list[str]:
    return list(db.session.scalars(select(Service.name).order_by(Service.name)))
