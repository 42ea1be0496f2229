"""The learning loop's pages: a person's incidents, reporting from a daily record's offer,
the manager's review and close forms, a service's incidents and the restriction register."""
import re

from tests.helpers import Browser, active_plan, daily_record, plan_content
from tests.integration.test_restrictions import KNIFE


def test_report_from_a_daily_record_review_and_close_by_clicking(app, api):
    plan = active_plan(api, risks=plan_content()["risks"] + [KNIFE])
    sam = Browser(app, "sam")
    record = api.as_("sam").post(f"/plans/{plan['id']}/records", daily_record(
        note="Margaret fell in the hall; found on the floor, talking.")).json
    page = sam.get(f"/plans/{plan['id']}/records/{record['id']}")
    assert "Should this be reported as an incident?" in page
    offer = re.search(r'href="([^"]*/incidents/new[^"]*)"', page.html).group(1).replace(
        "&amp;", "&")
    form = sam.get(offer)
    assert form.status == 200 and "found on the floor" in form
    assert 'value="2026-11-20"' in form and "Kitchen knives kept in a locked drawer" in form
    bad = sam.post(offer, {"occurred_on": "2026-11-20", "occurred_time": "07:30",
                           "kind": "", "severity": "moderate", "description": "",
                           "immediate_action": "", "people_informed": ""})
    assert bad.status == 422 and "There is a problem" in bad and 'href="#kind"' in bad
    assert api.as_("max").get("/incidents").json["incidents"] == []
    done = sam.post(offer, {"occurred_on": "2026-11-20", "occurred_time": "07:30",
                            "kind": "fall", "severity": "moderate",
                            "description": "Margaret fell in the hall and was found on the "
                                           "floor, talking.",
                            "immediate_action": "Checked for injury, helped her up, rang the GP.",
                            "people_informed": "daughter, GP"})
    assert done.status == 302, done
    incident_path = done.location
    shown = sam.get(incident_path)
    assert "20 November 2026 at 07:30" in shown and "the plan&#39;s review was started" in shown
    assert "transitions/review_incident" not in shown  # staff do not review
    assert api.as_("max").get(f"/plans/{plan['id']}").json["state"] == "review_due"

    mia = Browser(app, "mia")
    incident_id = int(incident_path.rsplit("/", 1)[1])
    version = api.as_("mia").get(f"/incidents/{incident_id}").json["version"]
    reviewed = mia.post(f"{incident_path}/transitions/review_incident",
                        {"version": version, "family_informed": "yes"},
                        csrf_from=incident_path)
    assert reviewed.status == 302
    assert api.as_("mia").get(f"/incidents/{incident_id}").json["state"] == "reviewed"
    closed = mia.post(f"{incident_path}/transitions/close_incident",
                      {"version": version + 1,
                       "learning": "A night light now lights the hall; the rug is gone."},
                      csrf_from=incident_path)
    assert closed.status == 302
    final = mia.get(incident_path)
    assert "A night light now lights the hall" in final and "Closed" in final

    person = sam.get(f"/people/{plan['person_id']}")
    assert "Fall" in person and "A night light now lights the hall" in person
    plan_page = sam.get(f"/plans/{plan['id']}")
    assert "Incidents since the last review" in plan_page and "Report an incident" in plan_page
    review = sam.get(f"/plans/{plan['id']}/review")
    assert "Incidents since the last review (1)" in review
    listing = mia.get("/incidents?service=riverside")
    assert "Margaret Ellis" in listing and "Fall" in listing


def test_a_plain_record_offers_nothing(app, api):
    plan = active_plan(api)
    record = api.as_("sam").post(f"/plans/{plan['id']}/records", daily_record()).json
    page = Browser(app, "sam").get(f"/plans/{plan['id']}/records/{record['id']}")
    assert "Should this be reported" not in page


def test_the_register_page_reviews_and_reduces_a_restriction(app, api):
    plan = active_plan(api, risks=plan_content()["risks"] + [KNIFE])
    mia = Browser(app, "mia")
    page = mia.get("/restrictions?service=riverside")
    assert page.status == 200 and "Kitchen knives kept in a locked drawer" in page
    assert "20 December 2026" in page
    ident = api.as_("mia").get("/restrictions").json["restrictions"][0]["id"]
    opened = mia.post(f"/restrictions/{ident}/transitions/restriction_review_due",
                      {"version": 1}, csrf_from="/restrictions?service=riverside")
    assert opened.status == 302
    version = api.as_("mia").get(f"/restrictions/{ident}").json["version"]
    reduced = mia.post(f"/restrictions/{ident}/transitions/mark_reviewed", {
        "version": version, "decision": "reduce",
        "reason": "No incident with a knife in four weeks.",
        "reduced_to": "Only the sharp knives are locked away.",
        "next_review_date": "2027-01-10"}, csrf_from="/restrictions?service=riverside")
    assert reduced.status == 302
    after = mia.get("/restrictions?service=riverside")
    assert "Only the sharp knives are locked away." in after and "Reduce:" in after
    assert "10 January 2027" in after
    assert Browser(app, "sam").get("/restrictions").status == 404
    assert Browser(app, "nina").get(f"/incidents/{plan['id']}").status == 404


def test_the_report_form_survives_ids_no_database_holds(app, api):
    plan = active_plan(api)
    sam = Browser(app, "sam")
    for query in ("record_id=99999999999999999999999", "plan_id=99999999999999999999999"):
        page = sam.get(f"/people/{plan['person_id']}/incidents/new?{query}")
        assert page.status == 200 and "Report an incident" in page, query


def test_the_report_forms_problems_are_in_words(app, api):
    plan = active_plan(api)
    sam = Browser(app, "sam")
    form = f"/people/{plan['person_id']}/incidents/new"
    good = {"occurred_on": "2026-11-20", "occurred_time": "07:30", "kind": "fall",
            "severity": "low", "description": "Margaret fell in the hall.",
            "immediate_action": "Checked her for injury and helped her up.",
            "people_informed": "daughter"}
    for change, words in [
            ({"occurred_on": "2026-11-21"}, "21 November 2026 at 07:30 is in the future"),
            ({"occurred_on": "1999-12-31"}, "31 December 1999 at 07:30 is before 1 January 2000"),
            ({"occurred_on": "2026-13-45"}, "Enter a real date, and a time as hours and minutes."),
            ({"kind": "tumble"}, "Choose what happened from the list."),
            ({"people_informed": "daughter, G\x00P"}, "must not contain a NUL character")]:
        page = sam.post(form, {**good, **change}, csrf_from=form)
        assert page.status == 422 and words in page, (change, page.html[-3000:])
        for bad in ("[&#39;", "T07:30:00", "Must be one of"):
            assert bad not in page, (change, bad)
    assert api.as_("max").get("/incidents").json["incidents"] == []


def test_a_nul_in_a_step_form_is_refused_and_changes_nothing(app, api):
    active_plan(api, risks=plan_content()["risks"] + [KNIFE])
    [row] = api.as_("mia").get("/restrictions?service=riverside").json["restrictions"]
    mia = Browser(app, "mia")
    opened = mia.post(f"/restrictions/{row['id']}/transitions/restriction_review_due",
                      {"version": str(row["version"])}, csrf_from="/restrictions")
    assert opened.status == 302
    before = api.as_("mia").get(f"/restrictions/{row['id']}").json
    done = mia.post(f"/restrictions/{row['id']}/transitions/mark_reviewed", {
        "version": str(before["version"]), "decision": "keep",
        "reason": "Still needed\x00 while he settles in.", "next_review_date": "2027-01-10"},
        csrf_from="/restrictions")
    assert done.status == 302
    assert "no record can hold" in mia.get(done.location)
    assert api.as_("mia").get(f"/restrictions/{row['id']}").json == before


def test_the_incidents_trail_reads_in_words(app, api):
    plan = active_plan(api)
    incident = api.as_("sam").post(f"/people/{plan['person_id']}/incidents", {
        "occurred_at": "2026-11-19T14:30:00Z", "kind": "fall", "severity": "low",
        "description": "Margaret was found on the floor of the kitchen, sitting up.",
        "immediate_action": "Checked her for injury, helped her up and rang her GP.",
        "people_informed": ["daughter"], "restriction_ids": []}).json
    path = f"/incidents/{incident['id']}"
    version = incident["version"]
    assert api.as_("mia").post(f"{path}/transitions/review_incident", {
        "version": version, "notifications": {"family_informed": True}}).status == 200
    assert api.as_("mia").post(f"{path}/transitions/close_incident", {
        "version": version + 1, "learning": "Kettle moved."}).status == 422
    page = Browser(app, "mia").get(path)
    assert "Review the incident: Reported → Reviewed" in page
    assert "Close the incident: Reviewed → Closed" in page and ">refused<" in page
    assert "20 November 2026 at 09:00" in page and "mia (manager)" in page
    assert "close_incident:" not in page and "2026-11-20 09:00" not in page
    assert "incident.learning-recorded:" not in page
