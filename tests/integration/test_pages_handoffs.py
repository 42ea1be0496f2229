"""The hand-offs on the pages: the inbox in groups, each task linking to where its step is
taken, and the plan page saying where it is waiting and what this user does next."""
from tests.helpers import Browser, plan_content


def returned_plan(api):
    plan = api.as_("sam").new_plan(api.as_("sam").new_person(), **plan_content())
    api.as_("sam").fire(plan["id"], "request_approval")
    api.as_("mia").fire(plan["id"], "return_for_changes", comment="Say who Jo is to Margaret")
    return plan


def test_a_returned_draft_waits_for_its_author_in_the_inbox_with_the_comment(app, api):
    plan = returned_plan(api)
    page = Browser(app, "sam").get("/inbox")
    assert "Waiting for you" in page
    assert "Make the changes mia asked for in Margaret Ellis&#39;s plan" in page
    assert "Say who Jo is to Margaret" in page
    assert f'href="/plans/{plan["id"]}/edit"' in page
    assert "Make the changes" not in Browser(app, "sue").get("/inbox")


def test_the_plan_page_shows_the_returned_comment_and_the_authors_next_step(app, api):
    plan = returned_plan(api)
    page = Browser(app, "sam").get(f"/plans/{plan['id']}")
    assert "Returned for changes" in page and "Say who Jo is to Margaret" in page
    assert "Your next step:" in page and "Edit the draft" in page
    assert "Your next step:" not in Browser(app, "ada").get(f"/plans/{plan['id']}")


def test_the_managers_unclaimed_approval_links_to_the_approvals_queue(app, api):
    plan = api.as_("sam").new_plan(api.as_("sam").new_person(), **plan_content())
    api.as_("sam").fire(plan["id"], "request_approval")
    page = Browser(app, "mia").get("/inbox")
    assert "Your team&#39;s, unclaimed" in page
    assert f'href="/approvals#approval-{plan["id"]}"' in page
    shown = Browser(app, "sam").get(f"/plans/{plan['id']}")
    assert "Who could approve it: max, mia" in shown


def test_the_key_worker_acknowledges_from_the_banner_and_activation_reaches_managers(app, api):
    plan = api.as_("sam").new_plan(api.as_("sam").new_person(), **plan_content())
    api.as_("max").fire(plan["id"], "approve")
    sam = Browser(app, "sam")
    inbox = sam.get("/inbox")
    assert f'href="/plans/{plan["id"]}#status-title"' in inbox
    page = sam.get(f"/plans/{plan['id']}")
    assert page.html.count(">I have read version 1</button>") == 1  # once: at the top
    done = sam.post(f"/plans/{plan['id']}/acknowledge", csrf_from=f"/plans/{plan['id']}")
    assert done.status == 302
    mia = Browser(app, "mia").get("/inbox")
    assert "Activate Margaret Ellis&#39;s plan: sam has read version 1" in mia
    assert f'href="/plans/{plan["id"]}#status-title"' in mia
    shown = Browser(app, "mia").get(f"/plans/{plan['id']}").html
    assert shown.count(">Activate</button>") == 1 and "This is your next step" in shown
