"""A completed review can be read by everyone who reads the plan, through the API and a page;
an admin reads no care records at all (SPEC §1)."""
from datetime import datetime, timezone

from engine.core.sweep import sweep
from tests.helpers import Browser, active_plan, add_admin, daily_record, review_record
from web.extensions import db


def completed_review(api, app):
    plan = active_plan(api)
    for outcome in ("o1", "o2"):
        api.as_("sam").post(f"/plans/{plan['id']}/records", daily_record(outcome))
    with app.app_context():
        sweep(app.extensions["strengthwise"], db.session,
              datetime(2027, 1, 12, tzinfo=timezone.utc))
        db.session.remove()
    assert api.as_("sam").post(f"/plans/{plan['id']}/reviews", review_record()).status == 201
    assert api.as_("mia").fire(plan["id"], "complete_review").status == 200
    return plan


def test_every_role_that_reads_the_plan_lists_its_reviews_newest_first(api, app):
    plan = completed_review(api, app)
    for who in ("sam", "sue", "mia", "ada"):
        response = api.as_(who).get(f"/plans/{plan['id']}/reviews")
        assert response.status == 200, (who, response)
        [review] = response.json["reviews"]
        assert (review["author"], review["completed"], review["completed_by"],
                review["closed_by"]) == ("sam", True, "mia", "complete_review")
        assert review["improved"] == "Makes her own breakfast most days"
    assert api.as_("oli").get(f"/plans/{plan['id']}/reviews").status == 404


def test_the_auditor_reads_a_completed_review_on_its_own_page(api, app):
    plan = completed_review(api, app)
    ada = Browser(app, "ada")
    listing = ada.get(f"/plans/{plan['id']}/reviews")
    assert listing.status == 200 and "Review 1" in listing
    [review] = api.as_("ada").get(f"/plans/{plan['id']}/reviews").json["reviews"]
    page = ada.get(f"/plans/{plan['id']}/reviews/{review['id']}")
    assert page.status == 200
    for words in ("Makes her own breakfast most days", "Prepares her own breakfast",
                  "Progressing", "Scald from the kettle", "Written by", "sam",
                  "Completed: the plan continues, by mia"):
        assert words in page, words
    assert f"/plans/{plan['id']}/reviews" in ada.get(f"/plans/{plan['id']}")
    assert ada.get(f"/plans/{plan['id']}/reviews/9999").status == 404


def test_an_admin_reads_no_care_records(api, app, clock):
    plan = active_plan(api)
    token = add_admin(app, clock.now())
    headers = {"Authorization": f"Bearer {token}"}
    for path in (f"/plans/{plan['id']}", f"/plans/{plan['id']}/reviews",
                 f"/plans/{plan['id']}/records", f"/people/{plan['person_id']}"):
        response = api.client.get("/api/v1" + path, headers=headers)
        assert response.status_code == 404, path
        assert response.get_json()["error"] == "not_found"
    assert api.client.get("/api/v1/plans", headers=headers).get_json() == {"plans": []}
    assert api.client.get("/api/v1/people", headers=headers).get_json() == {"people": []}
    assert api.client.get("/api/v1/tasks", headers=headers).get_json() == {"tasks": []}
    governance = api.client.get("/api/v1/reports/governance?service=riverside", headers=headers)
    assert governance.status_code == 200  # aggregate reports stay
    ann = Browser(app)
    ann.sign_in("ann")
    assert ann.get(f"/plans/{plan['id']}").status == 404
    assert ann.get("/admin/users").status == 200
