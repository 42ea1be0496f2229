"""Verifying from a signed checkpoint against verifying the whole chain: 200,000 events signed
at a checkpoint, then a day's 1,000 more, on file-backed SQLite. `verify_from` reads the
checkpoint's event and the 1,000 after it; `verify_chain` reads all 201,000."""
from __future__ import annotations

import itertools
import statistics
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from engine import load_registry, load_settings
from engine.core.audit import verify_chain
from engine.core.checkpoints import take_checkpoint, verify_from
from engine.core.models import AuditEvent
from web.extensions import db

from .audit import CHUNK, Chain, Moves, trail_fields
from .common import NOW, app_on, insert_rows, judge, machine, require, scratch_dir, sqlite_url

SIGNED, LATER = 200_000, 1_000
RUNS = 3
MIN_SPEEDUP = 20.0


def main() -> None:
    print(f"checkpoint: {machine()}")
    moves = Moves(load_registry(load_settings()))
    key = Ed25519PrivateKey.generate()
    with scratch_dir() as directory:
        url = sqlite_url(directory / "chain.db")
        with app_on(url) as app, app.app_context():
            chain, fields = Chain(), trail_fields(moves, SIGNED + LATER)
            seed(chain, fields, SIGNED)
            checkpoint = take_checkpoint(db.session, key, NOW)
            db.session.rollback()
            seed(chain, fields, LATER)
            full = timed(lambda: verify_chain(db.session), SIGNED + LATER)
            since = timed(lambda: verify_from(db.session, checkpoint), LATER)
            db.session.remove()
    print(f"  full verify_chain of {SIGNED + LATER:,} events: median {full:.3f} s")
    print(f"  verify_from the checkpoint of event {SIGNED:,} ({LATER:,} after it): "
          f"median {since * 1000:.1f} ms")
    print("  " + judge("speed-up from the checkpoint", full / since, MIN_SPEEDUP, "×",
                       at_least=True))


def seed(chain: Chain, fields, count: int) -> None:
    """`count` more valid events, and the head moved onto the last."""
    target = chain.seq + count
    while chain.seq < target:
        rows = [chain.row(item) for item in itertools.islice(fields, min(CHUNK,
                                                                         target - chain.seq))]
        with db.engine.begin() as connection:
            insert_rows(connection, AuditEvent.__table__, rows)
    with db.engine.begin() as connection:
        chain.move_head(connection)


def timed(verify, expected: int) -> float:
    """The median seconds of RUNS verifications, each of which must pass `expected` events."""
    spent = []
    for _ in range(RUNS):
        started = time.perf_counter()
        report = verify()
        spent.append(time.perf_counter() - started)
        require(report.ok and report.checked == expected, f"verify said {report}")
        db.session.rollback()
    return statistics.median(spent)
