"""Pages for feedback and complaints: a person's feedback with the form to record more, the
service's feedback list, and a complaint's page that takes it from received to closed. Also
the feedback section of the governance dashboard and CSV."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Iterator

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from marshmallow import ValidationError
from markupsafe import Markup

from engine.care import feedback as feedback_ops
from engine.care import plans as plan_ops
from engine.care.governance import services_of
from engine.care.models import Feedback, Plan
from engine.core.audit import subject_events
from engine.core.errors import Invalid
from engine.core.models import AuditEvent
from engine.core.scope import scope_of
from engine.core.words import long_date

from ..api.schemas import FeedbackSchema
from ..auth import page_actor
from ..charts import PALETTE, bar_chart
from ..extensions import db
from .incidents import when
from ..runtime import engine
from .firing import fire_from_form

feedback = Blueprint("feedback", __name__)

SOURCE_LABELS = {"person": "The person themselves", "family": "Family or a friend",
                 "advocate": "An advocate",
                 "professional": "A professional (GP, social worker, nurse…)"}
KIND_LABELS = {"compliment": "Compliment", "concern": "Concern", "complaint": "Complaint",
               "suggestion": "Suggestion"}
FINDING_LABELS = {"upheld": "Upheld", "partly_upheld": "Partly upheld",
                  "not_upheld": "Not upheld"}
# What the form says when a field is missing or wrong (the API gives the schema's words).
FORM_ERRORS = {"kind": "Choose what kind of feedback it is",
               "source": "Choose who gave the feedback",
               "from_whom": "Their name or relationship must be at most 200 characters",
               "received_on": "Enter the date it was received",
               "text": "Write what they said"}
# What each complaint step's form asks for: the inputs its rules read.
STEP_FIELDS = {"acknowledge": ("acknowledgement",), "respond": ("response", "finding"),
               "close": ("what_changed",)}


@feedback.app_template_filter("long_date")
def long_date_filter(value: Any) -> str:
    """A date (or an ISO date string) as people write it: "8 December 2026"."""
    from datetime import date
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return long_date(value)


@feedback.app_template_global()
def recent_feedback(person_id: int, limit: int = 3) -> dict[str, Any]:
    """The person's latest feedback for a page that has shown the person (their plan page)."""
    items = feedback_ops.about_person(db.session, person_id)
    return {"recent": items[:limit], "count": len(items), "more": len(items) > limit,
            **_list_words()}


@feedback.app_template_global()
def feedback_since(person_id: int, since: Any) -> dict[str, Any]:
    """The person's feedback received since `since` (the last review), for the review form."""
    items = feedback_ops.about_person(db.session, person_id, since=since)
    return {"recent": items, "count": len(items), "more": False, **_list_words()}


def _list_words() -> dict[str, Any]:
    """What the feedback list macro needs to put the items in words."""
    return {"today": engine().today(), "kinds": KIND_LABELS, "overdue": feedback_ops.overdue,
            "from_words": feedback_ops.source_words}


@feedback.app_template_filter("long_moment")
def long_moment(value: str) -> str:
    """An audit event's ISO time (UTC) as "2 December 2026 at 09:05" where the service is,
    as every other trail shows it."""
    return when(datetime.fromisoformat(value.replace("Z", "+00:00")))


# --- a person's feedback ------------------------------------------------------------------

@feedback.route("/people/<int:person_id>/feedback", methods=["GET", "POST"])
@login_required
def person(person_id: int):
    actor = page_actor()
    person = plan_ops.get_person(db.session, actor, person_id)
    errors: dict[str, str] = {}
    form: dict[str, str] = {}
    if request.method == "POST":
        form = {key: request.form.get(key, "").strip()
                for key in ("received_on", "source", "kind", "from_whom", "text")}
        try:
            content = FeedbackSchema().load({**form, "from_whom": form["from_whom"] or None})
            item = feedback_ops.record(db.session, engine(), actor, person.id, content)
        except ValidationError as error:
            errors = {key: FORM_ERRORS.get(key, " ".join(_messages(value)))
                      for key, value in error.messages.items()}
        except Invalid as error:
            errors = {key: " ".join(value) for key, value in (error.details or {}).items()}
        else:
            flash(_recorded_message(item), "success")
            return redirect(url_for("feedback.show", feedback_id=item.id)
                            if item.kind == "complaint"
                            else url_for("feedback.person", person_id=person.id))
    order = list(FORM_ERRORS)  # the summary lists problems in the order of the form
    errors = dict(sorted(errors.items(), key=lambda pair: order.index(pair[0])
                         if pair[0] in order else len(order)))
    items = feedback_ops.visible(db.session, actor, person_id=person.id)
    plan = db.session.scalar(scope_of("plan").query(actor)
                             .where(Plan.person_id == person.id).order_by(Plan.id.desc()))
    page = render_template(
        "pages/feedback/person.html", person=person, items=items, plan=plan, form=form,
        errors=errors, may_record=actor.may("write_record"), today=engine().today(),
        sources=SOURCE_LABELS, kinds=KIND_LABELS, overdue=feedback_ops.overdue,
        from_words=feedback_ops.source_words)
    return page, 422 if errors else 200


def _messages(value: Any) -> list[str]:
    return value if isinstance(value, list) else [str(value)]


def _recorded_message(item: Feedback) -> str:
    what = KIND_LABELS[item.kind].lower()
    if item.kind == "complaint":
        return (f"Complaint recorded. The managers have a task to acknowledge it by "
                f"{long_date(item.acknowledge_by)}.")
    return f"The {what} from {feedback_ops.source_words(item)} is recorded."


# --- the service's feedback ---------------------------------------------------------------

@feedback.get("/feedback")
@login_required
def index():
    actor = page_actor()
    services = services_of(db.session, actor)
    names = [service.name for service in services]
    service = request.args.get("service") if request.args.get("service") in names else None
    kind = request.args.get("kind") if request.args.get("kind") in KIND_LABELS else None
    items = feedback_ops.visible(db.session, actor, service=service, kind=kind)
    today = engine().today()
    return render_template(
        "pages/feedback/index.html", items=items, services=services, service=service,
        service_options=[(each.name, each.title) for each in services],
        kind=kind, kinds=KIND_LABELS, sources=SOURCE_LABELS, today=today,
        overdue=feedback_ops.overdue, from_words=feedback_ops.source_words,
        open_complaints=[item for item in items if item.kind == "complaint"
                         and item.state != "closed"])


# --- one piece of feedback; a complaint's steps --------------------------------------------

@feedback.get("/feedback/<int:feedback_id>")
@login_required
def show(feedback_id: int):
    actor = page_actor()
    item = feedback_ops.get(db.session, actor, feedback_id)
    workflow = engine().workflow_of(item)
    events = [json.loads(body) for (body,) in db.session.execute(
        subject_events("feedback", item.id, AuditEvent.body))]
    from ..diagram import state_diagram
    return render_template(
        "pages/feedback/show.html", item=item, workflow=workflow, events=events,
        options=engine().options(db.session, item, actor),
        diagram=state_diagram(workflow, item.state) if item.kind == "complaint" else None,
        late=feedback_ops.overdue(item, engine().today()), kinds=KIND_LABELS,
        sources=SOURCE_LABELS, findings=FINDING_LABELS, from_words=feedback_ops.source_words)


@feedback.post("/feedback/<int:feedback_id>/transitions/<name>")
@login_required
def fire(feedback_id: int, name: str):
    here = url_for("feedback.show", feedback_id=feedback_id)
    return fire_from_form("feedback", feedback_id, name, back=here,
                          blocked_back=here + "#next-step",
                          fields=STEP_FIELDS.get(name, ()), done=_done,
                          not_done=lambda why: f"Not done yet — {why}.")


def _done(fired) -> str:
    item: Feedback = fired.subject
    return {"acknowledged": f"Acknowledged. Respond by {long_date(item.respond_by)}.",
            "responded": "Response recorded. Close the complaint once you can say what changed "
                         "because of it.",
            "closed": "Complaint closed, with what changed because of it."}.get(
        item.state, "Done.")


# --- the governance dashboard's feedback section --------------------------------------------

def governance_charts(report: dict[str, Any]) -> dict[str, Markup | None]:
    """Charts of the report's feedback: by kind, by source, complaints' timeliness."""
    figures = report.get("feedback")
    if not figures or not figures["received"]:
        return {"kinds": None, "sources": None, "timeliness": None}
    complaints = figures["complaints"]
    return {
        "kinds": bar_chart([(KIND_LABELS[k], n) for k, n in figures["by_kind"].items()],
                           "Feedback received in the last 12 months, by kind", width=520,
                           ident="chart-feedback-kinds", colour=PALETTE[0]),
        "sources": bar_chart([(SOURCE_LABELS[s].split(" (")[0], n)
                              for s, n in figures["by_source"].items()],
                             "Feedback received in the last 12 months, by who gave it",
                             width=520, ident="chart-feedback-sources", colour=PALETTE[2]),
        "timeliness": bar_chart([
            ("Acknowledged on time", complaints["acknowledged_on_time"]),
            ("Acknowledged late", complaints["acknowledged_late"]),
            ("Not acknowledged, overdue", complaints["acknowledgement_overdue"]),
            ("Answered on time", complaints["responded_on_time"]),
            ("Answered late", complaints["responded_late"]),
            ("Not answered, overdue", complaints["response_overdue"])],
            "Complaints answered on time", width=520, ident="chart-complaints",
            colours=(PALETTE[1], PALETTE[3], PALETTE[3], PALETTE[1], PALETTE[3], PALETTE[3]))
        if complaints["received"] else None}


def governance_rows(report: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    """The feedback section as (section, item, value, detail) rows of the governance CSV."""
    figures = report.get("feedback")
    if not figures:
        return
    period = f"{figures['from']} to {figures['to']}"
    yield ("feedback", "received", figures["received"], period)
    for kind, count in figures["by_kind"].items():
        yield ("feedback_by_kind", kind, count, "")
    for source, count in figures["by_source"].items():
        yield ("feedback_by_source", source, count, "")
    for pair in figures["by_kind_and_source"]:
        yield ("feedback_by_kind_and_source", f"{pair['kind']} from {pair['source']}",
               pair["count"], "")
    complaints = figures["complaints"]
    for key, value in complaints.items():
        if key != "findings":
            yield ("complaints", key, "" if value is None else value, "")
    for finding, count in complaints["findings"].items():
        yield ("complaint_finding", finding, count, "")
    for item in figures["overdue_complaints"]:
        yield ("overdue_complaint", f"feedback {item['feedback_id']}", item["days_overdue"],
               f"{item['person']}; received {item['received_on']}; {item['waiting_for']} "
               f"due {item['due_on']}")
