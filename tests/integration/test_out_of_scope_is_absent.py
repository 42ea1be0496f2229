"""Outside your scope nothing exists (SPEC §10.1).

For every `{id}` operation in openapi.json, an id the caller may not see answers byte for byte
what an id that was never used answers (once the id itself is replaced by a placeholder): 404,
the same body, no event number, no state, no version — with a valid body, a bad body or none.
A reference to an unseen plan reads "does not exist", word for word as for a missing one. Ids
the database cannot hold are 404 (JSON for the API, a page for pages), never 500; an oversized
body is 413; a bad page form is a 422 page.
"""
from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import pytest

from tests.helpers import Browser
from tests.integration.test_authorization_matrix import (
    AWAY,
    CALLERS,
    HOME,
    Operation,
    World,
    add_extra_users,
    keys_in,
    operations,
    path_for,
    request_for,
    sees,
    supervision_record,
    targets,
)

ABSENT = 999999
TOO_LONG = ["18446744073709551616",        # 2**64
            "99999999999999999999999",
            "9223372036854775808"]          # 2**63: past a signed 64-bit id
NEGATIVE = ["-1", "-9223372036854775808"]
NOT_A_NUMBER = ["abc", "1.5", "1e3", "0x1f", "%20", "12abc", "%EF%BC%91"]   # the last: "１"
IN_RANGE_BUT_ABSENT = ["9223372036854775807", "2147483648", "0"]
BAD_IDS = TOO_LONG + NEGATIVE + NOT_A_NUMBER + IN_RANGE_BUT_ABSENT
BAD_BODIES: list[Any] = [{"version": "seven", "surplus": True}, ["not", "an", "object"],
                         b"{not json"]


def normalised(raw: bytes, ident: Any) -> str:
    """The answer with the id it was asked about replaced by a placeholder."""
    return re.sub(rf"(?<![0-9]){re.escape(str(ident))}(?![0-9])", "<id>",
                  raw.decode("utf-8", "replace"))


def send(api, who: str, method: str, path: str, body: Any):
    """One API request; bytes are sent as they are, anything else as JSON."""
    headers = {"Authorization": f"Bearer {api.users.tokens[who]}"}
    if isinstance(body, bytes):
        return api.client.open("/api/v1" + path, method=method, data=body, headers=headers,
                               content_type="application/json")
    return api.client.open("/api/v1" + path, method=method, headers=headers,
                           json=body if method != "GET" else None)


def bodies_for(op: Operation, valid: Any) -> list[tuple[str, Any]]:
    if op.method == "GET":
        return [("no body", None)]
    return [("a valid body", valid)] + [(f"the bad body {body!r}", body) for body in BAD_BODIES]


def as_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


@pytest.fixture
def world(api, app, users, clock):
    add_extra_users(app, users, clock)
    return World(api, app)


def test_an_out_of_scope_id_reads_exactly_as_an_id_that_does_not_exist(api, world):
    problems, compared = [], 0
    id_operations = [op for op in operations(api.get("/openapi.json").json) if op.has_id]
    # Transitions: a real one and one the workflow does not have.
    id_operations += [replace(op, transition="teleport") for op in id_operations
                      if op.transition in ("approve", "sign_off", "assess")]
    for op in id_operations:
        for caller in CALLERS:
            for label, key in targets(op, caller):
                rec = world[key]
                if sees(caller, rec):
                    continue
                _, valid = request_for(op, caller, rec, world)
                for what, body in bodies_for(op, valid):
                    where = f"{op} as {caller.role} {caller.name} on {label} with {what}"
                    denied_before = world.rows(
                        "SELECT count(*) FROM audit_events WHERE subject_type = :kind AND "
                        "subject_id = :id AND outcome = 'denied'", kind=rec.kind, id=rec.id)
                    total_before = world.rows("SELECT count(*) FROM audit_events")
                    unseen = send(api, caller.name, op.method, path_for(op, rec.id), body)
                    between = world.rows("SELECT count(*) FROM audit_events")
                    absent = send(api, caller.name, op.method, path_for(op, ABSENT), body)
                    after = world.rows("SELECT count(*) FROM audit_events")
                    compared += 1
                    answer = as_json(unseen.data)
                    if unseen.status_code != 404 or not isinstance(answer, dict) or \
                            answer.get("error") != "not_found":
                        problems.append(f"{where}: {unseen.status_code} "
                                        f"{unseen.data[:200]!r}, not 404 not_found")
                    leaked = keys_in(answer) & {"event", "seq", "state", "version"}
                    if leaked:
                        problems.append(f"{where}: the answer names {sorted(leaked)}")
                    if (unseen.status_code, unseen.content_type) != (absent.status_code,
                                                                     absent.content_type):
                        problems.append(f"{where}: {unseen.status_code} {unseen.content_type} "
                                        f"for #{rec.id} but {absent.status_code} "
                                        f"{absent.content_type} for #{ABSENT}")
                    if normalised(unseen.data, rec.id) != normalised(absent.data, ABSENT):
                        problems.append(f"{where}: #{rec.id} answers "
                                        f"{normalised(unseen.data, rec.id)[:200]!r}, "
                                        f"#{ABSENT} answers "
                                        f"{normalised(absent.data, ABSENT)[:200]!r}")
                    if after != between:
                        problems.append(f"{where}: an id that does not exist left an event")
                    if op.transition and op.transition != "teleport":
                        denied_after = world.rows(
                            "SELECT count(*) FROM audit_events WHERE subject_type = :kind AND "
                            "subject_id = :id AND outcome = 'denied'", kind=rec.kind, id=rec.id)
                        if (denied_after[0][0] - denied_before[0][0],
                                between[0][0] - total_before[0][0]) != (1, 1):
                            problems.append(f"{where}: the refused attempt was not audited "
                                            f"as denied (and only that)")
                    elif between != total_before and unseen.status_code == 404:
                        problems.append(f"{where}: a 404 left an audit event")
    print(f"out of scope vs absent: {compared} comparisons, {len(problems)} problems")
    assert compared > 100
    assert not problems, "\n".join(problems)


def test_a_link_to_an_unseen_plan_reads_as_a_link_to_no_plan(api, world):
    """PUT /supervisions/{id}/record: another service's plan and a plan that was never made
    give the same field error, word for word."""
    # The supervisor writes the record (a supervisee may not write their own).
    cases = [("mia", "supervision:sam:scheduled", f"plan:{AWAY}:active"),
             ("nina", "supervision:oli:scheduled", f"plan:{HOME}:active")]
    for who, supervision_key, plan_key in cases:
        supervision, plan = world[supervision_key], world[plan_key]
        before = world.snapshot(supervision)
        answers = {}
        for plan_id in (plan.id, ABSENT):
            response = api.as_(who).put(f"/supervisions/{supervision.id}/record",
                                        supervision_record(plan_id))
            assert response.status == 422, (who, plan_id, response)
            assert response.json["details"]["outcome_link"] == {
                "plan_id": [f"plan {plan_id} does not exist"]}, (who, plan_id, response)
            answers[plan_id] = normalised(response.text.encode(), plan_id)
        assert answers[plan.id] == answers[ABSENT], (who, answers)
        world.snapshots.pop(supervision.key, None)
        assert world.snapshot(supervision) == before
    # The same plan, in the supervision's own service, is accepted: the link itself was fine.
    mine = world["supervision:sam:scheduled"]
    linked = api.as_("mia").put(f"/supervisions/{mine.id}/record",
                                supervision_record(world[f"plan:{HOME}:active"].id))
    assert linked.status == 200, linked


@pytest.mark.parametrize("who, method, path, body, unseen, absent", [
    ("mia", "POST", "/plans", lambda v: {"person_id": v}, "person", ABSENT),
    ("sam", "POST", "/plans", lambda v: {"person_id": v}, "person", ABSENT),
    ("mia", "POST", "/people", lambda v: {"name": "Someone New", "service": v},
     AWAY, "nowhere"),
    ("mia", "GET", "/reports/governance", lambda v: {"service": v}, AWAY, "nowhere"),
    ("mia", "POST", "/supervisions", lambda v: {"supervisee": "sue", "service": v,
                                                "scheduled_for": "2027-02-01"},
     AWAY, "nowhere"),
    ("mia", "POST", "/supervisions", lambda v: {"supervisee": v, "service": HOME,
                                                "scheduled_for": "2027-02-01"},
     "oli", "ghost"),
    ("mia", "POST", "/competencies", lambda v: {"worker": "sue", "service": v},
     AWAY, "nowhere"),
    ("mia", "POST", "/competencies", lambda v: {"worker": v, "service": HOME}, "oli", "ghost"),
], ids=["plan for an unseen person (manager)", "plan for an unseen person (staff)",
        "person in an unseen service", "report on an unseen service",
        "supervision in an unseen service", "supervision of another service's worker",
        "enrolment in an unseen service", "enrolment of another service's worker"])
def test_a_reference_to_an_unseen_record_reads_as_one_to_no_record(api, world, who, method,
                                                                    path, body, unseen, absent):
    """A body (or query) naming a person, a service or a member of staff the caller cannot
    see reads, word for word, as one naming something that does not exist."""
    if unseen == "person":
        unseen = world[f"person:{AWAY}"].id
    answers = {}
    for value in (unseen, absent):
        if method == "GET":
            query = "&".join(f"{k}={v}" for k, v in body(value).items())
            response = send(api, who, "GET", f"{path}?{query}", None)
        else:
            response = send(api, who, method, path, body(value))
        assert response.status_code in (404, 422), (value, response.data)
        answers[value] = (response.status_code, normalised(response.data, value))
    assert answers[unseen] == answers[absent], (
        f"{unseen!r} reads {answers[unseen]} but {absent!r} reads {answers[absent]}")


def test_ids_the_database_cannot_hold_are_not_found_never_a_server_error(api, world):
    problems = []
    plan = world[f"plan:{HOME}:active"]
    for op in operations(api.get("/openapi.json").json):
        if not op.has_id and "{number}" not in op.path:
            continue
        for bad in BAD_IDS:
            paths = [path_for(op, bad, number=1)]
            if "{number}" in op.path:
                paths.append(path_for(op, plan.id, number=bad))
            for path in paths:
                body = None if op.method == "GET" else {}
                response = send(api, "mia", op.method, path, body)
                answer = as_json(response.data)
                if response.status_code != 404 or not isinstance(answer, dict) or \
                        answer.get("error") != "not_found":
                    problems.append(f"{op.method} {path}: {response.status_code} "
                                    f"{response.content_type} {response.data[:160]!r}")
    assert not problems, "\n".join(problems)


PLACEHOLDER = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")


def page_paths(rule: str, bad: str, good: int) -> list[str]:
    """The rule's path once per id in it: that id impossible, any other a real plan's."""
    parts = PLACEHOLDER.findall(rule)
    ids = [name for converter, _, name in parts if converter == "int"]
    paths = []
    for impossible in ids:
        def fill(match: re.Match, impossible: str = impossible) -> str:
            converter, options, name = match.groups()
            if converter == "int":
                return bad if name == impossible else str(good)
            if converter == "any":
                return options.split(",")[0].strip()
            return "approve"
        paths.append(PLACEHOLDER.sub(fill, rule))
    return paths


def test_pages_answer_an_impossible_id_with_a_not_found_page(app, world):
    plan = world[f"plan:{HOME}:active"]
    browser = Browser(app, "mia")
    token = browser.get("/plans").csrf
    rules = [rule for rule in app.url_map.iter_rules()
             if not rule.rule.startswith(("/api/", "/static")) and "<int:" in rule.rule]
    assert len(rules) > 10
    problems, tried = [], 0
    for rule in rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for bad in BAD_IDS + [str(ABSENT)]:
                for path in page_paths(rule.rule, bad, plan.id):
                    tried += 1
                    try:
                        raw = browser.client.open(path, method=method, data=None
                                                  if method == "GET" else {"csrf_token": token})
                    except Exception as error:  # noqa: BLE001  TESTING propagates: a 500
                        problems.append(f"{method} {path}: 500, "
                                        f"{type(error).__name__}: {str(error).splitlines()[0]}")
                        continue
                    if raw.status_code != 404 or "text/html" not in raw.content_type:
                        problems.append(f"{method} {path}: {raw.status_code} "
                                        f"{raw.content_type} {raw.get_data(as_text=True)[:120]!r}")
    print(f"pages with impossible ids: {tried} requests, {len(problems)} problems")
    assert not problems, "\n".join(problems)


def test_a_body_over_the_limit_is_too_large(api, app):
    limit = 1024 * 1024
    people = len(api.as_("mia").get("/people").json["people"])
    big = {"name": "x" * (limit + 16), "service": HOME}
    response = api.as_("mia").post("/people", big)
    assert response.status == 413, response
    assert response.json["error"] == "too_large", response
    assert set(response.json) >= {"error", "message"}
    assert len(api.as_("mia").get("/people").json["people"]) == people
    plan = api.as_("sam").new_plan()
    edit = api.as_("sam").put(f"/plans/{plan['id']}", {"version": plan["version"],
                                                       "strengths": [], "padding": "y" * limit})
    assert edit.status == 413 and edit.json["error"] == "too_large", edit
    assert api.as_("sam").get(f"/plans/{plan['id']}").json["version"] == plan["version"]


@pytest.mark.parametrize("form", [
    {"supervisee": "sa", "scheduled_for": "2026-12-01"},
    {"supervisee": "sam@riverside"},
    {"supervisee": "sam@riverside", "scheduled_for": ""},
    {"supervisee": "sam@riverside", "scheduled_for": "2026-02-30"},
    {"supervisee": "sa@riverside", "scheduled_for": "2026-12-01"},
    {"supervisee": "oli@northgate", "scheduled_for": "2026-12-01"},
    {"scheduled_for": "2026-12-01"},
], ids=["supervisee=sa", "no date", "empty date", "impossible date", "unknown supervisee",
        "supervisee of another service", "no supervisee"])
def test_a_bad_supervision_form_is_a_422_page(app, api, form):
    browser = Browser(app, "mia")
    page = browser.post("/supervisions/new", form, csrf_from="/practice")
    assert page.status == 422, page
    assert "text/html" in page.headers["Content-Type"]
    assert api.as_("mia").get("/supervisions").json["supervisions"] == []
