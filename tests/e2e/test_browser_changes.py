"""In Chromium, at tablet and desktop widths: the audit trail shows changes beside steps, the
plan page links to what changed between versions, and the coach's advice sits on the draft."""
from datetime import timedelta

import pytest

from .conftest import screenshot

WIDTHS = (768, 1280)


@pytest.fixture
def revised_plan(live_server, tmp_path):
    """Margaret's plan: approved, active, reviewed and revised into an approved version 2 (a
    longer target), with a draft whose strength reads as a deficit."""
    from engine import Actor
    from engine.care import plans, reviews
    from engine.core.models import User
    from tests.helpers import plan_content, review_record
    from web import create_app
    from web.extensions import db

    app = create_app({"database_url": f"sqlite:///{tmp_path / 'browser.db'}"})
    engine = app.extensions["strengthwise"]
    with app.app_context():
        session = db.session
        sam, max_ = (Actor.of(session.query(User).filter_by(username=name).one())
                     for name in ("sam", "max"))
        person = plans.create_person(session, sam, "Margaret Ellis", "riverside", engine.now())
        start = engine.today().isoformat()
        review_on = (engine.today() + timedelta(days=30)).isoformat()
        content = plan_content(start_date=start, next_review_date=review_on)
        plan = plans.create_plan(session, engine, sam, person.id, content)
        engine.fire(session, "plan", plan.id, "approve", max_, version=plan.lock_version)
        plans.acknowledge(session, sam, plan.id, engine.now(), engine=engine)
        engine.fire(session, "plan", plan.id, "activate", max_, version=plan.lock_version)
        engine.fire(session, "plan", plan.id, "start_review", sam, version=plan.lock_version,
                    reason="Margaret asked to cook more often")
        reviews.write_review(session, sam, plan.id, review_record(
            decision="revise", next_review_date=review_on), engine.now(), engine=engine)
        engine.fire(session, "plan", plan.id, "revise", sam, version=plan.lock_version)
        revised = plan_content(start_date=start, next_review_date=review_on)
        revised["outcomes"][1]["target"] = "chooses seven meals for the week with Jo"
        plans.update_draft(session, sam, plan.id, revised, plan.lock_version, engine.now())
        engine.fire(session, "plan", plan.id, "approve", max_, version=plan.lock_version)
        plans.acknowledge(session, sam, plan.id, engine.now(), engine=engine)
        engine.fire(session, "plan", plan.id, "activate", max_, version=plan.lock_version)
        engine.fire(session, "plan", plan.id, "start_review", sam, version=plan.lock_version,
                    reason="A fall at home")
        reviews.write_review(session, sam, plan.id, review_record(
            decision="revise", next_review_date=review_on), engine.now(), engine=engine)
        engine.fire(session, "plan", plan.id, "revise", sam, version=plan.lock_version)
        draft = plan_content(start_date=start, next_review_date=review_on)
        draft["strengths"][0]["description"] = "Non-compliant about her morning routine"
        plans.update_draft(session, sam, plan.id, draft, plan.lock_version, engine.now())
        plan_id = plan.id
        db.session.remove()
        db.engine.dispose()
    return plan_id


def fits(page, width: int) -> bool:
    """Nothing makes the page scroll sideways at this width."""
    return page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", WIDTHS)
def test_the_trail_shows_changes_and_steps_at_tablet_and_desktop_widths(sign_in, revised_plan,
                                                                         width):
    ada = sign_in("ada", width=width)
    ada.goto(f"/plans/{revised_plan}/audit")
    trail = ada.locator("main").inner_text()
    for words in ("Draft saved", "Version acknowledged", "Review record saved", "Approve",
                  "strength 'Non-compliant about her morning routine': description changed"):
        assert words in trail, words
    assert fits(ada, width)
    screenshot(ada, f"20-trail-with-changes-{width}")
    ada.get_by_label("What happened").select_option("draft_saved")
    ada.get_by_role("button", name="Filter").click()
    assert "Approve" not in ada.locator("tbody").inner_text()


@pytest.mark.parametrize("width", WIDTHS)
def test_what_changed_between_versions_is_one_click_from_the_plan(sign_in, revised_plan,
                                                                   width):
    sam = sign_in("sam", width=width)
    sam.goto(f"/plans/{revised_plan}")
    assert "Language feedback on the strengths and outcomes" in sam.locator("main").inner_text()
    screenshot(sam, f"21-plan-with-draft-feedback-{width}")
    sam.get_by_role("link", name="What changed since version 1").click()
    changes = sam.locator("main").inner_text()
    assert "What changed in version 2 since version 1" in changes
    assert "Outcome 'Plans her weekly meals': target changed" in changes
    assert "chooses seven meals for the week with Jo" in changes
    assert fits(sam, width)
    screenshot(sam, f"22-version-changes-{width}")
