"""The common.* checks any transition may use, and the quality.* checks of the plan quality
audit, on in-memory snapshots."""
from datetime import date, timedelta

import pytest

from engine.care.quality import Issue
from rules.checks import quality as quality_checks
from tests.unit.snapshots import (
    TODAY,
    LinkedSupervision,
    SupervisionRow,
    TaskRow,
    UserRow,
    actor,
    daily_record,
    in_force,
    judge,
    linked_facts,
    params,
    plan_content,
    plan_row,
    plan_snapshot,
    quality_context,
    restriction,
    supervision_record,
)

# --- common.reason-recorded and common.comment-recorded ----------------------------------

REASON_RULES = ["reinstate.reason-recorded", "close.reason-recorded"]


def given(rule_id, **inputs):
    return judge(rule_id, plan_snapshot(current_version=1), actor=actor(), inputs=inputs)


@pytest.mark.parametrize("rule_id", REASON_RULES)
def test_a_recorded_reason_passes(rule_id):
    assert given(rule_id, reason="Second fall this month", comment=None) == []


@pytest.mark.parametrize("reason", [None, "", " \n\t"])
@pytest.mark.parametrize("rule_id", REASON_RULES)
def test_no_reason_is_named(rule_id, reason):
    assert given(rule_id, reason=reason, comment="A comment is not a reason") == [
        "no reason was given"]


@pytest.mark.parametrize("rule_id", REASON_RULES)
def test_a_transition_sent_without_a_reason_field_has_no_reason(rule_id):
    assert given(rule_id) == ["no reason was given"]


def test_a_comment_saying_what_to_change_passes():
    assert given("return.comment-recorded", comment="Outcome o2 needs a measure") == []


@pytest.mark.parametrize("comment", [None, "", "   "])
def test_no_comment_is_named(comment):
    assert given("return.comment-recorded", comment=comment, reason="A reason is not a "
                 "comment") == ["no comment was given"]


# --- quality.evidence-current --------------------------------------------------------------

STALE_DAYS = params("quality.evidence-current")["stale_evidence_days"]
SINCE = TODAY - timedelta(days=STALE_DAYS)


def audit(rule_id, context):
    """The issues the audit rule finds in one service (the audit runs with no actor)."""
    return judge(rule_id, context)


def test_outcomes_with_a_record_on_the_first_day_of_the_window_are_current():
    context = quality_context(in_force(), last_record_on={(7, "o1"): SINCE, (7, "o2"): TODAY})
    assert audit("quality.evidence-current", context) == []


def test_outcomes_with_stale_or_no_records_are_named_with_the_plan_and_person():
    stale = SINCE - timedelta(days=1)
    context = quality_context(in_force(), last_record_on={(7, "o1"): stale})
    assert audit("quality.evidence-current", context) == [
        Issue("plan", 7, 7, "Ann Smith",
              f"outcome o1 has no daily record since {SINCE} (last on {stale})"),
        Issue("plan", 7, 7, "Ann Smith",
              f"outcome o2 has no daily record since {SINCE} (none at all)")]


def test_records_of_one_plan_do_not_count_for_another():
    other = plan_row(8, person="Bob Jones")
    context = quality_context(in_force(), in_force(other, plan_content(outcomes=[])),
                              last_record_on={(8, "o1"): TODAY, (7, "o2"): TODAY})
    assert audit("quality.evidence-current", context) == [
        Issue("plan", 7, 7, "Ann Smith",
              f"outcome o1 has no daily record since {SINCE} (none at all)")]


def test_the_shipped_window_is_four_weeks_back_from_today():
    assert STALE_DAYS == 28
    context = quality_context(in_force(), last_record_on={(7, "o1"): date(2026, 10, 22),
                                                          (7, "o2"): date(2026, 10, 23)})
    assert audit("quality.evidence-current", context) == [
        Issue("plan", 7, 7, "Ann Smith",
              "outcome o1 has no daily record since 2026-10-23 (last on 2026-10-22)")]


# --- quality.reviews-on-time ---------------------------------------------------------------

def test_a_plan_reviewed_by_its_date_has_no_finding():
    context = quality_context(in_force(plan_row(next_review_on=TODAY)),
                              in_force(plan_row(8, state="review_due",
                                                next_review_on=TODAY - timedelta(days=5))))
    assert audit("quality.reviews-on-time", context) == []


def test_an_overdue_review_task_is_named_with_the_day_it_fell_due():
    context = quality_context(in_force(plan_row(state="review_due")),
                              overdue_review_tasks={7: TaskRow(date(2026, 11, 10))})
    assert audit("quality.reviews-on-time", context) == [
        Issue("plan", 7, 7, "Ann Smith",
              "the review has been due since 2026-11-10 and is not complete")]


def test_a_review_date_passed_without_a_review_starting_is_named():
    context = quality_context(in_force(plan_row(next_review_on=date(2026, 11, 19))))
    assert audit("quality.reviews-on-time", context) == [
        Issue("plan", 7, 7, "Ann Smith", "the review was due on 2026-11-19 and has not started")]


def test_without_a_set_review_date_the_version_in_force_gives_it():
    context = quality_context(in_force(content=plan_content(next_review_date="2026-09-30")))
    assert audit("quality.reviews-on-time", context) == [
        Issue("plan", 7, 7, "Ann Smith", "the review was due on 2026-09-30 and has not started")]


# --- quality.restrictions-reviewed ---------------------------------------------------------

def test_a_restriction_past_its_review_date_is_named():
    content = plan_content(risks=[*plan_content()["risks"], restriction(
        review_date="2026-11-19"), restriction("r3", review_date="2026-11-20")])
    assert audit("quality.restrictions-reviewed", quality_context(in_force(content=content))) == [
        Issue("plan", 7, 7, "Ann Smith", "restriction r2 was due for review on 2026-11-19")]


def test_the_registers_review_date_stands_once_a_review_moved_it_or_removed_it():
    content = plan_content(risks=[*plan_content()["risks"], restriction(
        review_date="2026-11-19"), restriction("r3", review_date="2026-11-01"),
        restriction("r4", review_date="2026-11-01")])
    context = quality_context(in_force(content=content), restriction_reviews={
        (7, "r2"): date(2026, 12, 20), (7, "r3"): None, (7, "r4"): date(2026, 11, 10)})
    assert audit("quality.restrictions-reviewed", context) == [
        Issue("plan", 7, 7, "Ann Smith", "restriction r4 was due for review on 2026-11-10")]


def test_a_risk_that_restricts_nothing_has_no_review_date_to_miss():
    content = plan_content(risks=[restriction(restrictive=False, review_date="2026-01-01")])
    assert audit("quality.restrictions-reviewed", quality_context(in_force(content=content))) == []


# --- quality.key-workers-competent ---------------------------------------------------------

def test_a_key_worker_without_a_current_competency_sign_off_is_named():
    context = quality_context(in_force(), in_force(plan_row(8, person="Bob Jones"),
                                                   plan_content(key_worker="sue")),
                              competent_workers=("sue",))
    assert audit("quality.key-workers-competent", context) == [
        Issue("plan", 7, 7, "Ann Smith", "key worker sam has no current competency sign-off")]


def test_a_plan_without_a_key_worker_is_not_a_competency_finding():
    context = quality_context(in_force(content=plan_content(key_worker=None)))
    assert audit("quality.key-workers-competent", context) == []


# --- quality.supervision-links-match -------------------------------------------------------

@pytest.fixture
def links(monkeypatch):
    """The check builds a SupervisionSnapshot on the audit's session; here each supervision's
    link facts come from the quality_context stand-in instead of the database."""
    monkeypatch.setattr(quality_checks, "SupervisionSnapshot", LinkedSupervision)


SUPERVISION = SupervisionRow(id=3, supervisee=UserRow("sam"), scheduled_for=TODAY,
                             service_id=1)


def links_found(**facts):
    record = supervision_record(outcome_link={"plan_id": 7, "outcome_id": "o1"})
    return audit("quality.supervision-links-match", quality_context(
        supervisions=[(SUPERVISION, linked_facts(record, **facts))]))


def test_a_link_to_a_supported_outcome_with_records_is_aligned(links):
    assert links_found() == []


def test_a_link_to_no_plan_is_named_without_a_plan_or_person(links):
    assert links_found(plan=None, outcome=None) == [
        Issue("supervision", 3, None, None, "the supervision of sam on 2026-11-20 names plan 7, "
              "which is not a plan of this service")]


def test_a_link_to_an_outcome_the_plan_lacks_is_named(links):
    assert links_found(outcome=None) == [
        Issue("supervision", 3, 7, "Ann Smith",
              "the supervision of sam on 2026-11-20 names outcome 'o1', which plan 7 lacks")]


def test_a_link_to_a_plan_the_worker_does_not_support_is_named(links):
    assert links_found(supports=False) == [
        Issue("supervision", 3, 7, "Ann Smith",
              "the supervision of sam on 2026-11-20 names plan 7, which sam does not support")]


def test_a_link_to_an_outcome_without_records_in_the_period_is_named(links):
    assert links_found(records=[]) == [
        Issue("supervision", 3, 7, "Ann Smith",
              "the supervision of sam on 2026-11-20 names outcome o1 of plan 7, which has no "
              "daily records in the supervision period")]


def test_a_link_to_another_services_plan_is_named_as_not_of_this_service(links):
    found = links_found(plan=plan_row(7, service_id=2, person="Cath Other"))
    assert [issue.detail for issue in found] == [
        "the supervision of sam on 2026-11-20 names plan 7, which is not a plan of this service"]


def test_a_link_to_another_services_plan_does_not_disclose_its_person(links):
    found = links_found(plan=plan_row(7, service_id=2, person="Cath Other"))
    assert [(issue.plan_id, issue.person) for issue in found] == [(None, None)]


# --- quality.strengths-based-recording -----------------------------------------------------

RECORDING_SINCE = TODAY - timedelta(
    days=params("quality.strengths-based-recording")["stale_evidence_days"])
FLAGS = [{"term": "deficit.refused", "words": "refused"},
         {"term": "depersonalising.fed", "words": "was fed"}]


def test_records_in_the_window_with_deficit_wording_quote_the_words():
    record = daily_record(id=11, plan_id=7, date=RECORDING_SINCE, author=UserRow("sue"),
                          language_flags=FLAGS)
    context = quality_context(records=[(record, "Ann Smith")])
    assert audit("quality.strengths-based-recording", context) == [
        Issue("daily_record", 11, 7, "Ann Smith",
              f"the record of {RECORDING_SINCE} by sue uses \"refused\", \"was fed\"")]


def test_records_before_the_window_or_without_flags_are_not_findings():
    older = daily_record(id=12, date=RECORDING_SINCE - timedelta(days=1), language_flags=FLAGS)
    clean = daily_record(id=13, date=TODAY, language_flags=[])
    context = quality_context(records=[(older, "Ann Smith"), (clean, "Ann Smith")])
    assert audit("quality.strengths-based-recording", context) == []
