"""The task inbox: tasks come and go with the workflow; nobody ticks a box to pretend."""
from datetime import datetime, timezone

from engine.core.sweep import sweep
from tests.helpers import active_plan, plan_content
from web.extensions import db


def tick(app, when: str):
    with app.app_context():
        report = sweep(app.extensions["strengthwise"], db.session,
                       datetime.fromisoformat(when).replace(tzinfo=timezone.utc))
        db.session.remove()
    return report


def inbox(api, who, query=""):
    response = api.as_(who).get(f"/tasks{query}")
    assert response.status == 200, response
    return [(t["kind"], t["subject_id"], t["assignee"], t["status"]) for t in
            response.json["tasks"]]


def requested(api, name="Margaret Ellis"):
    plan = api.as_("sam").new_plan(api.as_("sam").new_person(name), **plan_content())
    assert api.as_("sam").fire(plan["id"], "request_approval").status == 200
    return plan


def test_an_approval_request_reaches_the_services_managers_only(api):
    plan = requested(api)
    expected = [("approve_plan", plan["id"], None, "open")]
    assert inbox(api, "mia") == expected and inbox(api, "max") == expected
    assert inbox(api, "sam") == [] and inbox(api, "nina") == [] and inbox(api, "oli") == []
    [task] = api.as_("mia").get("/tasks").json["tasks"]
    assert task["title"] == "Approve the plan for Margaret Ellis"
    assert (task["workflow"], task["role"], task["service"], task["due"], task["follow_up"]) == (
        "support_plan", "manager", "riverside", "2026-11-27", "2026-12-04")
    assert task["overdue"] is False


def test_approving_completes_the_task_for_everyone(api):
    plan = requested(api)
    api.as_("max").fire(plan["id"], "approve")
    assert inbox(api, "mia") == [] and inbox(api, "max") == []
    assert inbox(api, "mia", "?status=done") == [("approve_plan", plan["id"], None, "done")]


def test_a_manager_claims_and_releases_an_approval(api):
    plan = requested(api)
    [task] = api.as_("mia").get("/tasks").json["tasks"]
    claimed = api.as_("mia").post(f"/tasks/{task['id']}/claim")
    assert claimed.status == 200 and claimed.json["status"] == "claimed"
    assert inbox(api, "mia", "?scope=mine") == [("approve_plan", plan["id"], "mia", "claimed")]
    assert inbox(api, "max") == []
    again = api.as_("max").post(f"/tasks/{task['id']}/claim")
    assert again.status == 409 and again.json["details"] == {"assignee": "mia"}
    assert api.as_("max").post(f"/tasks/{task['id']}/release").status == 409
    released = api.as_("mia").post(f"/tasks/{task['id']}/release")
    assert released.status == 200 and released.json["assignee"] is None
    assert inbox(api, "max") == [("approve_plan", plan["id"], None, "open")]


def test_tasks_outside_the_users_services_or_role_cannot_be_claimed(api):
    requested(api)
    [task] = api.as_("mia").get("/tasks").json["tasks"]
    assert api.as_("oli").post(f"/tasks/{task['id']}/claim").status == 404
    # A manager's task is not in a member of staff's inbox: for them it does not exist.
    assert api.as_("sam").post(f"/tasks/{task['id']}/claim").status == 404
    assert api.as_("ada").post(f"/tasks/{task['id']}/claim").status == 403
    assert api.as_("mia").post("/tasks/9999/claim").status == 404


def test_the_review_task_goes_to_the_key_worker_and_leaves_with_the_review(api, app):
    plan = active_plan(api)
    tick(app, "2027-01-12T00:00")
    assert inbox(api, "sam") == [("complete_review", plan["id"], "sam", "open")]
    assert inbox(api, "sue") == []
    assert api.as_("sam").fire(plan["id"], "revise").status == 422  # no review written yet
    assert inbox(api, "sam") == [("complete_review", plan["id"], "sam", "open")]
    api.as_("max").fire(plan["id"], "close", reason="Moved away")
    assert inbox(api, "sam") == []
    assert ("complete_review", plan["id"], "sam", "done") in inbox(api, "sam", "?status=done")


def test_overdue_tasks_come_first_and_escalate_to_managers_once(api, app, clock):
    late = requested(api, "Late Larry")  # due 2026-11-27, escalated after 2026-12-04
    assert tick(app, "2026-12-03T09:00").escalated == []
    clock.set(datetime(2026, 11, 30, 9, tzinfo=timezone.utc))
    fresh = requested(api, "Fresh Fiona")  # due 2026-12-07
    assert len(tick(app, "2026-12-05T09:00").escalated) == 1
    clock.set(datetime(2026, 12, 5, 10, tzinfo=timezone.utc))
    tasks = api.as_("mia").get("/tasks").json["tasks"]
    assert [(t["kind"], t["subject_id"], t["due"]) for t in tasks] == [
        ("approve_plan", late["id"], "2026-11-27"),
        ("approve_plan.escalated", late["id"], "2026-12-05"),
        ("approve_plan", fresh["id"], "2026-12-07")]
    assert [t["overdue"] for t in tasks] == [True, False, False]
    assert tasks[0]["escalated"] is True
    assert tasks[1]["title"] == "Overdue since 27 November 2026: Approve the plan for Late Larry"
    assert tick(app, "2026-12-06T09:00").escalated == []
    api.as_("max").fire(late["id"], "approve")
    assert [t["subject_id"] for t in api.as_("mia").get("/tasks").json["tasks"]] == [fresh["id"]]


def test_inbox_filters_are_validated(api):
    assert api.as_("mia").get("/tasks?status=maybe").status == 422
    assert api.as_("mia").get("/tasks?scope=everyone").status == 422
    assert api.as_("mia").get("/tasks?limit=0").status == 422
