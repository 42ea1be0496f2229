"""Small helpers for the engine's sentences: articles, plurals, lists, dates."""
from __future__ import annotations

from datetime import date


def with_article(word: str) -> str:
    """"a manager", "an admin"."""
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def plural(role: str) -> str:
    return {"staff": "staff", "system": "the system"}.get(role, role + "s")


def and_join(words: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def long_date(day: date | None) -> str:
    """"8 December 2026": how people write a date (never ISO in a sentence)."""
    return f"{day.day} {day:%B %Y}" if day else "no date"
