"""Shared benchmark helpers: scratch SQLite and PostgreSQL apps, seeded plans, bulk copies of
an active plan, timings."""
from __future__ import annotations

import itertools
import os
import sqlite3
import statistics
import tempfile
import time
import uuid
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, func, insert, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as SqlEngine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from engine import Actor, Engine, FixedClock
from engine.care.models import Acknowledgement, DraftEditor, Person, Plan, PlanVersion
from engine.care.plans import acknowledge, create_person, create_plan
from engine.core.models import Service, Timer, User, user_services
from engine.core.settings import resolve_database_url
from engine.core.uow import unit_of_work
from engine.core.users import add_user
from engine.schema import upgrade
from web import create_app
from web.extensions import db

NOW = datetime(2026, 11, 20, 9, tzinfo=timezone.utc)
SERVICE = "bench"
PASSWORD = "bench-password"
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
CHUNK = 5000  # rows per executemany INSERT


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
    """Counts the SQL statements a database engine sends while the block runs, and the seconds
    the driver spent executing them."""

    def __init__(self, engine: SqlEngine):
        self.engine = engine
        self.count = 0
        self.seconds = 0.0
        self._started = 0.0

    def __enter__(self) -> "StatementCounter":
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    def _before(self, *_args: Any) -> None:
        self.count += 1
        self._started = time.perf_counter()

    def _after(self, *_args: Any) -> None:
        self.seconds += time.perf_counter() - self._started


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
    with app_on(sqlite_url(path)) as app:
        yield app


@contextmanager
def app_on(url: str) -> Iterator[Flask]:
    """The app on the database at `url`, migrated, its clock fixed at NOW."""
    app = create_app({"database_url": url, "clock": FixedClock(NOW)})
    with app.app_context():
        upgrade(db.engine)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def copy_database(source: Path, target: Path) -> None:
    """Copy a live SQLite database, WAL content included."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


class SQLiteScratch:
    """New file-backed SQLite databases in one directory, and copies of them."""

    label = "SQLite (file, WAL, synchronous=NORMAL)"

    def __init__(self, directory: Path):
        self.directory, self._numbers = directory, itertools.count(1)

    @contextmanager
    def database(self) -> Iterator[str]:
        """The URL of a new SQLite file, deleted (with its WAL) afterwards."""
        path = self.directory / f"db-{next(self._numbers)}.db"
        try:
            yield sqlite_url(path)
        finally:
            for leftover in self.directory.glob(path.name + "*"):
                leftover.unlink()

    @contextmanager
    def copy(self, url: str) -> Iterator[str]:
        """A copy of the database at `url`, deleted afterwards."""
        with self.database() as target:
            copy_database(_sqlite_path(url), _sqlite_path(target))
            yield target


class PostgresScratch:
    """New databases on a PostgreSQL server, dropped afterwards, and copies of them."""

    label = "PostgreSQL"

    def __init__(self, server: str):
        self.server = server

    @contextmanager
    def database(self, template: str | None = None) -> Iterator[str]:
        """The URL of a new database (a copy of the database named `template`, if given)."""
        name = f"sw_bench_{uuid.uuid4().hex[:10]}"
        copying = f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else ""
        self._admin(f'CREATE DATABASE "{name}"{copying}')
        try:
            yield self.server.rsplit("/", 1)[0] + "/" + name
        finally:
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def copy(self, url: str) -> Iterator[str]:
        """A copy of the database at `url` (nothing may be connected to it), dropped afterwards."""
        return self.database(template=url.rsplit("/", 1)[1])

    def _admin(self, statement: str) -> None:
        admin = create_engine(self.server, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(statement))
        finally:
            admin.dispose()


def postgres_server() -> str | None:
    """The PostgreSQL server to benchmark (STRENGTHWISE_BENCH_POSTGRES, else the local one), or
    None when it does not answer."""
    url = resolve_database_url(os.environ.get("STRENGTHWISE_BENCH_POSTGRES", LOCAL_POSTGRES),
                               Path.cwd())
    probe = create_engine(url, connect_args={"connect_timeout": 2})
    try:
        with probe.connect():
            return url
    except OperationalError:
        return None
    finally:
        probe.dispose()


def settle(engine: SqlEngine) -> None:
    """After a bulk load: PostgreSQL gets the VACUUM ANALYZE autovacuum would run; SQLite, whose
    app never runs ANALYZE, is left as it is."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))


def machine() -> str:
    """The one-minute load average and the CPUs, to read timings by."""
    return f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"


def _sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def add_team(session: Session) -> Team:
    """Create the staff author and the manager, each with an API token."""
    author, author_token = add_user(session, "sam", "staff", [SERVICE], PASSWORD, NOW)
    manager, manager_token = add_user(session, "maria", "manager", [SERVICE], PASSWORD, NOW)
    return Team(author, author_token, manager, manager_token)


def seed_drafts(session: Session, engine: Engine, author: User, key_worker: str,
                count: int) -> list[Plan]:
    """`count` people, each with a draft by `author` that passes every `approve` rule."""
    actor = Actor.of(author)
    drafts = []
    for number in range(1, count + 1):
        person = create_person(session, actor, f"Person {number:05d}", SERVICE, NOW)
        drafts.append(create_plan(session, engine, actor, person.id, plan_content(key_worker)))
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


def judge(label: str, value: float, target: float, unit: str = "", *,
          at_least: bool = False) -> str:
    """'label value (target ≤ target): PASS' or '…: MISS'; with `at_least`, ≥ instead."""
    met = value >= target if at_least else value <= target
    return (f"{label} {value:.2f}{unit} (target {'≥' if at_least else '≤'} {target:g}{unit}): "
            f"{'PASS' if met else 'MISS'}")


def require(condition: bool, message: str) -> None:
    """Stop the benchmark loudly when what it measured did not happen."""
    if not condition:
        raise RuntimeError(f"benchmark invalid: {message}")


def api_get(client: FlaskClient, path: str, token: str) -> TestResponse:
    """GET an API path with a Bearer token; anything but 200 stops the benchmark."""
    response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    require(response.status_code == 200, f"GET {path} answered {response.status_code}")
    return response


# --- bulk seeding: copies of rows the engine wrote, inserted with executemany ----------------

@dataclass(frozen=True)
class Member:
    """A user, by id and username."""

    id: int
    username: str


@dataclass(frozen=True)
class Crew:
    """A service with its staff and its manager."""

    service_id: int
    service: str
    staff: tuple[Member, ...]
    manager: Member


@dataclass(frozen=True)
class Slot:
    """One copy of an active plan: its service, its key worker (also its author), its review
    date."""

    crew: Crew
    key_worker: Member
    review_on: date


_COPIED = (Person.__table__, Plan.__table__, DraftEditor.__table__, PlanVersion.__table__,
           Acknowledgement.__table__, Timer.__table__)  # in foreign-key order
# Where a plan's row is in each table: the column, and whose id it holds.
_KEYS = {"people": ("id", "people"), "plans": ("id", "plans"),
         "plan_draft_editors": ("plan_id", "plans"), "plan_versions": ("plan_id", "plans"),
         "acknowledgements": ("plan_id", "plans"), "timers": ("subject_id", "plans")}
# The columns a copy changes; every other column keeps the value the engine wrote.
_CHANGED = {"people": {"id", "name", "service_id"},
            # interim_support: the engine stores JSON null, a Core insert of None SQL NULL;
            # both read as None
            "plans": {"id", "person_id", "service_id", "author_id", "interim_support"},
            "plan_draft_editors": {"plan_id", "user_id"},
            "plan_versions": {"id", "plan_id", "content", "editors", "approved_by_id",
                              "next_review_on"},
            "acknowledgements": {"id", "plan_id", "user_id"},
            "timers": {"id", "subject_id", "due_at"}}


def insert_rows(connection: Connection, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT the rows with executemany, CHUNK at a time."""
    for start in range(0, len(rows), CHUNK):
        connection.execute(insert(table), rows[start:start + CHUNK])


def next_ids(connection: Connection, table: Any) -> Iterator[int]:
    """The ids after the table's highest."""
    return itertools.count(connection.scalar(select(func.coalesce(func.max(table.c.id), 0))) + 1)


def sync_sequences(connection: Connection, tables: Iterable[Any]) -> None:
    """PostgreSQL: move each table's id sequence past the ids inserted by hand."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                f"(SELECT max(id) FROM {table.name}))"))


def row_of(connection: Connection, table: Any, *where: Any) -> dict[str, Any]:
    """The one row of `table` that matches, as a dict of column values."""
    return dict(connection.execute(select(table).where(*where)).one()._mapping)


def add_crews(session: Session, team: Team, services: int, staff_each: int) -> list[Crew]:
    """SERVICE (the team's) and `services - 1` more, each with `staff_each` staff and a manager;
    new users are copies of the team's rows (same password, no token)."""
    with unit_of_work(session):
        connection = session.connection()
        user_ids = next_ids(connection, User.__table__)
        service_ids = next_ids(connection, Service.__table__)
        bench = Crew(session.scalar(select(Service.id).where(Service.name == SERVICE)), SERVICE,
                     (Member(team.author.id, team.author.username),),
                     Member(team.manager.id, team.manager.username))
        others = [Crew(next(service_ids), f"service-{number:02d}", (),
                       Member(next(user_ids), f"manager-{number:02d}"))
                  for number in range(2, services + 1)]
        crews = [_staffed(crew, number, staff_each, user_ids)
                 for number, crew in enumerate([bench, *others], start=1)]
        _insert_crews(connection, crews, team)
    return crews


def _staffed(crew: Crew, number: int, staff_each: int, user_ids: Iterator[int]) -> Crew:
    """The crew with new staff added until it has `staff_each`."""
    added = tuple(Member(next(user_ids), f"staff-{number:02d}-{index}")
                  for index in range(len(crew.staff) + 1, staff_each + 1))
    return Crew(crew.service_id, crew.service, crew.staff + added, crew.manager)


def _insert_crews(connection: Connection, crews: list[Crew], team: Team) -> None:
    """Insert the crews' services and users that are not the team's, and their memberships."""
    users = User.__table__
    rows = {"staff": row_of(connection, users, users.c.id == team.author.id),
            "manager": row_of(connection, users, users.c.id == team.manager.id)}
    known = {team.author.id, team.manager.id}
    members = [(crew, member, role) for crew in crews
               for member, role in [*((staff, "staff") for staff in crew.staff),
                                    (crew.manager, "manager")]
               if member.id not in known]
    insert_rows(connection, Service.__table__, [
        {"id": crew.service_id, "name": crew.service, "title": crew.service}
        for crew in crews if crew.service != SERVICE])
    insert_rows(connection, users, [{**rows[role], "id": member.id, "username": member.username}
                                    for _, member, role in members])
    insert_rows(connection, user_services, [{"user_id": member.id, "service_id": crew.service_id}
                                            for crew, member, _ in members])
    sync_sequences(connection, (users, Service.__table__))


def add_active_plan(session: Session, engine: Engine, team: Team) -> Plan:
    """One plan taken to active through the engine: drafted by the author (its key worker),
    approved by the manager, acknowledged by the author, activated by the manager."""
    manager = Actor.of(team.manager)
    plan = seed_drafts(session, engine, team.author, team.author.username, 1)[0]
    engine.fire(session, "plan", plan.id, "approve", manager, version=plan.lock_version)
    acknowledge(session, Actor.of(team.author), plan.id, engine.now(), engine=engine)
    engine.fire(session, "plan", plan.id, "activate", manager, version=plan.lock_version)
    return plan


def copy_active_plan(session: Session, engine: Engine, plan_id: int,
                     slots: Sequence[Slot]) -> list[int]:
    """Insert one active plan per slot, copying every row the engine wrote for plan `plan_id`
    (see _CHANGED); the new plans' ids, in slot order."""
    zone = ZoneInfo(engine.settings["timezone"])
    with unit_of_work(session):
        connection = session.connection()
        template = _template_rows(connection, plan_id, zone)
        first = {table.name: next(next_ids(connection, table))
                 for table in _COPIED if "id" in table.c}
        for start in range(0, len(slots), CHUNK):
            copies = [_copy(template, {name: id_ + index for name, id_ in first.items()},
                            slots[index], zone)
                      for index in range(start, min(start + CHUNK, len(slots)))]
            for table in _COPIED:
                connection.execute(insert(table), [copy[table.name] for copy in copies])
        sync_sequences(connection, (table for table in _COPIED if "id" in table.c))
        _check_copy(connection, template, first)
    return [first["plans"] + index for index in range(len(slots))]


def _template_rows(connection: Connection, plan_id: int, zone: ZoneInfo) -> dict[str, dict]:
    """The rows of one active plan, one per copied table."""
    person_id = connection.scalar(select(Plan.person_id).where(Plan.id == plan_id))
    owners = {"people": person_id, "plans": plan_id}
    rows = {table.name: row_of(connection, table, _found_by(table, owners))
            for table in _COPIED}
    review_on = date.fromisoformat(rows["plan_versions"]["content"]["next_review_date"])
    require(rows["timers"]["due_at"] == _review_due_at(review_on, zone),
            "the engine's review timer is not due at the start of the review day")
    return rows


def _found_by(table: Any, owners: dict[str, int]) -> Any:
    """The condition that finds a plan's row in `table`, given its person's and plan's ids."""
    column, owner = _KEYS[table.name]
    if table.name == "timers":  # the plan's own timer, not its restrictions' (same id space)
        return (table.c[column] == owners[owner]) & (table.c.subject_type == "plan")
    return table.c[column] == owners[owner]


def _copy(template: dict[str, dict], ids: dict[str, int], slot: Slot,
          zone: ZoneInfo) -> dict[str, dict]:
    """The template's rows, with fresh ids, for the slot's service, key worker and review date."""
    plan_id, worker = ids["plans"], slot.key_worker
    version = template["plan_versions"]
    return {
        "people": {**template["people"], "id": ids["people"], "name": person_name(plan_id),
                   "service_id": slot.crew.service_id},
        "plans": {**template["plans"], "id": plan_id, "person_id": ids["people"],
                  "service_id": slot.crew.service_id, "author_id": worker.id},
        "plan_draft_editors": {**template["plan_draft_editors"], "plan_id": plan_id,
                               "user_id": worker.id},
        "plan_versions": {**version, "id": ids["plan_versions"], "plan_id": plan_id,
                          "content": {**version["content"], "key_worker": worker.username,
                                      "next_review_date": slot.review_on.isoformat()},
                          "next_review_on": slot.review_on,
                          "editors": [worker.username], "approved_by_id": slot.crew.manager.id},
        "acknowledgements": {**template["acknowledgements"], "id": ids["acknowledgements"],
                             "plan_id": plan_id, "user_id": worker.id},
        "timers": {**template["timers"], "id": ids["timers"], "subject_id": plan_id,
                   "due_at": _review_due_at(slot.review_on, zone)},
    }


def person_name(plan_id: int) -> str:
    """The name of the person a copied plan `plan_id` is for."""
    return f"Person {plan_id:06d}"


def _review_due_at(day: date, zone: ZoneInfo) -> datetime:
    """When a review timer for `day` falls due: the start of that day where the service is."""
    return datetime.combine(day, datetime.min.time(), tzinfo=zone).astimezone(timezone.utc)


def _check_copy(connection: Connection, template: dict[str, dict], first: dict[str, int]) -> None:
    """The first copy's stored values equal the engine's, but for the columns a copy changes."""
    plans = (template["plans"]["id"], first["plans"])
    people = (template["people"]["id"], first["people"])
    for table in _COPIED:
        column, owner = _KEYS[table.name]
        plan_timer = " AND subject_type = 'plan'" if table.name == "timers" else ""
        raw = [dict(connection.execute(text(f"SELECT * FROM {table.name} WHERE {column} = :v"
                                            f"{plan_timer}"), {"v": value}).one()._mapping)
               for value in (people if owner == "people" else plans)]
        differ = {name for name in raw[0] if raw[0][name] != raw[1][name]}
        require(differ <= _CHANGED[table.name],
                f"copied {table.name} rows differ from the engine's in {sorted(differ)}")


def on_each_backend(run: Callable[[Any], None]) -> None:
    """Run `run` on a scratch SQLite database, then on PostgreSQL if a server answers."""
    with scratch_dir() as directory:
        run(SQLiteScratch(directory))
    server = postgres_server()
    if server is None:
        print("PostgreSQL: skipped, no server answers (set STRENGTHWISE_BENCH_POSTGRES)")
    else:
        run(PostgresScratch(server))
