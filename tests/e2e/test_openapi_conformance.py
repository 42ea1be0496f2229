"""openapi.json is honest: schemathesis sends generated requests to a real `strengthwise serve`
for every operation and holds each answer to the document — no 5xx, every status declared,
every body of the declared shape — with a bounded number of examples per operation."""
from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import serving  # noqa: E402

EXAMPLES = 12  # per operation: enough to reach 200, 404 and 422 answers, quick to run
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def _seeded(url: str) -> str:
    """A database with a manager in riverside, a person, and a plan taken to active: the
    token of the manager."""
    from engine import Actor
    from engine.care import plans
    from engine.core.users import add_user
    from engine.schema import upgrade
    from tests.helpers import plan_content
    from web import create_app
    from web.extensions import db

    app = create_app({"database_url": url})
    with app.app_context():
        upgrade(db.engine)
        engine = app.extensions["strengthwise"]
        now = engine.now()
        author, _ = add_user(db.session, "sam", "staff", ["riverside"], "sam-long-password-1",
                             now)
        manager, token = add_user(db.session, "max", "manager", ["riverside"],
                                  "max-long-password-1", now)
        sam, max_ = Actor.of(author), Actor.of(manager)
        person = plans.create_person(db.session, sam, "Margaret Ellis", "riverside", now)
        start = engine.today().isoformat()
        plan = plans.create_plan(db.session, engine, sam, person.id, plan_content(
            start_date=start, next_review_date=start))
        engine.fire(db.session, "plan", plan.id, "approve", max_, version=plan.lock_version)
        db.session.remove()
        db.engine.dispose()
    return token


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory, chromium_path):  # noqa: ARG001 (an e2e test: same gate)
    directory = tmp_path_factory.mktemp("conformance")
    url = f"sqlite:///{directory / 'api.db'}"
    token = _seeded(url)
    with serving(url, "/api/v1/openapi.json") as base:
        loaded = schemathesis.openapi.from_url(base + "/api/v1/openapi.json")
        loaded.token = token  # type: ignore[attr-defined]
        yield loaded


def test_every_answer_is_what_openapi_json_says(api_schema):
    headers = {"Authorization": f"Bearer {api_schema.token}"}
    failures, operations = [], 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def answers_as_documented(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            answers_as_documented()
        except Exception as failure:  # noqa: BLE001  every operation is tried; all are listed
            failures.append(f"{operation.method.upper()} {operation.path}: {failure}")
    print(f"schemathesis: {operations} operations, up to {EXAMPLES} examples each, "
          f"{len(failures)} failing")
    assert operations >= 40
    assert not failures, "\n\n".join(failures)
