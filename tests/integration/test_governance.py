"""The governance report of a service: plans by state, review timeliness, overdue reviews and
tasks, the rules that block most often, recording quality and outcomes progressing — computed
by the engine, served by the API and shown on the dashboard."""
import csv
import io
from datetime import date, datetime, timezone

from engine.care.governance import ReportPolicy, governance_report
from engine.core.sweep import sweep
from tests.helpers import Browser, active_plan, daily_record, plan_content, review_record
from web.extensions import db


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def tick(app, when: str):
    with app.app_context():
        sweep(app.extensions["strengthwise"], db.session, at(when))
        db.session.remove()


def report(app, today: str, service: str = "riverside") -> dict:
    with app.app_context():
        figures = governance_report(db.session, service, date.fromisoformat(today),
                                    ReportPolicy.from_engine(app.extensions["strengthwise"]))
        db.session.remove()
    return figures


def record(api, clock, plan_id, day, **fields):
    clock.set(at(f"{day}T18:00"))
    response = api.as_("sam").post(f"/plans/{plan_id}/records", daily_record(day=day, **fields))
    assert response.status == 201, response


def reviewed_plan(api, app, clock, completed_on: str, started_on: str | None = None) -> int:
    """An active plan with records for both outcomes whose review opens (on its date, or early
    on `started_on` for a change in needs) and is completed by mia on `completed_on`."""
    plan = active_plan(api)
    for day in ("2026-12-05", "2026-12-15", "2026-12-28", "2027-01-03"):
        record(api, clock, plan["id"], day)
    record(api, clock, plan["id"], "2027-01-04", outcome_id="o2", prompts=0)
    if started_on:
        clock.set(at(f"{started_on}T10:00"))
        assert api.as_("sam").fire(plan["id"], "start_review",
                                   reason="Change in needs after a fall").status == 200
    else:
        tick(app, "2027-01-12T00:00")
    clock.set(at(f"{completed_on}T10:00"))
    assert api.as_("sam").post(f"/plans/{plan['id']}/reviews", review_record()).status == 201
    assert api.as_("mia").fire(plan["id"], "complete_review").status == 200
    return plan["id"]


def blocked_plans(api) -> int:
    """Two blocked approvals (o2 has no measure) and one blocked activation (not briefed) in
    riverside, one denied attempt, and a blocked approval in northgate that is not theirs."""
    outcomes = plan_content()["outcomes"]
    outcomes[1]["measure"] = ""
    plan = api.as_("sam").new_plan(**plan_content(outcomes=outcomes))
    assert api.as_("max").fire(plan["id"], "approve").status == 422
    assert api.as_("mia").fire(plan["id"], "approve").status == 422
    assert api.as_("sam").fire(plan["id"], "approve").status == 403
    api.as_("sam").edit(plan["id"], **plan_content())
    assert api.as_("max").fire(plan["id"], "approve").status == 200
    assert api.as_("max").fire(plan["id"], "activate").status == 422
    elsewhere = api.as_("oli").new_plan(api.as_("oli").new_person("Kit Lowe", "northgate"))
    assert api.as_("nina").fire(elsewhere["id"], "approve").status == 422
    return plan["id"]


# --- the figures -----------------------------------------------------------------------------

def test_plans_are_counted_in_every_state_of_the_workflow(app, api):
    active_plan(api)
    closed = active_plan(api)
    api.as_("max").fire(closed["id"], "close", reason="Moved to Leeds")
    api.as_("sam").new_plan(api.as_("sam").new_person("Dev Kumar"))
    api.as_("oli").new_plan(api.as_("oli").new_person("Kit Lowe", "northgate"))
    figures = report(app, "2026-11-20")
    assert figures["service"] == {"name": "riverside", "title": "riverside"}
    assert figures["as_of"] == "2026-11-20"
    assert figures["plans_by_state"] == {"draft": 1, "approved": 0, "active": 1,
                                         "review_due": 0, "reduced_support": 0, "closed": 1}
    assert report(app, "2026-11-20", "northgate")["plans_by_state"]["draft"] == 1


def test_the_rules_that_block_most_often_are_counted_from_blocked_events(app, api):
    blocked_plans(api)
    blocking = report(app, "2026-11-20")["blocking_rules"]
    assert blocking["blocked_attempts"] == 3
    assert [(item["rule"], item["count"]) for item in blocking["rules"]] == [
        ("plan.outcomes-observable", 2), ("plan.team-briefed", 1)]
    assert blocking["rules"][0]["text"].startswith("Cannot proceed without")
    northgate = report(app, "2026-11-20", "northgate")["blocking_rules"]
    assert northgate["blocked_attempts"] == 1
    assert ("plan.has-outcomes", 1) in [(i["rule"], i["count"]) for i in northgate["rules"]]


def test_recording_quality_counts_clean_and_flagged_records_of_the_last_90_days(app, api,
                                                                               clock):
    plan = active_plan(api)
    record(api, clock, plan["id"], "2026-12-05", support_provided="Supported with breakfast.",
           note="She refused her lunch.")
    record(api, clock, plan["id"], "2026-12-20")
    quality = report(app, "2027-01-12")["recording_quality"]
    assert (quality["records"], quality["clean"], quality["flagged"], quality["clean_share"]) \
        == (2, 1, 1, 0.5)
    assert quality["top_terms"] == [
        {"term": "deficit.refused", "category": "deficit", "records": 1},
        {"term": "task_only.supported-with", "category": "task_only", "records": 1}]
    later = report(app, "2027-03-05")["recording_quality"]  # the window starts on 6 December
    assert (later["from"], later["records"], later["clean"], later["top_terms"]) == (
        "2026-12-06", 1, 1, [])
    assert report(app, "2027-06-01")["recording_quality"]["clean_share"] is None


def test_a_review_is_overdue_once_its_date_passes_and_stays_so_from_that_date(app, api):
    plan = active_plan(api)
    assert report(app, "2027-01-12")["overdue_reviews"] == {"count": 0, "plans": []}
    [late] = report(app, "2027-01-13")["overdue_reviews"]["plans"]
    assert (late["plan_id"], late["state"], late["due_on"], late["days_overdue"]) == (
        plan["id"], "active", "2027-01-12", 1)
    assert late["reason"] == "the review date has passed and no review has started"
    tick(app, "2027-01-12T00:00")
    assert report(app, "2027-01-26")["overdue_reviews"]["count"] == 0
    figures = report(app, "2027-01-27")
    [late] = figures["overdue_reviews"]["plans"]
    # Once the review is open it is late past the grace days, counted from the date it fell due.
    assert (late["state"], late["due_on"], late["days_overdue"], late["person"]) == (
        "review_due", "2027-01-12", 15, "Margaret Ellis")
    assert late["reason"] == "the review fell due on this date and is past its deadline"
    assert figures["tasks"] == {"open": 1, "overdue": 1, "unassigned": 0, "by_kind": [
        {"kind": "complete_review", "open": 1, "overdue": 1}]}


def test_reviews_are_on_time_when_completed_within_the_grace_days_of_falling_due(app, api,
                                                                                 clock):
    on_time = reviewed_plan(api, app, clock, completed_on="2027-01-20")
    late = reviewed_plan(api, app, clock, completed_on="2027-02-01")
    early = reviewed_plan(api, app, clock, completed_on="2027-01-25", started_on="2027-01-05")
    timeliness = report(app, "2027-02-02")["review_timeliness"]
    assert (timeliness["completed"], timeliness["on_time"], timeliness["late"],
            timeliness["on_time_share"], timeliness["grace_days"]) == (3, 2, 1, 0.667, 14)
    # Timeliness runs from the date the review fell due, never from the day it was started:
    # the review started early is judged against its review date like the others.
    assert [(r["plan_id"], r["due_on"], r["deadline"], r["completed_on"], r["on_time"],
             r["days_late"]) for r in timeliness["reviews"]] == [
        (on_time, "2027-01-12", "2027-01-26", "2027-01-20", True, 0),
        (early, "2027-01-12", "2027-01-26", "2027-01-25", True, 0),
        (late, "2027-01-12", "2027-01-26", "2027-02-01", False, 6)]
    a_year_on = report(app, "2028-01-21")["review_timeliness"]  # 20 January 2027 has dropped out
    assert (a_year_on["from"], [r["plan_id"] for r in a_year_on["reviews"]]) == (
        "2027-01-21", [early, late])


def test_outcomes_progressing_come_from_each_plans_latest_completed_review(app, api, clock):
    reviewed_plan(api, app, clock, completed_on="2027-01-20")
    reviewed_plan(api, app, clock, completed_on="2027-01-21")
    active_plan(api)  # not reviewed yet
    progress = report(app, "2027-01-22")["outcome_progress"]
    assert progress == {"plans_reviewed": 2, "outcomes_rated": 4, "ratings": {
        "achieved": 2, "progressing": 2, "no_change": 0, "deteriorated": 0},
        "progressing_share": 1.0}


def test_staff_practice_counts_training_and_overdue_supervision_of_the_services_staff(app, api):
    assert api.as_("mia").post("/supervisions", {"supervisee": "sam", "service": "riverside",
                                                 "scheduled_for": "2026-12-01"}).status == 201
    assert api.as_("mia").post("/competencies", {"worker": "sue",
                                                 "service": "riverside"}).status == 201
    assert report(app, "2026-12-01")["staff_practice"]["supervision"]["overdue"] == 0
    practice = report(app, "2026-12-02")["staff_practice"]
    assert practice["staff"] == 2  # sam and sue; managers and the auditor are not counted
    assert practice["training"] == {"competent": 0, "in_training": 1, "refresher_due": 0,
                                    "competent_share": 0.0}
    supervision = practice["supervision"]
    assert (supervision["by_state"], supervision["overdue"], supervision["signed_off"],
            supervision["staff_supervised"]) == ({"scheduled": 1}, 1, 0, 0)
    assert report(app, "2026-12-02", "northgate")["staff_practice"]["training"][
        "in_training"] == 0


def test_a_signed_off_supervision_counts_its_supervisee_as_supervised(app, api):
    plan = active_plan(api)
    assert api.as_("sam").post(f"/plans/{plan['id']}/records", daily_record()).status == 201
    supervision = api.as_("mia").post("/supervisions", {
        "supervisee": "sam", "service": "riverside", "scheduled_for": "2026-11-20"}).json
    prompts = dict.fromkeys(("strengths_identified", "deficit_drift", "risk_balance",
                             "support_reduction", "outcomes_changed", "learning_to_share"),
                            "Talked it through with examples from Margaret's breakfasts")
    assert api.as_("mia").put(f"/supervisions/{supervision['id']}/record", {
        "observed_strength": "Margaret remembers the steps from the card",
        "support_provided": "Coached the breakfast routine",
        "independence_opportunity": "Try the hob check alone",
        "outcome_link": {"plan_id": plan["id"], "outcome_id": "o1"},
        "next_step": "Agree fewer prompts at the review", "prompts": prompts}).status == 200
    for transition in ("record", "sign_off"):
        version = api.as_("mia").get(f"/supervisions/{supervision['id']}").json["version"]
        assert api.as_("mia").post(f"/supervisions/{supervision['id']}/transitions/{transition}",
                                   {"version": version}).status == 200, transition
    supervision = report(app, "2026-11-21")["staff_practice"]["supervision"]
    assert (supervision["signed_off"], supervision["staff_supervised"],
            supervision["supervised_share"], supervision["by_state"]) == (
        1, 1, 0.5, {"signed_off": 1})


# --- the API ---------------------------------------------------------------------------------

def test_the_api_serves_the_report_of_one_of_the_callers_services(api, clock):
    blocked_plans(api)
    response = api.as_("ada").get("/reports/governance?service=riverside")
    assert response.status == 200, response
    # The first release's sections, in order; later sections (feedback, …) follow them.
    assert list(response.json)[:11] == [
        "service", "as_of", "plans_by_state", "review_timeliness", "overdue_reviews",
        "interim_support", "tasks", "blocking_rules", "recording_quality", "outcome_progress",
        "staff_practice"]
    assert {"incidents", "restrictions", "feedback"} <= set(response.json)
    assert response.json["as_of"] == "2026-11-20"
    assert response.json["plans_by_state"]["approved"] == 1
    assert response.json["blocking_rules"]["rules"][0] == {
        "rule": "plan.outcomes-observable", "count": 2,
        "text": response.json["blocking_rules"]["rules"][0]["text"]}
    assert api.as_("mia").get("/reports/governance?service=riverside").status == 200


def test_the_api_answers_404_for_a_service_outside_the_callers_scope(api):
    for who, service in (("mia", "northgate"), ("nina", "riverside"), ("ada", "nowhere")):
        response = api.as_(who).get(f"/reports/governance?service={service}")
        assert response.status == 404 and response.json["error"] == "not_found", (who, service)


def test_the_api_answers_422_without_a_service(api):
    response = api.as_("mia").get("/reports/governance")
    assert response.status == 422 and response.json["error"] == "invalid"
    assert "service" in response.json["details"]


def test_the_api_refuses_staff_and_callers_without_a_token(api):
    response = api.as_("sam").get("/reports/governance?service=riverside")
    assert response.status == 403 and response.json["error"] == "forbidden"
    assert api.get("/reports/governance?service=riverside").status == 401


# --- the dashboard ---------------------------------------------------------------------------

def test_the_dashboard_shows_a_managers_service_as_cards_tables_and_charts(app, api, clock):
    blocked_plans(api)
    plan = active_plan(api)
    record(api, clock, plan["id"], "2026-11-20", note="She refused her lunch.")
    page = Browser(app, "mia").get("/governance")
    assert page.status == 200
    assert "<title>Governance: riverside — strengthwise</title>" in page
    assert 'href="/governance" aria-current="page">Governance</a>' in page
    assert '<select id="service"' not in page  # one service: nothing to choose
    assert page.html.count('role="img"') == 3  # plans by state, blocking rules, flag terms
    assert '<title id="chart-blocking-title">' in page
    assert "</th><td>Cannot proceed without every outcome having a statement" in page
    assert "plan.outcomes-observable" not in page  # the rule id is the auditor's detail
    auditor = Browser(app, "ada").get("/governance?service=riverside")
    assert "<code>plan.outcomes-observable</code></th><td>Cannot proceed without" in auditor
    assert "<code>deficit.refused</code>" in page
    assert "No reviews were completed in the last 12 months." in page
    assert "Training and supervision" in page
    assert 'href="/governance.csv?service=riverside"' in page
    assert " style=" not in page.html


def test_an_auditor_chooses_among_their_services(app, api):
    blocked_plans(api)
    browser = Browser(app, "ada")
    page = browser.get("/governance")
    assert page.status == 200 and "<h1>Governance <span class=\"subtitle\">northgate" in page
    assert '<option value="riverside">riverside</option>' in page
    riverside = browser.get("/governance?service=riverside")
    assert '<option value="riverside" selected>riverside</option>' in riverside
    assert "No attempt to move a record on in this service has been blocked" not in riverside
    assert browser.get("/governance?service=nowhere").status == 404


def test_the_dashboard_is_forbidden_to_staff_and_hides_other_services(app, api):
    page = Browser(app, "sam").get("/governance")
    assert page.status == 403 and "You cannot do that" in page
    assert Browser(app, "sam").get("/governance.csv?service=riverside").status == 403
    assert Browser(app, "mia").get("/governance?service=northgate").status == 404


def test_the_dashboard_has_empty_states_for_a_quiet_service(app, api):
    page = Browser(app, "nina").get("/governance")
    assert page.status == 200
    for text in ("No review is overdue", "No open tasks in this service.",
                 "No daily records in the last 90 days.",
                 "No plan in this service has a completed review"):
        assert text in page, text


def test_the_figures_download_as_csv(app, api):
    blocked_plans(api)
    page = Browser(app, "ada").get("/governance.csv?service=riverside")
    assert page.status == 200 and page.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert page.headers["Content-Disposition"] == \
        'attachment; filename="governance-riverside-2026-11-20.csv"'
    rows = list(csv.reader(io.StringIO(page.html)))
    assert rows[0] == ["section", "item", "value", "detail"]
    assert ["plans_by_state", "approved", "1", ""] in rows
    assert ["blocking_rules", "blocked_attempts", "3", ""] in rows
    assert ["plan.outcomes-observable", "2"] in [row[1:3] for row in rows
                                                 if row[0] == "blocking_rule"]
