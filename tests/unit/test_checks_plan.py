"""The plan.* checks, on in-memory plans: what passes, and the words for each thing missing."""
from datetime import date, timedelta

import pytest

from tests.unit.snapshots import (
    TODAY,
    actor,
    changed,
    judge,
    params,
    plan_content,
    plan_snapshot,
    restriction,
    user,
)

VALID = plan_content()


def judged(rule_id, **content):
    """What the rule finds missing in a draft of plan_content(**content)."""
    return judge(rule_id, plan_snapshot(plan_content(**content)), actor=actor("max"))


@pytest.mark.parametrize("rule_id", [
    "plan.has-outcomes", "plan.outcomes-observable", "plan.outcomes-use-strengths",
    "plan.outcomes-have-actions", "plan.hours-allocated", "plan.risks-complete",
    "plan.restrictions-justified", "plan.restriction-review-dates-ahead",
    "plan.person-involved", "plan.review-date-set",
    "plan.independent-approver", "plan.key-worker-assigned"])
def test_a_complete_plan_passes(rule_id):
    assert judged(rule_id) == []


# --- plan.has-outcomes ---------------------------------------------------------------------

def test_a_plan_without_outcomes_is_named():
    assert judged("plan.has-outcomes", outcomes=[]) == ["the plan has no outcomes"]


def test_a_plan_whose_content_lacks_the_outcomes_list_has_none():
    content = plan_content()
    del content["outcomes"]
    assert judge("plan.has-outcomes", plan_snapshot(content)) == ["the plan has no outcomes"]


# --- plan.outcomes-observable --------------------------------------------------------------

def test_outcome_without_a_measure_is_named():
    assert judged("plan.outcomes-observable",
                  outcomes=changed(VALID["outcomes"], "o2", measure=None)) == [
        "outcome o2 has no measure"]


def test_outcome_with_blank_statement_and_target_names_both():
    assert judged("plan.outcomes-observable",
                  outcomes=changed(VALID["outcomes"], "o1", statement="", target="  ")) == [
        "outcome o1 has no statement and target"]


def test_outcome_with_nothing_filled_in_names_all_three_fields():
    assert judged("plan.outcomes-observable", outcomes=changed(
        VALID["outcomes"], "o1", statement=None, target=None, measure=None)) == [
        "outcome o1 has no statement, target and measure"]


@pytest.mark.parametrize("phrase", params("plan.outcomes-observable")["vague_targets"])
def test_every_vague_target_in_the_pack_is_refused_in_any_case_and_punctuation(phrase):
    target = phrase.capitalize() + "."
    assert judged("plan.outcomes-observable",
                  outcomes=changed(VALID["outcomes"], "o2", target=target)) == [
        f"outcome o2's target \"{target}\" is not observable: say what the person does, how "
        "often, with what support"]


def test_a_target_that_says_more_than_a_vague_phrase_passes():
    target = "improve independence: makes toast with one prompt, five days a week"
    assert judged("plan.outcomes-observable",
                  outcomes=changed(VALID["outcomes"], "o1", target=target)) == []


def test_each_unobservable_outcome_is_named_in_plan_order():
    outcomes = changed(changed(VALID["outcomes"], "o1", measure=""), "o2", target="Feel better")
    assert judged("plan.outcomes-observable", outcomes=outcomes) == [
        "outcome o1 has no measure",
        "outcome o2's target \"Feel better\" is not observable: say what the person does, how "
        "often, with what support"]


# --- plan.outcomes-use-strengths -----------------------------------------------------------

def test_outcome_building_on_no_strength_is_named():
    assert judged("plan.outcomes-use-strengths",
                  outcomes=changed(VALID["outcomes"], "o2", strength_ids=[])) == [
        "outcome o2 builds on no recorded strength"]


def test_strength_not_saying_how_staff_use_it_is_named():
    assert judged("plan.outcomes-use-strengths",
                  strengths=changed(VALID["strengths"], "s2", used_as=" ")) == [
        "strength s2 does not say how staff use it"]


def test_outcomes_without_strengths_and_unused_strengths_are_all_named():
    assert judged("plan.outcomes-use-strengths",
                  outcomes=changed(VALID["outcomes"], "o1", strength_ids=[]),
                  strengths=changed(VALID["strengths"], "s1", used_as=None)) == [
        "outcome o1 builds on no recorded strength", "strength s1 does not say how staff use it"]


# --- plan.outcomes-have-actions ------------------------------------------------------------

def test_outcome_without_a_support_action_is_named():
    assert judged("plan.outcomes-have-actions",
                  actions=changed(VALID["actions"], "a2", outcome_id="o1")) == [
        "outcome o2 has no support action"]


def test_outcome_whose_actions_say_nothing_is_named():
    assert judged("plan.outcomes-have-actions",
                  actions=changed(VALID["actions"], "a2", description="  ")) == [
        "outcome o2 has no action that says what staff do"]


def test_one_described_action_is_enough_for_an_outcome():
    blank = {**VALID["actions"][0], "id": "a3", "description": None}
    assert judged("plan.outcomes-have-actions", actions=[*VALID["actions"], blank]) == []


# --- plan.hours-allocated ------------------------------------------------------------------

TOLERANCE = params("plan.hours-allocated")["tolerance"]


def test_unallocated_commissioned_hours_are_counted():
    assert judged("plan.hours-allocated", commissioned_hours_per_week=12) == [
        "actions allocate 10 of 12 commissioned hours per week (2 unallocated)"]


def test_hours_allocated_beyond_those_commissioned_are_counted():
    assert judged("plan.hours-allocated", commissioned_hours_per_week=9) == [
        "actions allocate 10 of 9 commissioned hours per week (1 over)"]


def test_fractions_of_an_hour_are_written_without_trailing_zeros():
    actions = changed(changed(VALID["actions"], "a1", hours_per_week=7.5), "a2",
                      hours_per_week=1.25)
    assert judged("plan.hours-allocated", actions=actions) == [
        "actions allocate 8.75 of 10 commissioned hours per week (1.25 unallocated)"]


def test_a_plan_without_commissioned_hours_is_named():
    assert judged("plan.hours-allocated", commissioned_hours_per_week=None) == [
        "the plan has no commissioned hours"]


@pytest.mark.parametrize("hours", [None, 0])
def test_action_without_hours_is_named(hours):
    assert judged("plan.hours-allocated", commissioned_hours_per_week=7,
                  actions=changed(VALID["actions"], "a2", hours_per_week=hours)) == [
        "action a2 has no hours"]


def test_action_without_hours_and_the_gap_it_leaves_are_both_named():
    assert judged("plan.hours-allocated",
                  actions=changed(VALID["actions"], "a2", hours_per_week=None)) == [
        "action a2 has no hours",
        "actions allocate 7 of 10 commissioned hours per week (3 unallocated)"]


def test_hours_within_the_configured_tolerance_pass():
    assert TOLERANCE > 0
    assert judged("plan.hours-allocated", commissioned_hours_per_week=10 + TOLERANCE) == []
    assert judged("plan.hours-allocated", commissioned_hours_per_week=10 - TOLERANCE) == []


def test_hours_just_beyond_the_tolerance_fail():
    commissioned = 10 + 2 * TOLERANCE
    assert judged("plan.hours-allocated", commissioned_hours_per_week=commissioned) == [
        f"actions allocate 10 of {commissioned:g} commissioned hours per week "
        f"({2 * TOLERANCE:g} unallocated)"]


# --- plan.risks-complete -------------------------------------------------------------------

def test_risk_missing_monitoring_and_escalation_names_both():
    assert judged("plan.risks-complete",
                  risks=changed(VALID["risks"], "r1", monitoring="", escalation=None)) == [
        "risk r1 does not record what staff monitor and when to escalate or reassess"]


def test_risk_with_nothing_recorded_names_all_four_things():
    assert judged("plan.risks-complete", risks=changed(
        VALID["risks"], "r1", description=None, why_proportionate=" ", monitoring=None,
        escalation="")) == [
        "risk r1 does not record what the risk is, why the approach is proportionate, what "
        "staff monitor and when to escalate or reassess"]


def test_each_incomplete_risk_is_named():
    risks = [*VALID["risks"], restriction("r2", why_proportionate=None)]
    assert judged("plan.risks-complete",
                  risks=changed(risks, "r1", description=None)) == [
        "risk r1 does not record what the risk is",
        "risk r2 does not record why the approach is proportionate"]


def test_a_plan_with_no_risks_has_no_incomplete_risk():
    assert judged("plan.risks-complete", risks=[]) == []


# --- plan.restrictions-justified -----------------------------------------------------------

def test_a_justified_restriction_reviewed_by_the_plans_review_passes():
    assert judged("plan.restrictions-justified",
                  risks=[*VALID["risks"], restriction(review_date="2027-01-12")]) == []


def test_restriction_without_justification_or_review_date_names_both():
    assert judged("plan.restrictions-justified",
                  risks=changed(VALID["risks"], "r1", restrictive=True)) == [
        "restriction r1 has no justification", "restriction r1 has no review date"]


def test_restriction_reviewed_after_the_plans_next_review_is_named_with_both_dates():
    assert judged("plan.restrictions-justified",
                  risks=[restriction(review_date="2027-02-01")]) == [
        "restriction r2 is reviewed on 2027-02-01, after the plan's next review on 2027-01-12"]


# --- plan.restriction-review-dates-ahead ----------------------------------------------------

def test_a_restriction_reviewed_after_today_passes():
    assert judged("plan.restriction-review-dates-ahead",
                  risks=[*VALID["risks"], restriction(review_date="2026-11-21")]) == []


def test_a_restriction_review_already_past_or_today_is_named_in_words():
    assert judged("plan.restriction-review-dates-ahead", risks=[
        *VALID["risks"], restriction(review_date="2026-11-01"),
        restriction("r3", review_date=TODAY.isoformat())]) == [
        "restriction r2 (Leaves the house alone at night) is to be reviewed on 1 November 2026, "
        "already past: set a review date after 20 November 2026",
        "restriction r3 (Leaves the house alone at night) is to be reviewed on 20 November 2026, "
        "today: set a review date after 20 November 2026"]


def test_a_past_date_on_a_risk_that_restricts_nothing_or_no_date_is_not_this_rules_concern():
    assert judged("plan.restriction-review-dates-ahead", risks=[
        {**VALID["risks"][0], "review_date": "2026-01-01"},
        restriction(review_date=None)]) == []


def test_an_unjustified_risk_that_restricts_nothing_passes():
    assert VALID["risks"][0]["justification"] is None
    assert judged("plan.restrictions-justified") == []


def test_restriction_review_date_is_not_compared_when_the_plan_has_no_review_date():
    assert judged("plan.restrictions-justified", next_review_date=None,
                  risks=[restriction(review_date="2028-01-01")]) == []


# --- plan.person-involved ------------------------------------------------------------------

def involvement(**fields):
    return {**VALID["involvement"], **fields}


def test_missing_views_in_the_persons_own_words_are_named():
    assert judged("plan.person-involved", involvement=involvement(person_views=" ")) == [
        "the person's views in their own words are not recorded"]


def test_missing_date_of_involvement_is_named():
    assert judged("plan.person-involved", involvement=involvement(involved_on=None)) == [
        "the date the person was involved is not recorded"]


def test_missing_consent_is_named():
    assert judged("plan.person-involved", involvement=involvement(consent=None)) == [
        "neither consent nor a best-interests decision is recorded"]


def test_best_interests_without_the_decision_recorded_is_named():
    assert judged("plan.person-involved", involvement=involvement(
        consent="best_interests", best_interests_record="")) == [
        "consent is by best interests but no best-interests decision is recorded"]


def test_a_recorded_best_interests_decision_stands_for_consent():
    assert judged("plan.person-involved", involvement=involvement(
        consent="best_interests", best_interests_record="MCA assessment, 2026-11-12")) == []


def test_a_plan_with_no_involvement_names_views_date_and_consent():
    content = plan_content()
    del content["involvement"]
    assert judge("plan.person-involved", plan_snapshot(content)) == [
        "the person's views in their own words are not recorded",
        "the date the person was involved is not recorded",
        "neither consent nor a best-interests decision is recorded"]


# --- plan.review-date-set ------------------------------------------------------------------

FIRST_REVIEW_DAYS = params("plan.review-date-set")["first_review_days"]
INTERVAL_DAYS = params("plan.review-date-set")["review_interval_days"]
START = date(2026, 12, 1)


def test_a_first_review_on_the_last_day_policy_allows_passes():
    last = START + timedelta(days=FIRST_REVIEW_DAYS)
    assert judged("plan.review-date-set", next_review_date=last.isoformat()) == []


def test_a_first_review_a_day_too_late_names_the_limit_and_why():
    limit = START + timedelta(days=FIRST_REVIEW_DAYS)
    late = limit + timedelta(days=1)
    assert judged("plan.review-date-set", next_review_date=late.isoformat()) == [
        f"the next review on {late} is later than policy allows ({limit}, {FIRST_REVIEW_DAYS} "
        "days after the start date 2026-12-01)"]


def test_the_shipped_first_review_is_six_weeks_after_the_start():
    # The pack reads review.first_review_days from config.toml; the policy is six weeks.
    assert FIRST_REVIEW_DAYS == 42
    assert judged("plan.review-date-set", next_review_date="2027-01-13") == [
        "the next review on 2027-01-13 is later than policy allows (2027-01-12, 42 days after "
        "the start date 2026-12-01)"]


def test_a_review_before_the_start_date_is_named():
    assert judged("plan.review-date-set", next_review_date="2026-11-30") == [
        "the next review on 2026-11-30 is before the start date 2026-12-01"]


def test_a_plan_without_a_next_review_date_is_named():
    assert judged("plan.review-date-set", next_review_date=None) == [
        "the plan has no next review date"]


def test_a_first_plan_without_a_start_date_cannot_have_its_review_checked():
    assert judged("plan.review-date-set", start_date=None) == [
        "the plan has no start date, so the first review cannot be checked"]


def revision(**content):
    return plan_snapshot(plan_content(**content), current_version=1)


def test_a_revision_may_be_reviewed_up_to_the_review_interval_from_today():
    last = TODAY + timedelta(days=INTERVAL_DAYS)
    assert judge("plan.review-date-set", revision(next_review_date=last.isoformat())) == []


def test_a_revision_reviewed_beyond_the_interval_names_the_limit_from_today():
    limit = TODAY + timedelta(days=INTERVAL_DAYS)
    late = limit + timedelta(days=1)
    assert judge("plan.review-date-set", revision(next_review_date=late.isoformat())) == [
        f"the next review on {late} is later than policy allows ({limit}, {INTERVAL_DAYS} "
        "days from today)"]


def test_a_revision_needs_no_start_date():
    assert judge("plan.review-date-set", revision(start_date=None)) == []


# --- plan.independent-approver -------------------------------------------------------------

def test_an_approver_who_did_not_edit_passes():
    assert judge("plan.independent-approver", plan_snapshot(editors=("sam", "max")),
                 actor=actor("mia")) == []


@pytest.mark.parametrize("approver", ["sam", "max"])
def test_approver_who_authored_or_edited_the_version_is_named(approver):
    assert judge("plan.independent-approver", plan_snapshot(editors=("sam", "max")),
                 actor=actor(approver)) == [f"{approver} authored or edited this version"]


# --- plan.approver-available (a warning) ---------------------------------------------------

def test_a_manager_who_did_not_edit_could_approve():
    assert judge("plan.approver-available", plan_snapshot(editors=("sam", "max")),
                 actor=actor("sam")) == []


def test_nobody_could_approve_when_every_manager_edited_it_and_the_way_out_is_named():
    [problem] = judge("plan.approver-available", plan_snapshot(editors=("max", "mia")),
                      actor=actor("mia"))
    assert problem == ("no manager could approve it: max and mia authored or edited this "
                       "version. An admin can add a manager of another service as an approver "
                       "(strengthwise user add-approver USERNAME --service riverside)")


def test_a_service_without_managers_is_said_so():
    [problem] = judge("plan.approver-available", plan_snapshot(managers=()), actor=actor("sam"))
    assert problem.startswith("no manager could approve it: the service has no manager.")


# --- plan.key-worker-assigned --------------------------------------------------------------

def key_worker_problems(name, worker):
    snapshot = plan_snapshot(plan_content(key_worker=name), key_worker=worker,
                             current_version=1)
    return judge("plan.key-worker-assigned", snapshot, actor=actor())


@pytest.mark.parametrize("role", ["staff", "manager"])
def test_staff_or_a_manager_of_the_plans_service_may_be_key_worker(role):
    assert key_worker_problems("sue", user("sue", role=role)) == []


@pytest.mark.parametrize("name", [None, "", "  "])
def test_a_plan_naming_no_key_worker_is_named(name):
    assert key_worker_problems(name, None) == ["no key worker is named"]


def test_a_key_worker_who_is_not_a_user_is_named():
    assert key_worker_problems("nobody", None) == [
        "key worker nobody is not a member of staff in service riverside"]


def test_an_inactive_key_worker_is_named():
    assert key_worker_problems("sue", user("sue", active=False)) == [
        "key worker sue is no longer active"]


def test_a_key_worker_from_another_service_reads_as_one_who_does_not_exist():
    elsewhere = key_worker_problems("oli", user("oli", services=("hillside",)))
    assert elsewhere == ["key worker oli is not a member of staff in service riverside"]
    assert elsewhere == key_worker_problems("oli", None)


@pytest.mark.parametrize("role", ["auditor", "admin"])
def test_a_key_worker_who_is_not_staff_is_named_with_their_role(role):
    assert key_worker_problems("ada", user("ada", role=role)) == [
        f"key worker ada is an {role}, not a member of staff"]


# --- plan.team-briefed ---------------------------------------------------------------------

def briefing(acknowledged_by, key_worker="sam", version=1):
    snapshot = plan_snapshot(plan_content(key_worker=key_worker), current_version=version,
                             acknowledged_by=acknowledged_by)
    return judge("plan.team-briefed", snapshot, actor=actor())


def test_the_key_workers_acknowledgement_briefs_the_team():
    assert briefing(("sue", "sam")) == []


def test_someone_elses_acknowledgement_does_not_stand_for_the_key_workers():
    assert briefing(("sue",), version=3) == ["key worker sam has not acknowledged version 3"]


def test_a_plan_with_no_key_worker_has_no_one_to_acknowledge_it():
    assert briefing(("sue",), key_worker=None) == [
        "no key worker is named to acknowledge the plan"]
