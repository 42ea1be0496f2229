"""Pages of the learning loop (SPEC §10.4): a person's page with their incidents, reporting an
incident (from the person, their plan or a daily record's offer), an incident's page with the
manager's review and close forms, the incidents of a service, and the restriction register."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from marshmallow import ValidationError
from sqlalchemy import select

from engine.care import coaching, incident_changes, incident_offer, incidents, restrictions
from engine.care.language import vocabulary_of
from engine.care.learning_models import Incident
from engine.care.models import DailyRecord, Plan
from engine.care.plans import PEOPLE, get_plan
from engine.core.audit import subject_events
from engine.core.errors import Invalid, NotFound
from engine.core.models import AuditEvent, Service
from engine.core.words import long_date

from ..api.learning_schemas import IncidentCreateSchema
from ..auth import page_actor
from ..extensions import db
from ..runtime import engine
from ..charts import PALETTE, bar_chart
from ..diagram import state_diagram
from .firing import fire_from_form

learning = Blueprint("incidents", __name__)

KIND_LABELS = {"fall": "Fall", "injury": "Injury", "medication_error": "Medication error",
               "safeguarding_concern": "Safeguarding concern", "distress": "Distress",
               "missed_visit": "Missed visit", "near_miss": "Near miss", "other": "Other"}
SEVERITY_LABELS = {"low": "Low", "moderate": "Moderate", "serious": "Serious"}
DECISION_LABELS = {"keep": "Keep", "reduce": "Reduce", "remove": "Remove"}


def _local(value: datetime) -> datetime:
    zone = ZoneInfo(engine().settings["timezone"])
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(zone)


def when(value: datetime | None) -> str:
    """"8 December 2026 at 14:30", where the service is."""
    if value is None:
        return "—"
    local = _local(value)
    return f"{long_date(local.date())} at {local:%H:%M}"


def day(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return long_date(value)


@learning.app_context_processor
def helpers() -> dict[str, Any]:
    """What other pages' templates use to show the learning loop beside their own content."""
    return {"incident_kind": lambda kind: KIND_LABELS.get(kind, kind),
            "incident_severity": lambda s: SEVERITY_LABELS.get(s, s),
            "incident_when": when, "long_day": day,
            "incidents_since_review": _incidents_since_review,
            "incident_offer": _offer, "learning_charts": learning_charts,
            "incident_state": _state_title, "incident_plan_changes": _plan_changes,
            "incident_plan_changes_many": _plan_changes_many,
            "service_title": _service_title}


def _service_title(name: str) -> str:
    """A service by its title ("Riverside Homecare"), as the feedback pages name it."""
    title = db.session.scalar(select(Service.title).where(Service.name == name))
    return title or name


def _state_title(state: str) -> str:
    states = engine().registry.workflow(incidents.WORKFLOW).states
    return states[state].title if state in states else state.replace("_", " ")


def _plan_changes(incident: Incident) -> list[dict[str, Any]]:
    return incident_changes.plan_changes(db.session, incident, engine().today)


def _plan_changes_many(rows: list[Incident]) -> dict[int, list[dict[str, Any]]]:
    """A list's plan changes, by incident id, read once for the whole list."""
    return incident_changes.plan_changes_many(db.session, rows, engine().today)


def _month(label: str) -> str:
    """2026-11 → Nov 2026."""
    year, month = label.split("-")
    return f"{date(int(year), int(month), 1):%b %Y}"


def learning_charts(report: dict[str, Any]) -> dict[str, Any]:
    """The governance dashboard's charts of incidents and restrictions, month by month."""
    found, register = report["incidents"], report["restrictions"]
    return {
        "incidents_month": bar_chart([(_month(row["month"]), row["count"])
                                      for row in found["per_month"]],
                                     "Incidents per month, last 12 months", colour=PALETTE[3],
                                     width=520, ident="chart-incidents-month")
        if found["total"] else None,
        "incidents_kind": bar_chart([(KIND_LABELS[kind], count) for kind, count
                                     in found["by_kind"].items() if count],
                                    "Incidents by kind, last 12 months", colour=PALETTE[2],
                                    width=520, ident="chart-incidents-kind")
        if found["total"] else None,
        "restrictions_month": bar_chart([(_month(row["month"]), row["count"])
                                         for row in register["per_month"]],
                                        "Restrictions in force at each month's end",
                                        colour=PALETTE[4], width=520,
                                        ident="chart-restrictions-month")
        if any(row["count"] for row in register["per_month"]) else None,
    }


def learning_rows(report: dict[str, Any]):
    """The governance CSV's incidents and restrictions rows: (section, item, value, detail)."""
    found = report["incidents"]
    yield ("incidents", "total", found["total"], f"{found['from']} to {found['to']}")
    for kind, count in found["by_kind"].items():
        yield ("incidents_by_kind", kind, count, "")
    for severity, count in found["by_severity"].items():
        yield ("incidents_by_severity", severity, count, "")
    for row in found["by_kind_and_severity"]:
        yield ("incidents_by_kind_and_severity", f"{row['kind']} {row['severity']}",
               row["count"], "")
    for row in found["per_month"]:
        yield ("incidents_per_month", row["month"], row["count"], "")
    stale = found["open_past_14_days"]
    yield ("incidents", "open_past_14_days", stale["count"], "")
    for row in stale["incidents"]:
        yield ("incident_open_past_14_days", f"incident {row['id']}", row["state"],
               f"{row['person']}; {row['kind']} ({row['severity']}); reported "
               f"{row['reported_on']}")
    yield ("incidents", "closed", found["closed"], "")
    yield ("incidents", "closed_with_learning", found["closed_with_learning"], "")
    share = found["closed_with_learning_share"]
    yield ("incidents", "closed_with_learning_share", "" if share is None else share, "")
    register = report["restrictions"]
    yield ("restrictions", "count_now", register["count_now"], "")
    for row in register["per_month"]:
        yield ("restrictions_per_month", row["month"], row["count"], "in force at month end")
    yield ("restrictions", "overdue_reviews", register["overdue_reviews"]["count"], "")
    for row in register["overdue_reviews"]["restrictions"]:
        yield ("restriction_overdue", f"plan {row['plan_id']} restriction {row['id']}",
               row["review_date"], f"{row['person']}; {row['description']}")
    for decision, count in register["latest_decisions"].items():
        yield ("restriction_decisions", decision, count, "latest decision, last 12 months")


def _incidents_since_review(plan: Plan) -> list[Incident]:
    return incidents.since_last_review(db.session, page_actor(), plan)


def _offer(record: DailyRecord) -> dict[str, Any] | None:
    offer = incident_offer.offer_for(db.session, engine().settings, record)
    if offer and page_actor().may("write_record"):
        offer["url"] = url_for("incidents.report", person_id=offer["person_id"],
                               plan_id=offer["plan_id"], record_id=offer["record_id"])
        return offer
    return None


# --- the person --------------------------------------------------------------------------

@learning.get("/people/<int:person_id>")
@login_required
def person(person_id: int):
    actor = page_actor()
    who = PEOPLE.find(db.session, actor, person_id)
    plans = list(db.session.scalars(select(Plan).where(Plan.person_id == who.id)
                                    .order_by(Plan.id.desc())))
    return render_template("pages/incidents/person.html", person=who, plans=plans,
                           incidents=incidents.visible(db.session, actor, person_id=who.id),
                           may_report=actor.may("write_record"))


# --- reporting ---------------------------------------------------------------------------

@learning.route("/people/<int:person_id>/incidents/new", methods=["GET", "POST"])
@login_required
def report(person_id: int):
    actor = page_actor()
    who = PEOPLE.find(db.session, actor, person_id)
    if not actor.may("write_record"):
        raise NotFound("reporting is for staff and managers")
    plan = _plan_of(who, request.values.get("plan_id"))
    risks = incidents.restrictive_risks(db.session, plan)
    values, errors = _prefill(plan), {}
    if request.method == "POST":
        values = {key: request.form.get(key, "").strip() for key in
                  ("occurred_on", "occurred_time", "kind", "severity", "description",
                   "immediate_action", "people_informed")}
        values["restriction_ids"] = request.form.getlist("restriction_ids")
        try:
            body = IncidentCreateSchema().load(_payload(values, plan))
            created = incidents.report(db.session, engine(), actor, who.id, body)
        except ValidationError as error:
            errors = _field_errors(error.messages)
        except Invalid as error:
            errors = _field_errors(error.details or {})
        else:
            effect = (created.plan_effect or {}).get("action")
            flash("Incident reported." + (" The plan's review has been started." if effect ==
                                          "review_started" else " It is recorded as a further "
                                          "reason for the plan's review." if effect ==
                                          "further_reason" else ""), "success")
            return redirect(url_for("incidents.show", incident_id=created.id))
    return render_template("pages/incidents/report.html", person=who, plan=plan, risks=risks,
                           values=values, errors=errors, kinds=KIND_LABELS,
                           severities=SEVERITY_LABELS), 422 if errors else 200


def _record_id(given: str | None) -> int | None:
    """An id from a query string or form, if it could be one (an INTEGER column's range);
    anything else is no record at all, never a database error."""
    if given and given.isascii() and given.isdigit() and len(given) <= 10 \
            and int(given) < 2**31:
        return int(given)
    return None


def _plan_of(who, given: str | None) -> Plan | None:
    plan_id = _record_id(given)
    if plan_id is not None:
        try:
            plan = get_plan(db.session, page_actor(), plan_id)
        except NotFound:
            plan = None
        if plan is not None and plan.person_id == who.id:
            return plan
    return incidents.plan_in_force(db.session, engine(), who)


def _prefill(plan: Plan | None) -> dict[str, Any]:
    """A new report: now, or what the daily record it was offered from says."""
    now = _local(engine().now())
    values: dict[str, Any] = {"occurred_on": now.date().isoformat(),
                              "occurred_time": now.strftime("%H:%M"), "restriction_ids": []}
    record_id = _record_id(request.args.get("record_id"))
    record = db.session.get(DailyRecord, record_id) \
        if record_id is not None and plan is not None else None
    if record is not None and record.plan_id == plan.id:
        offer = incident_offer.offer_for(db.session, engine().settings, record) or {}
        values.update({"occurred_on": record.date.isoformat(), "kind": offer.get("kind", ""),
                       "description": record.note or record.support_provided,
                       "from_record": record})
    return values


def _payload(values: dict[str, Any], plan: Plan | None) -> dict[str, Any]:
    occurred = f"{values['occurred_on']}T{values['occurred_time'] or '00:00'}"
    try:
        moment = datetime.fromisoformat(occurred).replace(
            tzinfo=ZoneInfo(engine().settings["timezone"])).isoformat()
    except ValueError:
        moment = occurred  # the schema names what is wrong with it
    return {"occurred_at": moment, "kind": values["kind"], "severity": values["severity"],
            "description": values["description"],
            "immediate_action": values["immediate_action"] or None,
            "people_informed": [who.strip() for who in values["people_informed"].split(",")
                                if who.strip()],
            "restriction_ids": values["restriction_ids"],
            "plan_id": plan.id if plan else None}


FIELD_IDS = {"occurred_at": "occurred_on", "restriction_ids": "restrictions"}


CHOICES = {"kind": "Choose what happened from the list.",
           "severity": "Choose how serious it was from the list."}


def _words(value: Any) -> list[str]:
    """Every message in a marshmallow error, however nested (a list item's, a field's)."""
    if isinstance(value, str):
        return [value]
    items = value.values() if isinstance(value, dict) else value
    return [text for item in items for text in _words(item)]


def _field_errors(messages: dict) -> dict[str, str]:
    flat = {}
    for key, value in messages.items():
        text = " ".join(dict.fromkeys(_words(value)))
        if "Not a valid datetime." in text:
            text = "Enter a real date, and a time as hours and minutes."
        if key in CHOICES and "Must be one of" in text:
            text = CHOICES[key]  # the list's words, not its internal names
        flat[FIELD_IDS.get(key, key)] = text.replace("Missing data for required field.",
                                                     "Required.")
    return flat


# --- an incident -------------------------------------------------------------------------

@learning.get("/incidents/<int:incident_id>")
@login_required
def show(incident_id: int):
    actor = page_actor()
    item = incidents.get(db.session, actor, incident_id)
    workflow = engine().workflow_of(item)
    options = engine().options(db.session, item, actor)
    events = [_event(e) for e in db.session.scalars(subject_events("incident", item.id))]
    risks = incidents.restrictive_risks(db.session, item.plan) if item.plan else {}
    coach = coaching.advise(vocabulary_of(engine().registry),
                            incidents.incident_texts({"description": item.description,
                                                      "immediate_action":
                                                          item.immediate_action}),
                            item.person.name)
    return render_template("pages/incidents/show.html", item=item, options=options,
                           events=events, trail=_trail(workflow, events), risks=risks,
                           coach=coach,
                           state_title=workflow.states[item.state].title,
                           diagram=state_diagram(workflow, item.state))


def _event(event: AuditEvent) -> dict[str, Any]:
    return json.loads(event.body)


OUTCOME_WORDS = {"advanced": "done", "blocked": "refused", "denied": "not allowed",
                 "conflict": "refused: someone had changed it"}


def _trail(workflow, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each attempt at a step in words: when (where the service is), who, the step's title,
    the states' titles, done or refused, and the rules it did not meet by their text."""
    rows = []
    for event in events:
        name = event.get("transition")
        if not name:
            continue
        step = workflow.transitions.get(name)
        at = event.get("at")
        try:
            moment = datetime.fromisoformat(at.replace("Z", "+00:00")) if at else None
        except ValueError:
            moment = None

        def title(state: str | None) -> str:
            return workflow.states[state].title if state in workflow.states else (state or "—")
        rows.append({
            "seq": event.get("seq"), "when": when(moment),
            "who": f"{event.get('actor')} ({event.get('actor_role')})",
            "step": step.title if step else name.replace("_", " "),
            "from": title(event.get("from")), "to": title(event.get("to")),
            "outcome": event.get("outcome"),
            "outcome_words": OUTCOME_WORDS.get(event.get("outcome"), event.get("outcome")),
            "missing": [check.get("detail") or check.get("text")
                        for check in event.get("checks") or [] if not check.get("passed")]})
    return rows


@learning.post("/incidents/<int:incident_id>/transitions/<name>")
@login_required
def fire(incident_id: int, name: str):
    incidents.get(db.session, page_actor(), incident_id)

    def inputs() -> dict[str, Any]:
        if name == "review_incident":
            return {"notifications": {
                "family_informed": _yes_no("family_informed"),
                "cqc_notification": _yes_no("cqc_notification"),
                "safeguarding_referral": _yes_no("safeguarding_referral"),
                "reason": request.form.get("notification_reason", "").strip() or None}}
        if name == "close_incident":
            return {"learning": request.form.get("learning", "").strip() or None}
        return {}

    back = url_for("incidents.show", incident_id=incident_id)
    return fire_from_form("incident", incident_id, name, back=back, extra=inputs)


def _yes_no(field: str) -> bool | None:
    return {"yes": True, "no": False}.get(request.form.get(field, ""))


# --- a service's incidents ----------------------------------------------------------------

@learning.get("/incidents")
@login_required
def index():
    actor = page_actor()
    services = sorted(actor.services)
    service = request.args.get("service") or (services[0] if services else None)
    if service not in services:
        raise NotFound("no such service")
    state = request.args.get("state") or None
    states = engine().registry.workflow(incidents.WORKFLOW).states
    if state is not None and state not in states:
        state = None
    rows = incidents.visible(db.session, actor, service=service, state=state)
    return render_template("pages/incidents/index.html", rows=rows, service=service,
                           services=services, state=state,
                           states={name: s.title for name, s in states.items()})


# --- the restriction register -------------------------------------------------------------

@learning.get("/restrictions")
@login_required
def register():
    actor = page_actor()
    services = sorted(actor.services)
    service = request.args.get("service") or (services[0] if services else None)
    if service not in services or actor.role not in ("manager", "auditor"):
        raise NotFound("no such register")
    today = engine().today()
    rows = restrictions.register_of(db.session, actor, today, service=service,
                                    window_days=engine().settings["incidents.uses_window_days"])
    return render_template("pages/incidents/register.html", rows=rows, service=service,
                           services=services, today=today,
                           next_default=(today + timedelta(days=28)).isoformat(),
                           decisions=DECISION_LABELS,
                           may_review=actor.role == "manager")


@learning.post("/restrictions/<int:restriction_id>/transitions/<name>")
@login_required
def fire_restriction(restriction_id: int, name: str):
    """Open a restriction's review now, or record its decision: keep and reduce mark it
    reviewed, remove takes it off the register."""
    row = restrictions.get(db.session, page_actor(), restriction_id)
    back = url_for("incidents.register", service=row.service.name) + f"#restriction-{row.id}"
    decision = request.form.get("decision") or None
    if name == "mark_reviewed" and decision == "remove":
        name = "remove_restriction"

    def inputs() -> dict[str, Any]:
        return {"decision": decision,
                "next_review_date": request.form.get("next_review_date") or None,
                "reduced_to": request.form.get("reduced_to", "").strip() or None}

    return fire_from_form(
        "restriction", row.id, name, back=back, extra=inputs,
        done=None if name == "restriction_review_due" else
        lambda fired: f"Restriction reviewed: {DECISION_LABELS.get(decision or 'remove')} "
                      "recorded.")
