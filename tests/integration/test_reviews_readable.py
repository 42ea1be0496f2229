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


def test_a_person_is_more_than_a_name_and_a_service(api):
    created = api.as_("sam").post("/people", {
        "name": "Margaret Ellis", "service": "riverside", "preferred_name": "Peggy",
        "date_of_birth": "1941-03-02", "nhs_number": "943 476 5919"})
    assert created.status == 201, created
    assert (created.json["preferred_name"], created.json["date_of_birth"],
            created.json["nhs_number"], created.json["warnings"]) == (
        "Peggy", "1941-03-02", "9434765919", [])
    assert api.as_("sam").get(f"/people/{created.json['id']}").json["nhs_number"] == "9434765919"


def test_an_nhs_number_with_a_wrong_check_digit_is_refused_clearly(api):
    refused = api.as_("sam").post("/people", {"name": "Ann Other", "service": "riverside",
                                              "nhs_number": "9434765918"})
    assert refused.status == 422 and refused.json["error"] == "invalid"
    assert "check digit" in refused.json["details"]["nhs_number"][0]


def test_a_second_person_with_the_same_name_and_birthday_is_created_with_a_warning(api):
    person = {"name": "Margaret Ellis", "service": "riverside", "date_of_birth": "1941-03-02"}
    first = api.as_("sam").post("/people", person)
    second = api.as_("sam").post("/people", person)
    assert second.status == 201
    [warning] = second.json["warnings"]
    assert warning == (f"Margaret Ellis (person {first.json['id']}, born 2 March 1941) is "
                       "already in riverside: check this is not the same person added twice")
    other = api.as_("sam").post("/people", {**person, "date_of_birth": "1950-01-01"})
    assert other.json["warnings"] == []


def test_the_plans_list_tells_same_named_people_apart(api, app):
    for born in ("1941-03-02", "1967-08-19"):
        person = api.as_("sam").post("/people", {"name": "Margaret Ellis", "service": "riverside",
                                                 "date_of_birth": born}).json
        api.as_("sam").post("/plans", {"person_id": person["id"]})
    page = Browser(app, "sam").get("/plans")
    assert "born 2 March 1941" in page and "born 19 August 1967" in page
