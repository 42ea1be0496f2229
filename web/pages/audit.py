"""Pages: a plan's audit trail (every attempt, filtered, exported as CSV or as the hashed JSON)
and its outcome progress (prompts and task completion over time, per outcome)."""
from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_login import login_required

from engine.care import plans, records
from engine.care.models import DailyRecord, Plan
from engine.core.audit import documents_json, subject_events
from engine.core.models import AuditEvent

from ..auth import page_actor
from ..charts import line_chart, stacked_bar_chart
from ..extensions import db
from ..runtime import engine

audit = Blueprint("audit", __name__)

OUTCOMES = ("advanced", "blocked", "denied", "recorded")
# Changes recorded outside transitions, as the trail names them.
ACTIONS = {"transition": "Steps (transitions)", "draft_saved": "Draft saved",
           "acknowledged": "Version acknowledged", "record_added": "Daily record added",
           "review_saved": "Review record saved", "part_recorded": "Record written",
           "task_claimed": "Task claimed", "task_released": "Task handed back"}
CSV_COLUMNS = ("seq", "at", "actor", "actor_role", "transition", "from", "to", "outcome",
               "failed_rules", "comment", "reason", "rule_pack", "hash", "prev_hash", "action",
               "changes")
COMPLETION = (("independent", "Independently"), ("with_prompts", "With prompts"),
              ("with_support", "With support"), ("not_done", "Not done"))
WEEKS_BEFORE_MONTHS = 16  # beyond this many weeks of records, completion is shown by month


@dataclass(frozen=True)
class Filters:
    """The trail's filters, from the query string; an unknown outcome is no filter."""

    outcome: str | None = None
    transition: str | None = None
    actor: str | None = None
    action: str | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> "Filters":
        outcome, action = args.get("outcome", "").strip(), args.get("action", "").strip()
        return cls(outcome=outcome if outcome in OUTCOMES else None,
                   transition=args.get("transition", "").strip() or None,
                   actor=args.get("actor", "").strip() or None,
                   action=action if action in ACTIONS else None)

    def args(self) -> dict[str, str]:
        return {key: value for key, value in vars(self).items() if value}


def events_query(plan: Plan, filters: Filters, *columns):
    """The plan's audit events in chain order, filtered as the API filters them."""
    return subject_events("plan", plan.id, *columns, **vars(filters))


# --- the trail -------------------------------------------------------------------------------

@audit.get("/plans/<int:plan_id>/audit")
@login_required
def trail(plan_id: int):
    plan = plans.get_plan(db.session, page_actor(), plan_id)
    filters = Filters.from_args(request.args)
    zone = ZoneInfo(engine().settings["timezone"])
    rows = db.session.execute(events_query(plan, filters, AuditEvent.body, AuditEvent.hash,
                                           AuditEvent.at))
    events = [_event_view(body, digest, at, zone) for body, digest, at in rows]
    workflow = engine().workflow_of(plan)
    actors = db.session.scalars(
        events_query(plan, Filters(), AuditEvent.actor).order_by(None).distinct()
        .order_by(AuditEvent.actor)).all()
    return render_template(
        "pages/audit/trail.html", plan=plan, events=events, filters=filters,
        outcome_options=[(outcome, outcome.capitalize()) for outcome in OUTCOMES],
        action_options=list(ACTIONS.items()), action_titles=ACTIONS,
        actor_options=[(actor, actor) for actor in actors], plan_url=plan_url(plan.id),
        transitions=[(t.name, t.title) for t in workflow.transitions.values()],
        titles={t.name: t.title for t in workflow.transitions.values()},
        states={name: state.title for name, state in workflow.states.items()},
        bad_outcome=request.args.get("outcome", "").strip() not in ("", *OUTCOMES))


@audit.get("/plans/<int:plan_id>/audit.csv", endpoint="csv")
@login_required
def export_csv(plan_id: int):
    plan = plans.get_plan(db.session, page_actor(), plan_id)
    rows = db.session.execute(events_query(plan, Filters.from_args(request.args),
                                           AuditEvent.body, AuditEvent.hash))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for body, digest in rows:
        writer.writerow(_csv_row(json.loads(body), digest))
    return _download(out.getvalue(), "text/csv", f"plan-{plan.id}-audit.csv")


@audit.get("/plans/<int:plan_id>/audit.json", endpoint="json")
@login_required
def export_json(plan_id: int):
    plan = plans.get_plan(db.session, page_actor(), plan_id)
    rows = db.session.execute(events_query(plan, Filters.from_args(request.args),
                                           AuditEvent.body, AuditEvent.hash))
    # The stored bodies are the hashed records: exported as they are, exactly as the API.
    return _download(documents_json(rows), "application/json", f"plan-{plan.id}-audit.json")


def _event_view(body: str, digest: str, at: datetime, zone: ZoneInfo) -> dict[str, Any]:
    event = json.loads(body)
    return {**event, "hash": digest, "local_at": at.astimezone(zone),
            "failed": [check for check in event.get("checks") or [] if not check["passed"]]}


def _csv_row(event: dict[str, Any], digest: str) -> list[Any]:
    failed = ";".join(check["rule"] for check in event.get("checks") or []
                      if not check["passed"])
    values = {**event, "hash": digest, "failed_rules": failed,
              "comment": plain_cell(event.get("comment")),
              "reason": plain_cell(event.get("reason")),
              "action": event.get("action", "transition"),
              "changes": plain_cell("; ".join(event.get("changes") or []))}
    return [values.get(column) if values.get(column) is not None else ""
            for column in CSV_COLUMNS]


def plain_cell(text: str | None) -> str | None:
    """Free text that a spreadsheet would run as a formula is kept as text (a leading ')."""
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def _download(content: str, mimetype: str, filename: str) -> Response:
    return Response(content, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# --- outcome progress ------------------------------------------------------------------------

@audit.get("/plans/<int:plan_id>/progress")
@login_required
def progress(plan_id: int):
    plan = plans.get_plan(db.session, page_actor(), plan_id)
    version = plans.current_version(db.session, plan)
    outcomes = (version.content.get("outcomes") or []) if version else []
    by_outcome: dict[str, list[DailyRecord]] = {}
    for record in reversed(records.records_of(db.session, plan)):
        by_outcome.setdefault(record.outcome_id, []).append(record)
    return render_template(
        "pages/audit/progress.html", plan=plan, version=version, plan_url=plan_url(plan.id),
        completion=COMPLETION, completion_labels=dict(COMPLETION),
        outcomes=[_outcome_view(outcome, by_outcome.get(outcome["id"], []))
                  for outcome in outcomes])


def _outcome_view(outcome: dict[str, Any], rows: list[DailyRecord]) -> dict[str, Any]:
    """One outcome's records (oldest first), its charts and summary figures."""
    name = outcome.get("statement") or "this outcome"  # words: the id is only in element ids
    completions = Counter(record.completion for record in rows)
    view = {"outcome": outcome, "records": rows, "completions": completions,
            "periods": [], "by_month": False, "prompts_chart": None, "completion_chart": None}
    if not rows:
        return view
    periods = _completion_by_period(rows)
    view.update(
        periods=periods, by_month=_by_month(rows), first_prompts=rows[0].prompts,
        latest_prompts=rows[-1].prompts,
        prompts_chart=line_chart(
            [(record.date, record.prompts) for record in rows],
            f"Prompts per daily record for {name}", y_label="Prompts", x_label="Date",
            width=560, ident=f"prompts-{outcome['id']}"),
        completion_chart=stacked_bar_chart(
            [(label, counts) for label, counts in periods], COMPLETION,
            f"How the task went, {'by month' if _by_month(rows) else 'by week'}, for {name}",
            y_label="Records", width=560, ident=f"completion-{outcome['id']}"))
    return view


def _completion_by_period(rows: list[DailyRecord]) -> list[tuple[str, dict[str, int]]]:
    """Records per completion value, per week (Monday first) or per month for long spans."""
    by_month = _by_month(rows)
    periods: dict[date, Counter[str]] = {}
    for record in rows:
        start = (record.date.replace(day=1) if by_month
                 else record.date - timedelta(days=record.date.weekday()))
        periods.setdefault(start, Counter())[record.completion] += 1
    return [(f"{start:%B %Y}" if by_month else f"Week of {start.day} {start:%B}", dict(counts))
            for start, counts in sorted(periods.items())]


def _by_month(rows: list[DailyRecord]) -> bool:
    return (rows[-1].date - rows[0].date).days > WEEKS_BEFORE_MONTHS * 7


def plan_url(plan_id: int) -> str | None:
    """The plan's own page, when the plans pages are installed."""
    if "plans.show" in current_app.view_functions:
        return url_for("plans.show", plan_id=plan_id)
    return None
