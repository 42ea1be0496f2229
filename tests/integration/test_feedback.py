"""Feedback and complaints through the API (SPEC §10.4): recording, validation, scope, the
complaint workflow with its rules, deadlines, timers and escalation, and every step audited."""
from datetime import datetime, timezone

import pytest

from engine.core.sweep import sweep
from tests.helpers import run_cli
from web.extensions import db

COMPLIMENT = {"received_on": "2026-11-19", "source": "family", "kind": "compliment",
              "from_whom": "Aoife, Kieran's sister",
              "text": "Kieran told me he planted the beans himself this week."}
COMPLAINT = {"received_on": "2026-11-20", "source": "family", "kind": "complaint",
             "from_whom": "Jo, Margaret's daughter",
             "text": "Nobody told me Mum's Tuesday visit was cancelled; she waited all morning."}
ACKNOWLEDGED = "Phoned Jo on 21 November, apologised and said we would reply in writing."
RESPONSE = ("Wrote to Jo: the rota change was not passed on; the visit should have been "
            "rearranged with Margaret and Jo told the same day.")
CHANGED = ("Rota changes now go to the person and their named family contact the same day; "
           "added to the team meeting and the coordinator's checklist.")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def tick(app, when: str):
    with app.app_context():
        report = sweep(app.extensions["strengthwise"], db.session, at(when))
        db.session.remove()
    return report


@pytest.fixture
def person(api):
    return api.as_("sam").new_person("Margaret Ellis")


def record(api, person_id, who="sam", **overrides):
    return api.as_(who).post(f"/people/{person_id}/feedback", {**COMPLAINT, **overrides})


def complaint(api, person_id, **overrides):
    response = record(api, person_id, **overrides)
    assert response.status == 201, response
    return response.json


def step(api, item, name, who="mia", **body):
    current = api.as_(who).get(f"/feedback/{item['id']}").json
    return api.as_(who).post(f"/feedback/{item['id']}/transitions/{name}",
                             {"version": current["version"], **body})


def failing(response):
    assert response.status == 422 and response.json["error"] == "blocked", response
    return {item["rule"]: item["detail"] for item in response.json["details"]}


def my_tasks(api, who="mia"):
    return {task["kind"]: task for task in api.as_(who).get("/tasks").json["tasks"]
            if task["workflow"] == "complaint"}


# --- recording ------------------------------------------------------------------------------

def test_staff_record_a_compliment_from_the_family(api, person):
    response = api.as_("sam").post(f"/people/{person}/feedback", COMPLIMENT)
    assert response.status == 201, response
    item = response.json
    assert {key: item[key] for key in ("received_on", "source", "kind", "text")} == {
        key: COMPLIMENT[key] for key in ("received_on", "source", "kind", "text")}
    assert (item["person_id"], item["workflow"], item["recorded_by"]) == (
        person, "feedback", "sam")
    assert "state" not in item  # only complaints move through a workflow
    assert api.as_("mia").get(f"/feedback/{item['id']}").json == item
    [event] = api.as_("mia").get(f"/feedback/{item['id']}/audit").json["events"]
    assert (event["action"], event["outcome"], event["actor"]) == (
        "feedback_recorded", "recorded", "sam")
    assert event["changes"] == ["compliment from Aoife, Kieran's sister (family) received on "
                                "19 November 2026 recorded by sam"]


def test_a_complaint_is_received_with_its_deadlines(api, person):
    item = complaint(api, person)
    assert (item["state"], item["version"], item["workflow"]) == ("received", 1, "complaint")
    assert (item["acknowledge_by"], item["respond_by"]) == ("2026-11-23", "2026-12-18")
    assert item["overdue"] == []


def test_the_deadlines_come_from_config(make_app, clock):
    from tests.helpers import Api, Users
    app = make_app(**{"feedback.acknowledge_days": 2, "feedback.respond_days": 20})
    api = Api(app.test_client(), Users.create(app, clock.now()))
    person = api.as_("sam").new_person()
    item = complaint(api, person)
    assert (item["acknowledge_by"], item["respond_by"]) == ("2026-11-22", "2026-12-10")


@pytest.mark.parametrize("body,field,message", [
    ({"source": "neighbour"}, "source", "Must be one of"),
    ({"kind": "grumble"}, "kind", "Must be one of"),
    ({"text": "   "}, "text", "must not be blank"),
    ({"received_on": "20/11/2026"}, "received_on", "Not a valid date."),
    ({"received_on": None}, "received_on", "Field may not be null."),
    ({"colour": "red"}, "colour", "Unknown field."),
    ({"text": "She waited\x00 all morning"}, "text", "must not contain a NUL character"),
    ({"from_whom": "Jo\x00"}, "from_whom", "must not contain a NUL character"),
    ({"received_on": "1000-01-01"}, "received_on", "1 January 1000 is before 1 January 2000"),
])
def test_bad_feedback_is_refused_field_by_field_and_nothing_is_recorded(api, person, body,
                                                                         field, message):
    response = record(api, person, **body)
    assert response.status == 422 and response.json["error"] == "invalid", response
    assert message in " ".join(response.json["details"][field])
    assert api.as_("mia").get("/feedback").json["feedback"] == []


def test_each_missing_field_is_named(api, person):
    response = api.as_("sam").post(f"/people/{person}/feedback", {})
    assert response.status == 422
    assert sorted(response.json["details"]) == ["kind", "received_on", "source", "text"]


def test_feedback_cannot_be_received_in_the_future(api, person):
    response = record(api, person, received_on="2026-11-21")
    assert response.status == 422, response
    assert response.json["details"] == {
        "received_on": ["21 November 2026 is after today, 20 November 2026"]}
    assert api.as_("mia").get("/feedback").json["feedback"] == []


def test_auditors_read_feedback_but_do_not_record_it(api, person):
    item = complaint(api, person)
    assert api.as_("ada").get(f"/feedback/{item['id']}").status == 200
    response = record(api, person, who="ada")
    assert response.status == 403, response


# --- scope ---------------------------------------------------------------------------------

def test_feedback_outside_your_service_is_absent(api, person):
    item = complaint(api, person)
    absent = api.as_("oli").get("/feedback/999999")
    for path in (f"/feedback/{item['id']}", f"/feedback/{item['id']}/transitions",
                 f"/feedback/{item['id']}/audit"):
        response = api.as_("oli").get(path)
        assert response.status == 404
        assert response.json == {**absent.json, "message": f"feedback {item['id']} not found"}
    assert absent.json["message"] == "feedback 999999 not found"
    fired = api.as_("nina").post(f"/feedback/{item['id']}/transitions/acknowledge",
                                 {"version": 1, "acknowledgement": ACKNOWLEDGED})
    missing = api.as_("nina").post("/feedback/999999/transitions/acknowledge", {"version": 1})
    assert fired.status == missing.status == 404
    assert fired.json["message"] == f"feedback {item['id']} not found"
    assert "event" not in fired.json and "state" not in str(fired.json)
    assert api.as_("oli").get("/feedback").json["feedback"] == []
    assert api.as_("nina").get("/feedback?service=riverside").json["feedback"] == []
    assert api.as_("mia").get(f"/feedback/{item['id']}").json["state"] == "received"


def test_recording_for_someone_outside_your_service_reads_as_no_such_person(api, person):
    outside = api.as_("oli").post(f"/people/{person}/feedback", COMPLAINT)
    absent = api.as_("oli").post("/people/999999/feedback", COMPLAINT)
    assert outside.status == absent.status == 404
    assert outside.json["message"] == f"person {person} not found"
    # Even a bad body reads as not found: the person is looked up first.
    assert api.as_("oli").post(f"/people/{person}/feedback", {}).status == 404


def test_the_service_list_filters_by_service_kind_and_state(api, person):
    compliment = api.as_("sam").post(f"/people/{person}/feedback", COMPLIMENT).json
    item = complaint(api, person)
    other = api.as_("oli").new_person("Daniel Shaw", service="northgate")
    api.as_("oli").post(f"/people/{other}/feedback", COMPLIMENT)
    listed = api.as_("mia").get("/feedback?service=riverside").json["feedback"]
    assert [entry["id"] for entry in listed] == [item["id"], compliment["id"]]  # newest first
    assert [e["id"] for e in api.as_("mia").get("/feedback?kind=complaint").json[
        "feedback"]] == [item["id"]]
    assert [e["id"] for e in api.as_("mia").get("/feedback?state=received").json[
        "feedback"]] == [item["id"]]
    assert api.as_("mia").get("/feedback?kind=grumble").status == 422
    assert len(api.as_("ada").get("/feedback").json["feedback"]) == 3
    assert [e["id"] for e in api.as_("mia").get(f"/people/{person}/feedback").json[
        "feedback"]] == [item["id"], compliment["id"]]


# --- the complaint workflow -----------------------------------------------------------------

def test_a_complaint_goes_to_the_managers_inbox_to_acknowledge(api, person):
    complaint(api, person)
    task = my_tasks(api)["acknowledge_complaint"]
    assert (task["role"], task["assignee"], task["due"], task["status"]) == (
        "manager", None, "2026-11-23", "open")
    assert task["title"] == ("Acknowledge the complaint from Jo, Margaret's daughter (family) "
                             "(received 20 November 2026)")
    assert my_tasks(api, "sam") == {}  # staff record complaints; managers answer them


def test_a_complaint_is_taken_from_received_to_closed(api, person):
    item = complaint(api, person)
    acknowledged = step(api, item, "acknowledge", acknowledgement=ACKNOWLEDGED)
    assert acknowledged.status == 200, acknowledged
    document = acknowledged.json["feedback"]
    assert document["state"] == "acknowledged"
    assert document["acknowledgement"] == {"text": ACKNOWLEDGED, "by": "mia", "on": "2026-11-20"}
    tasks = my_tasks(api)
    assert "acknowledge_complaint" not in tasks
    assert (tasks["respond_to_complaint"]["due"], tasks["respond_to_complaint"]["title"]) == (
        "2026-12-18", "Respond to the complaint from Jo, Margaret's daughter (family) by "
                      "18 December 2026")

    responded = step(api, item, "respond", response=RESPONSE, finding="upheld")
    assert responded.status == 200, responded
    assert responded.json["feedback"]["response"]["finding"] == "upheld"
    assert "close_complaint" in my_tasks(api)

    closed = step(api, item, "close", who="max", what_changed=CHANGED)
    assert closed.status == 200, closed
    document = closed.json["feedback"]
    assert (document["state"], document["closure"]["text"], document["closed_on"]) == (
        "closed", CHANGED, "2026-11-20")
    assert my_tasks(api) == {}
    events = api.as_("ada").get(f"/feedback/{item['id']}/audit").json["events"]
    assert [(e["action"], e.get("transition"), e["outcome"]) for e in events] == [
        ("feedback_recorded", None, "recorded"),
        ("transition", "acknowledge", "advanced"), ("transition", "respond", "advanced"),
        ("transition", "close", "advanced")]
    assert f"what_changed: {CHANGED}" in events[-1]["changes"]
    assert api.as_("mia").get(f"/feedback/{item['id']}/transitions").json["transitions"] == []


def test_staff_cannot_answer_a_complaint(api, person):
    item = complaint(api, person)
    response = step(api, item, "acknowledge", who="sam", acknowledgement=ACKNOWLEDGED)
    assert response.status == 403, response
    assert api.as_("sam").get(f"/feedback/{item['id']}/transitions").json["transitions"] == []
    events = api.as_("mia").get(f"/feedback/{item['id']}/audit?outcome=denied").json["events"]
    assert [e["actor"] for e in events] == ["sam"]


def test_acknowledging_needs_an_acknowledgement_in_words(api, person):
    item = complaint(api, person)
    assert failing(step(api, item, "acknowledge")) == {
        "complaint.acknowledgement-recorded": "no acknowledgement is recorded: say how the "
        "complainant was told it was received (letter, phone call, meeting) and what happens "
        "next"}
    assert failing(step(api, item, "acknowledge", acknowledgement="done")) == {
        "complaint.acknowledgement-recorded": "‘done’ does not say how the complainant was "
        "told or what happens next (at least 4 words)"}
    assert api.as_("mia").get(f"/feedback/{item['id']}").json["state"] == "received"
    blocked = api.as_("mia").get(f"/feedback/{item['id']}/audit?outcome=blocked").json["events"]
    assert len(blocked) == 2


def test_responding_needs_the_response_and_the_finding(api, person):
    item = complaint(api, person)
    step(api, item, "acknowledge", acknowledgement=ACKNOWLEDGED)
    assert failing(step(api, item, "respond")) == {
        "complaint.response-recorded": "no response to the complainant is recorded; the "
        "response does not say whether the complaint was upheld, partly upheld or not upheld"}
    assert failing(step(api, item, "respond", response=RESPONSE)) == {
        "complaint.response-recorded": "the response does not say whether the complaint was "
        "upheld, partly upheld or not upheld"}
    bad = step(api, item, "respond", response=RESPONSE, finding="maybe")
    assert bad.status == 422 and bad.json["error"] == "invalid"
    assert "finding" in bad.json["details"]


def test_closing_needs_what_changed(api, person):
    item = complaint(api, person)
    step(api, item, "acknowledge", acknowledgement=ACKNOWLEDGED)
    step(api, item, "respond", response=RESPONSE, finding="partly_upheld")
    assert failing(step(api, item, "close")) == {
        "complaint.change-named": "nothing names what changed because of the complaint (the "
        "plan, the rota, training, how staff work)"}
    assert failing(step(api, item, "close", what_changed="rota fixed")) == {
        "complaint.change-named": "‘rota fixed’ does not name what changed because of the "
        "complaint (at least 4 words)"}
    assert api.as_("mia").get(f"/feedback/{item['id']}").json["state"] == "responded"


def test_a_complaint_not_upheld_closes_saying_why_nothing_changed(api, person):
    item = complaint(api, person)
    step(api, item, "acknowledge", acknowledgement=ACKNOWLEDGED)
    step(api, item, "respond", response=RESPONSE, finding="not_upheld")
    assert "why no change was needed" in failing(step(api, item, "close"))[
        "complaint.change-named"]
    closed = step(api, item, "close", what_changed="The visit was moved at Margaret's own "
                                                   "request; shared the note with Jo.")
    assert closed.status == 200


def test_a_stale_version_is_a_conflict_and_changes_nothing(api, person):
    item = complaint(api, person)
    response = api.as_("mia").post(f"/feedback/{item['id']}/transitions/acknowledge",
                                   {"version": 7, "acknowledgement": ACKNOWLEDGED})
    assert response.status == 409
    assert api.as_("mia").get(f"/feedback/{item['id']}").json["state"] == "received"


def test_feedback_other_than_complaints_has_no_steps(api, person):
    item = api.as_("sam").post(f"/people/{person}/feedback", COMPLIMENT).json
    assert api.as_("mia").get(f"/feedback/{item['id']}/transitions").json["transitions"] == []
    response = api.as_("mia").post(f"/feedback/{item['id']}/transitions/acknowledge",
                                   {"version": 1})
    assert response.status == 404


# --- deadlines, timers and escalation ------------------------------------------------------

def test_nothing_is_chased_on_the_deadline_day(app, api, person):
    complaint(api, person)
    assert tick(app, "2026-11-23T12:00").timers == []
    assert "chase_acknowledgement" not in my_tasks(api)


def test_an_unacknowledged_complaint_is_chased_the_day_after_its_deadline(app, api, clock,
                                                                            person):
    item = complaint(api, person)
    [fired] = tick(app, "2026-11-24T00:30").timers
    assert (fired.transition, fired.outcome) == ("acknowledgement_overdue", "advanced")
    clock.set(at("2026-11-24T09:00"))
    tasks = my_tasks(api)
    chase = tasks["chase_acknowledgement"]
    assert chase["title"] == ("Overdue since 23 November 2026: acknowledge the complaint from "
                              "Jo, Margaret's daughter (family)")
    assert (chase["due"], chase["role"]) == ("2026-11-24", "manager")
    assert tasks["acknowledge_complaint"]["due"] == "2026-11-23"  # overdue in the inbox
    document = api.as_("mia").get(f"/feedback/{item['id']}").json
    assert (document["state"], document["overdue"]) == ("received", ["acknowledgement"])
    assert tick(app, "2026-11-25T00:30").timers == []  # chased once
    # Acknowledging late closes both tasks; the response deadline still runs from receipt.
    assert step(api, item, "acknowledge", acknowledgement=ACKNOWLEDGED).status == 200
    tasks = my_tasks(api)
    assert set(tasks) == {"respond_to_complaint"}
    assert api.as_("mia").get(f"/feedback/{item['id']}").json["overdue"] == []


def test_an_unanswered_complaint_is_chased_after_its_response_deadline(app, api, clock, person):
    item = complaint(api, person)
    step(api, item, "acknowledge", acknowledgement=ACKNOWLEDGED)
    assert tick(app, "2026-12-18T23:00").timers == []
    [fired] = tick(app, "2026-12-19T00:30").timers
    assert (fired.transition, fired.outcome) == ("response_overdue", "advanced")
    clock.set(at("2026-12-19T09:00"))
    assert my_tasks(api)["chase_response"]["title"] == (
        "Overdue since 18 December 2026: respond to the complaint from Jo, Margaret's daughter "
        "(family)")
    assert api.as_("mia").get(f"/feedback/{item['id']}").json["overdue"] == ["response"]
    assert step(api, item, "respond", response=RESPONSE, finding="upheld").status == 200
    assert set(my_tasks(api)) == {"close_complaint"}


def test_a_complaint_left_unacknowledged_is_chased_for_its_response_too(app, api, clock,
                                                                         person):
    item = complaint(api, person)
    tick(app, "2026-11-24T00:30")
    [fired] = tick(app, "2026-12-19T00:30").timers
    assert (fired.transition, fired.outcome) == ("response_overdue_unacknowledged", "advanced")
    clock.set(at("2026-12-19T09:00"))
    assert {"acknowledge_complaint", "chase_acknowledgement", "chase_response"} <= set(
        my_tasks(api))
    assert api.as_("mia").get(f"/feedback/{item['id']}").json["overdue"] == [
        "acknowledgement", "response"]
    # Acknowledging now leaves the response chase open (once), until the response is given.
    assert step(api, item, "acknowledge", acknowledgement=ACKNOWLEDGED).status == 200
    tick(app, "2026-12-19T10:00")
    chases = [task for task in api.as_("mia").get("/tasks").json["tasks"]
              if task["kind"] == "chase_response"]
    assert len(chases) == 1
    assert step(api, item, "respond", response=RESPONSE, finding="upheld").status == 200
    assert set(my_tasks(api)) == {"close_complaint"}


def test_a_complaint_answered_in_time_is_never_chased(app, api, person):
    item = complaint(api, person)
    step(api, item, "acknowledge", acknowledgement=ACKNOWLEDGED)
    step(api, item, "respond", response=RESPONSE, finding="upheld")
    assert tick(app, "2027-01-30T00:30").timers == []


def test_tick_on_the_command_line_opens_the_chase(app, api, person, database_url):
    complaint(api, person)
    result = run_cli("tick", "--now", "2026-11-24T08:00:00+00:00", database_url=database_url)
    assert result.returncode == 0, result.stderr
    assert "acknowledgement_overdue on feedback" in result.stdout
    assert "chase_acknowledgement" in my_tasks(api)


def test_a_chase_left_undone_escalates_like_any_overdue_task(app, api, person):
    complaint(api, person)
    tick(app, "2026-11-24T00:30")
    report = tick(app, "2026-11-30T00:30")  # the acknowledge task: due 23rd, + 7 days
    kinds = sorted(task.kind for task in report.escalated)
    assert kinds == ["acknowledge_complaint.escalated"]
    assert "acknowledge_complaint.escalated" in my_tasks(api)


def test_every_learning_loop_list_refuses_a_service_filter_that_names_no_service(api):
    """Incidents, the register and feedback read ?service= alike: empty or overlong names no
    service (a 422 saying so); an unknown name is simply none of the caller's (an empty list)."""
    for path, key in (("/incidents", "incidents"), ("/restrictions", "restrictions"),
                      ("/feedback", "feedback")):
        for given in ("", "%20", "x" * 81):
            response = api.as_("max").get(f"{path}?service={given}")
            assert response.status == 422, (path, given, response)
            assert response.json["details"] == {"service": ["the name of one of your services"]}
        assert api.as_("max").get(f"{path}?service=elsewhere").json[key] == []
