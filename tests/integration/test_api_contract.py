"""The API's error contract: precise JSON errors, nothing changed, never HTML, never a 500."""
import pytest

from tests.helpers import plan_content


def test_requests_without_a_valid_token_are_unauthorized(api):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        response = api.get("/me", headers=headers)
        assert response.status == 401
        assert response.json == {"error": "unauthorized",
                                 "message": "a valid Bearer token is required", "details": None}


def test_me_names_the_user_their_role_and_services(api):
    assert api.as_("ada").get("/me").json == {
        "username": "ada", "role": "auditor", "services": ["northgate", "riverside"]}


def test_unknown_paths_and_methods_answer_json(api):
    missing = api.as_("sam").get("/no-such-thing")
    assert missing.status == 404 and missing.json["error"] == "not_found"
    wrong_method = api.as_("sam").client.delete(
        "/api/v1/me", headers={"Authorization": f"Bearer {api.users.tokens['sam']}"})
    assert wrong_method.status_code == 405
    assert wrong_method.get_json()["error"] == "method_not_allowed"


def test_openapi_document_lists_the_contract(api):
    document = api.get("/openapi.json").json
    assert document["openapi"].startswith("3.")
    for path in ("/plans", "/plans/{id}", "/plans/{id}/transitions/{name}", "/plans/{id}/audit",
                 "/plans/{id}/acknowledgements", "/people", "/me", "/plans/{id}/records",
                 "/plans/{id}/reviews", "/tasks", "/tasks/{id}/claim", "/tasks/{id}/release"):
        assert path in document["paths"], path
    assert "PlanUpdate" in document["components"]["schemas"]


@pytest.mark.parametrize("body,field", [
    ({"bogus": 1}, "bogus"),
    ({"commissioned_hours_per_week": -2}, "commissioned_hours_per_week"),
    ({"commissioned_hours_per_week": "ten"}, "commissioned_hours_per_week"),
    ({"start_date": "2026-02-30"}, "start_date"),
    ({"strengths": "lots"}, "strengths"),
    ({"involvement": {"consent": "maybe"}}, "involvement"),
    ({"actions": [{"id": "a1", "outcome_id": "o1", "hours_per_week": -1}]}, "actions"),
    ({"actions": [{"id": "a1", "outcome_id": "o9", "hours_per_week": 1}]}, "actions"),
    ({"outcomes": [{"id": "o1", "strength_ids": ["s9"]}]}, "outcomes"),
    ({"strengths": [{"id": "s1"}, {"id": "s1"}]}, "strengths"),
    ({"risks": [{"description": "no id"}]}, "risks"),
])
def test_invalid_plan_content_is_refused_with_field_errors_and_changes_nothing(api, body, field):
    plan = api.as_("sam").new_plan(**plan_content())
    response = api.as_("sam").put(f"/plans/{plan['id']}", {**body, "version": plan["version"]})
    assert response.status == 422, response
    assert response.json["error"] == "invalid"
    assert field in response.json["details"]
    after = api.as_("sam").get(f"/plans/{plan['id']}").json
    assert after == plan


def test_a_dangling_action_names_the_missing_outcome(api):
    plan = api.as_("sam").new_plan()
    response = api.as_("sam").put(f"/plans/{plan['id']}", {
        "version": plan["version"], "outcomes": [{"id": "o1"}],
        "actions": [{"id": "a1", "outcome_id": "o2"}]})
    assert response.json["details"] == {
        "actions": {"0": {"outcome_id": ["no outcome 'o2' in this plan"]}}}


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", "null", ""])
def test_a_body_that_is_not_a_json_object_is_invalid(api, raw):
    plan = api.as_("sam").new_plan()
    response = api.as_("sam").client.put(
        f"/api/v1/plans/{plan['id']}", data=raw, content_type="application/json",
        headers={"Authorization": f"Bearer {api.users.tokens['sam']}"})
    assert response.status_code == 422 and response.get_json()["error"] == "invalid"


def test_a_stale_version_gets_409_and_the_current_version(api):
    plan = api.as_("sam").new_plan()
    api.as_("sam").edit(plan["id"], **plan_content())
    stale = api.as_("sue").put(f"/plans/{plan['id']}", {**plan_content(key_worker="sue"),
                                                        "version": plan["version"]})
    assert stale.status == 409 and stale.json["error"] == "conflict"
    current = api.as_("sam").get(f"/plans/{plan['id']}").json
    assert stale.json["details"]["version"] == current["version"]
    assert current["key_worker"] == "sam"
    fire = api.as_("max").fire(plan["id"], "approve", version=plan["version"])
    assert fire.status == 409 and fire.json["details"]["version"] == current["version"]
    assert api.as_("max").get(f"/plans/{plan['id']}/audit?action=transition").json["events"] == []


def test_transition_requests_need_a_version(api):
    plan = api.as_("sam").new_plan()
    response = api.as_("max").post(f"/plans/{plan['id']}/transitions/approve", {})
    assert response.status == 422 and "version" in response.json["details"]
    response = api.as_("max").post(f"/plans/{plan['id']}/transitions/approve", {"version": "1"})
    assert response.status == 422 and "version" in response.json["details"]


def test_an_unknown_transition_is_404(api):
    plan = api.as_("sam").new_plan()
    response = api.as_("max").fire(plan["id"], "teleport")
    assert response.status == 404 and response.json["error"] == "not_found"


def test_a_role_that_may_not_fire_is_forbidden_and_audited_as_denied(api):
    plan = api.as_("sam").new_plan(**plan_content())
    for who in ("sue", "ada"):
        response = api.as_(who).fire(plan["id"], "approve")
        assert response.status == 403 and response.json["error"] == "forbidden"
    events = api.as_("ada").get(f"/plans/{plan['id']}/audit?action=transition").json["events"]
    assert [(e["actor"], e["outcome"], e["checks"]) for e in events] == [
        ("sue", "denied", []), ("ada", "denied", [])]
    assert api.as_("sam").get(f"/plans/{plan['id']}").json["state"] == "draft"


def test_records_outside_the_users_services_do_not_exist_for_them(api):
    plan = api.as_("sam").new_plan(**plan_content())
    for path in (f"/plans/{plan['id']}", f"/plans/{plan['id']}/audit",
                 f"/plans/{plan['id']}/versions", f"/plans/{plan['id']}/transitions",
                 f"/people/{plan['person_id']}"):
        response = api.as_("oli").get(path)
        assert response.status == 404 and response.json["error"] == "not_found", path
    assert api.as_("oli").put(f"/plans/{plan['id']}", {"version": 1}).status == 404
    assert api.as_("oli").post(f"/plans/{plan['id']}/acknowledgements", {}).status == 404
    assert api.as_("nina").fire(plan["id"], "approve", version=plan["version"]).status == 404
    assert api.as_("oli").post("/plans", {"person_id": plan["person_id"]}).status == 404
    assert plan["id"] not in [p["id"] for p in api.as_("oli").get("/plans").json["plans"]]


def test_an_attempt_from_outside_the_service_is_audited_as_denied(api):
    plan = api.as_("sam").new_plan(**plan_content())
    api.as_("nina").fire(plan["id"], "approve", version=plan["version"])
    [event] = api.as_("mia").get(f"/plans/{plan['id']}/audit?action=transition").json["events"]
    assert (event["actor"], event["outcome"]) == ("nina", "denied")


def test_people_can_only_be_added_to_the_users_own_services(api):
    response = api.as_("sam").post("/people", {"name": "Dev", "service": "northgate"})
    assert response.status == 422 and "service" in response.json["details"]
    response = api.as_("sam").post("/people", {"name": "", "service": "riverside"})
    assert response.status == 422 and "name" in response.json["details"]
    assert api.as_("ada").post("/people", {"name": "Dev", "service": "riverside"}).status == 403


def test_auditors_read_everything_in_scope_but_change_nothing(api):
    plan = api.as_("sam").new_plan(**plan_content())
    auditor = api.as_("ada")
    assert auditor.get(f"/plans/{plan['id']}").status == 200
    assert auditor.get(f"/plans/{plan['id']}/transitions").json["transitions"] == []
    assert auditor.put(f"/plans/{plan['id']}", {**plan_content(),
                                                "version": plan["version"]}).status == 403
    assert auditor.post("/plans", {"person_id": plan["person_id"]}).status == 403
    assert auditor.post(f"/plans/{plan['id']}/acknowledgements", {}).status == 403


def test_acknowledging_needs_an_approved_version(api):
    plan = api.as_("sam").new_plan()
    response = api.as_("sam").post(f"/plans/{plan['id']}/acknowledgements", {})
    assert response.status == 422 and response.json["error"] == "invalid"


def test_audit_trail_filters_by_outcome_and_rejects_unknown_outcomes(api):
    plan = api.as_("sam").new_plan()
    api.as_("max").fire(plan["id"], "approve")
    api.as_("sam").fire(plan["id"], "request_approval")
    blocked = api.as_("max").get(f"/plans/{plan['id']}/audit?outcome=blocked").json["events"]
    assert [e["transition"] for e in blocked] == ["approve"]
    assert api.as_("max").get(f"/plans/{plan['id']}/audit?outcome=maybe").status == 422


def test_the_transitions_list_shows_only_what_the_callers_role_may_fire(api):
    plan = api.as_("sam").new_plan()
    staff = [t["name"] for t in api.as_("sam").get(f"/plans/{plan['id']}/transitions")
             .json["transitions"]]
    manager = [t["name"] for t in api.as_("max").get(f"/plans/{plan['id']}/transitions")
               .json["transitions"]]
    assert staff == ["request_approval"]
    assert manager == ["request_approval", "return_for_changes", "approve", "close"]


def test_the_developer_page_says_how_to_reach_the_api(app):
    page = app.test_client().get("/developers")
    assert page.status_code == 200
    assert "Authorization: Bearer" in page.get_data(as_text=True)
    assert "/api/v1/openapi.json" in page.get_data(as_text=True)


def test_openapi_describes_every_answer_404s_and_parameters(api):
    document = api.get("/openapi.json").json
    operations = [(path, method, operation) for path, methods in document["paths"].items()
                  for method, operation in methods.items()]
    assert len(operations) >= 40
    for path, method, operation in operations:
        success = next(status for status in operation["responses"] if status.startswith("2"))
        schema = operation["responses"][success]["content"]["application/json"]["schema"]
        assert schema.get("$ref", "").startswith("#/components/schemas/"), (path, method)
        if "{" in path:
            assert "404" in operation["responses"], (path, method)
    governance = document["paths"]["/reports/governance"]["get"]
    [service] = [p for p in governance["parameters"] if p["name"] == "service"]
    assert service["required"] and service["schema"]["minLength"] == 1
    audit = {p["name"] for p in document["paths"]["/plans/{id}/audit"]["get"]["parameters"]}
    assert {"action", "outcome", "transition", "actor", "id"} <= audit
    person = document["components"]["schemas"]["Person"]["properties"]["name"]
    assert person["minLength"] == 1  # a blank name is refused, and the document says so
    plan = document["components"]["schemas"]["PlanDocument"]
    assert {"id", "state", "version", "person_id"} <= set(plan["required"])
