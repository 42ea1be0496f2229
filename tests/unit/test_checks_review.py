"""The review.* and reduce.* checks, on in-memory plans in review: what passes, and the words
for each thing missing."""
from datetime import date, timedelta

import pytest

from tests.unit.snapshots import (
    TODAY,
    actor,
    daily_record,
    evidenced,
    judge,
    params,
    plan_content,
    plan_snapshot,
    reduction,
    restriction,
    review_record,
)

LAST_REVIEW = date(2026, 6, 1)


def in_review(review, *, records=None, evidence_since=None, author="sam", **content):
    """An active plan (version 1 of plan_content(**content)) whose open cycle has `review`,
    written by `author`, and daily records since the last review (default: three for each
    outcome, prompts falling)."""
    return plan_snapshot(plan_content(**content), current_version=1, review=review,
                         review_author=author, evidence_since=evidence_since,
                         records=evidenced(o1=(4, 3, 2), o2=(2, 1, 0)) if records is None
                         else records)


def judged(rule_id, review, *, approver="max", **snapshot):
    return judge(rule_id, in_review(review, **snapshot), actor=actor(approver))


REVIEW_RULES = ["review.recorded", "review.person-involved", "review.outcomes-evidenced",
                "review.risks-reviewed", "review.next-date-set", "review.independent-approver"]
REDUCE_RULES = ["reduce.progress-evidenced", "reduce.hours-reallocated",
                "reduce.risk-reassessed", "reduce.person-agrees"]


@pytest.mark.parametrize("rule_id", REVIEW_RULES)
def test_a_complete_review_passes(rule_id):
    assert judged(rule_id, review_record()) == []


@pytest.mark.parametrize("rule_id", REDUCE_RULES)
def test_a_complete_reduction_passes(rule_id):
    assert judged(rule_id, reduction()) == []


@pytest.mark.parametrize("rule_id", REVIEW_RULES + REDUCE_RULES)
def test_a_cycle_without_a_review_record_says_so(rule_id):
    assert judged(rule_id, None) == ["no review record has been written for this review cycle"]


# --- review.trigger-recorded ---------------------------------------------------------------

def trigger(next_review_on, reason=None):
    snapshot = plan_snapshot(current_version=1, next_review_on=next_review_on)
    return judge("review.trigger-recorded", snapshot, actor=actor("sam", "staff"),
                 inputs={"reason": reason, "comment": None})


@pytest.mark.parametrize("due", [TODAY, TODAY - timedelta(days=3)])
def test_a_review_may_start_without_a_reason_once_its_date_has_arrived(due):
    assert trigger(due) == []


def test_an_early_review_with_a_reason_may_start():
    assert trigger(date(2027, 1, 12), reason="Fall at home: change in needs") == []


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_an_early_review_without_a_reason_names_the_date_not_yet_arrived(reason):
    assert trigger(date(2027, 1, 12), reason) == [
        "the review date 2027-01-12 has not arrived and no reason (incident, change in needs, "
        "request) was given"]


def test_a_plan_without_a_review_date_needs_a_reason():
    assert trigger(None) == [
        "the plan has no review date and no reason (incident, change in needs, request) was "
        "given"]


# --- revision.review-date-passed -------------------------------------------------------------

def overdue_revision(current_version, next_review_on):
    snapshot = plan_snapshot(current_version=current_version, next_review_on=next_review_on)
    return judge("revision.review-date-passed", snapshot, actor=actor("system", "system"))


@pytest.mark.parametrize("due", [TODAY, TODAY - timedelta(days=10)])
def test_a_revision_is_flagged_once_the_version_in_force_is_due(due):
    assert overdue_revision(1, due) == []


def test_a_revision_before_its_review_date_is_not_flagged():
    assert overdue_revision(1, TODAY + timedelta(days=1)) == [
        f"the version in force is not due for review until {TODAY + timedelta(days=1)}"]


def test_a_first_draft_has_no_version_in_force_to_be_overdue():
    assert overdue_revision(None, TODAY) == ["the plan has no approved version in force yet"]


# --- review.recorded -----------------------------------------------------------------------

def test_an_unanswered_question_is_named_in_its_own_words():
    assert judged("review.recorded", review_record(improved="  ")) == [
        "the review does not answer what has improved since the last review"]


def test_two_unanswered_questions_are_named_together():
    assert judged("review.recorded", review_record(less_support=None, matters_most="")) == [
        "the review does not answer what the person can now do with less support and what "
        "outcome matters most to the person now"]


def test_a_review_answering_nothing_names_all_five_questions():
    blank = dict.fromkeys(["improved", "less_support", "new_strengths", "reduce_safely",
                           "matters_most"])
    assert judged("review.recorded", review_record(**blank)) == [
        "the review does not answer what has improved since the last review, what the person "
        "can now do with less support, what new strengths staff or family noticed, what "
        "support could be adapted or reduced safely and what outcome matters most to the "
        "person now"]


# --- review.person-involved ----------------------------------------------------------------

def involved(**fields):
    return review_record(involvement={"took_part": True, "how": "in_person",
                                      "views": "I want to cook again.", "sought_otherwise": None,
                                      "advocate_present": False, "family_present": False,
                                      **fields})


@pytest.mark.parametrize("how", ["in_person", "easy_read", "communication_aid", "advocate",
                                 "family", "observation"])
def test_taking_part_with_views_in_the_persons_words_records_involvement(how):
    assert judged("review.person-involved", involved(how=how)) == []


def test_declining_with_how_views_were_sought_otherwise_records_involvement():
    review = involved(took_part=False, how="declined", views=None,
                      sought_otherwise="Ann's daughter shared what Ann told her at the weekend")
    assert judged("review.person-involved", review) == []


def test_declining_without_saying_how_views_were_sought_is_named():
    review = involved(took_part=False, how="declined", views=None, sought_otherwise="  ")
    assert judged("review.person-involved", review) == [
        "Ann declined to take part, and the review does not say how their views were sought "
        "otherwise"]


def test_taking_part_without_the_persons_own_words_is_named():
    assert judged("review.person-involved", involved(views="")) == [
        "Ann took part, but the review does not record Ann's views in their own words"]


def test_not_taking_part_and_not_declining_is_named():
    assert judged("review.person-involved", involved(took_part=False)) == [
        "the review records that Ann did not take part, and not that they declined and how "
        "their views were sought otherwise"]


@pytest.mark.parametrize("answer", [True, "no – not involved", "Ann chose who came"])
def test_the_old_free_text_answer_alone_never_records_involvement(answer):
    detail = judged("review.person-involved",
                    review_record(involvement=None, person_involved=answer))
    assert detail and detail[0].startswith(
        "the review does not record whether Ann took part, how, and their views")
    if isinstance(answer, str):
        assert repr(answer) in detail[0] and "not enough on its own" in detail[0]


# --- review.outcomes-evidenced -------------------------------------------------------------

RATINGS = review_record()["outcome_ratings"]


def test_outcome_without_a_progress_rating_is_named():
    assert judged("review.outcomes-evidenced", review_record(outcome_ratings=RATINGS[:1])) == [
        "outcome o2 has no progress rating"]


@pytest.mark.parametrize("evidence", [None, " "])
def test_rating_that_gives_no_evidence_is_named(evidence):
    ratings = [{**RATINGS[0], "evidence": evidence}, RATINGS[1]]
    assert judged("review.outcomes-evidenced", review_record(outcome_ratings=ratings)) == [
        "outcome o1's rating gives no evidence"]


def test_outcome_without_daily_records_since_the_last_review_names_that_review():
    assert judged("review.outcomes-evidenced", review_record(), evidence_since=LAST_REVIEW,
                  records=evidenced(o1=(2,))) == [
        "outcome o2 has no daily record since the last review (2026-06-01)"]


def test_first_review_without_daily_records_counts_from_the_plans_start():
    assert judged("review.outcomes-evidenced", review_record(outcome_ratings=RATINGS[1:]),
                  records={"o1": []}) == [
        "outcome o1 has no progress rating", "outcome o1 has no daily record since the plan "
        "started", "outcome o2 has no daily record since the plan started"]


# --- review.risks-reviewed -----------------------------------------------------------------

def test_unreviewed_risks_and_restrictions_are_named_as_such():
    risks = [*plan_content()["risks"], restriction("r2")]
    assert judged("review.risks-reviewed", review_record(risks_reviewed=[]), risks=risks) == [
        "risk r1 is not marked as reviewed", "restriction r2 is not marked as reviewed"]


def test_every_risk_marked_as_reviewed_passes():
    risks = [*plan_content()["risks"], restriction("r2")]
    assert judged("review.risks-reviewed", review_record(risks_reviewed=["r2", "r1"]),
                  risks=risks) == []


def test_a_plan_without_risks_has_none_to_review():
    assert judged("review.risks-reviewed", review_record(risks_reviewed=[]), risks=[]) == []


# --- review.next-date-set ------------------------------------------------------------------

INTERVAL_DAYS = params("review.next-date-set")["review_interval_days"]


@pytest.mark.parametrize("days", [1, INTERVAL_DAYS])
def test_a_next_review_after_today_and_within_the_interval_passes(days):
    next_review = (TODAY + timedelta(days=days)).isoformat()
    assert judged("review.next-date-set", review_record(next_review_date=next_review)) == []


def test_a_review_setting_no_next_date_is_named():
    assert judged("review.next-date-set", review_record(next_review_date=None)) == [
        "the review sets no next review date"]


@pytest.mark.parametrize("next_review", ["2026-11-20", "2026-10-01"])
def test_a_next_review_not_after_today_is_named(next_review):
    assert judged("review.next-date-set", review_record(next_review_date=next_review)) == [
        f"the next review date {next_review} is not after today (2026-11-20)"]


def test_a_next_review_beyond_the_interval_names_the_limit():
    limit = TODAY + timedelta(days=INTERVAL_DAYS)
    late = limit + timedelta(days=1)
    assert judged("review.next-date-set", review_record(next_review_date=late.isoformat())) == [
        f"the next review on {late} is later than policy allows ({limit}, {INTERVAL_DAYS} days "
        "from today)"]


# --- review.independent-approver -----------------------------------------------------------

def test_the_manager_who_wrote_the_review_record_cannot_approve_it():
    assert judged("review.independent-approver", review_record(), author="max",
                  approver="max") == ["max wrote the review record"]


# --- reduce.progress-evidenced -------------------------------------------------------------

MIN_RECORDS = params("reduce.progress-evidenced")["min_records"]


def progress(review, **snapshot):
    return judged("reduce.progress-evidenced", review, **snapshot)


def rated(o1, o2="achieved"):
    return [{"outcome_id": "o1", "rating": o1, "evidence": "Daily records"},
            {"outcome_id": "o2", "rating": o2, "evidence": "Daily records"}]


def test_an_achieved_outcome_with_prompts_falling_may_be_reduced():
    assert progress(reduction(outcome_ratings=rated("achieved"))) == []


def test_a_review_naming_no_reduced_outcome_and_cutting_no_hours_is_named():
    assert progress(reduction(reduced_outcome_ids=[],
                              proposed_actions=[{"id": "a1", "hours_per_week": 7}])) == [
        "the review names no outcome whose support is reduced"]


def test_an_outcome_whose_action_loses_hours_is_reduced_without_being_named():
    review = reduction(reduced_outcome_ids=[], outcome_ratings=rated("progressing", "no_change"),
                       proposed_actions=[{"id": "a2", "hours_per_week": 2}])
    assert progress(review) == ["outcome o2 is rated no_change, not achieved or progressing"]


@pytest.mark.parametrize("rating", ["no_change", "deteriorated"])
def test_a_reduced_outcome_not_achieved_or_progressing_is_named_with_its_rating(rating):
    assert progress(reduction(outcome_ratings=rated(rating))) == [
        f"outcome o1 is rated {rating}, not achieved or progressing"]


def test_a_reduced_outcome_without_a_rating_is_named():
    assert progress(reduction(outcome_ratings=rated("achieved")[1:])) == [
        "outcome o1 is rated not at all, not achieved or progressing"]


def test_too_few_records_to_show_prompts_falling_are_counted():
    prompts = tuple(range(MIN_RECORDS - 1, 0, -1))
    assert progress(reduction(), records=evidenced(o1=prompts)) == [
        f"outcome o1 has {MIN_RECORDS - 1} daily records since the plan started; at least "
        f"{MIN_RECORDS} are needed to show prompts falling"]


def test_a_single_record_is_counted_in_the_singular():
    assert MIN_RECORDS > 1
    assert progress(reduction(), records=evidenced(o1=(1,)), evidence_since=LAST_REVIEW) == [
        f"outcome o1 has 1 daily record since the last review (2026-06-01); at least "
        f"{MIN_RECORDS} are needed to show prompts falling"]


def test_a_reduced_outcome_with_no_records_has_none():
    assert progress(reduction(), records={}) == [
        f"outcome o1 has 0 daily records since the plan started; at least {MIN_RECORDS} are "
        "needed to show prompts falling"]


@pytest.mark.parametrize("prompts", [(2, 2, 2), (1, 2, 4), (1, 2, 2, 4)])
def test_prompts_that_do_not_fall_are_listed(prompts):
    assert progress(reduction(), records=evidenced(o1=prompts), evidence_since=LAST_REVIEW) == [
        f"prompts for outcome o1 are not falling across its {len(prompts)} records since the "
        f"last review (2026-06-01) ({', '.join(map(str, prompts))})"]


def test_prompts_falling_overall_pass_though_one_visit_needed_more():
    # Least-squares slope of 4, 1, 3, 0 is -1: the trend falls though the third visit rose.
    assert progress(reduction(), records=evidenced(o1=(4, 1, 3, 0))) == []


def test_an_outcome_losing_hours_on_two_actions_is_judged_once():
    actions = [{**plan_content()["actions"][0], "hours_per_week": 5},
               {**plan_content()["actions"][0], "id": "a3", "hours_per_week": 2},
               plan_content()["actions"][1]]
    review = reduction(reduced_outcome_ids=[], outcome_ratings=rated("no_change"),
                       proposed_actions=[{"id": "a1", "hours_per_week": 4},
                                         {"id": "a3", "hours_per_week": 1}])
    assert progress(review, actions=actions) == [
        "outcome o1 is rated no_change, not achieved or progressing"]


def test_each_reduced_outcome_is_judged_in_the_order_named():
    review = reduction(reduced_outcome_ids=["o2", "o1"], outcome_ratings=rated("no_change"))
    assert progress(review, records=evidenced(o1=(4, 3, 2), o2=(1, 1))) == [
        f"outcome o2 has 2 daily records since the plan started; at least {MIN_RECORDS} are "
        "needed to show prompts falling",
        "outcome o1 is rated no_change, not achieved or progressing"]


def test_an_outcome_whose_hours_are_cut_is_judged_even_when_another_is_named():
    review = reduction(reduced_outcome_ids=["o2"], outcome_ratings=rated("deteriorated"),
                       proposed_actions=[{"id": "a1", "hours_per_week": 5}])
    assert progress(review, records=evidenced(o1=(1, 2, 4), o2=(3, 2, 1))) == [
        "outcome o1 is rated deteriorated, not achieved or progressing",
        "prompts for outcome o1 are not falling across its 3 records since the plan started "
        "(1, 2, 4)"]


# --- reduce.hours-reallocated --------------------------------------------------------------

TOLERANCE = params("reduce.hours-reallocated")["tolerance"]


def reallocation(**review):
    return judged("reduce.hours-reallocated", reduction(**review))


def test_a_review_proposing_no_new_hours_is_named():
    assert reallocation(proposed_hours_per_week=None) == ["the review proposes no new hours"]


def test_proposed_hours_equal_to_those_commissioned_are_not_a_reduction():
    assert reallocation(proposed_hours_per_week=10,
                        proposed_actions=[{"id": "a1", "hours_per_week": 7}]) == [
        "the proposed 10 hours are not lower than the 10 commissioned"]


def test_more_hours_than_commissioned_spread_unevenly_names_both():
    assert reallocation(proposed_hours_per_week=12,
                        proposed_actions=[{"id": "a1", "hours_per_week": 8}]) == [
        "the proposed 12 hours are not lower than the 10 commissioned",
        "the plan's actions would have 11 hours, not the proposed 12"]


def test_new_hours_not_spread_over_the_actions_are_named():
    assert reallocation(proposed_actions=[]) == [
        "the review does not say how the new hours are spread over the plan's actions"]


def test_new_hours_neither_lower_nor_spread_name_both():
    assert reallocation(proposed_hours_per_week=10, proposed_actions=[]) == [
        "the proposed 10 hours are not lower than the 10 commissioned",
        "the review does not say how the new hours are spread over the plan's actions"]


def test_actions_that_would_not_add_up_to_the_new_hours_are_named():
    # a1 at 6 and a2 unchanged at 3 make 9, not the 8 proposed.
    assert reallocation(proposed_actions=[{"id": "a1", "hours_per_week": 6}]) == [
        "the plan's actions would have 9 hours, not the proposed 8"]


def test_fractional_hours_spread_exactly_pass():
    assert reallocation(proposed_hours_per_week=7.5,
                        proposed_actions=[{"id": "a1", "hours_per_week": 4.5}]) == []


def test_new_hours_within_the_configured_tolerance_pass():
    assert TOLERANCE > 0
    assert reallocation(proposed_hours_per_week=8 + TOLERANCE) == []


# --- reduce.risk-reassessed ----------------------------------------------------------------

@pytest.mark.parametrize("reassessment,missing", [
    ({"monitoring": "", "reinstate_when": "Two missed breakfasts"},
     "what staff monitor under reduced support"),
    ({"monitoring": "Spills", "reinstate_when": None}, "when support is reinstated"),
    ({}, "what staff monitor under reduced support and when support is reinstated"),
    (None, "what staff monitor under reduced support and when support is reinstated"),
])
def test_a_reassessment_missing_part_names_what_it_does_not_say(reassessment, missing):
    assert judged("reduce.risk-reassessed", reduction(reassessment=reassessment)) == [
        f"the reassessment does not say {missing}"]


# --- reduce.person-agrees ------------------------------------------------------------------

def agreement(decision, best_interests_record=None):
    return reduction(agreement={"decision": decision,
                                "best_interests_record": best_interests_record})


def test_the_persons_agreement_passes():
    assert judged("reduce.person-agrees", agreement("agrees")) == []


def test_a_person_who_does_not_agree_blocks_the_reduction_and_it_says_so():
    assert judged("reduce.person-agrees", agreement("does_not_agree")) == [
        "Ann does not agree to the reduction"]


def test_lacking_capacity_with_a_best_interests_record_passes():
    review = agreement("lacks_capacity", "Best-interests meeting 2026-11-12 with Jo and the GP")
    assert judged("reduce.person-agrees", review) == []


@pytest.mark.parametrize("record", [None, "", "  "])
def test_lacking_capacity_without_a_best_interests_record_is_named(record):
    assert judged("reduce.person-agrees", agreement("lacks_capacity", record)) == [
        "Ann lacks capacity to agree to the reduction, and no best-interests record is given"]


@pytest.mark.parametrize("answer", [True, "No – Margaret does not agree", None])
def test_the_old_answer_alone_never_records_agreement(answer):
    detail = judged("reduce.person-agrees", reduction(agreement=None, person_agrees=answer))
    assert detail and detail[0].startswith(
        "the review does not record whether Ann agrees to the reduction")


# --- reduce.progress-evidenced: late entries and independence -------------------------------

def late(records, *late_indexes):
    for index in late_indexes:
        records[index].late_entry = True
    return records


def test_late_entries_do_not_count_and_the_detail_says_how_many_and_why():
    records = {"o1": late(evidenced(o1=(4, 3, 2))["o1"], 1, 2)}
    hours = params("reduce.progress-evidenced")["late_entry_hours"]
    assert progress(reduction(), records=records) == [
        f"outcome o1 has 1 daily record since the plan started (2 late entries, written more "
        f"than {hours:g} hours after the day they describe, are left out); at least "
        f"{MIN_RECORDS} are needed to show prompts falling"]


def test_three_records_all_entered_late_never_show_progress():
    records = {"o1": late(evidenced(o1=(4, 3, 2))["o1"], 0, 1, 2)}
    assert progress(reduction(), records=records)[0].startswith(
        "outcome o1 has 0 daily records since the plan started (3 late entries")


def independent(count, outcome_id="o1"):
    return [daily_record(outcome_id=outcome_id, prompts=0, completion="independent", id=day,
                         date=date(2026, 10, 1) + timedelta(days=day)) for day in range(count)]


def test_a_person_independent_with_no_prompts_throughout_may_have_support_reduced():
    records = {"o1": independent(4)}
    verdict = progress(reduction(outcome_ratings=rated("achieved")), records=records)
    assert verdict == []
    assert verdict.note == "outcome o1: independent with no prompts in all 4 daily records"


def test_the_detail_says_when_prompts_falling_passed_it():
    assert progress(reduction()).note == "outcome o1: prompts falling across 3 daily records " \
        "(4, 3, 2)"


def test_independence_needs_every_record_independent_with_no_prompts():
    records = independent(4)
    records[2].completion = "with_prompts"
    assert progress(reduction(), records={"o1": records}) == [
        "prompts for outcome o1 are not falling across its 4 records since the plan started "
        "(0, 0, 0, 0)"]


def test_independence_needs_at_least_min_records_written_at_the_time():
    records = {"o1": late(independent(MIN_RECORDS + 1), 0, 1)}
    assert progress(reduction(), records=records)[0].startswith(
        f"outcome o1 has {MIN_RECORDS - 1} daily records since the plan started (2 late")


# --- increase.hours-recorded -----------------------------------------------------------------

def increase(hours, **snapshot):
    return judge("increase.hours-recorded", plan_snapshot(current_version=1, **snapshot),
                 actor=actor("sam", "staff"), inputs={"hours_per_week": hours,
                                                      "reason": "A fall on Tuesday"})


def test_interim_hours_above_the_commissioned_hours_pass():
    assert increase(14) == []


def test_no_interim_hours_is_named():
    assert increase(None) == ["no hours per week were given for the increased support"]


@pytest.mark.parametrize("hours", [10, 6])
def test_interim_hours_not_above_the_commissioned_hours_are_named(hours):
    assert increase(hours) == [
        f"the {hours:g} hours a week are not more than the 10 commissioned"]


def test_an_increase_needs_a_reason():
    assert judge("increase.reason-recorded", plan_snapshot(current_version=1),
                 actor=actor("sam", "staff"), inputs={"reason": " "}) != []
