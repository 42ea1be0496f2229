"""Load: concurrent clients against a real `strengthwise serve` on PostgreSQL, with 1 worker
(waitress) and 2 (gunicorn): requests/s, latency and errors for the inbox, a plan's transitions
and approve, how far a second worker multiplies the reads, and each server process's share of a
CPU while it served them.

The clients open a connection per request, as a reverse proxy without upstream keep-alive
(nginx's default) does: gunicorn's workers each accept connections, so a new connection goes
to whichever worker is free. Kept-alive connections stay with the worker that accepted them,
and a handful of clients that connected at once can all land on one worker; the reads are
also timed that way, for 2 workers, to show it."""
from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from engine import Actor
from engine.care.models import Plan
from web.extensions import db

from .common import (
    PostgresScratch,
    Timings,
    add_team,
    app_on,
    judge,
    machine,
    postgres_server,
    require,
    seed_drafts,
)

CLIENTS = 6              # client processes, each sending one request at a time
SECONDS = 6.0            # per endpoint and worker count, at most …
WARM_UP_SECONDS = 1.0    # … after each read endpoint has been asked this long, untimed
MAX_REQUESTS = 3000      # … and at most this many requests per client
APPROVALS_EACH = 40      # approvals per client (each consumes a draft)
TASKS = 150              # drafts asked for approval: the manager's inbox holds their tasks
MIN_READ_RATIO = 1.7
ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Result:
    """One endpoint under load: latencies of the answered requests and the errors."""

    seconds: float
    timings: Timings
    errors: int
    cpu: tuple[int, ...] = ()  # each serving process's share of one CPU, in %
    machine: int = 0           # all CPUs busy, in % of one (so up to 200 on 2 CPUs)
    database: int = 0          # PostgreSQL's processes (on this machine), in % of one CPU

    def describe(self) -> str:
        count = len(self.timings.samples)
        shares = " + ".join(f"{share}%" for share in self.cpu)
        return (f"{count / self.seconds:,.0f} req/s ({count:,} in {self.seconds:.1f} s), "
                f"p50 {self.timings.ms(50):.1f} ms, p95 {self.timings.ms(95):.1f} ms, "
                f"p99 {self.timings.ms(99):.1f} ms, errors {self.errors}"
                + (f"; CPU: server {shares}, PostgreSQL {self.database}%, "
                   f"machine {self.machine}%" if shares else ""))


def main() -> None:
    """Seed one database, then for 1 and 2 workers serve a copy of it and load it."""
    server = postgres_server()
    print(f"load: {CLIENTS} concurrent client processes (HTTP/1.1 on loopback, a connection per "
          f"request unless kept alive), at most {SECONDS:g} s and {MAX_REQUESTS:,} requests each "
          f"per endpoint; approve {APPROVALS_EACH} drafts each; PostgreSQL")
    if server is None:
        print("  skipped: no PostgreSQL server answers (set STRENGTHWISE_BENCH_POSTGRES)")
        return
    scratch = PostgresScratch(server)
    with scratch.database() as template:
        token, draft_of, plan_id = seed(template)
        results = {}
        for workers in (1, 2):
            with scratch.copy(template) as url:
                results[workers] = load(url, workers, token, draft_of, plan_id)
    for workers, by_endpoint in results.items():
        label = "1 worker (waitress)" if workers == 1 else f"{workers} workers (gunicorn)"
        print(f"  {label}:")
        for endpoint, result in by_endpoint.items():
            print(f"    {endpoint}: {result.describe()}")
    for endpoint in ("GET inbox", "GET transitions"):
        ratio = (len(results[2][endpoint].timings.samples) / results[2][endpoint].seconds) / (
            len(results[1][endpoint].timings.samples) / results[1][endpoint].seconds)
        print("  " + judge(f"{endpoint} req/s, 2 workers / 1", ratio, MIN_READ_RATIO,
                           at_least=True))
    print(f"  ({machine()} after; clients and servers share these CPUs)")


def seed(url: str) -> tuple[str, dict[int, list[tuple[int, int]]], int]:
    """The team, TASKS drafts asked for approval and CLIENTS × APPROVALS_EACH valid drafts;
    the manager's token, each client's (plan id, version) drafts and one draft to read."""
    with app_on(url) as app, app.app_context():
        engine = app.extensions["strengthwise"]
        team = add_team(db.session)
        author = Actor.of(team.author)
        asked = seed_drafts(db.session, engine, team.author, team.author.username, TASKS)
        for plan in asked:
            engine.fire(db.session, "plan", plan.id, "request_approval", author,
                        version=plan.lock_version)
        drafts = seed_drafts(db.session, engine, team.author, team.author.username,
                             CLIENTS * APPROVALS_EACH)
        versions = dict(db.session.execute(select(Plan.id, Plan.lock_version)
                                           .where(Plan.id.in_([p.id for p in drafts]))).all())
        db.session.rollback()
        ids = sorted(versions)
        draft_of = {client: [(ident, versions[ident])
                             for ident in ids[client::CLIENTS]] for client in range(CLIENTS)}
        return team.manager_token, draft_of, asked[0].id


def load(url: str, workers: int, token: str, draft_of: dict[int, list[tuple[int, int]]],
         plan_id: int) -> dict[str, Result]:
    """Serve the database at `url` with `workers` workers and load each endpoint in turn."""
    port = _free_port()
    log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"strengthwise-load-{port}.log"
    with open(log_path, "w") as log:
        serve = subprocess.Popen(
            [str(Path(sys.executable).parent / "strengthwise"), "serve", "--workers",
             str(workers), "--port", str(port)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "STRENGTHWISE_DATABASE_URL": url,
                 "STRENGTHWISE_SCHEDULER_EMBEDDED": "false"})
        try:
            _wait_for(port, serve, log_path, workers)
            reads = {
                "GET inbox": [[("GET", "/api/v1/tasks", None)]] * CLIENTS,
                "GET transitions": [[("GET", f"/api/v1/plans/{plan_id}/transitions",
                                      None)]] * CLIENTS,
            }
            writes = {"POST approve": [
                [("POST", f"/api/v1/plans/{ident}/transitions/approve", {"version": version})
                 for ident, version in draft_of[client]] for client in range(CLIENTS)]}
            for plans in reads.values():  # every worker's first requests are not timed
                _run(port, token, plans, serve.pid, cycle=True, seconds=WARM_UP_SECONDS)
            results = {name: _run(port, token, plans, serve.pid, cycle=True)
                       for name, plans in reads.items()}
            results |= {name: _run(port, token, plans, serve.pid, cycle=False)
                        for name, plans in writes.items()}
            if workers > 1:
                results |= {f"{name}, kept alive": _run(port, token, plans, serve.pid,
                                                        cycle=True, keep_alive=True)
                            for name, plans in reads.items()}
        finally:
            serve.terminate()
            serve.wait(timeout=30)
    log_path.unlink(missing_ok=True)
    return results


def _run(port: int, token: str, plans: list[list[tuple[str, str, Any]]], server_pid: int,
         cycle: bool, keep_alive: bool = False, seconds: float = SECONDS) -> Result:
    """One client process per plan of requests, started together; their results pooled, with
    the CPU share of each server process (the serving one and any workers it forked)."""
    context = multiprocessing.get_context("fork")
    start_at = time.time() + 0.5
    processes = [server_pid, *_children(server_pid)]
    with context.Pool(len(plans)) as pool:
        before, started = [_cpu_seconds(pid) for pid in processes], time.monotonic()
        busy_before, database_before = _machine_busy_seconds(), _postgres_seconds()
        answers = pool.starmap(_client, [(port, token, plan, cycle, start_at, keep_alive,
                                          seconds) for plan in plans])
        after, elapsed = [_cpu_seconds(pid) for pid in processes], time.monotonic() - started
        busy = round(100 * (_machine_busy_seconds() - busy_before) / elapsed)
        database = round(100 * (_postgres_seconds() - database_before) / elapsed)
    samples = [sample for latencies, _, _ in answers for sample in latencies]
    errors = sum(errors for _, errors, _ in answers)
    seconds = max(elapsed for _, _, elapsed in answers)
    require(len(samples) > 10, f"only {len(samples)} requests answered")
    # The gunicorn master only watches its workers: its share is not shown.
    shares = tuple(round(100 * (end - begin) / elapsed) for begin, end in zip(before, after))
    return Result(seconds, Timings(tuple(samples)), errors,
                  shares[1:] if len(processes) > 1 else shares, busy, database)


def _children(pid: int) -> list[int]:
    """The processes `pid` forked (gunicorn's workers), from /proc (Linux); none elsewhere."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as listing:
            return [int(child) for child in listing.read().split()]
    except OSError:
        return []


def _postgres_seconds() -> float:
    """CPU seconds used so far by the processes called postgres (the server's backends, when
    it runs on this machine; ended backends are not counted, but each client's lasts)."""
    total = 0.0
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as comm:
                    if comm.read().strip() != "postgres":
                        continue
            except OSError:
                continue
            total += _cpu_seconds(int(entry))
    return total


def _machine_busy_seconds() -> float:
    """CPU seconds every CPU has spent busy (not idle or waiting) since boot (/proc/stat)."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(value) for value in stat.readline().split()[1:]]
    except OSError:
        return 0.0
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds `pid` has used so far (Linux /proc; 0 elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _client(port: int, token: str, plan: list[tuple[str, str, Any]], cycle: bool,
            start_at: float, keep_alive: bool, seconds: float
            ) -> tuple[list[float], int, float]:
    """Send the plan's requests (round and round if `cycle`) until `seconds` or MAX_REQUESTS,
    on one kept-alive connection or a new one each; the latencies of 2xx answers, the count
    of the others, and the seconds taken."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
               **({} if keep_alive else {"Connection": "close"})}
    latencies, errors = [], 0
    time.sleep(max(0.0, start_at - time.time()))
    began = time.perf_counter()
    count = MAX_REQUESTS if cycle else len(plan)
    for number in range(count):
        if time.perf_counter() - began > seconds:
            break
        method, path, body = plan[number % len(plan)]
        start = time.perf_counter()
        try:
            connection.request(method, path, body=None if body is None else json.dumps(body),
                               headers=headers)
            response = connection.getresponse()
            response.read()
            ok = 200 <= response.status < 300
            if not keep_alive:
                connection.close()  # the next request connects again
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            ok = False
        if ok:
            latencies.append(time.perf_counter() - start)
        else:
            errors += 1
    connection.close()
    return latencies, errors, time.perf_counter() - began


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int, process: subprocess.Popen, log_path: Path, workers: int) -> None:
    """Until the port accepts and, under gunicorn, every worker is forked (the master binds the
    port before it forks them)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"benchmark invalid: serve exited: {log_path.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                if workers == 1 or len(_children(process.pid)) >= workers:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"benchmark invalid: serve did not listen with {workers} worker"
                       f"{'s' if workers > 1 else ''} within 30 s")
