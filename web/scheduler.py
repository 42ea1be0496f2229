"""APScheduler 3 running the sweep, and the daily signed checkpoint of the audit chain: inside
`serve`, or as the one `strengthwise scheduler`.

Each process keeps its own in-memory job store (APScheduler 3 must never share one between
processes); what makes several schedulers safe is the sweep itself, which claims due timers
with row locks (engine/sweep.py). A job receives the app and opens its own context.
"""
from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from engine.core.sweep import sweep

from .extensions import db

log = logging.getLogger("strengthwise.scheduler")


def run_sweep(app: Flask) -> None:
    """One sweep as of now, in its own app context; errors are logged, never raised."""
    with app.app_context():
        try:
            report = sweep(app.extensions["strengthwise"], db.session,
                           batch_size=app.config["SWEEP_BATCH_SIZE"])
            if report.timers or report.escalated:
                log.info(report.summary())
        except Exception:  # noqa: BLE001  the next interval tries again
            log.exception("sweep failed; the next one will retry")
        finally:
            db.session.remove()


def run_checkpoint(app: Flask) -> None:
    """Sign the audit chain's head into audit.checkpoint_dir; errors are logged, never raised."""
    from engine.core.checkpoints import CheckpointRefused, checkpoint_now, signing_key

    with app.app_context():
        engine = app.extensions["strengthwise"]
        try:
            checkpoint, path = checkpoint_now(
                db.session, signing_key(engine.settings.file_path("audit.signing_key")),
                engine.now(), engine.settings.file_path("audit.checkpoint_dir"))
            log.info("audit checkpoint of event %s written to %s", checkpoint.seq, path)
        except CheckpointRefused as refused:
            log.error("no audit checkpoint written: %s", refused)
        except Exception:  # noqa: BLE001  the next day tries again
            log.exception("audit checkpoint failed; the next one will retry")
        finally:
            db.session.remove()


def add_jobs(scheduler, app: Flask) -> None:
    """The sweep every scheduler.interval_seconds; a checkpoint every
    audit.checkpoint_interval_hours (the first an hour after start, not at every restart)."""
    from datetime import timedelta

    settings = app.extensions["strengthwise"].settings
    scheduler.add_job(run_sweep, "interval", args=[app],
                      seconds=settings["scheduler.interval_seconds"], id="sweep",
                      max_instances=1, coalesce=True, next_run_time=_now(settings))
    scheduler.add_job(run_checkpoint, "interval", args=[app],
                      hours=settings["audit.checkpoint_interval_hours"], id="checkpoint",
                      max_instances=1, coalesce=True,
                      next_run_time=_now(settings) + timedelta(hours=1))


def start_in_background(app: Flask) -> BackgroundScheduler:
    settings = app.extensions["strengthwise"].settings
    scheduler = BackgroundScheduler(timezone=settings["timezone"])
    add_jobs(scheduler, app)
    scheduler.start()
    return scheduler


def run_blocking(app: Flask) -> None:
    settings = app.extensions["strengthwise"].settings
    scheduler = BlockingScheduler(timezone=settings["timezone"])
    add_jobs(scheduler, app)
    scheduler.start()


def _now(settings):
    from datetime import datetime
    from zoneinfo import ZoneInfo
    return datetime.now(ZoneInfo(settings["timezone"]))
