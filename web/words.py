"""Staff-facing words for the ids rule details use: "outcome o2 has no measure" reads "outcome
'Plans her weekly meals' has no measure" on a page. The API and the auditor's trail keep the
ids, which are stable; people read the words."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo
from typing import Any, Mapping

from engine.care import plans
from engine.care.models import Plan
from engine.care.plan_changes import labels_of

from .extensions import db

SECTION = {"outcome": "outcomes", "action": "actions", "risk": "risks",
           "restriction": "risks", "strength": "strengths"}
_ITEM = re.compile(r"\b(outcome|action|risk|restriction|strength) ([a-z]\d{1,6})\b")
_ISO_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def day_in_words(day: date) -> str:
    """8 December 2026."""
    return f"{day.day} {day:%B %Y}"


def moment_in_words(value: str | datetime | None, zone: ZoneInfo) -> str:
    """An ISO instant (or datetime) as "2 December 2026, 02:13" in the service's time zone."""
    if not value:
        return "—"
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) \
        else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    local = moment.astimezone(zone)
    return f"{day_in_words(local.date())}, {local:%H:%M}"


def dates_in_words(text: str | None) -> str | None:
    """`text` with each ISO date ("2026-12-08") said as people write it ("8 December 2026")."""
    if not text:
        return text

    def said(match: re.Match[str]) -> str:
        try:
            return day_in_words(date(*map(int, match.groups())))
        except ValueError:
            return match.group(0)

    return _ISO_DAY.sub(said, text)


def in_words(text: str | None, labels: Mapping[tuple[str, str], str]) -> str | None:
    """`text` with each item id that `labels` knows replaced by the item's words, and its
    dates in words."""
    if not text:
        return text

    def named(match: re.Match[str]) -> str:
        label = labels.get((SECTION[match.group(1)], match.group(2)))
        return f"{match.group(1)} {label}" if label else match.group(0)

    return dates_in_words(_ITEM.sub(named, text))


def plan_labels(plan: Plan) -> dict[tuple[str, str], str]:
    """The words of every item of the plan's version in force and its draft (the draft wins)."""
    version = plans.current_version(db.session, plan)
    found: dict[tuple[str, str], Any] = labels_of(version.content) if version else {}
    if plan.draft is not None:
        found.update(labels_of(plan.draft))
    return found
