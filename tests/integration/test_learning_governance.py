"""The governance report's incidents and restrictions (SPEC §10.4), computed from seeded
incidents and restrictions and checked against counts this test makes itself."""
from collections import Counter
from datetime import datetime, timezone

from tests.helpers import active_plan, plan_content
from tests.integration.test_restrictions import KNIFE

SEEDED = [  # (occurred_at, kind, severity)
    ("2026-02-03T10:00:00Z", "distress", "low"),
    ("2026-02-20T10:00:00Z", "distress", "low"),
    ("2026-06-11T10:00:00Z", "fall", "low"),
    ("2026-10-01T08:00:00Z", "medication_error", "low"),
    ("2026-11-02T08:00:00Z", "distress", "moderate"),
    ("2026-11-18T08:00:00Z", "fall", "serious"),
    ("2025-10-01T08:00:00Z", "fall", "low"),   # more than 12 months ago: not counted
]


def seed(api, clock):
    plan = active_plan(api, risks=plan_content()["risks"] + [KNIFE])
    ids = []
    for when, kind, severity in SEEDED:
        clock.set(datetime.fromisoformat(when.replace("Z", "+00:00")))
        response = api.as_("sam").post(f"/people/{plan['person_id']}/incidents", {
            "occurred_at": when, "kind": kind, "severity": severity,
            "description": "Daniel was upset when the bus was late.",
            "immediate_action": "Showed him the schedule and waited with him.",
            "people_informed": ["sister"]})
        assert response.status == 201, response
        ids.append(response.json["id"])
    clock.set(datetime(2026, 11, 20, 9, tzinfo=timezone.utc))
    return plan, ids


def close(api, incident_id, learning):
    for name, body in (("review_incident", {}),
                       ("close_incident", {"learning": learning})):
        version = api.as_("max").get(f"/incidents/{incident_id}").json["version"]
        response = api.as_("max").post(f"/incidents/{incident_id}/transitions/{name}",
                                       {"version": version, **body})
        assert response.status == 200, response


def test_incident_figures_agree_with_the_incidents_seeded(api, clock):
    plan, ids = seed(api, clock)
    # Close two of the low ones (the plan's review, opened by the moderate one, counts).
    close(api, ids[0], "The visual schedule now shows the bus times as pictures.")
    close(api, ids[1], "Staff give a five-minute warning before any change of plan.")
    report = api.as_("max").get("/reports/governance?service=riverside").json["incidents"]
    counted = [row for row in SEEDED if row[0] >= "2025-12"]
    assert report["total"] == len(counted)
    assert {k: v for k, v in report["by_kind"].items() if v} == \
        dict(Counter(kind for _, kind, _ in counted))
    assert {k: v for k, v in report["by_severity"].items() if v} == \
        dict(Counter(severity for _, _, severity in counted))
    months = Counter(when[:7] for when, _, _ in counted)
    assert {row["month"]: row["count"] for row in report["per_month"] if row["count"]} == months
    assert len(report["per_month"]) == 12 and report["per_month"][-1]["month"] == "2026-11"
    # Reported more than 14 days ago and not closed: every seeded one before 6 November but
    # the two closed (reported as they occurred, on the test clock).
    stale = [i for i, (when, _, _) in zip(ids, SEEDED) if when < "2026-11-06"
             and i not in ids[:2]]
    assert sorted(i["id"] for i in report["open_past_14_days"]["incidents"]) == sorted(stale)
    assert (report["closed"], report["closed_with_learning"],
            report["closed_with_learning_share"]) == (2, 2, 1.0)


def test_restriction_figures_count_the_register_month_by_month(api, clock):
    plan = active_plan(api, risks=plan_content()["risks"] + [KNIFE])
    other = active_plan(api, risks=plan_content()["risks"] + [{**KNIFE, "id": "r3",
                                                               "description": "Door alarm"}])
    rows = api.as_("max").get("/restrictions?service=riverside").json["restrictions"]
    assert len(rows) == 2
    clock.set(datetime(2026, 12, 21, 9, tzinfo=timezone.utc))
    door = next(r for r in rows if r["plan_id"] == other["id"])
    for name, body in (("restriction_review_due", {}),
                       ("remove_restriction", {"reason": "No longer needed since the move."})):
        version = api.as_("max").get(f"/restrictions/{door['id']}").json["version"]
        assert api.as_("max").post(f"/restrictions/{door['id']}/transitions/{name}",
                                   {"version": version, **body}).status == 200
    report = api.as_("max").get("/reports/governance?service=riverside").json["restrictions"]
    assert report["count_now"] == 1
    assert report["per_month"][-2:] == [{"month": "2026-11", "count": 2},
                                        {"month": "2026-12", "count": 1}]
    assert all(row["count"] == 0 for row in report["per_month"][:-2])
    assert [r["plan_id"] for r in report["overdue_reviews"]["restrictions"]] == [plan["id"]]
    assert report["latest_decisions"] == {"keep": 0, "reduce": 0, "remove": 1}
    northgate = api.as_("nina").get("/reports/governance?service=northgate").json
    assert northgate["restrictions"]["count_now"] == 0
    assert northgate["incidents"]["total"] == 0


def test_the_dashboard_and_the_csv_show_incidents_and_restrictions(app, api, clock):
    import csv
    import io

    from tests.helpers import Browser
    seed(api, clock)
    mia = Browser(app, "mia")
    page = mia.get("/governance?service=riverside")
    assert page.status == 200
    assert "Incidents per month, last 12 months" in page
    assert "Restrictions in force at each month&#39;s end" in page \
        or "Restrictions in force at each month's end" in page
    assert 'id="chart-incidents-kind-title"' in page
    rows = list(csv.reader(io.StringIO(mia.client.get(
        "/governance.csv?service=riverside").get_data(as_text=True))))
    found = {(row[0], row[1]): row[2] for row in rows}
    assert found[("incidents", "total")] == "6"
    assert found[("incidents_by_kind", "distress")] == "3"
    assert found[("restrictions", "count_now")] == "1"
    assert found[("incidents_per_month", "2026-02")] == "2"


def test_an_incident_counts_in_the_month_where_the_service_is(api, clock):
    """23:30 UTC on 31 May is 00:30 on 1 June in London (BST): June's, not May's."""
    plan = active_plan(api)
    clock.set(datetime(2026, 5, 31, 23, 40, tzinfo=timezone.utc))
    response = api.as_("sam").post(f"/people/{plan['person_id']}/incidents", {
        "occurred_at": "2026-05-31T23:30:00Z", "kind": "fall", "severity": "low",
        "description": "Daniel slipped on the wet step coming in from the garden.",
        "immediate_action": "Checked him over and dried the step.",
        "people_informed": ["sister"]})
    assert response.status == 201, response
    clock.set(datetime(2026, 11, 20, 9, tzinfo=timezone.utc))
    report = api.as_("max").get("/reports/governance?service=riverside").json["incidents"]
    counts = {row["month"]: row["count"] for row in report["per_month"]}
    assert (counts["2026-05"], counts["2026-06"]) == (0, 1)
