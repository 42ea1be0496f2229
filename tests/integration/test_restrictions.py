"""The restrictive-practice register (SPEC §10.4): every restriction of a plan in force, its
uses from incidents, a timer on its review date opening review_restriction for the managers,
and the review's decision (keep, reduce, remove) on the record."""

from engine.care.quality import run_quality_audit
from tests.helpers import active_plan, plan_content, review_record, run_cli
from web.extensions import db

KNIFE = {"id": "r2", "description": "Kitchen knives kept in a locked drawer",
         "why_proportionate": "Least restrictive option after two incidents with knives",
         "monitoring": "Each use of the drawer and Daniel's distress around it",
         "escalation": "Any injury or new incident: review with the psychologist",
         "restrictive": True,
         "justification": "Best-interests decision of 12 November 2026, recorded with his "
                          "sister and advocate.",
         "review_date": "2026-12-20"}


def restricted_plan(api):
    return active_plan(api, risks=plan_content()["risks"] + [KNIFE])


def register(api, who="max", service="riverside"):
    response = api.as_(who).get(f"/restrictions?service={service}")
    assert response.status == 200, response
    return response.json["restrictions"]


def fire(api, restriction_id, name, who="max", **body):
    if "version" not in body:
        body["version"] = api.as_(who).get(f"/restrictions/{restriction_id}").json["version"]
    return api.as_(who).post(f"/restrictions/{restriction_id}/transitions/{name}", body)


def review_tasks(api, who="max"):
    return [t for t in api.as_(who).get("/tasks").json["tasks"]
            if t["kind"] == "review_restriction"]


def test_an_approved_restriction_enters_the_register(api):
    plan = restricted_plan(api)
    rows = register(api)
    assert [(r["plan_id"], r["risk_id"], r["description"], r["review_date"], r["overdue"],
             r["uses_90_days"]) for r in rows] == [
        (plan["id"], "r2", KNIFE["description"], "2026-12-20", False, 0)]
    assert rows[0]["person"] == "Margaret Ellis"
    assert rows[0]["justification"] == KNIFE["justification"]
    assert register(api, who="nina", service="riverside") == []
    assert register(api, who="nina", service="northgate") == []
    hidden = api.as_("nina").get(f"/restrictions/{rows[0]['id']}")
    assert (hidden.status, hidden.json["error"]) == (404, "not_found")


def test_uses_are_counted_from_incidents_naming_the_restriction(api, clock):
    plan = restricted_plan(api)
    for when in ("2026-11-01T10:00:00Z", "2026-11-19T10:00:00Z", "2026-07-01T10:00:00Z"):
        response = api.as_("sam").post(f"/people/{plan['person_id']}/incidents", {
            "occurred_at": when, "kind": "distress", "severity": "low",
            "description": "Upset when the drawer was locked before tea.",
            "immediate_action": "Offered his visual schedule and quiet time in his room.",
            "people_informed": ["sister"], "restriction_ids": ["r2"]})
        assert response.status == 201, response
    assert register(api)[0]["uses_90_days"] == 2  # the July one is older than 90 days


def test_the_review_date_opens_a_task_for_the_managers_under_tick(api, app, database_url):
    restricted_plan(api)
    assert review_tasks(api) == []
    early = run_cli("tick", "--now", "2026-12-19T23:00:00+00:00", database_url=database_url)
    assert early.returncode == 0, early.stderr
    assert review_tasks(api) == []
    due = run_cli("tick", "--now", "2026-12-20T00:30:00+00:00", database_url=database_url)
    assert due.returncode == 0, due.stderr
    assert "restriction_review_due on restriction" in due.stdout
    tasks = review_tasks(api)
    assert [(t["role"], t["due"]) for t in tasks] == [("manager", "2026-12-20")]
    assert "Kitchen knives kept in a locked drawer" in tasks[0]["title"]
    assert review_tasks(api, who="sam") == []
    assert review_tasks(api, who="nina") == []


def opened(api, clock):
    """A restriction whose review a manager opens now."""
    restricted_plan(api)
    row = register(api)[0]
    response = fire(api, row["id"], "restriction_review_due")
    assert response.status == 200, response
    return row["id"]


def test_marking_reviewed_needs_the_decision_why_and_the_next_date(api, clock):
    ident = opened(api, clock)
    refused = fire(api, ident, "mark_reviewed")
    assert refused.status == 422
    detail = refused.json["details"][0]["detail"]
    assert "no decision: choose keep or reduce" in detail
    assert "why the decision was taken is not recorded" in detail
    reduce = fire(api, ident, "mark_reviewed", decision="reduce",
                  reason="No incidents with knives for four weeks.",
                  next_review_date="2027-01-10")
    assert "a reduction does not say what remains of the restriction" in \
        reduce.json["details"][0]["detail"]
    past = fire(api, ident, "mark_reviewed", decision="keep", reason="Still needed for now.",
                next_review_date="2026-11-01")
    assert "is not after today" in past.json["details"][0]["detail"]
    assert fire(api, ident, "mark_reviewed", who="sam", decision="keep",
                reason="Still needed for now.", next_review_date="2027-01-10").status == 403
    bad = fire(api, ident, "mark_reviewed", decision="maybe")
    assert bad.status == 422 and "decision" in bad.json["details"]


def test_a_reduction_is_recorded_closes_the_task_and_shows_in_the_register(api, clock):
    ident = opened(api, clock)
    assert len(review_tasks(api)) == 1
    done = fire(api, ident, "mark_reviewed", decision="reduce",
                reason="No incidents with knives for four weeks; he uses the peeler safely.",
                next_review_date="2027-01-10",
                reduced_to="Only the sharp knives locked away; peeler and table knives free.")
    assert done.status == 200, done
    row = register(api)[0]
    assert (row["decision"], row["review_date"], row["state"]) == \
        ("reduce", "2027-01-10", "in_force")
    assert row["description"] == "Only the sharp knives locked away; peeler and table " \
                                 "knives free."
    assert review_tasks(api) == []
    events = api.as_("ada").get(f"/restrictions/{ident}/audit").json["events"]
    last = events[-1]
    assert (last["transition"], last["outcome"], last["actor"]) == \
        ("mark_reviewed", "advanced", "max")
    assert "decision: reduce" in last["changes"]
    assert last["reason"].startswith("No incidents with knives")


def test_a_removed_restriction_leaves_the_register(api, clock):
    ident = opened(api, clock)
    removed = fire(api, ident, "remove_restriction",
                   reason="Six weeks without an incident; Daniel agreed the drawer is unlocked.")
    assert removed.status == 200, removed
    assert removed.json["restriction"]["state"] == "removed"
    assert register(api) == []


def test_an_overdue_restriction_review_is_a_quality_finding(api, app, clock):
    from datetime import datetime, timezone
    restricted_plan(api)
    clock.set(datetime(2026, 12, 21, 9, tzinfo=timezone.utc))
    assert register(api)[0]["overdue"] is True
    with app.app_context():
        findings = run_quality_audit(db.session, app.extensions["strengthwise"].registry,
                                     "riverside", clock.now().date())
    found = [f for f in findings if f.rule == "quality.restrictions-reviewed"]
    assert [f.detail for f in found] == ["restriction r2 was due for review on 2026-12-20"]


def test_a_reviewed_restriction_is_no_longer_a_quality_finding(api, app, clock):
    from datetime import datetime, timezone
    ident = opened(api, clock)
    assert fire(api, ident, "mark_reviewed", decision="keep", reason="Still needed this month.",
                next_review_date="2027-01-10").status == 200
    clock.set(datetime(2026, 12, 21, 9, tzinfo=timezone.utc))
    with app.app_context():
        findings = run_quality_audit(db.session, app.extensions["strengthwise"].registry,
                                     "riverside", clock.now().date())
    assert [f for f in findings if f.rule == "quality.restrictions-reviewed"] == []


def test_closing_the_plan_takes_its_restrictions_off_the_register(api):
    plan = restricted_plan(api)
    assert api.as_("max").fire(plan["id"], "close", reason="Moved to another provider").status \
        == 200
    assert register(api) == []


def test_a_revision_that_drops_a_restriction_takes_it_off_the_register(api, app):
    plan = restricted_plan(api)
    ident = register(api)[0]["id"]
    assert api.as_("max").fire(plan["id"], "start_review", reason="The family asked").status \
        == 200
    review = api.as_("sam").post(f"/plans/{plan['id']}/reviews", {
        **review_record(decision="revise"), "risks_reviewed": ["r1", "r2"]})
    assert review.status == 201, review
    assert api.as_("sam").fire(plan["id"], "revise").status == 200
    content = plan_content()  # the same plan without the knife drawer
    assert api.as_("sam").put(f"/plans/{plan['id']}", {
        **content, "version": api.as_("sam").get(f"/plans/{plan['id']}").json["version"]}
    ).status == 200
    approved = api.as_("max").fire(plan["id"], "approve")
    assert approved.status == 200, approved
    assert register(api) == []
    events = api.as_("ada").get(f"/restrictions/{ident}/audit").json["events"]
    assert events[-1]["action"] == "restriction_ended"
    assert events[-1]["changes"] == ["left the register: version 2 of the plan no longer has it"]


def test_a_revision_that_moves_the_review_date_moves_the_timer(api, app, database_url):
    plan = restricted_plan(api)
    assert api.as_("max").fire(plan["id"], "start_review", reason="The family asked").status \
        == 200
    assert api.as_("sam").post(f"/plans/{plan['id']}/reviews", {
        **review_record(decision="revise"), "risks_reviewed": ["r1", "r2"]}).status == 201
    assert api.as_("sam").fire(plan["id"], "revise").status == 200
    content = plan_content(risks=plan_content()["risks"] + [{**KNIFE,
                                                             "review_date": "2027-01-05"}])
    assert api.as_("sam").put(f"/plans/{plan['id']}", {
        **content, "version": api.as_("sam").get(f"/plans/{plan['id']}").json["version"]}
    ).status == 200
    assert api.as_("max").fire(plan["id"], "approve").status == 200
    assert register(api)[0]["review_date"] == "2027-01-05"
    run_cli("tick", "--now", "2026-12-20T00:30:00+00:00", database_url=database_url)
    assert review_tasks(api) == []   # the old date's timer was cancelled
    run_cli("tick", "--now", "2027-01-05T00:30:00+00:00", database_url=database_url)
    assert len(review_tasks(api)) == 1


def test_an_incident_lists_the_restriction_decision_that_followed_it(api, clock):
    plan = restricted_plan(api)
    incident = api.as_("sam").post(f"/people/{plan['person_id']}/incidents", {
        "occurred_at": "2026-11-19T10:00:00Z", "kind": "distress", "severity": "low",
        "description": "Upset when the drawer was locked before tea.",
        "immediate_action": "Sat with him, talked it through and made tea together.",
        "people_informed": ["sister"], "restriction_ids": ["r2"]}).json
    ident = register(api)[0]["id"]
    clock.advance(hours=1)
    assert fire(api, ident, "restriction_review_due").status == 200
    assert fire(api, ident, "mark_reviewed", decision="reduce",
                reason="No incidents with knives for four weeks.",
                reduced_to="Only the chef's knife stays locked away.",
                next_review_date="2027-01-10").status == 200
    changes = api.as_("max").get(f"/incidents/{incident['id']}").json["plan_changes"]
    assert [(c["kind"], c["restriction_id"], c["words"]) for c in changes] == [
        ("restriction", ident, "Restriction reduced on 20 November 2026: Only the chef's knife "
                               "stays locked away.")]
