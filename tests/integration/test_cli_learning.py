"""The learning loop on the command line: `incidents list`, `restrictions list`,
`feedback list`, each narrowed by --service and refusing names that are not there."""
import re

from tests.helpers import active_plan, plan_content, run_cli
from tests.integration.test_restrictions import KNIFE

LEARNING = "Her kettle is now on the lower shelf and she uses the one-cup kettle."


def report(api, person_id, **fields):
    body = {"occurred_at": "2026-11-19T14:30:00Z", "kind": "fall", "severity": "low",
            "description": "Margaret was found on the floor of the kitchen, sitting up.",
            "immediate_action": "Checked her for injury, helped her up and rang her GP.",
            "people_informed": ["daughter"], "restriction_ids": [], **fields}
    response = api.as_("sam").post(f"/people/{person_id}/incidents", body)
    assert response.status == 201, response
    return response.json


def fire(api, path, name, **body):
    body["version"] = api.as_("max").get(path).json["version"]
    response = api.as_("max").post(f"{path}/transitions/{name}", body)
    assert response.status == 200, response
    return response.json


def test_incidents_list_shows_learning_and_plan_changes_and_filters(api, database_url, clock):
    plan = active_plan(api, risks=plan_content()["risks"] + [KNIFE])
    closed = report(api, plan["person_id"])
    still_open = report(api, plan["person_id"], kind="distress",
                        occurred_at="2026-11-18T09:00:00Z")
    other = api.as_("oli").new_person("Nora North", service="northgate")
    api.as_("oli").post(f"/people/{other}/incidents", {
        "occurred_at": "2026-11-17T09:00:00Z", "kind": "near_miss", "severity": "low",
        "description": "Nearly tripped on the mat.", "immediate_action": "Moved the mat away.",
        "people_informed": [], "restriction_ids": []})
    clock.advance(hours=1)
    fire(api, f"/incidents/{closed['id']}", "review_incident",
         notifications={"family_informed": True})
    assert api.as_("max").fire(plan["id"], "start_review", reason="after the fall").status \
        == 200
    fire(api, f"/incidents/{closed['id']}", "close_incident", learning=LEARNING)

    everything = run_cli("incidents", "list", database_url=database_url)
    assert everything.returncode == 0, everything.stderr
    assert "Nora North" in everything.stdout and everything.stdout.endswith("3 incidents.\n")
    riverside = run_cli("incidents", "list", "--service", "riverside",
                        database_url=database_url)
    assert riverside.returncode == 0, riverside.stderr
    lines = riverside.stdout.splitlines()
    assert lines[0].split()[:3] == ["id", "occurred", "person"]
    [row] = [line for line in lines if line.startswith(f"{closed['id']} ")]
    assert "2026-11-19 14:30" in row and "Margaret Ellis" in row and "closed" in row
    assert LEARNING in row and "Review 1 opened on 20 November 2026" in row
    assert "Nora North" not in riverside.stdout and lines[-1] == "2 incidents."
    only_open = run_cli("incidents", "list", "--service", "riverside", "--state", "reported",
                        database_url=database_url)
    assert [line.split()[0] for line in only_open.stdout.splitlines()[1:-1]] == [
        str(still_open["id"])]


def test_listings_refuse_an_unknown_service_state_or_kind(database_url, app):
    for args, words in [(("incidents", "list", "--service", "nowhere"), "no service nowhere"),
                        (("incidents", "list", "--state", "open"), "no state open"),
                        (("restrictions", "list", "--service", "x"), "no service x"),
                        (("feedback", "list", "--kind", "praise"), "no kind praise")]:
        result = run_cli(*args, database_url=database_url)
        assert result.returncode == 2 and words in result.stderr, (args, result.stderr)


def test_restrictions_list_shows_the_register_with_uses(api, database_url):
    plan = active_plan(api, risks=plan_content()["risks"] + [KNIFE])
    report(api, plan["person_id"], kind="distress", restriction_ids=["r2"])
    result = run_cli("restrictions", "list", "--service", "riverside", database_url=database_url)
    assert result.returncode == 0, result.stderr
    header, row, total = result.stdout.splitlines()
    assert header.split()[:3] == ["id", "person", "service"]
    assert re.search(r"Margaret Ellis\s+riverside\s+2026-12-20\s+(yes|no)\s+1\s+-\s+"
                     + re.escape(KNIFE["description"]), row), row
    assert re.fullmatch(r"1 restriction in force, [01] overdue for review\.", total)
    empty = run_cli("restrictions", "list", "--service", "northgate", database_url=database_url)
    assert empty.stdout == "No restrictions in force.\n"


def test_feedback_list_shows_who_said_what_and_a_complaints_state(api, database_url):
    person = api.as_("sam").new_person("Margaret Ellis")
    for kind, text in (("compliment", "Sam let Mum make her own porridge."),
                       ("complaint", "Nobody told Mum the visit had moved.")):
        assert api.as_("sam").post(f"/people/{person}/feedback", {
            "received_on": "2026-11-19", "source": "family", "kind": kind, "text": text,
            "from_whom": "Jo, Margaret's daughter"}).status == 201
    result = run_cli("feedback", "list", "--service", "riverside", database_url=database_url)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Jo, Margaret's daughter (family)" in out and "Sam let Mum make" in out
    assert re.search(r"complaint\s+Jo, Margaret's daughter \(family\)\s+received", out)
    assert out.endswith("2 items of feedback.\n")
    complaints = run_cli("feedback", "list", "--kind", "complaint", database_url=database_url)
    assert "porridge" not in complaints.stdout and "1 item of feedback." in complaints.stdout
