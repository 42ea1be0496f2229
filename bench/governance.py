"""The governance report at size: one service with 10,000 plans, 200,000 daily records and the
audit trail of it all, on file-backed SQLite and, when a server answers, PostgreSQL. One cold
report on a new engine, then warm ones (each in its own session, as each request gets), each
beside its target (≤ 500 ms cold, ≤ 200 ms warm median), with the load average at the time and
the sections' share of a warm report."""
from __future__ import annotations

from engine import load_registry, load_settings

from .audit import Moves, bench_governance
from .common import machine


def main() -> None:
    print(f"governance: {machine()}")
    bench_governance(Moves(load_registry(load_settings())))
    print(f"governance: done, {machine()}")
