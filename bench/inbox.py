"""The task inbox: GET /api/v1/tasks for one member of staff and one manager, among 50,000
tasks in 20 services, on SQLite and PostgreSQL."""
from __future__ import annotations

import itertools
import random
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterator

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from engine import Actor
from engine.core.models import Task, User
from engine.core.tasks import INBOX_LIMIT, OPEN_STATUSES, inbox_queries
from engine.core.uow import unit_of_work
from web.extensions import db

from .common import (
    Crew,
    PostgresScratch,
    Slot,
    SQLiteScratch,
    add_active_plan,
    add_crews,
    add_team,
    api_get,
    app_on,
    copy_active_plan,
    insert_rows,
    judge,
    machine,
    measure,
    next_ids,
    on_each_backend,
    person_name,
    require,
    settle,
    sync_sequences,
)

TASKS = 50_000
SERVICES, STAFF_EACH, PLANS_EACH = 20, 5, 20
REQUESTS = 200
P95_MS = 30.0
RANDOM_SEED = 2026
SUBJECTS_REVIEWED_ON = date(2027, 6, 1)  # the subject plans' next review, months ahead
PATH = "/api/v1/tasks"
QUERIES = ("", "?scope=mine", "?status=open")
# (value, weight): what each task is, and where it has got to.
KINDS = (("approve_plan", 30), ("complete_review", 60), ("complete_review.escalated", 10))
STATUSES = (("done", 78), ("cancelled", 12), ("open", 8), ("claimed", 2))
TITLES = {"approve_plan": "Approve the plan for {person}",
          "complete_review": "Complete the review of {person}'s plan",
          "complete_review.escalated": "Overdue since {due}: Complete the review of {person}'s "
                                       "plan"}
DUE_DAYS = {"approve_plan": 7, "complete_review": 14, "complete_review.escalated": 0}
ESCALATE_AFTER_DAYS = 7


def main() -> None:
    """Seed and time the inbox on SQLite, then on PostgreSQL if a server answers."""
    print(f"inbox: {TASKS:,} tasks in {SERVICES} services ({STAFF_EACH} staff and a manager "
          f"each, {SERVICES * PLANS_EACH} plans as subjects); {REQUESTS} GETs per line, "
          "in-process test client")
    on_each_backend(bench_backend)


def bench_backend(scratch: SQLiteScratch | PostgresScratch) -> None:
    """Seed one database on the backend and time every query as each user."""
    print(f"{scratch.label} ({machine()} before)")
    with scratch.database() as url, app_on(url) as app:
        with app.app_context():
            users, mix = seed(app)
        print(f"  tasks: {mix}")
        client = app.test_client()
        for username, token in users:
            for query in QUERIES:
                time_query(app, client, username, token, query)
    print(f"  ({machine()} after)")


def seed(app: Flask) -> tuple[list[tuple[str, str]], str]:
    """The crews, PLANS_EACH active plans per service, and TASKS tasks; the usernames and tokens
    of the staff member and the manager whose inboxes are timed, and the tasks' mix."""
    engine = app.extensions["strengthwise"]
    team = add_team(db.session)
    crews = add_crews(db.session, team, SERVICES, STAFF_EACH)
    template = add_active_plan(db.session, engine, team)
    slots = [Slot(crew, crew.staff[number % STAFF_EACH], SUBJECTS_REVIEWED_ON)
             for number in range(PLANS_EACH) for crew in crews]
    plan_ids = copy_active_plan(db.session, engine, template.id, slots)
    subjects = {crew.service_id: [] for crew in crews}
    for slot, plan_id in zip(slots, plan_ids, strict=True):
        subjects[slot.crew.service_id].append(plan_id)
    subjects[crews[0].service_id].append(template.id)
    with unit_of_work(db.session):
        connection = db.session.connection()
        rows = list(task_rows(next_ids(connection, Task.__table__), crews, subjects,
                              engine.today(), random.Random(RANDOM_SEED)))
        insert_rows(connection, Task.__table__, rows)
        sync_sequences(connection, [Task.__table__])
    settle(db.engine)
    users = [(team.author.username, team.author_token),
             (team.manager.username, team.manager_token)]
    return users, describe_mix(rows, engine.today())


def task_rows(ids: Iterator[int], crews: list[Crew], subjects: dict[int, list[int]],
              today: date, rng: random.Random) -> Iterator[dict[str, Any]]:
    """TASKS task rows, services in turn, kinds and statuses drawn with the weights above."""
    kinds, kind_weights = zip(*KINDS, strict=True)
    statuses, status_weights = zip(*STATUSES, strict=True)
    last_review: dict[int, int] = {}  # per service: the latest complete_review, to escalate
    for task_id, crew in zip(itertools.islice(ids, TASKS), itertools.cycle(crews)):
        kind = rng.choices(kinds, kind_weights)[0]
        if kind.endswith(".escalated") and crew.service_id not in last_review:
            kind = "complete_review"
        row = task_row(task_id, kind, rng.choices(statuses, status_weights)[0], crew,
                       rng.choice(subjects[crew.service_id]), today, rng)
        if kind == "complete_review":
            last_review[crew.service_id] = task_id
        elif kind.endswith(".escalated"):
            row["parent_id"] = last_review[crew.service_id]
        yield row


def task_row(task_id: int, kind: str, status: str, crew: Crew, subject: int, today: date,
             rng: random.Random) -> dict[str, Any]:
    """One task as open_task or escalate would write it, moved on to `status`."""
    live = status in OPEN_STATUSES
    due = today + timedelta(days=rng.randint(-10, 20) if live else -rng.randint(1, 365))
    created = at(due - timedelta(days=DUE_DAYS[kind]))
    follow_up = due + timedelta(days=ESCALATE_AFTER_DAYS) if DUE_DAYS[kind] else None
    if kind == "complete_review":
        # Assigned to the key worker from the start: nobody claims it.
        status = "open" if live else status
        assignee, role = rng.choice(crew.staff).id, None
    else:
        assignee, role = (crew.manager.id if status == "claimed" else None), "manager"
    escalated = live and follow_up is not None and follow_up <= today
    return {"id": task_id, "kind": kind, "workflow": "support_plan", "subject_type": "plan",
            "subject_id": subject, "service_id": crew.service_id,
            "title": TITLES[kind].format(person=person_name(subject), due=due),
            "assignee_id": assignee, "role": role, "due": due, "follow_up": follow_up,
            "status": status, "created_at": created,
            "closed_at": None if live else created + timedelta(days=rng.randint(0, 20)),
            "escalated_at": at(follow_up) if escalated else None, "parent_id": None}


def at(day: date) -> datetime:
    """Nine in the morning, UTC, on `day`."""
    return datetime.combine(day, time(9), tzinfo=timezone.utc)


def describe_mix(rows: list[dict[str, Any]], today: date) -> str:
    """'N done, N cancelled, …; N overdue' for the seeded tasks."""
    statuses = Counter(row["status"] for row in rows)
    overdue = sum(1 for row in rows if row["status"] in OPEN_STATUSES and row["due"] < today)
    kinds = Counter(row["kind"] for row in rows)
    return (", ".join(f"{statuses[status]:,} {status}" for status, _ in STATUSES)
            + f"; {overdue:,} of those open or claimed are overdue; "
            + ", ".join(f"{kinds[kind]:,} {kind}" for kind, _ in KINDS))


def time_query(app: Flask, client: FlaskClient, username: str, token: str, query: str) -> None:
    """Time REQUESTS GETs of the inbox as one user and print their latency against P95_MS."""
    path = PATH + query
    returned = len(api_get(client, path, token).get_json()["tasks"])
    require(returned > 0, f"GET {path} as {username} returned no tasks")
    timings = measure(lambda _: api_get(client, path, token), range(REQUESTS))
    print(f"  {username}, GET {path}: {returned} tasks; {timings.describe()}")
    print("    " + judge("p95", timings.ms(95), P95_MS, " ms"))
    if timings.ms(95) > P95_MS:
        with app.app_context():
            print_plan(db.session, username, query)


def print_plan(session: Session, username: str, query: str) -> None:
    """Print the database's plans for the inbox queries behind `query`, as `username`."""
    user = session.scalar(select(User).where(User.username == username))
    arguments = dict(part.split("=") for part in query.lstrip("?").split("&") if part)
    sqlite = session.get_bind().dialect.name == "sqlite"
    for statement in inbox_queries(Actor.of(user), arguments.get("status"),
                                   arguments.get("scope")):
        sql = str(statement.limit(INBOX_LIMIT).compile(
            dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}))
        rows = session.execute(text(("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ANALYZE ")
                                    + sql))
        print("    plan: " + "\n          ".join(row[-1] for row in rows))
