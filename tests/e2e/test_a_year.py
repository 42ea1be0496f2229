"""A plan's year under `strengthwise tick --now …`: every step audited, every task in the right
inbox at the right time, nothing fired twice."""
from datetime import datetime, timezone

import pytest

from tests.helpers import active_plan, daily_record, review_record, run_cli


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


@pytest.mark.slow
def test_a_year_of_reductions_a_reinstatement_and_increases_keeps_every_review(
        api, clock, database_url):
    sam, max_, mia = api.as_("sam"), api.as_("max"), api.as_("mia")

    def tick(when):
        result = run_cli("tick", "--now", when, database_url=database_url)
        assert result.returncode == 0, result.stderr
        clock.set(at(when))
        return result.stdout

    def write(day, outcome="o1", prompts=1, **fields):
        clock.set(at(f"{day}T17:00"))
        response = sam.post(f"/plans/{plan['id']}/records",
                            daily_record(outcome_id=outcome, day=day, prompts=prompts, **fields))
        assert response.status == 201, response

    def state():
        return sam.get(f"/plans/{plan['id']}").json

    def review_tasks(who="sam"):
        return [t["kind"] for t in api.as_(who).get("/tasks").json["tasks"]]

    plan = active_plan(api)
    assert "0 timers fired" in tick("2027-01-11T12:00")

    for day, prompts in (("2026-12-05", 4), ("2026-12-15", 3), ("2026-12-28", 2),
                         ("2027-01-08", 1)):
        write(day, prompts=prompts)
    write("2027-01-09", outcome="o2", prompts=0)

    # January: the first review falls due on its own and lands in the key worker's inbox.
    assert "start_review on plan" in tick("2027-01-12T08:00")
    assert state()["state"] == "review_due" and review_tasks() == ["complete_review"]
    sam.post(f"/plans/{plan['id']}/reviews", review_record(
        decision="reduce_support", proposed_hours_per_week=8, reduced_outcome_ids=["o1"],
        proposed_actions=[{"id": "a1", "hours_per_week": 5}],
        reassessment={"monitoring": "missed breakfasts",
                      "reinstate_when": "two missed breakfasts in a week"},
        person_agrees="Margaret said she was ready to try",
        agreement={"decision": "agrees", "best_interests_record": None}))
    reduced = max_.fire(plan["id"], "reduce_support")
    assert reduced.status == 200, reduced
    # The reduced support is a new version: the key worker is asked to read it.
    assert state()["commissioned_hours_per_week"] == 8 and review_tasks() == ["acknowledge_plan"]
    assert sam.post(f"/plans/{plan['id']}/acknowledgements").status == 201
    assert review_tasks() == []

    # February: the trial review falls due; Margaret has struggled, support comes back at once,
    # a manager is told, and the review that fell due stays due from its date.
    write("2027-01-20", prompts=2, note="Missed breakfast twice this week")
    write("2027-02-01", outcome="o2", prompts=0)
    assert "0 timers fired" in tick("2027-02-08T12:00")
    assert "start_review on plan" in tick("2027-02-09T08:00")
    assert state()["state"] == "review_due" and review_tasks() == ["complete_review"]
    back = sam.fire(plan["id"], "reinstate", reason="Two missed breakfasts; a fall on 7 Feb")
    assert back.status == 200, back
    assert (state()["state"], state()["commissioned_hours_per_week"]) == ("active", 10)
    assert state()["review_due_on"] == "2027-02-09"  # never postponed
    assert "reinstated_review" in review_tasks("max")
    assert "start_review on plan" in tick("2027-02-09T10:30")
    assert state()["state"] == "review_due"
    clock.set(at("2027-02-15T10:00"))
    sam.post(f"/plans/{plan['id']}/reviews", review_record(next_review_date="2027-06-01"))
    assert mia.fire(plan["id"], "complete_review").status == 200
    assert "reinstated_review" not in review_tasks("max")

    # June: the review falls due; a fall two days later brings extra support at once, and the
    # review, already due, is completed late.
    write("2027-03-10", prompts=1)
    write("2027-03-11", outcome="o2", prompts=0)
    assert "0 timers fired" in tick("2027-05-31T12:00")
    assert "start_review on plan" in tick("2027-06-01T08:00")
    clock.set(at("2027-06-03T10:00"))
    more = sam.fire(plan["id"], "increase_support", reason="A fall in the kitchen",
                    hours_per_week=14)
    assert more.status == 200, more
    assert more.json["plan"]["interim_support"]["hours_per_week"] == 14
    assert state()["review_due_on"] == "2027-06-01"
    clock.set(at("2027-06-20T10:00"))
    sam.post(f"/plans/{plan['id']}/reviews", review_record(next_review_date="2027-10-01"))
    assert mia.fire(plan["id"], "complete_review").status == 200
    assert state()["interim_support"] is None

    # July: another fall while the plan is active: extra support at once, a review within
    # three days with a manager's task, completed in time.
    write("2027-06-25", prompts=1)
    write("2027-06-26", outcome="o2", prompts=0)
    clock.set(at("2027-07-10T10:00"))
    assert sam.fire(plan["id"], "increase_support", reason="A second fall",
                    hours_per_week=12).status == 200
    assert state()["state"] == "review_due" and state()["review_due_on"] == "2027-07-13"
    assert "urgent_review" in review_tasks("max")
    clock.set(at("2027-07-12T10:00"))
    sam.post(f"/plans/{plan['id']}/reviews", review_record(next_review_date="2027-12-01"))
    assert mia.fire(plan["id"], "complete_review").status == 200
    assert "0 timers fired" in tick("2027-11-01T08:00")

    # Every review that fell due has one completed review, on time or late; none is overdue.
    clock.set(at("2027-11-01T10:00"))
    figures = api.as_("ada").get("/reports/governance?service=riverside").json
    assert [(r["due_on"], r["completed_by"], r["on_time"], r["days_late"])
            for r in figures["review_timeliness"]["reviews"]] == [
        ("2027-01-12", "reduce_support", True, 0),
        ("2027-02-09", "complete_review", True, 0),
        ("2027-06-01", "complete_review", False, 5),
        ("2027-07-13", "complete_review", True, 0)]
    assert figures["overdue_reviews"]["count"] == 0
    assert figures["interim_support"]["count"] == 0

    events = api.as_("ada").get(f"/plans/{plan['id']}/audit?action=transition").json["events"]
    assert [(e["actor"], e["transition"], e["outcome"]) for e in events] == [
        ("max", "approve", "advanced"), ("max", "activate", "advanced"),
        ("system", "start_review", "advanced"), ("max", "reduce_support", "advanced"),
        ("system", "start_review", "advanced"), ("sam", "reinstate", "advanced"),
        ("system", "start_review", "advanced"), ("mia", "complete_review", "advanced"),
        ("system", "start_review", "advanced"), ("sam", "increase_support", "advanced"),
        ("mia", "complete_review", "advanced"), ("sam", "increase_support", "advanced"),
        ("mia", "complete_review", "advanced")]
    versions = sam.get(f"/plans/{plan['id']}/versions").json["versions"]
    assert [(v["number"], v["basis"], v["commissioned_hours_per_week"]) for v in versions] == [
        (3, "reinstatement", 10), (2, "reduction", 8), (1, "approval", 10)]
    reviews = sam.get(f"/plans/{plan['id']}/reviews").json["reviews"]
    assert [(r["cycle"], r["due_on"], r["closed_by"]) for r in reviews] == [
        (5, "2027-07-13", "complete_review"), (4, "2027-06-01", "complete_review"),
        (3, "2027-02-09", "complete_review"), (1, "2027-01-12", "reduce_support")]
    everything = api.as_("ada").get(f"/plans/{plan['id']}/audit").json["events"]
    verify = run_cli("audit", "verify", database_url=database_url)
    assert verify.returncode == 0 and f"{len(everything)} events verified" in verify.stdout
