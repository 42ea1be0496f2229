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
    return append(session, at=at, actor=actor.username, actor_role=actor.role,
                  workflow=workflow, subject_type=subject_type, subject_id=subject_id,
                  service=service, action=action, transition=None,
                  **{"from": state, "to": state}, outcome=RECORDED, checks=[],
                  changes=changes, comment=comment, reason=None, rule_pack=rule_pack or "")


def record_subject_change(session: Session, *, at: datetime, actor: Any, subject: Any,
                          action: str, changes: list[str],
                          rule_pack: str | None = None) -> Recorded:
    """`record_change` for a workflow subject, on its own trail, in its current state."""
    return record_change(session, at=at, actor=actor, workflow=subject.workflow,
                         subject_type=subject.subject_type, subject_id=subject.id,
                         service=subject.service.name, state=subject.state, action=action,
                         changes=changes, rule_pack=rule_pack)


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
    Rows are read through the database driver directly and bodies parsed with orjson: this
    walk is the one place where a million events are read at once.
    """
    last_seq, prev_hash = after or (0, GENESIS)
    expected_seq, checked = last_seq + 1, 0
    for row in _raw_rows_in_order(session, batch, last_seq):
        seq = row[0]
        if seq != expected_seq:
            return ChainReport(False, checked, expected_seq,
                               f"event {expected_seq} is missing (next is {seq})")
        problem = row_problem(row, prev_hash)
        if problem:
            return ChainReport(False, checked, seq, problem)
        prev_hash, expected_seq, checked = row[2], expected_seq + 1, checked + 1
    last_seq = expected_seq - 1
    head_seq, head_hash = session.execute(select(_head.c.seq, _head.c.hash)).one_or_none() or (
        0, GENESIS)
    if (head_seq, head_hash) != (last_seq, prev_hash):
        return ChainReport(False, checked, last_seq + 1 if head_seq > last_seq else head_seq,
                           f"the chain ends at event {last_seq} but its head records event "
                           f"{head_seq}: events were deleted from the end, or the head edited")
    return ChainReport(True, checked)


def row_problem(row, prev_hash: str | None) -> str | None:
    """What is wrong with one raw event row (see _COLUMNS), given the hash it should follow
    (None: do not check the link)."""
    seq, row_prev, row_hash, body = row[0], row[1], row[2], row[3]
    if prev_hash is not None and row_prev != prev_hash:
        return (f"event {seq} does not follow event {seq - 1}: reordered, or "
                "an earlier event was replaced")
    if hashlib.sha256(body.encode("utf-8")).hexdigest() != row_hash:
        return f"event {seq} was edited after it was written"
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
    content = orjson.loads(row[3])
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
