"""The whole relay in Chromium, each hand-off reached by clicking a task in the inbox: staff
draft and ask, a manager returns it with a comment, the author sees it and fixes it, another
ask, approval, the key worker acknowledges, a manager activates, a review is started, written
and completed from a manager's inbox, and the auditor reads it."""
import re
from datetime import date, timedelta

import pytest

from .conftest import accessibility_problems, screenshot

pytestmark = pytest.mark.slow


def open_task(page, title_starts: str):
    """Go to the inbox by its link and open the task whose title starts so."""
    page.get_by_role("link", name="Inbox", exact=True).click()
    page.get_by_role("link", name=re.compile("^" + re.escape(title_starts))).first.click()


def both_widths(page, name: str, axe):
    """Screenshots at a tablet's and a desktop's width, and axe-core at both."""
    for width in (768, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"{name}-{width}")
    assert accessibility_problems(page, axe) == [], name
    page.set_viewport_size({"width": 1024, "height": 900})


def test_every_hand_off_is_reached_from_the_inbox(sign_in, live_server, axe_path):
    today = date.today()
    sam = sign_in("sam")
    sam.set_default_timeout(10_000)
    sam.get_by_role("link", name="Plans", exact=True).click()
    sam.get_by_role("link", name="New person and plan").first.click()
    sam.get_by_label("The person's name").fill("Margaret Ellis")
    sam.get_by_role("button", name="Add and write the plan").click()
    sam.wait_for_url(re.compile(r"/plans/\d+/edit"))
    plan_path = sam.url.split("/edit")[0].replace(live_server, "")
    sam.get_by_label("Commissioned hours per week").fill("10")
    sam.get_by_label("Start date").fill(today.isoformat())
    sam.get_by_role("button", name="Add a strength").click()
    sam.locator("#strengths-0-description").fill("Strong preference for routine")
    sam.locator("#strengths-0-used_as").fill("The same order of steps every morning")
    sam.get_by_role("button", name="Add an outcome").click()
    sam.locator("#outcomes-0-statement").fill("Prepares her own breakfast")
    sam.locator("#outcomes-0-target").fill("breakfast with at most two prompts, five days a week")
    sam.locator("#outcomes-0-measure").fill("prompts per visit in the daily record")
    sam.locator("input[name='outcomes-0-strength_ids']").first.check()
    sam.get_by_role("button", name="Add an action").click()
    sam.locator("#actions-0-outcome_id").select_option("o1")
    sam.locator("#actions-0-description").fill("Coach each step; prompt only after a pause")
    sam.locator("#actions-0-when").fill("Morning visit")
    sam.locator("#actions-0-hours_per_week").fill("10")
    sam.locator("#actions-0-approach").select_option("coaching")
    sam.get_by_label("Next review date").fill((today + timedelta(days=30)).isoformat())
    sam.get_by_label("Key worker").select_option("sam")
    sam.get_by_label("The person's views, in their own words").fill(
        "I want to make my own breakfast again.")
    sam.get_by_label("Date they were involved").fill(today.isoformat())
    sam.get_by_label("The person gave their consent").check()
    sam.get_by_role("button", name="Save draft").first.click()
    sam.wait_for_url(f"**{plan_path}")
    sam.get_by_role("button", name="Request approval").first.click()
    assert "Waiting for approval" in sam.locator(".status-banner").inner_text()
    assert "Who could approve it: max, mia" in sam.locator(".status-banner").inner_text()

    # The manager opens the approval from the inbox and returns it with a comment.
    mia = sign_in("mia")
    mia.set_default_timeout(10_000)
    both_widths(mia, "20-inbox-manager", axe_path)
    open_task(mia, "Approve the plan for Margaret Ellis")
    mia.get_by_label("What needs to change?").fill("Say which breakfast she wants to make")
    mia.get_by_role("button", name="Return with comment").click()
    assert "Returned Margaret Ellis's plan" in mia.locator(".notice").first.inner_text()

    # The author sees it in the inbox, with the comment, and on the plan.
    sam.get_by_role("link", name="Inbox", exact=True).click()
    inbox = sam.locator("main").inner_text()
    assert "Waiting for you" in inbox and "Say which breakfast she wants to make" in inbox
    both_widths(sam, "21-inbox-returned", axe_path)
    open_task(sam, "Make the changes mia asked for")
    sam.wait_for_url(f"**{plan_path}/edit")
    sam.locator("#outcomes-0-statement").fill("Prepares her own porridge")
    sam.get_by_role("button", name="Save draft").first.click()
    sam.wait_for_url(f"**{plan_path}")
    banner = sam.locator(".status-banner").inner_text()
    assert "Returned for changes" in banner and "Say which breakfast" in banner
    both_widths(sam, "22-plan-returned", axe_path)
    sam.get_by_role("button", name="Request approval").first.click()

    # Approval, from the inbox again.
    open_task(mia, "Approve the plan for Margaret Ellis")
    mia.get_by_role("button", name="Approve", exact=True).click()
    assert "Approved Margaret Ellis's plan" in mia.locator(".notice").first.inner_text()

    # The key worker acknowledges from the inbox; a manager activates from theirs.
    open_task(sam, "Read version 1 of Margaret Ellis's plan")
    both_widths(sam, "23-plan-to-acknowledge", axe_path)
    # The next step is named once, at the top, with its one button.
    assert sam.get_by_role("button", name="I have read version 1").count() == 1
    sam.locator(".status-banner").get_by_role("button", name="I have read version 1").click()
    assert "you have read version 1" in sam.locator(".notice").first.inner_text()
    open_task(mia, "Activate Margaret Ellis's plan")
    both_widths(mia, "25-plan-to-activate", axe_path)
    assert mia.get_by_role("button", name="Activate", exact=True).count() == 1
    mia.locator(".status-banner").get_by_role("button", name="Activate", exact=True).click()
    assert "now active" in mia.locator(".notice").first.inner_text()

    # A daily record, then staff start a review and write it from the inbox.
    sam.goto(plan_path)
    sam.get_by_role("link", name="Write a daily record").click()
    sam.get_by_label("Observed strength").fill("Remembered the order of the steps")
    sam.get_by_label("Support provided").fill("One verbal prompt to check the hob")
    sam.get_by_label("Independence opportunity").fill("Try the hob check alone")
    sam.get_by_label("Next step").fill("Move the picture card by the kettle")
    sam.get_by_label("Number of prompts").fill("1")
    sam.get_by_label("With prompts").check()
    sam.get_by_role("button", name="Save record").click()
    sam.goto(plan_path)
    sam.locator("#start_review-reason").fill("Margaret asked to cook more often")
    sam.get_by_role("button", name="Start review").click()
    open_task(sam, "Write the review of Margaret Ellis's plan")
    sam.get_by_label("What has improved since the last review?").fill("Makes porridge most days")
    sam.get_by_label("What can the person now do with less support?").fill("The hob check")
    sam.get_by_label("What new strengths have staff or family noticed?").fill("Plans her shop")
    sam.get_by_label("What support could be adapted or reduced safely?").fill("Fewer prompts")
    sam.get_by_label("What outcome matters most to the person now?").fill("Cooking lunch")
    sam.locator("#took_part").check()           # Yes: she took part
    sam.locator("#how").check()                 # the first way: in person
    sam.get_by_label("Margaret's views, in their own words").fill(
        "I want to cook lunch on my own on Sundays.")
    sam.locator("#rating-o1").check()
    sam.locator("#evidence-o1").fill("Prompts fell from four to one")
    sam.locator("#decision").check()
    sam.locator("#next_review_date").fill((today + timedelta(days=200)).isoformat())
    sam.get_by_role("button", name="Save review").click()
    assert "Review saved" in sam.locator(".notice").first.inner_text()

    # A manager who did not write it completes it from their inbox.
    open_task(mia, "Complete the review of Margaret Ellis's plan, written by sam")
    mia.locator("#next-steps").get_by_role("button", name="Complete review").click()
    assert "active" in mia.locator(".notice").first.inner_text()

    # The auditor reads the completed review.
    ada = sign_in("ada")
    ada.set_default_timeout(10_000)
    ada.get_by_role("link", name="Plans", exact=True).click()
    ada.get_by_role("link", name="Margaret Ellis").click()
    ada.get_by_role("link", name="Reviews", exact=True).click()
    ada.get_by_role("link", name=re.compile("^Review 1")).click()
    page = ada.locator("main").inner_text()
    assert "Makes porridge most days" in page and "Prepares her own porridge" in page
    assert "Completed: the plan continues, by mia" in page
    both_widths(ada, "24-review-read", axe_path)
