"""The audit chain's page for auditors: the latest signed checkpoint, to copy out of the
system (a checkpoint kept only beside the database proves little)."""
from __future__ import annotations

from flask import Blueprint, Response, render_template
from flask_login import login_required
from sqlalchemy import select

from engine.core.checkpoints import fingerprint, latest_checkpoint, signing_key
from engine.core.errors import Forbidden, NotFound
from engine.core.models import AuditHead

from ..auth import page_actor
from ..extensions import db
from ..runtime import engine

chain = Blueprint("chain", __name__)


def _latest():
    if not page_actor().may("read_audit"):
        raise Forbidden("the audit chain's checkpoints are for auditors")
    settings = engine().settings
    key = signing_key(settings.file_path("audit.signing_key"))
    return key, latest_checkpoint(settings.file_path("audit.checkpoint_dir"), key.public_key())


@chain.get("/audit/chain")
@login_required
def index():
    key, checkpoint = _latest()
    head_seq = db.session.scalar(select(AuditHead.seq)) or 0
    return render_template("pages/chain/index.html", checkpoint=checkpoint, head_seq=head_seq,
                           fingerprint=fingerprint(key.public_key()),
                           directory=engine().settings["audit.checkpoint_dir"])


@chain.get("/audit/chain/checkpoint.json")
@login_required
def download():
    _, checkpoint = _latest()
    if checkpoint is None:
        raise NotFound("no checkpoint has been written yet")
    name = f"strengthwise-checkpoint-{checkpoint.seq}.json"
    return Response(checkpoint.text, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
