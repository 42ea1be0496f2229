"""The web app's whole job, by clicking, in Chromium: staff draft, a manager approves from the
queue, the key worker acknowledges, the manager activates, an auditor reads and downloads the
trail; another service sees nothing; a form without its CSRF token is refused."""
import csv
import io
import re
from pathlib import Path

import pytest

from .conftest import screenshot

pytestmark = pytest.mark.slow


def fill_row(page, section: str, index: int, **fields):
    for name, value in fields.items():
        page.locator(f"#{section}-{index}-{name}").fill(str(value))


def test_a_plan_from_first_draft_to_active_by_clicking(sign_in, live_server):
    sam = sign_in("sam")
    sam.set_default_timeout(10_000)
    sam.get_by_role("link", name="Plans", exact=True).click()
    sam.get_by_role("link", name="New person and plan").first.click()
    sam.get_by_label("Name").fill("Margaret Ellis")
    sam.get_by_role("button", name="Add and write the plan").click()
    sam.wait_for_url(re.compile(r"/plans/\d+/edit"))
    plan_path = sam.url.split("/edit")[0].replace(live_server, "")
    screenshot(sam, "03-editor-empty")

    # A first, incomplete draft: the approve checklist names what is missing.
    sam.get_by_label("Commissioned hours per week").fill("10")
    sam.get_by_label("Start date").fill("2026-12-01")
    sam.get_by_role("button", name="Save draft").first.click()
    sam.wait_for_url(f"**{plan_path}")
    checklist = sam.locator("#transitions")
    assert "the plan has no outcomes" in checklist.inner_text()
    screenshot(sam, "04-plan-page-draft")

    # Fix it: strengths, an outcome built on one, an action with all the hours, involvement.
    sam.get_by_role("link", name="Edit the draft").first.click()
    sam.get_by_role("button", name="Add a strength").click()
    fill_row(sam, "strengths", 0, description="Strong preference for routine",
             used_as="The same order of steps every morning, on a picture card")
    sam.get_by_role("button", name="Add an outcome").click()
    fill_row(sam, "outcomes", 0, statement="Prepares her own breakfast",
             target="prepare breakfast with no more than two prompts, five days a week",
             measure="prompts per visit in the daily record")
    sam.locator("#outcomes-0-strength_ids-s1, input[name='outcomes-0-strength_ids']").first.check()
    sam.get_by_role("button", name="Add an action").click()
    sam.locator("#actions-0-outcome_id").select_option("o1")
    fill_row(sam, "actions", 0, description="Coach each step; prompt only after a pause",
             when="Morning visit", hours_per_week=10)
    sam.locator("#actions-0-approach").select_option("coaching")
    sam.get_by_label("Next review date").fill("2027-01-12")
    sam.get_by_label("Key worker").select_option("sam")
    sam.get_by_label("The person's views, in their own words").fill(
        "I want to make my own breakfast again.")
    sam.get_by_label("Date they were involved").fill("2026-11-18")
    sam.get_by_label("The person gave their consent").check()
    balance = sam.locator("[data-hours-balance]").inner_text()
    assert "10 of 10 commissioned hours allocated" in balance
    screenshot(sam, "05-editor-filled")
    sam.get_by_role("button", name="Save draft").first.click()
    sam.wait_for_url(f"**{plan_path}")
    sam.get_by_role("button", name="Request approval").first.click()
    assert "Approval requested" in sam.locator(".notice").first.inner_text()

    # The manager approves from the approvals queue.
    mia = sign_in("mia")
    mia.set_default_timeout(10_000)
    mia.get_by_role("link", name="Approvals").click()
    assert "Margaret Ellis" in mia.locator("main").inner_text()
    screenshot(mia, "06-approvals-queue")
    mia.get_by_role("button", name="Approve", exact=True).click()
    assert "No plans are waiting for your approval." in mia.locator("main").inner_text()

    # The key worker acknowledges the approved version; then the manager activates.
    sam.goto(plan_path)
    sam.get_by_role("button", name="I have read version 1").first.click()
    mia.goto(plan_path)
    screenshot(mia, "07-plan-page-approved")
    mia.get_by_role("button", name="Activate").first.click()
    assert "now active" in mia.locator(".notice").first.inner_text()

    # The auditor reads the trail and downloads it.
    ada = sign_in("ada")
    ada.set_default_timeout(10_000)
    ada.goto(plan_path + "/audit")
    trail = ada.locator("main").inner_text()
    for step in ("Request approval", "Approve", "Activate"):
        assert step in trail
    screenshot(ada, "08-audit-trail")
    with ada.expect_download() as download:
        ada.get_by_role("link", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    steps = [(r["actor"], r["transition"], r["outcome"]) for r in rows
             if r["action"] == "transition"]
    assert steps[-3:] == [
        ("sam", "request_approval", "advanced"), ("mia", "approve", "advanced"),
        ("mia", "activate", "advanced")]

    # Someone from another service finds nothing there.
    oli = sign_in("oli")
    response = oli.goto(plan_path)
    assert response.status == 404 and "Page not found" in oli.locator("h1").inner_text()

    # A form posted without its CSRF token is refused and changes nothing.
    forged = sam.request.post(f"{live_server}{plan_path}/transitions/close",
                              form={"version": "99", "reason": "forged"})
    assert forged.status == 400
    sam.goto(plan_path)
    assert "Active" in sam.locator("main").inner_text()
