"""Every change is on the record: changes made outside transitions join the same hash chain,
say what changed in words, filter by action, and two versions of a plan compare."""
import re
from datetime import datetime, timezone

from tests.helpers import (
    Browser,
    active_plan,
    daily_record,
    plan_content,
    review_record,
    run_cli,
)
from tests.integration.test_supervision import evidenced_plan  # noqa: F401 (a fixture)
from web.extensions import db


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def trail(api, plan_id, query=""):
    return api.as_("ada").get(f"/plans/{plan_id}/audit{query}").json["events"]


def changes_of(events, action):
    return [event["changes"] for event in events if event["action"] == action]


def test_saving_a_draft_records_what_changed_in_words(api):
    plan = api.as_("sam").new_plan(**plan_content())
    outcomes = plan_content()["outcomes"]
    outcomes[0]["measure"] = "prompts per visit, and whether she used the card"
    actions = plan_content()["actions"] + [
        {"id": "a3", "outcome_id": "o2", "description": "Shop together on Saturdays",
         "approach": "accompanying", "when": "Saturday 10am", "hours_per_week": 1}]
    api.as_("sue").edit(plan["id"], **plan_content(outcomes=outcomes, actions=actions,
                                                   commissioned_hours_per_week=11))
    [first, second] = [e for e in trail(api, plan["id"]) if e["action"] == "draft_saved"]
    assert first["actor"] == "sam" and first["outcome"] == "recorded"
    assert "outcome 'Prepares her own breakfast' added" in first["changes"]
    assert (second["actor"], second["from"], second["to"]) == ("sue", "draft", "draft")
    assert second["changes"] == [
        "commissioned hours per week changed from 10 to 11",
        "outcome 'Prepares her own breakfast': measure changed",
        "action 'Shop together on Saturdays' added"]
    assert second["checks"] == [] and second["transition"] is None


def test_acknowledging_a_version_is_recorded_once(api):
    plan = api.as_("sam").new_plan(**plan_content())
    api.as_("max").fire(plan["id"], "approve")
    for _ in range(2):
        assert api.as_("sam").post(f"/plans/{plan['id']}/acknowledgements", {}).status == 201
    assert changes_of(trail(api, plan["id"]), "acknowledged") == [["sam has read version 1"]]


def test_daily_records_and_reviews_are_recorded_on_the_plans_trail(api, app, clock):
    plan = active_plan(api)
    response = api.as_("sam").post(f"/plans/{plan['id']}/records",
                                   daily_record(prompts=1, day="2026-11-20"))
    assert response.status == 201
    [added] = changes_of(trail(api, plan["id"]), "record_added")
    assert added == [f"daily record {response.json['id']} for outcome 'Prepares her own "
                     "breakfast' on 2026-11-20 (with prompts, 1 prompt)"]
    [event] = trail(api, plan["id"], "?action=record_added")
    assert event["rule_pack"].startswith("recording_language@")
    clock.set(at("2026-12-20T10:00"))
    assert api.as_("sam").fire(plan["id"], "start_review",
                               reason="Margaret asked for an early review").status == 200
    for _ in range(2):
        assert api.as_("sam").post(f"/plans/{plan['id']}/reviews", review_record()).status \
            == 201
    assert changes_of(trail(api, plan["id"]), "review_saved") == [
        ["review record for review 1 written by sam, proposing: continue"],
        ["review record for review 1 rewritten by sam, proposing: continue"]]


def test_claiming_and_releasing_a_task_is_on_its_subjects_trail(api):
    plan = api.as_("sam").new_plan(**plan_content())
    api.as_("sam").fire(plan["id"], "request_approval")
    [task] = api.as_("max").get("/tasks").json["tasks"]
    assert api.as_("max").post(f"/tasks/{task['id']}/claim").status == 200
    assert api.as_("max").post(f"/tasks/{task['id']}/release").status == 200
    events = trail(api, plan["id"])
    assert [(e["action"], e["actor"]) for e in events if e["action"].startswith("task_")] == [
        ("task_claimed", "max"), ("task_released", "max")]
    assert changes_of(events, "task_claimed") == [
        ["task 'Approve the plan for Margaret Ellis' claimed by max"]]


def test_writing_staff_practice_records_is_on_their_trails(api, evidenced_plan):  # noqa: F811
    from tests.integration.test_competency import TRAINING
    from tests.integration.test_supervision import record, schedule
    supervision = schedule(api)
    assert api.as_("mia").put(f"/supervisions/{supervision['id']}/record",
                              record(evidenced_plan["id"])).status == 200
    events = api.as_("mia").get(f"/supervisions/{supervision['id']}/audit"
                                "?action=part_recorded").json["events"]
    assert [e["changes"] for e in events] == [["supervision record written by mia"]]
    competency = api.as_("mia").post("/competencies", {"worker": "sam",
                                                       "service": "riverside"}).json
    assert api.as_("sam").put(f"/competencies/{competency['id']}/training",
                              TRAINING).status == 200
    [event] = api.as_("mia").get(f"/competencies/{competency['id']}/audit"
                                 "?action=part_recorded").json["events"]
    assert (event["actor"], event["changes"]) == ("sam", ["training record written by sam"])


def test_the_action_filter_separates_steps_from_changes(api):
    plan = api.as_("sam").new_plan(**plan_content())
    api.as_("max").fire(plan["id"], "approve")
    everything = trail(api, plan["id"])
    steps = trail(api, plan["id"], "?action=transition")
    saved = trail(api, plan["id"], "?action=draft_saved")
    assert [e["action"] for e in everything] == ["draft_saved", "transition"]
    assert [e["seq"] for e in steps] == [everything[1]["seq"]]
    assert [e["seq"] for e in saved] == [everything[0]["seq"]]
    assert trail(api, plan["id"], "?outcome=recorded") == saved
    bad = api.as_("ada").get(f"/plans/{plan['id']}/audit?action=drop%20table")
    assert bad.status == 422 and "action" in bad.json["details"]


def test_the_trail_page_shows_changes_beside_steps_and_filters_them(app, api):
    plan = api.as_("sam").new_plan(**plan_content())
    api.as_("max").fire(plan["id"], "approve")
    browser = Browser(app, "ada")
    page = browser.get(f"/plans/{plan['id']}/audit")
    assert page.status == 200
    assert "Draft saved" in page and "Approve" in page
    assert "outcome &#39;Prepares her own breakfast&#39; added" in page
    assert len(re.findall(r'<tr id="event-', page.html)) == 2
    only_changes = browser.get(f"/plans/{plan['id']}/audit?action=draft_saved")
    assert len(re.findall(r'<tr id="event-', only_changes.html)) == 1
    csv = browser.get(f"/plans/{plan['id']}/audit.csv").html.splitlines()
    assert csv[0].endswith(",action,changes") and ",draft_saved," in csv[1]


def test_two_versions_compare_field_by_field(api, app, clock):
    plan = active_plan(api)
    clock.set(at("2026-12-20T10:00"))
    api.as_("sam").fire(plan["id"], "start_review", reason="A change in needs")
    api.as_("sam").post(f"/plans/{plan['id']}/reviews", review_record(decision="revise"))
    assert api.as_("sam").fire(plan["id"], "revise").status == 200
    outcomes = plan_content()["outcomes"]
    outcomes[1]["target"] = "chooses seven meals for the week with Jo every Sunday"
    api.as_("sam").edit(plan["id"], **plan_content(outcomes=outcomes,
                                                   next_review_date="2027-06-01"))
    assert api.as_("max").fire(plan["id"], "approve").status == 200
    response = api.as_("ada").get(f"/plans/{plan['id']}/versions/2/changes?against=1")
    assert response.status == 200
    assert response.json["changes"] == [
        {"section": "plan", "item": None, "field": "next_review_date",
         "before": "2027-01-12", "after": "2027-06-01"},
        {"section": "outcomes", "item": "o2", "field": "target",
         "before": "chooses five meals for the week with Jo every Sunday",
         "after": "chooses seven meals for the week with Jo every Sunday"}]
    default = api.as_("ada").get(f"/plans/{plan['id']}/versions/2/changes").json
    assert default["against"] == 1 and default["changes"] == response.json["changes"]
    assert api.as_("ada").get(f"/plans/{plan['id']}/versions/2/changes?against=1")\
        .json == response.json
    missing = api.as_("ada").get(f"/plans/{plan['id']}/versions/2/changes?against=9")
    assert missing.status == 404
    bad = api.as_("ada").get(f"/plans/{plan['id']}/versions/2/changes?against=one")
    assert bad.status == 422
    page = Browser(app, "sam").get(f"/plans/{plan['id']}")
    link = f"/plans/{plan['id']}/versions/2/changes?against=1"
    assert "What changed since version 1" in page and link in page.html
    shown = Browser(app, "sam").get(link)
    assert "Outcome &#39;Plans her weekly meals&#39;: target changed" in shown
    assert "chooses seven meals" in shown


def test_audit_verify_walks_a_chain_of_steps_and_changes(api, database_url):
    plan = active_plan(api)
    api.as_("sam").post(f"/plans/{plan['id']}/records", daily_record())
    actions = {e["action"] for e in trail(api, plan["id"])}
    assert {"transition", "draft_saved", "acknowledged", "record_added"} <= actions
    result = run_cli("audit", "verify", database_url=database_url)
    assert result.returncode == 0, result.stderr
    total = len(trail(api, plan["id"]))
    assert f"Audit chain intact: {total} events verified." in result.stdout


def test_a_change_is_written_in_the_same_transaction_as_the_change(api, app):
    """A refused save leaves neither the change nor its event."""
    plan = api.as_("sam").new_plan(**plan_content())
    before = trail(api, plan["id"])
    stale = api.as_("sue").put(f"/plans/{plan['id']}", {**plan_content(key_worker="sue"),
                                                        "version": plan["version"] - 1})
    assert stale.status == 409
    assert trail(api, plan["id"]) == before
    with app.app_context():
        from engine.core.models import AuditEvent
        assert db.session.query(AuditEvent).count() == len(before)
