"""The evidence pages: daily records with language feedback, and the strengths-first review."""
import re
from datetime import datetime, timezone

from engine.care.models import DailyRecord, Review
from engine.core.sweep import sweep
from tests.helpers import Browser, active_plan, daily_record, review_record
from web.extensions import db


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def record_form(**fields) -> dict:
    """What a person types into the daily record form (everything as text)."""
    form = {key: "" if value is None else str(value) for key, value in daily_record().items()}
    form.update(fields)
    return form


def saved_records(app) -> list[DailyRecord]:
    with app.app_context():
        rows = db.session.query(DailyRecord).order_by(DailyRecord.id).all()
        db.session.expunge_all()
        return rows


def review_due_plan(api, app, clock) -> dict:
    """An active plan with falling prompts on o1 and a record on o2, whose review is now due."""
    plan = active_plan(api)
    for day, prompts in (("2026-12-05", 4), ("2026-12-15", 3), ("2026-12-28", 2),
                         ("2027-01-08", 1)):
        clock.set(at(f"{day}T18:00"))
        assert api.as_("sam").post(f"/plans/{plan['id']}/records",
                                   daily_record(day=day, prompts=prompts)).status == 201
    assert api.as_("sam").post(f"/plans/{plan['id']}/records",
                               daily_record("o2", day="2027-01-08")).status == 201
    with app.app_context():
        sweep(app.extensions["strengthwise"], db.session, at("2027-01-12T00:00"))
        db.session.remove()
    clock.set(at("2027-01-12T10:00"))
    return plan


def review_form(**fields) -> dict:
    """The review form filled in as review_record() describes it."""
    review = review_record()
    form = {name: review[name] for name in ("improved", "less_support", "new_strengths",
                                            "reduce_safely", "matters_most",
                                            "decision", "next_review_date")}
    involvement = review["involvement"]
    form.update(took_part="yes" if involvement["took_part"] else "no", how=involvement["how"],
                views=involvement["views"])
    if involvement["family_present"]:
        form["family_present"] = "yes"
    for rating in review["outcome_ratings"]:
        form[f"rating-{rating['outcome_id']}"] = rating["rating"]
        form[f"evidence-{rating['outcome_id']}"] = rating["evidence"]
    form["risks_reviewed"] = review["risks_reviewed"]
    form.update(fields)
    return form


def saved_review(app, plan_id: int) -> dict | None:
    with app.app_context():
        row = db.session.query(Review).filter_by(plan_id=plan_id).one_or_none()
        return dict(row.content, author=row.author.username) if row else None


# --- daily records -------------------------------------------------------------------------

def test_the_record_form_offers_the_outcomes_in_force_and_defaults_to_today(api, app):
    plan = active_plan(api)
    page = Browser(app, "sam").get(f"/plans/{plan['id']}/records/new")
    assert page.status == 200
    assert "<title>Daily record for Margaret Ellis — strengthwise</title>" in page
    assert "Prepares her own breakfast — target: prepare breakfast with no more than two " \
           "prompts, five days a week" in page
    assert 'id="date" name="date" type="date" value="2026-11-20"' in page
    assert "What did the person do themselves?" in page
    for field in ("outcome_id", "observed_strength", "support_provided",
                  "independence_opportunity", "next_step", "prompts", "note"):
        assert f'<label for="{field}">' in page, field
    assert 'id="completion" name="completion" value="independent"' in page


def test_a_record_with_deficit_wording_is_saved_and_shows_why_and_what_to_write(api, app):
    plan = active_plan(api)
    browser = Browser(app, "sam")
    saved = browser.post(f"/plans/{plan['id']}/records/new", record_form(
        note="Margaret refused her shower. Service user was tired."))
    assert saved.status == 302 and "/records/" in saved.location
    page = browser.get(saved.location)
    assert "Record saved." in page
    assert "<strong>“refused”</strong> in Note" in page
    assert "records the person as failing to comply rather than as making a choice" in page
    assert "Write \"declined\" or \"chose not to\"" in page.html.replace("&#34;", '"')
    assert "<strong>“Service user”</strong>" in page
    assert "Why it matters:" in page and "A strengths-based record would:" in page
    [record] = saved_records(app)
    assert [flag["term"] for flag in record.language_flags] == [
        "deficit.refused", "depersonalising.service-user"]
    listing = browser.get(f"/plans/{plan['id']}/records")
    assert "“refused”" in listing and "“Service user”" in listing


def test_a_strengths_based_record_shows_no_flags(api, app):
    plan = active_plan(api)
    browser = Browser(app, "sam")
    saved = browser.post(f"/plans/{plan['id']}/records/new", record_form(
        note="Margaret chose the ingredients herself and said she would like to try porridge."))
    page = browser.get(saved.location)
    assert "This record reads as strengths-based" in page
    assert 'class="flag"' not in page
    assert saved_records(app)[0].language_flags == []


def test_missing_fields_show_an_error_summary_linking_to_them_and_save_nothing(api, app):
    plan = active_plan(api)
    page = Browser(app, "sam").post(f"/plans/{plan['id']}/records/new", record_form(
        observed_strength="  ", prompts="", completion="", note="Chose porridge"))
    assert page.status == 422
    assert "<title>Error: Daily record for Margaret Ellis — strengthwise</title>" in page
    summary = re.search(r'<div class="error-summary".*?</div>', page.html, re.S).group(0)
    assert re.findall(r'href="#([a-z_]+)"', summary) == [
        "observed_strength", "prompts", "completion"]
    assert "Say what strength you observed" in summary
    assert 'id="observed_strength-error"' in page and 'id="completion"' in page
    assert "Chose porridge" in page  # what was typed is kept
    assert saved_records(app) == []


def test_the_engine_refusing_an_outcome_or_a_future_date_re_renders_the_form(api, app):
    plan = active_plan(api)
    page = Browser(app, "sam").post(f"/plans/{plan['id']}/records/new", record_form(
        outcome_id="o9", date="2026-11-21"))
    assert page.status == 422
    assert 'href="#outcome_id"' in page and 'href="#date"' in page
    assert "2026-11-21 is in the future" in page
    assert saved_records(app) == []


def test_the_record_form_lists_recent_records_with_their_flags(api, app):
    plan = active_plan(api)
    api.as_("sam").post(f"/plans/{plan['id']}/records", daily_record(
        note="Was non-compliant with meds"))
    page = Browser(app, "sue").get(f"/plans/{plan['id']}/records/new")
    assert "Recent records" in page and "“non-compliant”" in page


def test_a_plan_without_an_approved_version_takes_no_records(api, app):
    plan = api.as_("sam").new_plan()
    page = Browser(app, "sam").get(f"/plans/{plan['id']}/records/new")
    assert page.status == 200 and "has no approved version yet" in page
    assert 'name="observed_strength"' not in page


def test_an_auditor_cannot_write_records(api, app):
    plan = active_plan(api)
    assert Browser(app, "ada").get(f"/plans/{plan['id']}/records/new").status == 403
    assert Browser(app, "ada").get(f"/plans/{plan['id']}/records").status == 200


def test_another_services_plan_is_not_found(api, app):
    plan = active_plan(api)
    oli = Browser(app, "oli")
    for path in ("/records/new", "/records", "/review"):
        page = oli.get(f"/plans/{plan['id']}{path}")
        assert page.status == 404 and "Page not found" in page, path
    page = oli.post(f"/plans/{plan['id']}/records/new", record_form(), csrf_from="/inbox")
    assert page.status == 404
    assert saved_records(app) == []


def test_a_record_posted_without_the_csrf_token_is_rejected(api, app):
    plan = active_plan(api)
    browser = Browser(app, "sam")
    raw = browser.client.post(f"/plans/{plan['id']}/records/new", data=record_form())
    assert raw.status_code == 400 and "The form has expired" in raw.get_data(as_text=True)
    assert saved_records(app) == []


# --- reviews -------------------------------------------------------------------------------

def test_the_review_form_is_only_offered_while_a_review_is_due(api, app):
    plan = active_plan(api)
    browser = Browser(app, "sam")
    page = browser.get(f"/plans/{plan['id']}/review")
    assert page.status == 200 and "No review is due" in page and "plan is active" in page
    assert f'href="/plans/{plan["id"]}"' in page and 'name="improved"' not in page
    posted = browser.post(f"/plans/{plan['id']}/review", review_form())
    assert posted.status == 409 and saved_review(app, plan["id"]) is None


def test_the_review_form_asks_the_strengths_questions_before_risks_and_decision(api, app, clock):
    plan = review_due_plan(api, app, clock)
    page = Browser(app, "sam").get(f"/plans/{plan['id']}/review")
    assert page.status == 200
    order = ["What has improved since the last review?",
             "What can the person now do with less support?",
             "What new strengths have staff or family noticed?",
             "What support could be adapted or reduced safely?",
             "What outcome matters most to the person now?",
             "take part in this review?", "3. Progress on each outcome",
             "4. Risks and restrictions", "5. Decision", "6. If you propose reducing support"]
    positions = [page.html.index(text) for text in order]
    assert positions == sorted(positions)
    assert "4 daily records" in page and "4 → 3 → 2 → 1" in page
    assert 'id="risk-r1" name="risks_reviewed" type="checkbox" value="r1"' in page
    assert 'id="hours-a1" name="hours-a1" type="number" value="7"' in page


def test_a_saved_review_shows_the_managers_checklist_and_reposting_replaces_it(api, app, clock):
    plan = review_due_plan(api, app, clock)
    sam = Browser(app, "sam")
    first = sam.post(f"/plans/{plan['id']}/review", review_form(new_strengths=""))
    assert first.status == 302 and first.location.endswith("/review#next-steps")
    page = sam.get(f"/plans/{plan['id']}/review")
    assert "Review saved." in page and "Next steps" in page
    assert "the review does not answer what new strengths staff or family noticed" in page
    assert "These are the checks they will see" in page
    assert f'action="/plans/{plan["id"]}/transitions/complete_review"' not in page
    assert saved_review(app, plan["id"])["new_strengths"] is None

    sam.post(f"/plans/{plan['id']}/review", review_form())
    review = saved_review(app, plan["id"])
    assert review["new_strengths"] == "Jo says she now plans the shopping list herself"
    assert review["outcome_ratings"][0] == {"outcome_id": "o1", "rating": "progressing",
                                            "evidence": "prompts fell 4 → 1"}
    with app.app_context():
        assert db.session.query(Review).count() == 1
    prefilled = Browser(app, "max").get(f"/plans/{plan['id']}/review")
    assert "Jo says she now plans the shopping list herself</textarea>" in prefilled
    assert 'id="rating-o1-progressing" name="rating-o1" value="progressing" checked' in prefilled
    card = re.search(r"<h3>Complete review.*?</form>", prefilled.html, re.S).group(0)
    assert "Proposed by the review" in card and 'class="failed"' not in card
    assert f'action="/plans/{plan["id"]}/transitions/complete_review"' in card
    assert 'name="version"' in card and "disabled" not in card


def test_the_manager_who_wrote_the_review_sees_a_disabled_complete_button(api, app, clock):
    plan = review_due_plan(api, app, clock)
    max_ = Browser(app, "max")
    max_.post(f"/plans/{plan['id']}/review", review_form())
    page = max_.get(f"/plans/{plan['id']}/review")
    card = re.search(r"<h3>Complete review.*?</form>", page.html, re.S).group(0)
    assert "max wrote the review record" in card
    assert re.search(r"<button[^>]*disabled", card) and "1 rule not met yet" in card


def test_a_proposed_reduction_saves_the_new_hours_for_each_action(api, app, clock):
    plan = review_due_plan(api, app, clock)
    Browser(app, "sam").post(f"/plans/{plan['id']}/review", review_form(
        decision="reduce_support", proposed_hours_per_week="8",
        **{"hours-a1": "5", "hours-a2": "3"}, reduced_outcome_ids=["o1"],
        monitoring="Spills and any missed breakfast",
        reinstate_when="Two missed breakfasts in a week", agreement="agrees"))
    review = saved_review(app, plan["id"])
    assert review["proposed_hours_per_week"] == 8
    assert review["proposed_actions"] == [{"id": "a1", "hours_per_week": 5},
                                          {"id": "a2", "hours_per_week": 3}]
    assert review["reduced_outcome_ids"] == ["o1"]
    assert review["agreement"] == {"decision": "agrees", "best_interests_record": None}
    page = Browser(app, "mia").get(f"/plans/{plan['id']}/review")
    card = re.search(r"<h3>Reduce support.*?</form>", page.html, re.S).group(0)
    assert "10 of 10 rules met" in card and "disabled" not in card


def test_invalid_review_answers_are_shown_at_the_top_and_nothing_is_saved(api, app, clock):
    plan = review_due_plan(api, app, clock)
    page = Browser(app, "sam").post(f"/plans/{plan['id']}/review", review_form(
        next_review_date="2027-02-31", decision="reduce_support", proposed_hours_per_week="8",
        **{"rating-o2": "", "hours-a1": "lots", "hours-a2": "3"}))
    assert page.status == 422
    summary = re.search(r'<div class="error-summary".*?</div>', page.html, re.S).group(0)
    assert re.findall(r'href="#([a-z0-9_-]+)"', summary) == [
        "rating-o2", "next_review_date", "hours-a1"]
    assert "Choose a progress rating for “Plans her weekly meals”" in summary
    assert saved_review(app, plan["id"]) is None


def test_an_auditor_cannot_write_a_review(api, app, clock):
    plan = review_due_plan(api, app, clock)
    assert Browser(app, "ada").get(f"/plans/{plan['id']}/review").status == 403


def test_the_review_form_asks_involvement_and_agreement_as_real_choices(api, app, clock):
    plan = review_due_plan(api, app, clock)
    page = Browser(app, "sam").get(f"/plans/{plan['id']}/review")
    for control in ('type="radio" id="took_part" name="took_part" value="yes"',
                    'name="how" value="easy_read"', 'name="how" value="declined"',
                    'id="views" name="views"', 'id="advocate_present"', 'id="family_present"',
                    'name="agreement" value="does_not_agree"',
                    'name="agreement" value="lacks_capacity"', 'id="best_interests_record"'):
        assert control in page.html, control


def reduction_form(**fields) -> dict:
    return review_form(decision="reduce_support", proposed_hours_per_week="8",
                       **{"hours-a1": "5", "hours-a2": "3"}, reduced_outcome_ids=["o1"],
                       monitoring="Spills and any missed breakfast",
                       reinstate_when="Two missed breakfasts in a week", **fields)


def test_a_person_who_does_not_agree_is_saved_from_the_form_and_blocks_the_reduction(
        api, app, clock):
    plan = review_due_plan(api, app, clock)
    Browser(app, "sam").post(f"/plans/{plan['id']}/review", reduction_form(
        agreement="does_not_agree", advocate_present="yes"))
    review = saved_review(app, plan["id"])
    assert review["agreement"] == {"decision": "does_not_agree", "best_interests_record": None}
    assert review["involvement"]["took_part"] is True
    assert review["involvement"]["advocate_present"] is True
    page = Browser(app, "mia").get(f"/plans/{plan['id']}/review")
    card = re.search(r"<h3>Reduce support.*?</form>", page.html, re.S).group(0)
    assert "Margaret does not agree to the reduction" in card and "disabled" in card


def test_lacking_capacity_on_the_form_needs_the_best_interests_record(api, app, clock):
    plan = review_due_plan(api, app, clock)
    sam, mia = Browser(app, "sam"), Browser(app, "mia")
    sam.post(f"/plans/{plan['id']}/review", reduction_form(agreement="lacks_capacity"))
    card = re.search(r"<h3>Reduce support.*?</form>",
                     mia.get(f"/plans/{plan['id']}/review").html, re.S).group(0)
    assert "no best-interests record is given" in card
    sam.post(f"/plans/{plan['id']}/review", reduction_form(
        agreement="lacks_capacity", best_interests_record="Best-interests meeting, 10 Jan"))
    card = re.search(r"<h3>Reduce support.*?</form>",
                     mia.get(f"/plans/{plan['id']}/review").html, re.S).group(0)
    assert "10 of 10 rules met" in card


def test_a_made_up_way_of_taking_part_is_refused_on_the_form(api, app, clock):
    plan = review_due_plan(api, app, clock)
    page = Browser(app, "sam").post(f"/plans/{plan['id']}/review", review_form(how="by_magic"))
    assert page.status == 422
    summary = re.search(r'<div class="error-summary".*?</div>', page.html, re.S).group(0)
    assert 'href="#how"' in summary
    assert saved_review(app, plan["id"]) is None
