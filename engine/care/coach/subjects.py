"""Who a clause's subject words name: staff ("I", "carers"), the person ("she", "Ivy", "Mr
Patel", "the client"), someone else ("her daughter", "the DN"), a thing, or nobody."""
from __future__ import annotations

import re

from engine.care.coach.grammar import (
    ADVERBS,
    DETERMINERS,
    NOBODY,
    OTHER,
    PERSON,
    PREPOSITIONS,
    PROFESSIONAL_TITLES,
    PRONOUNS,
    THING,
    TITLES,
)
from engine.care.coach.lexicon import Lexicon
from engine.care.coach.sentences import QUOTE, Token

NOT_SUBJECTS = PREPOSITIONS | {"and", "or", "but", "if", "when"}
# Ivy, Mary-Jane, O'Neill, McDonald.
NAME = re.compile(r"(?:[A-Z]['’])?[A-Z][a-z]+(?:[A-Z][a-z]+)?(?:-[A-Z]?[a-z]+)*")


def actor_of(subject: list[Token], lexicon: Lexicon) -> tuple[str, str | None]:
    """Who the subject words name, and the person's name if they name the person."""
    if not subject:
        return NOBODY, None
    head = _head(subject)
    norms = [token.norm for token in head]
    for size in (3, 2, 1):
        phrase = " ".join(norms[-size:]) if len(norms) >= size else ""
        if phrase in PRONOUNS:
            return PRONOUNS[phrase], None
        if phrase in lexicon.phrases:
            return lexicon.phrases[phrase], None
    name = _name(head, lexicon)
    if name:
        return (OTHER, None) if head[0].norm in PROFESSIONAL_TITLES else (PERSON, name)
    if any(token.norm in DETERMINERS for token in head) or len(head) > 2:
        return THING, None
    # A bare word before the verb that names no one ("Unable", "lips moistened") leaves the
    # subject unwritten, as staff often do.
    return NOBODY, None


def _head(subject: list[Token]) -> list[Token]:
    """The subject's main noun phrase: before any preposition, after any possessive."""
    words = [token for token in subject if token.norm != QUOTE]
    while len(words) > 1 and (words[-1].norm in ADVERBS or words[-1].norm.endswith("ly")):
        words = words[:-1]
    for index, token in enumerate(words):
        if index and token.norm in NOT_SUBJECTS:
            words = words[:index]
            break
    possessives = [index for index, token in enumerate(words[:-1]) if token.norm == "'s"]
    if possessives:
        words = words[possessives[-1] + 1:]   # "Gloria's granddaughter": the granddaughter
    return [token for token in words if token.norm != "'s"] or subject[:1]


def _name(head: list[Token], lexicon: Lexicon) -> str | None:
    """The person's name if the words are one ("Mr Ahmed", "Ivy"), else None."""
    words = [token for token in head if token.norm not in DETERMINERS]
    if not words:
        return None
    if words[0].norm in TITLES | PROFESSIONAL_TITLES and len(words) > 1:
        return " ".join(token.text for token in words[:2])
    return words[-1].text if is_name(words[-1], lexicon) else None


def is_name(token: Token, lexicon: Lexicon) -> bool:
    """A capitalised word the lexicon does not know as anything else."""
    norm = token.norm
    return (NAME.fullmatch(token.text) is not None
            and norm not in lexicon.phrases and norm not in lexicon.non_names
            and norm not in lexicon.fillers and norm not in PRONOUNS
            and norm not in lexicon.care_verbs.forms and norm not in lexicon.person_verbs.forms
            and not (lexicon.is_past_form(norm) and len(norm) > 4))


def names_in(tokens: list[Token], lexicon: Lexicon) -> list[str]:
    """Names the note uses beyond its subjects: after a title, or mid-sentence ("with Kerry")."""
    names = []
    for index, token in enumerate(tokens[1:], start=1):
        before = tokens[index - 1]
        if before.norm in TITLES and token.is_capitalised:
            names.append(f"{before.text} {token.text}")
        elif is_name(token, lexicon) and before.norm not in PLACE_WORDS \
                and before.norm not in {".", "!", "?", ";", "-", "'s"} \
                and not (index + 1 < len(tokens) and tokens[index + 1].is_capitalised):
            names.append(token.text)
    return names


# A capitalised word after these is a place ("at Asda", "to Blackpool"), not the person.
PLACE_WORDS = {"at", "in", "from", "to", "on", "the", "into", "near", "via"}
