"""Records every successful read of a person's records, through the API or the pages.

A read is not made to wait for, or pay for, a write transaction of its own: each process keeps
the reads its requests made in a buffer, and a background thread writes the buffer with one
INSERT in one transaction every `FLUSH_SECONDS` (and whenever it holds `FLUSH_ROWS`). Readers of
the access log flush first, and the buffer is flushed when the process exits normally
(including a gunicorn worker's graceful exit) and when the app disposes of its database engine,
so no normal request's read goes unrecorded.
"""
from __future__ import annotations

import atexit
import logging
import os
import threading
import weakref
from typing import Any

from flask import Flask, current_app, g, request
from flask_login import current_user
from sqlalchemy import event, select
from sqlalchemy.engine import Engine as SqlEngine

from engine.care.access_log import read_row, write_reads
from engine.care.models import Plan
from engine.core.access import Actor
from engine.core.db import WRITE

from .extensions import db
from .runtime import engine

log = logging.getLogger("strengthwise.access")
FLUSH_SECONDS = 0.25
FLUSH_ROWS = 200
EXTENSION = "strengthwise.access_log"


class ReadBuffer:
    """The reads one app's requests made in this process, not yet written."""

    def __init__(self, sql: SqlEngine):
        self.sql = sql
        self._rows: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._writing = threading.Lock()  # one flush at a time keeps the rows in order
        # An app that is done with its database (tests, benchmarks) writes what it still
        # holds before the database may go away.
        event.listen(sql, "engine_disposed", lambda _engine: self.flush())

    def add(self, row: dict[str, Any]) -> None:
        with self._lock:
            self._rows.append(row)
            full = len(self._rows) >= FLUSH_ROWS
        _FLUSHER.wake(full)

    def flush(self) -> bool:
        """Write every buffered read: one INSERT, one transaction; whether there were any. A
        failure is logged loudly and the rows are kept for the next flush."""
        with self._writing:
            with self._lock:
                rows, self._rows = self._rows, []
            if not rows:
                return False
            try:
                with self.sql.connect().execution_options(**WRITE) as connection, \
                        connection.begin():
                    write_reads(connection, rows)
            except Exception:  # noqa: BLE001  the reads happened: keep them, say so
                log.exception("could not write %d reads to the access log; retrying",
                              len(rows))
                with self._lock:
                    self._rows[:0] = rows
                return False
            return True


class _Flusher:
    """One daemon thread per process that flushes every buffer in it (restarted after fork)."""

    def __init__(self) -> None:
        self.buffers: weakref.WeakSet[ReadBuffer] = weakref.WeakSet()
        self._pid: int | None = None
        self._event = threading.Event()
        self._guard = threading.Lock()

    def register(self, buffer: ReadBuffer) -> None:
        self.buffers.add(buffer)

    def wake(self, now: bool) -> None:
        with self._guard:
            if self._pid != os.getpid():  # first use here, or a forked worker
                self._pid, self._event = os.getpid(), threading.Event()
                threading.Thread(target=self._run, args=(self._event,), daemon=True,
                                 name="access-log-flusher").start()
        if now:
            self._event.set()

    def flush_all(self) -> None:
        for buffer in list(self.buffers):
            buffer.flush()

    def _run(self, event: threading.Event) -> None:
        while True:
            event.wait(FLUSH_SECONDS)
            event.clear()
            self.flush_all()


_FLUSHER = _Flusher()
atexit.register(_FLUSHER.flush_all)


def flush_access_log() -> None:
    """Write this process's buffered reads now, before a request reads the access log, then
    end the request's read transaction (begun by then, on SQLite, with an older snapshot) so
    that what it reads next includes them — also when the background flusher, not this call,
    was the one that wrote them a moment ago."""
    buffer = current_app.extensions.get(EXTENSION)
    if buffer is not None:
        buffer.flush()
        db.session.rollback()


def flush_everything() -> None:
    """Write every app's buffered reads in this process (a worker about to exit)."""
    _FLUSHER.flush_all()


def init_access_log(app: Flask) -> None:
    @app.after_request
    def log_person_reads(response):
        if request.method != "GET" or not 200 <= response.status_code < 300:
            return response
        args = request.view_args or {}
        if "plan_id" not in args and "person_id" not in args:
            return response
        actor = _reader()
        if actor is None:
            return response
        try:
            person_id, subject_id = _person_of(args)
            if person_id is not None:
                _buffer(app).add(read_row(
                    actor, person_id, request.endpoint or "?", subject_id,
                    "api" if request.blueprint == "api" else "page",
                    request.full_path.rstrip("?"), engine().now()))
        except Exception:  # noqa: BLE001  the read happened; say so loudly, keep the answer
            log.exception("could not record a read of %s in the access log", request.path)
        return response


def _buffer(app: Flask) -> ReadBuffer:
    buffer = app.extensions.get(EXTENSION)
    if buffer is None:
        buffer = app.extensions[EXTENSION] = ReadBuffer(db.engine)
        _FLUSHER.register(buffer)
    return buffer


def _reader() -> Actor | None:
    if request.blueprint == "api":
        user = g.get("user")
        return Actor.of(user) if user else None
    return Actor.of(current_user.user) if current_user.is_authenticated else None


def _person_of(args: dict) -> tuple[int | None, int | None]:
    if "plan_id" in args:
        person_id = db.session.scalar(select(Plan.person_id).where(Plan.id == args["plan_id"]))
        return person_id, args["plan_id"]
    return args["person_id"], None
