"""Where a clause's verb stands and what kind of verb group it is: active, passive ("was
hoisted", "Meds given"), a state ("seemed tired"), a description ("is a wanderer")."""
from __future__ import annotations

from dataclasses import dataclass

from engine.care.coach.grammar import (
    ADVERBS,
    BE,
    COPULAS,
    DETERMINERS,
    GET,
    HAVE_DO,
    MODALS,
    NEGATORS,
    PARTICLES,
    PREPOSITIONS,
    PRONOUNS,
    SUBJECT_PRONOUNS,
    WANT,
)
from engine.care.coach.lexicon import Lexicon
from engine.care.coach.sentences import QUOTE, Token


@dataclass(frozen=True)
class Group:
    verb: Token | None
    rest: list[Token]          # the words after the verb
    modal: bool = False        # "would", "will", "needs to": not a record of what was done
    negated: bool = False
    passive: bool = False      # "was hoisted"
    state: bool = False        # "was tired", "seemed happy"
    participle: bool = False   # the verb can be a past participle
    auxiliary: bool = False    # an auxiliary came before the verb
    nominal: bool = False      # "is a wanderer", "was at church": a description, not an action


def verb_index(words: list[Token], lexicon: Lexicon) -> int | None:
    """Where the clause's verb group starts, if it has one."""
    for index, token in enumerate(words):
        if token.norm == QUOTE:
            continue
        following = words[index + 1].norm if index + 1 < len(words) else ""
        if _opens_group(token.norm, following, lexicon):
            return index
        if index == 0 and is_state(words, 0, lexicon) and token.norm not in lexicon.phrases:
            return index   # "Unable to make decisions", "Tired this eve": "was" left out
        if _is_verb_here(words, index, lexicon) or _follows_pronoun(words, index):
            while index and words[index - 1].norm in NEGATORS:
                index -= 1   # "clothes not changed": the negation is the verb's
            return index
    return None


def _opens_group(norm: str, following: str, lexicon: Lexicon) -> bool:
    if norm.endswith("n't") or norm in (MODALS - WANT - {"going"}) | COPULAS:
        return True
    if norm in GET:
        return lexicon.is_past_form(following)
    if norm == "'s":
        return not is_possessed(following, lexicon)
    return norm in BE or norm in HAVE_DO


def _follows_pronoun(words: list[Token], index: int) -> bool:
    """Whatever follows a subject pronoun is its verb: "he spoke", "she still sobbed"."""
    before = [token.norm for token in words[:index] if token.norm not in ADVERBS]
    norm = words[index].norm
    return (len(before) == 1 and before[0] in SUBJECT_PRONOUNS and norm.isalpha()
            and norm not in DETERMINERS | PREPOSITIONS | ADVERBS)


def is_possessed(following: str, lexicon: Lexicon) -> bool:
    """Whether the word after "'s" is a thing owned ("daughter's orders"), not a verb or state
    ("Chloe's being difficult", "he's set an alarm", "she's at the shops")."""
    if not following or following in DETERMINERS | PREPOSITIONS | ADVERBS | NEGATORS \
            or following in BE or following in lexicon.states:
        return False
    return not (lexicon.is_past_form(following) or following.endswith("ing")
                or following in lexicon.irregular_forms)


def _is_verb_here(words: list[Token], index: int, lexicon: Lexicon) -> bool:
    token = words[index]
    norm = token.norm
    if not lexicon.is_verb(norm):
        return False
    before = words[index - 1].norm if index else ""
    following = words[index + 1].norm if index + 1 < len(words) else ""
    if f"{norm} {following}" in lexicon.phrases or f"{before} {norm}" in lexicon.phrases:
        return False  # "Mouth care done", "Bed call done": a noun
    if norm in lexicon.phrases and not lexicon.is_past_form(norm) \
            and before not in PRONOUNS and before not in MODALS | BE | HAVE_DO:
        return False  # "Bins out", "2 hrly checks", "Washing up done": a noun
    if before in DETERMINERS or before == "'s" and is_possessed(norm, lexicon):
        return False  # "the washing", "her dressing", "daughter's orders"
    if before in PREPOSITIONS and norm.endswith("ing"):
        return False  # "about getting up": a gerund, not the clause's verb
    if index and is_base_form(norm, lexicon) and before not in PRONOUNS \
            and before not in ADVERBS and before != "to" and before not in lexicon.phrases:
        return False  # "the hoist transfer", "his PBS plan": a noun after a noun
    # A capitalised word mid-clause is a name unless the lexicon knows it as a verb.
    return not (token.is_capitalised and index and norm not in lexicon.care_verbs.forms
                and norm not in lexicon.person_verbs.forms)


def is_base_form(norm: str, lexicon: Lexicon) -> bool:
    """A verb's plain form ("offer", "move"), which is not also a past ("put", "set")."""
    return norm in lexicon.bases and not lexicon.is_past_form(norm) \
        and norm not in lexicon.irregular_forms


def is_state(words: list[Token], index: int, lexicon: Lexicon) -> bool:
    """Whether the words at `index` say how the person was ("tired", "low in mood")."""
    norm = words[index].norm
    pair = f"{norm} {words[index + 1].norm}" if index + 1 < len(words) else ""
    return norm in lexicon.states or pair in lexicon.states


def verb_group(predicate: list[Token], lexicon: Lexicon, person: bool = False) -> Group:
    """The verb group the predicate opens with: auxiliaries, negation, then the verb."""
    flags = {"modal": False, "negated": False, "auxiliary": False}
    be_before = False
    for index, token in enumerate(predicate):
        norm = token.norm
        following = predicate[index + 1].norm if index + 1 < len(predicate) else ""
        rest = predicate[index + 1:]
        if norm == "'s" and person and lexicon.is_past_form(following):
            flags["auxiliary"] = True   # "Danny's decided": has, not is
        elif norm.endswith("n't") or norm in NEGATORS:
            flags["negated"] = True
            flags["modal"] |= norm.startswith(("won", "would", "could", "can", "should", "must"))
            be_before |= norm.startswith(("wasn", "isn", "weren", "aren"))
        elif norm in ADVERBS or norm.endswith("ly") and len(norm) > 4:
            continue
        elif _is_modal(norm, following):
            flags["modal"] |= norm != "to"
            flags["auxiliary"] = True
        elif norm in COPULAS:
            return Group(token, rest, state=True, **flags)
        elif norm in BE and _describes(predicate, index, lexicon):
            return Group(token, rest, nominal=True, **flags)
        elif _is_auxiliary(norm, following, lexicon):
            be_before |= norm in BE
            flags["auxiliary"] = True
        elif is_state(predicate, index, lexicon):
            return Group(token, rest, state=True, **flags)
        else:
            participle = norm in lexicon.participles_all or lexicon.is_past_form(norm)
            return Group(token, rest, passive=be_before and participle
                         and not norm.endswith("ing"), participle=participle, **flags)
    return Group(None, [], state=be_before, **flags)


def _is_modal(norm: str, following: str) -> bool:
    # "had to be done", "needs to be fed": obligation, not a record.
    return (norm in MODALS - WANT or norm == "to"
            or norm in {"has", "have", "had", "need", "needs", "needed"} and following == "to")


def _describes(predicate: list[Token], index: int, lexicon: Lexicon) -> bool:
    # "is a wanderer", "was at church": what or where the person is, not what they did.
    following = predicate[index + 1].norm if index + 1 < len(predicate) else ""
    if following in {"a", "an", "the", "such", "my", "our", "one"}:
        return True
    return following in PREPOSITIONS - PARTICLES and not is_state(predicate, index + 1, lexicon)


def _is_auxiliary(norm: str, following: str, lexicon: Lexicon) -> bool:
    # "was hoisted", "has been", "had cleaned"; but "got up", "had a wash" are the verb itself.
    if norm in GET:
        return lexicon.is_past_form(following) and following not in {"up", "dressed"}
    if norm in BE:
        return True
    return norm in HAVE_DO and (lexicon.is_verb(following) or following in BE)
