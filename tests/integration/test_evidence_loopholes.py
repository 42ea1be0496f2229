"""Evidence that cannot be gamed (SPEC §10.2): each loophole found in issue 9, reproduced
through the API, and closed."""
from datetime import date, datetime, timezone

from engine.care.governance import ReportPolicy, governance_report
from engine.care.quality import run_quality_audit
from engine.core.models import Task
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


def report(app, today: str) -> dict:
    with app.app_context():
        figures = governance_report(db.session, "riverside", date.fromisoformat(today),
                                    ReportPolicy.from_engine(app.extensions["strengthwise"]))
        db.session.remove()
    return figures


def record(api, clock, plan_id, day, written=None, **fields):
    """A daily record of `day`, written at 18:00 that day (or at `written`)."""
    clock.set(at(written or f"{day}T18:00"))
    response = api.as_("sam").post(f"/plans/{plan_id}/records", daily_record(day=day, **fields))
    assert response.status == 201, response
    return response.json


def failing(response):
    assert response.status == 422, response
    return {item["rule"]: item["detail"] for item in response.json["details"]}


def open_tasks(app, plan_id):
    with app.app_context():
        rows = db.session.query(Task).filter(Task.subject_id == plan_id,
                                             Task.status.in_(["open", "claimed"])).all()
        return sorted((t.kind, t.assignee.username if t.assignee else t.role,
                       t.due.isoformat() if t.due else None) for t in rows)


def review_due(api, app, clock, o1_prompts=(4, 3, 2, 1), **o1_fields):
    """An active plan whose review falls due on 12 January 2027, with records written at the
    time: o1 with these prompts, o2 once."""
    plan = active_plan(api)
    for day, count in zip(("2026-12-05", "2026-12-15", "2026-12-28", "2027-01-08"), o1_prompts):
        record(api, clock, plan["id"], day, prompts=count, **o1_fields)
    record(api, clock, plan["id"], "2027-01-09", outcome_id="o2", prompts=0)
    tick(app, "2027-01-12T00:00")
    clock.set(at("2027-01-12T10:00"))
    return plan


def reduction(**fields):
    return review_record(**{"decision": "reduce_support", "proposed_hours_per_week": 8,
                            "proposed_actions": [{"id": "a1", "hours_per_week": 5}],
                            "reduced_outcome_ids": ["o1"],
                            "reassessment": {"monitoring": "Spills and any missed breakfast",
                                             "reinstate_when": "Two missed breakfasts in a "
                                                               "week"},
                            "agreement": AGREES, **fields})


# --- involvement and agreement are facts ----------------------------------------------------

def test_a_reduction_the_person_does_not_agree_to_is_refused_and_says_so(api, app, clock):
    plan = review_due(api, app, clock)
    written = api.as_("sam").post(f"/plans/{plan['id']}/reviews", reduction(
        person_involved="no – not involved", person_agrees="No – Margaret does not agree",
        involvement=None, agreement={"decision": "does_not_agree"}))
    assert written.status == 201
    assert written.json["person_agrees"] == "No – Margaret does not agree"  # kept, as given
    problems = failing(api.as_("max").fire(plan["id"], "reduce_support"))
    assert problems["reduce.person-agrees"] == "Margaret does not agree to the reduction"
    assert problems["review.person-involved"].startswith(
        "the review does not record whether Margaret took part, how, and their views")
    assert api.as_("max").get(f"/plans/{plan['id']}").json["state"] == "review_due"


def test_the_old_free_text_alone_never_agrees_to_a_reduction(api, app, clock):
    plan = review_due(api, app, clock)
    api.as_("sam").post(f"/plans/{plan['id']}/reviews",
                        reduction(person_agrees="yes", agreement=None))
    assert set(failing(api.as_("max").fire(plan["id"], "reduce_support"))) == {
        "reduce.person-agrees"}


def test_a_reduction_the_person_agrees_to_goes_ahead(api, app, clock):
    plan = review_due(api, app, clock)
    api.as_("sam").post(f"/plans/{plan['id']}/reviews", reduction())
    fired = api.as_("max").fire(plan["id"], "reduce_support")
    assert fired.status == 200, fired
    assert fired.json["event"]["rule_pack"] == "support_plan@1.5.0"


def test_lacking_capacity_needs_a_best_interests_record(api, app, clock):
    plan = review_due(api, app, clock)
    api.as_("sam").post(f"/plans/{plan['id']}/reviews",
                        reduction(agreement={"decision": "lacks_capacity"}))
    assert failing(api.as_("max").fire(plan["id"], "reduce_support")) == {
        "reduce.person-agrees": "Margaret lacks capacity to agree to the reduction, and no "
                                "best-interests record is given"}
    api.as_("sam").post(f"/plans/{plan['id']}/reviews", reduction(agreement={
        "decision": "lacks_capacity",
        "best_interests_record": "Best-interests meeting 10 January with Jo and the GP"}))
    assert api.as_("max").fire(plan["id"], "reduce_support").status == 200


def test_a_person_who_declined_needs_their_views_sought_otherwise(api, app, clock):
    plan = review_due(api, app, clock)
    declined = {"took_part": False, "how": "declined", "views": None}
    api.as_("sam").post(f"/plans/{plan['id']}/reviews", review_record(involvement=declined))
    assert failing(api.as_("max").fire(plan["id"], "complete_review")) == {
        "review.person-involved": "Margaret declined to take part, and the review does not "
                                  "say how their views were sought otherwise"}
    api.as_("sam").post(f"/plans/{plan['id']}/reviews", review_record(involvement={
        **declined, "sought_otherwise": "Jo asked her over the weekend and wrote down her words"}))
    assert api.as_("max").fire(plan["id"], "complete_review").status == 200


def test_an_unknown_way_of_taking_part_or_decision_is_refused_field_by_field(api, app, clock):
    plan = review_due(api, app, clock)
    response = api.as_("sam").post(f"/plans/{plan['id']}/reviews", review_record(
        involvement={"took_part": True, "how": "by_magic", "views": "yes"},
        agreement={"decision": "maybe"}))
    assert response.status == 422
    assert set(response.json["details"]) == {"involvement", "agreement"}
    assert "how" in response.json["details"]["involvement"]
    assert "decision" in response.json["details"]["agreement"]


# --- late entries ---------------------------------------------------------------------------

def test_records_written_weeks_later_are_late_entries_that_cannot_carry_a_reduction(api, app,
                                                                                     clock):
    plan = active_plan(api)
    # Three records all entered on the review day, dated over five weeks.
    for day, prompts in (("2026-12-01", 4), ("2026-12-20", 2), ("2027-01-06", 1)):
        late = record(api, clock, plan["id"], day, written="2027-01-12T09:00", prompts=prompts)
        assert late["late_entry"] is True and late["recorded_at"] == "2027-01-12T09:00:00Z"
    record(api, clock, plan["id"], "2027-01-09", outcome_id="o2", prompts=0,
           written="2027-01-10T22:00")  # the next evening: within a day, not late
    listed = api.as_("ada").get(f"/plans/{plan['id']}/records").json["records"]
    assert [r["late_entry"] for r in listed] == [False, True, True, True]
    clock.set(at("2027-01-12T10:00"))
    assert api.as_("sam").fire(plan["id"], "start_review", reason="Margaret asked").status == 200
    api.as_("sam").post(f"/plans/{plan['id']}/reviews", reduction())
    assert failing(api.as_("max").fire(plan["id"], "reduce_support")) == {
        "reduce.progress-evidenced": "outcome o1 has 0 daily records since the plan started "
                                     "(3 late entries, written more than 24 hours after the "
                                     "day they describe, are left out); at least 3 are needed "
                                     "to show prompts falling"}


def test_a_record_dated_in_the_future_is_refused(api, app, clock):
    plan = active_plan(api)
    response = api.as_("sam").post(f"/plans/{plan['id']}/records",
                                   daily_record(day="2026-11-21"))
    assert response.status == 422 and "date" in response.json["details"]


def test_late_entries_are_marked_on_the_records_pages(api, app, clock):
    from tests.helpers import Browser
    plan = active_plan(api)
    late = record(api, clock, plan["id"], "2026-11-20", written="2026-11-25T09:00")
    browser = Browser(app, "sam")
    assert "Late entry" in browser.get(f"/plans/{plan['id']}/records")
    assert "This is a late entry" in browser.get(f"/plans/{plan['id']}/records/{late['id']}")


# --- independence is progress ---------------------------------------------------------------

def test_a_person_independent_with_no_prompts_throughout_can_have_support_reduced(api, app,
                                                                                  clock):
    plan = review_due(api, app, clock, o1_prompts=(0, 0, 0, 0), completion="independent")
    api.as_("sam").post(f"/plans/{plan['id']}/reviews", reduction(outcome_ratings=[
        {"outcome_id": "o1", "rating": "achieved", "evidence": "No prompts in four records"},
        {"outcome_id": "o2", "rating": "achieved", "evidence": "Meal plan every Sunday"}]))
    checks = {c["rule"]: c for option in api.as_("max").get(
        f"/plans/{plan['id']}/transitions").json["transitions"] if option["name"] ==
        "reduce_support" for c in option["checks"]}
    assert checks["reduce.progress-evidenced"]["passed"] is True
    assert checks["reduce.progress-evidenced"]["detail"] == \
        "outcome o1: independent with no prompts in all 4 daily records"
    assert api.as_("max").fire(plan["id"], "reduce_support").status == 200


# --- reviews cannot be erased ---------------------------------------------------------------

def test_reinstating_never_makes_an_overdue_review_disappear(api, app, clock):
    plan = review_due(api, app, clock)
    assert report(app, "2027-01-27")["overdue_reviews"]["count"] == 1
    clock.set(at("2027-01-27T10:00"))
    assert api.as_("sam").fire(plan["id"], "reinstate", reason="anything").status == 200
    after = api.as_("sam").get(f"/plans/{plan['id']}").json
    assert after["review_due_on"] == "2027-01-12"  # not moved 28 days on
    assert report(app, "2027-01-27")["overdue_reviews"]["count"] == 1
    assert ("reinstated_review", "manager", "2027-02-03") in open_tasks(app, plan["id"])
    tick(app, "2027-01-27T10:05")  # the review is still due: it opens again at once
    assert api.as_("sam").get(f"/plans/{plan['id']}").json["state"] == "review_due"
    [overdue] = report(app, "2027-01-28")["overdue_reviews"]["plans"]
    assert overdue["due_on"] == "2027-01-12"
    clock.set(at("2027-02-01T10:00"))
    api.as_("sam").post(f"/plans/{plan['id']}/reviews", review_record())
    assert api.as_("max").fire(plan["id"], "complete_review").status == 200
    [late] = report(app, "2027-02-02")["review_timeliness"]["reviews"]
    assert (late["due_on"], late["on_time"], late["days_late"]) == ("2027-01-12", False, 6)


def test_reinstating_reduced_support_opens_a_review_within_a_week(api, app, clock):
    plan = review_due(api, app, clock)
    api.as_("sam").post(f"/plans/{plan['id']}/reviews", reduction())
    assert api.as_("max").fire(plan["id"], "reduce_support").status == 200
    clock.set(at("2027-01-20T10:00"))
    assert api.as_("sam").fire(plan["id"], "reinstate",
                               reason="A fall on Tuesday morning").status == 200
    after = api.as_("sam").get(f"/plans/{plan['id']}").json
    assert (after["state"], after["review_due_on"], after["commissioned_hours_per_week"]) == (
        "active", "2027-01-27", 10)
    assert ("reinstated_review", "manager", "2027-01-27") in open_tasks(app, plan["id"])


def test_a_review_started_early_is_timed_from_its_review_date(api, app, clock):
    plan = active_plan(api)
    record(api, clock, plan["id"], "2026-12-05")
    record(api, clock, plan["id"], "2026-12-06", outcome_id="o2")
    clock.set(at("2026-12-10T10:00"))
    assert api.as_("sam").fire(plan["id"], "start_review", reason="Change in needs").status \
        == 200
    clock.set(at("2027-02-01T10:00"))
    api.as_("sam").post(f"/plans/{plan['id']}/reviews", review_record())
    assert api.as_("max").fire(plan["id"], "complete_review").status == 200
    [review] = report(app, "2027-02-02")["review_timeliness"]["reviews"]
    assert (review["due_on"], review["on_time"], review["days_late"]) == (
        "2027-01-12", False, 6)


# --- extra support starts at once -----------------------------------------------------------

def test_increasing_support_after_a_fall_starts_at_once_and_opens_an_urgent_review(api, app,
                                                                                   clock):
    plan = active_plan(api)
    clock.set(at("2026-12-10T10:00"))
    refused = api.as_("sam").fire(plan["id"], "increase_support", reason="A fall")
    assert failing(refused) == {"increase.hours-recorded":
                                "no hours per week were given for the increased support"}
    fired = api.as_("sam").fire(plan["id"], "increase_support",
                                reason="A fall on the stairs; needs help to dress for now",
                                hours_per_week=14)
    assert fired.status == 200, fired
    assert fired.json["event"]["changes"] == ["hours_per_week: 14.0"]
    document = fired.json["plan"]
    assert document["state"] == "review_due"
    assert document["interim_support"] == {
        "hours_per_week": 14.0, "reason": "A fall on the stairs; needs help to dress for now",
        "since": "2026-12-10T10:00:00Z", "by": "sam"}
    assert document["review_due_on"] == "2026-12-13"
    assert ("urgent_review", "manager", "2026-12-13") in open_tasks(app, plan["id"])
    assert report(app, "2026-12-10")["interim_support"]["plans"][0]["hours_per_week"] == 14.0
    assert report(app, "2026-12-10")["overdue_reviews"]["count"] == 0
    assert report(app, "2026-12-28")["overdue_reviews"]["plans"][0]["due_on"] == "2026-12-13"
    from tests.helpers import Browser
    assert "Interim support" in Browser(app, "sam").get(f"/plans/{plan['id']}")
    # The interim support ends when the review completes.
    record(api, clock, plan["id"], "2026-12-11")
    record(api, clock, plan["id"], "2026-12-11", outcome_id="o2")
    clock.set(at("2026-12-12T10:00"))
    api.as_("sam").post(f"/plans/{plan['id']}/reviews", review_record())
    done = api.as_("max").fire(plan["id"], "complete_review")
    assert done.status == 200 and done.json["plan"]["interim_support"] is None
    assert not [t for t in open_tasks(app, plan["id"]) if t[0] == "urgent_review"]


def test_increasing_support_never_lowers_the_overdue_count(api, app, clock):
    plan = review_due(api, app, clock)
    assert report(app, "2027-01-27")["overdue_reviews"]["count"] == 1
    clock.set(at("2027-01-27T10:00"))
    assert api.as_("sam").fire(plan["id"], "increase_support", reason="A fall",
                               hours_per_week=12).status == 200
    [overdue] = report(app, "2027-01-27")["overdue_reviews"]["plans"]
    assert overdue["due_on"] == "2027-01-12"


# --- a plan in revision is still monitored --------------------------------------------------

def test_a_plan_being_revised_stays_in_the_overdue_list_and_the_quality_audit(api, app, clock):
    plan = review_due(api, app, clock)
    api.as_("sam").post(f"/plans/{plan['id']}/reviews", review_record(
        decision="revise", next_review_date="2027-03-01"))
    assert api.as_("sam").fire(plan["id"], "revise").status == 200
    revised = api.as_("sam").get(f"/plans/{plan['id']}").json
    assert (revised["state"], revised["approved_version"], revised["review_due_on"]) == (
        "draft", 1, "2027-03-01")
    assert report(app, "2027-02-28")["overdue_reviews"]["count"] == 0
    [overdue] = report(app, "2027-03-02")["overdue_reviews"]["plans"]
    assert (overdue["plan_id"], overdue["state"], overdue["due_on"], overdue["reason"]) == (
        plan["id"], "draft", "2027-03-01",
        "the review date has passed while a revision is drafted")
    with app.app_context():
        findings = run_quality_audit(db.session, app.extensions["strengthwise"].registry,
                                     "riverside", date(2027, 4, 1))
        db.session.remove()
    assert plan["id"] in {finding.plan_id for finding in findings}


def test_a_revision_that_outlasts_its_review_date_reaches_the_managers_inbox(api, app, clock):
    """The sweep watches a plan in revision too: saving the draft does not cancel the timer,
    the review date passing opens a task for the managers, approving the revision closes it."""
    from tests.helpers import plan_content
    plan = review_due(api, app, clock)
    api.as_("sam").post(f"/plans/{plan['id']}/reviews", review_record(
        decision="revise", next_review_date="2027-03-01"))
    assert api.as_("sam").fire(plan["id"], "revise").status == 200
    clock.set(at("2027-02-10T10:00"))
    api.as_("sam").edit(plan["id"], **plan_content(next_review_date="2027-06-01"))
    assert [r.outcome for r in tick(app, "2027-02-28T23:00").timers] == []
    [fired] = tick(app, "2027-03-01T00:30").timers
    assert (fired.transition, fired.outcome) == ("flag_overdue_revision", "advanced")
    assert open_tasks(app, plan["id"]) == [("finish_revision", "manager", "2027-03-01")]
    assert api.as_("mia").get(f"/plans/{plan['id']}").json["state"] == "draft"
    assert tick(app, "2027-03-02T00:30").timers == []  # it fires once
    clock.set(at("2027-03-02T10:00"))
    assert api.as_("max").fire(plan["id"], "approve").status == 200
    # The revision task is done; the key worker now has the new version to read.
    assert [kind for kind, *_ in open_tasks(app, plan["id"])] == ["acknowledge_plan"]


# --- supervision is written by the supervisor -----------------------------------------------

def test_a_supervisee_cannot_record_their_own_supervision_but_may_reflect(api, app, clock):
    from tests.unit.snapshots import supervision_record
    plan = active_plan(api)
    record(api, clock, plan["id"], "2026-11-20")
    created = api.as_("mia").post("/supervisions", {"supervisee": "sam", "service": "riverside",
                                                    "scheduled_for": "2026-11-20"})
    supervision = created.json
    body = supervision_record(outcome_link={"plan_id": plan["id"], "outcome_id": "o1"})
    own = api.as_("sam").put(f"/supervisions/{supervision['id']}/record", body)
    assert own.status == 403
    assert "may not record their own supervision" in own.json["message"]
    refused = api.as_("sam").post(f"/supervisions/{supervision['id']}/transitions/record",
                                  {"version": supervision["version"]})
    assert refused.status == 422
    assert {d["rule"]: d["detail"] for d in refused.json["details"]}[
        "supervision.recorded-by-other"] == "sam is the supervisee"
    reflected = api.as_("sam").put(f"/supervisions/{supervision['id']}/reflections",
                                   {"reflections": "I pause before prompting now."})
    assert reflected.status == 200
    assert reflected.json["reflections"]["text"] == "I pause before prompting now."
    assert api.as_("mia").put(f"/supervisions/{supervision['id']}/reflections",
                              {"reflections": "Not mine to write"}).status == 403
    assert api.as_("mia").put(f"/supervisions/{supervision['id']}/record", body).status == 200
    current = api.as_("mia").get(f"/supervisions/{supervision['id']}").json
    assert api.as_("mia").post(f"/supervisions/{supervision['id']}/transitions/record",
                               {"version": current["version"]}).status == 200
