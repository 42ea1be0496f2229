"""Firing transitions: `approve` on 2,000 drafts against a bare-Core floor, and two plan reads."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, func, insert, select, update
from sqlalchemy.engine import Connection, Row

from engine import Actor, Registry
from engine.care.models import Plan, PlanVersion
from engine.core.audit import GENESIS, PROJECTED, canonical, event_hash
from engine.core.db import WRITE, configure_engine
from engine.core.errors import Blocked
from engine.core.models import AuditEvent
from web.extensions import db

from .common import (
    SERVICE,
    StatementCounter,
    Team,
    Timings,
    add_team,
    api_get,
    bench_app,
    copy_database,
    judge,
    measure,
    require,
    scratch_dir,
    seed_drafts,
    sqlite_url,
)

PLANS = 2000
AUDIT_EVENTS = 1000
REQUESTS = 200
FIRE_P95_MS = 5.0
MAX_RATIO = 4.0
READ_P95_MS = 20.0
WORKFLOW, TRANSITION = "support_plan", "approve"
FLOOR = ("floor = per plan, one BEGIN IMMEDIATE … COMMIT on one bare Core connection: "
         "UPDATE plans, INSERT plan_versions, INSERT audit_events (10 checks, sha256-chained); "
         "no reads, no rules, no audit_head, no tasks")


class FloorWriter:
    """The rows an approval writes, with bare SQLAlchemy Core, one transaction per plan."""

    def __init__(self, connection: Connection, registry: Registry, team: Team, now: datetime):
        workflow = registry.workflow(WORKFLOW)
        rules = registry.rules_for(workflow, workflow.transitions[TRANSITION])
        self.connection, self.now = connection, now
        self.checks = [{"rule": rule.id, "text": rule.text, "passed": True, "detail": None}
                       for rule in rules]
        self.rule_pack = registry.pack_for(workflow).label
        self.author, self.manager = team.author.username, team.manager
        self.seq, self.prev_hash = 0, GENESIS

    def approve(self, plan: Row) -> None:
        """Write one plan's approval in its own transaction."""
        with self.connection.begin():
            self._update_plan(plan)
            self._insert_version(plan)
            self._insert_event(plan)

    def _update_plan(self, plan: Row) -> None:
        table = Plan.__table__
        result = self.connection.execute(
            update(table).where(table.c.id == plan.id, table.c.lock_version == plan.lock_version)
            .values(state="approved", lock_version=plan.lock_version + 1, draft=None,
                    current_version=1, updated_at=self.now))
        require(result.rowcount == 1, f"floor: plan {plan.id} was not updated")

    def _insert_version(self, plan: Row) -> None:
        self.connection.execute(insert(PlanVersion.__table__).values(
            plan_id=plan.id, number=1, content=plan.draft, editors=[self.author],
            approved_by_id=self.manager.id, approved_at=self.now))

    def _insert_event(self, plan: Row) -> None:
        self.seq += 1
        content = {
            "seq": self.seq, "at": self.now, "actor": self.manager.username,
            "actor_role": self.manager.role, "workflow": WORKFLOW, "subject_type": "plan",
            "subject_id": plan.id, "service": SERVICE, "action": "transition",
            "transition": TRANSITION, "from": "draft", "to": "approved", "outcome": "advanced",
            "checks": self.checks, "changes": [],
            "comment": None, "reason": None, "rule_pack": self.rule_pack,
            "prev_hash": self.prev_hash}
        body = canonical(content)
        self.prev_hash = event_hash(body)
        self.connection.execute(insert(AuditEvent.__table__).values(
            **{column: content[field] for field, column in PROJECTED.items()},
            seq=self.seq, prev_hash=content["prev_hash"], hash=self.prev_hash, body=body))


def main() -> None:
    """Run every part against fresh SQLite files in a temporary directory and print the figures."""
    with scratch_dir() as directory, bench_app(directory / "engine.db") as app:
        with app.app_context():
            team = add_team(db.session)
            drafts = seed_drafts(db.session, app.extensions["strengthwise"], team.author,
                                 team.author.username, PLANS)
            copy_database(directory / "engine.db", directory / "floor.db")
            # Approve an hour after drafting, so updated_at changes as it does in production.
            app.extensions["strengthwise"].clock.advance(hours=1)
            engine_run, engine_statements = fire_approvals(app, drafts, team)
            check_approved()
        floor_run, floor_statements = write_floor(directory / "floor.db", app, team)
        report_approvals(engine_run, engine_statements, floor_run, floor_statements)
        with app.app_context():
            plan_id, refused = refuse_approvals(app, team)
        print(f"approve refused (four eyes, one audit event each): {refused.describe()}")
        report_reads(app, plan_id, team.manager_token)


def fire_approvals(app: Flask, drafts: list[Plan], team: Team) -> tuple[Timings, float]:
    """Fire `approve` on each draft as the manager; the timings and SQL statements per fire."""
    engine, actor = app.extensions["strengthwise"], Actor.of(team.manager)

    def approve(plan: Plan) -> None:
        engine.fire(db.session, "plan", plan.id, TRANSITION, actor, version=plan.lock_version)

    with StatementCounter(db.engine) as counter:
        timings = measure(approve, drafts)
    return timings, counter.count / len(drafts)


def check_approved() -> None:
    """Every draft is now approved, with its frozen version."""
    approved = db.session.scalar(select(func.count()).where(Plan._state == "approved"))
    versions = db.session.scalar(select(func.count()).select_from(PlanVersion))
    require(approved == PLANS, f"{approved} of {PLANS} plans approved")
    require(versions == PLANS, f"{versions} versions for {PLANS} approvals")


def write_floor(path: Path, app: Flask, team: Team) -> tuple[Timings, float]:
    """Write the floor's rows for every draft in the copy; the timings and statements per plan."""
    sql = create_engine(sqlite_url(path))
    configure_engine(sql)  # the app's pragmas and BEGIN IMMEDIATE
    try:
        with sql.connect() as connection:
            connection.execution_options(**WRITE)
            table = Plan.__table__
            drafts = connection.execute(select(table.c.id, table.c.lock_version, table.c.draft)
                                        .where(table.c.state == "draft")
                                        .order_by(table.c.id)).all()
            connection.rollback()
            engine = app.extensions["strengthwise"]
            writer = FloorWriter(connection, engine.registry, team, engine.now())
            with StatementCounter(sql) as counter:
                timings = measure(writer.approve, drafts)
    finally:
        sql.dispose()
    return timings, counter.count / len(drafts)


def refuse_approvals(app: Flask, team: Team) -> tuple[int, Timings]:
    """A draft the manager wrote, and AUDIT_EVENTS refused approvals of it by that manager."""
    engine, actor = app.extensions["strengthwise"], Actor.of(team.manager)
    plan = seed_drafts(db.session, engine, team.manager, team.author.username, 1)[0]

    def attempt(_: Any) -> None:
        try:
            engine.fire(db.session, "plan", plan.id, TRANSITION, actor, version=plan.lock_version)
        except Blocked:
            return
        raise RuntimeError("benchmark invalid: the author's own approval was not blocked")

    return plan.id, measure(attempt, range(AUDIT_EVENTS))


def report_approvals(engine_run: Timings, engine_statements: float, floor_run: Timings,
                     floor_statements: float) -> None:
    """Print the engine against the floor, and both against the targets."""
    print(f"approve on {PLANS:,} valid drafts, one at a time, file-backed SQLite "
          "(WAL, synchronous=NORMAL, foreign_keys=ON)")
    print(f"  engine: {engine_run.describe()}")
    print(f"  floor:  {floor_run.describe()}")
    print(f"  {FLOOR}")
    print(f"  SQL statements per transition (BEGIN counted, COMMIT not): "
          f"engine {engine_statements:.1f}, floor {floor_statements:.1f}")
    print("  " + judge("engine p95", engine_run.ms(95), FIRE_P95_MS, " ms"))
    print("  " + judge("ratio engine/floor, p50", engine_run.ms(50) / floor_run.ms(50),
                       MAX_RATIO))
    print("  " + judge("ratio engine/floor, mean", engine_run.mean_ms / floor_run.mean_ms,
                       MAX_RATIO))


def report_reads(app: Flask, plan_id: int, token: str) -> None:
    """Time REQUESTS GETs of the plan's audit trail and transitions, and print their latency."""
    client = app.test_client()
    audit, transitions = f"/api/v1/plans/{plan_id}/audit", f"/api/v1/plans/{plan_id}/transitions"
    events = api_get(client, audit, token).get_json()["events"]
    require(len(events) >= AUDIT_EVENTS, f"{len(events)} audit events, not {AUDIT_EVENTS}")
    options = api_get(client, transitions, token).get_json()["transitions"]
    require(TRANSITION in {option["name"] for option in options}, "approve is not offered")
    for path, what in ((audit, f"{len(events):,} events"), (transitions, "a draft")):
        timings = time_gets(client, path, token)
        print(f"GET {path} ({what}, in-process test client): {timings.describe()}")
        print("  " + judge("p95", timings.ms(95), READ_P95_MS, " ms"))


def time_gets(client: FlaskClient, path: str, token: str) -> Timings:
    """REQUESTS timed GETs of one path."""
    return measure(lambda _: api_get(client, path, token), range(REQUESTS))
