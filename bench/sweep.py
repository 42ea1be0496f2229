"""The sweep: fire the 1,000 due review timers among 10,000 and among 100,000 active plans, on
SQLite and PostgreSQL. The time should follow the work due, not the size of the database."""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import delete, func, select

from engine.care.models import Plan
from engine.core.models import AuditEvent, Task, Timer
from engine.core.sweep import sweep
from web.extensions import db

from .common import (
    Crew,
    PostgresScratch,
    Slot,
    SQLiteScratch,
    StatementCounter,
    add_active_plan,
    add_crews,
    add_team,
    app_on,
    copy_active_plan,
    judge,
    machine,
    on_each_backend,
    plan_content,
    require,
    settle,
)

SIZES = (10_000, 100_000)
DUE = 1_000
SERVICES, STAFF_EACH = 20, 5
RUNS = 3
# Due plans per second, per backend (issue 14).
MIN_RATE = {"sqlite": 1000.0, "postgresql": 500.0}
MAX_RATIO = 1.3
REVIEW_DAY = date.fromisoformat(plan_content("")["next_review_date"])  # 2027-01-12
# The first sweep after the reviews of REVIEW_DAY fell due at midnight in London (GMT then).
SWEEP_AT = datetime(2027, 1, 12, 0, 1, tzinfo=timezone.utc)
# What one sweep must change, per counted fact (see tally).
EXPECTED = {"plans in review_due": DUE, "timers fired": DUE, "timers pending and due": -DUE,
            "open complete_review tasks with an assignee": DUE, "advanced audit events": DUE}


@dataclass(frozen=True)
class Run:
    """One timed sweep: its duration, the CPU time this process used, the SQL statements it
    sent and the seconds the driver spent executing them."""

    seconds: float
    cpu_seconds: float
    statements: int
    sql_seconds: float


def main() -> None:
    """Seed, sweep and report each size on SQLite, then on PostgreSQL if a server answers."""
    print(f"sweep: fire the {DUE:,} due review timers among N active plans in {SERVICES} "
          "services (one plan made through the engine, the rest bulk copies of its rows; "
          "PostgreSQL VACUUM ANALYZEd after seeding), batch size from config; the median of "
          f"{RUNS} sweeps, each on a fresh copy of the seeded database")
    on_each_backend(bench_backend)


def bench_backend(scratch: SQLiteScratch | PostgresScratch) -> None:
    """Time every size on one backend and print the rates and the size ratio."""
    print(f"{scratch.label} ({machine()} before)")
    medians = {}
    for size in SIZES:
        with scratch.database() as url:
            seeded_in = seed(url, size)
            runs = []
            for _ in range(RUNS):
                with scratch.copy(url) as copy:
                    runs.append(sweep_once(copy))
        medians[size] = sorted(runs, key=lambda run: run.seconds)[len(runs) // 2]
        report_size(size, seeded_in, runs, medians[size],
                    MIN_RATE["sqlite" if isinstance(scratch, SQLiteScratch) else "postgresql"])
    small, large = SIZES
    print("  " + judge(f"time({large:,})/time({small:,})",
                       medians[large].seconds / medians[small].seconds, MAX_RATIO))
    print(f"  ({machine()} after)")


def seed(url: str, size: int) -> float:
    """`size` active plans, DUE of them due at SWEEP_AT: one made by the engine, the rest bulk
    copies of it; the seconds it took."""
    start = time.perf_counter()
    with app_on(url) as app, app.app_context():
        engine = app.extensions["strengthwise"]
        team = add_team(db.session)
        crews = add_crews(db.session, team, SERVICES, STAFF_EACH)
        template = add_active_plan(db.session, engine, team)
        require(template.state == "active", f"the template plan is {template.state}")
        # Only the plans' review timers are measured: the template's restriction (its
        # register row is not copied) keeps no timer of its own that would fall due too.
        db.session.execute(delete(Timer).where(Timer.subject_type == "restriction"))
        db.session.commit()
        copy_active_plan(db.session, engine, template.id, slots(crews, size))
        settle(db.engine)
    return time.perf_counter() - start


def slots(crews: list[Crew], size: int) -> list[Slot]:
    """Plans 1 … size-1 (plan 0 is the template, due on REVIEW_DAY): every (size/DUE)th is
    reviewed on REVIEW_DAY, the rest on one of the 364 days after."""
    stride = size // DUE
    return [slot(crews, index, 0 if index % stride == 0 else 1 + index % 364)
            for index in range(1, size)]


def slot(crews: list[Crew], index: int, days_after: int) -> Slot:
    """Plan `index`, reviewed `days_after` days after REVIEW_DAY, its service and key worker
    picked by Knuth's multiplicative hash so that the due plans are spread like the rest."""
    mixed = index * 2654435761 % 2**32
    crew = crews[mixed % len(crews)]
    return Slot(crew, crew.staff[mixed // len(crews) % len(crew.staff)],
                REVIEW_DAY + timedelta(days=days_after))


def sweep_once(url: str) -> Run:
    """Sweep the database at `url` once at SWEEP_AT, timed, and check what it did."""
    with app_on(url) as app, app.app_context():
        before = tally()
        require(before["timers pending and due"] == DUE,
                f"{before['timers pending and due']} timers due, not {DUE}")
        with StatementCounter(db.engine) as counter:
            start, cpu_start = time.perf_counter(), time.process_time()
            report = sweep(app.extensions["strengthwise"], db.session, SWEEP_AT,
                           app.config["SWEEP_BATCH_SIZE"])
            seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
        after = tally()
    require(report.count("advanced") == len(report.timers) == DUE,
            f"the sweep fired {len(report.timers)} timers, {report.count('advanced')} advanced")
    for fact, change in EXPECTED.items():
        require(after[fact] - before[fact] == change,
                f"{fact}: {before[fact]} → {after[fact]}, expected a change of {change:+}")
    return Run(seconds, cpu_seconds, counter.count, counter.seconds)


def tally() -> dict[str, int]:
    """Count what a sweep changes (the keys of EXPECTED)."""
    counts = {
        "plans in review_due": select(func.count()).where(Plan._state == "review_due"),
        "timers fired": select(func.count()).where(Timer.status == "fired"),
        "timers pending and due": select(func.count()).where(Timer.status == "pending",
                                                             Timer.due_at <= SWEEP_AT),
        "open complete_review tasks with an assignee": select(func.count()).where(
            Task.kind == "complete_review", Task.status == "open", Task.assignee_id.is_not(None)),
        "advanced audit events": select(func.count()).where(AuditEvent.outcome == "advanced"),
    }
    result = {fact: db.session.scalar(query) for fact, query in counts.items()}
    db.session.rollback()
    return result


def report_size(size: int, seeded_in: float, runs: list[Run], median: Run,
                min_rate: float) -> None:
    """Print one size's median sweep and its rate against the target, and per timer: the CPU
    time of this process, the statements sent and the time spent in the driver executing them
    (the CPU time reads past other load on the machine; PostgreSQL's own is not in it)."""
    each = ", ".join(f"{run.seconds:.2f}" for run in runs)
    print(f"  {size:,} active plans, {DUE:,} due (seeded in {seeded_in:.1f} s): sweep "
          f"{median.seconds:.2f} s median ({each})")
    print(f"    per timer: {1000 * median.seconds / DUE:.2f} ms, of which "
          f"{1000 * median.sql_seconds / DUE:.2f} ms in the driver's execute; "
          f"{1000 * median.cpu_seconds / DUE:.2f} ms CPU in this process; "
          f"{median.statements / DUE:.1f} SQL statements")
    print("    " + judge("due plans/s", DUE / median.seconds, min_rate, at_least=True))
