"""The recording coach advises wherever text is written, never blocks, and the governance
figures count only what the coach in use flags."""
from datetime import datetime, timezone

from sqlalchemy import update

from engine.care.models import DailyRecord
from engine.core.db import begin_write
from tests.helpers import Browser, active_plan, daily_record, plan_content, review_record
from tests.integration.test_supervision import evidenced_plan, record, schedule  # noqa: F401
from web.extensions import db


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def flags(document):
    return [(flag["field"], flag["category"], flag["words"]) for flag in
            document["language_flags"]]


def test_a_task_only_record_is_asked_what_the_person_did_themselves(api):
    plan = active_plan(api)
    response = api.as_("sam").post(f"/plans/{plan['id']}/records", daily_record(
        support_provided="Changed the bed and applied cream."))
    assert response.status == 201
    [flag] = response.json["language_flags"]
    assert (flag["field"], flag["category"]) == ("support_provided", "task_only")
    assert "Margaret" in flag["question"] and flag["question"].endswith("?")
    assert response.json["vocabulary"].startswith("recording_language@2.")


def test_a_precise_clinical_record_is_not_flagged(api):
    plan = active_plan(api)
    response = api.as_("sam").post(f"/plans/{plan['id']}/records", daily_record(
        support_provided="Administered morning medication via PEG as prescribed.",
        note="Needs to be fed due to dysphagia, so Joan chose the yoghurt and held the spoon; "
             "no behaviours of concern."))
    assert response.status == 201 and response.json["language_flags"] == []


def test_review_answers_are_coached_and_still_saved(api, clock):
    plan = active_plan(api)
    clock.set(at("2026-12-20T10:00"))
    api.as_("sam").fire(plan["id"], "start_review", reason="A change in needs")
    saved = api.as_("sam").post(f"/plans/{plan['id']}/reviews", review_record(
        improved="She is a handful in the mornings but stubborn about her routine."))
    assert saved.status == 201
    assert [(field, category) for field, category, _ in flags(saved.json)] == [
        ("improved", "judgemental"), ("improved", "judgemental")]
    listed = api.as_("ada").get(f"/plans/{plan['id']}/reviews").json["reviews"][0]
    assert flags(listed) == flags(saved.json)


def test_supervision_notes_are_coached(api, evidenced_plan):  # noqa: F811
    supervision = schedule(api)
    written = api.as_("mia").put(f"/supervisions/{supervision['id']}/record", record(
        evidenced_plan["id"], support_provided="Cooked tea and washed up."))
    assert written.status == 200
    assert ("support_provided", "task_only", "Cooked tea and washed up") in flags(written.json)


def test_the_plans_strengths_and_outcomes_are_coached_in_the_draft(api, app):
    strengths = plan_content()["strengths"]
    strengths[0]["description"] = "Non-compliant with her routine, but likes the radio"
    plan = api.as_("sam").new_plan(**plan_content(strengths=strengths))
    assert ("strengths.s1.description", "deficit") in [
        (field, category) for field, category, _ in flags(plan)]
    page = Browser(app, "sam").get(f"/plans/{plan['id']}")
    assert "Language feedback on the strengths and outcomes" in page
    assert "the strength ‘Non-compliant with her routine" in page


def test_governance_counts_only_what_the_coach_in_use_flags_per_category(api, app, clock):
    plan = active_plan(api)
    clock.set(at("2026-12-10T18:00"))
    notes = ["Administered morning medication via PEG as prescribed.",
             "Supported with breakfast.", "She was stubborn about the bath.",
             "Margaret chose porridge and poured her own milk."]
    for note in notes:
        assert api.as_("sam").post(f"/plans/{plan['id']}/records", daily_record(
            day="2026-12-10", support_provided=note,
            observed_strength="Remembered the steps")).status == 201
    with app.app_context():
        begin_write(db.session)  # a writing transaction from the start (SQLite, see db.py)
        # The PEG record as an older vocabulary judged it: flagged for the clinical words.
        db.session.execute(update(DailyRecord).where(
            DailyRecord.support_provided == notes[0]).values(
            vocabulary="recording_language@1.0.0",
            language_flags=[{"term": "task_only.medication", "category": "task_only",
                             "field": "support_provided", "words": "Administered"}]))
        db.session.commit()
        db.session.remove()
    report = api.as_("mia").get("/reports/governance?service=riverside").json
    quality = report["recording_quality"]
    assert (quality["records"], quality["flagged"], quality["clean"]) == (4, 2, 2)
    assert quality["by_category"] == {"controlling": 0, "deficit": 0, "depersonalising": 0,
                                      "judgemental": 1, "task_only": 1}
