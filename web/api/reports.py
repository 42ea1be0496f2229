"""Reports: the governance figures of one service (SPEC §7), for managers, auditors and admins."""
from __future__ import annotations

from flask import request

from engine.care.governance import ReportPolicy, governance_report, require_reader, service_in_scope
from engine.core.errors import Invalid

from ..extensions import db
from ..runtime import engine
from . import api
from .auth import current_actor


@api.get("/reports/governance")
def governance():
    actor = current_actor()
    require_reader(actor)
    name = request.args.get("service", "").strip()
    if not name:
        raise Invalid("which service?", {"service": ["required: the name of one of your "
                                                     "services"]})
    service = service_in_scope(db.session, actor, name)
    return governance_report(db.session, service.name, engine().today(),
                             ReportPolicy.from_engine(engine()))
