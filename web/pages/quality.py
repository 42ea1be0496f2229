"""The plan quality audit page and the per-person access log, for auditors and managers."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import login_required

from engine.care import plans
from engine.care.access_log import reads_of
from engine.care.quality import run_quality_audit
from engine.core.errors import Forbidden, NotFound

from ..access_log import flush_access_log
from ..auth import page_actor
from ..extensions import db
from ..runtime import engine

quality = Blueprint("quality", __name__)


@quality.get("/quality")
@login_required
def index():
    actor = page_actor()
    # Its findings name people and their records: care information, so not for an admin, who
    # manages accounts, not care (SPEC §1). There is no API for it; the CLI is the operator's.
    if actor.role not in ("manager", "auditor"):
        raise Forbidden("the plan quality audit is for managers and auditors")
    services = sorted(actor.services)
    service = request.args.get("service") or (services[0] if services else None)
    if service is not None and service not in services:
        raise NotFound(f"no service {service}")
    findings = run_quality_audit(db.session, engine().registry, service,
                                 engine().today()) if service else []
    return render_template("pages/quality/index.html", services=services, service=service,
                           findings=findings, pack=engine().registry.packs["quality"],
                           today=engine().today())


@quality.get("/people/<int:person_id>/access-log")
@login_required
def access_log(person_id: int):
    flush_access_log()  # this process's buffered reads, before anything is read
    actor = page_actor()
    person = plans.get_person(db.session, actor, person_id)
    if not actor.may("read_access_log"):
        raise Forbidden("the access log is for auditors")
    return render_template("pages/quality/access_log.html", person=person,
                           entries=reads_of(db.session, person_id))
