"""What changed between two versions of a plan's content, as rows and as short sentences.

Items (strengths, outcomes, actions, risks) are matched by id, so editing an outcome's measure
reads as that change, not as one outcome removed and another added.
"""
from __future__ import annotations

from textwrap import shorten
from typing import Any, Mapping

# Top-level fields, in the order the editor shows them, with the words for them.
FIELDS = {"commissioned_hours_per_week": "commissioned hours per week",
          "start_date": "start date", "next_review_date": "next review date",
          "key_worker": "key worker"}
INVOLVEMENT = {"person_views": "the person's views", "involved_on": "the date of involvement",
               "advocate": "advocate or family involved", "consent": "consent",
               "best_interests_record": "the best-interests record"}
# list → (what one item is called, the field that names it in words)
SECTIONS = {"strengths": ("strength", "description"), "outcomes": ("outcome", "statement"),
            "actions": ("action", "description"), "risks": ("risk", "description")}
FIELD_WORDS = {"used_as": "how staff use it", "strength_ids": "the strengths it builds on",
               "outcome_id": "its outcome", "hours_per_week": "hours per week",
               "why_proportionate": "why it is proportionate", "monitoring": "what staff monitor",
               "escalation": "when to escalate", "restrictive": "whether it is a restriction",
               "review_date": "its review date"}


def compare(before: Mapping[str, Any] | None,
            after: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """`[{section, item, field, before, after}]` for every difference, in the editor's order.

    `section` is "plan", "involvement" or a list name; `item` the id of a list item (None for
    the plan's own fields); `field` None when a whole item was added or removed.
    """
    before, after = before or {}, after or {}
    rows = [_row("plan", None, key, before.get(key), after.get(key))
            for key in FIELDS if before.get(key) != after.get(key)]
    old, new = before.get("involvement") or {}, after.get("involvement") or {}
    rows += [_row("involvement", None, key, old.get(key), new.get(key))
             for key in INVOLVEMENT if old.get(key) != new.get(key)]
    for section in SECTIONS:
        rows += _compare_items(section, before.get(section) or [], after.get(section) or [])
    return rows


def sentences(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[str]:
    """The differences as the short sentences an audit trail shows."""
    labels = labels_of(before or {}) | labels_of(after or {})
    return [describe(row, labels) for row in compare(before, after)]


def describe(row: Mapping[str, Any], labels: Mapping[tuple[str, str], str]) -> str:
    section, item, field = row["section"], row["item"], row["field"]
    if section == "plan":
        return f"{FIELDS[field]} changed from {_shown(row['before'])} to {_shown(row['after'])}"
    if section == "involvement":
        return f"{INVOLVEMENT[field]} changed"
    noun = SECTIONS[section][0]
    name = f"{noun} {labels.get((section, item)) or item}"
    if field is None:
        return f"{name} {'added' if row['before'] is None else 'removed'}"
    return f"{name}: {FIELD_WORDS.get(field, field)} changed"


def _compare_items(section: str, old: list[dict], new: list[dict]) -> list[dict[str, Any]]:
    before = {item.get("id"): item for item in old}
    after = {item.get("id"): item for item in new}
    rows = []
    for ident, item in after.items():
        if ident not in before:
            rows.append(_row(section, ident, None, None, item))
            continue
        for field in dict.fromkeys([*before[ident], *item]):
            if field != "id" and before[ident].get(field) != item.get(field):
                rows.append(_row(section, ident, field, before[ident].get(field),
                                 item.get(field)))
    rows += [_row(section, ident, None, item, None)
             for ident, item in before.items() if ident not in after]
    return rows


def _row(section: str, item: str | None, field: str | None, before: Any,
         after: Any) -> dict[str, Any]:
    return {"section": section, "item": item, "field": field, "before": before,
            "after": after}


def labels_of(content: Mapping[str, Any]) -> dict[tuple[str, str], str]:
    """(section, id) → the item's words, shortened, in quotes."""
    found = {}
    for section, (_, field) in SECTIONS.items():
        for item in content.get(section) or []:
            words = (item.get(field) or "").strip()
            if words:
                found[(section, item.get("id"))] = "'" + shorten(words, 48, placeholder="…") + "'"
    return found


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "nothing"
    return f"{value:g}" if isinstance(value, float) else str(value)
