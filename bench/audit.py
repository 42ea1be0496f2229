"""The audit trail and the governance report at size: `audit verify` over 1,000,000 hash-chained
events (target ≥ 100,000 events/s), and the governance report of one service with 10,000 plans
and 200,000 daily records (target ≤ 500 ms), on SQLite and, when a server answers, PostgreSQL.

Every event is written as engine.audit.append writes it: the body is canonical() of the content
(the previous event's hash included) and the hash is event_hash(body); the bench checks a sample
of that before timing, and verify_chain checks all of it. When verify misses its target, the same
run takes it apart on the first PROFILE_EVENTS events: the cost of each step per event, a
cProfile of verify_chain, and measured prototypes of faster walks. When the report misses, it
shows which sections dominate, their query plans, the share of Python's garbage collector, and
measured rewrites and indexes (on the scratch databases only). Nothing here changes the engine.

STRENGTHWISE_BENCH_AUDIT_EVENTS sets a smaller trail for a quick look (the target is for 1M).
"""
from __future__ import annotations

import cProfile
import functools
import gc
import hashlib
import io
import itertools
import json
import multiprocessing
import os
import pstats
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack, closing, contextmanager
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from sqlalchemy import event, func, insert, select, text, update
from sqlalchemy.engine import Connection

import engine.audit as audit
import engine.governance as governance
from engine.audit import GENESIS, HASHED_FIELDS, PROJECTED, canonical, event_hash, verify_chain
from engine.definitions import Registry
from engine.governance import (ReportPolicy, blocking_rules, governance_report, outcome_progress,
                               overdue_reviews, plans_by_state, recording_quality,
                               review_timeliness, staff_practice, task_figures)
from engine.models import (AuditEvent, AuditHead, Competency, DailyRecord, Person, Plan,
                           PlanVersion, Review, ReviewCycle, Service, Supervision, Task, Timer,
                           User, user_services)
from web.extensions import db

from .common import (NOW, SERVICE, PostgresScratch, SQLiteScratch, app_on, judge, machine,
                     plan_content, postgres_server, require, scratch_dir, settle)

EVENTS = int(os.environ.get("STRENGTHWISE_BENCH_AUDIT_EVENTS", 1_000_000))
MIN_RATE = 100_000.0             # events verified per second
CHUNK = 20_000                   # events per executemany INSERT and per transaction
SERVICES = 20                    # in the verify trail
PROFILE_EVENTS = min(100_000, EVENTS)
PLANS, RECORDS = 10_000, 200_000
STAFF = 120                      # active key workers of the governance service
REPORT_MS = 500.0
RUNS = 5                         # warm governance reports, after one cold
TODAY = NOW.date()               # 2026-11-20, the service's date at NOW in London
ZONE = ZoneInfo("Europe/London")
# Indexes tried on the scratch governance databases only (never in the migrations).
TRIAL_INDEXES = {
    "audit_events (service, outcome, transition, at)":
        "CREATE INDEX ix_bench_audit_service ON audit_events (service, outcome, transition, at)",
    "daily_records (plan_id, date) WHERE flagged":
        "CREATE INDEX ix_bench_daily_records_flagged ON daily_records (plan_id, date) "
        "WHERE CAST(language_flags AS TEXT) != '[]'",
}
# A record with language flags; the same text as the partial index's, so the planners match.
FLAGGED = text("CAST(daily_records.language_flags AS TEXT) != '[]'")


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
        return self.registry.pack_for(self.registry.workflow(workflow)).label

    def rules(self, workflow: str, transition: str) -> list[Any]:
        definition = self.registry.workflow(workflow)
        return self.registry.rules_for(definition, definition.transitions[transition])

    def passed(self, workflow: str, transition: str) -> tuple[dict[str, Any], ...]:
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
            "transition": move.transition, "from": move.source, "to": move.dest,
            "outcome": move.outcome, "checks": list(rng.choice(move.verdicts)),
            "comment": move.comment, "reason": move.reason, "rule_pack": pack}


class Chain:
    """Rows of audit_events exactly as engine.audit.append writes them, one after another."""

    def __init__(self) -> None:
        self.seq, self.head = 0, GENESIS

    def row(self, fields: dict[str, Any]) -> dict[str, Any]:
        self.seq += 1
        content = {**fields, "seq": self.seq, "prev_hash": self.head}
        body = canonical(content)
        digest = event_hash(body)
        row = {"seq": self.seq, "prev_hash": self.head, "hash": digest, "body": body,
               **{column: content[field] for field, column in PROJECTED.items()}}
        self.head = digest
        return row

    def move_head(self, connection: Connection) -> None:
        table = AuditHead.__table__
        connection.execute(update(table).where(table.c.id == 1)
                           .values(seq=self.seq, hash=self.head))


def trail_fields(moves: Moves, count: int, seed: int = 2026) -> Iterator[dict[str, Any]]:
    """`count` attempts across SERVICES services over about three years, oldest first."""
    rng = random.Random(seed)
    mix = moves.trail_mix()
    kinds, weights = [move for move, _ in mix], [weight for _, weight in mix]
    packs = {move.workflow: moves.pack(move.workflow) for move in kinds}
    at = NOW - timedelta(days=3 * 365)
    done = 0
    while done < count:
        batch = min(CHUNK, count - done)
        for move in rng.choices(kinds, weights, k=batch):
            at += timedelta(seconds=rng.randint(1, 170), microseconds=rng.randint(0, 999_999))
            service = rng.randint(1, SERVICES)
            actor = {"manager": f"manager-{service:02d}", "system": "system",
                     "staff": f"staff-{service:02d}-{rng.randint(1, 40)}"}[move.role]
            yield fields_of(move, rng, at, actor, rng.randint(1, 60_000),
                            f"service-{service:02d}", packs[move.workflow])
        done += batch


def check_rows_like_append(rows: list[dict[str, Any]]) -> None:
    """The bench's rows are what append writes: canonical bodies of HASHED_FIELDS, hashed."""
    for row in rows:
        content = json.loads(row["body"])
        require(tuple(sorted(content)) == tuple(sorted(HASHED_FIELDS)),
                f"event {row['seq']} has fields {sorted(content)}")
        require(row["body"] == canonical(content), f"event {row['seq']} is not canonical")
        require(event_hash(row["body"]) == row["hash"], f"event {row['seq']} hash")


def insert_events(connection: Connection, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        connection.execute(insert(AuditEvent.__table__), rows[start:start + CHUNK])


# --- part 1: audit verify --------------------------------------------------------------------

@dataclass
class Seeded:
    seconds: float
    hashing: float
    size: int


def seed_trail(app: Flask, path: Path, moves: Moves) -> Seeded:
    """EVENTS valid events, CHUNK per transaction, and the head on the last."""
    chain, hashing, started = Chain(), 0.0, time.perf_counter()
    fields = trail_fields(moves, EVENTS)
    with app.app_context():
        while chain.seq < EVENTS:
            tick = time.perf_counter()
            rows = [chain.row(item) for item in itertools.islice(fields, CHUNK)]
            hashing += time.perf_counter() - tick
            if chain.seq == len(rows):
                check_rows_like_append(rows[:200])
            with db.engine.begin() as connection:
                insert_events(connection, rows)
        with db.engine.begin() as connection:
            chain.move_head(connection)
        db.engine.dispose()
    size = sum(part.stat().st_size for part in path.parent.glob(path.name + "*"))
    return Seeded(time.perf_counter() - started, hashing, size)


def bench_verify(directory: Path, moves: Moves) -> None:
    path = directory / "trail.db"
    url = f"sqlite:///{path}"
    with app_on(url) as app:
        seeded = seed_trail(app, path, moves)
    print(f"audit verify: {EVENTS:,} valid hash-chained events in {SERVICES} services, "
          "file-backed SQLite (WAL, synchronous=NORMAL), page cache warm")
    print(f"  seeded in {seeded.seconds:.1f} s ({seeded.hashing:.1f} s building canonical "
          f"bodies and hashes, {EVENTS / seeded.seconds:,.0f} events/s; "
          f"database {seeded.size / 2**30:.2f} GiB, mean body "
          f"{mean_body(path):,.0f} bytes)")
    with app_on(url) as app, app.app_context():
        started = time.perf_counter()
        report = verify_chain(db.session)
        seconds = time.perf_counter() - started
        db.session.remove()
    require(report.ok, f"verify_chain failed: {report}")
    require(report.checked == EVENTS, f"verify_chain checked {report.checked} of {EVENTS}")
    rate = EVENTS / seconds
    print(f"  verify_chain (in process, app context, db.session): {report.checked:,} checked, "
          f"ok={report.ok}, {seconds:.2f} s, {1e6 / rate:.2f} µs/event")
    print("  " + judge("verify rate", rate, MIN_RATE, " events/s", at_least=True))
    cli_seconds, output = run_cli_verify(url)
    print(f"  `strengthwise audit verify` subprocess: {cli_seconds:.2f} s wall "
          f"({EVENTS / cli_seconds:,.0f} events/s, interpreter and app start included): "
          f"{output}")
    if rate < MIN_RATE:
        with app_on(url) as app, app.app_context():
            analyse_verify(app, path, seconds)
            db.session.remove()
    with app_on(url) as app, app.app_context():
        trail_sections(app)
        db.session.remove()


def mean_body(path: Path) -> float:
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute("SELECT avg(length(body)) FROM audit_events "
                                  "WHERE seq <= 100000").fetchone()[0]


def run_cli_verify(url: str) -> tuple[float, str]:
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


# --- where verify's time goes, and what would make it faster ---------------------------------

_COLUMNS = ["seq", "prev_hash", "hash", "body", *PROJECTED.values()]
_RAW_SQL = (f"SELECT {', '.join(_COLUMNS)} FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?")
_HASH_SQL = "SELECT seq, prev_hash, hash, body FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?"


def _limited_rows(limit: int) -> Callable[..., Iterator[Any]]:
    original = audit._rows_in_order

    def rows(session: Any, batch: int) -> Iterator[Any]:
        return itertools.islice(original(session, batch), limit)
    return rows


@contextmanager
def first_events(limit: int) -> Iterator[None]:
    """verify_chain walks only the first `limit` events (its head check then fails, as it
    should: that is not timed apart)."""
    original = audit._rows_in_order
    audit._rows_in_order = _limited_rows(limit)
    try:
        yield
    finally:
        audit._rows_in_order = original


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def analyse_verify(app: Flask, path: Path, full_seconds: float) -> None:
    n = PROFILE_EVENTS
    print(f"  verify misses: taken apart on the first {n:,} events (µs per event)")
    session = db.session
    with first_events(n):
        report = verify_chain(session)
        base = best(lambda: verify_chain(session))
    require(report.checked == n, f"the limited walk checked {report.checked}")
    print(f"    verify_chain on {n:,}: {us(base, n)} µs/event, best of 2 "
          f"({n / base:,.0f}/s; the full walk {us(full_seconds, EVENTS)} µs/event)")
    breakdown(session, path, n)
    profile(session, n)
    options(session, path, n, base)


def us(seconds: float, n: int) -> str:
    return f"{1e6 * seconds / n:.2f}"


def breakdown(session: Any, path: Path, n: int) -> None:
    """Each step of the walk timed alone over the same events, results discarded as the walk
    discards them (keeping 100,000 parsed bodies alive would time the garbage collector)."""
    fetch, rows = timed(lambda: list(itertools.islice(audit._rows_in_order(session, 5000), n)))
    with closing(sqlite3.connect(path)) as raw:
        raw_fetch = timed(lambda: sum(1 for _ in raw_walk(raw, _RAW_SQL, n, 5000)))[0]
    bodies = [row.body for row in rows]
    sha = timed(lambda: each(event_hash, bodies))[0]
    sha_bytes = timed(lambda: each(lambda body: hashlib.sha256(body.encode()).digest(),
                                   bodies))[0]
    loads = timed(lambda: each(json.loads, bodies))[0]
    disagreement = timed(lambda: each(audit._disagreement, rows))[0]
    encode_at = timed(lambda: each(lambda row: audit._encode(row.at), rows))[0]
    getattrs = timed(lambda: each(lambda row: [getattr(row, column)
                                               for column in PROJECTED.values()], rows))[0]
    chain = timed(lambda: chain_only(rows))[0]
    print(f"    fetch, session.execute(select(16 columns)) in batches of 5,000: "
          f"{us(fetch, n)}  (a raw sqlite3 cursor, same SQL: {us(raw_fetch, n)})")
    print(f"    sha256, event_hash(body): {us(sha, n)}  (digest() of the encoded bytes "
          f"{us(sha_bytes, n)})")
    print(f"    _disagreement(row): {us(disagreement, n)}, of which json.loads(body) "
          f"{us(loads, n)} (orjson.loads: {orjson_loads_us(bodies)}), the rest column "
          f"comparisons: 12 getattr on the Row {us(getattrs, n)}, _encode(at) "
          f"{us(encode_at, n)}")
    print(f"    seq / prev_hash chain steps: {us(chain, n)}")


def each(call: Callable[[Any], Any], items: Iterable[Any]) -> None:
    for item in items:
        call(item)


def compare_parsed(row: Any, content: dict[str, Any]) -> bool:
    """_disagreement after its json.loads."""
    if content.get("seq") != row.seq or content.get("prev_hash") != row.prev_hash:
        return False
    for field, column in PROJECTED.items():
        value = getattr(row, column)
        if field == "at":
            value = audit._encode(value)
        if content.get(field) != value:
            return False
    return True


def chain_only(rows: list[Any]) -> int:
    expected, prev = 1, GENESIS
    for row in rows:
        if row.seq != expected or row.prev_hash != prev:
            raise RuntimeError("broken")
        prev, expected = row.hash, expected + 1
    return expected


def orjson_loads_us(bodies: list[str]) -> str:
    try:
        import orjson
    except ImportError:
        return "not installed"
    seconds = timed(lambda: each(orjson.loads, bodies))[0]
    return us(seconds, len(bodies))


def profile(session: Any, n: int) -> None:
    profiler = cProfile.Profile()
    with first_events(n):
        profiler.runcall(verify_chain, session)
    stats = pstats.Stats(profiler, stream=io.StringIO())
    total = stats.total_tt
    rows = sorted(stats.stats.items(), key=lambda item: -item[1][2])[:10]
    print(f"    cProfile of verify_chain on {n:,} (profiled: {us(total, n)} µs/event), "
          "top functions by own time, µs/event:")
    for (filename, line, name), (_, calls, own, cumulative, _) in rows:
        where = f"{Path(filename).name}:{line}" if line else filename
        print(f"      {us(own, n):>6} own {us(cumulative, n):>6} cum  {calls:>9,} calls  "
              f"{name} ({where})")


# Prototypes: each walks the same first events and raises on the first problem.

def raw_walk(connection: sqlite3.Connection, sql: str, limit: int, batch: int,
             after: int = 0) -> Iterator[tuple]:
    last, seen = after, 0
    while seen < limit:
        rows = connection.execute(sql, (last, min(batch, limit - seen))).fetchall()
        if not rows:
            return
        yield from rows
        seen += len(rows)
        last = rows[-1][0]


def stored_at(value: str) -> str:
    """SQLite's stored '2026-11-20 09:00:00.000000' as the body writes it."""
    return f"{value[:10]}T{value[11:]}Z"


@functools.lru_cache(maxsize=65536)
def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def structural(seq: int, prev_hash: str, body: str, at: str, actor: str, actor_role: str,
               workflow: str, subject_type: str, subject_id: int, service: str, transition: str,
               from_state: str, to_state: str | None, outcome: str, rule_pack: str) -> bool:
    """The projected columns and chain fields agree with the canonical body, without parsing
    it: canonical() sorts the keys and every body has exactly HASHED_FIELDS, so the body starts
    with actor, actor_role, at, checks; from, outcome, prev_hash, reason follow checks and
    comment; and it ends with rule_pack … workflow. An unescaped `"` only delimits strings, so
    `,"from":` cannot occur inside checks (whose objects have other keys) or a string."""
    head = f'{{"actor":{_json(actor)},"actor_role":{_json(actor_role)},"at":"{at}","checks":'
    middle = (f',"from":{_json(from_state)},"outcome":{_json(outcome)},'
              f'"prev_hash":"{prev_hash}","reason":')
    tail = (f',"rule_pack":{_json(rule_pack)},"seq":{seq},"service":{_json(service)},'
            f'"subject_id":{subject_id},"subject_type":{_json(subject_type)},'
            f'"to":{_json(to_state)},"transition":{_json(transition)},'
            f'"workflow":{_json(workflow)}}}')
    return (body.startswith(head) and body.endswith(tail)
            and body.find(middle, len(head)) != -1)


def walk_rows(rows: Iterable[tuple], agree: Callable[..., bool], at_text: Callable[[Any], str],
              hash_bytes: bool = False) -> tuple[int, str]:
    """The chain, hash and projection checks over (seq, prev_hash, hash, body, *PROJECTED)
    tuples; (events checked, last hash)."""
    expected, prev = 1, GENESIS
    sha256 = hashlib.sha256
    for row in rows:
        seq, prev_hash, digest, body = row[0], row[1], row[2], row[3]
        if seq != expected or prev_hash != prev:
            raise RuntimeError(f"event {seq}: chain")
        if sha256(body.encode()).hexdigest() != digest:
            raise RuntimeError(f"event {seq}: hash")
        if not agree(seq, prev_hash, body, at_text(row[4]), *row[5:]):
            raise RuntimeError(f"event {seq}: projection")
        prev, expected = digest, expected + 1
    return expected - 1, prev


def parsed_agree(loads: Callable[[str], Any]) -> Callable[..., bool]:
    fields = list(PROJECTED)[1:]

    def agree(seq: int, prev_hash: str, body: str, at: str, *values: Any) -> bool:
        content = loads(body)
        if content.get("seq") != seq or content.get("prev_hash") != prev_hash:
            return False
        if content.get("at") != at:
            return False
        return all(content.get(field) == value for field, value in zip(fields, values))
    return agree


def best(call: Callable[[], Any], times: int = 2) -> float:
    """The fastest of `times` runs, in seconds: the machine is shared, noise only adds."""
    return min(timed(call)[0] for _ in range(times))


def options(session: Any, path: Path, n: int, base: float) -> None:
    print(f"    options, each walking the same {n:,} events end to end, best of 2 "
          "(events/s, speed-up over verify_chain's best):")

    def report(label: str, seconds: float, count: int = n) -> None:
        print(f"      {label}: {count / seconds:,.0f}/s, ×{(base / n) / (seconds / count):.2f}")

    with first_events(n):
        report("verify_chain(batch=20,000)", best(lambda: verify_chain(session, batch=20_000)))

    def sa_walk(agree: Callable[..., bool]) -> int:
        rows = (tuple(row) for row in itertools.islice(audit._rows_in_order(session, 5000), n))
        checked = walk_rows(rows, agree, audit._encode)[0]
        require(checked == n, "SQLAlchemy walk")
        return checked

    report("SQLAlchemy rows unpacked as tuples, json.loads, same checks in one loop",
           best(lambda: sa_walk(parsed_agree(json.loads))))
    try:
        import orjson
    except ImportError:
        orjson = None
        print("      orjson.loads: skipped, orjson is not installed")
    if orjson:
        report("  the same with orjson.loads", best(lambda: sa_walk(parsed_agree(orjson.loads))))
    report("SQLAlchemy rows, no parse (structural comparison of the canonical body)",
           best(lambda: sa_walk(structural)))
    with closing(sqlite3.connect(path)) as raw:
        def raw_run(agree: Callable[..., bool], batch: int = 20_000) -> int:
            checked, _ = walk_rows(raw_walk(raw, _RAW_SQL, n, batch), agree, stored_at)
            require(checked == n, "raw walk")
            return checked

        report("raw sqlite3 rows, json.loads", best(lambda: raw_run(parsed_agree(json.loads))))
        if orjson:
            report("raw sqlite3 rows, orjson.loads",
                   best(lambda: raw_run(parsed_agree(orjson.loads))))
        report("raw sqlite3 rows, no parse", best(lambda: raw_run(structural)))
        report("SQL-side projections (json_extract) + raw hash walk of 4 columns",
               best(lambda: sql_side(raw, n)))
    seconds, checked = timed(lambda: parallel_verify(path, EVENTS, 2))
    report(f"2 processes over seq ranges, raw rows, no parse, link checked at the seam "
           f"(all {EVENTS:,} events, once)", seconds, checked)


def sql_side(raw: sqlite3.Connection, n: int) -> int:
    """Projections compared by SQLite's JSON functions; Python only hashes and links."""
    fields = [f"json_extract(body, '$.{field}') IS NOT {column}"
              for field, column in PROJECTED.items() if field != "at"]
    fields += ["json_extract(body, '$.at') IS NOT "
               "(substr(at, 1, 10) || 'T' || substr(at, 12) || 'Z')",
               "json_extract(body, '$.seq') IS NOT seq",
               "json_extract(body, '$.prev_hash') IS NOT prev_hash"]
    bad = raw.execute(f"SELECT min(seq) FROM audit_events WHERE seq <= ? AND "
                      f"({' OR '.join(fields)})", (n,)).fetchone()[0]
    require(bad is None, f"event {bad} disagrees")
    expected, prev = 1, GENESIS
    sha256 = hashlib.sha256
    for seq, prev_hash, digest, body in raw_walk(raw, _HASH_SQL, n, 20_000):
        if seq != expected or prev_hash != prev or sha256(body.encode()).hexdigest() != digest:
            raise RuntimeError(f"event {seq}")
        prev, expected = digest, expected + 1
    return expected - 1


def _verify_range(task: tuple[str, int, int]) -> tuple[int, str, str, int]:
    """Walk seq first..last: (first seq, its prev_hash, the last hash, events checked)."""
    path, first, last = task
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as raw:
        rows = raw_walk(raw, _RAW_SQL, last - first + 1, 20_000, after=first - 1)
        head = next(rows)
        expected, prev, count = first, head[1], 0
        sha256 = hashlib.sha256
        for row in itertools.chain((head,), rows):
            seq, prev_hash, digest, body = row[0], row[1], row[2], row[3]
            if seq != expected or prev_hash != prev:
                raise RuntimeError(f"event {seq}: chain")
            if sha256(body.encode()).hexdigest() != digest:
                raise RuntimeError(f"event {seq}: hash")
            if not structural(seq, prev_hash, body, stored_at(row[4]), *row[5:]):
                raise RuntimeError(f"event {seq}: projection")
            prev, expected, count = digest, expected + 1, count + 1
    return first, head[1], prev, count


def parallel_verify(path: Path, total: int, workers: int) -> int:
    """Split 1..total into ranges, verify each in its own process, then check that each range
    starts from the hash its predecessor ended on (the first from GENESIS) and the head."""
    size = -(-total // workers)
    tasks = [(str(path), start, min(total, start + size - 1))
             for start in range(1, total + 1, size)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        parts = pool.map(_verify_range, tasks)
    prev = GENESIS
    for first, first_prev, last_hash, _ in sorted(parts):
        require(first_prev == prev, f"event {first} does not follow the range before it")
        prev = last_hash
    with closing(sqlite3.connect(path)) as raw:
        head = raw.execute("SELECT seq, hash FROM audit_head").fetchone()
    checked = sum(part[3] for part in parts)
    require(head == (checked, prev), "the head does not name the last event")
    return checked


def trail_sections(app: Flask) -> None:
    """blocking_rules, the governance figure that reads bodies of audit_events, against the
    whole trail: its filter (service, outcome) has no index, so it scans every event."""
    session, service = db.session, "service-01"
    blocked = session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.service == service, AuditEvent.outcome == "blocked"))
    blocking_rules(session, service)
    before = timed(lambda: blocking_rules(session, service))[0]
    session.remove()   # its read snapshot predates the index
    with db.engine.begin() as connection:
        build = timed(lambda: connection.execute(text(
            TRIAL_INDEXES["audit_events (service, outcome, transition, at)"])))[0]
    blocking_rules(session, service)
    after = timed(lambda: blocking_rules(session, service))[0]
    print(f"  governance blocking_rules over this {EVENTS:,}-event trail for {service} "
          f"({blocked:,} blocked events): {1000 * before:.0f} ms; with a trial index "
          f"audit_events (service, outcome, transition, at), built in {build:.1f} s: "
          f"{1000 * after:.0f} ms")


# --- part 2: the governance report -----------------------------------------------------------

def utc(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE).astimezone(
        timezone.utc)


def start_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=ZONE).astimezone(timezone.utc)


class ServiceData:
    """One service with PLANS plans in every state, their versions, review cycles, reviews,
    timers and tasks, RECORDS daily records over six months, staff with competencies and
    supervisions, and the audit trail of it all (valid, hash-chained)."""

    def __init__(self, moves: Moves, seed: int = 7):
        self.moves, self.rng = moves, random.Random(seed)
        self.tables: dict[str, list[dict[str, Any]]] = {name: [] for name in (
            "services", "users", "user_services", "people", "plans", "plan_versions",
            "review_cycles", "reviews", "timers", "tasks", "daily_records", "competencies",
            "supervisions")}
        self.attempts: list[dict[str, Any]] = []
        self.ids = {name: itertools.count(1) for name in self.tables}
        self.packs = {name: moves.pack(name) for name in ("support_plan", "supervision",
                                                          "competency")}
        self.move_cache: dict[tuple, Move] = {}
        self.vocabulary = moves.registry.vocabulary
        self._people()
        self._plans()
        self._records()
        self._staff_practice()
        self._denied()

    # who
    def _people(self) -> None:
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
        key = (workflow, transition, source, role, outcome, tuple(extra.items()))
        if key not in self.move_cache:
            self.move_cache[key] = self.moves.move(workflow, transition, source, role, outcome,
                                                   **extra)
        return self.move_cache[key]

    def attempt(self, move: Move, at: datetime, actor: str, subject_id: int) -> None:
        self.attempts.append(fields_of(move, self.rng, at, actor, subject_id, SERVICE,
                                       self.packs[move.workflow]))

    def task(self, **row: Any) -> dict[str, Any]:
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
        rng, manager = self.rng, self.manager["username"]
        states = rng.choices(("active", "review_due", "reduced_support", "draft", "approved",
                              "closed"), (66, 10, 7, 6, 3, 8), k=PLANS)
        self.outcomes: dict[int, list[str]] = {}
        self.open_plans: list[int] = []
        for number, state in enumerate(states, start=1):
            plan_id = next(self.ids["plans"])
            worker = rng.choice(self.staff)
            created = TODAY - timedelta(days=rng.randint(60, 900))
            approved = created + timedelta(days=rng.randint(2, 10))
            content = plan_content(worker["username"])
            if rng.random() < 0.4:
                content["outcomes"].append({
                    "id": "o3", "statement": "Choose my own clothes each morning",
                    "target": "Chooses an outfit with at most one prompt, five days a week",
                    "measure": "Prompts counted in each daily record", "strength_ids": ["s2"]})
                content["actions"].append({
                    "id": "a4", "outcome_id": "o3", "approach": "prompting",
                    "description": "Lay out two outfits and wait", "when": "Each morning",
                    "hours_per_week": 0.0})
            self.outcomes[plan_id] = [outcome["id"] for outcome in content["outcomes"]]
            self.tables["people"].append({"id": plan_id, "name": f"Person {number:05d}",
                                          "service_id": 1, "created_at": utc(created, 9)})
            self.attempt(self.move("support_plan", "request_approval", "draft", "staff"),
                         utc(created, 11), worker["username"], plan_id)
            self.task(kind="approve_plan", subject_id=plan_id, title="Approve the plan",
                      role="manager", due=created + timedelta(days=7), status="done",
                      created_at=utc(created, 11), closed_at=utc(approved, 12))
            if rng.random() < 0.3:   # refused first: a blocked approval with failing rules
                self.attempt(self.move("support_plan", "approve", "draft", "manager", "blocked"),
                             utc(approved, 11), manager, plan_id)
            self.attempt(self.move("support_plan", "approve", "draft", "manager"),
                         utc(approved, 12), manager, plan_id)
            next_review, last_change, version_number = self._history(
                plan_id, state, worker, approved)
            content["next_review_date"] = (approved + timedelta(days=42)).isoformat()
            next_review_on = next_review if version_number else None
            if not version_number:   # never reviewed: the version's date stands
                content["next_review_date"] = next_review.isoformat()
            self.tables["plan_versions"].append({
                "id": next(self.ids["plan_versions"]), "plan_id": plan_id, "number": 1,
                "content": content, "editors": [worker["username"]],
                "approved_by_id": self.manager["id"], "approved_at": utc(approved, 12),
                "basis": "approval"})
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
                "next_review_on": next_review_on if state in ("active", "reduced_support")
                else None,
                "created_at": utc(created, 9), "updated_at": utc(last_change, 16)})
            if state in ("active", "review_due", "reduced_support"):
                self.open_plans.append(plan_id)

    def _history(self, plan_id: int, state: str, worker: dict[str, Any],
                 approved: date) -> tuple[date, date, int]:
        """Activation, review cycles, timers and their tasks: (next review date, the day of the
        last change, how many reviews set the date (0: the version's date stands))."""
        rng, manager = self.rng, self.manager["username"]
        if state == "approved" or (state == "draft" and rng.random() < 0.7):
            return approved + timedelta(days=42), approved, 0
        activated = approved + timedelta(days=rng.randint(1, 5))
        self.attempt(self.move("support_plan", "activate", "approved", "manager"),
                     utc(activated, 14), manager, plan_id)
        cycles = rng.choice((0, 0, 1, 1, 2)) if state != "review_due" else rng.choice((0, 1))
        # Reviews fall due a year apart, the last closed within the last 14 months.
        due = TODAY - timedelta(days=rng.randint(20, 420)) - timedelta(days=365 * (cycles - 1))
        set_at, last, reviewed = utc(activated, 14), activated, 0
        for number in range(1, cycles + 1):
            early = rng.random() < 0.15
            opened = due - timedelta(days=rng.randint(5, 30)) if early else due
            closed = opened + timedelta(days=rng.choice((3, 7, 10, 13, 14, 18, 25, 40)))
            if closed >= TODAY:
                closed = TODAY - timedelta(days=1)
            closed_by = rng.choices(("complete_review", "reduce_support", "revise",
                                     "reinstate", "close"), (80, 8, 5, 4, 3))[0]
            if number == cycles and state == "reduced_support":
                closed_by = "reduce_support"
            self._cycle(plan_id, number, worker, set_at, due, opened, closed, closed_by)
            set_at, last, reviewed = utc(closed, 15), closed, reviewed + 1
            due = closed + timedelta(days=28 if closed_by == "reduce_support" else 365)
        if state == "review_due":
            opened = TODAY - timedelta(days=rng.randint(1, 40))
            self._cycle(plan_id, cycles + 1, worker, set_at, opened, opened, None, None)
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

    def timer(self, plan_id: int, created_at: datetime, due: date, status: str,
              fired_at: datetime | None = None) -> None:
        self.tables["timers"].append({
            "id": next(self.ids["timers"]), "workflow": "support_plan", "subject_type": "plan",
            "subject_id": plan_id, "transition": "start_review", "due_at": start_of(due),
            "subject_version": 3, "status": status, "created_at": created_at,
            "fired_at": fired_at, "result": "advanced" if fired_at else None})

    def _cycle(self, plan_id: int, number: int, worker: dict[str, Any], set_at: datetime,
               due: date, opened: date, closed: date | None, closed_by: str | None) -> None:
        rng, manager = self.rng, self.manager["username"]
        opened_at = start_of(opened) + timedelta(minutes=1)
        if opened == due:
            self.timer(plan_id, set_at, due, "fired", opened_at)
            self.attempt(self.move("support_plan", "start_review", "active", "system"),
                         opened_at, "system", plan_id)
        else:
            self.timer(plan_id, set_at, due, "cancelled")
            opened_at = utc(opened, 11)
            self.attempt(self.move("support_plan", "start_review", "active", "staff",
                                   reason="Fall at home; needs changed"),
                         opened_at, worker["username"], plan_id)
        cycle_id = next(self.ids["review_cycles"])
        self.tables["review_cycles"].append({
            "id": cycle_id, "plan_id": plan_id, "number": number, "opened_at": opened_at,
            "trigger": "the review date arrived", "evidence_since": opened - timedelta(days=365),
            "closed_at": utc(closed, 15) if closed else None, "closed_by": closed_by})
        task_due = opened + timedelta(days=14)
        task = self.task(kind="complete_review", subject_id=plan_id,
                         title=f"Complete the review of plan {plan_id}",
                         assignee_id=worker["id"], due=task_due, created_at=opened_at,
                         status="done" if closed else rng.choice(("open", "claimed")),
                         closed_at=utc(closed, 15) if closed else None)
        if not closed and task_due + timedelta(days=7) < TODAY:
            task["escalated_at"] = utc(task_due + timedelta(days=7), 0)
            self.task(kind="complete_review.escalated", subject_id=plan_id,
                      title=f"Overdue since {task_due}", role="manager",
                      due=task_due + timedelta(days=7), created_at=task["escalated_at"],
                      parent_id=task["id"])
        if closed_by in ("complete_review", "reduce_support", "revise") or (
                not closed and rng.random() < 0.5):
            ratings = [{"outcome_id": outcome, "evidence": "prompts fell 4 → 1",
                        "rating": rng.choices(("achieved", "progressing", "no_change",
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
                            "outcome_ratings": ratings, "risks_reviewed": ["r1", "r2"],
                            "decision": "continue", "next_review_date": "2027-06-01"}})
        if closed:
            source = "review_due"
            if rng.random() < 0.1 and closed_by in ("complete_review", "reduce_support"):
                self.attempt(self.move("support_plan", closed_by, source, "manager", "blocked"),
                             utc(closed, 14), manager, plan_id)
            extra = {"reason": "Two missed lunches"} if closed_by in ("reinstate", "close") \
                else {}
            source = "reduced_support" if closed_by == "reinstate" else source
            role = "staff" if closed_by == "revise" else "manager"
            self.attempt(self.move("support_plan", closed_by, source, role, **extra),
                         utc(closed, 15), manager if role == "manager" else worker["username"],
                         plan_id)

    # evidence
    def _records(self) -> None:
        rng, terms = self.rng, self.vocabulary.terms
        workers = {plan["id"]: plan["author_id"] for plan in self.tables["plans"]}
        label = self.vocabulary.label
        for _ in range(RECORDS):
            plan_id = rng.choice(self.open_plans)
            day = TODAY - timedelta(days=rng.randint(0, 181))
            flags = []
            if rng.random() < 0.12:
                for term in rng.sample(terms, rng.choice((1, 1, 2))):
                    flags.append({"term": term.id, "category": term.category,
                                  "field": "note", "words": term.id.split(".")[-1],
                                  "why": term.why, "suggest": term.suggest})
            self.tables["daily_records"].append({
                "id": next(self.ids["daily_records"]), "plan_id": plan_id, "version_number": 1,
                "outcome_id": rng.choice(self.outcomes[plan_id]), "date": day,
                "observed_strength": "Remembered the recipe steps without the card",
                "support_provided": "One verbal prompt to check the hob",
                "independence_opportunity": "Chose what to cook", "next_step": "Try no prompt",
                "prompts": rng.randint(0, 4),
                "completion": rng.choice(("independent", "prompted", "assisted")),
                "note": "Refused the first offer, then chose soup" if flags else None,
                "language_flags": flags, "vocabulary": label, "author_id": workers[plan_id],
                "created_at": utc(day, 18)})

    def _staff_practice(self) -> None:
        rng, manager = self.rng, self.manager
        for worker in self.staff + [user for user in self.tables["users"]
                                    if user["username"].startswith("leaver")]:
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
                             utc(since, 12), manager["username"], competency_id)
            scheduled = TODAY + timedelta(days=rng.randint(-20, 41))
            for back in range(9):
                day = scheduled - timedelta(days=42 * back)
                state = ("scheduled" if back == 0 else
                         "recorded" if back == 1 and rng.random() < 0.2 else "signed_off")
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
                    "created_at": utc(day - timedelta(days=42), 9),
                    "updated_at": utc(day, 15)})
                if state == "scheduled":
                    self.task(kind="hold_supervision", workflow="supervision",
                              subject_type="supervision", subject_id=supervision_id,
                              title=f"Supervision with {worker['username']}",
                              assignee_id=manager["id"], due=day, created_at=utc(day, 9)
                              - timedelta(days=14))
                if recorded and day < TODAY:
                    self.attempt(self.move("supervision", "record", "scheduled", "staff"),
                                 utc(day, 15), worker["username"], supervision_id)
                if state == "recorded":
                    self.task(kind="sign_off_supervision", workflow="supervision",
                              subject_type="supervision", subject_id=supervision_id,
                              title=f"Sign off the supervision of {worker['username']}",
                              role="manager", due=day + timedelta(days=7),
                              created_at=utc(day, 15))
                if state == "signed_off" and day < TODAY:
                    self.attempt(self.move("supervision", "sign_off", "recorded", "manager"),
                                 utc(min(day + timedelta(days=3), TODAY - timedelta(days=1)),
                                     16), manager["username"], supervision_id)

    def _denied(self) -> None:
        move = self.move("support_plan", "approve", "draft", "staff", "denied")
        for _ in range(300):
            self.attempt(move, utc(TODAY - timedelta(days=self.rng.randint(1, 700)), 13),
                         self.rng.choice(self.staff)["username"],
                         self.rng.randint(1, PLANS))

    def events(self) -> tuple[list[dict[str, Any]], Chain]:
        chain = Chain()
        rows = [chain.row(fields) for fields in sorted(self.attempts, key=lambda f: f["at"])]
        return rows, chain

    def counts(self) -> str:
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


_ORDER = {"services": Service, "users": User, "user_services": user_services, "people": Person,
          "plans": Plan, "plan_versions": PlanVersion, "review_cycles": ReviewCycle,
          "reviews": Review, "timers": Timer, "tasks": Task, "daily_records": DailyRecord,
          "competencies": Competency, "supervisions": Supervision}


def load(connection: Connection, data: ServiceData, events: list[dict[str, Any]],
         chain: Chain) -> None:
    for name, model in _ORDER.items():
        table = getattr(model, "__table__", model)
        rows = data.tables[name]
        if name == "tasks":   # parents before the escalations that name them
            rows = sorted(rows, key=lambda row: row["parent_id"] is not None)
        for start in range(0, len(rows), CHUNK):
            connection.execute(insert(table), rows[start:start + CHUNK])
    insert_events(connection, events)
    chain.move_head(connection)
    if connection.dialect.name == "postgresql":
        for name in _ORDER:
            if name != "user_services":
                connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT max(id) FROM {name}))"))


SECTIONS: dict[str, Callable[[Any, Any, ReportPolicy], Any]] = {
    "plans_by_state": lambda s, svc, p: plans_by_state(s, svc.id, p.states),
    "review_timeliness": lambda s, svc, p: review_timeliness(s, svc.id, TODAY, p),
    "overdue_reviews": lambda s, svc, p: overdue_reviews(s, svc.id, TODAY),
    "task_figures": lambda s, svc, p: task_figures(s, svc.id, TODAY),
    "blocking_rules": lambda s, svc, p: blocking_rules(s, svc.name, p.top_rules),
    "recording_quality": lambda s, svc, p: recording_quality(
        s, svc.id, TODAY, p.recording_window_days, p.top_terms),
    "outcome_progress": lambda s, svc, p: outcome_progress(s, svc.id),
    "staff_practice": lambda s, svc, p: staff_practice(s, svc, TODAY, p.zone),
}


def bench_governance(moves: Moves) -> None:
    """Seed every backend first, then let the seed data go, so the timed process holds what
    a web worker holds (a full garbage collection over 1.5 million seed objects costs ~100 ms)."""
    data = ServiceData(moves)
    events, chain = data.events()
    print(f"governance report of one service as of {TODAY}: {data.counts()}")
    server = postgres_server()
    with scratch_dir() as directory, ExitStack() as stack:
        backends: list[tuple[SQLiteScratch | PostgresScratch, str]] = []
        for scratch in [SQLiteScratch(directory)] + ([PostgresScratch(server)] if server else []):
            url = stack.enter_context(scratch.database())
            started = time.perf_counter()
            with app_on(url) as app, app.app_context():
                seed_governance(data, events, chain)
            seconds = time.perf_counter() - started
            print(f"  {scratch.label}: seeded in {seconds:.1f} s"
                  f"{', then VACUUM ANALYZE' if isinstance(scratch, PostgresScratch) else ''}")
            backends.append((scratch, url))
        del data, events, chain
        gc.collect()
        for scratch, url in backends:
            governance_on(scratch.label, url)
    if server is None:
        print("  PostgreSQL: skipped, no server answers (set STRENGTHWISE_BENCH_POSTGRES)")


def governance_on(label: str, url: str) -> None:
    with app_on(url) as app, app.app_context():   # a new engine: the first report is cold
        cold, warm, sections = time_reports(app)
        print(f"  {label}:")
        check_figures(governance_report(db.session, SERVICE, TODAY, policy_of(app)))
        db.session.remove()
        print(f"    governance_report: cold {cold:.0f} ms; warm, {RUNS} runs: "
              f"median {statistics.median(warm):.0f} ms, max {max(warm):.0f} ms")
        print("    " + judge("warm median", statistics.median(warm), REPORT_MS, " ms"))
        print("    " + judge("warm max", max(warm), REPORT_MS, " ms"))
        print("    sections, each timed inside the warm reports (median, ms): "
              + ranked(sections))
        explain_dominant(app, sections)
        gc_share(app, statistics.median(warm))
        rewrites(app, sections)
        try_indexes(app, sections)
        db.session.remove()


def ranked(sections: dict[str, float]) -> str:
    return ", ".join(f"{name} {ms:.1f}"
                     for name, ms in sorted(sections.items(), key=lambda item: -item[1]))


def seed_governance(data: ServiceData, events: list[dict[str, Any]], chain: Chain) -> None:
    with db.engine.begin() as connection:
        load(connection, data, events, chain)
    settle(db.engine)
    require(verify_chain(db.session).ok, "the governance trail does not verify")
    db.session.remove()


def check_figures(report: dict[str, Any]) -> None:
    """The seeded data exercises every figure."""
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


def policy_of(app: Flask) -> ReportPolicy:
    return ReportPolicy.from_engine(app.extensions["strengthwise"])


def report_ms() -> float:
    db.session.remove()   # each report in a new session, as each request gets
    seconds = timed(lambda: governance_report(db.session, SERVICE, TODAY, policy_of(
        current_app)))[0]
    return 1000 * seconds


def time_reports(app: Flask, runs: int = RUNS,
                 cold: bool = True) -> tuple[float, list[float], dict[str, float]]:
    """One cold report (a new engine, its first), then `runs` warm ones in which each section
    function is timed by wrapping it in engine.governance: (cold ms, warm ms, median ms of
    each section over the warm runs)."""
    first = report_ms() if cold else 0.0
    spent: dict[str, list[float]] = {name: [] for name in SECTIONS}
    originals = {name: getattr(governance, name) for name in SECTIONS}

    def wrapped(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name].append(1000 * (time.perf_counter() - started))
        return call

    for name, function in originals.items():
        setattr(governance, name, wrapped(name, function))
    try:
        warm = [report_ms() for _ in range(runs)]
    finally:
        for name, function in originals.items():
            setattr(governance, name, function)
    db.session.remove()
    return first, warm, {name: statistics.median(samples) for name, samples in spent.items()}


def captured(app: Flask, name: str) -> list[tuple[str, Any]]:
    """The statements a section sends, with their parameters."""
    statements: list[tuple[str, Any]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))

    service = db.session.scalar(select(Service).where(Service.name == SERVICE))
    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        SECTIONS[name](db.session, service, policy_of(app))
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    db.session.remove()
    return statements


def explain_dominant(app: Flask, sections: dict[str, float]) -> None:
    total = sum(sections.values())
    dominant = [name for name, ms in sorted(sections.items(), key=lambda item: -item[1])
                if ms >= 0.1 * total][:4]
    postgres = db.engine.dialect.name == "postgresql"
    for name in dominant:
        print(f"    {name}: {sections[name]:.0f} ms ({100 * sections[name] / total:.0f}% of "
              f"the sections); {'EXPLAIN ANALYZE' if postgres else 'EXPLAIN QUERY PLAN'} of "
              "its queries:")
        for statement, parameters in captured(app, name):
            first = " ".join(statement.split())[:130]
            prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
            with db.engine.connect() as connection:
                plan = connection.exec_driver_sql(prefix + statement, parameters).all()
            print(f"      {first}{'…' if len(statement) > 130 else ''}")
            lines = [row[0] for row in plan] if postgres else [row[-1] for row in plan]
            if postgres:   # the plan's top line, its scans and the totals
                lines = [lines[0]] + [line for line in lines[1:] if "Scan" in line
                                      or "Time:" in line]
            for line in lines[:10]:
                print(f"        {line.strip()[:130]}{'…' if len(line.strip()) > 130 else ''}")


def gc_share(app: Flask, warm_median: float) -> None:
    """The same reports with Python's cyclic garbage collector off: its share of the time."""
    gc.collect()
    gc.disable()
    try:
        samples = [report_ms() for _ in range(3)]
    finally:
        gc.enable()
    print(f"    the same report with gc disabled: median {statistics.median(samples):.0f} ms "
          f"(the collector's share ≈ {warm_median - statistics.median(samples):.0f} ms: the "
          "report keeps ~100k parsed JSON lists and ~14k ORM objects alive while it runs)")


def rewrites(app: Flask, sections: dict[str, float]) -> None:
    """Rewrites of the costliest sections, each checked to return exactly what the engine's
    function returns, timed in the same way (median of 3)."""
    policy = policy_of(app)
    service = db.session.scalar(select(Service).where(Service.name == SERVICE))
    service_id = service.id
    candidates = [
        ("recording_quality", "counts in SQL, only flagged records' flags fetched",
         lambda: recording_quality_rewrite(db.session, service_id, TODAY)),
        ("overdue_reviews", "next_review_date extracted in SQL, not whole versions loaded",
         lambda: overdue_reviews_rewrite(db.session, service_id, TODAY)),
        ("review_timeliness", "Core rows (columns) instead of ReviewCycle and Timer objects",
         lambda: review_timeliness_rewrite(db.session, service_id, TODAY, policy)),
        ("outcome_progress", "only each plan's latest review, only its outcome_ratings",
         lambda: outcome_progress_rewrite(db.session, service_id)),
    ]
    saved = 0.0
    for name, how, call in candidates:
        db.session.remove()
        service = db.session.scalar(select(Service).where(Service.name == SERVICE))
        expected = SECTIONS[name](db.session, service, policy)
        require(call() == expected, f"the {name} rewrite returns something else")
        samples = []
        for _ in range(3):
            db.session.remove()
            samples.append(1000 * timed(call)[0])
        after = statistics.median(samples)
        saved += sections[name] - after
        print(f"    rewrite {name} ({how}): {sections[name]:.0f} → {after:.0f} ms")
    print(f"    the four rewrites together save ≈ {saved:.0f} ms of the report")
    db.session.remove()


def recording_quality_rewrite(session: Any, service_id: int, today: date) -> dict[str, Any]:
    """Count the window's records from the index; fetch and parse only the flagged ones."""
    since = today - timedelta(days=89)
    where = (Plan.service_id == service_id, DailyRecord.date >= since, DailyRecord.date <= today)
    records = session.scalar(select(func.count()).select_from(DailyRecord)
                             .join(Plan, DailyRecord.plan_id == Plan.id).where(*where))
    flag_lists = session.scalars(select(DailyRecord.language_flags)
                                 .join(Plan, DailyRecord.plan_id == Plan.id)
                                 .where(*where, FLAGGED)).all()
    terms: Counter[str] = Counter()
    categories: dict[str, str] = {}
    for flags in flag_lists:
        for flag in {flag["term"]: flag for flag in flags}.values():
            terms[flag["term"]] += 1
            categories[flag["term"]] = flag.get("category", "")
    clean = records - len(flag_lists)
    ranked_terms = sorted(terms.items(), key=lambda item: (-item[1], item[0]))[:10]
    return {"from": since.isoformat(), "to": today.isoformat(), "window_days": 90,
            "records": records, "clean": clean, "flagged": len(flag_lists),
            "clean_share": round(clean / records, 3) if records else None,
            "top_terms": [{"term": term, "category": categories[term], "records": count}
                          for term, count in ranked_terms]}


def overdue_reviews_rewrite(session: Any, service_id: int, today: date) -> dict[str, Any]:
    """overdue_reviews reading only next_review_date from the version in force."""
    from engine.governance import AWAITING_REVIEW, _in_review_past_task_due, _overdue
    rows = session.execute(
        select(Plan.id, Person.name, Plan._state, Plan.next_review_on,
               PlanVersion.content["next_review_date"].as_string())
        .join(Person, Plan.person_id == Person.id)
        .outerjoin(PlanVersion, (PlanVersion.plan_id == Plan.id)
                   & (PlanVersion.number == Plan.current_version))
        .where(Plan.service_id == service_id, Plan._state.in_(AWAITING_REVIEW))).all()
    plans = _in_review_past_task_due(session, service_id, today)
    for plan_id, person, state, next_review_on, written in rows:
        due = next_review_on or (date.fromisoformat(written) if written else None)
        if due is not None and due < today:
            plans.append(_overdue(plan_id, person, state, due, today,
                                  "the review date has passed and no review has started"))
    plans.sort(key=lambda item: (item["due_on"], item["plan_id"]))
    return {"count": len(plans), "plans": plans}


def review_timeliness_rewrite(session: Any, service_id: int, today: date,
                              policy: ReportPolicy) -> dict[str, Any]:
    """review_timeliness on Core rows: the same columns, no ORM objects."""
    from engine.governance import COMPLETING, _fell_due_on, _share, _start_of, _year_before
    zone, since = policy.zone, _year_before(today)
    rows = session.execute(
        select(ReviewCycle.number, ReviewCycle.opened_at, ReviewCycle.closed_at,
               ReviewCycle.closed_by, Plan.id.label("plan_id"), Person.name)
        .join(Plan, ReviewCycle.plan_id == Plan.id).join(Person, Plan.person_id == Person.id)
        .where(Plan.service_id == service_id, ReviewCycle.closed_by.in_(COMPLETING),
               ReviewCycle.closed_at >= _start_of(since, zone))
        .order_by(ReviewCycle.closed_at, ReviewCycle.id)).all()
    schedules: dict[int, list[Any]] = {}
    plan_ids = {row.plan_id for row in rows}
    if plan_ids:
        for timer in session.execute(
                select(Timer.subject_id, Timer.created_at, Timer.due_at).where(
                    Timer.subject_type == "plan", Timer.subject_id.in_(plan_ids),
                    Timer.transition == "start_review").order_by(Timer.created_at, Timer.id)):
            schedules.setdefault(timer.subject_id, []).append(timer)
    reviews = []
    for cycle in rows:
        closed_on = cycle.closed_at.astimezone(zone).date()
        if closed_on > today:
            continue
        due_on = _fell_due_on(cycle, schedules.get(cycle.plan_id, []), zone)
        deadline = due_on + timedelta(days=policy.review_grace_days)
        reviews.append({
            "plan_id": cycle.plan_id, "person": cycle.name, "cycle": cycle.number,
            "due_on": due_on.isoformat(), "deadline": deadline.isoformat(),
            "completed_on": closed_on.isoformat(), "completed_by": cycle.closed_by,
            "on_time": closed_on <= deadline, "days_late": max(0, (closed_on - deadline).days)})
    on_time = sum(1 for review in reviews if review["on_time"])
    return {"from": since.isoformat(), "to": today.isoformat(),
            "grace_days": policy.review_grace_days, "completed": len(reviews),
            "on_time": on_time, "late": len(reviews) - on_time,
            "on_time_share": _share(on_time, len(reviews)), "reviews": reviews}


def outcome_progress_rewrite(session: Any, service_id: int) -> dict[str, Any]:
    """The latest completed review per open plan chosen in SQL; only its ratings read."""
    from engine.governance import COMPLETING, RATINGS, _share
    latest = (select(ReviewCycle.plan_id, func.max(ReviewCycle.number).label("number"))
              .join(Review, Review.cycle_id == ReviewCycle.id)
              .where(ReviewCycle.closed_by.in_(COMPLETING))
              .group_by(ReviewCycle.plan_id).subquery())
    lists = session.scalars(
        select(Review.content["outcome_ratings"])
        .join(ReviewCycle, Review.cycle_id == ReviewCycle.id)
        .join(latest, (latest.c.plan_id == ReviewCycle.plan_id)
              & (latest.c.number == ReviewCycle.number))
        .join(Plan, Review.plan_id == Plan.id)
        .where(Plan.service_id == service_id, Plan._state != "closed")).all()
    ratings = Counter(rating["rating"] for ratings_of in lists for rating in ratings_of or [])
    return {"plans_reviewed": len(lists), "outcomes_rated": sum(ratings.values()),
            "ratings": {rating: ratings.get(rating, 0) for rating in RATINGS},
            "progressing_share": _share(ratings["achieved"] + ratings["progressing"],
                                        sum(ratings.values()))}


def try_indexes(app: Flask, before: dict[str, float]) -> None:
    """Add the trial indexes to this scratch database and time the report and its sections
    again (the engine's queries, unchanged; the partial index serves the rewrite above)."""
    postgres = db.engine.dialect.name == "postgresql"
    db.session.remove()
    for ddl in TRIAL_INDEXES.values():
        with db.engine.begin() as connection:
            connection.execute(text(ddl))
    if postgres:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
    _, warm, after = time_reports(app, runs=3, cold=False)
    changed = ", ".join(f"{name} {before[name]:.0f} → {after[name]:.0f}"
                        for name in before if abs(after[name] - before[name]) >= 2.0)
    print(f"    with the trial indexes {'; '.join(TRIAL_INDEXES)}: report median "
          f"{statistics.median(warm):.0f} ms (3 runs); sections (ms): "
          f"{changed or 'none moved by 2 ms or more'}")
    db.session.remove()
    service_id = db.session.scalar(select(Service.id).where(Service.name == SERVICE))
    samples = []
    for _ in range(3):
        db.session.remove()
        samples.append(1000 * timed(lambda: recording_quality_rewrite(db.session, service_id,
                                                                      TODAY))[0])
    print(f"    recording_quality rewrite with the partial index: "
          f"{statistics.median(samples):.0f} ms")
    db.session.remove()
    with rewritten():
        _, warm, sections = time_reports(app, runs=3, cold=False)
        gc.collect()
        gc.disable()
        try:
            no_gc = [report_ms() for _ in range(3)]
        finally:
            gc.enable()
    print(f"    governance_report with the four rewrites patched in (and these indexes): median "
          f"{statistics.median(warm):.0f} ms, max {max(warm):.0f} ms (3 runs; gc disabled: "
          f"{statistics.median(no_gc):.0f} ms); sections (ms): {ranked(sections)}")
    db.session.remove()


@contextmanager
def rewritten() -> Iterator[None]:
    """engine.governance with the rewritten sections in place of its own."""
    replacements = {
        "recording_quality": lambda session, service_id, today, *_: recording_quality_rewrite(
            session, service_id, today),
        "overdue_reviews": overdue_reviews_rewrite,
        "review_timeliness": review_timeliness_rewrite,
        "outcome_progress": outcome_progress_rewrite,
    }
    originals = {name: getattr(governance, name) for name in replacements}
    for name, function in replacements.items():
        setattr(governance, name, function)
    try:
        yield
    finally:
        for name, function in originals.items():
            setattr(governance, name, function)


# --- main -------------------------------------------------------------------------------------

def main() -> None:
    print(f"audit: {machine()}")
    from engine import load_registry, load_settings
    moves = Moves(load_registry(load_settings()))
    with scratch_dir() as directory:
        bench_verify(directory, moves)
    bench_governance(moves)
