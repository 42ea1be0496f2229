"""The audit trail and outcome progress pages: every attempt on a plan with the rules that
decided it, filtered and exported; and each outcome's prompts and task completion over time."""
import csv
import io
import json
import re
from datetime import datetime, timezone

from tests.helpers import Browser, active_plan, daily_record, plan_content


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def contested_plan(api) -> dict:
    """A plan whose first approval is blocked (o2 has no measure), which sam may not approve
    (denied), and which max then approves with a comment."""
    outcomes = plan_content()["outcomes"]
    outcomes[1]["measure"] = ""
    plan = api.as_("sam").new_plan(**plan_content(outcomes=outcomes))
    assert api.as_("max").fire(plan["id"], "approve").status == 422
    assert api.as_("sam").fire(plan["id"], "approve").status == 403
    api.as_("sam").edit(plan["id"], **plan_content())
    assert api.as_("max").fire(plan["id"], "approve", comment="Clear, observable outcomes").status \
        == 200
    return plan


def rows_of(page) -> list[str]:
    return re.findall(r'<tr id="event-(\d+)"', page.html)


def csv_rows(page) -> list[dict]:
    return list(csv.DictReader(io.StringIO(page.html)))


def test_the_trail_lists_every_attempt_with_who_when_and_each_rules_result(app, api):
    plan = contested_plan(api)
    page = Browser(app, "ada").get(f"/plans/{plan['id']}/audit?action=transition")
    assert page.status == 200
    assert "<title>Audit trail for Margaret Ellis — strengthwise</title>" in page
    events = api.as_("ada").get(f"/plans/{plan['id']}/audit?action=transition").json["events"]
    assert rows_of(page) == [str(event["seq"]) for event in events]
    assert [event["outcome"] for event in events] == ["blocked", "denied", "advanced"]
    for text in ('<span class="tag tag-blocked">Blocked</span>',
                 '<span class="tag tag-denied">Denied</span>',
                 '<span class="tag tag-advanced">Advanced</span>',
                 "<code>plan.outcomes-observable</code>", "outcome o2 has no measure",
                 "10 rules passed", "11 rules passed", "sam <span class=\"meta\">(staff)</span>",
                 "max <span class=\"meta\">(manager)</span>", "Draft → Approved",
                 "20 November 2026, 09:00 GMT", "Clear, observable outcomes",
                 "Not checked: the attempt was refused for role or scope.",
                 "strengthwise audit verify", events[0]["hash"][:10]):
        assert text in page, text


def test_times_on_the_trail_are_london_times(app, api, clock):
    plan = active_plan(api)
    clock.set(at("2027-06-01T10:30"))
    assert api.as_("max").fire(plan["id"], "close", reason="Moved to Leeds").status == 200
    page = Browser(app, "mia").get(f"/plans/{plan['id']}/audit")
    assert "1 June 2027, 11:30 BST" in page and "Moved to Leeds" in page


def test_the_trail_filters_by_outcome_transition_and_actor(app, api):
    plan = contested_plan(api)
    browser = Browser(app, "mia")
    path = f"/plans/{plan['id']}/audit"
    events = api.as_("mia").get(f"/plans/{plan['id']}/audit?action=transition").json["events"]
    seqs = {event["outcome"]: str(event["seq"]) for event in events}
    assert rows_of(browser.get(path + "?outcome=blocked")) == [seqs["blocked"]]
    assert rows_of(browser.get(path + "?actor=max")) == [seqs["blocked"], seqs["advanced"]]
    assert rows_of(browser.get(path + "?transition=approve&actor=sam")) == [seqs["denied"]]
    assert rows_of(browser.get(path + "?transition=activate")) == []
    assert "No attempts match these filters." in browser.get(path + "?transition=activate")
    unknown = browser.get(path + "?outcome=maybe&action=transition")
    assert unknown.status == 200 and len(rows_of(unknown)) == 3
    assert "That outcome is not one we record" in unknown
    filtered = browser.get(path + "?outcome=denied")
    assert '<option value="denied" selected>Denied</option>' in filtered
    assert f'href="/plans/{plan["id"]}/audit.csv?outcome=denied"' in filtered


def test_the_csv_download_has_one_row_per_event_and_honours_the_filters(app, api):
    plan = contested_plan(api)
    browser = Browser(app, "ada")
    page = browser.get(f"/plans/{plan['id']}/audit.csv?action=transition")
    assert page.status == 200 and page.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert page.headers["Content-Disposition"] == \
        f'attachment; filename="plan-{plan["id"]}-audit.csv"'
    rows = csv_rows(page)
    events = api.as_("ada").get(f"/plans/{plan['id']}/audit?action=transition").json["events"]
    assert page.html.splitlines()[0] == ("seq,at,actor,actor_role,transition,from,to,outcome,"
                                         "failed_rules,comment,reason,rule_pack,hash,prev_hash,"
                                         "action,changes")
    assert [(r["seq"], r["at"], r["actor"], r["outcome"], r["hash"], r["prev_hash"])
            for r in rows] == [(str(e["seq"]), e["at"], e["actor"], e["outcome"], e["hash"],
                                e["prev_hash"]) for e in events]
    blocked, denied, advanced = rows
    assert blocked["failed_rules"] == "plan.outcomes-observable"
    assert (blocked["from"], blocked["to"], blocked["actor_role"]) == ("draft", "approved",
                                                                       "manager")
    assert denied["failed_rules"] == "" and advanced["comment"] == "Clear, observable outcomes"
    assert advanced["rule_pack"] == events[2]["rule_pack"]
    only_sam = csv_rows(browser.get(f"/plans/{plan['id']}/audit.csv?actor=sam"
                                    "&action=transition"))
    assert [r["outcome"] for r in only_sam] == ["denied"]


def test_the_csv_keeps_a_comment_that_looks_like_a_formula_as_text(app, api):
    plan = active_plan(api)
    api.as_("max").fire(plan["id"], "close", reason="=HYPERLINK(\"http://x\")")
    rows = csv_rows(Browser(app, "ada").get(f"/plans/{plan['id']}/audit.csv?transition=close"))
    assert rows[0]["reason"] == "'=HYPERLINK(\"http://x\")"


def test_the_json_download_is_the_apis_hashed_record_and_honours_the_filters(app, api):
    plan = contested_plan(api)
    browser = Browser(app, "ada")
    for query in ("", "?outcome=blocked", "?actor=max&transition=approve"):
        page = browser.get(f"/plans/{plan['id']}/audit.json{query}")
        assert page.status == 200 and page.headers["Content-Type"] == "application/json"
        assert page.headers["Content-Disposition"] == \
            f'attachment; filename="plan-{plan["id"]}-audit.json"'
        from_api = api.as_("ada").get(f"/plans/{plan['id']}/audit{query}")
        assert page.html == from_api.text
        assert json.loads(page.html) == from_api.json
    assert [e["outcome"] for e in json.loads(
        browser.get(f"/plans/{plan['id']}/audit.json?outcome=blocked").html)["events"]] == [
        "blocked"]


def test_staff_and_managers_of_the_service_may_read_the_trail_too(app, api):
    plan = contested_plan(api)
    for who in ("sam", "mia"):
        assert Browser(app, who).get(f"/plans/{plan['id']}/audit").status == 200


def test_a_plan_outside_the_users_services_is_a_404_page(app, api):
    plan = contested_plan(api)
    browser = Browser(app, "oli")
    for suffix in ("audit", "audit.csv", "audit.json", "progress"):
        page = browser.get(f"/plans/{plan['id']}/{suffix}")
        assert page.status == 404 and "Page not found" in page, suffix
        assert "Margaret Ellis" not in page
    assert Browser(app, "ada").get("/plans/9999/audit").status == 404


def test_signed_out_visitors_are_sent_to_sign_in(app, api):
    plan = contested_plan(api)
    page = Browser(app).get(f"/plans/{plan['id']}/audit.csv")
    assert page.status == 302 and page.location.startswith("/login")


def test_the_progress_page_charts_prompts_and_completion_for_each_outcome(app, api, clock):
    plan = active_plan(api)
    for day, prompts, completion in (("2026-12-05", 4, "with_support"),
                                     ("2026-12-12", 2, "with_prompts"),
                                     ("2026-12-19", 0, "independent")):
        clock.set(at(f"{day}T18:00"))
        response = api.as_("sam").post(f"/plans/{plan['id']}/records", daily_record(
            day=day, prompts=prompts, completion=completion))
        assert response.status == 201, response
    page = Browser(app, "ada").get(f"/plans/{plan['id']}/progress")
    assert page.status == 200
    assert "<title>Outcome progress for Margaret Ellis — strengthwise</title>" in page
    assert page.html.count('role="img"') == 2  # o1's two charts; o2 has no records
    assert '<title id="prompts-o1-title">Prompts per daily record for Prepares her own ' \
           'breakfast</title>' in page
    assert "5 December 2026: 4, 12 December 2026: 2, 19 December 2026: 0." in page  # described
    assert "<polyline" in page and "How the task went, by week" in page
    assert "Prompts: 4 in the first record, 0 in the latest." in page
    assert "<tr><td>12 December 2026</td><td>2</td><td>With prompts</td><td>sam</td></tr>" in page
    assert ("<tr><th scope=\"row\">Week of 14 December</th><td>1</td><td>0</td><td>0</td>"
            "<td>0</td></tr>") in page
    assert "No daily records for this outcome yet." in page  # o2
    assert "<script" not in page.html.split("</head>")[1] and " style=" not in page.html


def test_the_progress_page_has_an_empty_state_without_records(app, api):
    plan = active_plan(api)
    page = Browser(app, "sam").get(f"/plans/{plan['id']}/progress")
    assert page.status == 200 and "No daily records yet." in page and "<svg" not in page
    draft = api.as_("sam").new_plan(api.as_("sam").new_person("Dev Kumar"))
    page = Browser(app, "sam").get(f"/plans/{draft['id']}/progress")
    assert page.status == 200 and "This plan has no approved version yet" in page
