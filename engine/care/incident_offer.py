"""Offering to report an incident from a daily record (SPEC §10.4). The record's words or its
completion suggest one — a medicines outcome not done, a fall, an injury, medicines refused —
and the writer is offered the report, pre-filled. Nothing is ever reported on their behalf."""
from __future__ import annotations

import re
from typing import Any, Mapping, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.care.models import DailyRecord, Plan, PlanVersion
from engine.care.records import TEXT_FIELDS
from engine.core.uow import transaction_cache

SIGNS = (("fall", "incidents.fall_words", "the record describes a fall"),
         ("injury", "incidents.injury_words", "the record describes an injury"),
         ("medication_error", "incidents.refusal_words", "the record says medicines were refused"))


def _says(text: str, phrases: list[str]) -> Optional[str]:
    for phrase in phrases:
        if re.search(rf"\b{re.escape(phrase.lower())}\b", text):
            return phrase
    return None


def suggestion(settings: Any, fields: Mapping[str, Any],
               outcome: Mapping[str, Any] | None) -> Optional[dict[str, Any]]:
    """{kind, reason, words} when the record suggests an incident, else None."""
    text = " ".join(str(fields.get(name) or "") for name in TEXT_FIELDS).lower()
    for kind, setting, reason in SIGNS:
        words = _says(text, settings[setting])
        if words:
            return {"kind": kind, "reason": f"{reason} (\"{words}\")", "words": words}
    if fields.get("completion") == "not_done" and outcome is not None:
        about = " ".join(str(outcome.get(key) or "") for key in
                         ("statement", "target", "measure")).lower()
        words = _says(about, settings["incidents.medication_words"])
        if words:
            return {"kind": "medication_error",
                    "reason": "a medicines outcome was not done", "words": words}
    return None


def offer_for(session: Session, settings: Any, record: DailyRecord) -> Optional[dict[str, Any]]:
    """The offer for a saved daily record, with where to report it (person and plan)."""
    cache = transaction_cache(session)
    key = ("plan_version", record.plan_id, record.version_number)
    if key not in cache:
        cache[key] = session.scalar(select(PlanVersion).where(
            PlanVersion.plan_id == record.plan_id,
            PlanVersion.number == record.version_number))
    version = cache[key]
    outcome = next((item for item in (version.content.get("outcomes") or [] if version else [])
                    if item.get("id") == record.outcome_id), None)
    fields = {name: getattr(record, name) for name in TEXT_FIELDS}
    fields["completion"] = record.completion
    offer = suggestion(settings, fields, outcome)
    if offer is None:
        return None
    plan = session.get(Plan, record.plan_id)
    assert plan is not None  # a record belongs to its plan
    return {**offer, "person_id": plan.person_id, "plan_id": plan.id, "record_id": record.id}
