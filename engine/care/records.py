"""Daily records: evidence written against an outcome of the approved version in force."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from textwrap import shorten
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.care import coaching
from engine.care.language import Vocabulary, vocabulary_of
from engine.care.models import DailyRecord, Plan
from engine.care.plans import current_version, locked_plan, record_change, require
from engine.core.access import Actor
from engine.core.errors import Invalid
from engine.core.uow import unit_of_work

TEXT_FIELDS = ("observed_strength", "support_provided", "independence_opportunity",
               "next_step", "note")


def write_record(session: Session, engine: Any, actor: Actor, plan_id: int,
                 fields: dict[str, Any]) -> DailyRecord:
    """Save a record with its language flags. Flags advise; they never stop a record."""
    require(actor, "write_record")
    vocabulary: Vocabulary = vocabulary_of(engine.registry)
    now = engine.now()
    today = engine.today(now)
    with unit_of_work(session):
        plan = locked_plan(session, actor, plan_id)
        version = current_version(session, plan)
        errors = {}
        if version is None or plan.state in engine.workflow_of(plan).final_states:
            errors["plan"] = [f"records are written against an approved plan in force; this "
                              f"plan is {plan.state}"]
        elif fields["outcome_id"] not in {o["id"] for o in version.content["outcomes"]}:
            errors["outcome_id"] = [f"no outcome {fields['outcome_id']!r} in the plan's "
                                    f"approved version {version.number}"]
        if fields["date"] > today:
            errors["date"] = [f"{fields['date']} is in the future (today is {today})"]
        if errors:
            raise Invalid("the record cannot be saved", errors)
        assert version is not None  # no version recorded an error above
        record = DailyRecord(
            plan_id=plan.id, version_number=version.number, author_id=actor.user_id,
            created_at=now, vocabulary=vocabulary.label,
            late_entry=is_late(fields["date"], now, ZoneInfo(engine.settings["timezone"]),
                               engine.settings["records.late_entry_hours"]),
            language_flags=coaching.advise(vocabulary, coaching.record_texts(fields),
                                           plan.person.name),
            **fields)
        session.add(record)
        session.flush()
        session.refresh(record)
        outcome = next(o for o in version.content["outcomes"] if o["id"] == record.outcome_id)
        flags = len(record.language_flags)
        record_change(session, actor, plan, "record_added", [
            f"daily record {record.id} for outcome '{_short(outcome.get('statement'))}' on "
            f"{record.date.isoformat()} ({record.completion.replace('_', ' ')}, "
            f"{record.prompts} prompt{'' if record.prompts == 1 else 's'}"
            f"{', a late entry' if record.late_entry else ''}"
            f"{f', {flags} wording note' + ('' if flags == 1 else 's') if flags else ''})"],
            now, rule_pack=vocabulary.label)
    return record


def is_late(day: date, recorded_at: datetime, zone: ZoneInfo, late_entry_hours: float) -> bool:
    """Whether a record of `day` written at `recorded_at` is a late entry: written more than
    `late_entry_hours` after the end of that day where the service is."""
    end_of_day = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return recorded_at > end_of_day + timedelta(hours=late_entry_hours)


def _short(text: str | None) -> str:
    return shorten(text or "", 48, placeholder="…")


def records_of(session: Session, plan: Plan, outcome_id: str | None = None) -> list[DailyRecord]:
    """The plan's records, newest first."""
    query = select(DailyRecord).where(DailyRecord.plan_id == plan.id)
    if outcome_id:
        query = query.where(DailyRecord.outcome_id == outcome_id)
    return list(session.scalars(query.order_by(DailyRecord.date.desc(), DailyRecord.id.desc())))
