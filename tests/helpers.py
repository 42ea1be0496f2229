"""Small builders for tests: the cast of users, an API client that speaks as them, plan content."""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from engine.core.users import add_user

CAST = {
    # username: (role, services)
    "mia": ("manager", ["riverside"]),
    "max": ("manager", ["riverside"]),
    "sam": ("staff", ["riverside"]),
    "sue": ("staff", ["riverside"]),
    "ada": ("auditor", ["riverside", "northgate"]),
    "oli": ("staff", ["northgate"]),
    "nina": ("manager", ["northgate"]),
}


@dataclass
class Users:
    tokens: dict[str, str]

    @classmethod
    def create(cls, app, now) -> "Users":
        from web.extensions import db
        tokens = {}
        with app.app_context():
            for name, (role, services) in CAST.items():
                # Tests follow plans for years; token expiry is tested on tokens of its own.
                _, tokens[name] = add_user(db.session, name, role, services,
                                           f"{name}-password-1", now, token_days=20 * 365)
        return cls(tokens)


def add_admin(app, now, username: str = "ann") -> str:
    """An admin outside the cast (whose audit trails tests count), signing in with
    f"{username}-password-1"; returns their API token."""
    from web.extensions import db
    with app.app_context():
        _, token = add_user(db.session, username, "admin", ["riverside", "northgate"],
                            f"{username}-password-1", now)
    return token


class Response:
    def __init__(self, raw):
        self.status = raw.status_code
        self.json = raw.get_json(silent=True)
        self.headers = raw.headers
        self.text = raw.get_data(as_text=True)

    def __repr__(self):
        return f"<{self.status} {self.json or self.text[:200]}>"


class Api:
    """Calls /api/v1 as one of the cast: `api.as_("mia").post("/plans", {...})`."""

    def __init__(self, client, users: Users, who: str | None = None):
        self.client, self.users, self.who = client, users, who

    def as_(self, who: str) -> "Api":
        return Api(self.client, self.users, who)

    def _call(self, method: str, path: str, body: Any = None, **kwargs) -> Response:
        headers = kwargs.pop("headers", {})
        if self.who:
            headers["Authorization"] = f"Bearer {self.users.tokens[self.who]}"
        raw = self.client.open("/api/v1" + path, method=method, json=body, headers=headers,
                               **kwargs)
        return Response(raw)

    def get(self, path: str, **kwargs) -> Response:
        return self._call("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs) -> Response:
        return self._call("POST", path, {} if body is None else body, **kwargs)

    def put(self, path: str, body: Any, **kwargs) -> Response:
        return self._call("PUT", path, body, **kwargs)

    # -- the support-plan journey, step by step ---------------------------------------------

    def new_person(self, name: str = "Margaret Ellis", service: str = "riverside") -> int:
        response = self.post("/people", {"name": name, "service": service})
        assert response.status == 201, response
        return response.json["id"]

    def new_plan(self, person_id: int | None = None, **content) -> dict:
        person_id = person_id or self.new_person()
        response = self.post("/plans", {"person_id": person_id})
        assert response.status == 201, response
        if content:
            return self.edit(response.json["id"], **content)
        return response.json

    def edit(self, plan_id: int, **content) -> dict:
        plan = self.get(f"/plans/{plan_id}").json
        response = self.put(f"/plans/{plan_id}", {**content, "version": plan["version"]})
        assert response.status == 200, response
        return response.json

    def fire(self, plan_id: int, transition: str, **body) -> Response:
        if "version" not in body:
            body["version"] = self.get(f"/plans/{plan_id}").json["version"]
        return self.post(f"/plans/{plan_id}/transitions/{transition}", body)


def plan_content(**overrides) -> dict[str, Any]:
    """Content that passes every approve rule (as of the test clock, 2026-11-20)."""
    content = {
        "commissioned_hours_per_week": 10,
        "start_date": "2026-12-01",
        "next_review_date": "2027-01-12",
        "key_worker": "sam",
        "involvement": {
            "person_views": "I want to make my own breakfast again, like before the hospital.",
            "involved_on": "2026-11-18", "advocate": "daughter, Jo",
            "consent": "given", "best_interests_record": None},
        "strengths": [
            {"id": "s1", "description": "Strong preference for routine",
             "used_as": "Same order of steps every morning, shown on a picture card"},
            {"id": "s2", "description": "Close relationship with daughter",
             "used_as": "Jo joins the Sunday call to plan the week's meals"}],
        "outcomes": [
            {"id": "o1", "statement": "Prepares her own breakfast",
             "target": "prepare breakfast with no more than two prompts, five days a week",
             "measure": "prompts per visit, recorded in the daily record",
             "strength_ids": ["s1"]},
            {"id": "o2", "statement": "Plans her weekly meals",
             "target": "chooses five meals for the week with Jo every Sunday",
             "measure": "meal plan completed and kept on the fridge",
             "strength_ids": ["s2"]}],
        "actions": [
            {"id": "a1", "outcome_id": "o1",
             "description": "Coach through each breakfast step; prompt only after a pause",
             "approach": "coaching", "when": "morning visit, 8–9am", "hours_per_week": 7},
            {"id": "a2", "outcome_id": "o2",
             "description": "Set up the Sunday call and write the plan she dictates",
             "approach": "communication", "when": "Sunday 11am", "hours_per_week": 3}],
        "risks": [
            {"id": "r1", "description": "Scald from the kettle",
             "why_proportionate": "She has used a kettle safely for decades; a one-cup kettle "
                                  "lowers the risk without taking the task away",
             "monitoring": "Hand steadiness and any spills",
             "escalation": "Any scald, or two spills in a week: reassess with OT",
             "restrictive": False, "justification": None, "review_date": None}],
    }
    content.update(copy.deepcopy(overrides))
    return content


def run_cli(*args: str, database_url: str, stdin: str | None = None, env: dict | None = None,
            timeout: float = 120):
    """Run the `strengthwise` console script against `database_url`, from the project root."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    script = Path(sys.executable).parent / "strengthwise"
    environment = {**os.environ, "STRENGTHWISE_DATABASE_URL": database_url, **(env or {})}
    return subprocess.run([str(script), *args], cwd=root, env=environment, input=stdin,
                          capture_output=True, text=True, timeout=timeout,
                          stdin=None if stdin is not None else subprocess.DEVNULL)


def active_plan(api: Api, **content) -> dict:
    """A plan drafted by sam, approved by max, acknowledged by its key worker and activated."""
    plan = api.as_("sam").new_plan(**plan_content(**content))
    assert api.as_("max").fire(plan["id"], "approve").status == 200
    key_worker = content.get("key_worker", "sam")
    assert api.as_(key_worker).post(f"/plans/{plan['id']}/acknowledgements", {}).status == 201
    activated = api.as_("max").fire(plan["id"], "activate")
    assert activated.status == 200, activated
    return activated.json["plan"]


def daily_record(outcome_id: str = "o1", day: str = "2026-11-20", prompts: int = 2,
                 **fields) -> dict:
    record = {"outcome_id": outcome_id, "date": day,
              "observed_strength": "Remembered the order of the steps from the picture card",
              "support_provided": "One verbal prompt to check the hob was off",
              "independence_opportunity": "Next time, try the hob check alone",
              "next_step": "Move the picture card next to the kettle",
              "prompts": prompts, "completion": "with_prompts", "note": None}
    record.update(fields)
    return record


def review_record(**fields) -> dict:
    """A review that passes every complete_review rule for plan_content() (as of 2027-01)."""
    review = {
        "improved": "Makes her own breakfast most days",
        "less_support": "Breakfast: she needs one prompt at most",
        "new_strengths": "Jo says she now plans the shopping list herself",
        "reduce_safely": "Morning visits could drop to four a week",
        "matters_most": "Going to the lunch club on her own",
        "involvement": {"took_part": True, "how": "in_person",
                        "views": "I want to go to the lunch club on my own.",
                        "advocate_present": False, "family_present": True},
        "outcome_ratings": [
            {"outcome_id": "o1", "rating": "progressing", "evidence": "prompts fell 4 → 1"},
            {"outcome_id": "o2", "rating": "achieved", "evidence": "five meal plans in a row"}],
        "risks_reviewed": ["r1"],
        "decision": "continue",
        "next_review_date": "2027-06-01",
    }
    review.update(fields)
    return review


AGREES = {"decision": "agrees", "best_interests_record": None}


def seed_active_plans(app, count: int, service: str = "riverside") -> list[int]:
    """`count` active plans made through the engine (no HTTP), reviews due 2027-01-12."""
    from engine import Actor
    from engine.care import plans
    from engine.core.models import User
    from web.extensions import db

    engine = app.extensions["strengthwise"]
    with app.app_context():
        session = db.session
        sam, max_ = (Actor.of(session.query(User).filter_by(username=name).one())
                     for name in ("sam", "max"))
        ids = []
        for number in range(count):
            now = engine.now()
            person = plans.create_person(session, sam, f"Person {number}", service, now)
            plan = plans.create_plan(session, engine, sam, person.id, plan_content())
            plan = engine.fire(session, "plan", plan.id, "approve", max_,
                               version=plan.lock_version).subject
            plans.acknowledge(session, sam, plan.id, now, engine=engine)
            plan = engine.fire(session, "plan", plan.id, "activate", max_,
                               version=plan.lock_version).subject
            ids.append(plan.id)
        db.session.remove()
    return ids


class Page:
    """A page as fetched: status, HTML, and the first form's CSRF token."""

    def __init__(self, raw):
        import re
        self.status = raw.status_code
        self.headers = raw.headers
        self.html = raw.get_data(as_text=True)
        self.location = raw.headers.get("Location")
        match = re.search(r'name="csrf_token" value="([^"]+)"', self.html)
        self.csrf = match.group(1) if match else None

    def __contains__(self, text: str) -> bool:
        return text in self.html

    def __repr__(self):
        return f"<Page {self.status} {self.location or self.html[:300]}>"


class Browser:
    """Pages through the Flask test client, signed in as one of the cast, CSRF and all."""

    def __init__(self, app, who: str | None = None):
        self.client = app.test_client()
        if who:
            self.sign_in(who)

    def get(self, path: str, **kwargs) -> Page:
        return Page(self.client.get(path, **kwargs))

    def post(self, path: str, data: dict | None = None, csrf_from: str | None = None,
             **kwargs) -> Page:
        """POST a form; its CSRF token is read from `csrf_from` (default: the same path)."""
        token = self.get(csrf_from or path).csrf
        return Page(self.client.post(path, data={**(data or {}), "csrf_token": token},
                                     **kwargs))

    def sign_in(self, who: str, password: str | None = None) -> Page:
        page = self.post("/login", {"username": who,
                                    "password": password or f"{who}-password-1"})
        assert page.status == 302, page
        return page
