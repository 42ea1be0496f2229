"""`strengthwise serve --workers N` for N > 1: N processes under gunicorn (POSIX only).

The app is built once in the master and the workers are forked from it; each worker drops the
database connections it inherited (they belong to the master) and opens its own. The embedded
scheduler never runs here: with several workers it would run once per worker, so the operator
runs one `strengthwise scheduler` beside them.
"""
from __future__ import annotations

from typing import Any

from flask import Flask

from .access_log import flush_everything
from .extensions import db


def serve_workers(app: Flask, host: str, port: int, workers: int, threads: int) -> None:
    """Serve `app` on host:port with `workers` gunicorn processes of `threads` threads each."""
    from gunicorn.app.base import BaseApplication

    def post_fork(_server: Any, _worker: Any) -> None:
        with app.app_context():
            db.engine.dispose(close=False)  # the master's connections are not this worker's

    def worker_exit(_server: Any, _worker: Any) -> None:
        flush_everything()  # the reads this worker buffered for the access log

    class Server(BaseApplication):
        def load_config(self) -> None:
            settings = {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
                        "worker_class": "gthread", "post_fork": post_fork,
                        "worker_exit": worker_exit, "graceful_timeout": 10,
                        "proc_name": "strengthwise",
                        # gunicorn ≥ 24 opens a control socket at one path per user: several
                        # installs on one machine would fight over it, and none is needed.
                        "control_socket_disable": True}
            for key, value in settings.items():
                if key in self.cfg.settings:  # older gunicorns lack the newer settings
                    self.cfg.set(key, value)

        def load(self) -> Flask:
            return app

    Server().run()
