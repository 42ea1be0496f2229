"""Every hand-off is a task (SPEC §10.3): the workflow definition opens it for whoever acts
next, with a title in words and a due date, and the step that does the work closes it."""
from datetime import datetime, timezone

from engine.core.sweep import sweep
from tests.helpers import daily_record, plan_content, review_record
from web.extensions import db


def tasks_of(api, who, query=""):
    response = api.as_(who).get(f"/tasks{query}")
    assert response.status == 200, response
    return {task["kind"]: task for task in response.json["tasks"]}


def tick(app, when: str):
    with app.app_context():
        sweep(app.extensions["strengthwise"], db.session,
              datetime.fromisoformat(when).replace(tzinfo=timezone.utc))
        db.session.remove()


def drafted(api, name="Margaret Ellis"):
    plan = api.as_("sam").new_plan(api.as_("sam").new_person(name), **plan_content())
    assert api.as_("sam").fire(plan["id"], "request_approval").status == 200
    return plan


def test_a_returned_draft_is_in_its_authors_inbox_with_the_comment(api):
    plan = drafted(api)
    returned = api.as_("mia").fire(plan["id"], "return_for_changes",
                                   comment="Say what Margaret wants from the lunch club")
    assert returned.status == 200, returned
    task = tasks_of(api, "sam")["make_changes"]
    assert task["title"] == "Make the changes mia asked for in Margaret Ellis's plan"
    assert task["note"] == "Say what Margaret wants from the lunch club"
    assert (task["assignee"], task["due"]) == ("sam", "2026-11-27")
    assert "make_changes" not in tasks_of(api, "sue") and "approve_plan" not in tasks_of(api,
                                                                                       "mia")
    # Asking again closes it and puts the approval back with the managers.
    assert api.as_("sam").fire(plan["id"], "request_approval").status == 200
    assert "make_changes" not in tasks_of(api, "sam")
    assert "approve_plan" in tasks_of(api, "mia")
    assert tasks_of(api, "sam", "?status=done")["make_changes"]["status"] == "done"


def test_an_approved_version_is_for_the_key_worker_to_acknowledge(api):
    plan = drafted(api)
    assert api.as_("max").fire(plan["id"], "approve").status == 200
    task = tasks_of(api, "sam")["acknowledge_plan"]
    assert task["title"] == "Read version 1 of Margaret Ellis's plan and confirm you have"
    assert (task["assignee"], task["due"]) == ("sam", "2026-11-23")
    assert "activate_plan" not in tasks_of(api, "mia")
    # Someone else reading it is not the key worker's acknowledgement.
    assert api.as_("sue").post(f"/plans/{plan['id']}/acknowledgements").status == 201
    assert "acknowledge_plan" in tasks_of(api, "sam") and "activate_plan" not in tasks_of(
        api, "mia")
    assert api.as_("sam").post(f"/plans/{plan['id']}/acknowledgements").status == 201
    assert "acknowledge_plan" not in tasks_of(api, "sam")
    activate = tasks_of(api, "mia")["activate_plan"]
    assert activate["title"] == "Activate Margaret Ellis's plan: sam has read version 1"
    assert (activate["role"], activate["assignee"], activate["due"]) == (
        "manager", None, "2026-11-23")
    assert "activate_plan" in tasks_of(api, "max") and "activate_plan" not in tasks_of(api,
                                                                                     "nina")
    assert api.as_("max").fire(plan["id"], "activate").status == 200
    assert "activate_plan" not in tasks_of(api, "mia")
    assert tasks_of(api, "mia", "?status=done")["activate_plan"]["status"] == "done"


def test_a_saved_review_goes_to_the_other_managers_to_complete(api, app):
    plan = drafted(api)
    api.as_("max").fire(plan["id"], "approve")
    api.as_("sam").post(f"/plans/{plan['id']}/acknowledgements")
    api.as_("max").fire(plan["id"], "activate")
    for outcome in ("o1", "o2"):
        api.as_("sam").post(f"/plans/{plan['id']}/records", daily_record(outcome))
    tick(app, "2027-01-12T00:00")
    assert tasks_of(api, "sam")["complete_review"]["title"] == (
        "Write the review of Margaret Ellis's plan")
    # Written by a manager: completing it is for the service's other managers only.
    written = api.as_("mia").post(f"/plans/{plan['id']}/reviews", review_record())
    assert written.status == 201, written
    assert "complete_review" not in tasks_of(api, "sam")
    assert "complete_review" not in tasks_of(api, "mia")
    task = tasks_of(api, "max")["complete_review"]
    assert task["title"] == "Complete the review of Margaret Ellis's plan, written by mia"
    assert (task["role"], task["assignee"], task["due"]) == ("manager", None, "2026-11-27")
    assert api.as_("mia").post(f"/tasks/{task['id']}/claim").status == 403
    assert api.as_("max").fire(plan["id"], "complete_review").status == 200
    assert "complete_review" not in tasks_of(api, "max")


def test_a_review_rewritten_by_someone_else_follows_its_new_writer(api, app):
    plan = drafted(api)
    api.as_("max").fire(plan["id"], "approve")
    api.as_("sam").post(f"/plans/{plan['id']}/acknowledgements")
    api.as_("max").fire(plan["id"], "activate")
    tick(app, "2027-01-12T00:00")
    api.as_("mia").post(f"/plans/{plan['id']}/reviews", review_record())
    api.as_("max").post(f"/plans/{plan['id']}/reviews", review_record())
    assert "complete_review" in tasks_of(api, "mia")
    assert "complete_review" not in tasks_of(api, "max")


def test_hand_off_tasks_are_escalated_like_the_others(api, app):
    plan = drafted(api)
    api.as_("max").fire(plan["id"], "approve")
    tick(app, "2026-12-01T09:00")  # acknowledge_plan was due 23 November, follow-up 30th
    escalated = tasks_of(api, "mia")["acknowledge_plan.escalated"]
    assert escalated["title"] == ("Overdue since 23 November 2026: Read version 1 of "
                                  "Margaret Ellis's plan and confirm you have")
    api.as_("sam").post(f"/plans/{plan['id']}/acknowledgements")
    assert "acknowledge_plan.escalated" not in tasks_of(api, "mia")


def test_request_approval_warns_when_nobody_could_approve(api):
    plan = api.as_("mia").new_plan(api.as_("mia").new_person(), **plan_content())
    api.as_("max").edit(plan["id"], **plan_content(commissioned_hours_per_week=10))
    requested = api.as_("mia").fire(plan["id"], "request_approval")
    assert requested.status == 200, requested
    [warning] = requested.json["warnings"]
    assert warning["rule"] == "plan.approver-available"
    assert warning["detail"].startswith("no manager could approve it: max and mia authored or "
                                        "edited this version")
    assert "strengthwise user add-approver USERNAME --service riverside" in warning["detail"]
    assert "approve_plan" in tasks_of(api, "mia")


def test_request_approval_has_no_warning_when_someone_could_approve(api):
    plan = api.as_("sam").new_plan(api.as_("sam").new_person(), **plan_content())
    assert api.as_("sam").fire(plan["id"], "request_approval").json["warnings"] == []


def test_the_plan_document_says_where_it_is_waiting_and_for_whom(api, app):
    plan = api.as_("sam").new_plan(api.as_("sam").new_person(), **plan_content())
    note = lambda: api.as_("ada").get(f"/plans/{plan['id']}").json["status_note"]  # noqa: E731
    assert note() == {"kind": "drafting", "editors": ["sam"]}
    api.as_("sam").fire(plan["id"], "request_approval")
    assert note() == {"kind": "awaiting_approval", "since": "2026-11-20T09:00:00Z",
                      "by": "sam", "approvers": ["max", "mia"]}
    api.as_("mia").fire(plan["id"], "return_for_changes", comment="Add the lunch club")
    assert note() == {"kind": "returned", "comment": "Add the lunch club", "by": "mia",
                      "at": "2026-11-20T09:00:00Z"}
    api.as_("sam").fire(plan["id"], "request_approval")
    api.as_("max").fire(plan["id"], "approve")
    assert note() == {"kind": "awaiting_acknowledgement", "by": "sam", "version": 1}
    api.as_("sam").post(f"/plans/{plan['id']}/acknowledgements")
    assert note() == {"kind": "awaiting_activation", "acknowledged_by": "sam",
                      "at": "2026-11-20T09:00:00Z", "version": 1}
    api.as_("max").fire(plan["id"], "activate")
    assert note() is None
    tick(app, "2027-01-12T00:00")
    assert note() == {"kind": "awaiting_review", "by": "sam"}
    api.as_("sam").post(f"/plans/{plan['id']}/reviews", review_record())
    assert note() == {"kind": "awaiting_review_completion", "written_by": "sam",
                      "at": "2026-11-20T09:00:00Z"}
