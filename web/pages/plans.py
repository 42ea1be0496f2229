"""Plan pages: the list, a new person and plan, the plan page with its next steps, firing a
transition, acknowledging a version, and the draft editor."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from textwrap import shorten
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from engine import Actor
from engine.care import coaching, plan_changes, reviews
from engine.care import plans as plan_ops
from engine.care.language import vocabulary_of
from engine.care.models import Acknowledgement, Person, Plan
from engine.core.definitions import TransitionDef, WorkflowDef
from engine.core.errors import Conflict, Invalid
from engine.core.models import Service, User
from engine.core.rules import Verdict
from engine.core.scope import scope_of

from ..api.schemas import APPROACHES, PersonSchema, PlanContentSchema
from ..auth import page_actor
from ..diagram import state_diagram
from ..extensions import db
from ..runtime import engine
from ..words import in_words, plan_labels
from .firing import fire_from_form

plans = Blueprint("plans", __name__)

# Rules a transition's own form satisfies: they wait for what the user types, not for work.
FORM_INPUTS = {"common.reason_recorded": "reason", "review.trigger_recorded": "reason",
               "common.comment_recorded": "comment", "increase.hours_recorded": "hours_per_week"}


# --- the list and a new person ---------------------------------------------------------------

@plans.get("/plans")
@login_required
def index():
    actor = page_actor()
    workflow = engine().registry.workflow(plan_ops.WORKFLOW)
    state = request.args.get("state") if request.args.get("state") in workflow.states else None
    query = (scope_of("plan").query(actor).join(Person, Plan.person_id == Person.id)
             .order_by(Person.name, Plan.id))
    if state:
        query = query.where(Plan._state == state)
    rows = [(plan, plan_ops.next_review_on(db.session, plan))
            for plan in db.session.scalars(query)]
    names = Counter(plan.person.name.lower() for plan, _ in rows)
    return render_template("pages/plans/index.html", rows=rows, state=state, workflow=workflow,
                           namesakes={name for name, count in names.items() if count > 1},
                           may_create=actor.may("create_person"), today=engine().today())


@plans.route("/people/new", methods=["GET", "POST"])
@login_required
def new_person():
    actor = page_actor()
    plan_ops.require(actor, "create_person")
    services = list(db.session.scalars(select(Service).where(Service.name.in_(actor.services))
                                       .order_by(Service.title)))
    form = {"name": request.form.get("name", "").strip(),
            "service": request.form.get("service", services[0].name if len(services) == 1
                                        else ""),
            **{key: request.form.get(key, "").strip()
               for key in ("preferred_name", "date_of_birth", "nhs_number")}}
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            body = PersonSchema().load({key: value or None if key not in ("name", "service")
                                        else value for key, value in form.items()})
            now = engine().now()
            person = plan_ops.create_person(
                db.session, actor, body["name"], body["service"], now,
                preferred_name=body["preferred_name"], date_of_birth=body["date_of_birth"],
                nhs_number=body["nhs_number"])
            plan = plan_ops.create_plan(db.session, engine(), actor, person.id, {})
            for warning in plan_ops.duplicate_warnings(db.session, person):
                flash(f"{warning}.", "error")
        except ValidationError as error:
            blank = {"name": "enter the person's name", "service": "choose a service"}
            errors = {key: blank[key] if not form.get(key) and key in blank else messages[0]
                      for key, messages in error.messages.items()}
        except Invalid as error:
            errors = {key: messages[0] for key, messages in (error.details or {}).items()}
        else:
            flash(f"{person.name} added. Now write their plan.", "success")
            return redirect(url_for("plans.edit", plan_id=plan.id))
    labels = {"name": "Name", "service": "Service", "preferred_name": "Preferred name",
              "date_of_birth": "Date of birth", "nhs_number": "NHS number"}
    summary = [(key, f"{labels.get(key, key)}: {message}") for key, message in errors.items()]
    return render_template("pages/plans/new_person.html", form=form,
                           service_options=[(service.name, service.title) for service in services],
                           errors=summary, field_errors=errors), 422 if errors else 200


# --- the plan page and its transitions -------------------------------------------------------

@dataclass(frozen=True)
class Step:
    """A transition from the plan's state, judged for one actor, as the plan page shows it."""

    transition: TransitionDef
    dest: str
    checks: list[tuple[Verdict, str | None]]  # each verdict, and the form input it waits for
    asks: dict[str, bool]                     # inputs the form offers → required now?

    @property
    def blockers(self) -> list[Verdict]:
        """Failing rules that typing into this form cannot fix."""
        return [verdict for verdict, waits_for in self.checks
                if not verdict.passed and waits_for is None]


def next_steps(workflow: WorkflowDef, plan: Plan, actor: Actor) -> list[Step]:
    """The transitions `actor` may fire from the plan's state, with their judged rules."""
    steps = []
    for option in engine().options(db.session, plan, actor):
        checks = {rule.id: rule.check for rule in
                  engine().registry.rules_for(workflow, option.transition)}
        paired = [(verdict, FORM_INPUTS.get(checks.get(verdict.rule, ""))) for verdict in
                  option.verdicts]
        asks = {"comment": False}
        for verdict, waits_for in paired:
            if waits_for:
                asks[waits_for] = asks.get(waits_for, False) or not verdict.passed
        steps.append(Step(option.transition, workflow.states[option.transition.dest].title,
                          paired, asks))
    return steps


def others_steps(workflow: WorkflowDef, plan: Plan, actor: Actor, own: list[Step]) -> list[Step]:
    """Steps only other roles take from here, judged for an unnamed colleague in the plan's
    service, so that (say) the author of a draft sees what the approving manager will check.
    Steps guarded only by what their own form asks (a reason, a comment) are left out."""
    seen = {step.transition.name for step in own}
    roles = sorted({role for transition in workflow.transitions_from(plan.state)
                    for role in transition.roles} - {actor.role, "system"})
    steps = []
    for role in roles:
        colleague = Actor(None, f"{'an' if role[:1] in 'aeiou' else 'a'} {role}", role,
                          frozenset({plan.service.name}))
        for step in next_steps(workflow, plan, colleague):
            if step.transition.name not in seen and any(waits is None for _, waits in step.checks):
                seen.add(step.transition.name)
                steps.append(step)
    return steps


@plans.get("/plans/<int:plan_id>")
@login_required
def show(plan_id: int):
    actor = page_actor()
    plan = plan_ops.get_plan(db.session, actor, plan_id)
    workflow = engine().workflow_of(plan)
    version = plan_ops.current_version(db.session, plan)
    readers = list(db.session.scalars(
        select(Acknowledgement).where(Acknowledgement.plan_id == plan.id,
                                      Acknowledgement.version_number == plan.current_version)
        .order_by(Acknowledgement.at))) if version else []
    steps = next_steps(workflow, plan, actor)
    note = plan_ops.status_note(db.session, plan)
    return render_template(
        "pages/plans/show.html", plan=plan, workflow=workflow, version=version, steps=steps,
        note=note, my_step=my_next_step(note, plan, actor, steps),
        has_reviews=bool(reviews.reviews_of(db.session, plan)),
        others=others_steps(workflow, plan, actor, steps),
        diagram=state_diagram(workflow, plan.state),
        versions=plan_ops.versions(db.session, plan), readers=readers,
        my_reading=next((ack for ack in readers if ack.user_id == actor.user_id), None),
        editors=plan_ops.editors_of(db.session, plan) if plan.draft is not None else [],
        review_due=plan_ops.next_review_on(db.session, plan), today=engine().today(),
        may=actor.may, **_coach_view(plan))


@dataclass(frozen=True)
class MyStep:
    """The one thing this user does next on this plan: words, and a link or a button."""

    text: str
    label: str
    url: str
    post: bool = False  # a button that fires the step here, rather than a link to its page
    # The step's name when its button would also be further down this page (a transition card,
    # the acknowledgement): it is shown once, at the top.
    step: str | None = None


def my_next_step(note: dict[str, Any] | None, plan: Plan, actor: Actor,
                 steps: list[Step]) -> MyStep | None:
    """What the plan is waiting for from this user, if anything (the banner's button)."""
    if note is None:
        return None
    kind = note["kind"]
    ready = {step.transition.name for step in steps if not step.blockers}
    person = plan.person.name
    if kind in ("returned", "drafting") and actor.may("edit_plan"):
        if kind == "returned" or "request_approval" not in ready:
            return MyStep("Make the changes, then ask for approval again." if kind == "returned"
                          else f"Finish the draft of {person}'s plan, then ask for approval.",
                          "Edit the draft", url_for("plans.edit", plan_id=plan.id))
        return MyStep("When the draft is ready, ask a manager to approve it.",
                      "Request approval", url_for("plans.fire", plan_id=plan.id,
                                                  name="request_approval"), post=True,
                      step="request_approval")
    if kind == "awaiting_approval" and actor.username in note.get("approvers", []):
        return MyStep(f"{person}'s plan is waiting for your approval.", "Approve or return it",
                      url_for("approvals.index", _anchor=f"approval-{plan.id}"))
    if kind == "awaiting_acknowledgement" and note.get("by") == actor.username \
            and actor.may("acknowledge"):
        return MyStep(f"Read version {note['version']}, then confirm you have.",
                      f"I have read version {note['version']}",
                      url_for("plans.acknowledge", plan_id=plan.id), post=True,
                      step="acknowledge")
    if kind == "awaiting_activation" and "activate" in ready:
        return MyStep(f"{note['acknowledged_by']} has read version {note['version']}: "
                      "activate the plan so staff follow it.", "Activate",
                      url_for("plans.fire", plan_id=plan.id, name="activate"), post=True,
                      step="activate")
    if kind == "awaiting_review" and actor.may("write_review"):
        return MyStep(f"The review of {person}'s plan is due: write it.", "Write the review",
                      url_for("evidence.review", plan_id=plan.id))
    if kind == "awaiting_review_completion" and actor.role == "manager" \
            and note["written_by"] != actor.username:
        return MyStep(f"{note['written_by']} has written the review: read it and decide.",
                      "Complete the review", url_for("evidence.review", plan_id=plan.id,
                                                     _anchor="next-steps"),
                      step="complete_review")
    return None


def _coach_view(plan: Plan) -> dict[str, Any]:
    """The recording coach's advice on the draft's strengths and outcomes, named in words."""
    if plan.draft is None:
        return {"coach_flags": []}
    from .evidence import FLAG_CATEGORIES
    fields = {}
    for strength in plan.draft.get("strengths") or []:
        name = shorten(strength.get("description") or "a strength", 40, placeholder="…")
        fields[f"strengths.{strength.get('id')}.description"] = (f"the strength ‘{name}’",)
        fields[f"strengths.{strength.get('id')}.used_as"] = (f"how staff use ‘{name}’",)
    for outcome in plan.draft.get("outcomes") or []:
        name = shorten(outcome.get("statement") or "an outcome", 40, placeholder="…")
        fields[f"outcomes.{outcome.get('id')}.statement"] = (f"the outcome ‘{name}’",)
    return {"coach_flags": coaching.advise(vocabulary_of(engine().registry),
                                           coaching.plan_texts(plan.draft), plan.person.name),
            "coach_fields": fields, "flag_categories": FLAG_CATEGORIES}


@plans.post("/plans/<int:plan_id>/transitions/<name>")
@login_required
def fire(plan_id: int, name: str):
    here = url_for("plans.show", plan_id=plan_id)
    return fire_from_form("plan", plan_id, name, back=here, blocked_back=here + "#transitions",
                          done=_done_message,
                          stale="Someone else changed this plan; here is the latest version.")


def _done_message(fired) -> str:
    """What a step did, in the words of the plan's life rather than the state's name."""
    plan, workflow = fired.subject, engine().workflow_of(fired.subject)
    return {"request_approval": "Approval requested: the service's managers have it in their "
                                "inbox.",
            "return_for_changes": "Returned to its authors with your comment."}.get(
        fired.event.document()["transition"],
        f"{workflow.transitions[fired.event.document()['transition']].title}: done — the plan "
        f"is now {workflow.states[plan.state].title.lower()}.")


@plans.get("/plans/<int:plan_id>/versions/<int:number>/changes")
@login_required
def version_changes(plan_id: int, number: int):
    """What changed in version n since version m, in words, with the text before and after."""
    plan = plan_ops.get_plan(db.session, page_actor(), plan_id)
    against = request.args.get("against", "")
    base = int(against) if against.isascii() and against.isdigit() and len(against) <= 9 \
        else number - 1
    rows = plan_ops.compare_versions(db.session, plan, number, base)
    labels = {**plan_changes.labels_of(plan_ops.version_of(db.session, plan, number).content)}
    if base >= 1:
        labels = {**plan_changes.labels_of(plan_ops.version_of(db.session, plan, base).content),
                  **labels}
    return render_template("pages/plans/changes.html", plan=plan, number=number, base=base,
                           rows=[(plan_changes.describe(row, labels), row) for row in rows],
                           versions=plan_ops.versions(db.session, plan))


@plans.post("/plans/<int:plan_id>/acknowledge")
@login_required
def acknowledge(plan_id: int):
    actor = page_actor()
    try:
        ack = plan_ops.acknowledge(db.session, actor, plan_id, engine().now(),
                                   engine=engine())
    except Invalid as error:
        flash(f"Nothing to acknowledge: {error.message}.", "error")
    else:
        flash(f"Thank you: you have read version {ack.version_number}.", "success")
    return redirect(url_for("plans.show", plan_id=plan_id))


@plans.app_template_filter("in_words")
def in_words_filter(text: str | None, plan: Plan) -> str | None:
    """A rule's detail with the plan's items named by their words (see web/words.py)."""
    return in_words(text, plan_labels(plan))


@plans.app_template_filter("plan_day")
def plan_day(value: Any) -> str:
    """A date (ISO text, date or datetime) as "1 December 2026", in the service's time zone."""
    if not value:
        return "Not set"
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = engine().today(value)
    return f"{value.day} {value:%B %Y}"


# --- the draft editor ------------------------------------------------------------------------

TOP = ("commissioned_hours_per_week", "start_date", "next_review_date", "key_worker")
INVOLVEMENT = ("person_views", "involved_on", "advocate", "consent", "best_interests_record")
ROWS = {  # list → (id prefix, singular, fields in the order the form shows them)
    "strengths": ("s", "Strength", ("id", "description", "used_as")),
    "outcomes": ("o", "Outcome", ("id", "statement", "target", "measure", "strength_ids")),
    "actions": ("a", "Action", ("id", "outcome_id", "description", "approach", "when",
                                "hours_per_week")),
    "risks": ("r", "Risk", ("id", "description", "why_proportionate", "monitoring",
                            "escalation", "restrictive", "justification", "review_date")),
}
LABELS = {
    "commissioned_hours_per_week": "Commissioned hours per week", "start_date": "Start date",
    "next_review_date": "Next review date", "key_worker": "Key worker",
    "person_views": "The person's views, in their own words", "involved_on": "Involved on",
    "advocate": "Advocate or family involved", "consent": "Consent",
    "best_interests_record": "Best-interests decision record", "id": "Id",
    "description": "Description", "used_as": "How staff use it", "statement": "Outcome",
    "target": "Target", "measure": "Measure", "strength_ids": "Builds on strengths",
    "outcome_id": "For outcome", "approach": "Approach", "when": "When",
    "hours_per_week": "Hours per week", "why_proportionate": "Why the approach is proportionate",
    "monitoring": "What staff monitor", "escalation": "When to escalate or reassess",
    "restrictive": "This is a restriction", "justification": "Justification of the restriction",
    "review_date": "Restriction review date",
}
FRIENDLY = {"Not a valid number.": "enter a number of hours, like 2.5",
            "Not a valid date.": "enter a date as day, month and year",
            "Field may not be null.": "this cannot be left empty",
            "Missing data for required field.": "this cannot be left empty"}


@plans.route("/plans/<int:plan_id>/edit", methods=["GET", "POST"])
@login_required
def edit(plan_id: int):
    actor = page_actor()
    plan = plan_ops.get_plan(db.session, actor, plan_id)
    plan_ops.require(actor, "edit_plan")
    if plan.draft is None:
        return _not_draft(plan)
    if request.method == "GET":
        return _editor(plan, form_from_content(plan.draft), plan.lock_version)
    form, version = form_from_request(request.form), request.form.get("version", "")
    if request.form.get("add") or request.form.get("remove"):
        change_rows(form, request.form.get("add"), request.form.get("remove"))
        return _editor(plan, form, version)
    try:
        content = PlanContentSchema().load(payload(form))
    except ValidationError as error:
        return _editor(plan, form, version, error.messages), 422
    if not (version.isascii() and version.isdigit()):
        abort(400, "The form was incomplete. Reload the editor and try again.")
    try:
        plan_ops.update_draft(db.session, actor, plan.id, content, int(version), engine().now())
    except Conflict:
        # Nothing typed is lost: the user's text stays in the form, the draft as saved by the
        # other person is shown beside it, and saving now keeps whatever the user merges.
        db.session.expire_all()
        plan = plan_ops.get_plan(db.session, actor, plan_id)
        if plan.draft is None:
            return _not_draft(plan)
        from .draft_merge import add_their_rows, saved_meanwhile
        theirs = form_from_content(plan.draft)
        added = add_their_rows(form, theirs, request.form.get("base_ids", ""))
        flash("Not saved yet: someone else saved this draft first. Nothing you typed is lost; "
              "merge below, then save again.", "error")
        return _editor(plan, form, plan.lock_version, theirs=plan.draft,
                       saved=saved_meanwhile(form, theirs), added=added,
                       base=theirs), 409
    except Invalid:
        return _not_draft(plan)
    flash("Draft saved.", "success")
    return redirect(url_for("plans.show", plan_id=plan.id))


def _editor(plan: Plan, form: dict[str, Any], version: Any,
            messages: dict | None = None, theirs: dict[str, Any] | None = None,
            saved: dict[str, Any] | None = None, added: list[str] | None = None,
            base: dict[str, Any] | None = None) -> str:
    """The editor on `form`; after a conflict, `saved` holds the other person's text of each
    field that differs and `added` the rows they added (see draft_merge.py)."""
    from .draft_merge import row_ids
    field_errors = error_fields(messages or {}, form)
    workers = [(user.username, f"{user.username} ({user.role})") for user in db.session.scalars(
        select(User).where(User.services.any(Service.id == plan.service_id),
                           User.role.in_(("staff", "manager")), User.active.is_(True))
        .order_by(User.username))]
    if form["key_worker"] and form["key_worker"] not in dict(workers):
        workers.append((form["key_worker"], f"{form['key_worker']} (not in this service)"))
    return render_template(
        "pages/plans/edit.html", plan=plan, form=form, version=version, workers=workers,
        field_errors=field_errors, errors=[(key, _where(key) + message)
                                           for key, message in field_errors.items()],
        balance=hours_balance(form), labels=LABELS, theirs=theirs, merge_saved=saved or {},
        merge_added=added or [], unsaved=request.method == "POST",
        where=lambda key: _where(key).rstrip(": "),
        base_ids=request.form.get("base_ids", "") if base is None and request.method == "POST"
        else row_ids(base or form),
        first_review_days=engine().settings["review.first_review_days"],
        outcome_options=[(row["id"], f"Outcome {number} — "
                          + shorten(row["statement"] or "no statement yet", 70, placeholder="…"))
                         for number, row in enumerate(form["outcomes"], start=1)],
        approaches=[(value, value.replace("_", " ").capitalize()) for value in APPROACHES])


def _not_draft(plan: Plan):
    state = engine().workflow_of(plan).states[plan.state].title
    page = render_template("pages/plans/not_draft.html", plan=plan, state=state)
    return page, 409 if request.method == "POST" else 200


def form_from_content(content: dict[str, Any]) -> dict[str, Any]:
    """Stored content as the strings (and ticks) the form shows."""
    involvement = content.get("involvement") or {}
    form: dict[str, Any] = {key: _shown(content.get(key)) for key in TOP}
    form["involvement"] = {key: _shown(involvement.get(key)) for key in INVOLVEMENT}
    for name, (_, _, fields) in ROWS.items():
        form[name] = [{field: _shown(row.get(field), field) for field in fields}
                      for row in content.get(name) or []]
    return form


def form_from_request(data: MultiDict) -> dict[str, Any]:
    """The posted form in the same shape; rows in the order of their index."""
    form: dict[str, Any] = {key: data.get(key, "").strip() for key in TOP}
    form["involvement"] = {key: data.get(f"involvement-{key}", "").strip()
                           for key in INVOLVEMENT}
    for name, (_, _, fields) in ROWS.items():
        indices = sorted({int(match.group(1)) for key in data
                          if (match := re.fullmatch(rf"{name}-(\d{{1,4}})-\w+", key))})
        form[name] = [{field: _posted(data, f"{name}-{index}-{field}", field)
                       for field in fields} for index in indices]
    return form


def change_rows(form: dict[str, Any], add: str | None, remove: str | None) -> None:
    """Add a blank row with the next free id (s3, o2…), or remove one ("outcomes-2")."""
    plural = f"{add}s"
    if plural in ROWS:
        prefix, _, fields = ROWS[plural]
        taken = [int(row["id"][1:]) for row in form[plural]
                 if re.fullmatch(rf"{prefix}\d{{1,6}}", row["id"])]
        row = {field: _shown(None, field) for field in fields}
        row["id"] = f"{prefix}{max(taken, default=0) + 1}"
        form[plural].append(row)
    if remove and (match := re.fullmatch(r"(\w+)-(\d+)", remove)) and match.group(1) in ROWS:
        rows, index = form[match.group(1)], int(match.group(2))
        if index < len(rows):
            del rows[index]


def payload(form: dict[str, Any]) -> dict[str, Any]:
    """What PlanContentSchema loads: blanks become None."""
    body: dict[str, Any] = {key: form[key] or None for key in TOP}
    body["involvement"] = {key: value or None for key, value in form["involvement"].items()}
    for name in ROWS:
        body[name] = [{field: value if isinstance(value, (bool, list)) else value or None
                       for field, value in row.items()} for row in form[name]]
    return body


def error_fields(messages: dict, form: dict[str, Any]) -> dict[str, str]:
    """Marshmallow's nested messages as {field id: message}, in the order the form shows them:
    {"actions": {0: {"hours_per_week": [...]}}} → {"actions-0-hours_per_week": "…"}."""
    found: dict[str, str] = {}

    def walk(path: list[str], value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(path if key == "_schema" else [*path, str(key)], inner)
        elif value:
            message = value[0] if isinstance(value, list) else str(value)
            depth = 3 if path and path[0] in ROWS else 2 if path[:1] == ["involvement"] else 1
            key = "-".join(path[:depth])
            if path and path[0] in ROWS and path[-1] == "id" and len(path) == 3:
                key = "-".join(path[:2])  # the id is hidden: point at its row
            found.setdefault(key, _friendly(path[-1] if path else "", str(message)))

    walk([], messages)
    order = {key: place for place, key in enumerate(field_ids(form))}
    return dict(sorted(found.items(), key=lambda item: order.get(item[0], len(order))))


def field_ids(form: dict[str, Any]) -> list[str]:
    ids = list(TOP) + [f"involvement-{key}" for key in INVOLVEMENT]
    for name, (_, _, fields) in ROWS.items():
        for index in range(len(form[name])):
            ids += [f"{name}-{index}"] + [f"{name}-{index}-{field}" for field in fields]
    return ids


def hours_balance(form: dict[str, Any]) -> tuple[str, bool]:
    """The same words app.js writes live: allocated of commissioned, and the gap. Blank and
    negative hours are said as such, never "balanced"."""
    rows = [_hours(action["hours_per_week"]) for action in form["actions"]]
    allocated = round(sum(value for value, _ in rows), 2)
    target, blank = _hours(form["commissioned_hours_per_week"])
    negative = target < 0 or any(value < 0 for value, _ in rows)
    gap = round(target - allocated, 2)
    if blank:
        return f"{allocated:g} hours allocated; the commissioned hours are not filled in yet", \
            False
    if negative:
        return "Hours cannot be negative: check the commissioned hours and each action's hours", \
            False
    if target == 0 and allocated == 0:
        return "No hours commissioned or allocated yet", False
    words = f"{allocated:g} of {target:g} commissioned hours allocated"
    words += (" — balanced" if gap == 0 else f" — {gap:g} still to allocate" if gap > 0
              else f" — {-gap:g} more than commissioned")
    return words, target > 0 and gap == 0


def _hours(text: Any) -> tuple[float, bool]:
    """(hours, blank?) of what was typed: blank or not a number counts as not filled in."""
    typed = str(text or "").strip()
    try:
        value = float(typed)
    except ValueError:
        return 0.0, True
    return (value, False) if value == value and abs(value) != float("inf") else (0.0, True)


def _where(key: str) -> str:
    parts = key.split("-")
    if parts[0] in ROWS:
        row = f"{ROWS[parts[0]][1]} {int(parts[1]) + 1}"
        return f"{row}, {LABELS.get(parts[2], parts[2]).lower()}: " if len(parts) > 2 \
            else f"{row}: "
    return f"{LABELS.get(parts[-1], parts[-1])}: "


def _friendly(field: str, message: str) -> str:
    if field == "outcome_id" and message in FRIENDLY:
        return "choose the outcome this action is for"
    if field == "id" and message in FRIENDLY:
        return "this row has lost its id: remove it and add it again"
    return FRIENDLY.get(message, message)


def _shown(value: Any, field: str = "") -> Any:
    if field == "strength_ids":
        return [str(item) for item in value or []]
    if field == "restrictive":
        return bool(value)
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _posted(data: MultiDict, key: str, field: str) -> Any:
    if field == "strength_ids":
        return data.getlist(key)
    if field == "restrictive":
        return bool(data.get(key))
    return data.get(key, "").strip()


def _number(text: str) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return 0.0
    return value if value == value and abs(value) != float("inf") else 0.0
