"""The audit trail and the governance report at size: `verify_chain` over 1,000,000 hash-chained
events on file-backed SQLite, and one `strengthwise audit verify` run over them (target ≥ 200,000
events/s); the governance report of one service with 10,000 plans and 200,000 daily records
(targets: ≤ 500 ms cold, ≤ 200 ms warm median) on SQLite and, when a server answers,
PostgreSQL (run by bench/governance.py).

Every event is written as engine.audit.append writes it: the body is canonical() of the content
(the previous event's hash included) and the hash is event_hash(body).
"""
from __future__ import annotations

import gc
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.engine import Connection

import engine.care.governance as governance
from engine import load_registry, load_settings
from engine.care.governance import ReportPolicy, governance_report
from engine.care.language import vocabulary_of
from engine.care.models import (
    Competency,
    DailyRecord,
    Person,
    Plan,
    PlanVersion,
    Review,
    ReviewCycle,
    Supervision,
    record_tally_rows,
    review_date_of,
    review_rating_rows,
)
from engine.core.audit import (
    GENESIS,
    HASHED_FIELDS,
    PROJECTED,
    blocked_tally_rows,
    canonical,
    event_hash,
    verify_chain,
)
from engine.core.clock import as_utc
from engine.core.definitions import Registry
from engine.core.models import (
    AuditEvent,
    AuditHead,
    BlockedRuleTally,
    Service,
    Task,
    Timer,
    User,
    user_services,
)
from engine.care.models import RecordTally, ReviewRating
from web.extensions import db

from .common import (
    NOW,
    SERVICE,
    PostgresScratch,
    SQLiteScratch,
    app_on,
    insert_rows,
    judge,
    machine,
    measure,
    plan_content,
    postgres_server,
    require,
    scratch_dir,
    settle,
    sqlite_url,
    sync_sequences,
)

EVENTS = 1_000_000
MIN_RATE = 200_000.0             # events verified per second
CHUNK = 20_000                   # events per transaction while seeding
SERVICES = 20                    # in the verify trail
PLANS, RECORDS = 10_000, 200_000
STAFF = 120                      # active key workers of the governance service
COLD_MS, WARM_MS = 500.0, 200.0  # the governance report: first on a new engine, then again
RUNS = 9                         # warm governance reports, after one cold
TODAY = NOW.date()               # 2026-11-20, the service's date at NOW in London
ZONE = ZoneInfo("Europe/London")
# The sections of governance_report, each timed inside the warm reports.
SECTIONS = ("plans_by_state", "review_timeliness", "overdue_reviews", "interim_support",
            "task_figures", "blocking_rules", "recording_quality", "outcome_progress",
            "staff_practice", "feedback_figures")
REPORT_KEYS = ("service", "as_of", "plans_by_state", "review_timeliness", "overdue_reviews",
               "tasks", "blocking_rules", "recording_quality", "outcome_progress",
               "staff_practice")


def main() -> None:
    """Time verify over the big trail (the governance report: bench/governance.py)."""
    print(f"audit: {machine()}")
    moves = Moves(load_registry(load_settings()))
    with scratch_dir() as directory:
        bench_verify(directory / "trail.db", moves)


# --- audit events as the engine writes them --------------------------------------------------

@dataclass(frozen=True)
class Move:
    """One kind of attempt: a transition of a workflow by a role, with its outcome and the
    verdict lists its events carry (one picked per event)."""

    workflow: str
    subject_type: str
    transition: str
    source: str
    dest: str
    role: str
    outcome: str
    verdicts: tuple[tuple[dict[str, Any], ...], ...]
    comment: str | None = None
    reason: str | None = None


FAILURE_DETAIL = {
    "plan.hours-allocated": "commissioned 10.0 h/week but actions allocate 8.5 h",
    "plan.outcomes-observable": "outcome o2 has no measure",
    "plan.independent-approver": "maria edited draft 2",
    "plan.person-involved": "no date of involvement",
    "plan.restrictions-justified": "risk r2 is restrictive but has no review date",
    "review.outcomes-evidenced": "outcome o2 has no daily record since 2026-05-02",
    "review.recorded": "no review record for cycle 2",
    "review.risks-reviewed": "risk r2 not marked as reviewed",
    "reduce.person-agrees": "no recorded agreement",
    "reduce.progress-evidenced": "prompts did not fall for o1",
}


class Moves:
    """The registry's transitions as attempts, with real rule ids and texts."""

    def __init__(self, registry: Registry, seed: int = 11):
        self.registry, self.rng = registry, random.Random(seed)

    def pack(self, workflow: str) -> str:
        """The label of the rule pack the workflow's events name."""
        return self.registry.pack_for(self.registry.workflow(workflow)).label

    def rules(self, workflow: str, transition: str) -> list[Any]:
        """The rules checked before the transition."""
        definition = self.registry.workflow(workflow)
        return self.registry.rules_for(definition, definition.transitions[transition])

    def passed(self, workflow: str, transition: str) -> tuple[dict[str, Any], ...]:
        """The verdict list of an attempt every rule passed."""
        return tuple({"rule": rule.id, "text": rule.text, "passed": True, "detail": None}
                     for rule in self.rules(workflow, transition))

    def failing(self, workflow: str, transition: str,
                variants: int = 12) -> tuple[tuple[dict[str, Any], ...], ...]:
        """Verdict lists with one to three failing rules each."""
        rules, lists = self.rules(workflow, transition), []
        for _ in range(variants):
            size = min(len(rules), self.rng.choice((1, 1, 2, 3)))
            failed = {rule.id for rule in self.rng.sample(rules, size)}
            lists.append(tuple({"rule": rule.id, "text": rule.text, "passed": rule.id not in failed,
                                "detail": FAILURE_DETAIL.get(rule.id, "not recorded")
                                if rule.id in failed else None} for rule in rules))
        return tuple(lists)

    def move(self, workflow: str, transition: str, source: str, role: str,
             outcome: str = "advanced", **extra: Any) -> Move:
        """The attempt, with the verdict lists its outcome carries."""
        definition = self.registry.workflow(workflow)
        dest = definition.transitions[transition].dest
        verdicts = ((self.passed(workflow, transition),) if outcome == "advanced"
                    else self.failing(workflow, transition) if outcome == "blocked" else ((),))
        return Move(workflow, definition.subject, transition, source, dest, role, outcome,
                    verdicts, **extra)

    def trail_mix(self) -> list[tuple[Move, int]]:
        """What a year of a busy deployment attempts, with weights."""
        plan, sup, comp = "support_plan", "supervision", "competency"
        return [
            (self.move(plan, "request_approval", "draft", "staff"), 10),
            (self.move(plan, "approve", "draft", "manager"), 14),
            (self.move(plan, "approve", "draft", "manager", "blocked"), 6),
            (self.move(plan, "approve", "draft", "staff", "denied"), 2),
            (self.move(plan, "return_for_changes", "draft", "manager",
                       comment="Say how staff use her strengths at lunch"), 3),
            (self.move(plan, "activate", "approved", "manager"), 12),
            (self.move(plan, "start_review", "active", "system"), 10),
            (self.move(plan, "start_review", "active", "staff",
                       reason="Fall at home on Tuesday; needs changed"), 2),
            (self.move(plan, "complete_review", "review_due", "manager"), 12),
            (self.move(plan, "complete_review", "review_due", "manager", "blocked"), 5),
            (self.move(plan, "reduce_support", "review_due", "manager"), 3),
            (self.move(plan, "reduce_support", "review_due", "manager", "blocked"), 2),
            (self.move(plan, "revise", "review_due", "staff"), 1),
            (self.move(plan, "reinstate", "reduced_support", "manager",
                       reason="Two missed lunches in a week"), 1),
            (self.move(plan, "close", "active", "manager", reason="Moved to residential care"), 2),
            (self.move(sup, "record", "scheduled", "staff"), 5),
            (self.move(sup, "sign_off", "recorded", "manager"), 5),
            (self.move(comp, "complete_training", "enrolled", "staff"), 2),
            (self.move(comp, "sign_off", "assessed", "manager"), 1),
            (self.move(comp, "assess", "trained", "manager", "blocked"), 1),
        ]


def fields_of(move: Move, rng: random.Random, at: datetime, actor: str, subject_id: int,
              service: str, pack: str) -> dict[str, Any]:
    """The fields engine.workflow passes to audit.append for one attempt."""
    return {"at": at, "actor": actor, "actor_role": move.role, "workflow": move.workflow,
            "subject_type": move.subject_type, "subject_id": subject_id, "service": service,
            "action": "transition", "transition": move.transition, "from": move.source,
            "to": move.dest, "outcome": move.outcome, "checks": list(rng.choice(move.verdicts)),
            "changes": [],
            "comment": move.comment, "reason": move.reason, "rule_pack": pack}


class Chain:
    """Rows of audit_events exactly as engine.audit.append writes them, one after another."""

    def __init__(self) -> None:
        self.seq, self.head = 0, GENESIS

    def row(self, fields: dict[str, Any]) -> dict[str, Any]:
        """The next event's row: its canonical body, hashed, and the projected columns."""
        self.seq += 1
        content = {**fields, "seq": self.seq, "prev_hash": self.head, "at": as_utc(fields["at"])}
        body = canonical(content)
        digest = event_hash(body)
        row = {"seq": self.seq, "prev_hash": self.head, "hash": digest, "body": body,
               **{column: content[field] for field, column in PROJECTED.items()}}
        self.head = digest
        return row

    def move_head(self, connection: Connection) -> None:
        """Point audit_head at the last event."""
        table = AuditHead.__table__
        connection.execute(update(table).where(table.c.id == 1)
                           .values(seq=self.seq, hash=self.head))


def trail_fields(moves: Moves, count: int, seed: int = 2026) -> Iterator[dict[str, Any]]:
    """`count` attempts across SERVICES services over about three years, oldest first."""
    rng = random.Random(seed)
    kinds, weights = zip(*moves.trail_mix(), strict=True)
    packs = {move.workflow: moves.pack(move.workflow) for move in kinds}
    at = NOW - timedelta(days=3 * 365)
    for done in range(0, count, CHUNK):
        for move in rng.choices(kinds, weights, k=min(CHUNK, count - done)):
            at += timedelta(seconds=rng.randint(1, 170), microseconds=rng.randint(0, 999_999))
            service = rng.randint(1, SERVICES)
            actor = {"manager": f"manager-{service:02d}", "system": "system",
                     "staff": f"staff-{service:02d}-{rng.randint(1, 40)}"}[move.role]
            yield fields_of(move, rng, at, actor, rng.randint(1, 60_000),
                            f"service-{service:02d}", packs[move.workflow])


def check_rows_like_append(rows: list[dict[str, Any]]) -> None:
    """The rows are what append writes: canonical bodies of HASHED_FIELDS, hashed."""
    for row in rows:
        content = json.loads(row["body"])
        require(sorted(content) == sorted(HASHED_FIELDS),
                f"event {row['seq']} has fields {sorted(content)}")
        require(row["body"] == canonical(content), f"event {row['seq']} is not canonical")
        require(event_hash(row["body"]) == row["hash"], f"event {row['seq']} hash")


# --- part 1: audit verify --------------------------------------------------------------------

def bench_verify(path: Path, moves: Moves) -> None:
    """Seed EVENTS events at `path`, then time verify_chain in process and the CLI."""
    url = sqlite_url(path)
    print(f"audit verify: {EVENTS:,} valid hash-chained events in {SERVICES} services, "
          "file-backed SQLite (WAL, synchronous=NORMAL)")
    with app_on(url) as app, app.app_context():
        seconds = seed_trail(moves)
    size = sum(part.stat().st_size for part in path.parent.glob(path.name + "*"))
    print(f"  seeded in {seconds:.1f} s, database {size / 2**30:.2f} GiB")
    with app_on(url) as app, app.app_context():
        started = time.perf_counter()
        report = verify_chain(db.session)
        seconds = time.perf_counter() - started
        db.session.remove()
    require(report.ok, f"verify_chain failed: {report}")
    require(report.checked == EVENTS, f"verify_chain checked {report.checked} of {EVENTS}")
    print(f"  verify_chain (in process, app context, db.session): {report.checked:,} checked, "
          f"ok, {seconds:.2f} s")
    print("  " + judge("verify_chain rate", EVENTS / seconds, MIN_RATE, " events/s",
                       at_least=True))
    seconds, output = run_cli_verify(url)
    print(f"  `strengthwise audit verify` subprocess (interpreter and app start included): "
          f"{seconds:.2f} s, {output!r}")
    print("  " + judge("audit verify rate", EVENTS / seconds, MIN_RATE, " events/s",
                       at_least=True))


def seed_trail(moves: Moves) -> float:
    """EVENTS valid events, CHUNK per transaction, and the head on the last; the seconds."""
    chain, started = Chain(), time.perf_counter()
    fields = trail_fields(moves, EVENTS)
    while chain.seq < EVENTS:
        rows = [chain.row(item) for item in itertools.islice(fields, CHUNK)]
        if rows[0]["seq"] == 1:
            check_rows_like_append(rows[:200])
        with db.engine.begin() as connection:
            insert_rows(connection, AuditEvent.__table__, rows)
    with db.engine.begin() as connection:
        chain.move_head(connection)
    return time.perf_counter() - started


def run_cli_verify(url: str) -> tuple[float, str]:
    """Run `strengthwise audit verify` on `url`: its wall-clock seconds and what it printed."""
    executable = Path(sys.executable).with_name("strengthwise")
    command = [str(executable)] if executable.exists() else [sys.executable, "-m", "web.cli"]
    started = time.perf_counter()
    done = subprocess.run([*command, "audit", "verify"], capture_output=True, text=True,
                          env={**os.environ, "STRENGTHWISE_DATABASE_URL": url},
                          cwd=Path(__file__).resolve().parent.parent, check=False)
    seconds = time.perf_counter() - started
    require(done.returncode == 0, f"audit verify exited {done.returncode}: {done.stderr[-500:]}")
    expected = f"Audit chain intact: {EVENTS} events verified."
    require(expected in done.stdout, f"audit verify said {done.stdout!r}")
    return seconds, done.stdout.strip()


# --- part 2: the governance report -----------------------------------------------------------

def utc(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """`hour`:`minute` in London on `day`, in UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE).astimezone(
        timezone.utc)


def start_of(day: date) -> datetime:
    """The start of `day` in London, in UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=ZONE).astimezone(timezone.utc)


class ServiceData:
    """One service with PLANS plans in every state, their versions, review cycles, reviews,
    timers and tasks, RECORDS daily records over six months, staff with competencies and
    supervisions, and the audit trail of it all (valid, hash-chained)."""

    def __init__(self, moves: Moves, seed: int = 7):
        self.moves, self.rng = moves, random.Random(seed)
        self.tables: dict[str, list[dict[str, Any]]] = {model.name: [] for model in TABLES}
        self.attempts: list[dict[str, Any]] = []
        self.ids = {name: itertools.count(1) for name in self.tables}
        self.packs = {name: moves.pack(name) for name in ("support_plan", "supervision",
                                                          "competency")}
        self.move_cache: dict[tuple, Move] = {}
        self.vocabulary = vocabulary_of(moves.registry)
        self.outcomes: dict[int, list[str]] = {}
        self.open_plans: list[int] = []
        self._people()
        self._plans()
        self._records()
        self._staff_practice()
        self._denied()

    # who
    def _people(self) -> None:
        """The service, its manager, an auditor, STAFF key workers and five leavers."""
        self.tables["services"].append({"id": 1, "name": SERVICE, "title": "Bench service"})
        user = {"password_hash": "x", "active": True, "created_at": NOW - timedelta(days=1000)}
        self.manager = {"id": next(self.ids["users"]), "username": "manager", "role": "manager",
                        **user}
        auditor = {"id": next(self.ids["users"]), "username": "auditor", "role": "auditor",
                   **user}
        self.staff = [{"id": next(self.ids["users"]), "username": f"staff-{n:03d}",
                       "role": "staff", **user} for n in range(1, STAFF + 1)]
        leavers = [{"id": next(self.ids["users"]), "username": f"leaver-{n}", "role": "staff",
                    **user, "active": False} for n in range(1, 6)]
        self.tables["users"] = [self.manager, auditor, *self.staff, *leavers]
        self.tables["user_services"] = [{"user_id": user["id"], "service_id": 1}
                                        for user in self.tables["users"]]

    def move(self, workflow: str, transition: str, source: str, role: str,
             outcome: str = "advanced", **extra: Any) -> Move:
        """Moves.move, made once per kind of attempt."""
        key = (workflow, transition, source, role, outcome, tuple(extra.items()))
        if key not in self.move_cache:
            self.move_cache[key] = self.moves.move(workflow, transition, source, role, outcome,
                                                   **extra)
        return self.move_cache[key]

    def attempt(self, move: Move, at: datetime, actor: str, subject_id: int) -> None:
        """Record the attempt for the service's audit trail."""
        self.attempts.append(fields_of(move, self.rng, at, actor, subject_id, SERVICE,
                                       self.packs[move.workflow]))

    def task(self, **row: Any) -> dict[str, Any]:
        """Add a task of the service: `row` over the defaults."""
        row = {"id": next(self.ids["tasks"]), "workflow": "support_plan", "subject_type": "plan",
               "service_id": 1, "assignee_id": None, "role": None, "follow_up": None,
               "status": "open", "closed_at": None, "escalated_at": None, "parent_id": None,
               **row}
        if row["due"] and row["follow_up"] is None:
            row["follow_up"] = row["due"] + timedelta(days=7)
        self.tables["tasks"].append(row)
        return row

    # plans
    def _plans(self) -> None:
        """PLANS plans, their states drawn with weights."""
        states = self.rng.choices(("active", "review_due", "reduced_support", "draft",
                                   "approved", "closed"), (66, 10, 7, 6, 3, 8), k=PLANS)
        for number, state in enumerate(states, start=1):
            self._plan(number, state)

    def _plan(self, number: int, state: str) -> None:
        """One plan in `state`, its person, version and history."""
        rng = self.rng
        plan_id = next(self.ids["plans"])
        worker = rng.choice(self.staff)
        created = TODAY - timedelta(days=rng.randint(60, 900))
        approved = created + timedelta(days=rng.randint(2, 10))
        content = plan_content(worker["username"])
        if rng.random() < 0.4:
            add_third_outcome(content)
        self.outcomes[plan_id] = [outcome["id"] for outcome in content["outcomes"]]
        self.tables["people"].append({"id": plan_id, "name": f"Person {number:05d}",
                                      "service_id": 1, "created_at": utc(created, 9)})
        self._approval(plan_id, worker, created, approved)
        next_review, last_change, reviews = self._history(plan_id, state, worker, approved)
        # Reviewed plans carry the date their last review set; the others the version's.
        content["next_review_date"] = (next_review if not reviews else
                                       approved + timedelta(days=42)).isoformat()
        self.tables["plan_versions"].append({
            "id": next(self.ids["plan_versions"]), "plan_id": plan_id, "number": 1,
            "content": content, "editors": [worker["username"]],
            "approved_by_id": self.manager["id"], "approved_at": utc(approved, 12),
            "basis": "approval", "next_review_on": review_date_of(content)})
        draft = None
        if state == "draft":
            draft = {**content, "commissioned_hours_per_week": 9.0}
            if rng.random() < 0.6:
                self.task(kind="approve_plan", subject_id=plan_id, title="Approve the plan",
                          role="manager", due=last_change + timedelta(days=7),
                          created_at=utc(last_change, 15))
        self.tables["plans"].append({
            "id": plan_id, "workflow": "support_plan", "state": state,
            "lock_version": 4, "service_id": 1, "person_id": plan_id,
            "author_id": worker["id"], "draft": draft,
            "draft_number": 2 if state == "draft" else 1, "current_version": 1,
            "next_review_on": next_review if reviews and state in ("active", "reduced_support")
            else None,
            "created_at": utc(created, 9), "updated_at": utc(last_change, 16)})
        if state in ("active", "review_due", "reduced_support"):
            self.open_plans.append(plan_id)

    def _approval(self, plan_id: int, worker: dict[str, Any], created: date,
                  approved: date) -> None:
        """The request for approval, its task, perhaps a refusal, and the approval."""
        manager = self.manager["username"]
        self.attempt(self.move("support_plan", "request_approval", "draft", "staff"),
                     utc(created, 11), worker["username"], plan_id)
        self.task(kind="approve_plan", subject_id=plan_id, title="Approve the plan",
                  role="manager", due=created + timedelta(days=7), status="done",
                  created_at=utc(created, 11), closed_at=utc(approved, 12))
        if self.rng.random() < 0.3:   # refused first: a blocked approval with failing rules
            self.attempt(self.move("support_plan", "approve", "draft", "manager", "blocked"),
                         utc(approved, 11), manager, plan_id)
        self.attempt(self.move("support_plan", "approve", "draft", "manager"),
                     utc(approved, 12), manager, plan_id)

    def _history(self, plan_id: int, state: str, worker: dict[str, Any],
                 approved: date) -> tuple[date, date, int]:
        """Activation, review cycles, timers and their tasks: (next review date, the day of the
        last change, how many reviews were completed)."""
        rng, manager = self.rng, self.manager["username"]
        if state == "approved" or (state == "draft" and rng.random() < 0.7):
            return approved + timedelta(days=42), approved, 0
        activated = approved + timedelta(days=rng.randint(1, 5))
        self.attempt(self.move("support_plan", "activate", "approved", "manager"),
                     utc(activated, 14), manager, plan_id)
        due, set_at, last, reviewed = self._past_cycles(plan_id, state, worker, activated)
        if state == "review_due":
            opened = TODAY - timedelta(days=rng.randint(1, 40))
            self._cycle(plan_id, reviewed + 1, worker, set_at, opened, opened, None, None)
            return due, opened, reviewed
        if state == "closed":
            closed = last + timedelta(days=rng.randint(10, 200))
            self.attempt(self.move("support_plan", "close", "active", "manager",
                                   reason="Moved to residential care"),
                         utc(min(closed, TODAY - timedelta(days=1)), 11), manager, plan_id)
            return due, closed, reviewed
        if state in ("active", "reduced_support"):
            if not reviewed:   # the first review date is still ahead for most
                due = TODAY + timedelta(days=rng.randint(-30, 330))
            elif rng.random() < 0.05:
                due = TODAY - timedelta(days=rng.randint(1, 40))
            self.timer(plan_id, set_at, due, "pending")
        return due, last, reviewed

    def _past_cycles(self, plan_id: int, state: str, worker: dict[str, Any],
                     activated: date) -> tuple[date, datetime, date, int]:
        """Closed review cycles a year apart, the last closed within the last 14 months:
        (the next review date, when it was set, the day of the last change, how many)."""
        rng = self.rng
        cycles = rng.choice((0, 0, 1, 1, 2)) if state != "review_due" else rng.choice((0, 1))
        due = TODAY - timedelta(days=rng.randint(20, 420)) - timedelta(days=365 * (cycles - 1))
        set_at, last = utc(activated, 14), activated
        for number in range(1, cycles + 1):
            early = rng.random() < 0.15
            opened = due - timedelta(days=rng.randint(5, 30)) if early else due
            closed = opened + timedelta(days=rng.choice((3, 7, 10, 13, 14, 18, 25, 40)))
            closed = min(closed, TODAY - timedelta(days=1))
            closed_by = rng.choices(("complete_review", "reduce_support", "revise",
                                     "reinstate", "close"), (80, 8, 5, 4, 3))[0]
            if number == cycles and state == "reduced_support":
                closed_by = "reduce_support"
            self._cycle(plan_id, number, worker, set_at, due, opened, closed, closed_by)
            set_at, last = utc(closed, 15), closed
            due = closed + timedelta(days=28 if closed_by == "reduce_support" else 365)
        return due, set_at, last, cycles

    def timer(self, plan_id: int, created_at: datetime, due: date, status: str,
              fired_at: datetime | None = None) -> None:
        """A start_review timer of the plan, due at the start of `due`."""
        self.tables["timers"].append({
            "id": next(self.ids["timers"]), "workflow": "support_plan", "subject_type": "plan",
            "subject_id": plan_id, "transition": "start_review", "due_at": start_of(due),
            "subject_version": 3, "status": status, "created_at": created_at,
            "fired_at": fired_at, "result": "advanced" if fired_at else None})

    def _cycle(self, plan_id: int, number: int, worker: dict[str, Any], set_at: datetime,
               due: date, opened: date, closed: date | None, closed_by: str | None) -> None:
        """One review cycle: opened (by its timer or early), its task, review and closing."""
        opened_at = self._open_review(plan_id, worker, set_at, due, opened)
        cycle_id = next(self.ids["review_cycles"])
        self.tables["review_cycles"].append({
            "id": cycle_id, "plan_id": plan_id, "number": number, "opened_at": opened_at,
            "trigger": "the review date arrived", "evidence_since": opened - timedelta(days=365),
            "due_on": due,  # the plan's review date when it opened, as the engine writes it
            "closed_at": utc(closed, 15) if closed else None, "closed_by": closed_by})
        self._review_task(plan_id, worker, opened, opened_at, closed)
        if closed_by in ("complete_review", "reduce_support", "revise") or (
                not closed and self.rng.random() < 0.5):
            self._review(plan_id, cycle_id, worker, closed)
        if closed:
            self._close_review(plan_id, worker, closed, closed_by)

    def _open_review(self, plan_id: int, worker: dict[str, Any], set_at: datetime, due: date,
                     opened: date) -> datetime:
        """The review opened by its timer on `due`, or early by the key worker; when."""
        if opened == due:
            opened_at = start_of(opened) + timedelta(minutes=1)
            self.timer(plan_id, set_at, due, "fired", opened_at)
            self.attempt(self.move("support_plan", "start_review", "active", "system"),
                         opened_at, "system", plan_id)
            return opened_at
        self.timer(plan_id, set_at, due, "cancelled")
        opened_at = utc(opened, 11)
        self.attempt(self.move("support_plan", "start_review", "active", "staff",
                               reason="Fall at home; needs changed"),
                     opened_at, worker["username"], plan_id)
        return opened_at

    def _review_task(self, plan_id: int, worker: dict[str, Any], opened: date,
                     opened_at: datetime, closed: date | None) -> None:
        """The "complete the review" task, escalated to the manager when long overdue."""
        task_due = opened + timedelta(days=14)
        task = self.task(kind="complete_review", subject_id=plan_id,
                         title=f"Complete the review of plan {plan_id}",
                         assignee_id=worker["id"], due=task_due, created_at=opened_at,
                         status="done" if closed else self.rng.choice(("open", "claimed")),
                         closed_at=utc(closed, 15) if closed else None)
        if not closed and task_due + timedelta(days=7) < TODAY:
            task["escalated_at"] = utc(task_due + timedelta(days=7), 0)
            self.task(kind="complete_review.escalated", subject_id=plan_id,
                      title=f"Overdue since {task_due}", role="manager",
                      due=task_due + timedelta(days=7), created_at=task["escalated_at"],
                      parent_id=task["id"])

    def _review(self, plan_id: int, cycle_id: int, worker: dict[str, Any],
                closed: date | None) -> None:
        """The written review of the cycle, rating each outcome of the plan."""
        ratings = [{"outcome_id": outcome, "evidence": "prompts fell 4 → 1",
                    "rating": self.rng.choices(("achieved", "progressing", "no_change",
                                                "deteriorated"), (25, 45, 22, 8))[0]}
                   for outcome in self.outcomes[plan_id]]
        written = utc((closed or TODAY) - timedelta(days=1), 10)
        self.tables["reviews"].append({
            "id": next(self.ids["reviews"]), "cycle_id": cycle_id, "plan_id": plan_id,
            "author_id": worker["id"], "written_at": written, "updated_at": written,
            "content": {"improved": "Makes her own breakfast most days",
                        "less_support": "Breakfast: one prompt at most",
                        "new_strengths": "Plans the shopping list herself",
                        "reduce_safely": "Morning visits could drop to four a week",
                        "matters_most": "Going to the lunch club on her own",
                        "person_involved": "Chaired her review at home",
                        "involvement": {"took_part": True, "how": "in_person",
                                        "views": "I want to go to the lunch club on my own.",
                                        "advocate_present": False, "family_present": True},
                        "outcome_ratings": ratings, "risks_reviewed": ["r1", "r2"],
                        "decision": "continue", "next_review_date": "2027-06-01"}})

    def _close_review(self, plan_id: int, worker: dict[str, Any], closed: date,
                      closed_by: str | None) -> None:
        """The transition that closed the cycle, sometimes refused once first."""
        manager = self.manager["username"]
        if self.rng.random() < 0.1 and closed_by in ("complete_review", "reduce_support"):
            self.attempt(self.move("support_plan", closed_by, "review_due", "manager", "blocked"),
                         utc(closed, 14), manager, plan_id)
        extra = {"reason": "Two missed lunches"} if closed_by in ("reinstate", "close") else {}
        source = "reduced_support" if closed_by == "reinstate" else "review_due"
        role = "staff" if closed_by == "revise" else "manager"
        self.attempt(self.move("support_plan", closed_by, source, role, **extra),
                     utc(closed, 15), manager if role == "manager" else worker["username"],
                     plan_id)

    # evidence
    def _records(self) -> None:
        """RECORDS daily records on open plans over six months, about one in eight flagged."""
        rng = self.rng
        workers = {plan["id"]: plan["author_id"] for plan in self.tables["plans"]}
        for _ in range(RECORDS):
            plan_id = rng.choice(self.open_plans)
            day = TODAY - timedelta(days=rng.randint(0, 181))
            flags = self._flags() if rng.random() < 0.12 else []
            self.tables["daily_records"].append({
                "id": next(self.ids["daily_records"]), "plan_id": plan_id, "version_number": 1,
                "outcome_id": rng.choice(self.outcomes[plan_id]), "date": day,
                "observed_strength": "Remembered the recipe steps without the card",
                "support_provided": "One verbal prompt to check the hob",
                "independence_opportunity": "Chose what to cook", "next_step": "Try no prompt",
                "prompts": rng.randint(0, 4),
                "completion": rng.choice(("independent", "prompted", "assisted")),
                "note": "Refused the first offer, then chose soup" if flags else None,
                "language_flags": flags, "vocabulary": self.vocabulary.label,
                "author_id": workers[plan_id], "created_at": utc(day, 18)})

    def _flags(self) -> list[dict[str, Any]]:
        """The language flags of one flagged record: one or two vocabulary terms."""
        terms = self.rng.sample(self.vocabulary.terms, self.rng.choice((1, 1, 2)))
        return [{"term": term.id, "category": term.category, "field": "note",
                 "words": term.id.split(".")[-1], "why": term.why, "suggest": term.suggest}
                for term in terms]

    def _staff_practice(self) -> None:
        """A competency and nine supervisions, six weeks apart, for each member of staff."""
        leavers = [user for user in self.tables["users"]
                   if user["username"].startswith("leaver")]
        for worker in self.staff + leavers:
            self._competency(worker)
            scheduled = TODAY + timedelta(days=self.rng.randint(-20, 41))
            for back in range(9):
                self._supervision(worker, back, scheduled - timedelta(days=42 * back))

    def _competency(self, worker: dict[str, Any]) -> None:
        """The worker's competency in strengths-based practice, signed off if competent."""
        rng = self.rng
        state = rng.choices(("competent", "enrolled", "trained", "assessed",
                             "refresher_due"), (60, 10, 8, 7, 15))[0]
        since = TODAY - timedelta(days=rng.randint(30, 700))
        competency_id = next(self.ids["competencies"])
        self.tables["competencies"].append({
            "id": competency_id, "workflow": "competency", "state": state,
            "lock_version": 3, "service_id": 1, "worker_id": worker["id"],
            "training": {"course": "Strengths-based practice", "completed_on": "2026-01-10"},
            "assessment": None, "competent_since": since if state == "competent" else None,
            "refresher_due_on": since + timedelta(days=365), "created_at": utc(since, 9),
            "updated_at": utc(since, 9)})
        if state == "competent":
            self.attempt(self.move("competency", "sign_off", "assessed", "manager"),
                         utc(since, 12), self.manager["username"], competency_id)

    def _supervision(self, worker: dict[str, Any], back: int, day: date) -> None:
        """The worker's supervision `back` sessions ago, its tasks and audit events."""
        manager = self.manager
        state = ("scheduled" if back == 0 else
                 "recorded" if back == 1 and self.rng.random() < 0.2 else "signed_off")
        supervision_id = next(self.ids["supervisions"])
        recorded = state != "scheduled"
        self.tables["supervisions"].append({
            "id": supervision_id, "workflow": "supervision", "state": state,
            "lock_version": 3, "service_id": 1, "supervisee_id": worker["id"],
            "supervisor_id": manager["id"], "scheduled_for": day,
            "period_start": day - timedelta(days=42),
            "record": {"strengths_seen": "Waited for the person to choose"}
            if recorded else None,
            "next_due_on": day + timedelta(days=42) if state == "signed_off" else None,
            "recorded_by_id": worker["id"] if recorded else None,
            "recorded_at": utc(day, 15) if recorded else None,
            "created_at": utc(day - timedelta(days=42), 9), "updated_at": utc(day, 15)})
        if state == "scheduled":
            self.task(kind="hold_supervision", workflow="supervision",
                      subject_type="supervision", subject_id=supervision_id,
                      title=f"Supervision with {worker['username']}",
                      assignee_id=manager["id"], due=day,
                      created_at=utc(day, 9) - timedelta(days=14))
        if recorded and day < TODAY:
            self.attempt(self.move("supervision", "record", "scheduled", "staff"),
                         utc(day, 15), worker["username"], supervision_id)
        if state == "recorded":
            self.task(kind="sign_off_supervision", workflow="supervision",
                      subject_type="supervision", subject_id=supervision_id,
                      title=f"Sign off the supervision of {worker['username']}",
                      role="manager", due=day + timedelta(days=7), created_at=utc(day, 15))
        if state == "signed_off" and day < TODAY:
            self.attempt(self.move("supervision", "sign_off", "recorded", "manager"),
                         utc(min(day + timedelta(days=3), TODAY - timedelta(days=1)), 16),
                         manager["username"], supervision_id)

    def _denied(self) -> None:
        """300 approvals attempted by staff, who may not approve."""
        move = self.move("support_plan", "approve", "draft", "staff", "denied")
        for _ in range(300):
            self.attempt(move, utc(TODAY - timedelta(days=self.rng.randint(1, 700)), 13),
                         self.rng.choice(self.staff)["username"],
                         self.rng.randint(1, PLANS))

    def events(self) -> tuple[list[dict[str, Any]], Chain]:
        """The attempts as a hash chain in time order: the rows and the chain's end."""
        chain = Chain()
        rows = [chain.row(fields) for fields in sorted(self.attempts, key=lambda f: f["at"])]
        return rows, chain

    def counts(self) -> str:
        """How many rows of each kind, for the report's heading."""
        tables = self.tables
        blocked = sum(1 for attempt in self.attempts if attempt["outcome"] == "blocked")
        open_tasks = sum(1 for task in tables["tasks"] if task["status"] in ("open", "claimed"))
        return (f"{len(tables['plans']):,} plans, {len(tables['daily_records']):,} daily records "
                f"({sum(1 for r in tables['daily_records'] if r['language_flags']):,} flagged), "
                f"{len(tables['review_cycles']):,} review cycles, {len(tables['reviews']):,} "
                f"reviews, {len(tables['timers']):,} timers, {len(tables['tasks']):,} tasks "
                f"({open_tasks:,} open), {len(self.staff)} staff, "
                f"{len(tables['supervisions']):,} supervisions, {len(self.attempts):,} audit "
                f"events ({blocked:,} blocked)")


def add_third_outcome(content: dict[str, Any]) -> None:
    """A third outcome, choosing clothes, with the action that serves it."""
    content["outcomes"].append({
        "id": "o3", "statement": "Choose my own clothes each morning",
        "target": "Chooses an outfit with at most one prompt, five days a week",
        "measure": "Prompts counted in each daily record", "strength_ids": ["s2"]})
    content["actions"].append({
        "id": "a4", "outcome_id": "o3", "approach": "prompting",
        "description": "Lay out two outfits and wait", "when": "Each morning",
        "hours_per_week": 0.0})


# The seeded tables in foreign-key order.
TABLES = tuple(getattr(model, "__table__", model) for model in (
    Service, User, user_services, Person, Plan, PlanVersion, ReviewCycle, Review, Timer, Task,
    DailyRecord, Competency, Supervision))


def bench_governance(moves: Moves) -> None:
    """Seed every backend first, then let the seed data go, so the timed process holds what
    a web worker holds (a full garbage collection over 1.5 million seed objects costs ~100 ms)."""
    data = ServiceData(moves)
    events, chain = data.events()
    print(f"governance report of one service as of {TODAY}: {data.counts()}")
    server = postgres_server()
    with scratch_dir() as directory, ExitStack() as stack:
        scratches: list[SQLiteScratch | PostgresScratch] = [SQLiteScratch(directory)]
        scratches += [PostgresScratch(server)] if server else []
        urls = [stack.enter_context(scratch.database()) for scratch in scratches]
        for scratch, url in zip(scratches, urls, strict=True):
            with app_on(url) as app, app.app_context():
                seconds = seed_governance(data, events, chain)
            print(f"  {scratch.label}: seeded in {seconds:.1f} s")
        del data, events, chain
        gc.collect()
        for scratch, url in zip(scratches, urls, strict=True):
            governance_on(scratch.label, url)
    if server is None:
        print("  PostgreSQL: skipped, no server answers (set STRENGTHWISE_BENCH_POSTGRES)")


def seed_governance(data: ServiceData, events: list[dict[str, Any]], chain: Chain) -> float:
    """Load the service and its trail, settle, and check the trail verifies; the seconds."""
    started = time.perf_counter()
    with db.engine.begin() as connection:
        for table in TABLES:
            rows = data.tables[table.name]
            if table.name == "tasks":   # parents before the escalations that name them
                rows = sorted(rows, key=lambda row: row["parent_id"] is not None)
            insert_rows(connection, table, rows)
        insert_rows(connection, AuditEvent.__table__, events)
        chain.move_head(connection)
        for table, rows in tallies_of(data, events).items():
            insert_rows(connection, table, rows)
        sync_sequences(connection, (table for table in TABLES if "id" in table.c))
    settle(db.engine)
    report = verify_chain(db.session)
    require(report.ok and report.checked == len(events), f"the governance trail: {report}")
    db.session.remove()
    return time.perf_counter() - started


def tallies_of(data: ServiceData, events: list[dict[str, Any]]) -> dict[Any, list[dict]]:
    """The counters the engine keeps current as it writes these rows (record_tallies,
    review_ratings, blocked_rule_tallies), from the engine's own row functions, summed."""
    plans = {plan["id"]: plan["service_id"] for plan in data.tables["plans"]}
    records = [row for record in data.tables["daily_records"] for row in record_tally_rows(
        plans[record["plan_id"]], record["date"], record["vocabulary"],
        record["language_flags"])]
    ratings = [row for review in data.tables["reviews"]
               for row in review_rating_rows(review["id"], review["content"])]
    blocked = blocked_tally_rows([json.loads(event["body"]) for event in events
                                  if event["outcome"] == "blocked"])
    return {table.__table__: summed(table.__table__, rows) for table, rows in (
        (RecordTally, records), (ReviewRating, ratings), (BlockedRuleTally, blocked))}


def summed(table: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with one per primary key, their counts added (the first row's other values)."""
    keys = [column.name for column in table.primary_key.columns]
    by_key: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        key = tuple(row[name] for name in keys)
        if key in by_key:
            by_key[key]["count"] += row["count"]
        else:
            by_key[key] = dict(row)
    return list(by_key.values())


def governance_on(label: str, url: str) -> None:
    """Time one cold report on a new engine, then RUNS warm ones, and check the figures."""
    with app_on(url) as app, app.app_context():
        policy = ReportPolicy.from_engine(app.extensions["strengthwise"])
        cold = measure(lambda _: report_once(policy), range(1))
        with timed_sections() as sections:
            warm = measure(lambda _: report_once(policy), range(RUNS))
        report = governance_report(db.session, SERVICE, TODAY, policy)
        db.session.remove()
    median, slowest = statistics.median(warm.samples) * 1000, max(warm.samples) * 1000
    print(f"  {label} ({machine()}):")
    check_report(report)
    print(f"    governance_report: cold {cold.mean_ms:.0f} ms; warm, {RUNS} runs: "
          f"median {median:.0f} ms, max {slowest:.0f} ms")
    print("    " + judge("cold", cold.mean_ms, COLD_MS, " ms"))
    print("    " + judge("warm median", median, WARM_MS, " ms"))
    print(f"    warm max {slowest:.0f} ms (ratio to the warm target {slowest / WARM_MS:.2f})")
    print("    sections, median of the warm runs (ms): " + ", ".join(
        f"{name} {statistics.median(spent):.1f}" for name, spent in
        sorted(sections.items(), key=lambda item: -statistics.median(item[1]))))


def report_once(policy: ReportPolicy) -> None:
    """One report in its own session, as each request gets."""
    governance_report(db.session, SERVICE, TODAY, policy)
    db.session.remove()


@contextmanager
def timed_sections() -> Iterator[dict[str, list[float]]]:
    """engine.governance's section functions, each call's milliseconds kept by name."""
    spent: dict[str, list[float]] = {name: [] for name in SECTIONS}
    originals = {name: getattr(governance, name) for name in SECTIONS}
    for name, function in originals.items():
        setattr(governance, name, timing(function, spent[name]))
    try:
        yield spent
    finally:
        for name, function in originals.items():
            setattr(governance, name, function)


def timing(function: Callable[..., Any], spent: list[float]) -> Callable[..., Any]:
    """`function`, appending the milliseconds each call takes to `spent`."""
    def call(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent.append(1000 * (time.perf_counter() - started))
    return call


def check_report(report: dict[str, Any]) -> None:
    """Every section is there and not empty, and the seeded data exercises every figure."""
    empty = [key for key in REPORT_KEYS if not report.get(key)]
    require(not empty, f"report sections missing or empty: {empty}")
    require(sum(report["plans_by_state"].values()) == PLANS, "plans by state")
    figures = {
        "reviews completed (12 months)": report["review_timeliness"]["completed"],
        "late": report["review_timeliness"]["late"],
        "overdue reviews": report["overdue_reviews"]["count"],
        "open tasks": report["tasks"]["open"], "overdue tasks": report["tasks"]["overdue"],
        "blocked attempts": report["blocking_rules"]["blocked_attempts"],
        "records (90 days)": report["recording_quality"]["records"],
        "flagged": report["recording_quality"]["flagged"],
        "plans reviewed": report["outcome_progress"]["plans_reviewed"],
        "competent staff": report["staff_practice"]["training"]["competent"],
        "supervisions signed off": report["staff_practice"]["supervision"]["signed_off"],
        "overdue supervisions": report["staff_practice"]["supervision"]["overdue"],
    }
    empty = [name for name, value in figures.items() if not value]
    require(not empty, f"figures with nothing in them: {empty}")
    require(len(report["blocking_rules"]["rules"]) >= 5, "blocking rules")
    print("    figures: " + ", ".join(f"{name} {value:,}" for name, value in figures.items()))
