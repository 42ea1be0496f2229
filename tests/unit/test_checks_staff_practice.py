"""The supervision.* and competency.* checks, on in-memory snapshots: what passes, and the
words for each thing missing."""
from datetime import date, timedelta

import pytest

from tests.unit.snapshots import (
    TODAY,
    actor,
    assessment_record,
    competency_snapshot,
    judge,
    observation,
    supervision_record,
    supervision_snapshot,
    training_record,
)


@pytest.mark.parametrize("rule_id", ["supervision.record-written",
                                     "supervision.independent-sign-off",
                                     "supervision.recorded-by-other",
                                     "supervision.progression-understood"])
def test_a_complete_supervision_passes(rule_id):
    assert judge(rule_id, supervision_snapshot(), actor=actor("max")) == []


@pytest.mark.parametrize("rule_id", ["competency.training-recorded", "competency.check-recorded",
                                     "competency.practice-observed",
                                     "competency.follow-up-supervision",
                                     "competency.independent-sign-off"])
def test_a_complete_competency_passes(rule_id):
    assert judge(rule_id, competency_snapshot(), actor=actor("max")) == []


# --- supervision.record-written ------------------------------------------------------------

def written(record):
    return judge("supervision.record-written", supervision_snapshot(record), actor=actor())


def test_a_supervision_with_no_record_is_named():
    assert written(None) == ["no supervision record has been written"]


@pytest.mark.parametrize("field,words", [
    ("observed_strength", "observed strength"), ("support_provided", "support provided"),
    ("independence_opportunity", "independence opportunity"),
    ("outcome_link", "outcome link"), ("next_step", "next step")])
def test_each_missing_field_is_named_in_words(field, words):
    assert written(supervision_record(**{field: None})) == [f"the record does not say {words}"]


@pytest.mark.parametrize("prompt,words", [
    ("strengths_identified", "how strengths were identified in recent support"),
    ("deficit_drift", "where practice drifted towards deficits, and why"),
    ("risk_balance", "how risks were balanced with enablement"),
    ("support_reduction", "whether support could be reduced safely"),
    ("outcomes_changed", "what outcomes have changed for the person"),
    ("learning_to_share", "what learning should be shared across the team")])
def test_each_unanswered_discussion_prompt_is_named_as_its_question(prompt, words):
    prompts = {**supervision_record()["prompts"], prompt: "  "}
    assert written(supervision_record(prompts=prompts)) == [f"the record does not say {words}"]


def test_missing_fields_come_before_unanswered_prompts():
    prompts = {**supervision_record()["prompts"], "learning_to_share": ""}
    assert written(supervision_record(observed_strength="", prompts=prompts)) == [
        "the record does not say observed strength and what learning should be shared across "
        "the team"]


def test_an_empty_record_names_every_field_and_prompt():
    assert written({}) == [
        "the record does not say observed strength, support provided, independence "
        "opportunity, outcome link, next step, how strengths were identified in recent support, "
        "where practice drifted towards deficits, and why, how risks were balanced with "
        "enablement, whether support could be reduced safely, what outcomes have changed for "
        "the person and what learning should be shared across the team"]


# --- supervision.independent-sign-off ------------------------------------------------------

def test_the_supervisee_cannot_sign_off_their_own_supervision():
    assert judge("supervision.independent-sign-off", supervision_snapshot(supervisee="mia"),
                 actor=actor("mia")) == ["mia is the supervisee"]


def test_the_supervisee_cannot_record_their_own_supervision():
    assert judge("supervision.recorded-by-other", supervision_snapshot(supervisee="sam"),
                 actor=actor("sam", "staff")) == ["sam is the supervisee"]


# --- supervision.progression-understood ----------------------------------------------------

def progression(**snapshot):
    """What the check finds for a supervision of 9 October to 20 November (by default its
    record complete and its outcome link finding plan 7, outcome o1, support and a record)."""
    snapshot = supervision_snapshot(period=(date(2026, 10, 9), TODAY), **snapshot)
    return judge("supervision.progression-understood", snapshot, actor=actor())


def test_a_supervision_with_no_record_names_no_outcome():
    assert progression(record=None) == ["no supervision record names an outcome"]


def test_an_outcome_link_to_a_plan_that_does_not_exist_is_named():
    record = supervision_record(outcome_link={"plan_id": 99, "outcome_id": "o1"})
    assert progression(record=record, plan=None, outcome=None) == [
        "the outcome link names no plan (plan 99 does not exist)"]


def test_an_outcome_the_plan_does_not_have_in_force_is_named():
    record = supervision_record(outcome_link={"plan_id": 7, "outcome_id": "o9"})
    assert progression(record=record, outcome=None) == ["plan 7 has no outcome 'o9' in force"]


def test_a_worker_who_does_not_support_the_plan_is_named():
    assert progression(supports=False) == [
        "sam neither is the key worker of plan 7 nor has written its daily records"]


def test_an_outcome_without_daily_records_in_the_period_names_the_period():
    assert progression(records=[]) == [
        "outcome o1 of plan 7 has no daily records between 2026-10-09 and 2026-11-20"]


def test_no_support_and_no_records_are_both_named():
    assert progression(supports=False, records=[]) == [
        "sam neither is the key worker of plan 7 nor has written its daily records",
        "outcome o1 of plan 7 has no daily records between 2026-10-09 and 2026-11-20"]


# --- competency.training-recorded ----------------------------------------------------------

def trained(training, rule_id="competency.training-recorded", **snapshot):
    return judge(rule_id, competency_snapshot(training=training, **snapshot), actor=actor())


def test_a_competency_without_a_training_record_is_named():
    assert trained(None) == ["no training record"]


@pytest.mark.parametrize("field,words", [("completed_on", "completion date"),
                                         ("learning_outcomes", "practical learning outcomes"),
                                         ("case_study", "case study participation")])
def test_each_missing_part_of_the_training_record_is_named(field, words):
    assert trained(training_record(**{field: " "})) == [f"the training record lacks {words}"]


def test_an_empty_training_record_names_all_three_parts():
    assert trained({}) == ["the training record lacks completion date, practical learning "
                           "outcomes and case study participation"]


# --- competency.check-recorded -------------------------------------------------------------

@pytest.mark.parametrize("assessment", [None, {}, assessment_record(competency_check="  ")])
def test_an_assessment_without_a_competency_check_is_named(assessment):
    assert judge("competency.check-recorded", competency_snapshot(assessment=assessment),
                 actor=actor()) == ["no competency check is recorded"]


# --- competency.practice-observed ----------------------------------------------------------

def observed(*observations):
    return judge("competency.practice-observed",
                 competency_snapshot(observations=list(observations)), actor=actor())


def test_a_competency_without_observations_is_named():
    assert observed() == ["no practice observation is recorded"]


def test_observations_only_by_the_worker_are_named():
    assert observed(observation("sam"), observation("sam")) == [
        "every practice observation was made by sam themself"]


def test_observations_not_saying_how_practice_applied_are_named():
    assert observed(observation("max", how_applied=" "), observation("mia", how_applied="")) == [
        "no observation says how strengths-based practice applied to real service delivery"]


def test_the_workers_own_account_of_how_practice_applied_does_not_count():
    assert observed(observation("sam"), observation("max", how_applied="")) == [
        "no observation says how strengths-based practice applied to real service delivery"]


def test_one_independent_observation_saying_how_practice_applied_is_enough():
    assert observed(observation("sam"), observation("max", how_applied=""),
                    observation("mia")) == []


# --- competency.follow-up-supervision ------------------------------------------------------

@pytest.mark.parametrize("assessment", [None, {}, assessment_record(
    follow_up_supervision_on=None)])
def test_an_assessment_without_a_follow_up_supervision_date_is_named(assessment):
    assert judge("competency.follow-up-supervision", competency_snapshot(assessment=assessment),
                 actor=actor()) == ["the assessment sets no follow-up supervision date"]


# --- competency.independent-sign-off -------------------------------------------------------

def test_a_manager_cannot_sign_off_their_own_competency():
    assert judge("competency.independent-sign-off", competency_snapshot(worker="mia"),
                 actor=actor("mia")) == ["mia cannot sign off their own competency"]


# --- competency.refresher-date-reached -----------------------------------------------------

def refresher_due(due, reason=None):
    return judge("competency.refresher-date-reached", competency_snapshot(refresher_due_on=due),
                 actor=actor(), inputs={"reason": reason})


@pytest.mark.parametrize("due", [TODAY, TODAY - timedelta(days=1)])
def test_a_refresher_whose_date_has_arrived_may_start(due):
    assert refresher_due(due) == []


def test_an_early_refresher_with_a_reason_may_start():
    assert refresher_due(date(2027, 11, 20), reason="Practice drifted to deficit wording") == []


@pytest.mark.parametrize("reason", [None, " "])
def test_an_early_refresher_without_a_reason_names_its_date(reason):
    assert refresher_due(date(2027, 11, 20), reason) == [
        "the refresher is not due until 2027-11-20 and no reason was given"]


# --- competency.refresher-recorded ---------------------------------------------------------

def refreshed(completed_on, due=date(2026, 11, 10)):
    return trained(training_record(completed_on=completed_on),
                   "competency.refresher-recorded", refresher_due_on=due)


@pytest.mark.parametrize("completed_on", ["2026-11-10", "2026-11-18"])
def test_refresher_training_on_or_after_the_due_date_passes(completed_on):
    assert refreshed(completed_on) == []


def test_training_completed_before_the_refresher_fell_due_is_named_with_both_dates():
    assert refreshed("2026-11-01") == [
        "the latest training was completed on 2026-11-01, before the refresher fell due on "
        "2026-11-10"]


def test_a_refresher_without_a_training_record_is_named():
    assert trained(None, "competency.refresher-recorded", refresher_due_on=TODAY) == [
        "no training record"]


def test_an_incomplete_refresher_training_record_names_what_it_lacks():
    assert trained(training_record(case_study=None), "competency.refresher-recorded",
                   refresher_due_on=TODAY) == [
        "the training record lacks case study participation"]
