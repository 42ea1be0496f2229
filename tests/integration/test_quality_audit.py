"""The plan quality audit finds each kind of problem on seeded data, and nothing on clean data."""
from datetime import datetime, timezone

import pytest

from engine.care.quality import run_quality_audit
from engine.core.sweep import sweep
from tests.helpers import active_plan, daily_record, plan_content, run_cli
from web.extensions import db

from .test_competency import ASSESSMENT, OBSERVATION, TRAINING
from .test_supervision import record as supervision_record


def audit(app):
    with app.app_context():
        engine = app.extensions["strengthwise"]
        findings = run_quality_audit(db.session, engine.registry, "riverside", engine.today())
        db.session.remove()
    return [(f.rule, f.record_type, f.detail) for f in findings]


def make_competent(api, worker="sam"):
    competency = api.as_("mia").post("/competencies", {"worker": worker,
                                                       "service": "riverside"}).json
    path = f"/competencies/{competency['id']}"

    def fire(name):
        version = api.as_("mia").get(path).json["version"]
        assert api.as_("mia").post(f"{path}/transitions/{name}",
                                   {"version": version}).status == 200

    api.as_("mia").put(f"{path}/training", TRAINING)
    fire("complete_training")
    api.as_("mia").put(f"{path}/assessment", ASSESSMENT)
    fire("assess")
    api.as_("max").post(f"{path}/observations", OBSERVATION)
    fire("sign_off")


def supervise(api, plan_id, outcome_id="o1"):
    supervision = api.as_("mia").post("/supervisions", {
        "supervisee": "sam", "service": "riverside", "scheduled_for": "2026-11-20"}).json
    path = f"/supervisions/{supervision['id']}"
    api.as_("mia").put(f"{path}/record", supervision_record(plan_id, outcome_id))
    version = api.as_("mia").get(path).json["version"]
    assert api.as_("mia").post(f"{path}/transitions/record", {"version": version}).status == 200
    return supervision


@pytest.fixture
def clean(api):
    """An active plan whose records, reviews, supervision and key worker all line up."""
    plan = active_plan(api)
    for outcome in ("o1", "o2"):
        assert api.as_("sam").post(f"/plans/{plan['id']}/records",
                                   daily_record(outcome_id=outcome)).status == 201
    make_competent(api)
    supervise(api, plan["id"])
    return plan


def test_a_service_whose_records_line_up_has_no_findings(app, clean):
    assert audit(app) == []


def test_an_outcome_without_recent_evidence_is_found(app, api, clock, clean):
    clock.set(datetime(2026, 12, 20, 9, tzinfo=timezone.utc))
    api.as_("sam").post(f"/plans/{clean['id']}/records", daily_record(day="2026-12-19"))
    assert audit(app) == [("quality.evidence-current", "plan",
                           "outcome o2 has no daily record since 2026-11-22 (last on 2026-11-20)")]


def test_overdue_reviews_are_found(app, api, clock, clean):
    with app.app_context():
        sweep(app.extensions["strengthwise"], db.session,
              datetime(2027, 1, 12, 6, tzinfo=timezone.utc))
        db.session.remove()
    clock.set(datetime(2027, 1, 30, 9, tzinfo=timezone.utc))
    for outcome in ("o1", "o2"):
        api.as_("sam").post(f"/plans/{clean['id']}/records",
                            daily_record(outcome_id=outcome, day="2027-01-29"))
    assert audit(app) == [("quality.reviews-on-time", "plan",
                           "the review has been due since 2027-01-26 and is not complete")]


def test_a_restriction_past_its_review_date_is_found(app, api, clock):
    plan = active_plan(api, risks=[{
        **plan_content()["risks"][0], "restrictive": True, "review_date": "2026-12-15",
        "justification": "Best-interests decision: one-cup kettle only"}])
    make_competent(api)
    clock.set(datetime(2026, 12, 16, 9, tzinfo=timezone.utc))
    for outcome in ("o1", "o2"):
        api.as_("sam").post(f"/plans/{plan['id']}/records",
                            daily_record(outcome_id=outcome, day="2026-12-16"))
    assert audit(app) == [("quality.restrictions-reviewed", "plan",
                           "restriction r1 was due for review on 2026-12-15")]


def test_a_key_worker_without_a_competency_sign_off_is_found(app, api):
    plan = active_plan(api, key_worker="sue")
    for outcome in ("o1", "o2"):
        api.as_("sue").post(f"/plans/{plan['id']}/records", daily_record(outcome_id=outcome))
    assert audit(app) == [("quality.key-workers-competent", "plan",
                           "key worker sue has no current competency sign-off")]


def test_a_supervision_linked_to_an_outcome_without_records_is_found(app, api, clean):
    supervision = supervise(api, clean["id"], outcome_id="o2")
    api.as_("sam").post(f"/plans/{clean['id']}/records", daily_record(outcome_id="o2",
                                                                      day="2026-11-19"))
    assert audit(app) == []
    bad = supervise(api, clean["id"], outcome_id="o9")
    assert audit(app) == [("quality.supervision-links-match", "supervision",
                           "the supervision of sam on 2026-11-20 names outcome 'o9', which "
                           f"plan {clean['id']} lacks")]
    assert supervision["id"] != bad["id"]


def test_records_with_deficit_language_are_found(app, api, clean):
    api.as_("sam").post(f"/plans/{clean['id']}/records", daily_record(
        note="Margaret refused breakfast"))
    assert audit(app) == [("quality.strengths-based-recording", "daily_record",
                           "the record of 2026-11-20 by sam uses \"refused\"")]


def test_the_cli_prints_findings_per_record_and_exits_0(database_url, api, clean):
    api.as_("sam").post(f"/plans/{clean['id']}/records", daily_record(note="Service user ok"))
    result = run_cli("audit", "quality", "--service", "riverside", database_url=database_url)
    assert result.returncode == 0, result.stderr
    assert f"plan {clean['id']} (Margaret Ellis)" in result.stdout
    assert "[quality.strengths-based-recording] daily_record" in result.stdout
    assert "1 finding in all." in result.stdout
    unknown = run_cli("audit", "quality", "--service", "nowhere", database_url=database_url)
    assert unknown.returncode == 2 and "no service nowhere" in unknown.stderr


def test_the_quality_audit_page_is_for_managers_and_auditors_not_admins(app, users, clock):
    """Its findings name people and their records: care information an admin may not read
    (SPEC §1), so the page refuses them and their navigation does not offer it."""
    from tests.helpers import Browser, add_admin
    add_admin(app, clock.now())
    for who in ("mia", "ada"):
        assert Browser(app, who).get("/quality").status == 200
    for who in ("sam", "ann"):
        assert Browser(app, who).get("/quality").status == 403
    assert 'href="/quality"' not in Browser(app, "ann").get("/admin/users").html
