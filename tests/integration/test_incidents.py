"""Incidents (SPEC §10.4): reported by staff, reviewed and closed by a manager under the
incident.* rules; a moderate or serious one starts the plan's review."""
import pytest

from tests.helpers import Browser, active_plan, daily_record, plan_content, review_record

WHEN = "2026-11-19T14:30:00Z"


def incident(**fields):
    body = {"occurred_at": WHEN, "kind": "fall", "severity": "low",
            "description": "Margaret was found on the floor of the kitchen, sitting up and "
                           "talking; she said she slipped reaching for the kettle.",
            "immediate_action": "Checked her for injury, helped her up with the hoist and "
                                "called her GP for advice.",
            "people_informed": ["daughter", "GP"], "restriction_ids": []}
    body.update(fields)
    return body


def report(api, person_id, who="sam", **fields):
    return api.as_(who).post(f"/people/{person_id}/incidents", incident(**fields))


def fire(api, incident_id, name, who="max", **body):
    if "version" not in body:
        body["version"] = api.as_(who).get(f"/incidents/{incident_id}").json["version"]
    return api.as_(who).post(f"/incidents/{incident_id}/transitions/{name}", body)


def failing(response):
    assert response.status == 422, response
    return {item["rule"]: item["detail"] for item in response.json["details"]}


NOTIFIED = {"family_informed": True, "cqc_notification": True, "safeguarding_referral": True,
            "reason": None}
LEARNING = "Her kettle is now on the lower shelf and she uses the one-cup kettle."


def test_staff_report_an_incident_on_the_plan_in_force(api):
    plan = active_plan(api)
    response = report(api, plan["person_id"])
    assert response.status == 201, response
    body = response.json
    assert (body["state"], body["plan_id"], body["person_id"]) == \
        ("reported", plan["id"], plan["person_id"])
    assert body["kind"] == "fall" and body["people_informed"] == ["daughter", "GP"]
    listed = api.as_("max").get("/incidents?service=riverside").json["incidents"]
    assert [item["id"] for item in listed] == [body["id"]]
    assert api.as_("max").get("/incidents?state=closed").json["incidents"] == []
    tasks = api.as_("max").get("/tasks").json["tasks"]
    assert any(t["kind"] == "review_incident" and t["subject_id"] == body["id"] for t in tasks)


@pytest.mark.parametrize("field,value,message", [
    ("kind", "tumble", "Must be one of"),
    ("severity", "huge", "Must be one of"),
    ("occurred_at", "2026-11-21T09:00:00Z", "in the future"),
    ("occurred_at", "yesterday", "Not a valid datetime"),
    ("restriction_ids", ["r1"], "is not a restriction in the plan in force"),
    ("description", "   ", "must not be blank"),
])
def test_a_bad_report_is_refused_field_by_field_and_changes_nothing(api, field, value, message):
    plan = active_plan(api)
    response = report(api, plan["person_id"], **{field: value})
    assert response.status == 422, response
    assert message in str(response.json["details"][field])
    assert api.as_("max").get("/incidents").json["incidents"] == []


def test_a_plan_of_another_person_does_not_exist_for_the_report(api):
    plan = active_plan(api)
    other = api.as_("sam").new_person("Ivy Brook")
    response = report(api, other, plan_id=plan["id"])
    assert response.status == 422
    assert response.json["details"]["plan_id"] == [f"plan {plan['id']} does not exist"]


def test_outside_the_service_an_incident_is_absent(api):
    plan = active_plan(api)
    created = report(api, plan["person_id"]).json
    missing = api.as_("nina").get("/incidents/999999")
    for path in (f"/incidents/{created['id']}", f"/incidents/{created['id']}/transitions",
                 f"/incidents/{created['id']}/audit"):
        hidden = api.as_("nina").get(path)
        assert (hidden.status, hidden.json["error"]) == (404, "not_found")
    assert api.as_("nina").get(f"/incidents/{created['id']}").json["message"] == \
        missing.json["message"].replace("999999", str(created["id"]))
    assert report(api, plan["person_id"], who="oli").status == 404
    assert api.as_("nina").get("/incidents").json["incidents"] == []
    refused = fire(api, created["id"], "review_incident", who="nina", version=1)
    assert refused.status == 404 and "seq" not in str(refused.json)


def test_review_needs_the_immediate_action_and_who_was_told(api):
    plan = active_plan(api)
    created = report(api, plan["person_id"], immediate_action="", people_informed=[]).json
    assert failing(fire(api, created["id"], "review_incident")) == {
        "incident.immediate-action-recorded":
            "the report does not say what was done at once to keep the person safe",
        "incident.notifications-decided":
            "nobody is recorded as told: list who was informed, or say whether the family was"}
    assert fire(api, created["id"], "review_incident", who="sam").status == 403


def test_a_low_incident_is_reviewed_then_closed_with_learning_once_the_plan_is_considered(
        api, clock):
    plan = active_plan(api)
    created = report(api, plan["person_id"]).json
    assert created["plan_effect"]["action"] == "none"
    assert api.as_("max").get(f"/plans/{plan['id']}").json["state"] == "active"
    reviewed = fire(api, created["id"], "review_incident",
                    notifications={"family_informed": True}, comment="Seen; daughter rang.")
    assert reviewed.status == 200, reviewed
    assert reviewed.json["incident"]["state"] == "reviewed"
    assert reviewed.json["incident"]["notifications"]["family_informed"] is True
    refused = failing(fire(api, created["id"], "close_incident", learning="Kettle moved."))
    assert set(refused) == {"incident.learning-recorded", "incident.plan-considered"}
    # The manager opens the plan's review: the plan has been considered.
    assert api.as_("max").fire(plan["id"], "start_review",
                               reason="after the fall in the kitchen").status == 200
    closed = fire(api, created["id"], "close_incident", learning=LEARNING)
    assert closed.status == 200, closed
    assert closed.json["incident"]["state"] == "closed"
    assert closed.json["incident"]["learning"] == LEARNING
    events = api.as_("ada").get(f"/incidents/{created['id']}/audit").json["events"]
    assert [(e["action"], e.get("transition"), e["outcome"]) for e in events] == [
        ("incident_reported", None, "recorded"),
        ("transition", "review_incident", "advanced"),
        ("transition", "close_incident", "blocked"),
        ("transition", "close_incident", "advanced")]


def test_a_moderate_incident_starts_the_plans_review_naming_it(api):
    plan = active_plan(api)
    created = report(api, plan["person_id"], severity="moderate").json
    assert created["plan_effect"]["action"] == "review_started"
    after = api.as_("max").get(f"/plans/{plan['id']}").json
    assert after["state"] == "review_due"
    events = api.as_("ada").get(f"/plans/{plan['id']}/audit?action=transition").json["events"]
    start = events[-1]
    assert (start["transition"], start["outcome"], start["actor"]) == \
        ("start_review", "advanced", "sam")
    assert start["reason"].startswith(f"Incident {created['id']}: fall on 19 November 2026")


def test_an_incident_on_a_plan_under_review_is_a_further_reason(api):
    plan = active_plan(api)
    assert api.as_("max").fire(plan["id"], "start_review", reason="Jo asked").status == 200
    created = report(api, plan["person_id"], severity="serious",
                     kind="injury").json
    assert created["plan_effect"]["action"] == "further_reason"
    events = api.as_("ada").get(f"/plans/{plan['id']}/audit").json["events"]
    assert events[-1]["action"] == "review_reason_added"
    assert f"Incident {created['id']}: injury" in events[-1]["changes"][0]
    assert api.as_("max").get(f"/plans/{plan['id']}").json["state"] == "review_due"
    # Closing it: the review opened before the incident does not count, unless risks are
    # reviewed since; here a review record marks every risk reviewed.


@pytest.mark.parametrize("kind,severity", [("fall", "serious"),
                                           ("safeguarding_concern", "low")])
def test_statutory_notifications_are_decided_for_serious_and_safeguarding(api, kind, severity):
    plan = active_plan(api)
    created = report(api, plan["person_id"], kind=kind, severity=severity).json
    details = failing(fire(api, created["id"], "review_incident",
                           notifications={"family_informed": True}))
    assert "whether a CQC notification and a safeguarding referral were made is not recorded" \
        in details["incident.notifications-decided"]
    details = failing(fire(api, created["id"], "review_incident", notifications={
        "family_informed": True, "cqc_notification": False, "safeguarding_referral": True}))
    assert "no CQC notification was made" in details["incident.notifications-decided"]
    assert "no reason is given" in details["incident.notifications-decided"]
    done = fire(api, created["id"], "review_incident", notifications={
        "family_informed": True, "cqc_notification": False, "safeguarding_referral": True,
        "reason": "The CQC notification threshold is not met: no injury and no abuse alleged; "
                  "referral made to the local authority."})
    assert done.status == 200, done


def test_a_low_incident_needs_no_statutory_decision(api):
    plan = active_plan(api)
    created = report(api, plan["person_id"]).json
    assert fire(api, created["id"], "review_incident").status == 200


def test_bad_transition_inputs_are_field_errors(api):
    plan = active_plan(api)
    created = report(api, plan["person_id"]).json
    response = fire(api, created["id"], "review_incident",
                    notifications={"cqc_notification": "perhaps"})
    assert response.status == 422
    assert "cqc_notification" in response.json["details"]["notifications"]


def test_a_daily_record_that_describes_a_fall_offers_an_incident_and_reports_none(api):
    plan = active_plan(api)
    plain = api.as_("sam").post(f"/plans/{plan['id']}/records", daily_record()).json
    assert plain["incident_suggested"] is None
    fell = api.as_("sam").post(f"/plans/{plan['id']}/records", daily_record(
        note="Margaret was found on the floor by the fridge; 999 called.")).json
    assert fell["incident_suggested"]["kind"] == "fall"
    assert fell["incident_suggested"]["person_id"] == plan["person_id"]
    meds = api.as_("sam").post(f"/plans/{plan['id']}/records", daily_record(
        note="Supported with breakfast. Refused meds.")).json
    assert meds["incident_suggested"]["kind"] == "medication_error"
    assert api.as_("max").get("/incidents").json["incidents"] == []


def test_a_medicines_outcome_not_done_offers_an_incident(api):
    outcome = {"id": "o3", "statement": "Takes her morning tablets from the blister pack",
               "target": "takes her tablets with one prompt", "measure": "prompts per day",
               "strength_ids": ["s1"]}
    content = plan_content()
    content["outcomes"].append(outcome)
    content["actions"][0]["hours_per_week"] = 6
    content["actions"].append({"id": "a3", "outcome_id": "o3",
                               "description": "Prompt her to open the blister pack",
                               "approach": "prompting", "when": "8am", "hours_per_week": 1})
    plan = active_plan(api, outcomes=content["outcomes"], actions=content["actions"])
    not_done = api.as_("sam").post(f"/plans/{plan['id']}/records", daily_record(
        outcome_id="o3", completion="not_done", prompts=0)).json
    assert not_done["incident_suggested"]["reason"] == "a medicines outcome was not done"
    done = api.as_("sam").post(f"/plans/{plan['id']}/records", daily_record(
        outcome_id="o3", completion="with_prompts")).json
    assert done["incident_suggested"] is None


def test_the_coach_reads_the_description_and_never_blocks(api):
    plan = active_plan(api)
    created = report(api, plan["person_id"],
                     description="Margaret refused help and was non-compliant, then fell.")
    assert created.status == 201
    assert created.json["language_flags"]


def test_a_version_approved_after_the_report_counts_as_the_plan_considered(api, clock):
    from datetime import timedelta
    plan = api.as_("sam").new_plan(**plan_content())
    created = report(api, plan["person_id"], plan_id=plan["id"]).json
    assert fire(api, created["id"], "review_incident").status == 200
    assert "incident.plan-considered" in failing(
        fire(api, created["id"], "close_incident", learning=LEARNING))
    clock.set(clock.now() + timedelta(hours=1))
    assert api.as_("max").fire(plan["id"], "approve").status == 200
    assert fire(api, created["id"], "close_incident", learning=LEARNING).status == 200


@pytest.mark.parametrize("field,value,message", [
    ("description", "Found on\x00 the floor", "must not contain a NUL character"),
    ("people_informed", ["GP", "daugh\x00ter"], "must not contain a NUL character"),
    ("occurred_at", "0001-01-01T00:00:00+14:00", "is before 1 January 2000"),
    ("occurred_at", "1900-01-01T00:00:00Z", "is before 1 January 2000"),
])
def test_a_report_no_database_could_store_is_refused_not_a_500(api, field, value, message):
    plan = active_plan(api)
    response = report(api, plan["person_id"], **{field: value})
    assert response.status == 422, response
    assert message in str(response.json["details"][field])
    assert api.as_("max").get("/incidents").json["incidents"] == []


def test_a_nul_in_the_review_is_a_field_error(api):
    plan = active_plan(api)
    reported = report(api, plan["person_id"]).json
    response = fire(api, reported["id"], "review_incident",
                    notifications={**NOTIFIED, "reason": "no\x00"})
    assert response.status == 422, response
    assert response.json["details"]["notifications"]["reason"] == [
        "must not contain a NUL character"]
    assert api.as_("max").get(f"/incidents/{reported['id']}").json["state"] == "reported"


def test_the_incident_names_the_review_it_opened_and_the_version_that_followed(api, app, clock):
    """The manager's question: what was learned, and which plans changed because of it."""
    plan = active_plan(api)
    low = report(api, plan["person_id"], occurred_at="2026-11-18T10:00:00Z").json
    created = report(api, plan["person_id"], severity="moderate").json
    clock.advance(hours=2)
    review = api.as_("sam").post(f"/plans/{plan['id']}/reviews", {
        **review_record(decision="revise"), "risks_reviewed": ["r1"]})
    assert review.status == 201, review
    assert api.as_("sam").fire(plan["id"], "revise").status == 200
    api.as_("sam").edit(plan["id"], **plan_content())
    assert api.as_("max").fire(plan["id"], "approve").status == 200
    assert fire(api, created["id"], "review_incident", notifications=NOTIFIED).status == 200
    assert fire(api, created["id"], "close_incident", learning=LEARNING).status == 200
    changes = api.as_("max").get(f"/incidents/{created['id']}").json["plan_changes"]
    assert [(c["kind"], c.get("number"), c["on"], c["words"]) for c in changes] == [
        ("review", 1, "2026-11-20", "Review 1 opened on 20 November 2026, closed on "
                                    "20 November 2026"),
        ("version", 2, "2026-11-20", "Version 2 approved on 20 November 2026")]
    assert changes[0]["review_id"] == review.json["id"]
    listed = {i["id"]: i["plan_changes"] for i in
              api.as_("max").get("/incidents?service=riverside").json["incidents"]}
    assert listed[created["id"]] == changes
    # The low one, still open, shares the review and the version: both followed it.
    assert [c["kind"] for c in listed[low["id"]]] == ["review", "version"]

    page = Browser(app, "max").get("/incidents?service=riverside")
    assert "What changed in the plan" in page
    assert f'href="/plans/{plan["id"]}/reviews/{review.json["id"]}"' in page
    assert f'href="/plans/{plan["id"]}/versions/2/changes"' in page
    assert "Version 2 approved on 20 November 2026" in page and LEARNING in page
    shown = Browser(app, "max").get(f"/incidents/{created['id']}")
    assert "What changed in the plan" in shown and "Review 1 opened on 20 November 2026" in shown


def test_an_incident_nothing_followed_says_so(api):
    plan = active_plan(api)
    created = report(api, plan["person_id"]).json
    assert api.as_("max").get(f"/incidents/{created['id']}").json["plan_changes"] == []
