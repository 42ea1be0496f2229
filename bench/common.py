"""Shared benchmark helpers: a temporary file-backed SQLite app, seeded plans, timings."""
from __future__ import annotations

import sqlite3
import statistics
import tempfile
import time
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.engine import Engine as SqlEngine
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from engine import Actor, FixedClock
from engine.models import Plan, User
from engine.plans import create_person, create_plan
from engine.schema import upgrade
from engine.users import add_user
from web import create_app
from web.extensions import db

NOW = datetime(2026, 11, 20, 9, tzinfo=timezone.utc)
SERVICE = "bench"
PASSWORD = "bench-password"


@dataclass(frozen=True)
class Team:
    """A member of staff who writes plans and a manager who approves them, in SERVICE."""

    author: User
    author_token: str
    manager: User
    manager_token: str


@dataclass(frozen=True)
class Timings:
    """Durations of repeated calls, in seconds."""

    samples: tuple[float, ...]

    @property
    def total(self) -> float:
        return sum(self.samples)

    @property
    def rate(self) -> float:
        return len(self.samples) / self.total

    @property
    def mean_ms(self) -> float:
        return 1000 * self.total / len(self.samples)

    def ms(self, percent: int) -> float:
        """The `percent`th percentile in milliseconds."""
        return 1000 * statistics.quantiles(self.samples, n=100, method="inclusive")[percent - 1]

    def describe(self) -> str:
        """One line: count, total, rate and latency percentiles."""
        return (f"{len(self.samples)} in {self.total:.2f} s, {self.rate:,.0f}/s, "
                f"p50 {self.ms(50):.2f} ms, p95 {self.ms(95):.2f} ms, "
                f"p99 {self.ms(99):.2f} ms, mean {self.mean_ms:.2f} ms")


class StatementCounter:
    """Counts the SQL statements a database engine sends while the block runs."""

    def __init__(self, engine: SqlEngine):
        self.engine = engine
        self.count = 0

    def __enter__(self) -> "StatementCounter":
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *_args: Any) -> None:
        self.count += 1


@contextmanager
def scratch_dir() -> Iterator[Path]:
    """A temporary directory, removed with everything in it afterwards."""
    with tempfile.TemporaryDirectory(prefix="strengthwise-bench-") as name:
        yield Path(name)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@contextmanager
def bench_app(path: Path) -> Iterator[Flask]:
    """The app on a new, migrated SQLite file at `path`, its clock fixed at NOW."""
    app = create_app({"database_url": sqlite_url(path), "clock": FixedClock(NOW)})
    with app.app_context():
        upgrade(db.engine)
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()


def copy_database(source: Path, target: Path) -> None:
    """Copy a live SQLite database, WAL content included."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def add_team(session: Session) -> Team:
    """Create the staff author and the manager, each with an API token."""
    author, author_token = add_user(session, "sam", "staff", [SERVICE], PASSWORD, NOW)
    manager, manager_token = add_user(session, "maria", "manager", [SERVICE], PASSWORD, NOW)
    return Team(author, author_token, manager, manager_token)


def seed_drafts(session: Session, author: User, key_worker: str, count: int) -> list[Plan]:
    """`count` people, each with a draft by `author` that passes every `approve` rule."""
    actor = Actor.of(author)
    drafts = []
    for number in range(1, count + 1):
        person = create_person(session, actor, f"Person {number:05d}", SERVICE, NOW)
        drafts.append(create_plan(session, actor, person.id, plan_content(key_worker), NOW))
    return drafts


def plan_content(key_worker: str) -> dict[str, Any]:
    """Complete plan content: 3 strengths, 2 outcomes, 3 actions, 2 risks (one restrictive)."""
    return {
        "commissioned_hours_per_week": 10.0,
        "start_date": "2026-12-01",
        "next_review_date": "2027-01-12",
        "key_worker": key_worker,
        "involvement": {
            "person_views": "I want to make my own lunch again and get to my sister's on "
                            "Sundays without someone holding my arm.",
            "involved_on": "2026-11-20", "advocate": "Sister, at the person's request",
            "consent": "given", "best_interests_record": None},
        "strengths": [
            {"id": "s1", "description": "Enjoys cooking and remembers family recipes",
             "used_as": "Kitchen tasks start from a favourite recipe card"},
            {"id": "s2", "description": "Prefers a predictable routine",
             "used_as": "A consistent visual schedule on the fridge door"},
            {"id": "s3", "description": "Close, trusting relationship with her sister",
             "used_as": "Her sister joins the Sunday planning call"},
        ],
        "outcomes": [
            {"id": "o1", "statement": "Prepare my own lunch",
             "target": "Prepares lunch with at most two prompts, twice per week",
             "measure": "Prompts counted in each daily record", "strength_ids": ["s1", "s2"]},
            {"id": "o2", "statement": "Visit my sister by bus",
             "target": "Takes the number 14 bus to her sister's every Sunday, staff at a distance",
             "measure": "Journeys completed, reviewed weekly", "strength_ids": ["s3"]},
        ],
        "actions": [
            {"id": "a1", "outcome_id": "o1", "approach": "prompting",
             "description": "Prompt each step from the recipe card; do not take over",
             "when": "Tuesday and Friday, 11:30", "hours_per_week": 4.0},
            {"id": "a2", "outcome_id": "o1", "approach": "environmental_adjustment",
             "description": "Lay out utensils in the same order on the worktop",
             "when": "Before each cooking session", "hours_per_week": 1.5},
            {"id": "a3", "outcome_id": "o2", "approach": "accompanying",
             "description": "Travel on the same bus, sitting further back each week",
             "when": "Sundays, 10:00", "hours_per_week": 4.5},
        ],
        "risks": [
            {"id": "r1", "description": "Burns from the hob",
             "why_proportionate": "She cooked safely for decades; prompts keep her in control",
             "monitoring": "Hob left on, hands near pans", "escalation": "Any burn or near miss",
             "restrictive": False, "justification": None, "review_date": None},
            {"id": "r2", "description": "Leaving the gas on overnight",
             "why_proportionate": "An automatic shut-off valve is less restrictive than "
                                  "removing the hob",
             "monitoring": "Valve log checked weekly", "escalation": "Valve trips twice a week",
             "restrictive": True, "justification": "Agreed with her as the least restrictive "
                                                    "option after two incidents",
             "review_date": "2027-01-05"},
        ],
    }


def measure(call: Callable[[Any], Any], items: Iterable[Any]) -> Timings:
    """Call `call` once per item, timing each call with perf_counter."""
    samples = []
    for item in items:
        start = time.perf_counter()
        call(item)
        samples.append(time.perf_counter() - start)
    return Timings(tuple(samples))


def judge(label: str, value: float, target: float, unit: str = "") -> str:
    """'label value (target ≤ target): PASS' or '…: MISS'."""
    outcome = "PASS" if value <= target else "MISS"
    return f"{label} {value:.2f}{unit} (target ≤ {target:g}{unit}): {outcome}"


def require(condition: bool, message: str) -> None:
    """Stop the benchmark loudly when what it measured did not happen."""
    if not condition:
        raise RuntimeError(f"benchmark invalid: {message}")


def api_get(client: FlaskClient, path: str, token: str) -> TestResponse:
    """GET an API path with a Bearer token; anything but 200 stops the benchmark."""
    response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    require(response.status_code == 200, f"GET {path} answered {response.status_code}")
    return response
