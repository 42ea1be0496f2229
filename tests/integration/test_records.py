"""Daily records: required fields, written against the version in force, language feedback."""
import pytest

from tests.helpers import active_plan, daily_record

REQUIRED = ("outcome_id", "date", "observed_strength", "support_provided",
            "independence_opportunity", "next_step", "prompts", "completion")


def test_a_record_is_saved_with_its_language_flags(api):
    plan = active_plan(api)
    response = api.as_("sam").post(f"/plans/{plan['id']}/records", daily_record(
        note="Margaret refused her shower, then chose to wash at the sink"))
    assert response.status == 201, response
    record = response.json
    assert record["author"] == "sam" and record["version"] == 1
    [flag] = record["language_flags"]
    assert (flag["field"], flag["words"], flag["category"]) == ("note", "refused", "deficit")
    assert flag["why"] and flag["suggest"]


def test_strengths_based_wording_gets_no_flags(api):
    plan = active_plan(api)
    response = api.as_("sam").post(f"/plans/{plan['id']}/records", daily_record(
        note="Margaret declined the shower and chose to wash at the sink; prepared breakfast "
             "with two prompts"))
    assert response.status == 201 and response.json["language_flags"] == []


def test_flags_advise_and_never_stop_a_record(api):
    plan = active_plan(api)
    response = api.as_("sam").post(f"/plans/{plan['id']}/records", daily_record(
        support_provided="Supported with breakfast", note="Service user was non-compliant"))
    assert response.status == 201
    assert {flag["term"].split(".")[0] for flag in response.json["language_flags"]} >= {
        "task_only", "deficit", "depersonalising"}


@pytest.mark.parametrize("field", REQUIRED)
def test_each_missing_required_field_is_named(api, field):
    plan = active_plan(api)
    record = daily_record()
    del record[field]
    response = api.as_("sam").post(f"/plans/{plan['id']}/records", record)
    assert response.status == 422 and list(response.json["details"]) == [field]


def test_every_missing_field_is_named_at_once_and_blank_text_counts_as_missing(api):
    plan = active_plan(api)
    response = api.as_("sam").post(f"/plans/{plan['id']}/records",
                                   {"outcome_id": "o1", "observed_strength": "  "})
    assert response.status == 422
    assert set(response.json["details"]) == set(REQUIRED) - {"outcome_id"}
    assert api.as_("sam").get(f"/plans/{plan['id']}/records").json["records"] == []


@pytest.mark.parametrize("fields,problem", [
    ({"outcome_id": "o9"}, "outcome_id"),
    ({"date": "2026-11-21"}, "date"),
    ({"prompts": -1}, "prompts"),
    ({"prompts": "two"}, "prompts"),
    ({"completion": "sort of"}, "completion"),
    ({"mood": "good"}, "mood"),
])
def test_bad_records_are_refused_precisely(api, fields, problem):
    plan = active_plan(api)
    response = api.as_("sam").post(f"/plans/{plan['id']}/records", daily_record(**fields))
    assert response.status == 422 and problem in response.json["details"]


def test_records_need_an_approved_plan(api):
    plan = api.as_("sam").new_plan()
    response = api.as_("sam").post(f"/plans/{plan['id']}/records", daily_record())
    assert response.status == 422 and "plan" in response.json["details"]


def test_records_are_listed_newest_first_and_only_in_scope(api, clock):
    plan = active_plan(api)
    for day in ("2026-11-18", "2026-11-20", "2026-11-19"):
        api.as_("sam").post(f"/plans/{plan['id']}/records", daily_record(day=day))
    listed = api.as_("ada").get(f"/plans/{plan['id']}/records").json["records"]
    assert [r["date"] for r in listed] == ["2026-11-20", "2026-11-19", "2026-11-18"]
    assert api.as_("oli").get(f"/plans/{plan['id']}/records").status == 404
    assert api.as_("ada").post(f"/plans/{plan['id']}/records", daily_record()).status == 403
