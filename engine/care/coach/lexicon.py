"""The words the coach reads a note with: who is staff, who is someone else, which verbs are care
tasks, which words show how the person was. Loaded from the vocabulary pack's [lexicon] table."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

WORD_LISTS = ("staff", "others", "person_words", "things", "care_verbs", "person_verbs",
              "choice_verbs", "observe_verbs", "states", "care_nouns", "non_names", "not_verbs",
              "fillers")
PATTERN_LISTS = ("nothing", "own", "choice", "clinical", "clinical_records")
LEXICON_KEYS = set(WORD_LISTS) | set(PATTERN_LISTS) | {"irregular"}


@dataclass(frozen=True)
class Verbs:
    """Every written form of a set of verbs, and which forms can be past participles."""

    forms: frozenset[str]
    participles: frozenset[str]
    bases: frozenset[str]


@dataclass(frozen=True)
class Lexicon:
    staff: frozenset[str]
    others: frozenset[str]
    person_words: frozenset[str]
    things: frozenset[str]
    care_verbs: Verbs
    person_verbs: Verbs
    choice_verbs: Verbs
    observe_verbs: Verbs
    states: frozenset[str]
    care_nouns: frozenset[str]
    non_names: frozenset[str]
    not_verbs: frozenset[str]
    fillers: frozenset[str]
    nothing: re.Pattern[str]
    own: re.Pattern[str]
    choice: re.Pattern[str]
    clinical: re.Pattern[str]
    clinical_records: re.Pattern[str]
    irregular: dict[str, tuple[str, ...]]

    @cached_property
    def phrases(self) -> dict[str, str]:
        """Who each known subject phrase names: staff, other, person or thing."""
        table = {phrase: "thing" for phrase in self.things | self.care_nouns}
        table.update({phrase: "other" for phrase in self.others})
        table.update({phrase: "person" for phrase in self.person_words})
        table.update({phrase: "staff" for phrase in self.staff})
        return table

    def is_past_form(self, norm: str) -> bool:
        """A past tense or participle: known irregular forms and regular -ed words."""
        return norm in self.participles_all or (norm.endswith("ed") and len(norm) > 3
                                               and norm not in self.not_verbs)

    @cached_property
    def participles_all(self) -> frozenset[str]:
        """Past participles of every known verb."""
        return self.care_verbs.participles | self.person_verbs.participles \
            | frozenset(forms[-1] for forms in self.irregular.values())

    @cached_property
    def bases(self) -> frozenset[str]:
        """The base form of every known verb."""
        return self.care_verbs.bases | self.person_verbs.bases

    @cached_property
    def irregular_forms(self) -> frozenset[str]:
        """Every irregular past and participle ("made", "given")."""
        return frozenset(form for forms in self.irregular.values() for form in forms)

    @cached_property
    def only_participles(self) -> frozenset[str]:
        """Participles that are never a past tense: "given" is passive, "gave" never is."""
        return frozenset(forms[-1] for forms in self.irregular.values()
                         if len(forms) > 1 and forms[-1] != forms[0])

    @cached_property
    def present_forms(self) -> frozenset[str]:
        """Third-person present forms ("says", "needs"): with no subject, the person's."""
        forms = self.care_verbs.forms | self.person_verbs.forms
        return frozenset(form for form in forms if form.endswith("s") and not form.endswith("ss")
                         and (form[:-1] in self.bases or form[:-2] in self.bases
                              or form[:-3] + "y" in self.bases))

    def is_verb(self, norm: str) -> bool:
        """Whether a word can be the verb of a clause."""
        if norm in self.not_verbs:
            return False
        return (norm in self.care_verbs.forms or norm in self.person_verbs.forms
                or norm in self.irregular_forms or self.is_past_form(norm)
                or (norm.endswith("ing") and len(norm) > 4))


def read_lexicon(raw: Any, where: str, problems: list[str]) -> Lexicon | None:
    """The [lexicon] table as word sets and patterns, appending every problem to `problems`."""
    if not isinstance(raw, dict):
        problems.append(f"{where}: needs a [lexicon] table")
        return None
    unknown = set(raw) - LEXICON_KEYS
    if unknown:
        problems.append(f"{where}: [lexicon]: unknown keys {sorted(unknown)}")
    missing = sorted(LEXICON_KEYS - set(raw))
    if missing:
        problems.append(f"{where}: [lexicon] misses {', '.join(missing)}")
        return None
    words = {key: _word_list(raw[key], f"{where}: [lexicon] {key}", problems)
             for key in WORD_LISTS}
    patterns = {key: _pattern(raw[key], f"{where}: [lexicon] {key}", problems)
                for key in PATTERN_LISTS}
    irregular = _irregular(raw["irregular"], f"{where}: [lexicon] irregular", problems)
    if None in words.values() or None in patterns.values() or irregular is None:
        return None
    # Every value is known to be present now; the dataclass checks the names.
    fields: dict[str, Any] = {**words, **patterns, "irregular": irregular}
    for key in ("care_verbs", "person_verbs", "choice_verbs", "observe_verbs"):
        fields[key] = verbs_of(fields[key], irregular)
    return Lexicon(**fields)


def _word_list(raw: Any, where: str, problems: list[str]) -> frozenset[str] | None:
    if not isinstance(raw, list) or not all(isinstance(word, str) and word for word in raw):
        problems.append(f"{where} must be a list of words")
        return None
    return frozenset(" ".join(word.lower().split()) for word in raw)


def _pattern(raw: Any, where: str, problems: list[str]) -> re.Pattern[str] | None:
    if not isinstance(raw, list) or not raw or not all(isinstance(p, str) for p in raw):
        problems.append(f"{where} must be a list of regexes")
        return None
    try:
        pattern = re.compile("|".join(f"(?:{part})" for part in raw), re.IGNORECASE)
    except re.error as exc:
        problems.append(f"{where} does not compile: {exc}")
        return None
    if pattern.search("") is not None:
        problems.append(f"{where} matches empty text")
        return None
    return pattern


def _irregular(raw: Any, where: str, problems: list[str]) -> dict[str, tuple[str, ...]] | None:
    if not isinstance(raw, dict) or not all(
            isinstance(forms, list) and forms and all(isinstance(f, str) for f in forms)
            for forms in raw.values()):
        problems.append(f"{where} must be a table of lists of verb forms")
        return None
    return {base.lower(): tuple(form.lower() for form in forms) for base, forms in raw.items()}


def verbs_of(bases: frozenset[str], irregular: dict[str, tuple[str, ...]]) -> Verbs:
    """All the forms of `bases`: regular endings made here, irregular ones from the table."""
    forms: set[str] = set()
    participles: set[str] = set()
    for base in bases:
        head = base.partition(" ")[0]
        past = irregular.get(head)
        regular = _regular_forms(head)
        forms.update(regular | set(past or ()))
        participles.update({past[-1]} if past else {form for form in regular
                                                     if form.endswith("ed")})
    return Verbs(frozenset(forms), frozenset(participles),
                 frozenset(base.partition(" ")[0] for base in bases))


def _regular_forms(base: str) -> set[str]:
    # Spelling rules overlap ("open" does not double, "stop" does): make both, a form no one
    # writes does no harm.
    forms = {base, base + "s", base + "es", base + "ed", base + "ing", gerund(base)}
    if base.endswith("e"):
        forms |= {base + "d"}
    if base.endswith("y") and base[-2:-1] not in "aeiou":
        forms |= {base[:-1] + "ied", base[:-1] + "ies"}
    if base[-1:] not in "aeiouwxy" and base[-2:-1] in list("aeiou") \
            and base[-3:-2] not in list("aeiou"):
        # Stressed endings double at any length: transfer → transferred, admit → admitted.
        forms |= {base + base[-1] + "ed", base + base[-1] + "ing"}
    return forms


def gerund(base: str) -> str:
    """The -ing form of a verb: take → taking, sit → sitting, go → going."""
    if base.endswith("ie"):
        return base[:-2] + "ying"
    if base.endswith("e") and not base.endswith(("ee", "ye", "oe")) and len(base) > 2:
        return base[:-1] + "ing"
    if _doubles(base):
        return base + base[-1] + "ing"
    return base + "ing"


def _doubles(base: str) -> bool:
    # One short vowel before one final consonant doubles it: stop → stopped, sit → sitting.
    vowels = "aeiou"
    # Unstressed endings do not: open → opening.
    return (3 <= len(base) <= 4 and base[-1] not in vowels + "wxy"
            and base[-2] in vowels and base[-3] not in vowels
            and not base.endswith(("en", "er", "on")))
