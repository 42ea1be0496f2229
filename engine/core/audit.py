"""The audit trail: append-only, hash-chained events, and the walk that verifies them.

Each event is stored as `body`, the canonical JSON of its content (sorted keys, no spaces, UTF-8,
UTC time to the microsecond) including the previous event's hash; `hash` is SHA-256 over exactly
those bytes. What the API shows is that body, so what a reader sees is what was hashed. A few
fields are also kept as columns for filtering; `verify_chain` checks them against the body too.
The single audit_head row names the last event: appending locks it, so concurrent appends queue
instead of forking the chain, and deleting the newest events shows as a head mismatch.
"""
from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generator

import orjson
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from engine.core import tallies
from engine.core.clock import as_utc
from engine.core.models import AuditEvent, AuditHead, BlockedRuleTally

GENESIS = "0" * 64
HASHED_FIELDS = ("seq", "at", "actor", "actor_role", "workflow", "subject_type", "subject_id",
                 "service", "action", "transition", "from", "to", "outcome", "checks",
                 "changes", "comment", "reason", "rule_pack", "prev_hash")
# `action` says what kind of event it is: "transition" for an attempt to fire one (outcome
# advanced, blocked or denied), or a change recorded outside transitions ("draft_saved",
# "record_added", …; outcome "recorded", with `changes` in words). Events written before
# actions existed have none in their body and are transitions.
TRANSITION = "transition"
RECORDED = "recorded"
# Columns that repeat a field of the body, so events can be filtered without parsing bodies.
PROJECTED = {"at": "at", "actor": "actor", "actor_role": "actor_role", "workflow": "workflow",
             "subject_type": "subject_type", "subject_id": "subject_id", "service": "service",
             "action": "action", "transition": "transition", "from": "from_state",
             "to": "to_state", "outcome": "outcome", "rule_pack": "rule_pack"}

_events: Table = AuditEvent.__table__
_head: Table = AuditHead.__table__
_BLOCKED: Table = BlockedRuleTally.__table__
_READ_HEAD = select(_head.c.seq, _head.c.hash).where(_head.c.id == 1).with_for_update()
_INSERT = insert(_events)
_MOVE_HEAD = (update(_head).where(_head.c.id == 1)
              .values(seq=bindparam("new_seq"), hash=bindparam("new_hash")))


def canonical(content: dict[str, Any]) -> str:
    """The exact text that is hashed and stored."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_encode)


def event_hash(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Recorded:
    """An event as appended: its body (the hashed text) and hash."""

    seq: int
    body: str
    hash: str

    @property
    def outcome(self) -> str:
        return self.document()["outcome"]

    def document(self) -> dict[str, Any]:
        return {**json.loads(self.body), "hash": self.hash}


def append(session: Session, **fields: Any) -> Recorded:
    """Add the next event to the chain inside the caller's transaction.

    `fields` are the HASHED_FIELDS other than seq and prev_hash, which the chain supplies;
    `action` defaults to a transition and `changes` to none.
    """
    connection = session.connection()
    seq, prev_hash = connection.execute(_READ_HEAD).one()
    content = {"action": TRANSITION, "changes": [], **fields, "seq": seq + 1,
               "prev_hash": prev_hash, "at": as_utc(fields["at"])}
    body = canonical(content)
    digest = event_hash(body)
    connection.execute(_INSERT, {
        "seq": content["seq"], "prev_hash": prev_hash, "hash": digest, "body": body,
        **{column: content[field] for field, column in PROJECTED.items()}})
    connection.execute(_MOVE_HEAD, {"new_seq": content["seq"], "new_hash": digest})
    if content["outcome"] == "blocked":
        tallies.add(connection, _BLOCKED, blocked_tally_rows([content]))
    return Recorded(content["seq"], body, digest)


def append_many(session: Session, events: list[dict[str, Any]]) -> list[Recorded]:
    """Add several events to the chain, in order, inside the caller's transaction: the head is
    locked and read once, each event chained to the one before, all inserted by one
    executemany and the head moved once. `events` are `append`'s fields, one dict each."""
    if not events:
        return []
    connection = session.connection()
    seq, prev_hash = connection.execute(_READ_HEAD).one()
    rows, recorded = [], []
    for fields in events:
        seq += 1
        content = {"action": TRANSITION, "changes": [], **fields, "seq": seq,
                   "prev_hash": prev_hash, "at": as_utc(fields["at"])}
        body = canonical(content)
        digest = event_hash(body)
        rows.append({"seq": seq, "prev_hash": prev_hash, "hash": digest, "body": body,
                     **{column: content[field] for field, column in PROJECTED.items()}})
        recorded.append(Recorded(seq, body, digest))
        prev_hash = digest
    connection.execute(_INSERT, rows)
    connection.execute(_MOVE_HEAD, {"new_seq": seq, "new_hash": prev_hash})
    tallies.add(connection, _BLOCKED, blocked_tally_rows(
        [fields for fields in events if fields["outcome"] == "blocked"]))
    return recorded


def blocked_tally_rows(contents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What blocked events add to blocked_rule_tallies: one per failed check, by service and
    rule (`contents` are events' fields or bodies; other outcomes add nothing)."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for content in contents:
        if content.get("outcome") != "blocked":
            continue
        for check in content.get("checks") or []:
            if not check.get("passed"):
                key = (content.get("service") or "", check["rule"])
                row = rows.setdefault(key, {"service": key[0], "rule": key[1], "count": 0,
                                            "text": check.get("text") or ""})
                row["count"] += 1
    return list(rows.values())


def record_change(session: Session, *, at: datetime, actor: Any, workflow: str,
                  subject_type: str, subject_id: int, service: str, state: str | None,
                  action: str, changes: list[str], rule_pack: str | None = None,
                  comment: str | None = None) -> Recorded:
    """Append a change made outside a transition (outcome "recorded"), in the caller's
    transaction: what changed, in short sentences, on the subject's trail."""
    return append(session, **change_fields(
        at=at, actor=actor, workflow=workflow, subject_type=subject_type,
        subject_id=subject_id, service=service, state=state, action=action, changes=changes,
        rule_pack=rule_pack, comment=comment))


def change_fields(*, at: datetime, actor: Any, workflow: str, subject_type: str,
                  subject_id: int, service: str, state: str | None, action: str,
                  changes: list[str], rule_pack: str | None = None,
                  comment: str | None = None) -> dict[str, Any]:
    """The fields (`append`'s) of a change recorded outside transitions."""
    return dict(at=at, actor=actor.username, actor_role=actor.role, workflow=workflow,
                subject_type=subject_type, subject_id=subject_id, service=service,
                action=action, transition=None, **{"from": state, "to": state},
                outcome=RECORDED, checks=[], changes=changes, comment=comment, reason=None,
                rule_pack=rule_pack or "")


def record_subject_change(session: Session, *, at: datetime, actor: Any, subject: Any,
                          action: str, changes: list[str],
                          rule_pack: str | None = None) -> Recorded:
    """`record_change` for a workflow subject, on its own trail, in its current state."""
    return append(session, **subject_change_fields(at=at, actor=actor, subject=subject,
                                                   action=action, changes=changes,
                                                   rule_pack=rule_pack))


def subject_change_fields(*, at: datetime, actor: Any, subject: Any, action: str,
                          changes: list[str], rule_pack: str | None = None,
                          service: str | None = None) -> dict[str, Any]:
    """`change_fields` of a workflow subject (or anything with its workflow, subject_type, id
    and state; `service` names its service when it has no loaded `service`)."""
    return change_fields(at=at, actor=actor, workflow=subject.workflow,
                         subject_type=subject.subject_type, subject_id=subject.id,
                         service=service or subject.service.name, state=subject.state,
                         action=action, changes=changes, rule_pack=rule_pack)


def subject_events(subject_type: str, subject_id: int, *columns, outcome: str | None = None,
                   transition: str | None = None, actor: str | None = None,
                   action: str | None = None):
    """A subject's events in chain order, optionally filtered: the query the API, the audit
    pages and their exports all read."""
    query = (select(*(columns or (AuditEvent,)))
             .where(AuditEvent.subject_type == subject_type, AuditEvent.subject_id == subject_id)
             .order_by(AuditEvent.seq))
    for column, value in ((AuditEvent.outcome, outcome), (AuditEvent.transition, transition),
                          (AuditEvent.actor, actor), (AuditEvent.action, action)):
        if value:
            query = query.where(column == value)
    return query


def documents_json(rows) -> str:
    """`{"events": [...]}` from (body, hash) rows, without parsing the bodies again."""
    return '{"events":[' + ",".join(f'{body[:-1]},"hash":"{digest}"}}'
                                    for body, digest in rows) + "]}"


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    bad_seq: int | None = None
    problem: str | None = None


def verify_chain(session: Session, batch: int = 5000,
                 after: tuple[int, str] | None = None) -> ChainReport:
    """Walk every event in order and name the first one that breaks the chain.

    `after` = (seq, hash) of an event already vouched for (a signed checkpoint's head): the
    walk starts at the event after it and expects it to link to that hash.

    Two checks run side by side. The walk streams only what the hash needs (seq, prev_hash,
    hash, body) through the database driver, `batch` rows at a time, and checks each event's
    number, its link and its hash. The projected columns (actor, service, outcome, …) are
    compared with the hashed body set-wise, by one SQL query on a second connection, in a
    thread: the database parses the bodies while Python hashes them. The first event either
    finds is described exactly (row_problem) and reported.
    """
    last_seq, prev_hash = after or (0, GENESIS)
    columns = _ColumnCheck(session, last_seq)
    try:
        walked = _walk(session, batch, last_seq, prev_hash)
    finally:
        mismatch = columns.result()
    if mismatch is not None and (walked.bad_seq is None or mismatch < walked.bad_seq):
        problem = _column_problem(session, mismatch, walked.bad_seq, last_seq)
        if problem is not None:
            return problem
    if walked.bad_seq is not None:
        return ChainReport(False, walked.checked, walked.bad_seq, walked.problem)
    head_seq, head_hash = session.execute(select(_head.c.seq, _head.c.hash)).one_or_none() or (
        0, GENESIS)
    end = last_seq + walked.checked
    if (head_seq, head_hash) != (end, walked.last_hash):
        return ChainReport(False, walked.checked, end + 1 if head_seq > end else head_seq,
                           f"the chain ends at event {end} but its head records event "
                           f"{head_seq}: events were deleted from the end, or the head edited")
    return ChainReport(True, walked.checked)


@dataclass(frozen=True)
class _Walked:
    checked: int
    last_hash: str
    bad_seq: int | None = None
    problem: str | None = None


def _walk(session: Session, batch: int, last_seq: int, prev_hash: str) -> _Walked:
    """Numbers, links and hashes of the events after `last_seq`, in order."""
    expected, sha256 = last_seq + 1, hashlib.sha256
    for seq, row_prev, row_hash, body in _hash_rows(session, batch, last_seq):
        if seq != expected:
            return _Walked(expected - last_seq - 1, prev_hash, expected,
                           f"event {expected} is missing (next is {seq})")
        if row_prev != prev_hash or sha256(
                body if body.__class__ is bytes else body.encode("utf-8")).hexdigest() != row_hash:
            text = body.decode("utf-8") if isinstance(body, bytes) else body
            problem = row_problem((seq, row_prev, row_hash, text), prev_hash, projected=False)
            return _Walked(expected - last_seq - 1, prev_hash, seq, problem)
        prev_hash, expected = row_hash, expected + 1
    return _Walked(expected - last_seq - 1, prev_hash)


def _hash_rows(session: Session, batch: int, after_seq: int) -> Generator[tuple, None, None]:
    """(seq, prev_hash, hash, body) of the events after `after_seq`, in order, streamed by one
    statement: a server-side cursor on PostgreSQL (body as text: psycopg decodes text faster
    than bytea), a stepping cursor on SQLite (body as UTF-8 bytes, never decoded)."""
    connection = session.connection()
    driver_connection = connection.connection.driver_connection
    if driver_connection is None:  # the pooled connection was invalidated or detached
        raise RuntimeError("the session's database connection is no longer usable")
    if connection.dialect.name == "postgresql":
        cursor = driver_connection.cursor(name=f"sw_verify_{id(session):x}")
        cursor.itersize = batch
        sql = ("SELECT seq, prev_hash, hash, body FROM audit_events "  # text: encoded below
               "WHERE seq > %s ORDER BY seq")
    else:
        cursor = driver_connection.cursor()
        sql = ("SELECT seq, prev_hash, hash, CAST(body AS BLOB) FROM audit_events "
               "WHERE seq > ? ORDER BY seq")
    cursor.arraysize = batch
    try:
        cursor.execute(sql, (after_seq,))
        while True:
            rows = cursor.fetchmany(batch)
            if not rows:
                return
            yield from rows
    finally:
        cursor.close()


# The projected columns against the hashed body, for every event at once: the first event whose
# columns (or chain fields) differ from its body. Text compared as each database writes JSON.
_SQLITE_FIELDS = ", ".join(f"'$.{field}'" for field in ("seq", "prev_hash", *(
    field for field in PROJECTED if field != "action")))
_SQLITE_COLUMNS = ", ".join(("seq", "prev_hash", *(
    "substr(at, 1, 10) || 'T' || substr(at, 12) || 'Z'" if field == "at" else column
    for field, column in PROJECTED.items() if field != "action")))
_SQLITE_MISMATCH = (
    f"SELECT seq FROM audit_events WHERE seq > ? AND seq <= ? AND ("
    f"json_extract(body, {_SQLITE_FIELDS}) IS NOT json_array({_SQLITE_COLUMNS}) "
    f"OR coalesce(json_extract(body, '$.action'), '{TRANSITION}') IS NOT action) "
    f"ORDER BY seq LIMIT 1")
_POSTGRES_FIELDS = ("seq", "prev_hash", *PROJECTED)
_POSTGRES_TEXT = {"at": "to_char(e.at, 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
                  "subject_id": "e.subject_id::text", "seq": "e.seq::text",
                  "prev_hash": "e.prev_hash"}
# json_to_record parses each body once for all its fields; min() lets PostgreSQL scan in
# parallel.
_POSTGRES_MISMATCH = (
    "SELECT min(e.seq) FROM audit_events AS e, json_to_record(e.body::json) AS j("
    + ", ".join(f'"{field}" text' for field in _POSTGRES_FIELDS)
    + ") WHERE e.seq > %s AND e.seq <= %s AND ("
    + " OR ".join([
        f"coalesce(j.action, '{TRANSITION}') IS DISTINCT FROM e.action",
        *(f'j."{field}" IS DISTINCT FROM '
          + _POSTGRES_TEXT.get(field, f"e.{PROJECTED.get(field, field)}")
          for field in _POSTGRES_FIELDS if field != "action")])
    + ")")


class _ColumnCheck:
    """The set-wise column check, run while the walk runs: in a thread on its own connection
    (or PARTS threads, each over its own range of events); in the caller's thread, on its
    connection, for an in-memory SQLite database."""

    # Measured on 2 CPUs over a million events: one thread beside the walk did as well as
    # two or three (the walk and the check already keep both CPUs busy).
    PARTS, SPLIT_FROM = 1, 100_000  # threads, and the events from which to use several

    def __init__(self, session: Session, after_seq: int):
        connection = session.connection()
        bind = connection.engine
        self._found: list[int] = []
        self._error: list[BaseException] = []
        self._threads: list[threading.Thread] = []
        if bind.url.database in (None, "", ":memory:") and bind.dialect.name == "sqlite":
            self._run(connection, after_seq, _NO_END)
            return
        head = connection.execute(select(_head.c.seq)).scalar() or 0
        parts = self.PARTS if head - after_seq >= self.SPLIT_FROM else 1
        step = -(-(head - after_seq) // parts)  # the last range runs on past the head
        for part in range(parts):
            low = after_seq + part * step
            high = _NO_END if part == parts - 1 else low + step
            thread = threading.Thread(target=self._own, args=(bind, low, high),
                                      name=f"audit-column-check-{part}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _own(self, bind: Any, low: int, high: int) -> None:
        with bind.connect() as connection:
            self._run(connection, low, high)

    def _run(self, connection: Any, low: int, high: int) -> None:
        try:
            cursor = connection.connection.driver_connection.cursor()
            try:
                cursor.execute(_POSTGRES_MISMATCH if connection.dialect.name == "postgresql"
                               else _SQLITE_MISMATCH, (low, high))
                row = cursor.fetchone()
            finally:
                cursor.close()
            if row and row[0] is not None:
                self._found.append(row[0])
        except Exception as error:  # noqa: BLE001  e.g. a body that is not JSON
            self._error.append(error)

    def result(self) -> int | None:
        """The first event whose columns differ from its body; 0 when the database could not
        tell (a body it cannot parse): then every event is checked in Python
        (_column_problem)."""
        for thread in self._threads:
            thread.join()
        if self._error:
            return 0
        return min(self._found, default=None)


_NO_END = 2 ** 62


def _column_problem(session: Session, first: int, walk_bad: int | None,
                    last_seq: int) -> ChainReport | None:
    """The exact problem of the first event from `first` on (up to the walk's first bad one)
    whose columns differ from its hashed body, if one does."""
    for row in _raw_rows_in_order(session, 5000, max(first, last_seq + 1) - 1):
        if walk_bad is not None and row[0] >= walk_bad:
            return None
        problem = _disagreement(row)
        if problem:
            return ChainReport(False, row[0] - last_seq - 1, row[0],
                               f"event {row[0]} was edited: {problem}")
    return None


def row_problem(row, prev_hash: str | None, projected: bool = True) -> str | None:
    """What is wrong with one raw event row (see _COLUMNS), given the hash it should follow
    (None: do not check the link); without `projected`, only its link and hash."""
    seq, row_prev, row_hash, body = row[0], row[1], row[2], row[3]
    if prev_hash is not None and row_prev != prev_hash:
        return (f"event {seq} does not follow event {seq - 1}: reordered, or "
                "an earlier event was replaced")
    if hashlib.sha256(body.encode("utf-8")).hexdigest() != row_hash:
        return f"event {seq} was edited after it was written"
    if not projected:
        return None
    problem = _disagreement(row)
    return f"event {seq} was edited: {problem}" if problem else None


def raw_event(session: Session, seq: int) -> tuple | None:
    """One event's raw row (see _COLUMNS), or None if there is no such event."""
    rows = _raw_rows_in_order(session, 1, seq - 1)
    try:
        row = next(rows, None)
    finally:
        rows.close()  # a generator: closing it closes its cursor
    return row if row is not None and row[0] == seq else None


_PROJECTED_FIELDS = tuple(PROJECTED)  # body field names, in the order of the columns read
_COLUMNS = ("seq", "prev_hash", "hash", "body", *PROJECTED.values())


def _disagreement(row) -> str | None:
    """A projected column or the chain fields that differ from the hashed body, if any."""
    try:
        content = orjson.loads(row[3])
    except orjson.JSONDecodeError:
        return "its body is not a JSON record"
    if not isinstance(content, dict):
        return "its body is not a JSON record"
    if content.get("seq") != row[0] or content.get("prev_hash") != row[1]:
        return "its body names another place in the chain"
    for index, field in enumerate(_PROJECTED_FIELDS, start=4):
        value = row[index]
        if field == "at":
            value = _at_text(value)
        written = content.get(field, TRANSITION) if field == "action" else content.get(field)
        if written != value:
            column = PROJECTED[field]
            return f"column {column} says {value!r} but the hashed record says " \
                   f"{content.get(field)!r}"
    return None


def _at_text(value) -> str:
    """The canonical text of a stored time: SQLite hands back text, PostgreSQL a datetime."""
    if isinstance(value, str):  # SQLAlchemy stores 'YYYY-MM-DD HH:MM:SS.ffffff' in SQLite
        return f"{value[:10]}T{value[11:]}Z"
    return _encode(value)


def _raw_rows_in_order(session: Session, batch: int,
                       after_seq: int = 0) -> Generator[tuple, None, None]:
    connection = session.connection()
    placeholder = "?" if connection.dialect.name == "sqlite" else "%s"
    sql = (f"SELECT {', '.join(_COLUMNS)} FROM audit_events WHERE seq > {placeholder} "
           f"ORDER BY seq LIMIT {placeholder}")
    driver_connection = connection.connection.driver_connection
    if driver_connection is None:  # the pooled connection was invalidated or detached
        raise RuntimeError("the session's database connection is no longer usable")
    cursor = driver_connection.cursor()
    try:
        last = after_seq
        while True:
            cursor.execute(sql, (last, batch))
            rows = cursor.fetchall()
            if not rows:
                return
            yield from rows
            last = rows[-1][0]
    finally:
        cursor.close()


def _encode(value: Any) -> str:
    if isinstance(value, datetime):
        return as_utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    raise TypeError(f"cannot serialise {type(value).__name__} in an audit event")
