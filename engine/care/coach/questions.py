"""The question a flag asks the writer, made specific to the note: the person's name and
pronouns, the flagged words, the words after them and what the task was about."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from engine.care.coach.lexicon import Lexicon, gerund
from engine.care.coach.sentences import QUOTE, Token, tokens

PRONOUNS = {
    "she": {"they": "she", "them": "her", "their": "her", "self": "herself"},
    "he": {"they": "he", "them": "him", "their": "his", "self": "himself"},
    "they": {"they": "they", "them": "them", "their": "their", "self": "themselves"},
}
FEMININE = {"she", "her", "herself", "hers"}
MASCULINE = {"he", "him", "his", "himself"}
# Where the words after a flag stop being about it.
TOPIC_ENDS = {"again", "today", "tonight", "this", "at", "when", "as", "because", "cos", "so",
              "and", "but", "then", "after", "before", "until", "till", "x2", "x3", "all",
              "though", "if", "while", "since", "now", "anymore", "yesterday", "ever"}
TOPIC_WORDS = 6
# Words a topic does not start with: the question supplies its own ("about her shower").
LEADING = {"to", "about", "with", "into", "over", "of", "for", "around", "regarding", "on"}


@dataclass(frozen=True)
class Activity:
    patterns: tuple[re.Pattern[str], ...]
    phrase: str

    def phrase_for(self, text: str) -> str | None:
        """The activity's phrase if `text` speaks of it, with the place it names filled in."""
        for pattern in self.patterns:
            match = pattern.search(text)
            if match:
                place = (match.groupdict().get("place") or "").strip()
                return self.phrase.replace("{place}", place)
        return None


@dataclass(frozen=True)
class Person:
    name: str
    pronouns: dict[str, str]


def person_of(text: str, given: str | None, names: list[str]) -> Person:
    """Who the note is about: the given first name, else the first name it uses, else nobody."""
    name = (given or "").strip() or (names[0] if names else "the person")
    return Person(name, PRONOUNS[_pronoun(text)])


def _pronoun(text: str) -> str:
    words = [token.norm for token in tokens(text) if token.norm != QUOTE]
    feminine = sum(word in FEMININE for word in words)
    masculine = sum(word in MASCULINE for word in words)
    if feminine == masculine:
        return "they"
    return "she" if feminine > masculine else "he"


def topic_after(text: str, start: int, end: int, limit: int, lexicon: Lexicon) -> str:
    """The few words after a flag in its clause ("refused | her shower again" → "her shower");
    a flag that ends in a verb keeps it ("would not | engage with group")."""
    flagged = tokens(text[start:end])
    if flagged and flagged[-1].norm in lexicon.bases and len(flagged) > 1:
        end = start + flagged[-1].start
    words: list[Token] = []
    for token in tokens(text[end:limit]):
        if not token.is_word or token.norm in TOPIC_ENDS or token.norm[:1].isdigit():
            break
        words.append(token)
        if len(words) == TOPIC_WORDS:
            break
    spoken = [token.text for token in words]
    while spoken and spoken[0].lower() in LEADING:
        spoken = spoken[1:]
    return " ".join(spoken)


def doing(topic: str, lexicon: Lexicon) -> str:
    """The topic as an -ing phrase: "take her tablets" → "taking her tablets"."""
    words = topic.split()
    if not words:
        return "it"
    first = words[0].lower()
    if first.endswith("ing"):
        return topic
    bases = lexicon.care_verbs.bases | lexicon.person_verbs.bases
    if first in bases or first in lexicon.irregular:
        return " ".join([gerund(first)] + words[1:])
    return topic


def ask(template: str, person: Person, **facts: str) -> str:
    """The question with the note's facts filled in, opening with a capital."""
    values: dict[str, Any] = {"name": person.name, **person.pronouns,
                              "words": "", "topic": "it", "doing": "it", "phrase": "",
                              "activity": "during the visit"}
    values.update({key: value for key, value in facts.items() if value})
    question = template.format_map(values)
    question = re.sub(r"\s+([?,.])", r"\1", re.sub(r"\s{2,}", " ", question)).strip()
    return question[:1].upper() + question[1:]


def read_activities(raws: Any, where: str, problems: list[str]) -> tuple[Activity, ...]:
    """The pack's [[activities]]: patterns and the phrase a question uses for them."""
    if not isinstance(raws, list):
        problems.append(f"{where}: activities must be an array of [[activities]] tables")
        return ()
    found = []
    for index, raw in enumerate(raws):
        activity = _read_activity(raw, f"{where}: activity #{index + 1}", problems)
        if activity is not None:
            found.append(activity)
    return tuple(found)


def _read_activity(raw: Any, where: str, problems: list[str]) -> Activity | None:
    if not isinstance(raw, dict) or set(raw) != {"patterns", "phrase"} \
            or not isinstance(raw["phrase"], str) or not isinstance(raw["patterns"], list):
        problems.append(f"{where}: needs exactly patterns (a list of regexes) and a phrase")
        return None
    try:
        patterns = tuple(re.compile(pattern, re.IGNORECASE) for pattern in raw["patterns"])
    except (re.error, TypeError) as exc:
        problems.append(f"{where}: a pattern does not compile: {exc}")
        return None
    return Activity(patterns, raw["phrase"])
