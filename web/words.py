"""Staff-facing words for the ids rule details use: "outcome o2 has no measure" reads "outcome
'Plans her weekly meals' has no measure" on a page. The API and the auditor's trail keep the
ids, which are stable; people read the words."""
from __future__ import annotations

import re
from typing import Any, Mapping

from engine.care import plans
from engine.care.models import Plan
from engine.care.plan_changes import labels_of

from .extensions import db

SECTION = {"outcome": "outcomes", "action": "actions", "risk": "risks",
           "restriction": "risks", "strength": "strengths"}
_ITEM = re.compile(r"\b(outcome|action|risk|restriction|strength) ([a-z]\d{1,6})\b")


def in_words(text: str | None, labels: Mapping[tuple[str, str], str]) -> str | None:
    """`text` with each item id that `labels` knows replaced by the item's words."""
    if not text:
        return text

    def named(match: re.Match[str]) -> str:
        label = labels.get((SECTION[match.group(1)], match.group(2)))
        return f"{match.group(1)} {label}" if label else match.group(0)

    return _ITEM.sub(named, text)


def plan_labels(plan: Plan) -> dict[tuple[str, str], str]:
    """The words of every item of the plan's version in force and its draft (the draft wins)."""
    version = plans.current_version(db.session, plan)
    found: dict[tuple[str, str], Any] = labels_of(version.content) if version else {}
    if plan.draft is not None:
        found.update(labels_of(plan.draft))
    return found
