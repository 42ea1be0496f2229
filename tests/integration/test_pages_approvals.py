"""The approvals queue: plans waiting for a manager, approved or returned with a comment."""
import re

from engine.core.models import Task
from tests.helpers import Browser, plan_content
from web.extensions import db


def requested(api, who="sam", name="Margaret Ellis", service="riverside", **content) -> dict:
    """A complete draft by `who`, with approval requested."""
    author = api.as_(who)
    plan = author.new_plan(author.new_person(name, service), **plan_content(**content))
    assert author.fire(plan["id"], "request_approval").status == 200
    return plan


def card(page, plan_id: int) -> str:
    """The queue's entry for one plan."""
    match = re.search(rf'<article[^>]*aria-labelledby="approval-{plan_id}-title".*?</article>',
                      page.html, re.S)
    assert match, f"plan {plan_id} is not in the queue"
    return match.group(0)


def approval_tasks(app, plan_id: int) -> list[str]:
    with app.app_context():
        return [task.status for task in db.session.query(Task).filter_by(
            subject_id=plan_id, kind="approve_plan")]


def test_a_manager_sees_the_requested_plan_with_who_drafted_it_and_the_checklist(api, app):
    plan = requested(api)
    api.as_("sue").edit(plan["id"], **plan_content(key_worker="sue"))
    page = Browser(app, "mia").get("/approvals")
    assert page.status == 200 and "<title>Approvals — strengthwise</title>" in page
    entry = card(page, plan["id"])
    assert "Margaret Ellis" in entry and "sam, sue" in entry
    assert "20 November 2026 by sam" in entry and "27 November 2026" in entry
    assert "11 of 11 rules met" in entry and entry.count('class="passed"') == 11
    assert f'action="/approvals/{plan["id"]}/approve"' in entry
    assert not re.search(r"<button[^>]*disabled", entry)


def test_the_queue_lists_the_earliest_due_first_and_flags_overdue_plans(api, app, clock):
    first = requested(api, name="Margaret Ellis")
    clock.advance(days=3)
    second = requested(api, name="Dev Kumar")
    clock.advance(days=6)
    page = Browser(app, "mia").get("/approvals")
    assert page.html.index("Dev Kumar") > page.html.index("Margaret Ellis")
    assert "Overdue" in card(page, first["id"]) and "Overdue" not in card(page, second["id"])


def test_approving_from_the_queue_approves_the_plan_and_empties_the_queue(api, app):
    plan = requested(api)
    mia = Browser(app, "mia")
    version = re.search(r'name="version" value="(\d+)"', card(mia.get("/approvals"), plan["id"]))
    done = mia.post(f"/approvals/{plan['id']}/approve", {"version": version.group(1)},
                    csrf_from="/approvals")
    assert done.status == 302 and done.location == "/approvals"
    page = mia.get("/approvals")
    assert "Approved Margaret Ellis&#39;s plan: version 1 is now in force." in page
    assert "No plans are waiting for your approval." in page
    assert api.as_("mia").get(f"/plans/{plan['id']}").json["state"] == "approved"
    assert approval_tasks(app, plan["id"]) == ["done"]


def test_a_manager_who_edited_the_draft_sees_approve_disabled_with_the_reason(api, app):
    plan = requested(api, who="mia")
    page = Browser(app, "mia").get("/approvals")
    entry = card(page, plan["id"])
    assert re.search(r'<button type="submit" class="button" disabled[^>]*>Approve</button>',
                     entry)
    assert "mia authored or edited this version" in entry
    assert "10 of 11 rules met" in entry and "<details class=\"rules\" open>" in entry
    other = card(Browser(app, "max").get("/approvals"), plan["id"])
    assert "11 of 11 rules met" in other


def test_a_blocked_approval_flashes_the_failing_rules(api, app):
    plan = requested(api, who="mia")
    mia = Browser(app, "mia")
    mia.post(f"/approvals/{plan['id']}/approve", csrf_from="/approvals")
    page = mia.get("/approvals")
    assert re.search(r'class="notice notice-error"[^>]*>Margaret Ellis&#39;s plan was not '
                     r"approved: mia authored or edited this version\.", page.html)


def test_a_plan_edited_after_the_page_was_loaded_is_not_approved(api, app):
    plan = requested(api)
    mia = Browser(app, "mia")
    stale = re.search(r'name="version" value="(\d+)"', card(mia.get("/approvals"), plan["id"]))
    api.as_("sam").edit(plan["id"], **plan_content(commissioned_hours_per_week=12))
    mia.post(f"/approvals/{plan['id']}/approve", {"version": stale.group(1)},
             csrf_from="/approvals")
    page = mia.get("/approvals")
    assert "changed after this page was loaded" in page
    assert api.as_("mia").get(f"/plans/{plan['id']}").json["state"] == "draft"


def test_returning_a_plan_needs_a_comment(api, app):
    plan = requested(api)
    page = Browser(app, "mia").post(f"/approvals/{plan['id']}/return", {"comment": "  "},
                                    csrf_from="/approvals")
    assert page.status == 422 and "<title>Error: Approvals — strengthwise</title>" in page
    assert f'href="#comment-{plan["id"]}"' in page
    assert f'id="comment-{plan["id"]}-error"' in page
    assert approval_tasks(app, plan["id"]) == ["open"]


def test_returning_with_a_comment_closes_the_task_and_the_plan_leaves_the_queue(api, app):
    plan = requested(api)
    mia = Browser(app, "mia")
    done = mia.post(f"/approvals/{plan['id']}/return",
                    {"comment": "Say when Jo joins the Sunday call"}, csrf_from="/approvals")
    assert done.status == 302
    page = mia.get("/approvals")
    assert "Returned Margaret Ellis&#39;s plan to its authors" in page
    assert "No plans are waiting for your approval." in page
    assert approval_tasks(app, plan["id"]) == ["done"]
    event = api.as_("ada").get(f"/plans/{plan['id']}/audit").json["events"][-1]
    assert (event["transition"], event["outcome"], event["comment"], event["actor"]) == (
        "return_for_changes", "advanced", "Say when Jo joins the Sunday call", "mia")
    assert api.as_("mia").get(f"/plans/{plan['id']}").json["state"] == "draft"


def test_staff_and_auditors_get_the_forbidden_page(api, app):
    plan = requested(api)
    for who in ("sam", "ada"):
        browser = Browser(app, who)
        page = browser.get("/approvals")
        assert page.status == 403 and "You cannot do that" in page, who
        posted = browser.post(f"/approvals/{plan['id']}/approve", csrf_from="/inbox")
        assert posted.status == 403, who
    assert api.as_("mia").get(f"/plans/{plan['id']}").json["state"] == "draft"


def test_another_services_plan_is_not_in_the_queue_and_is_not_found(api, app):
    plan = requested(api)
    nina = Browser(app, "nina")
    assert "No plans are waiting for your approval." in nina.get("/approvals")
    for action in ("approve", "return"):
        page = nina.post(f"/approvals/{plan['id']}/{action}", {"comment": "no"},
                         csrf_from="/approvals")
        assert page.status == 404 and "Page not found" in page, action
    assert approval_tasks(app, plan["id"]) == ["open"]


def test_an_approval_posted_without_the_csrf_token_is_rejected(api, app):
    plan = requested(api)
    browser = Browser(app, "mia")
    raw = browser.client.post(f"/approvals/{plan['id']}/approve", data={"version": "1"})
    assert raw.status_code == 400
    assert api.as_("mia").get(f"/plans/{plan['id']}").json["state"] == "draft"
