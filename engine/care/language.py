"""Recording-language vocabulary (data) and the flags it raises on daily records.

A vocabulary pack is a TOML file in rules/: a `[pack]` with a name, `kind = "vocabulary"` and a
version, then `[[terms]]`, each with a stable id, a category (one of CATEGORIES), patterns (Python
regexes, matched ignoring case), why the wording is a problem (one sentence) and what a
strengths-based record would say or add instead. Flags advise the writer; they never block.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

CATEGORIES = {"deficit", "judgemental", "depersonalising", "controlling", "task_only"}
PACK_KEYS = {"name", "kind", "version", "reader"}
TERM_KEYS = ("id", "category", "patterns", "why", "suggest")


@dataclass(frozen=True)
class Term:
    id: str
    category: str
    patterns: tuple[re.Pattern[str], ...]
    why: str
    suggest: str

    def first_match(self, text: str) -> re.Match[str] | None:
        """The earliest words in `text` that any of the term's patterns finds."""
        matches = [match for pattern in self.patterns
                   if (match := _first_with_words(pattern, text)) is not None]
        return min(matches, key=lambda match: match.start(), default=None)

    def flag(self, field_name: str, match: re.Match[str]) -> dict[str, str]:
        """The flag shown to the writer: the term, where it was found, why, and what instead."""
        return {"term": self.id, "category": self.category, "field": field_name,
                "words": _words(match), "why": self.why, "suggest": self.suggest}


@dataclass(frozen=True)
class Vocabulary:
    name: str
    version: str
    terms: tuple[Term, ...]

    @property
    def label(self) -> str:
        """How the vocabulary is named on stored flags and in audit events: name@version."""
        return f"{self.name}@{self.version}"

    def flags(self, fields: Mapping[str, str | None]) -> list[dict[str, str]]:
        """Every term found in every field, in field order and then where the words stand."""
        found: list[dict[str, str]] = []
        for field_name, text in fields.items():
            if isinstance(text, str) and text.strip():
                found.extend(self._flags_in(field_name, text))
        return found

    def _flags_in(self, field_name: str, text: str) -> list[dict[str, str]]:
        hits = [(match.start(), order, term, match)
                for order, term in enumerate(self.terms)
                if (match := term.first_match(text)) is not None]
        hits.sort(key=lambda hit: hit[:2])
        return [term.flag(field_name, match) for _, _, term, match in hits]


def read_vocabulary(path: Path, problems: list[str]) -> Vocabulary | None:
    """Parse one vocabulary pack file, appending every problem found to `problems`."""
    where = f"{path.parent.name}/{path.name}"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        problems.append(f"{where}: cannot be read: {exc}")
        return None
    head = data.get("pack") if isinstance(data.get("pack"), dict) else {}
    name, version, kind = head.get("name"), head.get("version"), head.get("kind")
    if not name or not version:
        problems.append(f"{where}: [pack] needs a name and a version")
        return None
    if kind != "vocabulary":
        problems.append(f"{where}: [pack] kind must be 'vocabulary', not {kind!r}")
        return None
    _report_unknown_keys(set(head) - PACK_KEYS, f"{where}: [pack]", problems)
    _report_unknown_keys(set(data) - {"pack", "terms"}, where, problems)
    terms = _read_terms(data.get("terms", []), where, problems)
    return Vocabulary(name=str(name), version=str(version), terms=terms)


def _read_terms(raws: Any, where: str, problems: list[str]) -> tuple[Term, ...]:
    if not isinstance(raws, list):
        problems.append(f"{where}: terms must be an array of [[terms]] tables")
        return ()
    terms: dict[str, Term] = {}
    for index, raw in enumerate(raws):
        term = _read_term(raw, f"{where}: term #{index + 1}", problems)
        if term is None:
            continue
        if term.id in terms:
            # The first definition stands, so a stored flag never changes meaning silently.
            problems.append(f"{where}: term id {term.id!r} is defined twice")
            continue
        terms[term.id] = term
    if not terms:
        problems.append(f"{where}: has no usable terms")
    return tuple(terms.values())


def _read_term(raw: Any, where: str, problems: list[str]) -> Term | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a [[terms]] table")
        return None
    missing = [key for key in TERM_KEYS if not raw.get(key)]
    if missing:
        problems.append(f"{where}: missing {', '.join(missing)}")
        return None
    where = f"{where} ({raw['id']})"
    not_text = [key for key in TERM_KEYS if key != "patterns" and not isinstance(raw[key], str)]
    if not_text:
        problems.append(f"{where}: {', '.join(not_text)} must be text")
        return None
    _report_unknown_keys(set(raw) - set(TERM_KEYS), where, problems)
    if raw["category"] not in CATEGORIES:
        problems.append(f"{where}: category must be one of {sorted(CATEGORIES)}, "
                        f"not {raw['category']!r}")
    patterns = _compile_patterns(raw["patterns"], where, problems)
    if patterns is None:
        return None
    return Term(id=raw["id"], category=raw["category"], patterns=patterns,
                why=raw["why"], suggest=raw["suggest"])


def _compile_patterns(raws: Any, where: str, problems: list[str]) -> tuple[re.Pattern, ...] | None:
    if not isinstance(raws, list) or not all(isinstance(raw, str) for raw in raws):
        problems.append(f"{where}: patterns must be a list of regexes")
        return None
    compiled = []
    for raw in raws:
        try:
            pattern = re.compile(raw, re.IGNORECASE)
        except re.error as exc:
            problems.append(f"{where}: pattern {raw!r} does not compile: {exc}")
            continue
        if pattern.search("") is not None:
            # A pattern that matches no words would flag every note.
            problems.append(f"{where}: pattern {raw!r} matches empty text")
            continue
        compiled.append(pattern)
    return tuple(compiled) if len(compiled) == len(raws) else None


def _report_unknown_keys(unknown: set[str], where: str, problems: list[str]) -> None:
    if unknown:
        problems.append(f"{where}: unknown keys {sorted(unknown)}")


def _first_with_words(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    return next((match for match in pattern.finditer(text) if _words(match)), None)


def _words(match: re.Match[str]) -> str:
    """The matched text as written, without the whitespace and end punctuation around it."""
    return match.group(0).strip().rstrip(".!,;:").rstrip()


def vocabulary_of(registry: Any) -> Vocabulary:
    """The recording-language vocabulary the registry loaded (rules/recording_language.toml)."""
    return registry.pack("vocabulary")
