"""The living half of the plan: reviews fall due on their own, open with strengths, and
reduce support when — and only when — the records show progress."""
from datetime import datetime, timezone

from sqlalchemy import func, select

from engine.care.models import ReviewCycle
from engine.core.db import begin_write
from engine.core.models import Task, Timer
from engine.core.sweep import sweep
from tests.helpers import AGREES, active_plan, daily_record, review_record
from web.extensions import db


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def tick(app, when: str):
    with app.app_context():
        report = sweep(app.extensions["strengthwise"], db.session, at(when))
        db.session.remove()
    return report


def record(api, clock, plan_id, day, **fields):
    clock.set(at(f"{day}T18:00"))
    response = api.as_("sam").post(f"/plans/{plan_id}/records", daily_record(day=day, **fields))
    assert response.status == 201, response


def open_tasks(app, plan_id):
    with app.app_context():
        rows = db.session.query(Task).filter(Task.subject_id == plan_id,
                                             Task.status.in_(["open", "claimed"])).all()
        return [(t.kind, t.assignee.username if t.assignee else t.role) for t in rows]


def failing(response):
    return {item["rule"]: item["detail"] for item in response.json["details"]}


def review_due_plan(api, app, clock, prompts=(4, 3, 2, 1)):
    """An active plan whose review date arrives, with records for both outcomes."""
    plan = active_plan(api)
    days = ["2026-12-05", "2026-12-15", "2026-12-28", "2027-01-08"]
    for day, count in zip(days, prompts):
        record(api, clock, plan["id"], day, prompts=count)
    record(api, clock, plan["id"], "2027-01-09", outcome_id="o2", prompts=0)
    report = tick(app, "2027-01-12T00:00")
    assert [r.outcome for r in report.timers] == ["advanced"]
    clock.set(at("2027-01-12T10:00"))
    return plan


def test_the_review_falls_due_on_its_date_with_one_task_for_the_key_worker(api, app, clock):
    plan = active_plan(api)
    assert tick(app, "2027-01-11T23:59").timers == []
    assert api.as_("sam").get(f"/plans/{plan['id']}").json["state"] == "active"
    report = tick(app, "2027-01-12T00:00")
    assert [(r.transition, r.outcome) for r in report.timers] == [("start_review", "advanced")]
    assert api.as_("sam").get(f"/plans/{plan['id']}").json["state"] == "review_due"
    assert open_tasks(app, plan["id"]) == [("complete_review", "sam")]
    event = api.as_("ada").get(f"/plans/{plan['id']}/audit").json["events"][-1]
    assert (event["actor"], event["transition"], event["outcome"]) == (
        "system", "start_review", "advanced")
    assert event["checks"][0]["rule"] == "review.trigger-recorded" and event["checks"][0]["passed"]


def test_ticking_twice_at_the_same_instant_does_nothing_the_second_time(api, app):
    plan = active_plan(api)
    assert len(tick(app, "2027-01-12T06:00").timers) == 1
    again = tick(app, "2027-01-12T06:00")
    assert again.timers == [] and again.escalated == []
    events = api.as_("ada").get(f"/plans/{plan['id']}/audit").json["events"]
    assert [e["transition"] for e in events].count("start_review") == 1
    assert open_tasks(app, plan["id"]) == [("complete_review", "sam")]


def test_a_second_review_post_in_a_cycle_replaces_the_first(api, app, clock):
    plan = review_due_plan(api, app, clock)
    first = api.as_("sam").post(f"/plans/{plan['id']}/reviews", review_record(improved="x"))
    second = api.as_("sam").post(f"/plans/{plan['id']}/reviews", review_record())
    assert first.status == second.status == 201
    assert first.json["id"] == second.json["id"] and second.json["cycle"] == 1
    reviews = api.as_("sam").get(f"/plans/{plan['id']}/reviews").json["reviews"]
    assert len(reviews) == 1 and reviews[0]["improved"] == "Makes her own breakfast most days"


def test_a_review_can_only_be_written_while_one_is_due(api):
    plan = active_plan(api)
    response = api.as_("sam").post(f"/plans/{plan['id']}/reviews", review_record())
    assert response.status == 422 and "state" in response.json["details"]


def test_a_review_naming_unknown_outcomes_or_risks_is_refused(api, app, clock):
    plan = review_due_plan(api, app, clock)
    response = api.as_("sam").post(f"/plans/{plan['id']}/reviews", review_record(
        risks_reviewed=["r9"], outcome_ratings=[{"outcome_id": "o7", "rating": "achieved"}]))
    assert response.status == 422
    assert set(response.json["details"]) == {"risks_reviewed", "outcome_ratings"}


def test_completing_a_review_needs_every_strengths_first_answer_and_evidence(api, app, clock):
    plan = review_due_plan(api, app, clock)
    assert failing(api.as_("max").fire(plan["id"], "complete_review")) == {
        rule: "no review record has been written for this review cycle" for rule in (
            "review.recorded", "review.person-involved", "review.outcomes-evidenced",
            "review.risks-reviewed", "review.next-date-set", "review.independent-approver")}
    api.as_("sam").post(f"/plans/{plan['id']}/reviews", review_record(
        new_strengths="", involvement=None, risks_reviewed=[],
        outcome_ratings=[{"outcome_id": "o1", "rating": "progressing", "evidence": "fewer"}],
        next_review_date="2028-06-01"))
    assert failing(api.as_("max").fire(plan["id"], "complete_review")) == {
        "review.recorded": "the review does not answer what new strengths staff or family "
                           "noticed",
        "review.person-involved": "the review does not record whether Margaret took part, "
                                  "how, and their views in their own words",
        "review.outcomes-evidenced": "outcome o2 has no progress rating",
        "review.risks-reviewed": "risk r1 is not marked as reviewed",
        "review.next-date-set": "the next review on 2028-06-01 is later than policy allows "
                                "(2028-01-12, 365 days from today)",
    }


def test_the_manager_who_wrote_the_review_cannot_complete_it(api, app, clock):
    plan = review_due_plan(api, app, clock)
    api.as_("max").post(f"/plans/{plan['id']}/reviews", review_record())
    assert failing(api.as_("max").fire(plan["id"], "complete_review")) == {
        "review.independent-approver": "max wrote the review record"}
    assert api.as_("mia").fire(plan["id"], "complete_review").status == 200


def test_outcomes_without_records_since_the_last_review_are_not_evidenced(api, app, clock):
    plan = active_plan(api)
    record(api, clock, plan["id"], "2026-12-05")
    tick(app, "2027-01-12T00:00")
    clock.set(at("2027-01-12T10:00"))
    api.as_("sam").post(f"/plans/{plan['id']}/reviews", review_record())
    assert failing(api.as_("max").fire(plan["id"], "complete_review")) == {
        "review.outcomes-evidenced": "outcome o2 has no daily record since the plan started"}


def test_completing_a_review_adopts_its_next_date_and_sets_the_next_timer(api, app, clock):
    plan = review_due_plan(api, app, clock)
    api.as_("sam").post(f"/plans/{plan['id']}/reviews", review_record())
    done = api.as_("max").fire(plan["id"], "complete_review", comment="Good progress")
    assert done.status == 200 and done.json["plan"]["state"] == "active"
    assert done.json["plan"]["review_due_on"] == "2027-06-01"
    assert open_tasks(app, plan["id"]) == []
    with app.app_context():
        pending = db.session.query(Timer).filter_by(subject_id=plan["id"], status="pending").one()
        assert pending.due_at == at("2027-05-31T23:00")  # midnight in London, in summer time


def reduction(**fields):
    return review_record(decision="reduce_support", proposed_hours_per_week=8,
                         proposed_actions=[{"id": "a1", "hours_per_week": 5}],
                         reduced_outcome_ids=["o1"],
                         reassessment={"monitoring": "Spills and any missed breakfast",
                                       "reinstate_when": "Two missed breakfasts in a week"},
                         agreement=AGREES, **fields)


def test_support_is_not_reduced_when_prompts_rise(api, app, clock):
    plan = review_due_plan(api, app, clock, prompts=(1, 2, 2, 4))
    api.as_("sam").post(f"/plans/{plan['id']}/reviews", reduction())
    refused = api.as_("max").fire(plan["id"], "reduce_support")
    assert failing(refused) == {"reduce.progress-evidenced":
                                "prompts for outcome o1 are not falling across its 4 records "
                                "since the plan started (1, 2, 2, 4)"}
    assert api.as_("max").get(f"/plans/{plan['id']}").json["state"] == "review_due"


def test_support_is_reduced_when_prompts_fall_and_becomes_a_new_version(api, app, clock):
    plan = review_due_plan(api, app, clock, prompts=(4, 3, 2, 1))
    api.as_("sam").post(f"/plans/{plan['id']}/reviews", reduction())
    reduced = api.as_("max").fire(plan["id"], "reduce_support")
    assert reduced.status == 200, reduced
    plan_now = reduced.json["plan"]
    assert plan_now["state"] == "reduced_support" and plan_now["approved_version"] == 2
    assert plan_now["commissioned_hours_per_week"] == 8
    assert [a["hours_per_week"] for a in plan_now["actions"]] == [5, 3]
    assert plan_now["review_due_on"] == "2027-02-09"
    [latest, first] = api.as_("sam").get(f"/plans/{plan['id']}/versions").json["versions"]
    assert (latest["basis"], latest["approved_by"], latest["editors"]) == (
        "reduction", "max", ["sam"])
    assert first["commissioned_hours_per_week"] == 10


def test_reduction_needs_fewer_hours_fully_allocated_reassessment_and_agreement(api, app, clock):
    plan = review_due_plan(api, app, clock)
    api.as_("sam").post(f"/plans/{plan['id']}/reviews", review_record(
        decision="reduce_support", proposed_hours_per_week=12,
        proposed_actions=[{"id": "a1", "hours_per_week": 8}], reduced_outcome_ids=["o1"],
        outcome_ratings=[{"outcome_id": "o1", "rating": "no_change", "evidence": "same"},
                         {"outcome_id": "o2", "rating": "achieved", "evidence": "yes"}]))
    assert failing(api.as_("max").fire(plan["id"], "reduce_support")) == {
        "reduce.progress-evidenced": "outcome o1 is rated no_change, not achieved or progressing",
        "reduce.hours-reallocated": "the proposed 12 hours are not lower than the 10 "
                                    "commissioned; the plan's actions would have 11 hours, not "
                                    "the proposed 12",
        "reduce.risk-reassessed": "the reassessment does not say what staff monitor under "
                                  "reduced support and when support is reinstated",
        "reduce.person-agrees": "the review does not record whether Margaret agrees to the "
                                "reduction",
    }


def test_too_few_records_cannot_show_prompts_falling(api, app, clock):
    plan = active_plan(api)
    record(api, clock, plan["id"], "2026-12-05", prompts=3)
    record(api, clock, plan["id"], "2026-12-06", prompts=1)
    record(api, clock, plan["id"], "2026-12-06", outcome_id="o2")
    tick(app, "2027-01-12T00:00")
    clock.set(at("2027-01-12T10:00"))
    api.as_("sam").post(f"/plans/{plan['id']}/reviews", reduction())
    assert failing(api.as_("max").fire(plan["id"], "reduce_support")) == {
        "reduce.progress-evidenced": "outcome o1 has 2 daily records since the plan started; "
                                     "at least 3 are needed to show prompts falling"}


def test_revising_opens_a_new_draft_while_the_approved_version_stays_in_force(api, app, clock):
    plan = review_due_plan(api, app, clock)
    assert failing(api.as_("sam").fire(plan["id"], "revise")) == {
        "review.recorded": "no review record has been written for this review cycle"}
    api.as_("sam").post(f"/plans/{plan['id']}/reviews", review_record(decision="revise"))
    revised = api.as_("sam").fire(plan["id"], "revise")
    assert revised.status == 200
    draft = revised.json["plan"]
    assert (draft["state"], draft["is_draft"], draft["approved_version"]) == ("draft", True, 1)
    assert draft["draft_number"] == 2 and draft["editors"] == []
    versions = api.as_("sam").get(f"/plans/{plan['id']}/versions").json["versions"]
    assert [v["number"] for v in versions] == [1]
    assert api.as_("sam").post(f"/plans/{plan['id']}/records", daily_record(
        day="2027-01-12")).status == 201


def test_a_timer_that_cannot_fire_fails_alone_and_the_others_still_fire(api, app):
    from engine.core.models import Timer as TimerRow
    plan = active_plan(api)
    with app.app_context():
        db.session.add(TimerRow(workflow="retired_workflow", subject_type="plan",
                                subject_id=plan["id"], transition="start_review",
                                due_at=at("2027-01-01T00:00"), status="pending",
                                created_at=at("2026-11-20T09:00"), subject_version=1))
        db.session.commit()
        db.session.remove()
    report = tick(app, "2027-01-12T00:00")
    assert sorted(r.outcome for r in report.timers) == ["advanced", "failed"]
    failed = next(r for r in report.timers if r.outcome == "failed")
    assert "retired_workflow" in failed.detail
    assert api.as_("sam").get(f"/plans/{plan['id']}").json["state"] == "review_due"
    assert tick(app, "2027-01-12T00:00").timers == []


def test_a_timer_set_for_an_earlier_version_is_stale_and_changes_nothing(api, app):
    plan = active_plan(api)
    with app.app_context():
        # Read and write in one writing transaction: a deferred SQLite read could not upgrade
        # to a write once the access-log flusher had committed behind it.
        begin_write(db.session)
        current = db.session.scalar(select(Timer).where(Timer.subject_id == plan["id"],
                                                        Timer.status == "pending"))
        # The same review, set again while the plan was one version behind.
        db.session.add(Timer(workflow=current.workflow, subject_type="plan",
                             subject_id=plan["id"], transition="start_review",
                             due_at=current.due_at, status="pending",
                             created_at=current.created_at,
                             subject_version=current.subject_version - 1))
        db.session.commit()
        db.session.remove()
    report = tick(app, "2027-01-12T00:00")
    assert sorted(r.outcome for r in report.timers) == ["advanced", "stale"]
    trail = api.as_("ada").get(f"/plans/{plan['id']}/audit?transition=start_review").json
    assert [e["outcome"] for e in trail["events"]] == ["advanced"]
    assert open_tasks(app, plan["id"]) == [("complete_review", "sam")]


def test_two_timers_for_one_plan_in_one_batch_fire_it_once(api, app):
    plan = active_plan(api)
    with app.app_context():
        # Read and write in one writing transaction: a deferred SQLite read could not upgrade
        # to a write once the access-log flusher had committed behind it.
        begin_write(db.session)
        current = db.session.scalar(select(Timer).where(Timer.subject_id == plan["id"],
                                                        Timer.status == "pending"))
        db.session.add(Timer(workflow=current.workflow, subject_type="plan",
                             subject_id=plan["id"], transition="start_review",
                             due_at=current.due_at, status="pending",
                             created_at=current.created_at,
                             subject_version=current.subject_version))
        db.session.commit()
        db.session.remove()
    report = tick(app, "2027-01-12T00:00")
    assert sorted(r.outcome for r in report.timers) == ["advanced", "stale"]
    with app.app_context():
        cycles = db.session.scalar(select(func.count()).select_from(ReviewCycle)
                                   .where(ReviewCycle.plan_id == plan["id"]))
    assert cycles == 1
    assert open_tasks(app, plan["id"]) == [("complete_review", "sam")]
