"""Where the recording coach reads: the texts of each kind of record it advises on.

The coach advises and never blocks. Daily records keep the flags they were written with (and
the vocabulary version that raised them); the other texts are coached when they are written
and shown, with the vocabulary in use.
"""
from __future__ import annotations

from typing import Any, Mapping

from engine.care.reviews import QUESTIONS
from engine.care.supervision import PROMPTS

RECORD_TEXTS = ("observed_strength", "support_provided", "independence_opportunity",
                "next_step", "note")
SUPERVISION_TEXTS = ("observed_strength", "support_provided", "independence_opportunity",
                     "next_step")


def first_name(full_name: str | None) -> str | None:
    """The name a question uses ("What did Margaret do herself?")."""
    return full_name.split()[0] if full_name and full_name.strip() else None


def record_texts(fields: Mapping[str, Any]) -> dict[str, str | None]:
    return {name: fields.get(name) for name in RECORD_TEXTS}


def review_texts(content: Mapping[str, Any]) -> dict[str, str | None]:
    """The five strengths-first answers and the evidence behind each rating (the person's own
    words, their views, are theirs and never coached)."""
    texts: dict[str, str | None] = {name: content.get(name) for name in QUESTIONS}
    for index, rating in enumerate(content.get("outcome_ratings") or []):
        texts[f"outcome_ratings.{index}.evidence"] = rating.get("evidence")
    return texts


def supervision_texts(record: Mapping[str, Any] | None) -> dict[str, str | None]:
    record = record or {}
    texts: dict[str, str | None] = {name: record.get(name) for name in SUPERVISION_TEXTS}
    prompts = record.get("prompts") or {}
    texts.update({f"prompts.{name}": prompts.get(name) for name in PROMPTS})
    return texts


def plan_texts(content: Mapping[str, Any]) -> dict[str, str | None]:
    """The plan's strengths (and how staff use them) and its outcomes, by item id."""
    texts: dict[str, str | None] = {}
    for strength in content.get("strengths") or []:
        texts[f"strengths.{strength.get('id')}.description"] = strength.get("description")
        texts[f"strengths.{strength.get('id')}.used_as"] = strength.get("used_as")
    for outcome in content.get("outcomes") or []:
        texts[f"outcomes.{outcome.get('id')}.statement"] = outcome.get("statement")
    return texts


def advise(vocabulary: Any, texts: Mapping[str, str | None],
           person: str | None = None) -> list[dict[str, str]]:
    """The coach's flags for these texts, its questions naming `person` (a full name)."""
    return vocabulary.flags(texts, first_name(person))
