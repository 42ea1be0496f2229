"""The learning loop in Chromium: sam writes a daily record describing a fall, is offered an
incident report filled in from it and sends it; a manager reviews and closes it from the
incidents list, and sees that the plan's review was opened."""
import copy
import re
from datetime import date, timedelta

import pytest

from tests.helpers import plan_content

from .conftest import SCREENSHOTS, _prepare_database, password_of, screenshot, serving

pytestmark = pytest.mark.slow


def active_plan_in(url: str) -> int:
    """Margaret's plan, approved by mia, read by sam and activated: through the engine."""
    from engine import Actor
    from engine.care.plans import acknowledge, create_person, create_plan
    from engine.core.models import User
    from web import create_app
    from web.api.schemas import PlanContentSchema
    from web.extensions import db

    today = date.today()
    content = copy.deepcopy(plan_content(
        start_date=today.isoformat(), next_review_date=(today + timedelta(days=30)).isoformat()))
    content["involvement"]["involved_on"] = today.isoformat()
    content["risks"].append({
        "id": "r2", "description": "The front door is alarmed at night",
        "why_proportionate": "The least restrictive way to know she has gone out in the dark",
        "monitoring": "Each time the alarm sounds and how Margaret feels about it",
        "escalation": "Two night-time exits in a week: review with her daughter",
        "restrictive": True, "justification": "Best-interests decision with Claire and the GP",
        "review_date": (today + timedelta(days=14)).isoformat()})
    app = create_app({"database_url": url})
    with app.app_context():
        engine = app.extensions["strengthwise"]
        users = {u.username: Actor.of(u) for u in db.session.query(User)}
        person = create_person(db.session, users["sam"], "Margaret Ellis", "riverside",
                               engine.now())
        plan = create_plan(db.session, engine, users["sam"], person.id,
                           PlanContentSchema().load(content))
        engine.fire(db.session, "plan", plan.id, "approve", users["mia"])
        acknowledge(db.session, users["sam"], plan.id, engine.now(), engine=engine)
        engine.fire(db.session, "plan", plan.id, "activate", users["mia"])
        ident = plan.id
        db.session.remove()
        db.engine.dispose()
    return ident


@pytest.fixture
def world(tmp_path, playwright_browser):
    url = f"sqlite:///{tmp_path / 'browser.db'}"
    _prepare_database(url)
    plan_id = active_plan_in(url)
    contexts = []
    with serving(url) as base:
        def open_as(username: str):
            context = playwright_browser.new_context(viewport={"width": 1024, "height": 900},
                                                     base_url=base)
            contexts.append(context)
            page = context.new_page()
            page.set_default_timeout(10_000)
            page.goto("/login")
            page.get_by_label("Username").fill(username)
            page.get_by_label("Password").fill(password_of(username))
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/inbox")
            return page
        yield open_as, plan_id
        for context in contexts:
            context.close()


def both_widths(page, name: str):
    for width in (768, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(300)  # let the page lay itself out at the new width
        screenshot(page, f"{name}-{width}")
    page.set_viewport_size({"width": 1024, "height": 900})


def test_an_incident_offered_by_a_daily_record_is_reported_reviewed_and_closed(world):
    open_as, plan_id = world
    sam = open_as("sam")
    sam.goto(f"/plans/{plan_id}/records/new")
    sam.locator("#outcome_id").select_option("o1")
    sam.get_by_label("Observed strength").fill("Told me exactly where it hurt and why")
    sam.get_by_label("Support provided").fill("Stayed with her and rang her daughter")
    sam.get_by_label("Independence opportunity").fill("She chose to sit in her own chair")
    sam.get_by_label("Next step").fill("Ask the OT about a grab rail in the hall")
    sam.locator("#prompts").fill("0")
    sam.locator("input[name='completion'][value='not_done']").check()
    sam.locator("#note").fill("Margaret fell in the hall before breakfast; found on the floor, "
                              "talking and not hurt.")
    sam.get_by_role("button", name="Save record").click()
    sam.wait_for_load_state()
    assert "/new" not in sam.url, sam.inner_text("main")[:600]
    sam.wait_for_url(re.compile(r"/records/\d+$"))
    offer = sam.get_by_role("complementary").filter(has_text="reported as an incident")
    assert "describes a fall" in offer.inner_text()
    both_widths(sam, "incident-01-record-offer")

    sam.get_by_role("link", name="Report an incident").click()
    sam.wait_for_url(re.compile(r"/incidents/new"))
    assert sam.get_by_label("What happened", exact=True).input_value() == "fall"
    assert "found on the floor" in sam.get_by_label("What happened, in your own words") \
        .input_value()
    sam.get_by_label("How serious").select_option("moderate")
    sam.get_by_label("What was done at once to keep them safe").fill(
        "Checked her for injury, helped her into her chair and rang the GP for advice.")
    sam.get_by_label("Who was told").fill("daughter, GP")
    both_widths(sam, "incident-02-report-form")
    sam.get_by_role("button", name="Report the incident").click()
    sam.wait_for_url(re.compile(r"/incidents/\d+$"))
    assert "The plan's review has been started" in sam.content() or \
        "review has been started" in sam.inner_text("main")
    incident_path = sam.url.split(sam.url.split("/incidents/")[0])[1]
    both_widths(sam, "incident-03-reported")

    mia = open_as("mia")
    mia.get_by_role("link", name="Incidents", exact=True).click()
    mia.get_by_role("link", name=re.compile(r"at \d\d:\d\d")).first.click()
    mia.wait_for_url(f"**{incident_path}")
    mia.locator("#family_informed-yes").check()
    mia.locator("#review-comment").fill("Claire knows; GP advised no visit needed.")
    mia.get_by_role("button", name="Review the incident").click()
    assert "Review the incident: done" in mia.inner_text("main")
    mia.locator("#learning").fill("The hall rug has gone and a night light is on the landing; "
                                  "the falls risk in the plan is reviewed at the review now open.")
    both_widths(mia, "incident-04-close-form")
    mia.get_by_role("button", name="Close the incident").click()
    assert "Close the incident: done" in mia.inner_text("main")
    assert "The hall rug has gone" in mia.inner_text("main")
    both_widths(mia, "incident-05-closed")

    mia.goto(f"/plans/{plan_id}")
    main = mia.inner_text("main")
    assert "Incidents since the last review" in main
    assert "Review due" in main
    both_widths(mia, "incident-06-plan-review-opened")
    for width in (768, 1280):  # the plan page is long: the incidents panel on its own too
        mia.set_viewport_size({"width": width, "height": 900})
        mia.wait_for_timeout(300)
        mia.locator("#incidents").screenshot(
            path=str(SCREENSHOTS / f"incident-06b-plan-incidents-{width}.png"))
    mia.goto(f"/plans/{plan_id}/review")
    assert "Incidents since the last review (1)" in mia.inner_text("main")
    both_widths(mia, "incident-07-review-form")
    mia.get_by_role("link", name="Restrictions", exact=True).click()
    assert "The front door is alarmed at night" in mia.inner_text("main")
    mia.get_by_role("button", name="Review it now").click()
    mia.locator("select[id^='decision-']").select_option("reduce")
    mia.locator("textarea[id^='reason-']").fill("No night-time exits for a month; Margaret "
                                                "asked for the alarm to be switched off.")
    mia.locator("textarea[id^='reduced-']").fill("The alarm sounds only between midnight "
                                                 "and 6am.")
    mia.get_by_role("button", name="Record the review").click()
    assert "Restriction reviewed: Reduce recorded." in mia.inner_text("main")
    assert "The alarm sounds only between midnight and 6am." in mia.inner_text("main")
    both_widths(mia, "incident-09-register")
    mia.goto("/incidents?service=riverside")
    both_widths(mia, "incident-10-list")
    sam.goto(incident_path)
    sam.locator(".crumbs a").click()  # the person's page, with their incidents
    assert "The hall rug has gone" in sam.inner_text("main")
    both_widths(sam, "incident-11-person")
    mia.goto("/governance?service=riverside")
    assert "Incidents per month" in mia.inner_text("main") or \
        mia.locator("#chart-incidents-month-title").count() == 1
    both_widths(mia, "incident-08-governance")
