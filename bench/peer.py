"""strengthwise's approve beside a Django peer: django-fsm-2 with ten guard conditions, a version
row and django-fsm-log, each on its own file-backed SQLite, fired alternately in one run.

The peer's packages are the optional extra `peer` (`pip install -e '.[peer]'`, which `make bench`
does); without them this benchmark says so and skips the peer. Django is configured here, in
code, with one in-memory app label ("peer", models in bench/peer_models.py)."""
from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from typing import Any, Callable

from engine import Actor
from engine.care.models import Plan
from web.extensions import db

from .common import (
    StatementCounter,
    Timings,
    add_team,
    bench_app,
    judge,
    machine,
    plan_content,
    require,
    scratch_dir,
    seed_drafts,
)

PLANS = 1000
MAX_RATIO = 1.0
P95_MS = 5.0
PACKAGES = ("django", "django_fsm", "django_fsm_log")
PEER = ("peer = Django 5 + django-fsm-2 (approve a @transition with ten conditions, a "
        "PlanVersion row created in it) + django-fsm-log (a StateLog row per transition), "
        "one transaction.atomic() with select_for_update and a version check; SQLite WAL, "
        "synchronous=NORMAL, BEGIN IMMEDIATE")


def main() -> None:
    """Seed both sides, approve each draft on each side in turn, print both and the ratio."""
    missing = [name for name in PACKAGES if importlib.util.find_spec(name) is None]
    with scratch_dir() as directory, bench_app(directory / "engine.db") as app:
        with app.app_context():
            team = add_team(db.session)
            engine = app.extensions["strengthwise"]
            drafts = [(plan.id, plan.lock_version) for plan in
                      seed_drafts(db.session, engine, team.author, team.author.username, PLANS)]
            engine.clock.advance(hours=1)
            actor = Actor.of(team.manager)

            def ours(item: tuple[int, int]) -> None:
                engine.fire(db.session, "plan", item[0], "approve", actor, version=item[1])

            print(f"peer: approve on {PLANS:,} valid drafts, strengthwise and the peer in turn, "
                  f"each on its own file-backed SQLite ({machine()} before)")
            if missing:
                print(f"  the peer is skipped: {', '.join(missing)} not installed "
                      "(pip install -e '.[peer]', or `make bench`)")
                with StatementCounter(db.engine) as counter:
                    timings = _time_each(ours, drafts)
                _report_ours(timings, counter.count / PLANS)
                return
            peer_approve, peer_drafts = _peer(directory / "peer.db")
            with StatementCounter(db.engine) as counter:
                mine, theirs = _alternate(ours, drafts, peer_approve, peer_drafts)
            approved = db.session.scalar(db.select(db.func.count()).where(
                Plan._state == "approved"))
            db.session.rollback()
            require(approved == PLANS, f"{approved} of {PLANS} strengthwise plans approved")
        _report_ours(mine, counter.count / PLANS)
        print(f"  peer:         {theirs.describe()}")
        print(f"  {PEER}")
        print("  " + judge("ratio strengthwise/peer, p50", mine.ms(50) / theirs.ms(50),
                           MAX_RATIO))
        print(f"  ({machine()} after)")


def _report_ours(timings: Timings, statements: float) -> None:
    print(f"  strengthwise: {timings.describe()}; {statements:.1f} SQL statements each")
    print("  " + judge("strengthwise p95", timings.ms(95), P95_MS, " ms"))


def _time_each(call: Callable[[Any], None], items: list[Any]) -> Timings:
    samples = []
    for item in items:
        start = time.perf_counter()
        call(item)
        samples.append(time.perf_counter() - start)
    return Timings(tuple(samples))


def _alternate(ours: Callable[[Any], None], our_items: list[Any],
               theirs: Callable[[Any], None], their_items: list[Any]) -> tuple[Timings, Timings]:
    """Fire one of ours, then one of theirs, and so on: load on the machine falls on both."""
    mine, peer = [], []
    for our_item, their_item in zip(our_items, their_items):
        start = time.perf_counter()
        ours(our_item)
        middle = time.perf_counter()
        theirs(their_item)
        peer.append(time.perf_counter() - middle)
        mine.append(middle - start)
    return Timings(tuple(mine)), Timings(tuple(peer))


def _peer(path: Path) -> tuple[Callable[[Any], None], list[Any]]:
    """Configure Django on a new SQLite file, create its tables, seed PLANS drafts with the
    same content as ours; the peer's approve and its drafts."""
    import django
    from django.apps import AppConfig
    from django.conf import settings
    from django.core.management import call_command

    # The peer's app exists only in memory: its AppConfig is made here and named by path.
    globals()["PeerConfig"] = type("PeerConfig", (AppConfig,), {
        "name": "bench", "label": "peer", "path": str(Path(__file__).parent),
        "default_auto_field": "django.db.models.BigAutoField"})
    if not settings.configured:
        settings.configure(
            DEBUG=False, USE_TZ=True, SECRET_KEY="bench-only",
            INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth",
                            "django_fsm_log", "bench.peer.PeerConfig"],
            DATABASES={"default": {
                "ENGINE": "django.db.backends.sqlite3", "NAME": str(path),
                "OPTIONS": {"transaction_mode": "IMMEDIATE",
                            "init_command": "PRAGMA journal_mode=WAL;"
                                            "PRAGMA synchronous=NORMAL;"
                                            "PRAGMA foreign_keys=ON"}}},
            DEFAULT_AUTO_FIELD="django.db.models.BigAutoField")
        django.setup()
    from django.apps import apps
    from django.contrib.auth.models import User

    from bench import peer_models

    # syncdb creates the tables of apps with a models module: the app's is peer_models.
    apps.get_app_config("peer").models_module = peer_models
    call_command("migrate", run_syncdb=True, verbosity=0)
    author = User.objects.create(username="sam")
    manager = User.objects.create(username="maria")
    content = plan_content("sam")
    plans = peer_models.PeerPlan.objects.bulk_create(
        [peer_models.PeerPlan(author=author, draft=content) for _ in range(PLANS)])
    drafts = [(plan.pk, plan.lock_version) for plan in plans]

    def approve(item: tuple[int, int]) -> None:
        peer_models.approve(item[0], item[1], manager)

    return approve, drafts
