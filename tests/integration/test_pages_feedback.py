"""Feedback pages: record feedback from the person's page, the service's list, a complaint taken
from received to closed with its forms, the inbox linking there, and scope."""
import re

import pytest

from tests.helpers import Browser, active_plan

ACK = "Phoned Jo on 20 November, apologised, said we would write by 18 December."
RESPONSE = "Wrote to Jo: the rota change was not passed on, and we are sorry."
CHANGED = "Rota changes are now phoned to Margaret and Jo the same day by the coordinator."


@pytest.fixture
def plan(api):
    return active_plan(api)


def record(browser, person_id, **fields):
    data = {"received_on": "2026-11-20", "source": "family", "kind": "complaint",
            "from_whom": "Jo, her daughter",
            "text": "Nobody told Mum the Tuesday visit was cancelled.", **fields}
    return browser.post(f"/people/{person_id}/feedback", data)


def complaint_id(page) -> int:
    return int(re.search(r"/feedback/(\d+)$", page.location).group(1))


def test_the_person_page_offers_the_form_with_real_choices(app, users, plan):
    page = Browser(app, "sam").get(f"/people/{plan['person_id']}/feedback")
    assert page.status == 200
    for label in ("Compliment", "Concern", "Complaint", "Suggestion", "Family or a friend",
                  "An advocate", "The person themselves"):
        assert label in page
    assert 'type="radio"' in page and 'type="date"' in page


def test_a_compliment_recorded_on_the_page_shows_there_and_on_the_plan(app, users, plan):
    browser = Browser(app, "sam")
    page = record(browser, plan["person_id"], kind="compliment",
                  text="Thank you for helping Mum make her own breakfast again.")
    assert page.status == 302
    page = browser.get(page.location)
    assert "is recorded" in page
    assert "Thank you for helping Mum make her own breakfast again." in page
    assert "received 20 November 2026" in page
    plan_page = browser.get(f"/plans/{plan['id']}")
    assert "What Margaret Ellis and their family said" in plan_page
    assert "Thank you for helping Mum" in plan_page


def test_bad_feedback_on_the_page_lists_each_problem_and_records_nothing(app, users, plan):
    browser = Browser(app, "sam")
    page = record(browser, plan["person_id"], kind="", text=" ", received_on="2026-12-25")
    assert page.status == 422
    assert "There is a problem" in page
    assert 'href="#kind"' in page and 'href="#text"' in page
    assert "Choose what kind of feedback it is" in page and "Write what they said" in page
    assert "No feedback recorded yet." in page
    page = record(browser, plan["person_id"], received_on="2026-12-25")
    assert page.status == 422
    assert "25 December 2026 is after today, 20 November 2026" in page


def test_a_complaint_is_taken_to_closed_through_its_page(app, users, plan):
    staff = Browser(app, "sam")
    page = record(staff, plan["person_id"])
    assert page.status == 302
    ident = complaint_id(page)
    page = staff.get(page.location)
    assert "acknowledge it by 23 November 2026" in page
    assert "A manager of" in page  # staff see where it stands, not the steps

    manager = Browser(app, "mia")
    inbox = manager.get("/inbox")
    assert f'href="/feedback/{ident}#next-step"' in inbox
    assert "Acknowledge the complaint from Jo, her daughter (family)" in inbox

    here = f"/feedback/{ident}"
    page = manager.post(f"{here}/transitions/acknowledge", {"version": 1, "acknowledgement": ""},
                        csrf_from=here)
    page = manager.get(page.location.split("#")[0])
    assert "Not done yet — no acknowledgement is recorded" in page
    page = manager.post(f"{here}/transitions/acknowledge", {"version": 1, "acknowledgement": ACK},
                        csrf_from=here)
    page = manager.get(page.location)
    assert "Acknowledged. Respond by 18 December 2026." in page and ACK in page

    page = manager.post(f"{here}/transitions/respond",
                        {"version": 2, "response": RESPONSE, "finding": "upheld"},
                        csrf_from=here)
    page = manager.get(page.location)
    assert "Response recorded." in page and RESPONSE in page and "Upheld" in page

    page = manager.post(f"{here}/transitions/close", {"version": 3, "what_changed": "fixed"},
                        csrf_from=here)
    page = manager.get(page.location.split("#")[0])
    assert "does not name what changed" in page
    page = manager.post(f"{here}/transitions/close", {"version": 3, "what_changed": CHANGED},
                        csrf_from=here)
    page = manager.get(page.location)
    assert "Complaint closed" in page and CHANGED in page
    assert "This complaint is closed." in page
    assert f"/feedback/{ident}" not in manager.get("/inbox").html


def test_the_service_list_shows_open_complaints_with_their_deadlines(app, users, plan):
    record(Browser(app, "sam"), plan["person_id"])
    page = Browser(app, "mia").get("/feedback?service=riverside")
    assert page.status == 200
    assert "Complaints still open (1)" in page
    assert "acknowledge by 23 November 2026" in page
    assert "Feedback" in Browser(app, "mia").get("/inbox")  # in the managers' navigation


def test_an_overdue_complaint_says_so_on_its_page(app, users, plan, clock):
    page = record(Browser(app, "sam"), plan["person_id"], received_on="2026-11-10")
    ident = complaint_id(page)
    page = Browser(app, "mia").get(f"/feedback/{ident}")
    assert "Acknowledgement overdue:" in page
    assert "should have been acknowledged by 13 November 2026" in page
    assert "Acknowledgement overdue" in Browser(app, "mia").get("/feedback")
    inbox = Browser(app, "mia").get("/inbox").html
    row = re.search(r'<a href="/feedback/%d#next-step">([^<]*)</a>\s*(<span[^>]*>[^<]*</span>)?'
                    % ident, inbox)
    assert row and "Acknowledge the complaint" in row.group(1) and "Overdue" in row.group(2)


def test_feedback_outside_your_service_is_the_not_found_page(app, users, plan):
    ident = complaint_id(record(Browser(app, "sam"), plan["person_id"]))
    outsider = Browser(app, "nina")
    for path in (f"/feedback/{ident}", f"/people/{plan['person_id']}/feedback"):
        page = outsider.get(path)
        assert page.status == 404 and "Page not found" in page
    assert outsider.get("/feedback/999999").status == 404


def test_the_review_form_lists_the_feedback_received_since_the_last_review(app, api, users,
                                                                           clock):
    from datetime import datetime, timezone

    from engine.core.sweep import sweep
    from tests.helpers import AGREES, daily_record, review_record
    from web.extensions import db

    def at(text):
        return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)

    def said(day, kind, text):
        clock.set(at(f"{day}T10:00"))
        body = {"received_on": day, "source": "family", "kind": kind, "text": text}
        assert api.as_("sam").post(f"/people/{person}/feedback", body).status == 201

    plan = active_plan(api)  # starts 1 December 2026; its review falls due 12 January 2027
    person = plan["person_id"]
    said("2026-11-20", "compliment", "Lovely welcome visit before the plan began.")
    for outcome in ("o1", "o2"):
        clock.set(at("2026-12-05T18:00"))
        assert api.as_("sam").post(f"/plans/{plan['id']}/records",
                                   daily_record(outcome, day="2026-12-05")).status == 201
    with app.app_context():
        sweep(app.extensions["strengthwise"], db.session, at("2027-01-12T00:00"))
        db.session.remove()
    clock.set(at("2027-01-12T10:00"))
    page = Browser(app, "sam").get(f"/plans/{plan['id']}/review")
    # The first review reads everything said so far.
    assert "What Margaret Ellis and their family said so far" in page
    assert "Lovely welcome visit before the plan began." in page

    assert api.as_("sam").post(f"/plans/{plan['id']}/reviews",
                               review_record(agreement=AGREES)).status == 201
    assert api.as_("max").fire(plan["id"], "complete_review").status == 200
    said("2027-01-20", "suggestion", "Mum would like to try the bus to the lunch club.")
    assert api.as_("sam").fire(plan["id"], "start_review",
                               reason="Jo asked for a review of the lunch club plan").status \
        == 200
    page = Browser(app, "sam").get(f"/plans/{plan['id']}/review")
    assert "What Margaret Ellis and their family said since 12 January 2027" in page
    assert "Mum would like to try the bus to the lunch club." in page
    assert "Lovely welcome visit" not in page


def test_a_complaints_trail_gives_its_times_where_the_service_is(app, users, plan, clock):
    """Recorded at 18:30 UTC on 1 June, the trail says 19:30 (London, BST), as every other
    trail does, not UTC."""
    from datetime import datetime, timezone
    clock.set(datetime(2026, 6, 1, 18, 30, tzinfo=timezone.utc))
    staff = Browser(app, "sam")
    page = staff.get(record(staff, plan["person_id"], received_on="2026-06-01").location)
    assert "1 June 2026 at 19:30" in page
    assert "(UTC)" not in page and "18:30" not in page
