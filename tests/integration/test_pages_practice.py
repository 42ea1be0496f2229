"""The supervision, competency, quality-audit and access-log pages."""
from tests.helpers import Browser, active_plan, daily_record

from .test_competency import ASSESSMENT, OBSERVATION, TRAINING
from .test_supervision import PROMPTS


def test_a_manager_schedules_records_and_signs_off_a_supervision_by_clicking(app, api):
    plan = active_plan(api)
    api.as_("sam").post(f"/plans/{plan['id']}/records", daily_record())
    mia = Browser(app, "mia")
    scheduled = mia.post("/supervisions/new", {"supervisee": "sam@riverside",
                                               "scheduled_for": "2026-12-01"},
                         csrf_from="/practice")
    assert scheduled.status == 302
    page_path = scheduled.location
    assert "Supervision with sam" in mia.get("/inbox")

    empty = mia.post(page_path, {"observed_strength": ""})
    assert empty.status == 200 and "There is a problem" in empty
    assert 'href="#observed_strength"' in empty and 'href="#prompts-risk_balance"' in empty

    # The outcome discussed is chosen by its words, never typed as an id.
    assert 'href="#outcome"' in empty
    assert (f'<option value="{plan["id"]}:o1">Margaret Ellis — Prepares her own breakfast'
            in empty)
    form = {"observed_strength": "Margaret planned meals", "support_provided": "Coaching",
            "independence_opportunity": "Hob check alone", "next_step": "Fewer prompts",
            "outcome": f"{plan['id']}:o1",
            **{f"prompts-{key}": value for key, value in PROMPTS.items()}}
    assert mia.post(page_path, form).status == 302
    page = mia.get(page_path)
    assert "Record the supervision" in page and "disabled" not in page.html.split(
        "Record the supervision")[1][:400]
    version = api.as_("mia").get(f"/supervisions/{page_path.rsplit('/', 1)[1]}").json["version"]
    recorded = mia.post(f"{page_path}/transitions/record", {"version": version},
                        csrf_from=page_path)
    assert recorded.status == 302
    version += 1
    signed = mia.post(f"{page_path}/transitions/sign_off", {"version": version},
                      csrf_from=page_path)
    assert signed.status == 302
    final = mia.get(page_path)
    assert "signed off" in final and "Next supervision due" in final
    assert "Sign off: Recorded → Signed off" in final


def test_staff_see_their_own_practice_but_cannot_schedule(app, api):
    api.as_("mia").post("/competencies", {"worker": "sam", "service": "riverside"})
    sam = Browser(app, "sam")
    page = sam.get("/practice")
    assert page.status == 200 and "Schedule a supervision" not in page
    assert "sam" in page and "enrolled" in page


def test_the_competency_page_records_training_and_shows_field_errors(app, api):
    competency = api.as_("mia").post("/competencies", {"worker": "sam",
                                                       "service": "riverside"}).json
    path = f"/competencies/{competency['id']}"
    sam = Browser(app, "sam")
    invalid = sam.post(path, {"part": "training", "completed_on": "2026-11-18"})
    assert "There is a problem" in invalid and 'href="#training-case_study"' in invalid
    assert sam.post(path, {"part": "training", **TRAINING}).status == 302
    assert "Reframes assessment questions" in sam.get(path)
    mia = Browser(app, "mia")
    assert mia.post(path, {"part": "observation", **OBSERVATION}).status == 302
    assert "Waited before prompting" in mia.get(path)
    assert ASSESSMENT["competency_check"] not in mia.get(path)


def test_the_quality_audit_page_lists_findings_for_managers_and_auditors(app, api):
    active_plan(api)
    for who in ("mia", "ada"):
        page = Browser(app, who).get("/quality?service=riverside")
        assert page.status == 200
        assert "key worker sam has no current" in page
        # The rule's id is the auditor's detail; the manager reads what it asks for.
        assert ("<code>quality.evidence-current</code>" in page) == (who == "ada")
        assert "every outcome of a plan in force has daily records" in page
    assert Browser(app, "sam").get("/quality").status == 403
    assert Browser(app, "mia").get("/quality?service=northgate").status == 404


def test_auditors_read_a_persons_access_log_page(app, api):
    plan = active_plan(api)
    Browser(app, "sue").get(f"/plans/{plan['id']}")
    page = Browser(app, "ada").get(f"/people/{plan['person_id']}/access-log")
    assert page.status == 200 and "sue (staff)" in page and "plans.show" in page
    assert Browser(app, "mia").get(f"/people/{plan['person_id']}/access-log").status == 403
    assert Browser(app, "oli").get(f"/people/{plan['person_id']}/access-log").status == 404
