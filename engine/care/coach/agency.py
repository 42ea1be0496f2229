"""Who acted in each clause of a note, and whether it records what the person did.

A clause's actor is staff, the person, someone else (family, a nurse), a thing, or nobody named
(no subject, as staff often write: "Cooked tea"). A clause records one of:

- did      the person did, said, chose or showed something ("Ivy laid the table", "she smiled");
- task     a care task was done, by staff or another, with the person absent or its object
           ("Cooked tea", "was hoisted", "Meds given", "15 min obs");
- nothing  the note says nothing happened ("No issues", "Settled");
- neutral  anything else: things, circumstances, other people's words, plans for later.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from engine.care.coach.grammar import (
    ADVERBS,
    DETERMINERS,
    DURATION_UNITS,
    DURATIONS,
    GENERIC_GERUNDS,
    NOBODY,
    OBJECT_PERSON,
    OBJECT_STAFF,
    OTHER,
    PASSIVE_TAIL,
    PERSON,
    PREPOSITIONS,
    PRONOUNS,
    STAFF,
    SUBJECT_PRONOUNS,
    THING,
)
from engine.care.coach.lexicon import Lexicon
from engine.care.coach.sentences import SUBORDINATORS, Clause, Sentence, Token
from engine.care.coach.subjects import actor_of
from engine.care.coach.verbs import Group, is_base_form, is_state, verb_group, verb_index

DID, TASK, NOTHING, NEUTRAL = "did", "task", "nothing", "neutral"
COORDINATE = {",", "and", "but", "or", "then"}


@dataclass(frozen=True)
class ClauseReading:
    clause: Clause
    actor: str               # staff | person | other | thing | nobody
    kind: str                # did | task | nothing | neutral
    passive: bool
    subject_end: int         # where the subject ends in the note (the clause start if none)
    verb: Token | None
    name: str | None         # the person's name when the clause names them as its subject
    chose: bool              # the clause records a choice of the person's
    named: str = NOBODY      # who the subject words themselves name, before any inference

    @property
    def text_range(self) -> tuple[int, int]:
        """Where the clause stands in the note."""
        return self.clause.start, self.clause.end

    @property
    def subordinate(self) -> bool:
        """A circumstance ("when I arrived"), not a statement of the record."""
        return self.clause.link not in COORDINATE | {"start", "so"}


@dataclass(frozen=True)
class SentenceReading:
    sentence: Sentence
    clauses: tuple[ClauseReading, ...]

    @property
    def actors(self) -> set[str]:
        """Who acted in the sentence."""
        return {reading.actor for reading in self.clauses if reading.verb is not None}

    def person_did(self, text: str) -> list[str]:
        """The clauses that record what the person did, said or showed, as written."""
        return [text[slice(*reading.text_range)] for reading in self.clauses
                if reading.kind == DID]

    def person_chose(self, text: str) -> list[str]:
        """The clauses that record a choice the person made, as written."""
        return [text[slice(*reading.text_range)] for reading in self.clauses if reading.chose]


def read_sentence(sentence: Sentence, text: str, lexicon: Lexicon) -> SentenceReading:
    """Who acted in each clause of the sentence and what each clause records."""
    readings: list[ClauseReading] = []
    main: ClauseReading | None = None
    for clause in sentence.clauses:
        inherited = main if clause.link in COORDINATE else None
        if clause.link == "and" and readings and readings[-1].verb is not None:
            inherited = readings[-1]   # "while Marcus laid the table and chose the music"
        reading = _read_clause(clause, text, lexicon, inherited, readings[-1:])
        readings.append(reading)
        if not reading.subordinate and clause.link != "(" and reading.verb is not None:
            main = reading
    return SentenceReading(sentence, tuple(readings))


def _read_clause(clause: Clause, text: str, lexicon: Lexicon, inherited: ClauseReading | None,
                 before: list[ClauseReading]) -> ClauseReading:
    words = _without_fillers([token for token in clause.tokens if token.is_word], lexicon)
    said = text[clause.start:clause.end]
    chose = bool(lexicon.choice.search(said))
    if not words:
        return _reading(clause, NEUTRAL, chose=chose)
    at = verb_index(words, lexicon)
    subject = words[:at] if at is not None else []
    if _says_nothing_happened(words[at:] if at is not None else words, text, lexicon) \
            or _says_nothing_happened(words, text, lexicon):
        return _reading(clause, NOTHING, subject=subject)
    if at is None:
        return _fragment(clause, words, said, lexicon, before, chose)
    named, name = actor_of(subject, lexicon)
    group = verb_group(words[at:], lexicon, person=named == PERSON)
    actor = named
    if named == NOBODY and inherited is not None and _carries(inherited, group, lexicon):
        actor, name = inherited.actor, inherited.name
        group = dataclasses.replace(
            group, passive=group.passive or inherited.passive and group.participle)
    facts = _Facts(said, clause.start, chose,
                   pronoun=bool(subject) and subject[-1].norm in SUBJECT_PRONOUNS,
                   # A bare noun before a participle is what was done to: "Routine followed".
                   done_to=THING if subject and named == NOBODY else actor)
    kind, actor, passive = _kind(actor, group, facts, lexicon)
    if chose and kind != DID and not passive and named not in {STAFF, OTHER}:
        kind = DID   # "Her choice to stay in bed": the choice is recorded, whoever acted
    if clause.link in SUBORDINATORS and kind == TASK:
        kind = NEUTRAL   # a circumstance ("when I arrived"), not the record of a task
    chose = chose or actor == PERSON and group.verb is not None \
        and group.verb.norm in lexicon.choice_verbs.forms
    return ClauseReading(clause, actor, kind, passive,
                         subject[-1].end if subject else clause.start, group.verb, name, chose,
                         named)


@dataclass(frozen=True)
class _Facts:
    said: str        # the clause as written
    start: int       # where it starts in the note
    chose: bool      # a mark of choice stands in it
    pronoun: bool    # its subject is a pronoun
    done_to: str     # who a bare participle was done to


def _carries(inherited: ClauseReading, group: Group, lexicon: Lexicon) -> bool:
    # A thing's subject goes on to a participle ("Syringe driver checked, running as
    # prescribed"), not to a past tense ("Attention seeking all evening, kept coming…").
    if inherited.actor != THING or group.verb is None:
        return True
    verb = group.verb.norm if group.verb else ""
    return group.participle and verb in lexicon.care_verbs.forms or verb.endswith("ing")


def _reading(clause: Clause, kind: str, subject: list[Token] | None = None,
             chose: bool = False, actor: str = NOBODY) -> ClauseReading:
    return ClauseReading(clause, actor, kind, False,
                         subject[-1].end if subject else clause.start, None, None, chose)


def _without_fillers(words: list[Token], lexicon: Lexicon) -> list[Token]:
    """The clause without the times and fillers it may open with ("08:30", "Today", "Then")."""
    index = 0
    while index < len(words) and _is_filler(words, index, lexicon):
        index += 1
    return words[index:]


def _is_filler(words: list[Token], index: int, lexicon: Lexicon) -> bool:
    norm = words[index].norm
    following = words[index + 1].norm if index + 1 < len(words) else ""
    if f"{norm} {following}" in lexicon.care_nouns:
        return False   # "Night sit", "2 hrly checks"
    return (norm in lexicon.fillers or norm[:1].isdigit()
            or norm in {"am", "pm", "at", "on", "by"} and following[:1].isdigit())


def _kind(actor: str, group: Group, facts: _Facts, lexicon: Lexicon) -> tuple[str, str, bool]:
    """What the clause records, who did it, and whether it is passive."""
    if group.verb is None or group.nominal:
        return NEUTRAL, actor, False
    passive = group.passive or _reads_as_done(facts.done_to if actor == NOBODY else actor,
                                              group, lexicon, facts.pronoun)
    if group.state:
        return (DID if actor in {PERSON, NOBODY} else NEUTRAL), actor, False
    if lexicon.own.search(facts.said):
        return DID, PERSON, False
    if passive:
        # The choice must not be the passive's own verb ("picked up at 3").
        chose = facts.chose and not lexicon.choice.match(facts.said,
                                                         group.verb.start - facts.start)
        return _passive_kind(actor, group, chose, lexicon)
    if actor == NOBODY and not group.auxiliary and not group.negated \
            and is_base_form(group.verb.norm, lexicon):
        return NEUTRAL, NOBODY, False  # "Move the picture card next to the kettle": a plan
    if actor == NOBODY:
        actor = _implied_actor(group, facts.said, lexicon)
    return _active_kind(actor, group, lexicon), actor, False


def _reads_as_done(actor: str, group: Group, lexicon: Lexicon, pronoun: bool) -> bool:
    """A participle without "was" that records a task done ("Client seen", "Hoisted to bed")."""
    if not group.participle or group.auxiliary or actor in {STAFF, OTHER}:
        return False
    verb = group.verb.norm if group.verb else ""
    following = group.rest[0].norm if group.rest else ""
    if following == "by":
        return True
    tail = not group.rest or following in PASSIVE_TAIL or following[:1].isdigit()
    if actor == THING:
        return tail   # "Hoist used for all transfers", "All care needs met"
    if pronoun:
        return verb in lexicon.only_participles   # "she tried" is active
    return (verb in lexicon.only_participles or verb in lexicon.care_verbs.participles) and tail


def _passive_kind(actor: str, group: Group, chose: bool,
                  lexicon: Lexicon) -> tuple[str, str, bool]:
    if group.negated:
        return NEUTRAL, actor, True   # "clothes not changed": nothing was done
    if chose:
        return DID, PERSON, True      # "Hoisted to the recliner at her request"
    if group.modal:
        return NEUTRAL, actor, True   # "needs to be fed", "will be reviewed"
    return TASK, _agent(group.rest, lexicon) or actor, True


def _agent(rest: list[Token], lexicon: Lexicon) -> str | None:
    norms = [token.norm for token in rest]
    if "by" not in norms:
        return None
    actor, _ = actor_of(rest[norms.index("by") + 1:][:3], lexicon)
    return actor if actor in {STAFF, OTHER} else None


def _implied_actor(group: Group, said: str, lexicon: Lexicon) -> str:
    """Who did it when the clause names nobody: staff for a care task, else the person."""
    verb = group.verb.norm if group.verb else ""
    following = group.rest[0].norm if group.rest else ""
    if verb in lexicon.observe_verbs.forms:
        return STAFF                   # "Poor hygiene noted", "found them in the pot"
    if group.negated and group.modal:
        return PERSON                  # "Would not sit at the table", "won't take PRN"
    if following in OBJECT_STAFF:
        return PERSON                  # "told me", "held my hand": someone acting towards staff
    if verb in lexicon.present_forms:
        return PERSON                  # "Says the water's too cold", "Needs reassurance"
    if following in OBJECT_PERSON or _her_as_object(group.rest) \
            or _done_with_the_person(said, lexicon):
        return STAFF                   # "Made her a cuppa", "Went to the shops with Hayley"
    if verb in GENERIC_GERUNDS:
        return PERSON                  # "doing it for attention", "making a fuss"
    if verb in lexicon.care_verbs.forms:
        return STAFF
    if group.rest and group.rest[0].is_capitalised and verb not in lexicon.person_verbs.forms:
        return STAFF                   # "Took Aiden out"
    return PERSON


def _her_as_object(rest: list[Token]) -> bool:
    # "Made her a cuppa", "Told her she's having": her before a determiner, pronoun or nothing
    # is the person acted on, not her possession ("her toast").
    if not rest or rest[0].norm != "her":
        return False
    following = rest[1].norm if len(rest) > 1 else ""
    return following in DETERMINERS | PREPOSITIONS | {"", "that"} or following in PRONOUNS \
        or following[:1] in {"'", ",", "."}


def _done_with_the_person(said: str, lexicon: Lexicon) -> bool:
    # "with Hayley", "with her": staff did it alongside the person; "with her sister" is
    # someone else's company.
    match = re.search(r"\bwith\s+(?:him|her|them|(?-i:[A-Z][a-z]+))\b(?:\s+(\w+))?", said)
    return match is not None and (match.group(1) or "").lower() not in lexicon.others


def _active_kind(actor: str, group: Group, lexicon: Lexicon) -> str:
    verb = group.verb.norm if group.verb else ""
    if actor == PERSON:
        return DID
    if actor == THING or _is_duration(verb, group.rest):
        return NEUTRAL                 # "took ages", "took 3 attempts"
    if group.modal or group.negated or verb in lexicon.observe_verbs.forms:
        return NEUTRAL                 # "will let office know", "found them in the pot"
    if actor == OTHER:
        return TASK if verb in lexicon.care_verbs.forms else NEUTRAL
    return TASK


def _is_duration(verb: str, rest: list[Token]) -> bool:
    if verb not in {"took", "takes", "take", "taking", "lasted"} or not rest:
        return False
    following = [token.norm for token in rest[:2]] + [""]
    return (following[0] in DURATIONS or following[:2] in (["a", "while"], ["a", "long"])
            or following[0][:1].isdigit() and following[1] in DURATION_UNITS)


def _fragment(clause: Clause, words: list[Token], said: str, lexicon: Lexicon,
              before: list[ClauseReading], chose: bool) -> ClauseReading:
    """A clause without a verb: a care noun records a task ("15 min obs"), a state how the person
    was ("Tired this eve"); a list after "and" goes with the clause before it."""
    content = [token for token in words if token.norm not in DETERMINERS | ADVERBS
               and not token.norm[:1].isdigit()]
    if clause.link == "and" and before:
        previous = before[-1]
        return ClauseReading(clause, previous.actor, previous.kind, previous.passive,
                             clause.start, None, previous.name, chose)
    if content and is_state(content, 0, lexicon) or lexicon.own.search(said):
        return _reading(clause, DID, chose=chose)
    if chose:
        return _reading(clause, DID, chose=True, actor=PERSON)
    if any(_is_care_noun(content, index, lexicon) for index in range(min(2, len(content)))):
        return _reading(clause, TASK)
    return _reading(clause, NEUTRAL)


def _is_care_noun(words: list[Token], index: int, lexicon: Lexicon) -> bool:
    norm = words[index].norm
    pair = f"{norm} {words[index + 1].norm}" if index + 1 < len(words) else ""
    return norm in lexicon.care_nouns or pair in lexicon.care_nouns


def _says_nothing_happened(words: list[Token], text: str, lexicon: Lexicon) -> bool:
    if not words:
        return False
    said = text[words[0].start:words[-1].end]
    said = re.sub(r"\b\d[\d:.]*\s*(?:am|pm|hrs?)?\b", " ", said).strip(" .,;-")
    return bool(said) and lexicon.nothing.fullmatch(said) is not None
