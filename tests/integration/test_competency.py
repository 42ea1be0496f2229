"""Strengths-based practice competency through the API, and its refresher cycle."""
from datetime import datetime, timezone

from engine.core.sweep import sweep
from web.extensions import db

TRAINING = {"completed_on": "2026-11-18",
            "learning_outcomes": "Reframes assessment questions around strengths",
            "case_study": "Presented Margaret's breakfast routine at the team case study"}
ASSESSMENT = {"competency_check": "Passed: records show observed strengths and outcome links",
              "follow_up_supervision_on": "2026-12-15"}
OBSERVATION = {"observed_on": "2026-11-19", "setting": "Morning visit, Margaret's kitchen",
               "observed": "Waited before prompting; let Margaret lead the routine",
               "how_applied": "Used her preference for routine as the tool, not a barrier"}


def enrol(api, worker="sam"):
    response = api.as_("mia").post("/competencies", {"worker": worker, "service": "riverside"})
    assert response.status == 201, response
    return response.json


def fire(api, who, competency, name, **body):
    current = api.as_("mia").get(f"/competencies/{competency['id']}").json
    return api.as_(who).post(f"/competencies/{competency['id']}/transitions/{name}",
                             {"version": current["version"], **body})


def failing(response):
    return {item["rule"]: item["detail"] for item in response.json["details"]}


def test_enrolment_gives_the_worker_a_training_task(api):
    competency = enrol(api)
    assert competency["state"] == "enrolled" and competency["worker"] == "sam"
    [task] = api.as_("sam").get("/tasks").json["tasks"]
    assert (task["kind"], task["assignee"], task["due"]) == (
        "complete_training", "sam", "2026-12-18")


def test_training_needs_every_required_field(api):
    competency = enrol(api)
    response = api.as_("sam").put(f"/competencies/{competency['id']}/training",
                                  {"completed_on": "2026-11-18"})
    assert response.status == 422
    assert set(response.json["details"]) == {"learning_outcomes", "case_study"}
    assert failing(fire(api, "sam", competency, "complete_training")) == {
        "competency.training-recorded": "no training record"}


def test_from_enrolled_to_competent_with_an_independent_observation(api):
    competency = enrol(api)
    assert api.as_("sam").put(f"/competencies/{competency['id']}/training",
                              TRAINING).status == 200
    assert fire(api, "sam", competency, "complete_training").status == 200
    assert failing(fire(api, "mia", competency, "assess")) == {
        "competency.check-recorded": "no competency check is recorded"}
    assert api.as_("sam").put(f"/competencies/{competency['id']}/assessment",
                              ASSESSMENT).status == 403
    api.as_("mia").put(f"/competencies/{competency['id']}/assessment", ASSESSMENT)
    assert fire(api, "mia", competency, "assess").status == 200
    assert failing(fire(api, "mia", competency, "sign_off")) == {
        "competency.practice-observed": "no practice observation is recorded"}
    observed = api.as_("max").post(f"/competencies/{competency['id']}/observations",
                                   OBSERVATION)
    assert observed.status == 201 and observed.json["assessor"] == "max"
    signed = fire(api, "mia", competency, "sign_off")
    assert signed.status == 200, signed
    document = signed.json["competency"]
    assert (document["state"], document["competent_since"], document["refresher_due_on"]) == (
        "competent", "2026-11-20", "2027-11-20")


def assessed(api, worker):
    competency = enrol(api, worker)
    api.as_("mia").put(f"/competencies/{competency['id']}/training", TRAINING)
    fire(api, "mia", competency, "complete_training")
    api.as_("mia").put(f"/competencies/{competency['id']}/assessment", ASSESSMENT)
    fire(api, "mia", competency, "assess")
    return competency


def test_a_worker_cannot_observe_or_sign_off_their_own_practice(api):
    competency = assessed(api, "max")
    api.as_("max").post(f"/competencies/{competency['id']}/observations", OBSERVATION)
    assert failing(fire(api, "max", competency, "sign_off")) == {
        "competency.practice-observed":
            "every practice observation was made by max themself",
        "competency.independent-sign-off": "max cannot sign off their own competency"}


def test_an_assessment_without_a_follow_up_supervision_cannot_be_saved(api):
    competency = enrol(api)
    api.as_("mia").put(f"/competencies/{competency['id']}/training", TRAINING)
    fire(api, "mia", competency, "complete_training")
    response = api.as_("mia").put(f"/competencies/{competency['id']}/assessment",
                                  {"competency_check": "Passed"})
    assert response.status == 422 and list(response.json["details"]) == [
        "follow_up_supervision_on"]


def test_the_refresher_falls_due_by_timer_and_needs_new_training(api, app, clock):
    competency = assessed(api, "sam")
    api.as_("max").post(f"/competencies/{competency['id']}/observations", OBSERVATION)
    fire(api, "mia", competency, "sign_off")
    assert failing(fire(api, "mia", competency, "refresher_due")) == {
        "competency.refresher-date-reached":
            "the refresher is not due until 2027-11-20 and no reason was given"}
    with app.app_context():
        report = sweep(app.extensions["strengthwise"], db.session,
                       datetime(2027, 11, 20, 6, tzinfo=timezone.utc))
        db.session.remove()
    assert [(r.transition, r.outcome) for r in report.timers] == [("refresher_due", "advanced")]
    assert [t["kind"] for t in api.as_("sam").get("/tasks").json["tasks"]] == [
        "complete_refresher"]
    clock.set(datetime(2027, 11, 25, 9, tzinfo=timezone.utc))
    assert failing(fire(api, "sam", competency, "refresh")) == {
        "competency.refresher-recorded": "the latest training was completed on 2026-11-18, "
                                         "before the refresher fell due on 2027-11-20"}
    api.as_("sam").put(f"/competencies/{competency['id']}/training",
                       {**TRAINING, "completed_on": "2027-11-24"})
    refreshed = fire(api, "sam", competency, "refresh")
    assert refreshed.status == 200 and refreshed.json["competency"]["state"] == "trained"
    assert [t["kind"] for t in api.as_("sam").get("/tasks").json["tasks"]] == []


def test_competency_records_are_scoped_like_supervisions(api):
    competency = enrol(api, "sue")
    assert api.as_("sam").get(f"/competencies/{competency['id']}").status == 404
    assert api.as_("sue").get(f"/competencies/{competency['id']}").status == 200
    assert api.as_("nina").get(f"/competencies/{competency['id']}").status == 404
    trail = api.as_("ada").get(f"/competencies/{competency['id']}/audit")
    assert trail.status == 200 and trail.json["events"] == []
