"""Supervision through the API: scheduled → recorded → signed off, and the next one appears."""
from datetime import datetime, timezone

import pytest

from engine.core.models import Task
from engine.core.sweep import sweep
from tests.helpers import active_plan, daily_record
from web.extensions import db

PROMPTS = {"strengths_identified": "Noticed Margaret remembers the steps from the card",
           "deficit_drift": "Wrote 'refused' once; talked about 'declined' instead",
           "risk_balance": "Kettle risk managed with a one-cup kettle",
           "support_reduction": "Breakfast prompts could drop to one",
           "outcomes_changed": "Breakfast with one prompt most days",
           "learning_to_share": "Picture cards help; share at team meeting"}


def record(plan_id, outcome_id="o1", **overrides):
    content = {"observed_strength": "Margaret planned the week's meals herself",
               "support_provided": "Coached through the breakfast routine",
               "independence_opportunity": "Try the hob check alone",
               "outcome_link": {"plan_id": plan_id, "outcome_id": outcome_id},
               "next_step": "Agree fewer prompts at the review", "prompts": dict(PROMPTS)}
    content.update(overrides)
    return content


def failing(response):
    return {item["rule"]: item["detail"] for item in response.json["details"]}


@pytest.fixture
def evidenced_plan(api):
    plan = active_plan(api)
    assert api.as_("sam").post(f"/plans/{plan['id']}/records", daily_record()).status == 201
    return plan


def schedule(api, who="sam", day="2026-12-01", by="mia"):
    response = api.as_(by).post("/supervisions", {"supervisee": who, "service": "riverside",
                                                  "scheduled_for": day})
    assert response.status == 201, response
    return response.json


def fire(api, who, supervision, name, **body):
    current = api.as_("mia").get(f"/supervisions/{supervision['id']}").json
    return api.as_(who).post(f"/supervisions/{supervision['id']}/transitions/{name}",
                             {"version": current["version"], **body})


def test_a_scheduled_supervision_lands_in_the_supervisors_inbox(api):
    supervision = schedule(api)
    assert (supervision["state"], supervision["supervisee"], supervision["supervisor"]) == (
        "scheduled", "sam", "mia")
    assert supervision["period_start"] == "2026-10-20"
    [task] = api.as_("mia").get("/tasks").json["tasks"]
    assert (task["kind"], task["assignee"], task["due"], task["workflow"]) == (
        "hold_supervision", "mia", "2026-12-01", "supervision")
    assert task["title"] == "Supervision with sam on 1 December 2026"


def test_only_managers_schedule_and_only_for_staff_of_their_services(api):
    assert api.as_("sam").post("/supervisions", {"supervisee": "sue", "service": "riverside",
                                                 "scheduled_for": "2026-12-01"}).status == 403
    wrong = api.as_("mia").post("/supervisions", {"supervisee": "oli", "service": "riverside",
                                                  "scheduled_for": "2026-12-01"})
    assert wrong.status == 422 and "supervisee" in wrong.json["details"]


def test_a_record_cannot_be_saved_without_its_required_fields(api, evidenced_plan):
    supervision = schedule(api)
    response = api.as_("mia").put(f"/supervisions/{supervision['id']}/record", {
        "observed_strength": "", "prompts": {"risk_balance": "ok"}})
    assert response.status == 422
    details = response.json["details"]
    assert set(details) == {"observed_strength", "support_provided", "independence_opportunity",
                            "outcome_link", "next_step", "prompts"}
    assert set(details["prompts"]) == set(PROMPTS) - {"risk_balance"}


def test_recording_needs_the_record_written(api, evidenced_plan):
    supervision = schedule(api)
    assert failing(fire(api, "mia", supervision, "record")) == {
        "supervision.record-written": "no supervision record has been written"}
    api.as_("mia").put(f"/supervisions/{supervision['id']}/record", record(evidenced_plan["id"]))
    recorded = fire(api, "mia", supervision, "record")
    assert recorded.status == 200 and recorded.json["supervision"]["state"] == "recorded"


def recorded_supervision(api, plan_id, who="sam", outcome_id="o1"):
    supervision = schedule(api, who)
    api.as_("mia").put(f"/supervisions/{supervision['id']}/record", record(plan_id, outcome_id))
    assert fire(api, "mia", supervision, "record").status == 200
    return supervision


def test_sign_off_needs_evidence_of_progression_on_a_real_outcome(api, evidenced_plan):
    unknown = recorded_supervision(api, evidenced_plan["id"], outcome_id="o9")
    assert failing(fire(api, "mia", unknown, "sign_off")) == {
        "supervision.progression-understood":
            f"plan {evidenced_plan['id']} has no outcome 'o9' in force"}


def test_sign_off_needs_daily_records_for_the_outcome_in_the_period(api, evidenced_plan):
    unevidenced = recorded_supervision(api, evidenced_plan["id"], outcome_id="o2")
    assert failing(fire(api, "mia", unevidenced, "sign_off")) == {
        "supervision.progression-understood":
            f"outcome o2 of plan {evidenced_plan['id']} has no daily records between "
            "2026-10-20 and 2026-12-01"}


def test_sign_off_needs_a_plan_the_worker_supports(api, evidenced_plan):
    theirs = recorded_supervision(api, evidenced_plan["id"], who="sue")
    assert failing(fire(api, "mia", theirs, "sign_off")) == {
        "supervision.progression-understood":
            f"sue neither is the key worker of plan {evidenced_plan['id']} nor has written "
            "its daily records"}


def test_a_manager_cannot_sign_off_their_own_supervision(api, evidenced_plan):
    supervision = schedule(api, who="max")
    api.as_("mia").put(f"/supervisions/{supervision['id']}/record",
                       record(evidenced_plan["id"]))
    fire(api, "mia", supervision, "record")
    refused = fire(api, "max", supervision, "sign_off")
    assert refused.json["details"][0] == {
        "rule": "supervision.independent-sign-off",
        "text": "Cannot proceed without sign-off by a manager other than the supervisee.",
        "detail": "max is the supervisee"}
    # Another member of staff cannot see max's supervision at all.
    assert fire(api, "sam", supervision, "sign_off").status == 404


def test_signing_off_plans_the_next_supervision_which_a_timer_schedules(api, app,
                                                                        evidenced_plan):
    supervision = recorded_supervision(api, evidenced_plan["id"])
    signed = fire(api, "mia", supervision, "sign_off", comment="Good reflective session")
    assert signed.status == 200, signed
    assert signed.json["supervision"]["next_due_on"] == "2027-01-12"
    assert [t["kind"] for t in api.as_("mia").get("/tasks").json["tasks"]] == []
    with app.app_context():
        engine = app.extensions["strengthwise"]
        early = sweep(engine, db.session, datetime(2026, 12, 28, 12, tzinfo=timezone.utc))
        report = sweep(engine, db.session, datetime(2026, 12, 29, 12, tzinfo=timezone.utc))
        db.session.remove()
    assert early.timers == [] and [r.outcome for r in report.timers] == ["advanced"]
    listed = api.as_("mia").get("/supervisions").json["supervisions"]
    assert [(s["scheduled_for"], s["state"], s["period_start"]) for s in listed] == [
        ("2027-01-12", "scheduled", "2026-12-01"), ("2026-12-01", "signed_off", "2026-10-20")]
    with app.app_context():
        task = db.session.query(Task).filter_by(kind="hold_supervision", status="open").one()
        assert task.due.isoformat() == "2027-01-12" and task.assignee.username == "mia"
    trail = api.as_("ada").get(f"/supervisions/{supervision['id']}/audit"
                               "?action=transition").json["events"]
    assert [(e["actor"], e["transition"], e["outcome"]) for e in trail] == [
        ("mia", "record", "advanced"), ("mia", "sign_off", "advanced"),
        ("system", "schedule_next", "advanced")]


def test_staff_see_their_own_supervisions_only(api, evidenced_plan):
    mine, theirs = schedule(api, "sam"), schedule(api, "sue")
    assert [s["id"] for s in api.as_("sam").get("/supervisions").json["supervisions"]] == [
        mine["id"]]
    assert api.as_("sam").get(f"/supervisions/{theirs['id']}").status == 404
    assert api.as_("nina").get(f"/supervisions/{mine['id']}").status == 404
    assert api.as_("ada").get(f"/supervisions/{theirs['id']}").status == 200


def test_the_supervisee_page_offers_reflections_not_the_record(api, app, evidenced_plan):
    from tests.helpers import Browser
    supervision = schedule(api)
    sam = Browser(app, "sam")
    page = sam.get(f"/supervisions/{supervision['id']}")
    assert page.status == 200
    assert "Your supervisor writes the record" in page and 'name="observed_strength"' not in page
    own = sam.post(f"/supervisions/{supervision['id']}",
                   {"observed_strength": "I did well"}, csrf_from=f"/supervisions/"
                   f"{supervision['id']}")
    assert own.status == 403
    saved = sam.post(f"/supervisions/{supervision['id']}/reflections",
                     {"reflections": "I wait before prompting now"},
                     csrf_from=f"/supervisions/{supervision['id']}")
    assert saved.status == 302
    assert "I wait before prompting now" in Browser(app, "mia").get(
        f"/supervisions/{supervision['id']}")
    assert api.as_("mia").get(f"/supervisions/{supervision['id']}").json["record"] is None
