"""Every approve and activate rule, failed and passed, with what exactly is missing."""
import pytest

from tests.helpers import plan_content

APPROVE_RULES = [
    "plan.has-outcomes", "plan.outcomes-observable", "plan.outcomes-use-strengths",
    "plan.outcomes-have-actions", "plan.hours-allocated", "plan.risks-complete",
    "plan.restrictions-justified", "plan.restriction-review-dates-ahead",
    "plan.person-involved", "plan.review-date-set", "plan.independent-approver",
]
VALID = plan_content()


def without(items, item_id):
    return [item for item in items if item["id"] != item_id]


def changed(items, item_id, **fields):
    return [{**item, **fields} if item["id"] == item_id else item for item in items]


# rule id, content that breaks only that rule, words the detail must contain
FAILURES = [
    ("plan.has-outcomes", dict(outcomes=[], actions=[], commissioned_hours_per_week=0),
     "the plan has no outcomes"),
    ("plan.outcomes-observable", dict(outcomes=changed(VALID["outcomes"], "o2", measure=None)),
     "outcome o2 has no measure"),
    ("plan.outcomes-observable",
     dict(outcomes=changed(VALID["outcomes"], "o1", target=" ", statement="")),
     "outcome o1 has no statement and target"),
    ("plan.outcomes-observable",
     dict(outcomes=changed(VALID["outcomes"], "o1", target="Improve independence.")),
     "outcome o1's target \"Improve independence.\" is not observable"),
    ("plan.outcomes-use-strengths", dict(outcomes=changed(VALID["outcomes"], "o2",
                                                          strength_ids=[])),
     "outcome o2 builds on no recorded strength"),
    ("plan.outcomes-use-strengths", dict(strengths=changed(VALID["strengths"], "s2",
                                                           used_as="")),
     "strength s2 does not say how staff use it"),
    ("plan.outcomes-have-actions", dict(actions=changed(VALID["actions"], "a2", outcome_id="o1")),
     "outcome o2 has no support action"),
    ("plan.outcomes-have-actions", dict(actions=changed(VALID["actions"], "a2",
                                                        description=None)),
     "outcome o2 has no action that says what staff do"),
    ("plan.hours-allocated", dict(commissioned_hours_per_week=12),
     "actions allocate 10 of 12 commissioned hours per week (2 unallocated)"),
    ("plan.hours-allocated", dict(commissioned_hours_per_week=9),
     "actions allocate 10 of 9 commissioned hours per week (1 over)"),
    ("plan.hours-allocated", dict(commissioned_hours_per_week=None),
     "the plan has no commissioned hours"),
    ("plan.risks-complete", dict(risks=changed(VALID["risks"], "r1", monitoring="",
                                               escalation=None)),
     "risk r1 does not record what staff monitor and when to escalate or reassess"),
    ("plan.restrictions-justified", dict(risks=changed(VALID["risks"], "r1", restrictive=True)),
     "restriction r1 has no justification; restriction r1 has no review date"),
    ("plan.restrictions-justified",
     dict(risks=changed(VALID["risks"], "r1", restrictive=True, justification="Best interests",
                        review_date="2027-02-01")),
     "restriction r1 is reviewed on 2027-02-01, after the plan's next review on 2027-01-12"),
    ("plan.restriction-review-dates-ahead",
     dict(risks=changed(VALID["risks"], "r1", restrictive=True, justification="Best interests",
                        review_date="2026-11-19")),
     "restriction r1 (Scald from the kettle) is to be reviewed on 19 November 2026, "
     "already past: set a review date after 20 November 2026"),
    ("plan.person-involved", dict(involvement={**VALID["involvement"], "person_views": None}),
     "the person's views in their own words are not recorded"),
    ("plan.person-involved", dict(involvement={**VALID["involvement"],
                                               "consent": "best_interests"}),
     "consent is by best interests but no best-interests decision is recorded"),
    ("plan.person-involved", dict(involvement={**VALID["involvement"], "consent": None,
                                               "involved_on": None}),
     "the date the person was involved is not recorded; neither consent nor a best-interests"),
    ("plan.review-date-set", dict(next_review_date="2027-01-13"),
     "the next review on 2027-01-13 is later than policy allows (2027-01-12, 42 days after "
     "the start date 2026-12-01)"),
    ("plan.review-date-set", dict(next_review_date="2026-11-30"),
     "the next review on 2026-11-30 is before the start date 2026-12-01"),
    ("plan.review-date-set", dict(start_date=None), "the plan has no start date"),
    ("plan.review-date-set", dict(next_review_date=None), "the plan has no next review date"),
]


def approve_checks(api, plan_id, who="max"):
    [approve] = [t for t in api.as_(who).get(f"/plans/{plan_id}/transitions").json["transitions"]
                 if t["name"] == "approve"]
    return {check["rule"]: check for check in approve["checks"]}, approve["allowed"]


@pytest.mark.parametrize("rule,content,detail", FAILURES,
                         ids=[f"{rule}-{i}" for i, (rule, _, _) in enumerate(FAILURES)])
def test_approve_is_refused_naming_the_rule_and_what_is_missing(api, rule, content, detail):
    plan = api.as_("sam").new_plan(**plan_content(**content))
    refused = api.as_("max").fire(plan["id"], "approve")
    assert refused.status == 422 and refused.json["error"] == "blocked"
    assert [item["rule"] for item in refused.json["details"]] == [rule]
    assert detail in refused.json["details"][0]["detail"]
    assert api.as_("sam").get(f"/plans/{plan['id']}").json["state"] == "draft"


@pytest.mark.parametrize("rule", APPROVE_RULES)
def test_a_complete_plan_passes_each_approve_rule(api, rule):
    plan = api.as_("sam").new_plan(**plan_content())
    checks, allowed = approve_checks(api, plan["id"])
    assert checks[rule]["passed"] is True and checks[rule]["detail"] is None
    assert allowed is True
    assert list(checks) == APPROVE_RULES


def test_every_failing_rule_is_reported_not_just_the_first(api):
    plan = api.as_("sam").new_plan(**plan_content(
        commissioned_hours_per_week=20, next_review_date="2027-06-01",
        involvement={**VALID["involvement"], "person_views": ""}))
    refused = api.as_("max").fire(plan["id"], "approve")
    assert [item["rule"] for item in refused.json["details"]] == [
        "plan.hours-allocated", "plan.person-involved", "plan.review-date-set"]


def test_hours_within_the_configured_tolerance_pass(api):
    plan = api.as_("sam").new_plan(**plan_content(commissioned_hours_per_week=10.25))
    assert approve_checks(api, plan["id"])[0]["plan.hours-allocated"]["passed"]


def test_hours_tolerance_comes_from_config(make_app, users, clock):
    from tests.helpers import Api
    strict = Api(make_app(**{"plan.hours_tolerance": 0.0}).test_client(), users)
    plan = strict.as_("sam").new_plan(**plan_content(commissioned_hours_per_week=10.25))
    assert not approve_checks(strict, plan["id"])[0]["plan.hours-allocated"]["passed"]


def test_first_review_window_comes_from_config(make_app, users):
    from tests.helpers import Api
    relaxed = Api(make_app(**{"review.first_review_days": 90}).test_client(), users)
    plan = relaxed.as_("sam").new_plan(**plan_content(next_review_date="2027-02-20"))
    assert approve_checks(relaxed, plan["id"])[0]["plan.review-date-set"]["passed"]


def test_a_justified_restriction_reviewed_in_time_passes(api):
    plan = api.as_("sam").new_plan(**plan_content(risks=changed(
        VALID["risks"], "r1", restrictive=True, review_date="2027-01-12",
        justification="Best-interests decision 2026-11-10: sensor mat at night only")))
    assert approve_checks(api, plan["id"])[0]["plan.restrictions-justified"]["passed"]


def test_a_recorded_best_interests_decision_stands_for_consent(api):
    plan = api.as_("sam").new_plan(**plan_content(involvement={
        **VALID["involvement"], "consent": "best_interests",
        "best_interests_record": "MCA assessment and best-interests meeting, 2026-11-12"}))
    assert approve_checks(api, plan["id"])[0]["plan.person-involved"]["passed"]


def test_four_eyes_covers_every_editor_not_only_the_author(api):
    plan = api.as_("sam").new_plan(**plan_content())
    api.as_("max").edit(plan["id"], **plan_content(commissioned_hours_per_week=10))
    checks, _ = approve_checks(api, plan["id"], who="max")
    assert checks["plan.independent-approver"] == {
        "rule": "plan.independent-approver", "passed": False,
        "text": "Cannot proceed without an approver who neither authored nor edited this version.",
        "detail": "max authored or edited this version"}
    assert approve_checks(api, plan["id"], who="mia")[0]["plan.independent-approver"]["passed"]
    assert api.as_("mia").fire(plan["id"], "approve").status == 200


def test_a_manager_who_authored_the_plan_cannot_approve_it(api):
    plan = api.as_("mia").new_plan(**plan_content())
    refused = api.as_("mia").fire(plan["id"], "approve")
    assert [item["rule"] for item in refused.json["details"]] == ["plan.independent-approver"]


def activate_checks(api, plan_id):
    [activate] = [t for t in api.as_("max").get(f"/plans/{plan_id}/transitions").json[
        "transitions"] if t["name"] == "activate"]
    return {check["rule"]: check for check in activate["checks"]}


def approved_plan(api, **content):
    plan = api.as_("sam").new_plan(**plan_content(**content))
    assert api.as_("max").fire(plan["id"], "approve").status == 200
    return plan


@pytest.mark.parametrize("key_worker,detail", [
    (None, "no key worker is named"),
    ("nobody", "key worker nobody is not a member of staff in service riverside"),
    ("oli", "key worker oli is not a member of staff in service riverside"),
    ("ada", "key worker ada is an auditor, not a member of staff"),
])
def test_activation_needs_a_key_worker_in_the_plans_service(api, key_worker, detail):
    plan = approved_plan(api, key_worker=key_worker)
    check = activate_checks(api, plan["id"])["plan.key-worker-assigned"]
    assert check["passed"] is False and check["detail"] == detail


def test_a_key_worker_in_the_service_passes(api):
    plan = approved_plan(api, key_worker="sue")
    assert activate_checks(api, plan["id"])["plan.key-worker-assigned"]["passed"]


def test_only_the_key_workers_own_acknowledgement_briefs_the_team(api):
    plan = approved_plan(api, key_worker="sam")
    api.as_("sue").post(f"/plans/{plan['id']}/acknowledgements", {})
    check = activate_checks(api, plan["id"])["plan.team-briefed"]
    assert check == {"rule": "plan.team-briefed", "passed": False,
                     "text": "Cannot proceed without the key worker's acknowledgement that "
                             "they have read this version.",
                     "detail": "key worker sam has not acknowledged version 1"}
    api.as_("sam").post(f"/plans/{plan['id']}/acknowledgements", {})
    assert activate_checks(api, plan["id"])["plan.team-briefed"]["passed"]


def active_plan(api):
    plan = approved_plan(api)
    api.as_("sam").post(f"/plans/{plan['id']}/acknowledgements", {})
    assert api.as_("max").fire(plan["id"], "activate").status == 200
    return plan


def test_an_unplanned_review_needs_a_reason_before_the_review_date(api):
    plan = active_plan(api)
    early = api.as_("sam").fire(plan["id"], "start_review")
    assert [item["rule"] for item in early.json["details"]] == ["review.trigger-recorded"]
    assert "the review date 2027-01-12 has not arrived" in early.json["details"][0]["detail"]
    started = api.as_("sam").fire(plan["id"], "start_review",
                                  reason="Fall at home on 19 November: change in needs")
    assert started.status == 200 and started.json["plan"]["state"] == "review_due"


def test_a_review_can_start_without_a_reason_once_its_date_has_arrived(api, clock):
    from datetime import datetime, timezone
    plan = active_plan(api)
    clock.set(datetime(2027, 1, 12, 8, tzinfo=timezone.utc))
    started = api.as_("sam").fire(plan["id"], "start_review")
    assert started.status == 200, started


def test_a_revision_is_not_approved_with_a_restriction_review_already_past(api, clock):
    """The issue's case: a restriction to be reviewed on 20 December, the revision approved on
    3 January with that date left as it was. Approval is refused and audited; nothing else
    changes; a review date ahead lets the same revision through."""
    from tests.helpers import active_plan, review_record
    knife = {**VALID["risks"][0], "id": "r2", "description": "Kitchen knives in a locked drawer",
             "restrictive": True, "justification": "Best-interests decision 12 November 2026",
             "review_date": "2026-12-20"}
    plan = active_plan(api, risks=[*VALID["risks"], knife])
    clock.advance(days=44)  # 3 January 2027
    assert api.as_("max").fire(plan["id"], "start_review", reason="The family asked").status \
        == 200
    assert api.as_("sam").post(f"/plans/{plan['id']}/reviews", {
        **review_record(decision="revise"), "risks_reviewed": ["r1", "r2"]}).status == 201
    assert api.as_("sam").fire(plan["id"], "revise").status == 200
    api.as_("sam").edit(plan["id"], **plan_content(risks=[*VALID["risks"], knife],
                                                   next_review_date="2027-03-01"))
    before = api.as_("max").get(f"/plans/{plan['id']}").json
    trail = len(api.as_("max").get(f"/plans/{plan['id']}/audit").json["events"])
    refused = api.as_("max").fire(plan["id"], "approve")
    assert refused.status == 422 and refused.json["error"] == "blocked", refused
    assert [(item["rule"], item["detail"]) for item in refused.json["details"]] == [(
        "plan.restriction-review-dates-ahead",
        "restriction r2 (Kitchen knives in a locked drawer) is to be reviewed on 20 December "
        "2026, already past: set a review date after 3 January 2027")]
    assert api.as_("max").get(f"/plans/{plan['id']}").json == before
    assert len(api.as_("max").get(f"/plans/{plan['id']}/audit").json["events"]) == trail + 1
    api.as_("sam").edit(plan["id"], **plan_content(
        risks=[*VALID["risks"], {**knife, "review_date": "2027-02-01"}],
        next_review_date="2027-03-01"))
    approved = api.as_("max").fire(plan["id"], "approve")
    assert approved.status == 200, approved
    assert approved.json["plan"]["state"] == "approved"
