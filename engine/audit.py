"""The audit trail: append-only, hash-chained events, and the walk that verifies them.

Each event's hash is SHA-256 over a canonical JSON serialisation of its content and the previous
event's hash, so editing, deleting or reordering any event breaks the chain from that point. The
single audit_head row names the last event; appending locks it, so concurrent appends queue up
instead of forking the chain, and deleting the newest events is caught by comparing with it.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from .clock import as_utc
from .models import AuditEvent, AuditHead

GENESIS = "0" * 64
HASHED_FIELDS = ("seq", "at", "actor", "actor_role", "workflow", "subject_type", "subject_id",
                 "service", "transition", "from_state", "to_state", "outcome", "checks",
                 "comment", "reason", "rule_pack", "prev_hash")


def canonical(content: dict[str, Any]) -> bytes:
    """The exact bytes that are hashed: sorted keys, no spaces, UTF-8, UTC time to the µs."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_encode).encode("utf-8")


def event_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()


def content_of(event: AuditEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in HASHED_FIELDS}


def append(session: Session, **content: Any) -> AuditEvent:
    """Add the next event to the chain inside the caller's transaction."""
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
        .execution_options(populate_existing=True)).scalar_one_or_none()
    if head is None:
        # The schema migration creates the head; without it, concurrent first appends would
        # both start a chain. Refuse rather than fork.
        raise RuntimeError("the audit_head row is missing: the audit chain cannot be extended")
    content["at"] = as_utc(content["at"])
    event = AuditEvent(seq=head.seq + 1, prev_hash=head.hash, **content)
    event.hash = event_hash(content_of(event))
    session.add(event)
    head.seq, head.hash = event.seq, event.hash
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    bad_seq: int | None = None
    problem: str | None = None


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Walk every event in order and name the first one that breaks the chain."""
    expected_seq, prev_hash, checked = 1, GENESIS, 0
    for event in _events_in_order(session, batch):
        if event.seq != expected_seq:
            return ChainReport(False, checked, expected_seq,
                               f"event {expected_seq} is missing (next is {event.seq})")
        if event.prev_hash != prev_hash:
            return ChainReport(False, checked, event.seq,
                               f"event {event.seq} does not follow event {event.seq - 1}: "
                               "reordered, or an earlier event was replaced")
        if event_hash(content_of(event)) != event.hash:
            return ChainReport(False, checked, event.seq,
                               f"event {event.seq} was edited after it was written")
        prev_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    head = session.get(AuditHead, 1)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if (head_seq, head_hash) != (checked, prev_hash):
        return ChainReport(False, checked, checked + 1 if head_seq > checked else head_seq,
                           f"the chain ends at event {checked} but its head records event "
                           f"{head_seq}: events were deleted from the end, or the head edited")
    return ChainReport(True, checked)


def _events_in_order(session: Session, batch: int) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.seq > last)
                               .order_by(AuditEvent.seq).limit(batch)).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def _encode(value: Any) -> str:
    if isinstance(value, datetime):
        return as_utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    raise TypeError(f"cannot serialise {type(value).__name__} in an audit event")
