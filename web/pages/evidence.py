"""Evidence pages: daily records with language feedback, and the strengths-first review form."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from engine import Actor
from engine.care import coaching, plans, records, reviews
from engine.care.language import vocabulary_of
from engine.care.models import DailyRecord, Plan
from engine.core.errors import Forbidden, Invalid, NotFound

from ..api.schemas import (
    AGREEMENT,
    COMPLETION,
    DECISIONS,
    INVOLVEMENT_HOW,
    RATINGS,
    DailyRecordSchema,
    ReviewSchema,
)
from ..auth import page_actor
from ..extensions import db
from ..runtime import engine

evidence = Blueprint("evidence", __name__)

RECENT_RECORDS = 5

# name: (label, hint). The hints are the source article's questions for a strengths-based record.
RECORD_FIELDS = {
    "outcome_id": ("Outcome", "Which outcome of the approved plan this visit worked towards."),
    "date": ("Date", None),
    "observed_strength": ("Observed strength",
                          "What did the person do themselves? For example: chose the "
                          "ingredients, followed part of the routine without prompting."),
    "support_provided": ("Support provided",
                         "What exactly did you do, and what did you leave for the person to do?"),
    "independence_opportunity": ("Independence opportunity",
                                 "What could the person try with less support next time?"),
    "next_step": ("Next step", "What happens next, and who does it?"),
    "prompts": ("Number of prompts", "How many times you prompted. 0 if none."),
    "completion": ("How it went", None),
    "note": ("Note (optional)",
             "Anything else, in the person's own words where you can. Describe what happened "
             "rather than labelling it."),
}
MISSING = {
    "outcome_id": "Choose the outcome this record is about",
    "date": "Enter the date of the visit",
    "observed_strength": "Say what strength you observed",
    "support_provided": "Say what support you provided",
    "independence_opportunity": "Say what the person could try with less support",
    "next_step": "Say what the next step is",
    "prompts": "Enter the number of prompts, 0 if there were none",
    "completion": "Choose how it went",
}
COMPLETION_LABELS = dict(zip(COMPLETION, ("Independently", "With prompts", "With support",
                                          "Not done")))
RATING_LABELS = dict(zip(RATINGS, ("Achieved", "Progressing", "No change", "Deteriorated")))
DECISION_LABELS = dict(zip(DECISIONS, (
    ("Continue", "Keep the plan as it is until the next review."),
    ("Reduce support", "Fewer hours, spread over the plan's actions, on a trial with its own "
                       "review date. Fill in section 6."),
    ("Revise the plan", "Open a new draft; the approved plan stays in force until the new "
                        "version is approved."))))
FLAG_CATEGORIES = {
    "deficit": "Deficit language", "judgemental": "Judgemental", "depersonalising":
    "Depersonalising", "controlling": "Controlling", "task_only": "Task only",
}
QUESTION_LABELS = {
    "improved": ("What has improved since the last review?",
                 "Start with progress: what is going better for the person?"),
    "less_support": ("What can the person now do with less support?",
                     "Tasks, routines or decisions they now manage more of themselves."),
    "new_strengths": ("What new strengths have staff or family noticed?", None),
    "reduce_safely": ("What support could be adapted or reduced safely?", None),
    "matters_most": ("What outcome matters most to the person now?",
                     "In their own words where you can."),
}
# How the person took part in the review (SPEC §10.2), in the form's words.
HOW_LABELS = dict(zip(INVOLVEMENT_HOW, (
    "In person", "With easy-read materials", "With a communication aid", "Through an advocate",
    "Through family", "Through observation (staff watched how they responded)",
    "They declined to take part")))
AGREEMENT_LABELS = dict(zip(AGREEMENT, (
    ("Agrees to the reduction", None),
    ("Does not agree", "The reduction cannot go ahead while they do not agree."),
    ("Lacks capacity to decide", "A best-interests decision must be recorded below."))))
# The transition that enacts each decision of a review.
DECISION_TRANSITIONS = {"continue": "complete_review", "reduce_support": "reduce_support",
                        "revise": "revise"}
REVIEW_TRANSITIONS = ("complete_review", "reduce_support", "revise")


def local(value: datetime) -> datetime:
    """A stored time as the service's clocks show it (config `timezone`)."""
    return value.astimezone(ZoneInfo(engine().settings["timezone"]))


@evidence.context_processor
def time_helpers() -> dict[str, Any]:
    return {"local": local}


# --- daily records -------------------------------------------------------------------------

@evidence.get("/plans/<int:plan_id>/records", endpoint="records")
@login_required
def list_records(plan_id: int):
    actor = page_actor()
    plan = plans.get_plan(db.session, actor, plan_id)
    return render_template("pages/evidence/records.html", plan=plan,
                           records=records.records_of(db.session, plan),
                           outcome_names=_outcome_names(plan),
                           may_write=_may_write_records(actor, plan),
                           **_labels())


@evidence.route("/plans/<int:plan_id>/records/new", methods=["GET", "POST"])
@login_required
def new_record(plan_id: int):
    actor = page_actor()
    plan = plans.get_plan(db.session, actor, plan_id)
    _require(actor, "write_record", "Only staff and managers write daily records.")
    version = plans.current_version(db.session, plan)
    if version is None or _finished(plan):
        return _unavailable(plan, "No daily records for this plan yet" if version is None
                            else "This plan is closed",
                            "Daily records are written against the approved plan in force. "
                            + (f"This plan is {plan.state} and has no approved version yet."
                               if version is None else "A closed plan takes no new records."),
                            status=200 if request.method == "GET" else 409)
    errors: list[tuple[str, str]] = []
    outcomes = version.content.get("outcomes") or []
    values = {"date": engine().today().isoformat(),
              "outcome_id": request.args.get("outcome") or (outcomes[0]["id"]
                                                            if len(outcomes) == 1 else None)}
    status = 200
    if request.method == "POST":
        values = {name: request.form.get(name, "").strip() for name in RECORD_FIELDS}
        try:
            fields = _record_input(values)
            record = records.write_record(db.session, engine(), actor, plan.id, fields)
        except (ValidationError, Invalid) as exc:
            errors, status = _record_errors(exc, values), 422
        else:
            flash("Record saved.", "success")
            return redirect(url_for("evidence.record", plan_id=plan.id, record_id=record.id))
    return render_template(
        "pages/evidence/record_form.html", plan=plan, version=version,
        outcome_options=[(o["id"], f"{o.get('statement')} — target: {o.get('target')}")
                         for o in outcomes],
        values=values, errors=errors,
        field_errors=dict(errors), recent=records.records_of(db.session, plan)[:RECENT_RECORDS],
        outcome_names=_outcome_names(plan), today=engine().today(), **_labels()), status


@evidence.get("/plans/<int:plan_id>/records/<int:record_id>")
@login_required
def record(plan_id: int, record_id: int):
    actor = page_actor()
    plan = plans.get_plan(db.session, actor, plan_id)
    saved = db.session.get(DailyRecord, record_id)
    if saved is None or saved.plan_id != plan.id:
        raise NotFound(f"record {record_id} not found")
    return render_template("pages/evidence/record.html", plan=plan, record=saved,
                           outcome_names=_outcome_names(plan),
                           may_write=_may_write_records(actor, plan), **_labels())


def _record_input(values: dict[str, str]) -> dict[str, Any]:
    """The form's values as DailyRecordSchema loads them; blank required fields are missing."""
    data: dict[str, Any] = {name: value for name, value in values.items() if value}
    data["note"] = values.get("note") or None
    if data.get("prompts", "").isascii() and data.get("prompts", "").isdigit():
        data["prompts"] = int(data["prompts"])
    return DailyRecordSchema().load(data)


def _record_errors(exc: ValidationError | Invalid, values: dict[str, str]
                   ) -> list[tuple[str, str]]:
    """(field id, message) pairs in the order the fields appear on the form."""
    messages = exc.messages if isinstance(exc, ValidationError) else exc.details or {}
    errors = []
    for name in RECORD_FIELDS:
        if name in messages:
            if not values.get(name) and name in MISSING:
                message = MISSING[name]
            elif name == "prompts":
                message = "Number of prompts must be a whole number from 0 to 1000"
            elif name == "date" and isinstance(exc, ValidationError):
                message = f"Date must be a real date, like {engine().today().isoformat()}"
            else:
                message = _with_label(RECORD_FIELDS[name][0], messages[name])
            errors.append((name, message))
    for name in messages.keys() - RECORD_FIELDS.keys():
        errors.append(("record-form", _sentence(messages[name])))
    return errors


def _require(actor: Actor, permission: str, message: str) -> None:
    if not actor.may(permission):
        raise Forbidden(message)


def _may_write_records(actor: Actor, plan: Plan) -> bool:
    return actor.may("write_record") and plan.current_version is not None \
        and not _finished(plan)


def _finished(plan: Plan) -> bool:
    """The plan's workflow has ended (closed): no more evidence is written against it."""
    return plan.state in engine().workflow_of(plan).final_states


def _outcome_names(plan: Plan) -> dict[str, str]:
    """Outcome id → statement across the plan's versions (the newest wording wins)."""
    names: dict[str, str] = {}
    for version in reversed(plans.versions(db.session, plan)):
        names.update({o["id"]: o.get("statement") or o["id"]
                      for o in version.content.get("outcomes") or []})
    return names


def _labels() -> dict[str, Any]:
    return {"fields": RECORD_FIELDS, "completion_labels": COMPLETION_LABELS,
            "flag_categories": FLAG_CATEGORIES}


# --- reviews -------------------------------------------------------------------------------

@evidence.route("/plans/<int:plan_id>/review", methods=["GET", "POST"])
@login_required
def review(plan_id: int):
    actor = page_actor()
    plan = plans.get_plan(db.session, actor, plan_id)
    _require(actor, "write_review", "Only staff and managers write reviews.")
    cycle = reviews.open_cycle(db.session, plan)  # open exactly while a review is due
    if cycle is None:
        return _no_review_due(plan, 200 if request.method == "GET" else 409)
    content = plans.current_version(db.session, plan).content
    saved = reviews.review_of(db.session, cycle)
    errors: list[tuple[str, str]] = []
    status = 200
    if request.method == "POST":
        values = _review_values_from_form(request.form, content)
        data = _review_data(values, content)
        try:
            reviews.write_review(db.session, actor, plan.id, ReviewSchema().load(data),
                                 engine().now(), engine=engine())
        except ValidationError as exc:
            errors, status = _review_errors(exc.messages, data, content), 422
        except Invalid as exc:
            if "state" in (exc.details or {}):
                return _no_review_due(plan, 409)
            errors, status = _review_errors(exc.details or {}, data, content), 422
        else:
            flash("Review saved. The checks for the next step are below.", "success")
            return redirect(url_for("evidence.review", plan_id=plan.id, _anchor="next-steps"))
    else:
        values = _review_values(saved.content if saved else {}, content)
    since = cycle.evidence_since
    interval = engine().settings["review.review_interval_days"]
    return render_template(
        "pages/evidence/review.html", plan=plan, cycle=cycle, saved=None if errors else saved,
        content=content, values=values, errors=errors, field_errors=dict(errors),
        evidence=_evidence_by_outcome(plan, since), next_steps=None if errors or not saved
        else _next_steps(plan, actor, saved.content.get("decision")),
        questions=QUESTION_LABELS, rating_labels=RATING_LABELS, decisions=DECISION_LABELS,
        how_options=list(HOW_LABELS.items()),
        agreement_options=[(name, label, hint) if hint else (name, label)
                           for name, (label, hint) in AGREEMENT_LABELS.items()],
        decision_options=[(name, *label) for name, label in DECISION_LABELS.items()],
        outcome_names={o["id"]: o.get("statement") or o["id"]
                       for o in content.get("outcomes") or []},
        today=engine().today(), latest_review=engine().today() + timedelta(days=interval),
        interval=interval, flag_categories=FLAG_CATEGORIES,
        coach_flags=coaching.advise(vocabulary_of(engine().registry),
                                    coaching.review_texts(saved.content), plan.person.name)
        if saved and not errors else [],
        coach_fields=_coached_fields(saved.content if saved else {}, content)), status


def _coached_fields(review: dict[str, Any], version: dict[str, Any]) -> dict[str, tuple[str]]:
    """How the review's coached texts are named on the page (words, not field names)."""
    statements = {o["id"]: o.get("statement") or "an outcome" for o in version.get("outcomes")
                  or []}
    named = {name: (label[0],) for name, label in QUESTION_LABELS.items()}
    for index, rating in enumerate(review.get("outcome_ratings") or []):
        named[f"outcome_ratings.{index}.evidence"] = (
            f"the evidence for ‘{statements.get(rating.get('outcome_id'), 'an outcome')}’",)
    return named


def _review_values(content: dict[str, Any], version: dict[str, Any]) -> dict[str, Any]:
    """What the form shows, from a saved review (or none): strings, lists and flags."""
    ratings = {r["outcome_id"]: r for r in content.get("outcome_ratings") or []}
    proposed = {a["id"]: a["hours_per_week"] for a in content.get("proposed_actions") or []}
    reassessment = content.get("reassessment") or {}
    return {
        **{name: content.get(name) or "" for name in reviews.QUESTIONS},
        "person_involved": _answer(content.get("person_involved")),
        **_involvement_values(content.get("involvement") or {}),
        "ratings": {o["id"]: {"rating": (ratings.get(o["id"]) or {}).get("rating") or "",
                              "evidence": (ratings.get(o["id"]) or {}).get("evidence") or ""}
                    for o in version.get("outcomes") or []},
        "risks_reviewed": list(content.get("risks_reviewed") or []),
        "decision": content.get("decision") or "",
        "next_review_date": content.get("next_review_date") or "",
        "proposed_hours_per_week": _number(content.get("proposed_hours_per_week")),
        "action_hours": {a["id"]: _number(proposed.get(a["id"], a.get("hours_per_week")))
                         for a in version.get("actions") or []},
        "reduced_outcome_ids": list(content.get("reduced_outcome_ids") or []),
        "monitoring": reassessment.get("monitoring") or "",
        "reinstate_when": reassessment.get("reinstate_when") or "",
        "agreement": ((content.get("agreement") or {}).get("decision")) or "",
        "best_interests_record":
            ((content.get("agreement") or {}).get("best_interests_record")) or "",
    }


def _involvement_values(involvement: dict[str, Any]) -> dict[str, Any]:
    took_part = involvement.get("took_part")
    return {"took_part": "yes" if took_part is True else "no" if took_part is False else "",
            "how": involvement.get("how") or "", "views": involvement.get("views") or "",
            "sought_otherwise": involvement.get("sought_otherwise") or "",
            "advocate_present": bool(involvement.get("advocate_present")),
            "family_present": bool(involvement.get("family_present"))}


def _review_values_from_form(form: MultiDict, version: dict[str, Any]) -> dict[str, Any]:
    def text(name: str) -> str:
        return form.get(name, "").strip()

    return {
        **{name: text(name) for name in reviews.QUESTIONS},
        "person_involved": text("person_involved"),
        "took_part": text("took_part"), "how": text("how"), "views": text("views"),
        "sought_otherwise": text("sought_otherwise"),
        "advocate_present": form.get("advocate_present") == "yes",
        "family_present": form.get("family_present") == "yes",
        "ratings": {o["id"]: {"rating": text(f"rating-{o['id']}"),
                              "evidence": text(f"evidence-{o['id']}")}
                    for o in version.get("outcomes") or []},
        "risks_reviewed": form.getlist("risks_reviewed"),
        "decision": text("decision"),
        "next_review_date": text("next_review_date"),
        "proposed_hours_per_week": text("proposed_hours_per_week"),
        "action_hours": {a["id"]: text(f"hours-{a['id']}") for a in version.get("actions") or []},
        "reduced_outcome_ids": form.getlist("reduced_outcome_ids"),
        "monitoring": text("monitoring"),
        "reinstate_when": text("reinstate_when"),
        "agreement": text("agreement"),
        "best_interests_record": text("best_interests_record"),
    }


def _review_data(values: dict[str, Any], version: dict[str, Any]) -> dict[str, Any]:
    """The review record the form describes, as ReviewSchema loads it. The reduction's fields
    count only when the decision is to reduce support."""
    data: dict[str, Any] = {
        **{name: values[name] or None for name in reviews.QUESTIONS},
        "person_involved": values["person_involved"] or None,
        "involvement": {
            "took_part": {"yes": True, "no": False}.get(values["took_part"]),
            "how": values["how"] or None, "views": values["views"] or None,
            "sought_otherwise": values["sought_otherwise"] or None,
            "advocate_present": values["advocate_present"],
            "family_present": values["family_present"]},
        "outcome_ratings": [{"outcome_id": outcome_id, "rating": given["rating"],
                             "evidence": given["evidence"] or None}
                            for outcome_id, given in values["ratings"].items()
                            if given["rating"] or given["evidence"]],
        "risks_reviewed": values["risks_reviewed"],
        "decision": values["decision"] or None,
        "next_review_date": values["next_review_date"] or None,
    }
    if values["decision"] == "reduce_support":
        data.update(
            proposed_hours_per_week=values["proposed_hours_per_week"] or None,
            proposed_actions=[{"id": action_id, "hours_per_week": given}
                              for action_id, given in values["action_hours"].items()],
            reduced_outcome_ids=values["reduced_outcome_ids"],
            reassessment={"monitoring": values["monitoring"] or None,
                          "reinstate_when": values["reinstate_when"] or None},
            agreement={"decision": values["agreement"] or None,
                       "best_interests_record": values["best_interests_record"] or None})
    return data


def _review_errors(messages: dict[str, Any], data: dict[str, Any],
                   version: dict[str, Any]) -> list[tuple[str, str]]:
    """(field id, message) pairs in form order, from ReviewSchema's or the engine's messages."""
    outcomes = {o["id"]: o.get("statement") or o["id"] for o in version.get("outcomes") or []}
    errors: list[tuple[str, str]] = []
    for name, (label, _) in QUESTION_LABELS.items():
        if name in messages:
            errors.append((name, _with_label(label, messages[name])))
    if "person_involved" in messages:
        errors.append(("person_involved", _with_label("Notes on involvement",
                                                      messages["person_involved"])))
    involvement = messages.get("involvement") or {}
    for key, label in (("took_part", "Whether the person took part"),
                       ("how", "How the person took part"),
                       ("views", "The person's views"),
                       ("sought_otherwise", "How their views were sought otherwise")):
        if isinstance(involvement, dict) and key in involvement:
            errors.append((key, _with_label(label, involvement[key])))
    for index, problems in _indexed(messages.get("outcome_ratings")):
        outcome_id = data["outcome_ratings"][index]["outcome_id"]
        if "rating" in problems:
            errors.append((f"rating-{outcome_id}",
                           f"Choose a progress rating for “{outcomes.get(outcome_id)}”"))
        for key in problems.keys() - {"rating"}:
            errors.append((f"evidence-{outcome_id}", _with_label(
                f"Evidence for “{outcomes.get(outcome_id, outcome_id)}”", problems[key])))
    if "risks_reviewed" in messages:
        errors.append(("risks", _with_label("Risks reviewed", messages["risks_reviewed"])))
    if "decision" in messages:
        errors.append(("decision", "Choose continue, reduce support or revise the plan"))
    if "next_review_date" in messages:
        errors.append(("next_review_date", "Next review date must be a real date, like "
                                           f"{engine().today().isoformat()}"))
    if "proposed_hours_per_week" in messages:
        errors.append(("proposed_hours_per_week", _with_label(
            "Proposed hours per week", messages["proposed_hours_per_week"])))
    for index, _problems in _indexed(messages.get("proposed_actions")):
        action_id = data["proposed_actions"][index]["id"]
        errors.append((f"hours-{action_id}", f"Enter the new hours a week for action {action_id} "
                                             "as a number from 0 to 168 (0 if it stops)"))
    if "reduced_outcome_ids" in messages:
        errors.append(("reduced", _with_label("Outcomes with reduced support",
                                              messages["reduced_outcome_ids"])))
    for key, label in (("monitoring", "What staff monitor"),
                       ("reinstate_when", "When support is reinstated")):
        if key in (messages.get("reassessment") or {}):
            errors.append((key, _with_label(label, messages["reassessment"][key])))
    agreement = messages.get("agreement") or {}
    if isinstance(agreement, dict) and "decision" in agreement:
        errors.append(("agreement", "Choose whether the person agrees, does not agree or "
                                    "lacks capacity to decide"))
    if isinstance(agreement, dict) and "best_interests_record" in agreement:
        errors.append(("best_interests_record", _with_label(
            "Best-interests record", agreement["best_interests_record"])))
    return errors or [("review-form", "The review could not be saved; check the answers")]


def _evidence_by_outcome(plan: Plan, since: date | None) -> dict[str, list[DailyRecord]]:
    """Daily records since the cycle's evidence date, per outcome, oldest first."""
    by_outcome: dict[str, list[DailyRecord]] = {}
    for row in reversed(records.records_of(db.session, plan)):
        if since is None or row.date >= since:
            by_outcome.setdefault(row.outcome_id, []).append(row)
    return by_outcome


def _next_steps(plan: Plan, actor: Actor, decision: str | None) -> list[dict[str, Any]]:
    """The review's possible conclusions with their rule checklists, the proposed one first.

    A staff member cannot complete a review; they see the checks as a manager other than the
    review's author would see them, without the buttons."""
    own = {option.transition.name: option
           for option in engine().options(db.session, plan, actor)}
    if actor.role != "manager":
        stand_in = Actor(None, "", "manager", actor.services)
        judged = {option.transition.name: option
                  for option in engine().options(db.session, plan, stand_in)}
        own_or_manager = {**judged, **own}
    else:
        own_or_manager = own
    proposed = DECISION_TRANSITIONS.get(decision or "")
    names = sorted(REVIEW_TRANSITIONS, key=lambda name: name != proposed)
    return [{"name": name, "option": own_or_manager[name], "may_fire": name in own,
             "proposed": name == proposed} for name in names if name in own_or_manager]


def _no_review_due(plan: Plan, status: int):
    return _unavailable(
        plan, "No review is due",
        f"{plan.person.name}'s plan is {plan.state.replace('_', ' ')}. A review is written "
        "while the plan is in review due: when its review date arrives, or after someone starts "
        "a review from the plan page with a reason.", status=status)


def _unavailable(plan: Plan, heading: str, message: str, status: int):
    return render_template("pages/evidence/unavailable.html", plan=plan, heading=heading,
                           message=message), status


# --- wording -------------------------------------------------------------------------------

def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _answer(value: Any) -> str:
    return "Yes" if value is True else value if isinstance(value, str) else ""


def _indexed(messages: Any) -> list[tuple[int, dict[str, Any]]]:
    if not isinstance(messages, dict):
        return []
    return sorted((int(index), problems) for index, problems in messages.items()
                  if str(index).isdigit() and isinstance(problems, dict))


def _sentence(messages: Any) -> str:
    """The first message of a marshmallow or engine error, as a sentence without a full stop."""
    while isinstance(messages, (list, dict)):
        messages = next(iter(messages.values() if isinstance(messages, dict) else messages), "")
    text = str(messages).rstrip(".")
    return text[:1].upper() + text[1:]


def _with_label(label: str, messages: Any) -> str:
    text = _sentence(messages)
    return f"{label}: {text[:1].lower() + text[1:]}"
