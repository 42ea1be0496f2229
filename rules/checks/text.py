"""Small helpers shared by the checks."""
from __future__ import annotations

from datetime import date
from typing import Any


def blank(value: Any) -> bool:
    """True for None, empty or whitespace-only text, and empty collections."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict, set)):
        return not value
    return False


def as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def missing_fields(item: dict, fields: dict[str, str]) -> list[str]:
    """The human names of the fields of `item` that are blank, in the order given."""
    return [label for key, label in fields.items() if blank(item.get(key))]


def and_join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
