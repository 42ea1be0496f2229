"""A note cut into sentences, clauses and tokens, with the person's quoted words set apart."""
from __future__ import annotations

import re
from dataclasses import dataclass

# Staff type fast: restore the apostrophe the negations lose ("wouldnt" → "wouldn't").
NEGATIONS = {"didnt": "didn't", "wouldnt": "wouldn't", "wont": "won't", "cant": "can't",
             "dont": "don't", "doesnt": "doesn't", "isnt": "isn't", "wasnt": "wasn't",
             "couldnt": "couldn't", "shouldnt": "shouldn't", "hasnt": "hasn't",
             "havent": "haven't", "arent": "aren't", "werent": "weren't", "hadnt": "hadn't"}
CLITICS = ("'s", "'re", "'m", "'ve", "'d", "'ll")
# Abbreviations after which a full stop does not end the sentence.
ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "st", "approx", "eg", "ie", "no", "vs"}
SENTENCE_ENDS = {".", "!", "?", ";"}
DASHES = {"-", "–", "—"}
QUOTE = "«quote»"
# Words that join two statements ("Cooked tea and washed up", "so staff did it") and words that
# start a circumstance ("when I arrived", "while Ivy laid the table").
COORDINATORS = {"and", "but", "then", "so", "or", "plus"}
SUBORDINATORS = {"while", "whilst", "when", "as", "because", "cos", "if", "until", "till",
                 "before", "after", "since", "though", "although", "once", "where", "whereas"}

WORD = re.compile(r"£?\d+(?:[.:/-]\d+)*[a-z]*|[A-Za-z]+(?:['’][A-Za-z]+)*(?:[-&][A-Za-z]+)*|\S")
# Quoted words open after a space or bracket and close before a space or punctuation, so the
# apostrophes inside "I'm" or "Nan's" are not taken for quote marks.
QUOTED = re.compile(r"""(?:(?<=^)|(?<=[\s(\[]))(['‘"“])(?=\S)(.+?)(?<=\S)(['’"”])"""
                    r"""(?=[\s,.;:!?)\]]|$)""")


@dataclass(frozen=True)
class Token:
    text: str
    norm: str
    start: int
    end: int

    @property
    def is_word(self) -> bool:
        """Letters or digits, not punctuation."""
        return self.norm[:1].isalnum() or self.norm[:1] in "£'" or self.norm == QUOTE

    @property
    def is_capitalised(self) -> bool:
        """Written with a capital and then lower case, as a name is."""
        return self.text[:1].isupper() and not self.text.isupper()


@dataclass(frozen=True)
class Clause:
    tokens: tuple[Token, ...]
    link: str          # what joins it to the clause before: "start", ",", "and", "while", …

    @property
    def start(self) -> int:
        """Where the clause starts in the note."""
        return self.tokens[0].start

    @property
    def end(self) -> int:
        """Where the clause ends in the note."""
        return self.tokens[-1].end


@dataclass(frozen=True)
class Sentence:
    tokens: tuple[Token, ...]
    clauses: tuple[Clause, ...]

    @property
    def start(self) -> int:
        """Where the sentence starts in the note."""
        return self.tokens[0].start

    @property
    def end(self) -> int:
        """Where the sentence ends in the note."""
        return self.tokens[-1].end


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Where the note quotes someone's own words (quote marks included)."""
    return [(match.start(), match.end()) for match in QUOTED.finditer(text)
            if _pairs(match.group(1), match.group(3))]


def _pairs(opening: str, closing: str) -> bool:
    return {"'": "'’", "‘": "’'", '"': '"”', "“": "”\""}[opening].find(closing) >= 0


def tokens(text: str) -> list[Token]:
    """The words and punctuation of `text`; a quotation becomes one token."""
    found: list[Token] = []
    position = 0
    for start, end in quoted_spans(text) + [(len(text), len(text))]:
        found.extend(_plain_tokens(text, position, start))
        if end > start:
            found.append(Token(text[start:end], QUOTE, start, end))
        position = end
    return found


def _plain_tokens(text: str, start: int, end: int) -> list[Token]:
    found: list[Token] = []
    for match in WORD.finditer(text, start, end):
        found.extend(_split_clitic(match.group(0), match.start()))
    return found


def _split_clitic(word: str, start: int) -> list[Token]:
    norm = word.lower().replace("’", "'")
    norm = NEGATIONS.get(norm, norm)
    for clitic in CLITICS:
        if norm.endswith(clitic) and len(norm) > len(clitic):
            cut = len(word) - len(clitic)
            return [Token(word[:cut], norm[:-len(clitic)], start, start + cut),
                    Token(word[cut:], clitic, start + cut, start + len(word))]
    return [Token(word, norm, start, start + len(word))]


def sentences(text: str) -> list[Sentence]:
    """The note's sentences, each cut into clauses at commas and joining words."""
    found = []
    for run in _sentence_runs(text, tokens(text)):
        words = tuple(run)
        clauses = _clauses(words)
        if clauses:
            found.append(Sentence(words, tuple(clauses)))
    return found


def _sentence_runs(text: str, all_tokens: list[Token]) -> list[list[Token]]:
    runs: list[list[Token]] = [[]]
    for index, token in enumerate(all_tokens):
        if _line_break_before(text, all_tokens, index):
            runs.append([])
        if _ends_sentence(text, all_tokens, index):
            runs.append([])
        else:
            runs[-1].append(token)
    return [run for run in runs if any(token.is_word for token in run)]


def _line_break_before(text: str, all_tokens: list[Token], index: int) -> bool:
    # A line break in the note ends a sentence as surely as a full stop.
    return index > 0 and "\n" in text[all_tokens[index - 1].end:all_tokens[index].start]


def _ends_sentence(text: str, all_tokens: list[Token], index: int) -> bool:
    token = all_tokens[index]
    if token.norm in DASHES:
        # " - " between words joins two statements; "2-hourly" or "x-ray" does not.
        return text[token.start - 1:token.start].isspace() and text[token.end:token.end + 1] \
            .isspace()
    if token.norm not in SENTENCE_ENDS:
        return False
    before = all_tokens[index - 1].norm if index else ""
    return not (token.norm == "." and before in ABBREVIATIONS)


def _clauses(words: tuple[Token, ...]) -> list[Clause]:
    clauses: list[Clause] = []
    current: list[Token] = []
    aside: list[Token] | None = None
    link = "start"
    for index, token in enumerate(words):
        # Words in brackets are an aside; the clause they interrupt goes on after them.
        if token.norm == "(" and aside is None:
            aside = []
            continue
        if aside is not None:
            if token.norm == ")":
                _close(clauses, aside, "(")
                aside = None
            else:
                aside.append(token)
            continue
        joint = _joint(words, index)
        if joint is None:
            current.append(token)
            continue
        # A comma after nothing (", and") keeps the joining word that follows it.
        if _close(clauses, current, link) or joint != ",":
            link = joint
        current = [] if joint == "," else [token]
    _close(clauses, aside or [], "(")
    _close(clauses, current, link)
    return [_without_link_word(clause) for clause in clauses]


def _close(clauses: list[Clause], words: list[Token], link: str) -> bool:
    if not any(word.is_word for word in words):
        return False
    clauses.append(Clause(tuple(words), link))
    return True


def _joint(words: tuple[Token, ...], index: int) -> str | None:
    """The joining word or mark a clause starts with at `index`, if one starts there."""
    norm = words[index].norm
    if norm in {",", ")", ":", "/"}:
        return ","
    if index == 0:
        return None
    if norm in COORDINATORS:
        return norm
    if norm in SUBORDINATORS and _subject_follows(words, index):
        return norm
    return None


def _subject_follows(words: tuple[Token, ...], index: int) -> bool:
    # "before tea" is a time, "before he could have pudding" a clause: a subordinator starts a
    # clause only when a subject (a pronoun or a name) or a verb in -ing or -ed follows it.
    if index + 1 >= len(words):
        return False
    following = words[index + 1]
    if following.norm in {"i", "we", "he", "she", "they", "it", "you", "staff"} \
            or following.is_capitalised:
        return True
    # "when asked to turn it down" is a clause; "as prescribed", "as agreed" are not.
    return words[index].norm != "as" and following.norm.endswith(("ed", "ing"))


def _without_link_word(clause: Clause) -> Clause:
    if clause.link not in {"start", ","} and len(clause.tokens) > 1 \
            and clause.tokens[0].norm == clause.link:
        return Clause(clause.tokens[1:], clause.link)
    return clause
