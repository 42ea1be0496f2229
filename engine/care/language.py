"""Recording-language vocabulary (data) and the flags the recording coach raises on records.

A vocabulary pack is a TOML file in rules/: a `[pack]` with a name, `kind = "vocabulary"` and a
version; a `[lexicon]` of the words the coach reads notes with; `[[terms]]`, each with a stable
id, a category (one of CATEGORIES), patterns (Python regexes, matched ignoring case), why the
wording is a problem, what a strengths-based record would say instead and a question for the
writer; and `[[activities]]` that name what a task was about. The coach (engine/care/coach)
decides who did what; flags advise the writer, they never block.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from engine.care.coach import CATEGORIES, Coach, Term, read_activities, read_lexicon, read_terms

PACK_KEYS = {"name", "kind", "version", "reader"}
FILE_KEYS = {"pack", "lexicon", "terms", "activities"}

__all__ = ["CATEGORIES", "Term", "Vocabulary", "read_vocabulary", "vocabulary_of"]


@dataclass(frozen=True)
class Vocabulary:
    name: str
    version: str
    coach: Coach

    @property
    def label(self) -> str:
        """How the vocabulary is named on stored flags and in audit events: name@version."""
        return f"{self.name}@{self.version}"

    @property
    def terms(self) -> tuple[Term, ...]:
        """The terms a flag can name."""
        return self.coach.terms

    def flags(self, fields: Mapping[str, str | None],
              person: str | None = None) -> list[dict[str, str]]:
        """Every finding in every field, in field order and then where the words stand.

        Each field is read as a note on its own; `person` is the first name questions use (else
        the name the note uses, else "the person")."""
        found: list[dict[str, str]] = []
        for field_name, text in fields.items():
            if isinstance(text, str) and text.strip():
                found.extend(_flag(field_name, finding)
                             for finding in self.coach.findings(text, person))
        return found


def _flag(field_name: str, finding: Any) -> dict[str, str]:
    term = finding.term
    return {"term": term.id, "category": term.category, "field": field_name,
            "words": finding.words, "why": term.why, "suggest": term.suggest,
            "question": finding.question}


def read_vocabulary(path: Path, problems: list[str]) -> Vocabulary | None:
    """Parse one vocabulary pack file, appending every problem found to `problems`."""
    where = f"{path.parent.name}/{path.name}"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        problems.append(f"{where}: cannot be read: {exc}")
        return None
    raw_head = data.get("pack")
    head: dict[str, Any] = raw_head if isinstance(raw_head, dict) else {}
    name, version, kind = head.get("name"), head.get("version"), head.get("kind")
    if not name or not version:
        problems.append(f"{where}: [pack] needs a name and a version")
        return None
    if kind != "vocabulary":
        problems.append(f"{where}: [pack] kind must be 'vocabulary', not {kind!r}")
        return None
    _report_unknown_keys(set(head) - PACK_KEYS, f"{where}: [pack]", problems)
    _report_unknown_keys(set(data) - FILE_KEYS, where, problems)
    lexicon = read_lexicon(data.get("lexicon"), where, problems)
    terms = read_terms(data.get("terms", []), where, problems)
    activities = read_activities(data.get("activities", []), where, problems)
    if lexicon is None:
        return None
    return Vocabulary(name=str(name), version=str(version),
                      coach=Coach(lexicon, terms, activities))


def _report_unknown_keys(unknown: set[str], where: str, problems: list[str]) -> None:
    if unknown:
        problems.append(f"{where}: unknown keys {sorted(unknown)}")


def vocabulary_of(registry: Any) -> Vocabulary:
    """The recording-language vocabulary the registry loaded (rules/recording_language.toml)."""
    return registry.pack("vocabulary")
