"""Signed checkpoints of the audit chain, kept outside the database.

A checkpoint is the chain's head (sequence, hash) and the time, signed with an Ed25519 key kept
in a file (instance/, mode 0600), never in the database. Someone who can rewrite the database —
delete the newest events and move the head back, or edit an event and recompute every later
hash and the head — leaves a chain that verifies on its own; it no longer extends a checkpoint
taken before, and verifying from that checkpoint says so, reading only the events after it.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.audit import ChainReport, canonical, raw_event, row_problem, verify_chain
from engine.core.clock import as_utc
from engine.core.models import AuditHead

FORMAT = "strengthwise-audit-checkpoint/1"


class CheckpointError(Exception):
    """A checkpoint file that cannot be used: unreadable, or not signed by this key."""


class CheckpointRefused(Exception):
    """The chain does not verify, so its head is not signed."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str  # canonical UTC text, as signed
    document: dict[str, Any]

    @property
    def text(self) -> str:
        return json.dumps(self.document, indent=2) + "\n"


def signing_key(path: Path) -> Ed25519PrivateKey:
    """The installation's key, generated into `path` (mode 0600) on first use."""
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            pass
        else:
            with os.fdopen(descriptor, "wb") as fh:
                fh.write(pem)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{path} does not hold an Ed25519 private key")
    return key


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """A short name for a public key, to compare checkpoints by eye."""
    return "SHA256:" + hashlib.sha256(_raw(public_key)).hexdigest()[:32]


def take_checkpoint(session: Session, key: Ed25519PrivateKey, now: datetime) -> Checkpoint:
    """Sign the chain's current head."""
    seq, digest = session.execute(select(AuditHead.seq, AuditHead.hash)).one()
    head = {"format": FORMAT, "seq": seq, "hash": digest, "at": as_utc(now)}
    signed = canonical(head)
    head = json.loads(signed)
    document = {"checkpoint": head,
                "signature": base64.b64encode(key.sign(signed.encode("utf-8"))).decode(),
                "public_key": base64.b64encode(_raw(key.public_key())).decode(),
                "key_fingerprint": fingerprint(key.public_key())}
    return Checkpoint(seq, digest, head["at"], document)


def checkpoint_now(session: Session, key: Ed25519PrivateKey, now: datetime, directory: Path,
                   out: Path | None = None) -> tuple[Checkpoint, Path]:
    """Sign the head and write it, once the chain verifies from the newest checkpoint in
    `directory` (in full when there is none): a broken chain is never signed."""
    checkpoint = take_checkpoint(session, key, now)
    previous = latest_checkpoint(directory, key.public_key())
    report = verify_from(session, previous) if previous else verify_chain(session)
    if not report.ok:
        raise CheckpointRefused(f"the chain is broken at event {report.bad_seq}: "
                                f"{report.problem}")
    return checkpoint, write_checkpoint(checkpoint, out, directory)


def write_checkpoint(checkpoint: Checkpoint, out: Path | None, directory: Path) -> Path:
    """Write to `out`, or into `directory` under a name that sorts by sequence and time."""
    if out is None:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamp = checkpoint.at.replace("-", "").replace(":", "")[:15] + "Z"
        out = directory / f"checkpoint-{checkpoint.seq:010d}-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(checkpoint.text, encoding="utf-8")
    return out


def read_checkpoint(path: Path, public_key: Ed25519PublicKey) -> Checkpoint:
    """A checkpoint file whose signature this installation's key confirms."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        head = document["checkpoint"]
        signature = base64.b64decode(document["signature"], validate=True)
        seq, digest, at = int(head["seq"]), str(head["hash"]), str(head["at"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"{path} is not a readable checkpoint ({exc})") from None
    try:
        public_key.verify(signature, canonical(head).encode("utf-8"))
    except InvalidSignature:
        raise CheckpointError(f"the signature of {path} does not verify with this "
                              f"installation's key ({fingerprint(public_key)}): the file was "
                              "altered, or signed by another key") from None
    return Checkpoint(seq, digest, at, document)


def latest_checkpoint(directory: Path, public_key: Ed25519PublicKey) -> Checkpoint | None:
    """The newest checkpoint in `directory` that this key signed, if any."""
    found = []
    for path in directory.glob("checkpoint-*.json") if directory.is_dir() else []:
        try:
            found.append(read_checkpoint(path, public_key))
        except CheckpointError:
            continue
    return max(found, key=lambda c: (c.at, c.seq), default=None)


def verify_from(session: Session, checkpoint: Checkpoint, batch: int = 5000) -> ChainReport:
    """Does the chain still extend the checkpoint's head? Checks that event, then walks only
    the events after it (events up to it are for a full `verify_chain`)."""
    if checkpoint.seq > 0:
        row = raw_event(session, checkpoint.seq)
        if row is None:
            return ChainReport(False, 0, checkpoint.seq,
                               f"event {checkpoint.seq}, the head signed at {checkpoint.at}, is "
                               "missing: events were deleted from the end and the head moved "
                               "back")
        if row[2] != checkpoint.hash:
            return ChainReport(False, 0, checkpoint.seq,
                               f"event {checkpoint.seq} no longer has the hash signed at "
                               f"{checkpoint.at}: the history up to it was rewritten")
        problem = row_problem(row, None)
        if problem:
            return ChainReport(False, 0, checkpoint.seq, problem)
    return verify_chain(session, batch, after=(checkpoint.seq, checkpoint.hash))


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
