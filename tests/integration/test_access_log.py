"""The access log records who read a person's records, through the API and the pages."""
from tests.helpers import Browser, active_plan, daily_record


def entries(api, person_id, who="ada"):
    response = api.as_(who).get(f"/people/{person_id}/access-log")
    assert response.status == 200, response
    return [(e["user"], e["what"], e["channel"]) for e in response.json["entries"]]


def test_api_reads_of_a_persons_records_are_logged_newest_first(api, clock):
    plan = active_plan(api)
    api.as_("sam").post(f"/plans/{plan['id']}/records", daily_record())
    api.as_("sue").get(f"/plans/{plan['id']}")
    clock.advance(minutes=1)
    api.as_("mia").get(f"/plans/{plan['id']}/records")
    clock.advance(minutes=1)
    api.as_("max").get(f"/people/{plan['person_id']}")
    logged = entries(api, plan["person_id"])
    assert logged[:3] == [("max", "api.get_person", "api"), ("mia", "api.list_records", "api"),
                          ("sue", "api.get_plan", "api")]


def test_page_reads_are_logged_too(app, api):
    plan = active_plan(api)
    browser = Browser(app, "sue")
    assert browser.get(f"/plans/{plan['id']}").status == 200
    assert ("sue", "plans.show", "page") in entries(api, plan["person_id"])


def test_writes_refusals_and_out_of_scope_attempts_are_not_reads(api):
    plan = active_plan(api)
    before = entries(api, plan["person_id"])
    api.as_("oli").get(f"/plans/{plan['id']}")          # 404: nothing was read
    api.as_("sam").post(f"/plans/{plan['id']}/records", daily_record())
    after = entries(api, plan["person_id"])
    assert [e for e in after if e[0] in ("oli", "sam")] == [
        e for e in before if e[0] in ("oli", "sam")]


def test_only_auditors_and_admins_read_the_access_log_in_their_scope(api):
    plan = active_plan(api)
    assert api.as_("mia").get(f"/people/{plan['person_id']}/access-log").status == 403
    assert api.as_("sam").get(f"/people/{plan['person_id']}/access-log").status == 403
    assert api.as_("oli").get(f"/people/{plan['person_id']}/access-log").status == 404


def test_a_read_is_written_soon_after_without_anyone_reading_the_log(api, database_url):
    import time

    from sqlalchemy import create_engine, text
    plan = active_plan(api)
    api.as_("sue").get(f"/plans/{plan['id']}")
    engine = create_engine(database_url)
    try:
        deadline, logged = time.monotonic() + 5, 0
        while not logged and time.monotonic() < deadline:
            time.sleep(0.05)
            with engine.connect() as connection:
                logged = connection.scalar(text(
                    "SELECT count(*) FROM access_log WHERE username = 'sue'"))
    finally:
        engine.dispose()
    assert logged == 1
