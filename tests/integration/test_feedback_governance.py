"""The governance report's feedback section, from seeded feedback: counts by kind and source,
and complaints acknowledged and responded to on time, checked against counts made here."""
from collections import Counter
from datetime import date, timedelta

import pytest

from tests.helpers import Browser

TODAY = date(2026, 11, 20)  # the test clock's date
ACK = "Phoned them the same day, apologised, and said we would reply in writing."
RESPONSE = "Wrote back: the visit was missed because the rota change was not passed on."
CHANGED = "Rota changes are now phoned through to the person and family the same day."

# (received_on, source, kind, what happens to it: steps taken today)
SEEDED = [
    ("2026-11-19", "family", "compliment", ()),
    ("2026-11-02", "family", "compliment", ()),
    ("2026-09-14", "person", "compliment", ()),
    ("2026-08-01", "advocate", "concern", ()),
    ("2026-10-10", "professional", "suggestion", ()),
    ("2026-11-01", "family", "complaint", ("acknowledge",)),                  # late
    ("2026-11-19", "person", "complaint", ("acknowledge", "respond")),        # on time
    ("2026-11-18", "advocate", "complaint", ()),                               # not yet due
    ("2026-10-01", "family", "complaint", ()),                                 # overdue, both
    ("2026-10-20", "family", "complaint", ("acknowledge", "respond", "close")),  # ack late
    ("2025-10-01", "family", "complaint", ()),                                 # a year ago: out
]


def seed(api):
    person = api.as_("sam").new_person("Kieran Doyle")
    other = api.as_("oli").new_person("Daniel Shaw", service="northgate")
    assert api.as_("oli").post(f"/people/{other}/feedback", {
        "received_on": "2026-11-19", "source": "family", "kind": "complaint",
        "text": "Not counted for riverside."}).status == 201
    for received_on, source, kind, steps in SEEDED:
        response = api.as_("sam").post(f"/people/{person}/feedback", {
            "received_on": received_on, "source": source, "kind": kind,
            "text": f"A {kind} from the {source}."})
        assert response.status == 201, response
        item = response.json
        for name, body in (("acknowledge", {"acknowledgement": ACK}),
                           ("respond", {"response": RESPONSE, "finding": "upheld"}),
                           ("close", {"what_changed": CHANGED})):
            if name in steps:
                version = api.as_("mia").get(f"/feedback/{item['id']}").json["version"]
                fired = api.as_("mia").post(f"/feedback/{item['id']}/transitions/{name}",
                                            {"version": version, **body})
                assert fired.status == 200, fired


def expected():
    """The figures, counted here from SEEDED with the shipped deadlines (3 and 28 days)."""
    since = date(2025, 11, 20)
    window = [row for row in SEEDED if since <= date.fromisoformat(row[0]) <= TODAY]
    complaints = [(date.fromisoformat(received), steps)
                  for received, _, kind, steps in window if kind == "complaint"]
    ack = Counter()
    resp = Counter()
    for received, steps in complaints:
        ack_by, respond_by = received + timedelta(days=3), received + timedelta(days=28)
        if "acknowledge" in steps:
            ack["on_time" if ack_by >= TODAY else "late"] += 1
        elif ack_by < TODAY:
            ack["overdue"] += 1
        if "respond" in steps:
            resp["on_time" if respond_by >= TODAY else "late"] += 1
        elif respond_by < TODAY:
            resp["overdue"] += 1
    return window, complaints, ack, resp


@pytest.fixture
def report(api):
    seed(api)
    response = api.as_("mia").get("/reports/governance?service=riverside")
    assert response.status == 200, response
    return response.json["feedback"]


def test_feedback_is_counted_by_kind_and_source_over_the_last_year(report):
    window, _, _, _ = expected()
    assert report["received"] == len(window) == 10
    assert report["by_kind"] == {kind: sum(1 for row in window if row[2] == kind)
                                 for kind in ("compliment", "concern", "complaint",
                                              "suggestion")}
    assert report["by_source"] == {source: sum(1 for row in window if row[1] == source)
                                   for source in ("person", "family", "advocate",
                                                  "professional")}
    pairs = Counter((row[2], row[1]) for row in window)
    assert {(p["kind"], p["source"]): p["count"] for p in report["by_kind_and_source"]} == pairs
    assert (report["from"], report["to"]) == ("2025-11-20", "2026-11-20")


def test_complaints_acknowledged_and_responded_on_time_are_counted(report):
    _, complaints, ack, resp = expected()
    figures = report["complaints"]
    assert figures["received"] == len(complaints) == 5
    assert (figures["acknowledged_on_time"], figures["acknowledged_late"],
            figures["acknowledgement_overdue"]) == (ack["on_time"], ack["late"], ack["overdue"])
    assert (ack["on_time"], ack["late"], ack["overdue"]) == (1, 2, 1)
    assert (figures["responded_on_time"], figures["responded_late"],
            figures["response_overdue"]) == (resp["on_time"], resp["late"], resp["overdue"])
    assert (resp["on_time"], resp["late"], resp["overdue"]) == (1, 1, 1)
    assert figures["acknowledged_on_time_share"] == round(1 / 4, 3)
    assert figures["responded_on_time_share"] == round(1 / 3, 3)
    closed = sum(1 for _, steps in complaints if "close" in steps)
    assert (figures["closed"], figures["open"]) == (closed, len(complaints) - closed)
    assert figures["findings"] == {"upheld": 2, "partly_upheld": 0, "not_upheld": 0}


def test_overdue_complaints_are_listed_with_what_they_wait_for(report):
    assert [(c["received_on"], c["waiting_for"], c["due_on"], c["days_overdue"])
            for c in report["overdue_complaints"]] == [
        ("2025-10-01", "acknowledgement", "2025-10-04", 412),
        ("2026-10-01", "acknowledgement", "2026-10-04", 47)]


def test_another_service_sees_only_its_own(api):
    seed(api)
    figures = api.as_("nina").get("/reports/governance?service=northgate").json["feedback"]
    assert (figures["received"], figures["complaints"]["received"]) == (1, 1)
    assert api.as_("nina").get("/reports/governance?service=riverside").status == 404


def test_the_dashboard_and_the_csv_show_the_feedback(app, api, users):
    seed(api)
    browser = Browser(app)
    browser.sign_in("mia")
    page = browser.get("/governance?service=riverside")
    assert page.status == 200
    assert "What people and families said" in page
    assert "Acknowledged on time" in page and "25%" in page
    csv_text = browser.get("/governance.csv?service=riverside").html
    rows = [line.split(",") for line in csv_text.splitlines()]
    assert ["feedback", "received", "10", "2025-11-20 to 2026-11-20"] in rows
    assert ["feedback_by_kind", "complaint", "5", ""] in rows
    assert ["feedback_by_source", "family", "5", ""] in rows
    assert ["complaints", "acknowledged_on_time", "1", ""] in rows
    assert ["complaints", "responded_on_time_share", "0.333", ""] in rows
