"""Pages: the governance dashboard of one service, and its figures as CSV."""
from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any, Iterator

from flask import Blueprint, Response, render_template, request, url_for
from flask_login import login_required

from engine.care.governance import (
    RATINGS,
    ReportPolicy,
    governance_report,
    require_reader,
    service_in_scope,
    services_of,
)

from ..auth import page_actor
from ..charts import PALETTE, bar_chart
from ..extensions import db
from ..runtime import engine
from .audit import plain_cell, plan_url
from .incidents import learning_rows
from .feedback import governance_charts as feedback_charts
from .feedback import governance_rows as feedback_rows

governance = Blueprint("governance", __name__)

RATING_LABELS = {"achieved": "Achieved", "progressing": "Progressing",
                 "no_change": "No change", "deteriorated": "Deteriorated"}


@governance.get("/governance")
@login_required
def index():
    actor = page_actor()
    require_reader(actor)
    services = services_of(db.session, actor)
    if not services:
        return render_template("pages/governance/index.html", services=[], report=None)
    report = _report(actor, request.args.get("service") or services[0].name)
    workflow = engine().registry.workflow("support_plan")
    states = {name: state.title for name, state in workflow.states.items()}
    return render_template(
        "pages/governance/index.html", services=services, report=report, states=states,
        service_options=[(service.name, service.title) for service in services],
        ratings=RATING_LABELS, task_kind=task_kind_label,
        charts=_charts(report, states, actor.role == "auditor"),
        feedback_charts=feedback_charts(report),
        day=short_date, percent=percent, plan_link=plan_link)


@governance.get("/governance.csv", endpoint="csv")
@login_required
def export_csv():
    actor = page_actor()
    require_reader(actor)
    services = services_of(db.session, actor)
    report = _report(actor, request.args.get("service") or
                     (services[0].name if services else ""))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("section", "item", "value", "detail"))
    writer.writerows([plain_cell(value) if isinstance(value, str) else value for value in row]
                     for row in report_rows(report))
    filename = f"governance-{report['service']['name']}-{report['as_of']}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _report(actor, name: str) -> dict[str, Any]:
    service = service_in_scope(db.session, actor, name)  # NotFound: the 404 page
    return governance_report(db.session, service.name, engine().today(),
                             ReportPolicy.from_engine(engine()))


def short_date(iso: str) -> str:
    """2027-01-12 → 12 January 2027."""
    value = date.fromisoformat(iso)
    return f"{value.day} {value:%B %Y}"


def percent(share: float | None) -> str:
    return "—" if share is None else f"{round(share * 100)}%"


def plan_link(plan_id: int) -> str:
    """The plan's own page if the plans pages are installed, else its audit trail."""
    return plan_url(plan_id) or url_for("audit.trail", plan_id=plan_id)


def task_kind_label(kind: str) -> str:
    """approve_plan → "Approve plan"; an escalation says so."""
    base, _, escalated = kind.partition(".")
    label = base.replace("_", " ").capitalize()
    return f"{label} (escalated)" if escalated else label


def rule_words(item: dict[str, Any]) -> str:
    """A rule as managers read it: what it asks for, without "Cannot proceed without"."""
    text = (item.get("text") or item["rule"]).removeprefix("Cannot proceed without ")
    return text[:1].upper() + text[1:].rstrip(".")


def _charts(report: dict[str, Any], states: dict[str, str],
            rule_ids: bool = False) -> dict[str, Any]:
    timeliness = report["review_timeliness"]
    blocking = report["blocking_rules"]["rules"]
    terms = report["recording_quality"]["top_terms"]
    ratings = report["outcome_progress"]["ratings"]
    return {
        "states": bar_chart([(states.get(state, state), count) for state, count
                             in report["plans_by_state"].items()],
                            "Plans by state", width=520, ident="chart-states"),
        "timeliness": bar_chart([("On time", timeliness["on_time"]),
                                 ("Late", timeliness["late"])],
                                "Reviews completed in the last 12 months, on time and late",
                                colours=(PALETTE[1], PALETTE[3]), width=520,
                                ident="chart-timeliness")
        if timeliness["completed"] else None,
        # Rule ids are the auditor's detail; the others read the rule's words.
        "blocking": bar_chart([(item["rule"] if rule_ids else rule_words(item), item["count"])
                               for item in blocking],
                              "The rules that block most often, by failed attempts",
                              colour=PALETTE[3], ident="chart-blocking") if blocking else None,
        "terms": bar_chart([(item["term"], item["records"]) for item in terms],
                           "Language flags raised most often, by records flagged",
                           colour=PALETTE[2], ident="chart-terms") if terms else None,
        "ratings": bar_chart([(RATING_LABELS[rating], ratings[rating]) for rating in RATINGS],
                             "Outcome ratings at each plan's latest review",
                             colour=PALETTE[4], width=520, ident="chart-ratings")
        if report["outcome_progress"]["outcomes_rated"] else None,
    }


def report_rows(report: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    """The report as (section, item, value, detail) rows."""
    yield ("service", "name", report["service"]["name"], report["service"]["title"])
    yield ("service", "as_of", report["as_of"], "")
    for state, count in report["plans_by_state"].items():
        yield ("plans_by_state", state, count, "")
    timeliness = report["review_timeliness"]
    for key in ("completed", "on_time", "late", "on_time_share", "grace_days"):
        yield ("review_timeliness", key, _blank(timeliness[key]),
               f"{timeliness['from']} to {timeliness['to']}")
    for review in timeliness["reviews"]:
        yield ("completed_review", f"plan {review['plan_id']} review {review['cycle']}",
               "on time" if review["on_time"] else f"late by {review['days_late']} days",
               f"{review['person']}; due {review['due_on']}, completed "
               f"{review['completed_on']} ({review['completed_by']})")
    overdue = report["overdue_reviews"]
    yield ("overdue_reviews", "count", overdue["count"], "")
    for plan in overdue["plans"]:
        yield ("overdue_review", f"plan {plan['plan_id']}", plan["days_overdue"],
               f"{plan['person']}; {plan['state']}; due {plan['due_on']}: {plan['reason']}")
    tasks = report["tasks"]
    for key in ("open", "overdue", "unassigned"):
        yield ("tasks", key, tasks[key], "")
    for entry in tasks["by_kind"]:
        yield ("tasks_by_kind", entry["kind"], entry["open"], f"{entry['overdue']} overdue")
    blocking = report["blocking_rules"]
    yield ("blocking_rules", "blocked_attempts", blocking["blocked_attempts"], "")
    for item in blocking["rules"]:
        yield ("blocking_rule", item["rule"], item["count"], item["text"])
    quality = report["recording_quality"]
    for key in ("records", "clean", "flagged", "clean_share"):
        yield ("recording_quality", key, _blank(quality[key]),
               f"{quality['from']} to {quality['to']}")
    for item in quality["top_terms"]:
        yield ("flag_term", item["term"], item["records"], item["category"])
    progress = report["outcome_progress"]
    yield ("outcome_progress", "plans_reviewed", progress["plans_reviewed"], "")
    for rating, count in progress["ratings"].items():
        yield ("outcome_rating", rating, count, "")
    practice = report["staff_practice"]
    yield ("staff_practice", "staff", practice["staff"], "active staff in the service")
    for key, value in practice["training"].items():
        yield ("training", key, _blank(value), "")
    supervision = practice["supervision"]
    for key in ("signed_off", "staff_supervised", "supervised_share", "overdue"):
        yield ("supervision", key, _blank(supervision[key]),
               f"{supervision['from']} to {supervision['to']}")
    for state, count in supervision["by_state"].items():
        yield ("supervisions_by_state", state, count, "")
    yield from learning_rows(report)  # incidents and restrictions (SPEC §10.4)
    yield from feedback_rows(report)


def _blank(value: Any) -> Any:
    return "" if value is None else value
