"""The support plan's first journey: draft → approved → active, every attempt audited."""
from tests.helpers import plan_content


def failing_rules(response):
    return {item["rule"] for item in response.json["details"]}


def test_new_plan_starts_in_draft_with_the_author_recorded(api):
    plan = api.as_("sam").new_plan()
    assert plan["state"] == "draft"
    assert plan["author"] == "sam"
    assert plan["approved_version"] is None
    assert plan["version"] >= 1
    assert plan["outcomes"] == [] and plan["strengths"] == []


def test_the_whole_lifecycle_from_draft_to_active(api):
    sam, mia, max_ = api.as_("sam"), api.as_("mia"), api.as_("max")
    plan = sam.new_plan()

    refused = mia.fire(plan["id"], "approve")
    assert refused.status == 422 and refused.json["error"] == "blocked"
    assert {"plan.has-outcomes", "plan.hours-allocated", "plan.person-involved",
            "plan.review-date-set"} <= failing_rules(refused)
    assert all(item["detail"] and item["text"].startswith("Cannot proceed without")
               for item in refused.json["details"])

    sam.edit(plan["id"], **plan_content())
    mia.edit(plan["id"], **plan_content(commissioned_hours_per_week=10))
    own_edit = mia.fire(plan["id"], "approve")
    assert own_edit.status == 422
    assert failing_rules(own_edit) == {"plan.independent-approver"}
    assert "mia authored or edited" in own_edit.json["details"][0]["detail"]

    assert sam.fire(plan["id"], "request_approval").status == 200
    approved = max_.fire(plan["id"], "approve", comment="Clear, deliverable plan")
    assert approved.status == 200, approved
    assert approved.json["plan"]["state"] == "approved"
    assert approved.json["plan"]["approved_version"] == 1
    assert approved.json["event"]["outcome"] == "advanced"

    not_briefed = max_.fire(plan["id"], "activate")
    assert failing_rules(not_briefed) == {"plan.team-briefed"}
    assert sam.post(f"/plans/{plan['id']}/acknowledgements", {}).status == 201
    active = max_.fire(plan["id"], "activate")
    assert active.status == 200 and active.json["plan"]["state"] == "active"

    events = mia.get(f"/plans/{plan['id']}/audit?action=transition").json["events"]
    assert [(e["actor"], e["transition"], e["outcome"]) for e in events] == [
        ("mia", "approve", "blocked"),
        ("mia", "approve", "blocked"),
        ("sam", "request_approval", "advanced"),
        ("max", "approve", "advanced"),
        ("max", "activate", "blocked"),
        ("max", "activate", "advanced"),
    ]
    approve = events[3]
    assert approve["from"] == "draft" and approve["to"] == "approved"
    assert approve["comment"] == "Clear, deliverable plan"
    assert approve["rule_pack"] == "support_plan@1.5.0"
    assert len(approve["checks"]) == 11 and all(check["passed"] for check in approve["checks"])
    assert all(later["prev_hash"] == earlier["hash"] or later["seq"] != earlier["seq"] + 1
               for earlier, later in zip(events, events[1:]))


def test_approval_freezes_an_immutable_version_that_staff_follow(api):
    sam, max_ = api.as_("sam"), api.as_("max")
    plan = sam.new_plan(**plan_content())
    max_.fire(plan["id"], "approve")
    versions = sam.get(f"/plans/{plan['id']}/versions").json["versions"]
    assert [v["number"] for v in versions] == [1]
    assert versions[0]["approved_by"] == "max"
    assert versions[0]["editors"] == ["sam"]
    assert versions[0]["outcomes"][0]["target"].startswith("prepare breakfast")

    edit = sam.put(f"/plans/{plan['id']}",
                   {**plan_content(), "version": sam.get(f"/plans/{plan['id']}").json["version"]})
    assert edit.status == 422 and edit.json["error"] == "invalid"
    assert "state" in edit.json["details"]


def test_request_approval_opens_one_task_that_approval_closes(api, app):
    from engine.core.models import Task
    from web.extensions import db

    sam, max_ = api.as_("sam"), api.as_("max")
    plan = sam.new_plan(**plan_content())
    sam.fire(plan["id"], "request_approval")
    with app.app_context():
        tasks = db.session.query(Task).filter_by(subject_id=plan["id"]).all()
        assert [(t.kind, t.role, t.status) for t in tasks] == [("approve_plan", "manager", "open")]
    max_.fire(plan["id"], "approve")
    with app.app_context():
        assert db.session.query(Task).filter_by(subject_id=plan["id"],
                                                kind="approve_plan").one().status == "done"


def test_activation_schedules_the_review_timer_at_the_next_review_date(api, app):
    from engine.core.models import Timer
    from web.extensions import db

    sam, max_ = api.as_("sam"), api.as_("max")
    plan = sam.new_plan(**plan_content(next_review_date="2027-01-10"))
    max_.fire(plan["id"], "approve")
    sam.post(f"/plans/{plan['id']}/acknowledgements", {})
    max_.fire(plan["id"], "activate")
    with app.app_context():
        timer = db.session.query(Timer).filter_by(subject_id=plan["id"]).one()
        assert timer.transition == "start_review" and timer.status == "pending"
        # Midnight in Europe/London on 10 January is midnight UTC (GMT in winter).
        assert timer.due_at.isoformat() == "2027-01-10T00:00:00+00:00"


def test_closing_needs_a_reason_and_is_final(api):
    sam, max_ = api.as_("sam"), api.as_("max")
    plan = sam.new_plan()
    assert failing_rules(max_.fire(plan["id"], "close")) == {"close.reason-recorded"}
    closed = max_.fire(plan["id"], "close", reason="Moved to a care home near family")
    assert closed.status == 200 and closed.json["plan"]["state"] == "closed"
    assert closed.json["event"]["reason"] == "Moved to a care home near family"
    again = max_.fire(plan["id"], "close", reason="again")
    assert again.status == 422 and failing_rules(again) == {"workflow.source-state"}
    assert max_.get(f"/plans/{plan['id']}/transitions").json["transitions"] == []


def test_a_manager_returns_a_draft_with_a_comment_and_the_approval_task_closes(api, app):
    from engine.core.models import Task
    from web.extensions import db

    sam, max_ = api.as_("sam"), api.as_("max")
    plan = sam.new_plan(**plan_content())
    sam.fire(plan["id"], "request_approval")
    silent = max_.fire(plan["id"], "return_for_changes")
    assert [d["rule"] for d in silent.json["details"]] == ["return.comment-recorded"]
    returned = max_.fire(plan["id"], "return_for_changes",
                         comment="Outcome o2 needs a measure Jo can check")
    assert returned.status == 200 and returned.json["plan"]["state"] == "draft"
    assert returned.json["event"]["comment"] == "Outcome o2 needs a measure Jo can check"
    with app.app_context():
        assert db.session.query(Task).filter_by(subject_id=plan["id"],
                                                kind="approve_plan").one().status == "done"
