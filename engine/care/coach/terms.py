"""Vocabulary terms: the wording a flag names, why it matters, what to write and what to ask."""
from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Any

CATEGORIES = {"deficit", "judgemental", "depersonalising", "controlling", "task_only"}
TERM_KEYS = ("id", "category", "patterns", "why", "suggest", "question")
SWITCHES = ("about_person", "unless_clinical")
# What a question may say about the note (see questions.py).
QUESTION_FIELDS = {"name", "they", "them", "their", "self", "words", "topic", "doing",
                   "activity", "phrase"}


@dataclass(frozen=True)
class Term:
    id: str
    category: str
    patterns: tuple[re.Pattern[str], ...]
    why: str
    suggest: str
    question: str
    about_person: bool = False     # only when the words are said of the person
    unless_clinical: bool = False  # not when a clinical term stands in the same sentence

    def matches(self, text: str) -> list[re.Match[str]]:
        """Every match of the term's patterns in `text` that has words, earliest first."""
        found = [match for pattern in self.patterns for match in pattern.finditer(text)
                 if words_of(match.group(0))]
        return sorted(found, key=lambda match: match.start())

    def names_task(self, text: str) -> bool:
        """Whether this task-only term describes the staff task written in `text`."""
        return any(pattern.search(text) for pattern in self.patterns)


def words_of(matched: str) -> str:
    """Matched text as written, without the whitespace and end punctuation around it."""
    return matched.strip().rstrip(".!,;:").rstrip()


def read_terms(raws: Any, where: str, problems: list[str]) -> tuple[Term, ...]:
    """The pack's [[terms]], each checked; the first definition of an id stands."""
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
    not_switch = [key for key in SWITCHES if not isinstance(raw.get(key, False), bool)]
    if not_text or not_switch:
        problems.append(f"{where}: {', '.join(not_text + not_switch)} must be "
                        f"{'text' if not_text else 'true or false'}")
        return None
    _report_unknown_keys(set(raw) - set(TERM_KEYS) - set(SWITCHES), where, problems)
    if raw["category"] not in CATEGORIES:
        problems.append(f"{where}: category must be one of {sorted(CATEGORIES)}, "
                        f"not {raw['category']!r}")
    patterns = _compile_patterns(raw["patterns"], where, problems)
    if patterns is None or not _question_reads(raw["question"], where, problems):
        return None
    return Term(id=raw["id"], category=raw["category"], patterns=patterns, why=raw["why"],
                suggest=raw["suggest"], question=raw["question"],
                **{key: raw.get(key, False) for key in SWITCHES})


def _question_reads(template: str, where: str, problems: list[str]) -> bool:
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    except ValueError as exc:
        problems.append(f"{where}: question does not read: {exc}")
        return False
    unknown = fields - QUESTION_FIELDS
    if unknown:
        problems.append(f"{where}: question names unknown fields {sorted(unknown)}")
        return False
    return True


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
